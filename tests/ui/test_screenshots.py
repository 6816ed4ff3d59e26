"""The screenshot tool runs the real window under Xvfb (the X11 path a kiosk screen uses)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage


def test_screenshot_tool_saves_every_screen_under_xvfb(tmp_path: Path) -> None:
    xvfb_run = shutil.which("xvfb-run")
    assert xvfb_run, "xvfb-run is missing: run the README's set-up command (it installs xvfb)"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env["QT_QPA_PLATFORM"] = "xcb"
    result = subprocess.run(
        [
            xvfb_run,
            "-a",
            "-s",
            "-screen 0 1280x800x24",
            sys.executable,
            "-m",
            "tests.screenshots",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    shots = sorted(p.name for p in tmp_path.glob("*.png"))
    for expected in (
        "01-home.png",
        "family",
        "intro",
        "step-motif",
        "ephoto-notice",
        "receipt-paper-out",
        "wiped",
        "idle-warning",
        "scan-1-progress",
        "scan-2-two-pages",
        "scan-4-camera",
    ):
        assert any(expected in name for name in shots), (expected, shots)
    home = QImage(str(tmp_path / "01-home.png"))
    assert (home.width(), home.height()) == (1280, 800)
    # Not a blank frame: the title is drawn in bleu France somewhere on the home screen.
    blue = sum(
        1
        for y in range(0, 800, 4)
        for x in range(0, 1280, 4)
        if home.pixelColor(x, y).name() == "#000091"
    )
    assert blue > 100
