"""Home: the families of démarches, then the démarches of a family, as large tiles."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.catalog import Family
from kiosk.i18n import _
from kiosk.pictograms import pictogram_for_family
from ui.pictograms import PictogramLabel
from ui.widgets import MARGIN, SPACING, button, clear_layout, label, scrolling

TILE_PICTOGRAM_PX = 64


def tile(title: str, summary: str, name: str, pictogram: str = "") -> QPushButton:
    """A large button with a title in bold and a summary under it, after the ``pictogram``
    (assets/pictograms/) if one is given."""
    widget = button("", "tile", name)
    widget.setAccessibleName(title)
    widget.setAccessibleDescription(summary)
    # A button keeps the height of its own caption (empty here) whatever its layout needs:
    # let it grow to its texts, which wrap onto more lines beside the pictogram in a long
    # language or a large text size.
    policy = widget.sizePolicy()
    policy.setVerticalPolicy(QSizePolicy.Policy.Minimum)
    widget.setSizePolicy(policy)
    outer = QHBoxLayout(widget)
    outer.setContentsMargins(SPACING, SPACING, SPACING, SPACING)
    outer.setSpacing(SPACING)
    if pictogram:
        # At the start of the reading line (mirrored in Arabic), level with the title.
        outer.addWidget(PictogramLabel(pictogram, TILE_PICTOGRAM_PX), 0, Qt.AlignmentFlag.AlignTop)
    inside = QVBoxLayout()
    inside.setContentsMargins(0, 0, 0, 0)
    outer.addLayout(inside, 1)
    for text, role in ((title, "tile-title"), (summary, "tile-summary")):
        if text:
            part = label(text, role)
            # The tap goes to the button, not to the text on it.
            part.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            inside.addWidget(part)
    inside.addStretch(1)  # a taller tile (its neighbour's texts are longer) keeps them together
    return widget


class TileGrid(QGridLayout):
    """Two columns of tiles; a tap emits the tile's ``key`` property."""

    def __init__(self, on_tap: SignalInstance, columns: int = 2) -> None:
        super().__init__()
        self.setSpacing(SPACING)
        self._on_tap = on_tap
        self._columns = columns

    def fill(
        self, tiles: Sequence[tuple[str, str, str, str]], pictograms: Sequence[str] = ()
    ) -> None:
        """``tiles``: (key, title, summary, objectName); ``pictograms``: the name of each
        tile's pictogram, in the same order (none if left out)."""
        clear_layout(self)
        for index, (key, title, summary, name) in enumerate(tiles):
            pictogram = pictograms[index] if index < len(pictograms) else ""
            widget = tile(title, summary, name, pictogram)
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
        self.grid = TileGrid(self.family_chosen)
        self.show_families(families)
        if not families:
            layout.addWidget(
                label(_("Aucune démarche n'est disponible. Adressez-vous au médiateur."), "error")
            )
        # In a long language or a large text size the tiles need more than the screen: they
        # scroll under the finger instead of being squeezed over each other.
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(self.grid)
        column.addStretch(1)
        layout.addWidget(scrolling(column), 1)
        layout.addWidget(
            label(_("Besoin d'aide ? Un médiateur numérique est là pour vous accompagner."), "help")
        )

    def show_families(self, families: list[Family]) -> None:
        self.grid.fill(
            [(f.id, f.title, f.summary, f"family:{f.id}") for f in families],
            [pictogram_for_family(f.id) for f in families],
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
        back = button(_("Retour"), "secondary", "back", arrow="back")
        back.clicked.connect(self.back_requested)
        self.layout_.addWidget(back, 0, Qt.AlignmentFlag.AlignLeft)

    def show_family(self, family: Family) -> None:
        self.title.setText(family.title)
        # A démarche shows its family's pictogram: the list stays recognisably "permis".
        self.grid.fill(
            [(d.id, d.title, d.summary, f"demarche:{d.id}") for d in family.demarches],
            [pictogram_for_family(d.family) for d in family.demarches],
        )
