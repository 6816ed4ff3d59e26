"""Memory growth over many sessions: RSS after 500 sessions minus RSS after 10.

Each session is the whole demo journey through the real window and workers: 9 answers,
2 scanned pièces, the récapitulatif, sealing to the store on disk, the receipt, the wipe.
The reference printed beside it is the RSS after 10 sessions, measured in the same run.
"""

from __future__ import annotations

import gc
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

import ui.window
from tests.support.inprocess import demo_app, pump_until, widget_driver
from tests.support.journey import walk_to_recap
from ui import driving
from ui.main import window_for

WARMUP_SESSIONS = 10
SESSIONS = 500
TARGET_MB = 10.0
# Pages at 200 dpi keep the run short; every byte of a page is still allocated and freed.
SCAN_DPI = 200


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _settle() -> float:
    pump_until(lambda: True)
    gc.collect()
    return rss_mb()


def measure(sessions: int = SESSIONS) -> dict[str, Any]:
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qt_app, QApplication)
    ui.window.WIPED_SCREEN_MS = 1  # the 2.5 s farewell screen is not what is measured
    with tempfile.TemporaryDirectory() as data:
        app = demo_app(Path(data), scanner={"resolution_dpi": SCAN_DPI})
        window = window_for(app, qt_app)
        window.resize(1280, 800)
        window.show()
        driver = widget_driver(window, pump_until)
        after_warmup = 0.0
        trajectory: list[tuple[int, float]] = []
        started = time.monotonic()
        for done in range(1, sessions + 1):
            walk_to_recap(driver)
            driving.click(window, "send")
            pump_until(lambda: window.current_screen == "receipt")
            driving.click(window, "finish")
            pump_until(lambda: window.current_screen == "home")
            if done == WARMUP_SESSIONS:
                after_warmup = _settle()
            if done % 100 == 0:
                trajectory.append((done, _settle()))
        final = _settle()
        elapsed = time.monotonic() - started
        stored = len(app.store.outbox())
        app.devices.shutdown()
        app.store.close()
    if stored != sessions:
        raise AssertionError(f"{stored} dossiers stored for {sessions} sessions")
    return {
        "after_warmup": after_warmup,
        "final": final,
        "seconds": elapsed,
        # Growth over the second half: near zero when the growth is caches filling, not a leak.
        "second_half": final - dict(trajectory).get(sessions // 2 // 100 * 100, final),
        "trajectory": trajectory,
    }


def report() -> str:
    r = measure()
    growth = r["final"] - r["after_warmup"]
    verdict = "OK" if growth <= TARGET_MB else "OVER TARGET"
    return (
        f"memory: RSS after {WARMUP_SESSIONS} sessions {r['after_warmup']:.1f} MB (reference), "
        f"after {SESSIONS} {r['final']:.1f} MB, growth {growth:+.1f} MB "
        f"({growth / r['after_warmup']:+.1%} of the reference); "
        f"target <= {TARGET_MB} MB {verdict}; "
        f"second half {r['second_half']:+.1f} MB; RSS every 100 sessions: "
        + ", ".join(f"{mb:.0f}" for _, mb in r["trajectory"])
        + f" MB [{r['seconds']:.0f} s]"
    )


if __name__ == "__main__":
    print(report())
