"""Home: the démarches an usager can start, as large tiles."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.demarche import Demarche
from kiosk.i18n import _
from ui.widgets import MARGIN, SPACING, button, label


class HomeScreen(QWidget):
    demarche_chosen = Signal(str)

    def __init__(self, demarches: tuple[Demarche, ...], site_name: str) -> None:
        super().__init__()
        self.setObjectName("home")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        layout.setSpacing(SPACING)
        layout.addWidget(label(site_name, "progress"))
        layout.addWidget(label(_("Bonjour ! Que souhaitez-vous faire ?"), "title"))
        layout.addWidget(label(_("Touchez la démarche qui vous concerne."), "easy"))
        grid = QGridLayout()
        grid.setSpacing(SPACING)
        for index, demarche in enumerate(demarches):
            grid.addWidget(self._tile(demarche), index // 2, index % 2)
        if not demarches:
            grid.addWidget(
                label(_("Aucune démarche n'est disponible. Adressez-vous au médiateur."), "error")
            )
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addWidget(
            label(_("Besoin d'aide ? Un médiateur numérique est là pour vous accompagner."), "help")
        )

    def _tile(self, demarche: Demarche) -> QPushButton:
        """A large button with the démarche's title in bold and its summary under it."""
        tile = button("", "tile", f"demarche:{demarche.id}")
        tile.setAccessibleName(demarche.title)
        tile.setAccessibleDescription(demarche.summary)
        inside = QVBoxLayout(tile)
        inside.setContentsMargins(SPACING, SPACING, SPACING, SPACING)
        for text, role in ((demarche.title, "tile-title"), (demarche.summary, "tile-summary")):
            part = label(text, role)
            # The tap goes to the button, not to the text on it.
            part.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            inside.addWidget(part)
        tile.setProperty("demarche_id", demarche.id)
        tile.clicked.connect(self._tile_clicked)
        return tile

    def _tile_clicked(self) -> None:
        sender = self.sender()
        if sender is not None:
            self.demarche_chosen.emit(str(sender.property("demarche_id")))
