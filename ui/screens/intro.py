"""Before the first question: what the usager will need to have at hand and to scan."""

from __future__ import annotations

from PySide6.QtCore import Signal

from kiosk.demarche import Demarche, PieceStep
from kiosk.i18n import _
from ui.screens.base import StepFrame
from ui.widgets import label


class IntroScreen(StepFrame):
    start_requested = Signal()

    def __init__(self) -> None:
        super().__init__("intro", next_text=_("Commencer"))
        self.footer.next.setObjectName("start")
        self.footer.next_clicked.connect(self.start_requested)
        self.header.quit.hide()  # nothing to abandon yet: "Retour" goes back
        self.body.addWidget(label(_("Avant de commencer"), "question"))
        self.summary = label("", "easy")
        self.bring_title = label(_("Ayez avec vous :"), "easy")
        self.bring = label("", "help")
        self.bring.setObjectName("bring")
        self.pieces_title = label(_("Vous allez numériser :"), "easy")
        self.pieces = label("", "help")
        self.pieces.setObjectName("pieces")
        for widget in (self.summary, self.bring_title, self.bring, self.pieces_title, self.pieces):
            self.body.addWidget(widget)
        self.body.addWidget(
            label(_("Il vous manque quelque chose ? Le médiateur peut vous aider."), "help")
        )
        self.body.addStretch(1)

    def show_demarche(self, demarche: Demarche) -> None:
        self.header.set_step(demarche.title, 0, 0)
        self.summary.setText(demarche.summary)
        self.bring.setText("\n".join(f"• {item}" for item in demarche.bring))
        for widget in (self.bring_title, self.bring):
            widget.setVisible(bool(demarche.bring))
        pieces = [
            f"• {step.label}" + (f" ({step.applies_text})" if step.applies_text else "")
            for step in demarche.steps
            if isinstance(step, PieceStep)
        ]
        self.pieces.setText("\n".join(pieces))
        for widget in (self.pieces_title, self.pieces):
            widget.setVisible(bool(pieces))
