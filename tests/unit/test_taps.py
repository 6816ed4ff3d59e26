"""The shortest-path search of the taps benchmark, on a small démarche and on the catalog."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kiosk.catalog import BUNDLED_DIR, load_catalog
from kiosk.demarche import Demarche, parse_demarche
from kiosk.session import RECAP
from tests.bench.taps import FIXED_SCREENS, FIXED_TAPS, search
from tests.support import journey

TODAY = dt.date(2026, 3, 15)

# Two branches: "courte" shows 5 steps, "longue" 7 (a text and a date of birth more).
SYNTHETIC: dict[str, Any] = {
    "format": 1,
    "id": "synthetique",
    "version": "1",
    "title": "Démarche d'essai",
    "steps": [
        {
            "id": "voie",
            "type": "choice",
            "label": "Quelle voie ?",
            "options": [
                {"value": "longue", "label": "La longue"},
                {"value": "courte", "label": "La courte"},
            ],
        },
        {"id": "details", "type": "text", "label": "Précisez", "when": {"voie": "longue"}},
        {
            "id": "date_naissance",
            "type": "date",
            "label": "Date de naissance",
            "when": {"voie": "longue"},
        },
        {"id": "nom", "type": "text", "label": "Votre nom"},
        {"id": "commentaire", "type": "text", "label": "Un commentaire ?", "required": False},
        {"id": "justificatif", "kind": "piece", "label": "Justificatif", "help": "Recto et verso."},
        {"id": "annexe", "kind": "piece", "label": "Annexe", "required": False},
    ],
}


def test_the_shortest_branch_and_its_counts_are_found() -> None:
    result = search(parse_demarche(SYNTHETIC), TODAY)
    shortest = result.shortest
    assert [m.step_id for m in shortest.moves] == [
        "voie",
        "nom",
        "commentaire",
        "justificatif",
        "annexe",
    ]
    assert shortest.moves[0].answer == "courte"
    assert shortest.screens == FIXED_SCREENS + 5 == 10
    # voie 1+1, nom 1+1, commentaire left empty 0+1, justificatif recto-verso 2+1,
    # annexe skipped 0+1.
    assert shortest.taps == FIXED_TAPS + 2 + 2 + 1 + 3 + 1 == 14
    assert shortest.chars == len(journey.NOM)
    assert result.longest.screens == FIXED_SCREENS + 7 == 12
    assert result.longest.moves[0].answer == "longue"
    assert result.session.current == RECAP
    assert result.session.missing() == []


def test_a_branch_that_cannot_be_sealed_is_not_the_shortest() -> None:
    # "courte" asks a date of birth that two rules make impossible (18 or more, 10 or less):
    # no dossier can be sealed on it, so the shortest complete path is "longue".
    impossible = {"voie": "courte"}
    data = {
        **SYNTHETIC,
        "steps": [
            *SYNTHETIC["steps"][:3],
            {
                "id": "naissance_demandeur",
                "type": "date",
                "label": "Votre date de naissance",
                "when": impossible,
            },
            *SYNTHETIC["steps"][3:],
        ],
        "rules": [
            {
                "id": "majeur",
                "kind": "min_age",
                "field": "naissance_demandeur",
                "years": 18,
                "message": "Il faut avoir 18 ans.",
            },
            {
                "id": "enfant",
                "kind": "max_age",
                "field": "naissance_demandeur",
                "years": 10,
                "message": "Il faut avoir 10 ans au plus.",
            },
        ],
    }
    result = search(parse_demarche(data), TODAY)
    assert result.shortest.moves[0].answer == "longue"
    assert result.shortest.screens == result.longest.screens == FIXED_SCREENS + 7
    assert result.session.broken_rules() == []


CATALOG = load_catalog(BUNDLED_DIR).demarches


@pytest.mark.parametrize("demarche", CATALOG, ids=[d.id for d in CATALOG])
def test_every_bundled_demarche_has_a_complete_path(demarche: Demarche) -> None:
    result = search(demarche)
    session = result.session
    assert session.current == RECAP
    assert session.missing() == []
    assert session.broken_rules() == []
    assert FIXED_SCREENS < result.shortest.screens <= result.longest.screens
    assert result.shortest.screens <= FIXED_SCREENS + len(demarche.steps)
