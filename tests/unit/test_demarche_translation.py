"""Démarche texts go through the translation layer; ids, values and rules' logic do not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk import i18n
from kiosk.catalog import BUNDLED_DIR, load_catalog
from kiosk.demarche import PieceStep, Question


@pytest.fixture
def english() -> Iterator[None]:
    i18n.install(
        {
            "Permis de conduire perdu ou volé": "Lost or stolen driving licence",
            "Que s'est-il passé ?": "What happened?",
            "On me l'a volé": "It was stolen",
            "Votre déclaration de vol": "Your theft report",
            "Récépissé de plainte": "Police report receipt",
            "Seulement en cas de vol": "Only if it was stolen",
        }
    )
    yield
    i18n.install({})


def source_version() -> str:
    return next(
        d.version for d in load_catalog(BUNDLED_DIR).demarches if d.id == "permis-perte-vol"
    )


def test_the_active_translation_applies_to_the_demarche_texts(english: None) -> None:
    demarche = load_catalog(BUNDLED_DIR).get("permis-perte-vol")
    assert demarche.title == "Lost or stolen driving licence"
    motif = demarche.step("motif")
    assert isinstance(motif, Question) and motif.label == "What happened?"
    assert [(o.value, o.label) for o in motif.options] == [
        ("perte", "Je l'ai perdu"),  # no translation given: the French text stays
        ("vol", "It was stolen"),
    ]
    plainte = demarche.step("declaration_vol")
    assert isinstance(plainte, PieceStep)
    assert plainte.label == "Your theft report"
    assert plainte.examples == ("Police report receipt",)
    assert plainte.applies_text == "Only if it was stolen"
    # What is sealed and what conditions read never changes with the language.
    assert (demarche.id, demarche.version) == ("permis-perte-vol", source_version())
    source = next(d for d in load_catalog(BUNDLED_DIR).demarches if d.id == "permis-perte-vol")
    assert plainte.when == source.step("declaration_vol").when


def test_without_a_translation_the_french_source_is_shown() -> None:
    catalog = load_catalog(BUNDLED_DIR)
    assert catalog.get("permis-perte-vol").title == "Permis de conduire perdu ou volé"
