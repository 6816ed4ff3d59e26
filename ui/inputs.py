"""Answer widgets, one per field type, with a common small surface: value / set_value."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk.demarche import Question
from kiosk.i18n import _
from ui.widgets import SPACING, button, label


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
    """Large exclusive buttons; yes/no is a choice between two."""

    def __init__(self, question: Question) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACING // 2)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
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
        checked = self.group.checkedId()
        return self.values.get(checked)

    def set_value(self, value: Any) -> None:
        for index, candidate in self.values.items():
            if candidate == value and value is not None:
                self.group.button(index).setChecked(True)

    def focus_first(self) -> None:
        first = self.group.button(0)
        if first is not None:
            first.setFocus()


def input_for(question: Question) -> AnswerInput:
    if question.type in ("choice", "yesno"):
        return ChoiceInput(question)
    if question.type == "date":
        return DateInput(question)
    return TextInput(question)
