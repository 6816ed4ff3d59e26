"""Screen-to-screen transition time: p95 over 200 transitions, against a bare page switch.

A transition is one tap on "Continuer" or "Retour" through the real controller, up to the
new screen painted (a synchronous repaint of the window). The reference, in the same run,
is a bare QStackedWidget switching between two static pages of the same size.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication, QLabel, QStackedWidget

from tests.support.inprocess import demo_app, pump_until, widget_driver
from tests.support.journey import walk_to_recap
from ui import driving
from ui.main import window_for

TRANSITIONS = 200
TARGET_MS = 17.0


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def _timed(action: Callable[[], None], repaint: Callable[[], None]) -> float:
    started = time.perf_counter()
    action()
    repaint()
    elapsed = time.perf_counter() - started
    pump_until(lambda: True)  # deferred deletions, outside the measured frame
    return elapsed


def measure_kiosk(qt_app: QApplication) -> list[float]:
    with tempfile.TemporaryDirectory() as data:
        app = demo_app(Path(data))
        window = window_for(app, qt_app)
        window.resize(1280, 800)
        window.show()
        walk_to_recap(widget_driver(window, pump_until))  # every answer is now filled in
        samples: list[float] = []
        direction = "back"
        while len(samples) < TRANSITIONS:
            session = app.session
            assert session is not None
            if direction == "back" and session.current == session.engine.first_step({}).id:
                direction = "continue"
            elif direction == "continue" and window.current_screen == "recap":
                direction = "back"
            samples.append(_timed(lambda d=direction: driving.click(window, d), window.repaint))
        app.devices.shutdown()
        app.store.close()
        window.close()
    return samples


def measure_bare() -> list[float]:
    stack = QStackedWidget()
    for text in ("Page un", "Page deux"):
        stack.addWidget(QLabel(text))
    stack.resize(1280, 800)
    stack.show()
    samples = [
        _timed(lambda i=i: stack.setCurrentIndex(i % 2), stack.repaint)
        for i in range(1, TRANSITIONS + 1)
    ]
    stack.close()
    return samples


def report() -> str:
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qt_app, QApplication)
    kiosk = _p95(measure_kiosk(qt_app)) * 1000
    bare = _p95(measure_bare()) * 1000
    verdict = "OK" if kiosk <= TARGET_MS else "OVER TARGET"
    return (
        f"screen transition p95 over {TRANSITIONS}: kiosk {kiosk:.1f} ms, bare page switch "
        f"{bare:.1f} ms, ratio {kiosk / bare:.1f}x; target <= {TARGET_MS} ms {verdict}"
    )


if __name__ == "__main__":
    print(report())
