"""The identity photo's live view: frames painted per second on the photo screen while every
frame is analysed, against the frames the camera delivered in the same seconds.

The real window and controller on the simulated camera (30 fps, a real portrait), with
auto-capture held off so that the view stays live for the whole measure.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from kiosk import portrait_capture
from tests.support.inprocess import demo_app, pump_until, widget_driver
from tests.support.photo_demarche import photo_catalog, walk_to_photo
from ui.main import window_for

SECONDS = 4.0
TARGET_FPS = 25.0


def main() -> int:
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    # No photo during the measure: the countdown would pause the live view.
    portrait_capture.STEADY_S = 3600.0
    with tempfile.TemporaryDirectory() as data:
        catalog = photo_catalog(Path(data) / "catalog")
        app = demo_app(Path(data) / "data", kiosk={"catalog_dir": str(catalog)})
        window = window_for(app, qt_app)  # type: ignore[arg-type]
        window.resize(1280, 800)
        window.show()
        walk_to_photo(widget_driver(window, pump_until))
        screen = window.photo
        painted = 0
        show_view = screen.show_view

        def counted(*args: object) -> None:
            nonlocal painted
            painted += 1
            show_view(*args)  # type: ignore[arg-type]
            screen.preview.repaint()  # painted now, as the event loop would

        screen.show_view = counted  # type: ignore[method-assign]
        camera = app.devices.camera
        pump_until(lambda: painted > 5)  # warmed up: cascades loaded, first frames shown
        painted, frames_before = 0, camera._frame_no  # type: ignore[attr-defined]
        started = time.perf_counter()
        pump_until(lambda: time.perf_counter() - started >= SECONDS, timeout=SECONDS + 5)
        elapsed = time.perf_counter() - started
        delivered = camera._frame_no - frames_before  # type: ignore[attr-defined]
        app.devices.shutdown()
        app.store.close()
        window.close()
    fps, camera_fps = painted / elapsed, delivered / elapsed
    verdict = "met" if fps >= TARGET_FPS else "NOT met"
    print(
        f"photo preview: {fps:.1f} frames painted per second while analysing "
        f"(camera delivered {camera_fps:.1f}/s, ratio {fps / camera_fps:.2f}); "
        f"target >= {TARGET_FPS:.0f}/s, {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
