"""Nobody leaves the kiosk from its keyboard: every shortcut that could is sent to the real
window, which stays the active full-screen window on its screen, with nothing acted on."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QGuiApplication, QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from tests.support import journey
from tests.ui.conftest import Kiosk
from ui import driving
from ui.lockdown import KioskGuard, blocked_key

K = Qt.Key
M = Qt.KeyboardModifier
MODIFIER_KEYS = {K.Key_Shift, K.Key_Control, K.Key_Alt, K.Key_AltGr}
SHORTCUTS = [
    (K.Key_F4, M.AltModifier),
    (K.Key_Tab, M.AltModifier),
    (K.Key_Backtab, M.AltModifier | M.ShiftModifier),
    (K.Key_Escape, M.AltModifier),
    (K.Key_Q, M.ControlModifier),
    (K.Key_W, M.ControlModifier),
    (K.Key_N, M.ControlModifier),
    (K.Key_T, M.ControlModifier),
    (K.Key_P, M.ControlModifier),
    (K.Key_S, M.ControlModifier),
    (K.Key_O, M.ControlModifier),
    (K.Key_C, M.ControlModifier),
    (K.Key_V, M.ControlModifier),
    (K.Key_X, M.ControlModifier),
    (K.Key_Insert, M.ShiftModifier),
    (K.Key_F1, M.ControlModifier | M.AltModifier),
    (K.Key_Delete, M.ControlModifier | M.AltModifier),
    (K.Key_D, M.MetaModifier),
    (K.Key_Super_L, M.NoModifier),
    (K.Key_Menu, M.NoModifier),
    (K.Key_Print, M.NoModifier),
    (K.Key_Escape, M.NoModifier),
    *[(getattr(K, f"Key_F{n}"), M.NoModifier) for n in range(1, 13)],
]


class KeyRecorder(QObject):
    """The key events that reach a widget."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[int] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            assert isinstance(event, QKeyEvent)
            if event.key() not in MODIFIER_KEYS:  # pressing Shift alone does nothing
                self.keys.append(event.key())
        return False


@pytest.fixture
def fullscreen_kiosk(kiosk: Kiosk, qtbot: QtBot) -> Kiosk:
    window = kiosk.window
    guard = KioskGuard(window, fullscreen=True)
    QApplication.instance().installEventFilter(guard)  # type: ignore[union-attr]
    window.showFullScreen()
    window.activateWindow()
    qtbot.waitUntil(window.isFullScreen)
    yield kiosk
    QApplication.instance().removeEventFilter(guard)  # type: ignore[union-attr]


@pytest.mark.parametrize(("key", "modifiers"), SHORTCUTS)
def test_each_shortcut_leaves_the_kiosk_where_it_is(
    fullscreen_kiosk: Kiosk, qtbot: QtBot, key: Qt.Key, modifiers: Qt.KeyboardModifier
) -> None:
    window = fullscreen_kiosk.window
    journey.walk_to(fullscreen_kiosk.driver, "email")  # with a text field focused
    screen, session = window.screen(), fullscreen_kiosk.app.session
    quit_requested: list[bool] = []
    QApplication.instance().aboutToQuit.connect(lambda: quit_requested.append(True))  # type: ignore[union-attr]
    target = QApplication.focusWidget() or window
    reached = KeyRecorder()
    target.installEventFilter(reached)
    QTest.keyClick(target, key, modifiers)
    target.removeEventFilter(reached)
    assert reached.keys == []  # swallowed before any widget could act on it
    window.close()  # what a window manager does on Alt+F4
    qtbot.wait(20)
    assert window.isVisible() and window.isFullScreen()
    assert QApplication.activeWindow() is window or QGuiApplication.platformName() == "offscreen"
    assert window.screen() is screen
    assert fullscreen_kiosk.app.session is session and window.current_screen == "question"
    assert quit_requested == []


def test_typing_still_works_accents_and_altgr_characters_included(fullscreen_kiosk: Kiosk) -> None:
    journey.walk_to(fullscreen_kiosk.driver, "email")
    field = QApplication.focusWidget()
    assert isinstance(field, QLineEdit)
    field.clear()
    # QTest types ASCII only: the accented letter is the key event a French keyboard sends.
    QApplication.sendEvent(field, QKeyEvent(QEvent.Type.KeyPress, K.Key_Eacute, M.NoModifier, "é"))
    QTest.keyClicks(field, "lodie.dupont")
    # AltGr+0 on an AZERTY keyboard, as some platforms report it: Ctrl+Alt with the text "@".
    altgr = QKeyEvent(QEvent.Type.KeyPress, K.Key_At, M.ControlModifier | M.AltModifier, "@")
    assert not blocked_key(altgr)
    QApplication.sendEvent(field, altgr)
    QTest.keyClicks(field, "exemple.fr")
    assert field.text() == "élodie.dupont@exemple.fr"


def test_no_context_menu_and_nothing_pasted(fullscreen_kiosk: Kiosk) -> None:
    journey.walk_to(fullscreen_kiosk.driver, "email")
    field = QApplication.focusWidget()
    assert isinstance(field, QLineEdit)
    QApplication.clipboard().setText("réponse d'un autre usager")  # type: ignore[union-attr]
    field.clear()
    QTest.keyClick(field, K.Key_V, M.ControlModifier)
    QTest.keyClick(field, K.Key_Insert, M.ShiftModifier)
    assert field.text() == ""
    menu = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(5, 5), QPoint(5, 5))
    QApplication.sendEvent(field, menu)
    assert QApplication.activePopupWidget() is None


def test_the_clipboard_is_emptied_when_the_session_ends(kiosk: Kiosk) -> None:
    journey.walk_to(kiosk.driver, "email")
    QApplication.clipboard().setText("élodie.dupont@exemple.fr")  # type: ignore[union-attr]
    driving.click(kiosk.window, "quit")
    driving.click(kiosk.window, "confirm-quit")
    assert QApplication.clipboard().text() == ""  # type: ignore[union-attr]
