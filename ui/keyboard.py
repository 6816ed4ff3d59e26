"""The on-screen keyboard: docked at the bottom of the window while a text box has the focus.

Touch kiosks have no physical keyboard, and under the cage compositor a layer-shell keyboard
cannot run, so the keyboard lives inside the window. It is a plain widget (no QML, no input
method plugin): it works the same under cage, Xvfb and offscreen, and tests tap its keys.

The layout follows the box: each QLineEdit says which one it wants in its ``keyboard``
property (``set_keyboard``), or, failing that, through its input method hints. Keys never
take the focus, so the box keeps it, and text goes in through the box's own API (``insert``,
``backspace``, a Return key press): its validator and maximum length apply as for typed text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QPoint, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import _
from ui.widgets import scroll_area_of

LOG = logging.getLogger("ui.keyboard")

PROPERTY = "keyboard"  # on a QLineEdit: which layout it wants
TEXT = "text"  # AZERTY letters, accented letters, digits and signs on a second page
CODE = "code"  # capitals and digits together: plates, VIN, e-photo codes
EMAIL = "email"  # letters, digits, @ . - _ and the common endings
DIGITS = "digits"  # a telephone-style pad: dates, numbers, postal codes, NEPH
PHONE = "phone"  # the pad with + and a space
NONE = "none"  # a box with its own keypad (the médiateur's PIN): no keyboard
KINDS = (TEXT, CODE, EMAIL, DIGITS, PHONE)

HINTS: dict[str, Qt.InputMethodHint] = {
    TEXT: Qt.InputMethodHint.ImhNone,
    CODE: Qt.InputMethodHint.ImhUppercaseOnly | Qt.InputMethodHint.ImhNoPredictiveText,
    EMAIL: Qt.InputMethodHint.ImhEmailCharactersOnly | Qt.InputMethodHint.ImhNoAutoUppercase,
    DIGITS: Qt.InputMethodHint.ImhDigitsOnly,
    PHONE: Qt.InputMethodHint.ImhDialableCharactersOnly,
    NONE: Qt.InputMethodHint.ImhNone,
}

# Touch targets: at least 48 px wide (RGAA / DSFR), rows of 64 px so that a finger that
# shakes a little still lands on the key it aimed at, 10 px between keys.
KEY_HEIGHT = 64
KEY_MIN_WIDTH = 48
KEY_GAP = 10
LETTER_COLUMNS = 20  # half-key columns: a letter spans 2, wider keys 3 to 6
PAD_COLUMNS = 4
MAX_WIDTH = 1180  # on a wide screen the keys stay within reach of both hands
PAD_MAX_WIDTH = 720
CAPTION_ROOM = 56  # scrolled back to a box: its caption above it stays in view
BELOW_ROOM = 12  # scrolled down to a box: as much as possible of the question above it

SHIFT_OFF, SHIFT_ONCE, SHIFT_LOCKED = "off", "once", "locked"

# Pages of the letter layouts: the two top rows change, the two bottom rows stay.
LETTERS, ACCENTS, SYMBOLS = "letters", "accents", "symbols"


def set_keyboard(edit: QLineEdit, kind: str) -> None:
    """Declare which keyboard layout ``edit`` wants, and the matching input method hints
    (read by any other input method the machine may have)."""
    edit.setProperty(PROPERTY, kind)
    edit.setInputMethodHints(HINTS[kind])


def keyboard_kind(edit: QLineEdit) -> str:
    """The layout a box wants: its ``keyboard`` property, else guessed from its hints."""
    declared = edit.property(PROPERTY)
    if declared in (*KINDS, NONE):
        return str(declared)
    hints = edit.inputMethodHints()
    if hints & Qt.InputMethodHint.ImhDialableCharactersOnly:
        return PHONE
    if hints & (Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhFormattedNumbersOnly):
        return DIGITS
    if hints & Qt.InputMethodHint.ImhEmailCharactersOnly:
        return EMAIL
    if hints & Qt.InputMethodHint.ImhUppercaseOnly:
        return CODE
    return TEXT


def _words() -> dict[str, str]:
    """Captions and spoken names in the active language. Read again each time the keyboard
    appears: the usager may have picked another language meanwhile."""
    return {
        "shift": _("Majuscules"),
        "shift-caption": _("Maj"),
        "accents": _("Lettres accentuées"),
        "letters": _("Lettres"),
        "symbols": _("Chiffres et signes"),
        "space": _("Espace"),
        "backspace": _("Effacer"),
        "enter": _("Valider"),
        "@": _("Arobase"),
        ".": _("Point"),
        ",": _("Virgule"),
        "-": _("Tiret"),
        "_": _("Tiret bas"),
        "'": _("Apostrophe"),
        "+": _("Plus"),
        "/": _("Barre oblique"),
        "(": _("Parenthèse ouvrante"),
        ")": _("Parenthèse fermante"),
        "&": _("Et commercial"),
        "°": _("Degré"),
    }


@dataclass(frozen=True)
class KeySpec:
    """One key of a layout. ``text`` is inserted; otherwise ``action`` is done."""

    name: str  # the button's object name is "key:<name>"
    label: str = ""  # drawn as is (a letter, a sign); else the caption ``words[caption]``
    text: str = ""
    action: str = ""  # shift, accents, letters, symbols, backspace, enter
    span: int = 2  # columns of the board's grid
    rows: int = 1
    caption: str = ""  # a key of ``_words()`` for the visible caption
    spoken: str = ""  # a key of ``_words()`` for the spoken name, when the label is a sign
    shifts: bool = False  # a letter that Majuscules turns into a capital


def _gap(span: int = 2) -> KeySpec:
    """An empty cell, to centre a shorter row."""
    return KeySpec("", span=span)


def _chars(chars: str, shifts: bool = True) -> list[KeySpec]:
    return [KeySpec(c, label=c, text=c, shifts=shifts and c.upper() != c, spoken=c) for c in chars]


def _sign(char: str, span: int = 2) -> KeySpec:
    return KeySpec(char, label=char, text=char, span=span, spoken=char)


# Action keys with a word on them (the page keys show where they lead instead).
_CAPTIONS = {"space": "space", "backspace": "backspace", "enter": "enter", "shift": "shift-caption"}


def _action(action: str, span: int, rows: int = 1) -> KeySpec:
    return KeySpec(
        action,
        action=action,
        text=" " if action == "space" else "",
        span=span,
        rows=rows,
        caption=_CAPTIONS.get(action, ""),
        spoken=action,
    )


def _page_key(action: str, label: str) -> KeySpec:
    return KeySpec(action, label=label, action=action, span=3, spoken=action)


def _text_board(page: str) -> list[list[KeySpec]]:
    if page == ACCENTS:
        top = [_chars("éèêëàâäçùû"), [_gap(), *_chars("ôöîïüÿœæ")]]
    elif page == SYMBOLS:
        # For addresses and the like: "12/14", "2e (bis)", "n°"; - ' . are on the rows below.
        top = [_chars("1234567890"), [_gap(3), *(_sign(c) for c in ",/()°&+")]]
    else:
        top = [_chars("azertyuiop"), _chars("qsdfghjklm")]
    # The page keys show where they lead; on their own page they lead back to the letters.
    symbols = _page_key("letters", "abc") if page == SYMBOLS else _page_key("symbols", "123")
    accents = _page_key("letters", "abc") if page == ACCENTS else _page_key("accents", "é à ç")
    return [
        *top,
        [_action("shift", 3), *_chars("wxcvbn"), _sign("'"), _action("backspace", 3)],
        [symbols, accents, _sign("-"), _action("space", 6), _sign("."), _action("enter", 4)],
    ]


def _email_board(page: str) -> list[list[KeySpec]]:
    if page == SYMBOLS:
        top = [_chars("1234567890"), [_gap(9), _sign("+")]]  # - _ . are on the rows below
        switch = _page_key("letters", "abc")
    else:
        top = [_chars("azertyuiop", shifts=False), _chars("qsdfghjklm", shifts=False)]
        switch = _page_key("symbols", "123")
    return [
        *top,
        [_sign("_"), _sign("-"), *_chars("wxcvbn", shifts=False), _action("backspace", 4)],
        [
            switch,
            _sign("@", 3),
            _sign("."),
            KeySpec(".fr", label=".fr", text=".fr", span=3, spoken=".fr"),
            KeySpec(".com", label=".com", text=".com", span=3, spoken=".com"),
            _action("enter", 6),
        ],
    ]


def _code_board() -> list[list[KeySpec]]:
    return [
        _chars("1234567890"),
        _chars("AZERTYUIOP"),
        _chars("QSDFGHJKLM"),
        [*_chars("WXCVBN"), _sign("-"), _action("backspace", 3), _action("enter", 3)],
    ]


def _pad_board(phone: bool) -> list[list[KeySpec]]:
    def digits(chars: str) -> list[KeySpec]:
        return [KeySpec(c, label=c, text=c, span=1, spoken=c) for c in chars]

    last = [_sign("+", 1), *digits("0"), _action("space", 1)] if phone else [_gap(1), *digits("0")]
    return [
        [*digits("123"), _action("backspace", 1, rows=2)],
        digits("456"),
        [*digits("789"), _action("enter", 1, rows=2)],
        last,
    ]


def _board_rows(board: str) -> tuple[list[list[KeySpec]], int]:
    """The rows of a board ("kind" or "kind:page") and its number of grid columns."""
    kind, _sep, page = board.partition(":")
    if kind == TEXT:
        return _text_board(page or LETTERS), LETTER_COLUMNS
    if kind == EMAIL:
        return _email_board(page or LETTERS), LETTER_COLUMNS
    if kind == CODE:
        return _code_board(), LETTER_COLUMNS
    return _pad_board(kind == PHONE), PAD_COLUMNS


class KeyButton(QToolButton):
    """A key: never takes the focus (the text box keeps it). A tool button, not a push
    button: the screens' button rules (their heights, scaled with the text size) are not the
    keys', whose rows must leave room for the question above them."""

    def __init__(self, spec: KeySpec) -> None:
        super().__init__()
        self.spec = spec
        self.setObjectName(f"key:{spec.name}")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        if spec.text:
            role = "key"
        elif spec.action == "enter":
            role = "key-enter"
        else:
            role = "key-action"
        self.setProperty("role", role)
        self.setCheckable(spec.action == "shift")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    # The grid shares the width out by columns, whatever the captions (keys line up), never
    # below a touch target; the height is the style's, at least a row's.
    def sizeHint(self) -> QSize:
        return QSize(KEY_MIN_WIDTH, max(super().sizeHint().height(), KEY_HEIGHT))

    def minimumSizeHint(self) -> QSize:
        return QSize(KEY_MIN_WIDTH, KEY_HEIGHT)

    def show_texts(self, words: dict[str, str], capital: bool) -> None:
        spec = self.spec
        label = words[spec.caption] if spec.caption else spec.label
        if spec.action == "shift":
            label = f"↑ {label}"  # the arrow of phone keyboards, and the word of PC keyboards
        spoken = words.get(spec.spoken, spec.spoken) if spec.spoken else label
        if capital and spec.shifts:
            label = spoken = spec.label.upper()
        # A single & would underline the next letter; the left-to-right mark keeps ".fr" from
        # being drawn "fr." when the application runs right to left (Arabic).
        mark = "" if label[:1].isalnum() else "\u200e"
        self.setText(mark + label.replace("&", "&&"))
        self.setAccessibleName(spoken)


class Board(QWidget):
    """One layout (or one page of a layout): a grid of keys, centred, within reach of two hands."""

    def __init__(self, name: str, on_key: Callable[[KeyButton], None]) -> None:
        super().__init__()
        self.setObjectName(f"board:{name}")
        rows, columns = _board_rows(name)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        grid_holder = QWidget()
        grid_holder.setMaximumWidth(MAX_WIDTH if columns == LETTER_COLUMNS else PAD_MAX_WIDTH)
        grid = QGridLayout(grid_holder)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(KEY_GAP)
        outer.addWidget(grid_holder)
        for column in range(columns):
            grid.setColumnStretch(column, 1)
        self.keys: list[KeyButton] = []
        for row_index, row in enumerate(rows):
            grid.setRowMinimumHeight(row_index, KEY_HEIGHT)
            column = 0
            for spec in row:
                if spec.name:
                    key = KeyButton(spec)
                    key.clicked.connect(lambda _checked=False, k=key: on_key(k))
                    grid.addWidget(key, row_index, column, spec.rows, spec.span)
                    self.keys.append(key)
                column += spec.span
        # As tall as its rows: a larger text size makes taller keys, not clipped captions.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)


class OnScreenKeyboard(QWidget):
    """Shown under the screens while a text box of the window has the focus."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyboard")
        self.setProperty("role", "keyboard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # Latin letters in every language: the démarches' answers are written as on French
        # documents, and the keys keep the AZERTY order an Arabic reading direction would
        # otherwise mirror.
        self.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(KEY_GAP, KEY_GAP, KEY_GAP, KEY_GAP)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack)
        self.boards: dict[str, Board] = {}
        self.kind = ""
        self.page = LETTERS
        self.shift = SHIFT_OFF
        self.target: QLineEdit | None = None
        self._words = _words()
        self.hide()

    # -- which box, which layout -----------------------------------------------------------
    @Slot(QWidget, QWidget)
    def follow_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Shown for a text box of this window that wants a keyboard; hidden otherwise."""
        if isinstance(new, QLineEdit) and self._wants_keyboard(new):
            self.show_for(new)
        else:
            self.target = None
            self.hide()

    def _wants_keyboard(self, edit: QLineEdit) -> bool:
        window = self.parentWidget()
        return (
            window is not None
            and window.isAncestorOf(edit)
            and edit.isVisible()
            and edit.isEnabled()
            and not edit.isReadOnly()
            and keyboard_kind(edit) != NONE
        )

    def show_for(self, edit: QLineEdit) -> None:
        kind = keyboard_kind(edit)
        if kind != self.kind or edit is not self.target:
            self.kind = kind
            self.page = LETTERS
            self.shift = SHIFT_OFF
        self.target = edit
        self._words = _words()
        self._show_board()
        if not self.isVisible():
            self.show()
            self.raise_()  # above a panel drawn over the window (the médiateur's)
        self.reveal()
        # Once more after the window's layout has settled (the screens just got shorter).
        QTimer.singleShot(0, self.reveal)

    def reveal(self) -> None:
        """Scroll the box into view above the keyboard, as little as needed (what is above
        it is the question being answered)."""
        edit = self.target
        if edit is None or not self.isVisible():
            return
        window = self.parentWidget()
        layout = window.layout() if window is not None else None
        if layout is not None:
            layout.activate()  # the screen's new, shorter height, before measuring
        area = scroll_area_of(edit)
        body = area.widget() if area is not None else None
        if area is None or body is None:
            return
        top = edit.mapTo(body, QPoint(0, 0)).y()
        bottom = top + edit.height()
        bar = area.verticalScrollBar()
        seen = area.viewport().height()
        if top - CAPTION_ROOM < bar.value():
            wanted = top - CAPTION_ROOM
        elif bottom + BELOW_ROOM > bar.value() + seen:
            wanted = bottom + BELOW_ROOM - seen
        else:
            return
        # The box itself first, whole, when there is no room for its caption too.
        bar.setValue(min(max(wanted, bottom - seen), top))

    def _board_name(self) -> str:
        return f"{self.kind}:{self.page}" if self.kind in (TEXT, EMAIL) else self.kind

    def _show_board(self) -> None:
        name = self._board_name()
        board = self.boards.get(name)
        if board is None:
            board = Board(name, self._pressed)
            self.boards[name] = board
            self.stack.addWidget(board)
        self.stack.setCurrentWidget(board)
        self._refresh(board.keys)

    def _refresh(self, keys: Iterable[KeyButton]) -> None:
        capital = self.shift != SHIFT_OFF
        for key in keys:
            key.show_texts(self._words, capital)
            if key.spec.action == "shift":
                key.setChecked(capital)
                key.setProperty("state", self.shift)
                style = key.style()
                style.unpolish(key)
                style.polish(key)

    @property
    def board(self) -> Board | None:
        current = self.stack.currentWidget()
        return current if isinstance(current, Board) else None

    # -- keys ------------------------------------------------------------------------------
    def field(self) -> QLineEdit | None:
        focused = QApplication.focusWidget()
        if isinstance(focused, QLineEdit):
            return focused
        return self.target

    def _pressed(self, key: KeyButton) -> None:
        spec = key.spec
        if spec.text:
            self._type(spec)
            return
        action = spec.action
        if action == "shift":
            # Once for the next letter, twice for capitals until tapped again.
            following = {SHIFT_OFF: SHIFT_ONCE, SHIFT_ONCE: SHIFT_LOCKED}
            self.shift = following.get(self.shift, SHIFT_OFF)
            self._refresh_board()
        elif action in (ACCENTS, SYMBOLS, LETTERS):
            self.page = action
            self._show_board()
        elif action == "backspace":
            edit = self.field()
            if edit is not None:
                edit.backspace()
        elif action == "enter":
            self._enter()

    def _type(self, spec: KeySpec) -> None:
        edit = self.field()
        if edit is None:
            return
        text = spec.text
        if spec.shifts and self.shift != SHIFT_OFF:
            text = text.upper()
        edit.insert(text)
        changed = False
        if spec.shifts and self.shift == SHIFT_ONCE:
            self.shift = SHIFT_OFF
            changed = True
        if self.page == ACCENTS:
            # Most words carry one accent: back to the letters for the rest of the word.
            self.page = LETTERS
            self._show_board()
        elif changed:
            self._refresh_board()

    def _refresh_board(self) -> None:
        board = self.board
        if board is not None:
            self._refresh(board.keys)

    def _enter(self) -> None:
        """The same as Return on a physical keyboard: the box validates its text and says
        it is done (``returnPressed``); what follows is up to its screen."""
        edit = self.field()
        if edit is None:
            return
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r")
            QApplication.sendEvent(edit, event)

    def key(self, name: str) -> KeyButton:
        """The key named ``name`` on the board shown (for tests and tools)."""
        board = self.board
        for key in board.keys if board is not None else ():
            if key.spec.name == name:
                return key
        raise LookupError(f"no key {name!r} on the keyboard shown")


def install_keyboard(window: QWidget) -> OnScreenKeyboard | None:
    """Dock a keyboard at the bottom of ``window`` (whose layout is a QVBoxLayout) and have it
    follow the focus; None when the configuration turns it off (a physical keyboard)."""
    config: Any = getattr(window, "config", None)
    if config is not None and not config["ui.onscreen_keyboard"]:
        return None
    layout = window.layout()
    app = QApplication.instance()
    if not isinstance(layout, QVBoxLayout) or not isinstance(app, QApplication):
        LOG.warning("no on-screen keyboard: the window has no vertical layout")
        return None
    keyboard = OnScreenKeyboard(window)
    layout.addWidget(keyboard)
    # A stack of screens is as tall as its tallest screen (the home), yet the keyboard only
    # shows under a screen that scrolls: the stack gives up its minimum height to the keyboard.
    for index in range(layout.count()):
        item = layout.itemAt(index)
        screens = item.widget() if item is not None else None
        if isinstance(screens, QStackedWidget):
            policy = screens.sizePolicy()
            policy.setVerticalPolicy(QSizePolicy.Policy.Ignored)
            screens.setSizePolicy(policy)
    app.focusChanged.connect(keyboard.follow_focus)
    keyboard.follow_focus(None, QApplication.focusWidget())
    return keyboard
