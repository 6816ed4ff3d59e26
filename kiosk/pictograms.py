"""Which pictogram stands for a family of démarches and for a pièce justificative.

A pictogram lets a person who reads little French recognise a démarche or a document at a
glance. The drawings are SVG files in ``assets/pictograms/`` (one colour, ``currentColor``,
filled in by the screens); this module only chooses a name, so it holds no Qt.

A pièce is matched on its step id first: ids are stable and never translated, whereas the
label a screen receives may already be in another language. The label (in French, as the
démarche files are written) is the fallback for files whose ids say nothing, and "document"
the last resort.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from kiosk.assets import asset_path

PICTOGRAM_DIR: Path = asset_path("pictograms")
FALLBACK = "document"


@dataclass(frozen=True)
class Rule:
    pictogram: str
    ids: tuple[str, ...]  # whole words of a step id ("carte_grise" matches "carte_grise_abimee")
    words: tuple[str, ...]  # whole words of a label, accents and case ignored


# The first rule that matches wins, ids over labels, so the order settles the overlaps:
# "identite_hebergeant" is an identity document (not proof of address), "statuts ... signés"
# are statutes (not a signature), "procès-verbal du contrôle technique" is the test.
PIECE_RULES: tuple[Rule, ...] = (
    Rule(
        "identite",
        ("identite", "cni", "passeport", "titre_sejour"),
        (
            "piece d identite",
            "carte d identite",
            "carte nationale d identite",
            "passeport",
            "titre de sejour",
        ),
    ),
    Rule("permis", ("permis",), ("permis de conduire", "votre permis")),
    Rule(
        "carte-grise",
        ("carte_grise", "certificat_immatriculation"),
        ("carte grise", "certificat d immatriculation"),
    ),
    Rule("controle-technique", ("controle_technique",), ("controle technique",)),
    Rule("cession", ("cession", "vente", "achat"), ("cession", "vente", "achat")),
    Rule(
        "domicile",
        ("domicile", "hebergement", "adresse"),
        ("justificatif de domicile", "hebergement", "facture", "quittance de loyer"),
    ),
    Rule(
        "declaration",
        ("declaration_vol", "declaration_perte", "plainte", "vol", "perte"),
        ("declaration de vol", "declaration de perte", "plainte", "vol", "perte"),
    ),
    Rule(
        "medical",
        ("medical", "medecin", "psychotechniques", "psychotechnique", "sante"),
        ("medecin", "medical", "medicale", "psychotechniques"),
    ),
    Rule("livret", ("livret",), ("livret",)),
    Rule(
        "diplome",
        ("diplome", "cepc", "assr", "asr", "formation", "service_national", "jdc", "recensement"),
        (
            "diplome",
            "certificat d examen",
            "attestation de formation",
            "attestation de suivi",
            "assr",
            "jdc",
            "recensement",
        ),
    ),
    Rule("statuts", ("statuts",), ("statuts",)),
    Rule(
        "proces-verbal",
        ("pv", "proces_verbal", "compte_rendu"),
        ("proces verbal", "compte rendu"),
    ),
    Rule("liste", ("liste",), ("liste",)),
    Rule(
        "signature",
        ("mandat", "procuration", "accord", "autorisation", "signature"),
        ("mandat", "procuration", "accord ecrit", "autorisation"),
    ),
    Rule("justice", ("decision", "jugement", "annulation"), ("decision du juge", "jugement")),
    Rule("courrier", ("lettre", "courrier"), ("lettre", "courrier")),
    Rule(
        "acte",
        ("preuve_changement", "etat_civil", "acte", "livret_famille"),
        ("papier officiel", "acte de", "etat civil"),
    ),
    Rule("photo", ("photo", "ephoto", "portrait"), ("photo",)),
    Rule("formulaire", ("cerfa", "formulaire"), ("cerfa", "formulaire")),
)

FAMILY_PICTOGRAMS: dict[str, str] = {
    "permis": "permis",
    "carte-grise": "vehicule",
    "identite": "identite",
    "association": "association",
    "autre": FALLBACK,
}


def _words(text: str) -> str:
    """``text`` lower-cased, without accents, as words between single spaces, padded with a
    space each side so that ``" vol "`` never matches inside "volet"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " " + " ".join(re.findall(r"[a-z0-9]+", plain)) + " "


def _matches(text: str, keywords: tuple[str, ...]) -> bool:
    words = _words(text)
    return any(_words(keyword) in words for keyword in keywords)


def pictogram_for_piece(step_id: str, label: str) -> str:
    """The pictogram's name for the pièce ``step_id`` (then its ``label``); "document" when
    neither says what the paper is."""
    for rule in PIECE_RULES:
        if _matches(step_id, rule.ids):
            return rule.pictogram
    for rule in PIECE_RULES:
        if _matches(label, rule.words):
            return rule.pictogram
    return FALLBACK


def pictogram_for_family(family_id: str) -> str:
    """The pictogram of a family of démarches (and of each of its démarches)."""
    return FAMILY_PICTOGRAMS.get(family_id, FALLBACK)


def pictogram_path(name: str) -> Path:
    return PICTOGRAM_DIR / f"{name}.svg"
