"""The strip at the top of every screen with the usager's own settings: listen, voice, text
size, contrast, language. Each has a pictogram, so that a person who cannot read the
current language still finds them; the language button shows the language's own name."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QIcon,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QWidget

from kiosk.i18n import LANGUAGES, _
from ui.it_exit import CORNER_PX
from ui.usager_settings import UsagerSettings
from ui.widgets import SOURCE, button, set_button_text

ICON_PX = 32


def _pictogram(kind: str, colour: str) -> QIcon:
    """A simple line drawing: "speaker", "listen", "contrast", "globe", "text"."""
    pixmap = QPixmap(ICON_PX * 2, ICON_PX * 2)  # drawn at twice the size: sharp on any screen
    pixmap.setDevicePixelRatio(2)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(QColor(colour), 2.5)
    painter.setPen(pen)
    s = float(ICON_PX)
    if kind in ("speaker", "listen"):
        body = QPolygonF(
            [
                QPointF(s * 0.12, s * 0.38),
                QPointF(s * 0.3, s * 0.38),
                QPointF(s * 0.52, s * 0.18),
                QPointF(s * 0.52, s * 0.82),
                QPointF(s * 0.3, s * 0.62),
                QPointF(s * 0.12, s * 0.62),
            ]
        )
        painter.setBrush(QColor(colour))
        painter.drawPolygon(body)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        waves = (0.16, 0.3) if kind == "speaker" else (0.16,)
        for radius in waves:
            rect = QRectF(s * (0.52 - radius), s * (0.5 - radius), s * radius * 2, s * radius * 2)
            painter.drawArc(rect, -50 * 16, 100 * 16)
        if kind == "listen":  # a play triangle: "read it to me now"
            painter.setBrush(QColor(colour))
            painter.drawPolygon(
                QPolygonF(
                    [
                        QPointF(s * 0.74, s * 0.3),
                        QPointF(s * 0.96, s * 0.5),
                        QPointF(s * 0.74, s * 0.7),
                    ]
                )
            )
    elif kind == "contrast":
        rect = QRectF(s * 0.12, s * 0.12, s * 0.76, s * 0.76)
        painter.drawEllipse(rect)
        half = QPainterPath()
        half.moveTo(rect.center())
        half.arcTo(rect, 90, 180)
        half.closeSubpath()
        painter.fillPath(half, QColor(colour))
    elif kind == "globe":
        rect = QRectF(s * 0.1, s * 0.1, s * 0.8, s * 0.8)
        painter.drawEllipse(rect)
        painter.drawEllipse(QRectF(s * 0.32, s * 0.1, s * 0.36, s * 0.8))
        painter.drawLine(QPointF(s * 0.1, s * 0.5), QPointF(s * 0.9, s * 0.5))
        painter.drawLine(QPointF(s * 0.5, s * 0.1), QPointF(s * 0.5, s * 0.9))
    painter.end()
    return QIcon(pixmap)


class SettingsBar(QWidget):
    language_requested = Signal()
    listen_requested = Signal()

    def __init__(self, settings: UsagerSettings, voice_available: bool) -> None:
        super().__init__()
        self.settings = settings
        self._words: dict[QPushButton, str] = {}  # the buttons' words, shown when they fit
        self.setObjectName("settings-bar")
        self.setProperty("role", "settings")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QHBoxLayout(self)
        # Both ends keep clear of the top-right corner where IT staff tap to leave (ui/it_exit),
        # whichever way the bar is laid out (right to left in Arabic).
        side = CORNER_PX + 8
        layout.setContentsMargins(side, 6, side, 6)
        layout.setSpacing(12)
        self.listen = self._button("setting-listen", self.listen_requested.emit)
        self.voice = self._button("setting-voice", self._toggle_voice)
        self.voice.setCheckable(True)
        self.text_size = self._button("setting-text-size", settings.next_text_size)
        self.contrast = self._button("setting-contrast", settings.toggle_contrast)
        self.contrast.setCheckable(True)
        self.language = self._button("setting-language", self.language_requested.emit)
        for widget in (self.listen, self.voice):
            layout.addWidget(widget)
        self.set_voice_available(voice_available)
        layout.addStretch(1)
        for widget in (self.text_size, self.contrast, self.language):
            layout.addWidget(widget)
        # A narrow screen (1024 px) or a long language must not widen the window past the
        # screen: the bar gives up its words before its width (see ``_fit``).
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        settings.look_changed.connect(self.refresh)
        settings.language_changed.connect(self.refresh)
        settings.voice_changed.connect(self.refresh)
        self.refresh()

    def _button(self, name: str, action: object) -> QPushButton:
        widget = button("", "setting", name)
        widget.setIconSize(QSize(ICON_PX, ICON_PX))
        widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a tap must not take a field's focus
        widget.clicked.connect(action)
        return widget

    def set_voice_available(self, available: bool) -> None:
        """No speech engine: no promise of one (the controls are hidden, not dead)."""
        self.listen.setVisible(available)
        self.voice.setVisible(available)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """The pictograms alone when the words do not fit: the buttons keep their spoken
        names, and the language's own name and the text size always show."""
        for widget, words in self._words.items():
            widget.setText(words)
            # The bar translates itself (``refresh``): the window's generic pass must not
            # put back words this method took away.
            widget.setProperty(SOURCE, None)
        layout = self.layout()
        if layout is None or layout.sizeHint().width() <= self.width():
            return
        for widget in self._words:
            widget.setText("")

    def _toggle_voice(self) -> None:
        self.settings.set_voice(not self.settings.voice)

    def refresh(self) -> None:
        """Texts, pictograms and states for the current settings (and their language)."""
        settings = self.settings
        colour = settings.look.palette["link"]
        on_colour = settings.look.palette["on-accent"]
        sizes = (_("Texte normal"), _("Texte grand"), _("Texte très grand"))
        set_button_text(self.listen, _("Écouter"))
        self.listen.setIcon(_pictogram("listen", colour))
        set_button_text(self.voice, _("Voix activée") if settings.voice else _("Voix"))
        self.voice.setChecked(settings.voice)
        self.voice.setIcon(_pictogram("speaker", on_colour if settings.voice else colour))
        # "A" grows with the size chosen: the button shows what a tap gives, without words.
        self.text_size.setText("A" + "+" * settings.look.text_size)
        self.text_size.setAccessibleName(sizes[settings.look.text_size])
        set_button_text(self.contrast, _("Contraste"))
        self.contrast.setChecked(settings.look.high_contrast)
        contrast_colour = on_colour if settings.look.high_contrast else colour
        self.contrast.setIcon(_pictogram("contrast", contrast_colour))
        self._words = {widget: widget.text() for widget in (self.listen, self.voice, self.contrast)}
        language = LANGUAGES[settings.language]
        self.language.setText(language.name)
        self.language.setAccessibleName(_("Langue : {name}").format(name=language.name))
        self.language.setIcon(_pictogram("globe", colour))
        self._fit()
