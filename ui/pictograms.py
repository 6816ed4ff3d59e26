"""Pictograms drawn in the active look's colour.

The SVG files (assets/pictograms/) are drawn in ``currentColor``; the colour is put in before
rendering, so one drawing serves the standard and the high-contrast looks.

``PictogramLabel`` follows a change of look by itself: a look change re-applies the
application's style sheet, which sends every widget a StyleChange event, and the label then
renders again in the new palette. No connection to the settings is needed, and a screen built
later still starts in the right colour (it renders again when shown).
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QByteArray, QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QGuiApplication, QPainter, QPixmap, QShowEvent
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from kiosk.pictograms import pictogram_path
from ui.theme import STANDARD

PLACEHOLDER = "currentColor"
# Pictograms take the titles' colour (bleu France; yellow in high contrast): they say the
# same thing as the title beside them, and that colour is at 7:1 against the page in both.
COLOUR_ROLE = "title"

# A handful of drawings at two or three sizes in two looks: a plain dict is enough, and it
# never grows past a few dozen small pixmaps.
_cache: dict[tuple[str, int, str, float], QPixmap] = {}
_sources: dict[str, str] = {}


def _svg(name: str) -> str:
    if name not in _sources:
        _sources[name] = pictogram_path(name).read_text(encoding="utf-8")
    return _sources[name]


def _device_ratio() -> float:
    screen = QGuiApplication.primaryScreen()
    return screen.devicePixelRatio() if screen is not None else 1.0


def pictogram_pixmap(name: str, size_px: int, colour: str) -> QPixmap:
    """The pictogram ``name`` as a ``size_px`` square (in device-independent pixels) drawn
    in ``colour``, on a transparent background."""
    ratio = _device_ratio()
    key = (name, size_px, colour, ratio)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    renderer = QSvgRenderer(QByteArray(_svg(name).replace(PLACEHOLDER, colour).encode("utf-8")))
    side = round(size_px * ratio)  # drawn for the screen's real pixels: sharp on any screen
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, side, side))
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    _cache[key] = pixmap
    return pixmap


class _HasLook(Protocol):
    @property
    def palette(self) -> dict[str, str]: ...

    @property
    def scale(self) -> float: ...


def _active_look(widget: QWidget) -> _HasLook | None:
    # The kiosk window keeps the usager's settings; a widget not yet in it has none.
    settings = getattr(widget.window(), "settings", None)
    look: _HasLook | None = getattr(settings, "look", None)
    return look


def active_palette(widget: QWidget) -> dict[str, str]:
    """The palette of the look chosen in ``widget``'s window; the standard one for a widget
    not yet in that window."""
    look = _active_look(widget)
    return look.palette if look is not None else STANDARD


class PictogramLabel(QLabel):
    """A pictogram beside a text that already says the same thing: screen readers skip it,
    and a tap goes through it to whatever is underneath (a tile).

    ``follow_text``: grow with the usager's text size, for a pictogram as small as a line of
    text (a list) that would look lost beside larger text; large ones keep their size."""

    def __init__(self, name: str, size_px: int, follow_text: bool = False) -> None:
        super().__init__()
        self.setObjectName("pictogram")
        self.setProperty("pictogram", name)
        self._name = name
        self._base_size = self._size = size_px
        self._follow_text = follow_text
        self._colour = ""
        self.setFixedSize(QSize(size_px, size_px))
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAccessibleName("")
        self.refresh()

    @property
    def name(self) -> str:
        return self._name

    @property
    def colour(self) -> str:
        return self._colour

    def set_pictogram(self, name: str) -> None:
        self._name = name
        self.setProperty("pictogram", name)
        self._colour = ""  # drawn again even in the same colour
        self.refresh()

    @property
    def size_px(self) -> int:
        return self._size

    def refresh(self) -> None:
        """Draw again if the look's colour or text size changed (cheap otherwise)."""
        look = _active_look(self)
        colour = (look.palette if look is not None else STANDARD)[COLOUR_ROLE]
        size = self._base_size
        if self._follow_text and look is not None:
            size = round(self._base_size * look.scale)
        if size != self._size:
            self._size = size
            self._colour = ""
            self.setFixedSize(QSize(size, size))
        if colour != self._colour and self._name:
            self._colour = colour
            self.setPixmap(pictogram_pixmap(self._name, self._size, colour))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.PaletteChange):
            self.refresh()
        super().changeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        self.refresh()  # built outside the window, or the look changed while hidden
        super().showEvent(event)


def refresh_pictograms(root: QWidget) -> None:
    """Draw every pictogram under ``root`` again in the active look (for a caller that
    changes the look without re-applying the style sheet)."""
    for widget in root.findChildren(PictogramLabel):
        widget.refresh()
