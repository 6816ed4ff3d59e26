"""Building the real application in-process for UI tests, screenshots and benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from kiosk.app import KioskApp
from kiosk.bootstrap import build_app
from kiosk.config import build_config
from tests.support.journey import Driver
from ui import driving
from ui.window import KioskWindow


def demo_app(data_dir: Path, synchronous: bool = False, **settings: dict[str, Any]) -> KioskApp:
    """The demo configuration (simulated devices, windowed) with its data in ``data_dir``.

    ``settings`` are TOML-like tables: ``demo_app(tmp, session={"idle_warning_s": 10})``.
    """
    # Orientation detection asks Tesseract (~1 s a page), which cannot read the simulator's
    # pages (text drawn as bars) anyway: off unless a test turns it on. Its own tests are in
    # tests/unit/test_orientation.py and tests/ui/test_scanning.py.
    raw: dict[str, dict[str, Any]] = {
        "ui": {"fullscreen": False},
        **settings,
        "scanner": {"detect_orientation": False, **settings.get("scanner", {})},
    }
    config = build_config(raw, "(test)", demo=True, demo_data_dir=data_dir)
    return build_app(config, synchronous_devices=synchronous)


def widget_driver(window: KioskWindow, wait_until: Callable[[Callable[[], bool]], None]) -> Driver:
    return Driver(
        click=lambda name: driving.click(window, name),
        type_text=lambda name, text: driving.type_text(window, name, text),
        wait_until=wait_until,
        scanned=lambda: not window.busy and window.piece.page_count > 0,
    )


def pump_until(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    """Process events until ``predicate()``; as the real event loop does, also run the
    deferred deletions (``processEvents`` alone leaves every ``deleteLater`` pending)."""
    deadline = time.monotonic() + timeout
    while True:
        QApplication.processEvents()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        if predicate():
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the kiosk did not reach the expected state")
        time.sleep(0.002)
