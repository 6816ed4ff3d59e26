"""The on-screen keyboard in the real window (demo application, offscreen): it comes with a
text box, types through the box's own rules, fits a finger, and goes away with the box."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import pairwise

import pytest
from PySide6.QtCore import QPoint, QRect, QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from kiosk import i18n
from kiosk.engine import Position
from tests.support import journey
from tests.support.questions import question
from tests.ui.conftest import Kiosk
from tests.ui.test_assist import badge_in, enrol
from ui import driving
from ui.keyboard import (
    CODE,
    DIGITS,
    EMAIL,
    KEY_HEIGHT,
    KEY_MIN_WIDTH,
    PHONE,
    TEXT,
    KeyButton,
    OnScreenKeyboard,
)

MIN_GAP = 8


def keyboard_of(kiosk: Kiosk) -> OnScreenKeyboard:
    keyboard = kiosk.window.keyboard
    assert isinstance(keyboard, OnScreenKeyboard)
    return keyboard


def focused() -> QLineEdit:
    widget = QApplication.focusWidget()
    assert isinstance(widget, QLineEdit), widget
    return widget


def tap(keyboard: OnScreenKeyboard, *names: str) -> None:
    """Touch keys of the board shown, one after the other, as a finger would."""
    for name in names:
        key = keyboard.key(name)
        assert key.isVisible(), name
        QTest.mouseClick(key, Qt.MouseButton.LeftButton)


def ask(kiosk: Kiosk, field_type: str, **attributes: object) -> QLineEdit:
    """The question screen showing a question of ``field_type``; its first box has the focus."""
    window = kiosk.window
    window.show_screen(window.question)
    window.question.show_question(
        "Démarche", question(field_type, **attributes), Position(1, 1), ""
    )
    kiosk.driver.wait_until(lambda: isinstance(QApplication.focusWidget(), QLineEdit))
    return focused()


def row_of_letters(keyboard: OnScreenKeyboard, letters: str) -> list[KeyButton]:
    return [keyboard.key(letter) for letter in letters]


def in_window(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


@pytest.fixture
def at_name(kiosk: Kiosk) -> Iterator[Kiosk]:
    """The usager on the "nom de naissance" question (a plain text answer)."""
    journey.walk_to(kiosk.driver, "nom_naissance")
    # The window is active, the box has the focus (the first window of a run is activated
    # a little after it is shown).
    kiosk.driver.wait_until(lambda: isinstance(QApplication.focusWidget(), QLineEdit))
    yield kiosk


def test_a_text_box_brings_the_azerty_letters(at_name: Kiosk) -> None:
    keyboard = keyboard_of(at_name)
    at_name.driver.wait_until(keyboard.isVisible)
    assert keyboard.kind == TEXT
    assert focused().objectName() == "input"
    # AZERTY, left to right, on one row.
    top = row_of_letters(keyboard, "azertyuiop")
    assert [k.text() for k in top] == list("azertyuiop")
    xs = [k.geometry().x() for k in top]
    assert xs == sorted(xs)
    assert len({k.geometry().y() for k in top}) == 1
    second = row_of_letters(keyboard, "qsdfghjklm")
    assert second[0].geometry().y() > top[0].geometry().y()
    # Docked at the bottom of the window, across it.
    assert keyboard.geometry().bottom() == at_name.window.height() - 1
    assert keyboard.width() == at_name.window.width()


def test_typing_elodie_with_the_capital_accent(qtbot: QtBot, at_name: Kiosk) -> None:
    keyboard = keyboard_of(at_name)
    edit = focused()
    tap(keyboard, "shift")
    assert keyboard.key("e").text() == "E"  # the letters show what they will type
    tap(keyboard, "accents")
    assert keyboard.key("é").text() == "É"
    tap(keyboard, "é")
    # One capital, one accent: back to small letters of the main page for the rest.
    assert keyboard.key("l").text() == "l"
    tap(keyboard, "l", "o", "d", "i", "e")
    assert edit.text() == "Élodie"


def test_every_french_accented_letter_is_reachable(qtbot: QtBot, at_name: Kiosk) -> None:
    keyboard = keyboard_of(at_name)
    edit = focused()
    typed = ""
    for letter in "éèêëàâçùûôîïœæ":
        tap(keyboard, "accents", letter)
        typed += letter
        tap(keyboard, "shift", "accents", letter)
        typed += letter.upper()
    assert edit.text() == typed
    assert edit.text()[1::2] == "ÉÈÊËÀÂÇÙÛÔÎÏŒÆ"


def test_capitals_stay_on_when_the_shift_key_is_tapped_twice(qtbot: QtBot, at_name: Kiosk) -> None:
    keyboard = keyboard_of(at_name)
    tap(keyboard, "shift", "shift", "d", "u", "shift", "o")
    assert focused().text() == "DUo"


def test_backspace_space_and_signs(qtbot: QtBot, at_name: Kiosk) -> None:
    keyboard = keyboard_of(at_name)
    edit = focused()
    tap(keyboard, "l", "e", "x", "backspace", "space", "-", "'")
    assert edit.text() == "le -'"
    tap(keyboard, "symbols", "1", "2", "letters", "b")
    assert edit.text() == "le -'12b"


def test_valider_is_return_and_goes_to_the_next_question(qtbot: QtBot, at_name: Kiosk) -> None:
    keyboard = keyboard_of(at_name)
    session = at_name.app.session
    assert session is not None
    tap(keyboard, "shift", "m", "a", "r", "t", "i", "n")
    returned: list[bool] = []
    focused().returnPressed.connect(lambda: returned.append(True))
    tap(keyboard, "enter")
    assert returned == [True]
    assert session.current == "prenoms"
    assert session.answer_of("nom_naissance") == "Martin"
    assert at_name.window.current_screen == "question"


def test_return_on_a_physical_keyboard_does_the_same(qtbot: QtBot, at_name: Kiosk) -> None:
    session = at_name.app.session
    assert session is not None
    QTest.keyClicks(focused(), "Martin")
    QTest.keyClick(focused(), Qt.Key.Key_Return)
    assert session.current == "prenoms"


def test_the_box_s_length_and_validator_still_apply(qtbot: QtBot, at_name: Kiosk) -> None:
    keyboard = keyboard_of(at_name)
    edit = focused()
    edit.setValidator(QRegularExpressionValidator(QRegularExpression("[a-z]*"), edit))
    tap(keyboard, "a", "shift", "b", "c", "space", "d")
    assert edit.text() == "acd"  # the capital and the space were refused by the box
    edit.setValidator(QRegularExpressionValidator(QRegularExpression(".*"), edit))
    edit.setMaxLength(4)
    tap(keyboard, "e", "f", "g")
    assert edit.text() == "acde"


def test_keys_never_take_the_focus(qtbot: QtBot, at_name: Kiosk) -> None:
    keyboard = keyboard_of(at_name)
    edit = focused()
    keys = keyboard.findChildren(KeyButton)
    assert keys
    assert all(k.focusPolicy() == Qt.FocusPolicy.NoFocus for k in keys)
    tap(keyboard, "shift", "accents", "é", "backspace", "space")
    assert QApplication.focusWidget() is edit
    assert keyboard.isVisible()


def test_every_key_has_a_spoken_name(qtbot: QtBot, at_name: Kiosk) -> None:
    keyboard = keyboard_of(at_name)
    assert keyboard.key("space").accessibleName() == "Espace"
    assert keyboard.key("backspace").accessibleName() == "Effacer"
    assert keyboard.key("shift").accessibleName() == "Majuscules"
    assert keyboard.key("accents").accessibleName() == "Lettres accentuées"
    assert keyboard.key("enter").accessibleName() == "Valider"
    assert keyboard.key("q").accessibleName() == "q"
    assert keyboard.key("'").accessibleName() == "Apostrophe"
    for page in ("accents", "letters", "symbols"):
        tap(keyboard, page)
        board = keyboard.board
        assert board is not None
        assert all(k.accessibleName().strip() for k in board.keys), page


def test_captions_follow_the_usager_s_language(qtbot: QtBot, at_name: Kiosk) -> None:
    keyboard = keyboard_of(at_name)
    edit = focused()
    i18n.install({"Espace": "Space", "Effacer": "Delete", "Majuscules": "Capitals"})
    try:
        edit.clearFocus()
        at_name.driver.wait_until(lambda: not keyboard.isVisible())
        edit.setFocus()
        at_name.driver.wait_until(keyboard.isVisible)
        assert keyboard.key("space").text() == "Space"
        assert keyboard.key("backspace").accessibleName() == "Delete"
        assert keyboard.key("shift").accessibleName() == "Capitals"
        assert keyboard.key("a").text() == "a"  # the letters stay Latin
    finally:
        i18n.install({})


def test_dates_get_the_digit_pad_and_valider_moves_to_the_next_box(
    qtbot: QtBot, kiosk: Kiosk
) -> None:
    journey.walk_to(kiosk.driver, "date_naissance")
    keyboard = keyboard_of(kiosk)
    assert focused().objectName() == "day"
    assert keyboard.kind == DIGITS
    with pytest.raises(LookupError):
        keyboard.key("a")  # no letters on a date
    tap(keyboard, "1", "4")  # a full day moves on by itself
    assert focused().objectName() == "month"
    tap(keyboard, "7", "enter")  # Valider: on to the year
    assert focused().objectName() == "year"
    tap(keyboard, "1", "9", "6", "2", "5")
    assert focused().text() == "1962"  # four digits at most
    tap(keyboard, "backspace")
    assert focused().text() == "196"
    tap(keyboard, "2", "enter")
    session = kiosk.app.session
    assert session is not None
    assert session.answer_of("date_naissance") == "1962-07-14"
    assert session.current == "email"


LAYOUTS = {
    "postal_code": DIGITS,
    "number": DIGITS,
    "neph": DIGITS,
    "timbre_fiscal": DIGITS,
    "email": EMAIL,
    "phone": PHONE,
    "plate": CODE,
    "vin": CODE,
    "ephoto": CODE,
    "text": TEXT,
}


def test_the_layout_follows_the_field_type(kiosk: Kiosk) -> None:
    keyboard = keyboard_of(kiosk)
    for field_type, kind in LAYOUTS.items():
        ask(kiosk, field_type)
        kiosk.driver.wait_until(keyboard.isVisible)
        assert keyboard.kind == kind, field_type
        assert focused().property("keyboard") == kind, field_type


def test_the_postal_code_of_an_address_gets_digits(qtbot: QtBot, kiosk: Kiosk) -> None:
    ask(kiosk, "address")
    keyboard = keyboard_of(kiosk)
    assert keyboard.kind == TEXT  # the number: "12 bis"
    postal = kiosk.window.question.findChild(QLineEdit, "code_postal")
    assert postal is not None
    postal.setFocus()
    kiosk.driver.wait_until(lambda: keyboard.kind == DIGITS)
    tap(keyboard, "6", "9", "0", "0", "3", "1")
    assert postal.text() == "69003"


def test_email_layout_types_an_address(qtbot: QtBot, kiosk: Kiosk) -> None:
    journey.walk_to(kiosk.driver, "email")
    keyboard = keyboard_of(kiosk)
    assert keyboard.kind == EMAIL
    with pytest.raises(LookupError):
        keyboard.key("shift")  # an address has no capitals
    tap(keyboard, "j", "o", "_", "b", "-", "a", ".", "c", "@", "x")
    tap(keyboard, "symbols", "7", "5", "letters", ".fr")
    assert focused().text() == "jo_b-a.c@x75.fr"
    tap(keyboard, ".com")
    assert focused().text().endswith(".fr.com")


def test_phone_layout_has_plus_and_space(qtbot: QtBot, kiosk: Kiosk) -> None:
    journey.walk_to(kiosk.driver, "telephone")
    keyboard = keyboard_of(kiosk)
    assert keyboard.kind == PHONE
    tap(keyboard, "+", "3", "3", "space", "6", "1", "2")
    assert focused().text() == "+33 612"


def test_codes_get_capitals_and_digits(qtbot: QtBot, kiosk: Kiosk) -> None:
    ask(kiosk, "plate")
    keyboard = keyboard_of(kiosk)
    tap(keyboard, "A", "B", "-", "1", "2", "3", "-", "C", "D")
    assert focused().text() == "AB-123-CD"


def test_the_keyboard_goes_away_with_the_text_box(kiosk: Kiosk) -> None:
    journey.open_demarche(kiosk.driver)
    keyboard = keyboard_of(kiosk)
    assert kiosk.window.current_screen == "question"
    assert not keyboard.isVisible()  # a choice: buttons, nothing to type
    for action in dict(journey.STEPS)["motif"]:
        journey.perform(kiosk.driver, action)
    kiosk.driver.wait_until(keyboard.isVisible)  # the date of the facts


def test_the_keyboard_goes_away_after_the_last_question(kiosk: Kiosk) -> None:
    journey.walk_to(kiosk.driver, "timbre_fiscal")
    keyboard = keyboard_of(kiosk)
    kiosk.driver.wait_until(keyboard.isVisible)
    for action in dict(journey.STEPS)["timbre_fiscal"]:
        journey.perform(kiosk.driver, action)
    assert kiosk.window.current_screen == "piece"  # a pièce to scan: no box on that screen
    kiosk.driver.wait_until(lambda: not keyboard.isVisible())


def test_the_keyboard_hides_for_the_quit_confirmation(qtbot: QtBot, at_name: Kiosk) -> None:
    keyboard = keyboard_of(at_name)
    assert keyboard.isVisible()
    driving.click(at_name.window, "quit")
    at_name.driver.wait_until(lambda: not keyboard.isVisible())
    driving.click(at_name.window, "confirm-quit")
    at_name.driver.wait_until(lambda: at_name.window.current_screen == "wiped")
    assert not keyboard.isVisible()


def gaps(keys: list[KeyButton]) -> tuple[list[int], list[int]]:
    """Horizontal gaps between neighbours on a row, vertical gaps between rows."""
    by_row: dict[int, list[QRect]] = {}
    for key in keys:
        by_row.setdefault(key.geometry().y(), []).append(key.geometry())
    across = []
    for row in by_row.values():
        row.sort(key=lambda r: r.x())
        across += [b.x() - (a.x() + a.width()) for a, b in pairwise(row)]
    tops = sorted(by_row)
    heights = {top: min(r.height() for r in by_row[top]) for top in tops}
    down = [b - (a + heights[a]) for a, b in pairwise(tops)]
    return across, down


# Each layout, and the page keys that lead to its other pages.
PAGES = {"text": ("", "accents", "symbols"), "email": ("", "symbols")}


def test_keys_are_finger_sized_and_apart(kiosk: Kiosk) -> None:
    keyboard = keyboard_of(kiosk)
    for field_type in ("text", "email", "plate", "postal_code", "phone"):
        ask(kiosk, field_type)
        kiosk.driver.wait_until(keyboard.isVisible)
        for page in PAGES.get(field_type, ("",)):
            if page:
                tap(keyboard, page)
            board = keyboard.board
            assert board is not None
            keys = [k for k in board.keys if k.isVisible()]
            assert len(keys) >= 12
            assert len({k.objectName() for k in keys}) == len(keys), (field_type, page)
            for key in keys:
                where = (field_type, page, key.objectName(), key.size())
                assert key.height() >= KEY_HEIGHT, where
                assert key.width() >= KEY_MIN_WIDTH, where
                # The caption fits its key: large type, not clipped.
                assert key.fontMetrics().horizontalAdvance(key.text()) < key.width(), where
                assert key.fontInfo().pixelSize() >= 22, where
            across, down = gaps(keys)
            assert across and min(across) >= MIN_GAP, (field_type, page)
            assert down and min(down) >= MIN_GAP, (field_type, page)


def test_the_box_stays_in_sight_above_the_keyboard(qtbot: QtBot, kiosk: Kiosk) -> None:
    ask(kiosk, "address")  # five boxes: the lower ones start under the keyboard's place
    keyboard = keyboard_of(kiosk)
    window = kiosk.window
    for name in ("numero", "voie", "complement", "code_postal", "commune", "numero"):
        edit = window.question.findChild(QLineEdit, name)
        assert edit is not None
        edit.setFocus()
        kiosk.driver.wait_until(keyboard.isVisible)
        qtbot.wait(20)  # the second reveal, after the layout settled
        box = in_window(edit, window)
        assert box.bottom() < keyboard.geometry().top(), name
        viewport = edit.visibleRegion().boundingRect()
        assert viewport.size() == edit.size(), name  # not cut by the scroll area's edges


def test_a_right_to_left_language_does_not_mirror_the_keys(qtbot: QtBot, at_name: Kiosk) -> None:
    keyboard = keyboard_of(at_name)
    previous = QApplication.layoutDirection()
    QApplication.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    try:
        qtbot.wait(10)
        assert at_name.window.layoutDirection() == Qt.LayoutDirection.RightToLeft
        assert keyboard.layoutDirection() == Qt.LayoutDirection.LeftToRight
        xs = [k.mapTo(keyboard, QPoint(0, 0)).x() for k in row_of_letters(keyboard, "azerty")]
        assert xs == sorted(xs)
        assert keyboard.key("enter").x() > keyboard.key("space").x()  # Valider at the right
        tap(keyboard, "a", "b")
        assert focused().text() == "ab"
    finally:
        QApplication.setLayoutDirection(previous)


def test_the_configuration_turns_it_off(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk = make_kiosk(ui={"fullscreen": False, "onscreen_keyboard": False})
    assert kiosk.window.keyboard is None
    journey.walk_to(kiosk.driver, "nom_naissance")
    kiosk.driver.wait_until(lambda: isinstance(QApplication.focusWidget(), QLineEdit))
    assert focused().objectName() == "input"
    assert kiosk.window.findChildren(OnScreenKeyboard) == []


def test_not_for_the_mediateur_s_pin(kiosk: Kiosk) -> None:
    enrol(kiosk)
    keyboard = keyboard_of(kiosk)
    journey.walk_to(kiosk.driver, "email")
    kiosk.driver.wait_until(keyboard.isVisible)
    assist_ui = badge_in(kiosk, walk_to=None, pin=None)
    pin = assist_ui.panel.pin
    assert pin is not None
    kiosk.driver.wait_until(lambda: QApplication.focusWidget() is pin)
    assert not keyboard.isVisible()
