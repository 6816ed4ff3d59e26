"""Look and feel: the DSFR palette, type sized for reading at arm's length, and the usager's
own settings (text size, high contrast), applied to the whole application at once.

The style sheet (assets/styles/kiosk.qss) is a template: ``@name`` is a colour of the active
palette and each ``font-size`` / ``min-height`` in px is scaled by the text size, so one sheet
serves every combination and the contrast test reads the same colours the screens use.

Type: the DSFR's typeface, Marianne, may only be used by State services and cannot be shipped
with a free package; the DSFR's own fallback is Arial. Liberation Sans has Arial's metrics
(a text laid out for one fits the other), under a free licence. Scripts it lacks (Arabic)
come from fontconfig's fallback (Noto Sans Arabic, installed with the kiosk).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QFont, QPixmapCache
from PySide6.QtWidgets import QApplication

from kiosk.assets import asset_path

STYLE_PATH: Path = asset_path("styles", "kiosk.qss")
FONT_FAMILY = "Liberation Sans"
BASE_FONT_PX = 22
# Qt's style caches rendered decorations in QPixmapCache, 10 MB by default. A kiosk with a
# handful of screens does not need that much, and a cache that keeps filling looks like a leak
# to anyone watching memory over months: 2 MB holds every screen's decorations.
PIXMAP_CACHE_KB = 2048

# Three text sizes, the first the default. Past 1.4 the longest question no longer fits a
# 1280 x 800 screen without scrolling, which costs these usagers more than it gives.
TEXT_SCALES = (1.0, 1.2, 1.4)

# DSFR tokens (light theme): bleu France sun-113, grey-50/200, error-425, warning-425...
STANDARD = {
    "page": "#f6f6f6",  # background-alt-grey
    "surface": "#ffffff",  # background-default-grey
    "text": "#161616",
    "title": "#000091",
    "mention": "#3a3a3a",
    "error": "#ce0500",
    "error-bg": "#ffe9e9",
    "warning": "#b34000",
    "accent": "#000091",
    "on-accent": "#ffffff",
    "accent-pressed": "#1212ff",
    "link": "#000091",
    "selected": "#e3e3fd",
    "border": "#dddddd",
    "control-border": "#666666",
    "focus": "#0a76f6",
    "disabled": "#666666",
    "disabled-bg": "#e5e5e5",
    "backdrop": "rgba(22, 22, 22, 170)",
}

# Light text on black, yellow for what can be touched: every text at 7:1 or more (RGAA's
# enhanced level), borders white so that each control's edge shows.
HIGH_CONTRAST = {
    "page": "#000000",
    "surface": "#000000",
    "text": "#ffffff",
    "title": "#ffff00",
    "mention": "#ffffff",
    "error": "#ffa3a3",
    "error-bg": "#000000",
    "warning": "#ffc48a",
    "accent": "#ffff00",
    "on-accent": "#000000",
    "accent-pressed": "#ffffff",
    "link": "#ffff00",
    "selected": "#2b2b00",
    "border": "#ffffff",
    "control-border": "#ffffff",
    "focus": "#00ffff",
    "disabled": "#b3b3b3",
    "disabled-bg": "#333333",
    "backdrop": "rgba(0, 0, 0, 210)",
}


@dataclass(frozen=True)
class Look:
    """What an usager chose for this session; the default is the kiosk's normal look."""

    high_contrast: bool = False
    text_size: int = 0  # an index into TEXT_SCALES

    @property
    def palette(self) -> dict[str, str]:
        return HIGH_CONTRAST if self.high_contrast else STANDARD

    @property
    def scale(self) -> float:
        return TEXT_SCALES[self.text_size]


_SIZED = re.compile(r"(font-size|min-height):\s*(\d+)px")
_TOKEN = re.compile(r"@([a-z][a-z-]*)")
_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def stylesheet(look: Look, template: str | None = None) -> str:
    """The style sheet for ``look``: colours filled in, sizes scaled."""
    text = template if template is not None else STYLE_PATH.read_text(encoding="utf-8")
    text = _COMMENT.sub("", text)  # comments may name tokens ("@name") without being rules
    palette = look.palette

    def colour(match: re.Match[str]) -> str:
        return palette[match.group(1)]

    def sized(match: re.Match[str]) -> str:
        return f"{match.group(1)}: {round(int(match.group(2)) * look.scale)}px"

    return _SIZED.sub(sized, _TOKEN.sub(colour, text))


def apply_theme(app: QApplication, look: Look = Look()) -> None:
    QPixmapCache.setCacheLimit(PIXMAP_CACHE_KB)
    font = QFont(FONT_FAMILY)
    font.setPixelSize(round(BASE_FONT_PX * look.scale))
    app.setFont(font)
    app.setStyleSheet(stylesheet(look))
