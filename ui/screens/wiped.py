"""The short farewell: the dossier is filed (or not), and nothing of the usager remains."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.i18n import _
from ui.widgets import label


class WipedScreen(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("wiped")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.title = label("", "title")
        self.body = label("", "easy")
        for widget in (self.title, self.body):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(widget)
        layout.addStretch(1)

    def show_for(self, reason: str) -> None:
        """``finished``: the dossier was filed; anything else: the démarche was left."""
        if reason == "finished":
            self.title.setText(_("Merci, votre dossier est enregistré."))
            self.body.setText(_("Vos informations ont été effacées de la borne. À bientôt !"))
        else:
            self.title.setText(_("Vos données ont été effacées."))
            self.body.setText(_("Vous pouvez recommencer quand vous voulez. À bientôt !"))
