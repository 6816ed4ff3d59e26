"""The récapitulatif: every answer and pièce, each with a way to change it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from kiosk.demarche import PhotoStep, PieceStep
from kiosk.i18n import _
from kiosk.session import RecapLine
from ui.screens.base import StepFrame
from ui.widgets import SPACING, button, clear_layout, label


class RecapScreen(StepFrame):
    edit_requested = Signal(str)

    def __init__(self) -> None:
        super().__init__("recap", next_text=_("Envoyer mon dossier"))
        self.footer.next.setObjectName("send")
        self.body.addWidget(label(_("Vérifiez votre dossier"), "question"))
        self.body.addWidget(
            label(
                _("Touchez « Modifier » pour corriger une réponse. Quand tout est juste, envoyez."),
                "easy",
            )
        )
        self.problems = label("", "error")
        self.problems.setObjectName("recap-problems")
        self.body.addWidget(self.problems)
        self.rows = QWidget()
        self.grid = QGridLayout(self.rows)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(SPACING)
        self.grid.setVerticalSpacing(SPACING // 2)
        self.grid.setColumnStretch(1, 1)
        self.body.addWidget(self.rows)
        self.body.addStretch(1)

    def _edit_clicked(self) -> None:
        sender = self.sender()
        if sender is not None:
            self.edit_requested.emit(str(sender.property("step_id")))

    def show_recap(
        self, title: str, lines: list[RecapLine], problems: tuple[str, ...] = ()
    ) -> None:
        """``problems``: what still prevents sending (a rule broken by a later change, a
        missing answer), each in the usager's words; "Envoyer" waits until there are none."""
        self.header.set_step(title, 0, 0)
        self.header.progress.setText(_("Récapitulatif"))
        clear_layout(self.grid)
        for row, line in enumerate(lines):
            name = label(line.step.label, "help")
            value = label(shown(line), "easy")
            value.setObjectName(f"value:{line.step.id}")
            edit = button(_("Modifier"), "secondary", f"edit:{line.step.id}")
            edit.setAccessibleName(_("Modifier : {label}").format(label=line.step.label))
            edit.setProperty("step_id", line.step.id)
            # A bound method, not a lambda: lambdas connected to short-lived buttons leak.
            edit.clicked.connect(self._edit_clicked)
            self.grid.addWidget(name, row, 0)
            self.grid.addWidget(value, row, 1)
            self.grid.addWidget(edit, row, 2)
            for widget in (name, value, edit):
                widget.show()
        self.problems.setText("\n".join(problems))
        self.problems.setVisible(bool(problems))
        self.footer.next.setEnabled(not problems)

    def clear(self) -> None:
        """Forget the last usager's answers (the widgets outlive the session)."""
        clear_layout(self.grid)


def shown(line: RecapLine) -> str:
    """A récapitulatif line's answer as the usager reads it (screen and A4 alike)."""
    if isinstance(line.step, PhotoStep):
        return _("Photo prise") if int(line.shown) else _("(pas de photo)")
    if isinstance(line.step, PieceStep):
        count = int(line.shown)
        pages = _("{n} page numérisée") if count == 1 else _("{n} pages numérisées")
        return pages.format(n=count)
    return line.shown or _("(pas de réponse)")
