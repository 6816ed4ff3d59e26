"""What the kiosk itself does so that nobody leaves it or disturbs it from the keyboard.

An usager with a USB keyboard, or a curious one, must not reach the desktop, another program,
a file dialog, a print-to-file or a help window. The session around the app (cage, no
desktop, no VT switching: ``packaging/``) blocks what Qt cannot see; here, every key or event
Qt receives that could leave or disturb the kiosk is swallowed before any widget sees it:

* window and program shortcuts: Alt+F4, Alt+Tab, Ctrl+Q/W/N/T/P/S/O..., any Ctrl, Alt or
  Super combination (typing keeps working: AltGr's characters, é, @, € on an AZERTY
  keyboard, carry text and no Ctrl/Alt), F1 to F12, Escape, Super, Menu, Print Screen;
* copy, cut and paste (the clipboard would carry one usager's answer to the next);
* context menus, and drags or drops across the window's edge.

The window also refuses to be closed and returns to full screen and to the front if
something else takes them.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

_ALWAYS_BLOCKED = {
    *(getattr(Qt.Key, f"Key_F{n}") for n in range(1, 13)),
    Qt.Key.Key_Escape,
    Qt.Key.Key_Super_L,
    Qt.Key.Key_Super_R,
    Qt.Key.Key_Meta,
    Qt.Key.Key_Menu,
    Qt.Key.Key_Print,
    Qt.Key.Key_SysReq,
    Qt.Key.Key_Close,
    Qt.Key.Key_Exit,
    Qt.Key.Key_Launch0,
    Qt.Key.Key_LaunchMail,
    Qt.Key.Key_Explorer,
    Qt.Key.Key_HomePage,
    Qt.Key.Key_Search,
    Qt.Key.Key_Copy,
    Qt.Key.Key_Cut,
    Qt.Key.Key_Paste,
}
_KEY_EVENTS = {QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride}
_SWALLOWED = {
    QEvent.Type.ContextMenu,
    QEvent.Type.DragEnter,
    QEvent.Type.DragMove,
    QEvent.Type.Drop,
    QEvent.Type.WhatsThis,
    QEvent.Type.QueryWhatsThis,
}


def blocked_key(event: QKeyEvent) -> bool:
    """Whether a key event could leave or disturb the kiosk."""
    key = Qt.Key(event.key())
    if key in _ALWAYS_BLOCKED:
        return True
    mods = event.modifiers()
    if key == Qt.Key.Key_Insert and mods & Qt.KeyboardModifier.ShiftModifier:
        return True  # Shift+Insert pastes
    command = bool(mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.MetaModifier))
    alt = bool(mods & Qt.KeyboardModifier.AltModifier)
    if command and alt:
        # Ctrl+Alt is AltGr on some platforms: "@", "€" are typed that way and pass; without
        # a character it is a command (Ctrl+Alt+Del, Ctrl+Alt+F1).
        text = event.text()
        return not (text and text.isprintable())
    return command or alt  # Ctrl+Q, Ctrl+V, Super+D, Alt+F4, Alt+Tab...


class KioskGuard(QObject):
    """Installed on the application: sees every event before any widget does."""

    def __init__(self, window: QWidget, fullscreen: bool) -> None:
        super().__init__(window)
        self.window = window
        self.fullscreen = fullscreen

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _KEY_EVENTS and isinstance(event, QKeyEvent) and blocked_key(event):
            event.accept()
            return True
        if kind in _SWALLOWED:
            event.ignore()
            return True
        if kind == QEvent.Type.ApplicationStateChange and self.fullscreen:
            QTimer.singleShot(0, self.take_back)  # something took the focus: take it back
        if watched is self.window and kind == QEvent.Type.WindowStateChange:
            QTimer.singleShot(0, self.take_back)
        return False

    def take_back(self) -> None:
        """Full screen again, in front, with the focus."""
        if self.fullscreen and not self.window.isFullScreen():
            self.window.showFullScreen()
        self.window.raise_()
        self.window.activateWindow()


def clear_clipboard() -> None:
    """Nothing of an usager stays in the clipboard for the next one."""
    clipboard = QApplication.clipboard()
    if clipboard is not None:
        clipboard.clear()
