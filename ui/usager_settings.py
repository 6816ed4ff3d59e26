"""What an usager may change for their own session: language, text size, contrast, voice.

They apply to the whole kiosk at once (one usager at a time) and go back to the kiosk's
defaults when the session ends, so the next person finds the kiosk as always.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication

from kiosk import i18n
from ui.theme import TEXT_SCALES, Look, apply_theme


class UsagerSettings(QObject):
    language_changed = Signal(str)
    look_changed = Signal()
    voice_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.look = Look()
        self.voice = False

    @property
    def language(self) -> str:
        return i18n.language()

    @property
    def is_default(self) -> bool:
        return self.look == Look() and not self.voice and self.language == i18n.SOURCE_LANGUAGE

    def set_language(self, code: str) -> None:
        if code == i18n.language():
            return
        i18n.set_language(code)
        direction = (
            Qt.LayoutDirection.RightToLeft
            if i18n.is_right_to_left()
            else Qt.LayoutDirection.LeftToRight
        )
        QApplication.setLayoutDirection(direction)
        self.language_changed.emit(code)

    def next_text_size(self) -> None:
        size = (self.look.text_size + 1) % len(TEXT_SCALES)
        self._set_look(Look(self.look.high_contrast, size))

    def toggle_contrast(self) -> None:
        self._set_look(Look(not self.look.high_contrast, self.look.text_size))

    def set_voice(self, on: bool) -> None:
        if on != self.voice:
            self.voice = on
            self.voice_changed.emit(on)

    def reset(self) -> None:
        """Back to the kiosk's defaults (the session ended)."""
        self.set_voice(False)
        self.set_language(i18n.SOURCE_LANGUAGE)
        if self.look != Look():
            self._set_look(Look())

    def _set_look(self, look: Look) -> None:
        self.look = look
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, look)
        self.look_changed.emit()
