"""Home: the families of démarches, then the démarches of a family, as large tiles."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import QGridLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.catalog import Family
from kiosk.i18n import _
from ui.widgets import MARGIN, SPACING, button, clear_layout, label, scrolling


def tile(title: str, summary: str, name: str) -> QPushButton:
    """A large button with a title in bold and a summary under it."""
    widget = button("", "tile", name)
    widget.setAccessibleName(title)
    widget.setAccessibleDescription(summary)
    inside = QVBoxLayout(widget)
    inside.setContentsMargins(SPACING, SPACING, SPACING, SPACING)
    for text, role in ((title, "tile-title"), (summary, "tile-summary")):
        if text:
            part = label(text, role)
            # The tap goes to the button, not to the text on it.
            part.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            inside.addWidget(part)
    return widget


class TileGrid(QGridLayout):
    """Two columns of tiles; a tap emits the tile's ``key`` property."""

    def __init__(self, on_tap: SignalInstance, columns: int = 2) -> None:
        super().__init__()
        self.setSpacing(SPACING)
        self._on_tap = on_tap
        self._columns = columns

    def fill(self, tiles: Sequence[tuple[str, str, str, str]]) -> None:
        """``tiles``: (key, title, summary, objectName)."""
        clear_layout(self)
        for index, (key, title, summary, name) in enumerate(tiles):
            widget = tile(title, summary, name)
            widget.setProperty("key", key)
            # A bound method, not a lambda: lambdas connected to short-lived buttons leak.
            widget.clicked.connect(self._tapped)
            self.addWidget(widget, index // self._columns, index % self._columns)
            widget.show()

    def _tapped(self) -> None:
        sender = self.sender()
        if sender is not None:
            self._on_tap.emit(str(sender.property("key")))


class _TileScreen(QWidget):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        self.layout_.setSpacing(SPACING)


class HomeScreen(_TileScreen):
    family_chosen = Signal(str)

    def __init__(self, families: list[Family], site_name: str) -> None:
        super().__init__("home")
        layout = self.layout_
        layout.addWidget(label(site_name, "progress"))
        layout.addWidget(label(_("Bonjour ! Que souhaitez-vous faire ?"), "title"))
        layout.addWidget(label(_("Touchez ce qui vous concerne."), "easy"))
        grid = TileGrid(self.family_chosen)
        grid.fill([(f.id, f.title, f.summary, f"family:{f.id}") for f in families])
        if not families:
            layout.addWidget(
                label(_("Aucune démarche n'est disponible. Adressez-vous au médiateur."), "error")
            )
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addWidget(
            label(_("Besoin d'aide ? Un médiateur numérique est là pour vous accompagner."), "help")
        )


class FamilyScreen(_TileScreen):
    """The démarches of one family, and the way back."""

    demarche_chosen = Signal(str)
    back_requested = Signal()

    def __init__(self) -> None:
        super().__init__("family")
        self.title = label("", "title")
        self.layout_.addWidget(self.title)
        self.layout_.addWidget(label(_("Touchez la démarche qui vous concerne."), "easy"))
        # One démarche a row: long titles stay on one line, and a list reads top to bottom.
        self.grid = TileGrid(self.demarche_chosen, columns=1)
        # A family may hold more démarches than fit on screen: they scroll under the finger.
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(self.grid)
        column.addStretch(1)
        self.layout_.addWidget(scrolling(column), 1)
        back = button("← " + _("Retour"), "secondary", "back")
        back.clicked.connect(self.back_requested)
        self.layout_.addWidget(back, 0, Qt.AlignmentFlag.AlignLeft)

    def show_family(self, family: Family) -> None:
        self.title.setText(family.title)
        self.grid.fill([(d.id, d.title, d.summary, f"demarche:{d.id}") for d in family.demarches])
