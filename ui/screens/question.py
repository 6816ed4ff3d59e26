"""One question per screen: the question, its plain wording, help, the answer, the error."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLineEdit

from kiosk.demarche import Question
from kiosk.engine import Position
from ui.inputs import AnswerInput, input_for
from ui.screens.base import StepFrame
from ui.widgets import discard, label, restyle


class QuestionScreen(StepFrame):
    def __init__(self) -> None:
        super().__init__("question")
        self.question_label = label("", "question")
        self.easy_label = label("", "easy")
        self.help_label = label("", "help")
        self.error_label = label("", "error")
        self.error_label.setObjectName("error")
        self.input: AnswerInput | None = None
        for widget in (self.question_label, self.easy_label, self.help_label):
            self.body.addWidget(widget)
        self._input_index = self.body.count()
        self.body.addWidget(self.error_label)
        self.body.addStretch(1)

    def show_question(
        self, title: str, question: Question, position: Position, previous: Any
    ) -> None:
        self.header.set_step(title, position.index, position.count)
        self.question_label.setText(question.label)
        self.easy_label.setText(question.easy)
        self.easy_label.setVisible(bool(question.easy))
        self.help_label.setText(question.help)
        self.help_label.setVisible(bool(question.help))
        if self.input is not None:
            self.body.removeWidget(self.input)
            discard(self.input)
        self.input = input_for(question)
        self.input.submitted.connect(self.footer.next.click)  # Return: as "Continuer"
        self.body.insertWidget(self._input_index, self.input)
        self.input.show()  # visible now, not at the next layout pass: focus and tests need it
        if previous is not None:
            self.input.set_value(previous)
        self.show_error(None)
        self.input.focus_first()

    def answer(self) -> Any:
        return None if self.input is None else self.input.value()

    def show_error(self, message: str | None) -> None:
        self.error_label.setText(message or "")
        self.error_label.setVisible(bool(message))
        if self.input is not None:
            for edit in self.input.findChildren(QLineEdit):
                edit.setProperty("invalid", bool(message))
                restyle(edit)

    def clear(self) -> None:
        """Forget the last usager's answer (the widgets outlive the session)."""
        if self.input is not None:
            self.body.removeWidget(self.input)
            discard(self.input)
            self.input = None
        self.show_error(None)
