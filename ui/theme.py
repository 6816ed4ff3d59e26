"""Look and feel: the kiosk style sheet and fonts, sized for reading at arm's length."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

STYLE_PATH = Path(__file__).resolve().parent.parent / "assets" / "styles" / "kiosk.qss"
BASE_FONT_PX = 22


def apply_theme(app: QApplication) -> None:
    font = QFont("DejaVu Sans")
    font.setPixelSize(BASE_FONT_PX)
    app.setFont(font)
    app.setStyleSheet(STYLE_PATH.read_text(encoding="utf-8"))
