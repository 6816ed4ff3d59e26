"""Before the first question: what the usager will need to have at hand and to scan."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.demarche import Demarche, PieceStep
from kiosk.i18n import _
from kiosk.pictograms import pictogram_for_piece
from ui.pictograms import PictogramLabel
from ui.screens.base import StepFrame
from ui.widgets import SPACING, clear_layout, label

PICTOGRAM_PX = 28


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
        # One row a pièce, its pictogram first: the papers to get out are recognised on
        # sight, and the same pictogram comes back on the pièce's own screen.
        self.pieces = QWidget()
        self.pieces.setObjectName("pieces")
        self.piece_rows = QVBoxLayout(self.pieces)
        self.piece_rows.setContentsMargins(0, 0, 0, 0)
        self.piece_rows.setSpacing(SPACING // 12)
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
        pieces = [step for step in demarche.steps if isinstance(step, PieceStep)]
        clear_layout(self.piece_rows)
        for step in pieces:
            text = f"• {step.label}" + (f" ({step.applies_text})" if step.applies_text else "")
            row = QHBoxLayout()
            row.setSpacing(SPACING // 2)
            row.addWidget(
                PictogramLabel(
                    pictogram_for_piece(step.id, step.label), PICTOGRAM_PX, follow_text=True
                ),
                0,
                Qt.AlignmentFlag.AlignTop,
            )
            row.addWidget(label(text, "help"), 1)
            self.piece_rows.addLayout(row)
        for part in (self.pieces_title, self.pieces):
            part.setVisible(bool(pieces))
