"""Answer widgets, one per field type, with a common small surface: value / set_value.

Each text box says which on-screen keyboard it wants (``ui.keyboard.set_keyboard``): digits
for a date or a postal code, the e-mail or telephone layout, capitals and digits for a plate.
Return (or the keyboard's "Valider") moves to the answer's next box, and after its last box
the answer is ``submitted``.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk.demarche import Question
from kiosk.i18n import _
from ui.keyboard import CODE, DIGITS, EMAIL, PHONE, TEXT, set_keyboard
from ui.widgets import SPACING, button, discard, label

# The on-screen keyboard each field type wants (TEXT for any other).
KEYBOARDS: dict[str, str] = {
    "email": EMAIL,
    "phone": PHONE,
    "number": DIGITS,
    "postal_code": DIGITS,
    "neph": DIGITS,
    "timbre_fiscal": DIGITS,
    "plate": CODE,
    "vin": CODE,
    "ephoto": CODE,
}


class AnswerInput(QWidget):
    # Return in the answer's last box: the usager is done with this answer.
    submitted = Signal()

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def focus_first(self) -> None:
        self.focusNextChild()


class TextInput(AnswerInput):
    def __init__(self, question: Question) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setObjectName("input")
        self.edit.setAccessibleName(question.label)
        self.edit.setPlaceholderText(question.placeholder)
        set_keyboard(self.edit, KEYBOARDS.get(question.type, TEXT))
        self.edit.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        if question.max_length:
            self.edit.setMaxLength(question.max_length)
        self.edit.returnPressed.connect(self.submitted)
        layout.addWidget(self.edit)

    def value(self) -> Any:
        return self.edit.text()

    def set_value(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))

    def focus_first(self) -> None:
        self.edit.setFocus()


class DateInput(AnswerInput):
    """Day, month and year in three boxes: easier than a calendar for most usagers."""

    def __init__(self, question: Question) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACING)
        self.parts: list[QLineEdit] = []
        for name, caption, digits, top in (
            ("day", _("Jour"), 2, 31),
            ("month", _("Mois"), 2, 12),
            ("year", _("Année"), 4, 9999),
        ):
            column = QVBoxLayout()
            edit = QLineEdit()
            edit.setObjectName(name)
            edit.setAccessibleName(f"{question.label} : {caption}")
            edit.setMaxLength(digits)
            edit.setValidator(QIntValidator(0, top, edit))
            set_keyboard(edit, DIGITS)
            edit.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
            edit.setFixedWidth(110 if digits == 2 else 160)
            edit.setPlaceholderText("AAAA" if digits == 4 else ("JJ" if name == "day" else "MM"))
            column.addWidget(label(caption, "help"))
            column.addWidget(edit)
            layout.addLayout(column)
            self.parts.append(edit)
        layout.addStretch(1)
        # Move on by itself once a box is full: one less thing to find on screen.
        self.parts[0].textEdited.connect(lambda t: self._advance(t, 2, self.parts[1]))
        self.parts[1].textEdited.connect(lambda t: self._advance(t, 2, self.parts[2]))
        _chain_return(self.parts, self.submitted)

    @staticmethod
    def _advance(text: str, length: int, following: QLineEdit) -> None:
        if len(text) == length:
            following.setFocus()

    def value(self) -> Any:
        day, month, year = (p.text().strip() for p in self.parts)
        if not (day or month or year):
            return ""
        return f"{day}/{month}/{year}"

    def set_value(self, value: Any) -> None:
        if isinstance(value, str) and len(value) == 10:  # ISO date
            for edit, text in zip(self.parts, (value[8:10], value[5:7], value[0:4]), strict=True):
                edit.setText(text)
        else:
            for edit in self.parts:
                edit.clear()

    def focus_first(self) -> None:
        self.parts[0].setFocus()


class ChoiceInput(AnswerInput):
    """Large buttons: exclusive for a choice (yes/no is a choice between two), several may be
    checked for a multiple choice."""

    def __init__(self, question: Question) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACING // 2)
        self.multiple = question.type == "multichoice"
        self.group = QButtonGroup(self)
        self.group.setExclusive(not self.multiple)
        if question.type == "yesno":
            choices: list[tuple[Any, str, str]] = [(True, _("Oui"), "yes"), (False, _("Non"), "no")]
        else:
            choices = [(o.value, o.label, f"option:{o.value}") for o in question.options]
        self.values: dict[int, Any] = {}
        for index, (value, text, name) in enumerate(choices):
            option = button(text, "option", name)
            option.setCheckable(True)
            self.group.addButton(option, index)
            self.values[index] = value
            layout.addWidget(option)

    def value(self) -> Any:
        if self.multiple:
            return [self.values[self.group.id(b)] for b in self.group.buttons() if b.isChecked()]
        return self.values.get(self.group.checkedId())

    def set_value(self, value: Any) -> None:
        chosen = value if self.multiple and isinstance(value, list) else [value]
        for index, candidate in self.values.items():
            if candidate in chosen and candidate is not None:
                self.group.button(index).setChecked(True)

    def focus_first(self) -> None:
        first = self.group.button(0)
        if first is not None:
            first.setFocus()


class AddressInput(AnswerInput):
    """An address in the boxes of a French address, each with its caption."""

    PARTS = (
        ("numero", "Numéro"),
        ("voie", "Rue, avenue, lieu-dit"),
        ("complement", "Complément (bâtiment, étage…), si besoin"),
        ("code_postal", "Code postal"),
        ("commune", "Commune"),
    )

    def __init__(self, question: Question) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACING // 2)
        self.edits: dict[str, QLineEdit] = {}
        for key, caption in self.PARTS:
            edit = _line_edit(key, f"{question.label} : {_(caption)}")
            if key == "code_postal":
                edit.setMaxLength(5)
                set_keyboard(edit, DIGITS)
            else:
                set_keyboard(edit, TEXT)  # a number may be "12 bis": letters and digits
            layout.addWidget(label(_(caption), "help"))
            layout.addWidget(edit)
            self.edits[key] = edit
        _chain_return(list(self.edits.values()), self.submitted)

    def value(self) -> Any:
        return {key: edit.text() for key, edit in self.edits.items()}

    def set_value(self, value: Any) -> None:
        for key, edit in self.edits.items():
            edit.setText(str(value.get(key) or "") if isinstance(value, dict) else "")

    def focus_first(self) -> None:
        self.edits["numero"].setFocus()


class GroupInput(AnswerInput):
    """A repeated group: one block of small questions per person, "Ajouter" and "Retirer"."""

    def __init__(self, question: Question) -> None:
        super().__init__()
        self.question = question
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACING)
        self.entries_layout = QVBoxLayout()
        self.entries_layout.setSpacing(SPACING)
        layout.addLayout(self.entries_layout)
        self.add = button(_("Ajouter une personne"), "secondary", "group-add")
        self.add.clicked.connect(self._add_clicked)
        layout.addWidget(self.add, 0, Qt.AlignmentFlag.AlignLeft)
        self.entries: list[tuple[QWidget, dict[str, AnswerInput]]] = []
        for _index in range(max(question.min_items, 1)):
            self._add_entry()

    def _add_clicked(self) -> None:
        self._add_entry()

    def _add_entry(self) -> None:
        number = len(self.entries) + 1
        box = QWidget()
        box.setObjectName(f"entry:{number}")
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(label(_("Personne {n}").format(n=number), "easy"))
        inputs: dict[str, AnswerInput] = {}
        for field in self.question.fields:
            widget = input_for(field)
            widget.submitted.connect(lambda w=widget: self._next_after(w))
            # Unique names inside the group: "2:nom", "2:date:day"...
            for child in widget.findChildren(QWidget):
                if child.objectName():
                    child.setObjectName(f"{number}:{field.id}:{child.objectName()}")
            column.addWidget(label(field.label, "help"))
            column.addWidget(widget)
            inputs[field.id] = widget
        remove = button(_("Retirer cette personne"), "link", f"group-remove:{number}")
        remove.setProperty("entry", number)
        remove.clicked.connect(self._remove_clicked)
        column.addWidget(remove, 0, Qt.AlignmentFlag.AlignLeft)
        self.entries_layout.addWidget(box)
        box.show()
        self.entries.append((box, inputs))
        self._update_buttons()

    def _remove_clicked(self) -> None:
        sender = self.sender()
        if sender is None:
            return
        box, _inputs = self.entries.pop(int(sender.property("entry")) - 1)
        values = self.value()  # renumber by rebuilding: names and captions stay in step
        discard(box)
        for old_box, _old_inputs in self.entries:
            discard(old_box)
        self.entries.clear()
        for entry in values:
            self._add_entry()
            self._fill(self.entries[-1][1], entry)
        self._update_buttons()

    def _next_after(self, widget: AnswerInput) -> None:
        """Return after one small question: on to the next one, the next person's, then done."""
        order = [w for _box, inputs in self.entries for w in inputs.values()]
        index = order.index(widget) if widget in order else len(order)
        if index + 1 < len(order):
            order[index + 1].focus_first()
        else:
            self.submitted.emit()

    def _update_buttons(self) -> None:
        full = bool(self.question.max_items) and len(self.entries) >= self.question.max_items
        self.add.setEnabled(not full)

    @staticmethod
    def _fill(inputs: dict[str, AnswerInput], entry: dict[str, Any]) -> None:
        for key, widget in inputs.items():
            widget.set_value(entry.get(key))

    def value(self) -> Any:
        return [{key: w.value() for key, w in inputs.items()} for _box, inputs in self.entries]

    def set_value(self, value: Any) -> None:
        entries = value if isinstance(value, list) else []
        while len(self.entries) < len(entries):
            self._add_entry()
        for (_box, inputs), entry in zip(self.entries, entries, strict=False):
            self._fill(inputs, entry)

    def focus_first(self) -> None:
        if self.entries:
            next(iter(self.entries[0][1].values())).focus_first()


def _chain_return(edits: list[QLineEdit], done: SignalInstance) -> None:
    """Return in a box goes to the next box of the same answer; in the last, ``done``."""
    for edit, following in pairwise(edits):
        edit.returnPressed.connect(following.setFocus)
    edits[-1].returnPressed.connect(done)


def _line_edit(name: str, accessible: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    edit.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
    return edit


def input_for(question: Question) -> AnswerInput:
    if question.type in ("choice", "yesno", "multichoice"):
        return ChoiceInput(question)
    if question.type == "date":
        return DateInput(question)
    if question.type == "address":
        return AddressInput(question)
    if question.type == "group":
        return GroupInput(question)
    return TextInput(question)
