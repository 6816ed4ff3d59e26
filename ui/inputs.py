"""Answer widgets, one per field type, with a common small surface: value / set_value."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk.demarche import Question
from kiosk.i18n import _
from ui.widgets import SPACING, button, discard, label


class AnswerInput(QWidget):
    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def focus_first(self) -> None:
        self.focusNextChild()


class TextInput(AnswerInput):
    HINTS: ClassVar[dict[str, Qt.InputMethodHint]] = {
        "email": Qt.InputMethodHint.ImhEmailCharactersOnly | Qt.InputMethodHint.ImhNoAutoUppercase,
        "phone": Qt.InputMethodHint.ImhDialableCharactersOnly,
        "number": Qt.InputMethodHint.ImhDigitsOnly,
        "postal_code": Qt.InputMethodHint.ImhDigitsOnly,
        "neph": Qt.InputMethodHint.ImhDigitsOnly,
        "timbre_fiscal": Qt.InputMethodHint.ImhDigitsOnly,
        "plate": Qt.InputMethodHint.ImhUppercaseOnly,
        "vin": Qt.InputMethodHint.ImhUppercaseOnly,
        "ephoto": Qt.InputMethodHint.ImhUppercaseOnly,
    }

    def __init__(self, question: Question) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setObjectName("input")
        self.edit.setAccessibleName(question.label)
        self.edit.setPlaceholderText(question.placeholder)
        self.edit.setInputMethodHints(self.HINTS.get(question.type, Qt.InputMethodHint.ImhNone))
        self.edit.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        if question.max_length:
            self.edit.setMaxLength(question.max_length)
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
            edit.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
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
                edit.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
            layout.addWidget(label(_(caption), "help"))
            layout.addWidget(edit)
            self.edits[key] = edit

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
