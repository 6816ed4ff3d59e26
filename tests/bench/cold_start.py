"""Cold start to the home screen painted, against a bare PySide6 window, same run.

The kiosk runs as configured on a point-numérique machine (simulated devices here), with a
data directory that persists from one start to the next.

Both are started as fresh processes (offscreen), alternately, 5 times each; the figure is
the median wall time from process start to exit right after the first paint.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.backend_key import SYNC_TOML

RUNS = 5
TARGET_RATIO = 1.3

BARE_WINDOW = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv[:1])
label = QLabel("Bonjour")
label.resize(1280, 800)
label.show()
QTimer.singleShot(0, app.quit)
app.exec()
"""


def _time(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def measure() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TMPDIR": tmp}
        kiosk = str(Path(sys.executable).with_name("kiosk"))
        # A configured kiosk (simulated devices) with a data directory that lives across the
        # runs, as on a machine that has started before: its store and catalog cache exist.
        config = Path(tmp) / "kiosk.toml"
        config.write_text(
            f'{SYNC_TOML}[kiosk]\nid = "bench"\ncode = "B7K"\ndata_dir = "{Path(tmp) / "data"}"\n'
            "[ui]\nfullscreen = false\n",
            encoding="utf-8",
        )
        commands = {
            "kiosk_s": [kiosk, "--config", str(config), "--exit-after-paint"],
            # Also the time until the store and devices are open (the second start stage).
            "ready_s": [kiosk, "--config", str(config), "--exit-when-ready"],
            "bare_s": [sys.executable, "-c", BARE_WINDOW],
        }
        for command in commands.values():  # warm the disk cache, as on a kiosk that has booted
            _time(command, env)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(RUNS):  # interleaved, so that machine noise hits all three alike
            for name, command in commands.items():
                samples[name].append(_time(command, env))
    result = {name: statistics.median(values) for name, values in samples.items()}
    result["ratio"] = result["kiosk_s"] / result["bare_s"]
    return result


def report() -> str:
    r = measure()
    verdict = "OK" if r["ratio"] <= TARGET_RATIO else "OVER TARGET"
    return (
        f"cold start (median of {RUNS}): home painted {r['kiosk_s'] * 1000:.0f} ms, "
        f"bare PySide6 window {r['bare_s'] * 1000:.0f} ms, "
        f"ratio {r['ratio']:.2f}x (target <= {TARGET_RATIO}x) {verdict}; "
        f"store and devices ready {r['ready_s'] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    print(report())
