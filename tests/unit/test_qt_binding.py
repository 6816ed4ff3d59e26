"""Guards against a Qt binding that corrupts reference counts.

PySide6 6.12.0 under Python 3.11 releases one reference to ``None`` at every call of a method
returning void. None is not immortal before Python 3.12, so a kiosk that paints a few QR
codes aborts with "deallocating None". The pinned version must keep None's count stable.
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QColor, QImage, QPainter


def test_void_qt_calls_do_not_release_none() -> None:
    image = QImage(64, 64, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    before = sys.getrefcount(None)
    for _ in range(2000):
        painter.setBrush(QColor("black"))
        painter.drawRect(1, 1, 2, 2)
        image.fill(QColor("white"))
    after = sys.getrefcount(None)
    painter.end()
    assert after - before > -100, f"None lost {before - after} references in 6000 void calls"
