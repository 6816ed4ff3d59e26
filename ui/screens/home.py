"""Home: the démarches an usager can start, as large tiles."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

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
            tile = button(
                f"{demarche.title}\n{demarche.summary}", "tile", f"demarche:{demarche.id}"
            )
            tile.clicked.connect(lambda _checked=False, d=demarche.id: self.demarche_chosen.emit(d))
            grid.addWidget(tile, index // 2, index % 2)
        if not demarches:
            grid.addWidget(
                label(_("Aucune démarche n'est disponible. Adressez-vous au médiateur."), "error")
            )
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addWidget(
            label(_("Besoin d'aide ? Un médiateur numérique est là pour vous accompagner."), "help")
        )
