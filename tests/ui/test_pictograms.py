"""Pictograms on screen: on every tile of home and of a family, beside each pièce, and drawn
again in the high-contrast colour when the usager asks for it."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from kiosk.pictograms import FALLBACK, PICTOGRAM_DIR, pictogram_for_family
from tests.support.journey import walk_to
from tests.ui.conftest import Kiosk
from ui.pictograms import PictogramLabel, pictogram_pixmap
from ui.theme import HIGH_CONTRAST, STANDARD


def _pixels_of(pixmap: QPixmap, colour: str) -> tuple[int, int]:
    """(pixels drawn, of which in ``colour``); antialiased edges count as drawn, not as the
    colour, so a drawing in the wrong colour has none."""
    image = pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32)
    wanted = QColor(colour)
    drawn = matching = 0
    for y in range(image.height()):
        for x in range(image.width()):
            pixel = image.pixelColor(x, y)
            if pixel.alpha() == 0:
                continue
            drawn += 1
            close = (
                abs(pixel.red() - wanted.red()) <= 2
                and abs(pixel.green() - wanted.green()) <= 2
                and abs(pixel.blue() - wanted.blue()) <= 2
            )
            if pixel.alpha() > 200 and close:
                matching += 1
    return drawn, matching


def _settle() -> None:
    for _ in range(2):
        QApplication.sendPostedEvents()
        QApplication.processEvents()


def _pictogram_of(widget: QWidget) -> PictogramLabel:
    found = widget.findChildren(PictogramLabel)
    assert len(found) == 1, f"{widget.objectName()}: {len(found)} pictograms"
    return found[0]


def _assert_drawn(label: PictogramLabel, name: str, size: int, colour: str) -> None:
    assert label.name == name and label.isVisible()
    pixmap = label.pixmap()
    assert not pixmap.isNull()
    assert pixmap.deviceIndependentSize().toSize().width() == size
    assert pixmap.deviceIndependentSize().toSize().height() == size
    drawn, matching = _pixels_of(pixmap, colour)
    assert matching > 0.05 * pixmap.width() * pixmap.height(), (name, colour, drawn, matching)


@pytest.mark.parametrize("name", sorted(path.stem for path in PICTOGRAM_DIR.glob("*.svg")))
def test_every_drawing_renders_in_the_colour_asked(qapp: QApplication, name: str) -> None:
    for colour in (STANDARD["title"], HIGH_CONTRAST["title"]):
        pixmap = pictogram_pixmap(name, 64, colour)
        drawn, matching = _pixels_of(pixmap, colour)
        # Lines, not a filled square nor an empty picture; and only in that colour.
        assert 0.05 * 64 * 64 < matching < 0.6 * 64 * 64, (name, matching)
        assert matching > drawn * 0.5, (name, drawn, matching)
    assert pictogram_pixmap(name, 64, STANDARD["title"]) is pictogram_pixmap(
        name, 64, STANDARD["title"]
    )  # cached


def test_every_family_tile_shows_its_pictogram(kiosk: Kiosk) -> None:
    families = kiosk.window.catalog.families()
    assert families
    for family in families:
        tile = kiosk.window.home.findChild(QPushButton, f"family:{family.id}")
        assert tile is not None
        expected = pictogram_for_family(family.id)
        if family.id != "autre":
            assert expected != FALLBACK
        _assert_drawn(_pictogram_of(tile), expected, 64, STANDARD["title"])
        assert _pictogram_of(tile).accessibleName() == ""  # the tile says it already


def test_demarche_tiles_show_their_family_pictogram(kiosk: Kiosk) -> None:
    kiosk.driver.click("family:carte-grise")
    family = kiosk.window.family
    tiles = [w for w in family.findChildren(QPushButton) if w.objectName().startswith("demarche:")]
    assert tiles
    for tile in tiles:
        _assert_drawn(_pictogram_of(tile), "vehicule", 64, STANDARD["title"])


def test_a_tap_on_the_pictogram_opens_the_family(kiosk: Kiosk) -> None:
    tile = kiosk.window.home.findChild(QPushButton, "family:permis")
    assert tile is not None
    pictogram = _pictogram_of(tile)
    assert tile.childAt(pictogram.geometry().center()) is None  # transparent to the finger


def test_intro_lists_each_piece_with_its_pictogram(kiosk: Kiosk) -> None:
    kiosk.driver.click("family:permis")
    kiosk.driver.click("demarche:permis-perte-vol")
    _settle()
    shown = [
        label.name for label in kiosk.window.intro.findChildren(PictogramLabel) if label.isVisible()
    ]
    assert shown == ["identite", "domicile", "declaration", "identite"]


def test_the_identity_piece_shows_the_identity_pictogram(kiosk: Kiosk) -> None:
    walk_to(kiosk.driver, "piece_identite")
    assert kiosk.window.current_screen == "piece"
    _assert_drawn(kiosk.window.piece.pictogram, "identite", 96, STANDARD["title"])


def test_high_contrast_draws_pictograms_in_its_colour(kiosk: Kiosk) -> None:
    walk_to(kiosk.driver, "piece_identite")
    kiosk.window.settings.toggle_contrast()
    _settle()
    _assert_drawn(kiosk.window.piece.pictogram, "identite", 96, HIGH_CONTRAST["title"])
    # Screens not on display follow too (they are drawn again when shown at the latest).
    tile = kiosk.window.home.findChild(QPushButton, "family:permis")
    assert tile is not None
    assert _pictogram_of(tile).colour == HIGH_CONTRAST["title"]
    kiosk.window.settings.toggle_contrast()
    _settle()
    _assert_drawn(kiosk.window.piece.pictogram, "identite", 96, STANDARD["title"])


def test_high_contrast_on_home_then_a_family(kiosk: Kiosk) -> None:
    kiosk.window.settings.toggle_contrast()
    _settle()
    tile = kiosk.window.home.findChild(QPushButton, "family:permis")
    assert tile is not None
    _assert_drawn(_pictogram_of(tile), "permis", 64, HIGH_CONTRAST["title"])
    # The family list and the intro, built after the change, start in high contrast.
    kiosk.driver.click("family:permis")
    kiosk.driver.click("demarche:permis-perte-vol")
    _settle()
    shown = [
        label for label in kiosk.window.intro.findChildren(PictogramLabel) if label.isVisible()
    ]
    assert shown
    for label in shown:
        _assert_drawn(label, label.name, 28, HIGH_CONTRAST["title"])


def test_list_pictograms_grow_with_the_text(kiosk: Kiosk) -> None:
    kiosk.driver.click("family:permis")
    kiosk.driver.click("demarche:permis-perte-vol")
    for _ in range(2):
        kiosk.window.settings.next_text_size()
    _settle()
    shown = [
        label for label in kiosk.window.intro.findChildren(PictogramLabel) if label.isVisible()
    ]
    assert shown
    for label in shown:
        _assert_drawn(label, label.name, round(28 * 1.4), STANDARD["title"])
    # The large ones keep their size: they already stand out beside any text.
    tile = kiosk.window.home.findChild(QPushButton, "family:permis")
    assert tile is not None
    assert _pictogram_of(tile).size_px == 64
