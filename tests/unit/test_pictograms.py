"""Every démarche family and every pièce of the bundled démarches has a pictogram of its own,
and every pictogram named exists as a one-colour line drawing."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from kiosk.catalog import BUNDLED_DIR, load_catalog
from kiosk.demarche import PieceStep
from kiosk.pictograms import (
    FALLBACK,
    FAMILY_PICTOGRAMS,
    PICTOGRAM_DIR,
    PIECE_RULES,
    pictogram_for_family,
    pictogram_for_piece,
    pictogram_path,
)

SVG = "{http://www.w3.org/2000/svg}"

# (démarche id, step id) -> why the generic document is the right pictogram for that pièce.
# Empty: every bundled pièce says what it is. A pièce added here needs a reason a reviewer
# accepts ("any paper the usager has that proves X" is one; "no rule matched" is not).
GENERIC_ALLOWED: dict[tuple[str, str], str] = {}


def _bundled_pieces() -> list[tuple[str, PieceStep]]:
    catalog = load_catalog(BUNDLED_DIR)
    assert not catalog.disabled
    return [
        (demarche.id, step)
        for demarche in catalog.demarches
        for step in demarche.steps
        if isinstance(step, PieceStep)
    ]


def test_every_bundled_piece_has_a_specific_pictogram() -> None:
    pieces = _bundled_pieces()
    assert pieces
    generic = [
        f"{demarche_id}/{step.id} ({step.label!r})"
        for demarche_id, step in pieces
        if pictogram_for_piece(step.id, step.label) == FALLBACK
        and (demarche_id, step.id) not in GENERIC_ALLOWED
    ]
    assert not generic, "pièces shown with the generic document:\n" + "\n".join(generic)


def test_the_allow_list_holds_no_stale_entry() -> None:
    pieces = {(demarche_id, step.id): step for demarche_id, step in _bundled_pieces()}
    for key, reason in GENERIC_ALLOWED.items():
        assert reason.strip(), key
        assert key in pieces, f"{key} is no longer a bundled pièce"
        step = pieces[key]
        assert pictogram_for_piece(step.id, step.label) == FALLBACK, f"{key} now has its own"


@pytest.mark.parametrize(
    ("step_id", "label", "expected"),
    [
        ("piece_identite", "Votre pièce d'identité", "identite"),
        # The person who hosts the usager: still an identity document, not a proof of address.
        ("identite_hebergeant", "La pièce d'identité de la personne qui vous loge", "identite"),
        ("justificatif_domicile_hebergeant", "Un justificatif de domicile", "domicile"),
        ("attestation_hebergement", "L'attestation d'hébergement", "domicile"),
        ("declaration_vol", "Votre déclaration de vol", "declaration"),
        ("avis_medical_retour", "L'avis du médecin agréé", "medical"),
        ("mandat", "Le mandat signé par un dirigeant", "signature"),
        ("carte_grise_barree", "L'ancienne carte grise, barrée", "carte-grise"),
        ("controle_technique_l", "Le procès-verbal du contrôle technique", "controle-technique"),
        ("pv_dissolution", "Le compte rendu (procès-verbal) de l'assemblée", "proces-verbal"),
        ("statuts_a_jour", "Les statuts à jour, signés", "statuts"),
        ("permis_actuel", "Votre permis actuel", "permis"),
        ("diplome_conducteur", "Votre diplôme", "diplome"),
    ],
)
def test_the_step_id_decides(step_id: str, label: str, expected: str) -> None:
    assert pictogram_for_piece(step_id, label) == expected


def test_the_id_wins_over_a_translated_label() -> None:
    # Screens receive the label in the usager's language: the id keeps the pictogram stable.
    assert pictogram_for_piece("justificatif_domicile", "Proof of identity") == "domicile"
    assert pictogram_for_piece("piece_identite", "إثبات السكن") == "identite"


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Une facture d'électricité de moins de 3 mois", "domicile"),
        ("Le formulaire cerfa rempli", "formulaire"),
        ("Le CERTIFICAT DE CESSION du véhicule", "cession"),
        ("Une photo d'identité", "photo"),
        ("Les statuts, datés et signés", "statuts"),  # not the signature
        ("Le procès-verbal du contrôle technique", "controle-technique"),  # not the minutes
    ],
)
def test_the_label_decides_when_the_id_says_nothing(label: str, expected: str) -> None:
    assert pictogram_for_piece("piece_3", label) == expected


def test_words_match_whole_never_inside_another_word() -> None:
    assert pictogram_for_piece("volet", "Le relevé des volumes") == FALLBACK
    assert pictogram_for_piece("autre_papier", "Un autre papier") == FALLBACK


def test_families_have_their_pictograms() -> None:
    assert pictogram_for_family("permis") == "permis"
    assert pictogram_for_family("carte-grise") == "vehicule"
    assert pictogram_for_family("identite") == "identite"
    assert pictogram_for_family("association") == "association"
    assert pictogram_for_family("autre") == FALLBACK
    assert pictogram_for_family("inconnue") == FALLBACK
    families = {demarche.family for demarche in load_catalog(BUNDLED_DIR).demarches}
    assert all(pictogram_for_family(family) != FALLBACK for family in families - {"autre"})


def _names() -> set[str]:
    return {FALLBACK, *FAMILY_PICTOGRAMS.values(), *(rule.pictogram for rule in PIECE_RULES)}


def test_every_name_has_a_drawing_and_every_drawing_a_use() -> None:
    missing = sorted(name for name in _names() if not pictogram_path(name).is_file())
    assert not missing
    unused = sorted({path.stem for path in PICTOGRAM_DIR.glob("*.svg")} - _names())
    assert not unused


@pytest.mark.parametrize("name", sorted(_names()))
def test_drawings_are_one_colour_lines_without_text(name: str) -> None:
    source = pictogram_path(name).read_text(encoding="utf-8")
    root = ET.fromstring(source)  # well-formed
    assert root.tag == f"{SVG}svg" and root.get("viewBox") == "0 0 48 48"
    assert "currentColor" in source
    # One colour, put in by the screen: no colour of its own, no picture, no words to read.
    assert not re.search(r"#[0-9a-fA-F]{3,8}\b|rgb\(", source)
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert tags <= {"svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline"}
