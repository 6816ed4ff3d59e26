"""Look and feel: the kiosk style sheet and fonts, sized for reading at arm's length."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QPixmapCache
from PySide6.QtWidgets import QApplication

STYLE_PATH = Path(__file__).resolve().parent.parent / "assets" / "styles" / "kiosk.qss"
BASE_FONT_PX = 22
# Qt's style caches rendered decorations in QPixmapCache, 10 MB by default. A kiosk with a
# handful of screens does not need that much, and a cache that keeps filling looks like a leak
# to anyone watching memory over months: 2 MB holds every screen's decorations.
PIXMAP_CACHE_KB = 2048


def apply_theme(app: QApplication) -> None:
    QPixmapCache.setCacheLimit(PIXMAP_CACHE_KB)
    font = QFont("DejaVu Sans")
    font.setPixelSize(BASE_FONT_PX)
    app.setFont(font)
    app.setStyleSheet(STYLE_PATH.read_text(encoding="utf-8"))
