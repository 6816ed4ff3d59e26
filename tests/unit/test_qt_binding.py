"""Guards against a Qt binding that corrupts reference counts.

PySide6 6.12.0 under Python 3.11 releases one reference to ``None`` at every call of a method
returning void. None is not immortal before Python 3.12, so a kiosk that paints a few QR
codes aborts with "deallocating None". The pinned version must keep None's count stable.
"""

from __future__ import annotations

import os
import subprocess
import sys

# Run in a fresh interpreter with the garbage collector off: in the test process, objects
# freed by other tests' threads or by a collection would move None's count by themselves.
PROBE = """
import gc, sys
from PySide6.QtGui import QColor, QImage, QPainter
image = QImage(64, 64, QImage.Format.Format_RGB32)
painter = QPainter(image)
black, white = QColor("black"), QColor("white")
gc.disable()
before = sys.getrefcount(None)
for _ in range(2000):
    painter.setBrush(black)
    painter.drawRect(1, 1, 2, 2)
    image.fill(white)
after = sys.getrefcount(None)
gc.enable()
painter.end()
print(after - before)
"""


def test_void_qt_calls_do_not_release_none() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    drift = int(result.stdout.strip())
    assert drift > -100, f"None lost {-drift} references in 6000 void calls"
