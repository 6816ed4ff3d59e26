"""Démarches of different families and branches, walked through the real widgets."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from tests.support import journey
from tests.support.backend_key import opened
from tests.support.walker import walk
from tests.ui.conftest import Kiosk
from ui import driving

TODAY = dt.date.today()  # the kiosk checks dates against the real day: so do the answers


def days_ago(days: int, years: int = 0) -> str:
    day = TODAY.replace(year=TODAY.year - years, day=min(TODAY.day, 28)) - dt.timedelta(days=days)
    return day.strftime("%d/%m/%Y")


IDENTITY = {
    "nom_naissance": "Zorglubova",
    "prenoms": "Ysolde",
    "email": "ysolde.zorglubova@exemple.fr",
    "telephone": "0612345678",
    "code_ephoto": "AB12CD34EF56GH78IJ90KL",
}

# (family, démarche, answers, the steps the kiosk must show, in order)
WALKS: list[tuple[str, str, dict[str, Any], list[str]]] = [
    (
        "permis",
        "permis-perte-vol",
        {
            **IDENTITY,
            "motif": "vol",
            "timbre_fiscal": "1234567890123456",  # 25 € for a theft too
            "date_faits": days_ago(20),
            "date_naissance": "14/07/1962",
            "piece_identite": None,
            "justificatif_domicile": None,
            "declaration_vol": None,
        },
        [
            "motif",
            "date_faits",
            "nom_naissance",
            "prenoms",
            "date_naissance",
            "email",
            "telephone",
            "code_ephoto",
            "timbre_fiscal",
            "piece_identite",
            "justificatif_domicile",
            "declaration_vol",
        ],
    ),
    (
        # A 17-year-old after conduite accompagnée: the représentant légal, the ASSR and the
        # livret apply; the CEPC is optional and left out.
        "permis",
        "permis-fabrication",
        {
            **IDENTITY,
            "categorie_obtenue": "B",
            "formation_aac": True,
            "visite_medicale_requise": False,
            "neph": "170392100012",
            "date_naissance": days_ago(30, years=17),  # 17 years and a month
            "rl_nom": "Zorglubov",
            "rl_prenoms": "Igor",
            "heberge": False,
            "cepc": "skip",
            "assr": None,
            "livret_aac": None,
            "piece_identite": None,
            "justificatif_domicile": None,
            "piece_identite_rl": None,
        },
        [
            "categorie_obtenue",
            "formation_aac",
            "visite_medicale_requise",
            "neph",
            "nom_naissance",
            "prenoms",
            "date_naissance",
            "rl_nom",
            "rl_prenoms",
            "email",
            "telephone",
            "code_ephoto",
            "heberge",
            "cepc",
            "assr",
            "livret_aac",
            "piece_identite",
            "justificatif_domicile",
            "piece_identite_rl",
        ],
    ),
    (
        # Two dirigeants in the repeated group, one of them under 16; declared by a mandataire.
        "association",
        "association-creation",
        {
            "siege_cp": "69003",
            "titre": "Les Amis du Jardin Partagé",
            "objet": "Entretenir un jardin partagé et organiser des ateliers de jardinage.",
            "siege_adresse": {
                "numero": "12",
                "voie": "rue des Lilas",
                "code_postal": "69003",
                "commune": "Lyon",
            },
            "gestion_differente": False,
            "date_ag_constitutive": days_ago(10),
            "dirigeants": [
                {
                    "nom": "Zorglubova",
                    "prenoms": "Ysolde",
                    "fonction": "president",
                    "profession": "Retraitée",
                    "nationalite": "Française",
                    "domicile": "12 rue des Lilas 69003 Lyon",
                },
                {
                    "nom": "Martin",
                    "prenoms": "Léo",
                    "fonction": "tresorier",
                    "profession": "Collégien",
                    "nationalite": "Française",
                    "domicile": "3 place Bellecour 69002 Lyon",
                },
            ],
            "dirigeant_mineur": "moins_16",
            "union_federation": False,
            "email_asso": "jardin.partage.lyon3@exemple.fr",
            "declarant_role": "mandataire",
            "nom_naissance": "Durand",
            "prenoms": "Paul",
            "telephone": "0712345678",
            "sans_date_naissance": "confirme",
            "statuts": None,
            "pv_constitutive": None,
            "mandat": None,
            "accord_parental": None,
        },
        [
            "siege_cp",
            "titre",
            "objet",
            "siege_adresse",
            "gestion_differente",
            "date_ag_constitutive",
            "dirigeants",
            "dirigeant_mineur",
            "union_federation",
            "email_asso",
            "declarant_role",
            "nom_naissance",
            "prenoms",
            "telephone",
            "sans_date_naissance",
            "statuts",
            "pv_constitutive",
            "mandat",
            "accord_parental",
        ],
    ),
]


@pytest.mark.parametrize(("family", "demarche", "answers", "expected"), WALKS)
def test_a_demarche_is_walked_to_a_sealed_dossier(
    kiosk: Kiosk,
    qtbot: QtBot,
    family: str,
    demarche: str,
    answers: dict[str, Any],
    expected: list[str],
) -> None:
    journey.open_demarche(kiosk.driver, demarche, family)
    shown = walk(kiosk.window, kiosk.driver, answers)
    assert shown == expected
    assert kiosk.window.current_screen == "recap"
    assert "recap-problems" not in [n for n in driving.enabled_buttons(kiosk.window)]
    driving.click(kiosk.window, "send")
    qtbot.waitUntil(lambda: kiosk.window.current_screen == "receipt", timeout=10_000)
    [entry] = kiosk.app.store.outbox()
    sealed = kiosk.app.store.submission(entry.submission_id)
    assert sealed is not None and sealed.demarche_id == demarche
    pieces = sorted(f.name for f in sealed.files if f.name != "manifest.json.age")
    assert pieces == sorted(f"piece-{s}-p1.jpg.age" for s in expected if answers[s] is None)
    manifest_file = next(f for f in sealed.files if f.name == "manifest.json.age")
    manifest = json.loads(opened(manifest_file.path))
    questions = [step for step in expected if answers[step] not in (None, "skip")]
    assert sorted(manifest["answers"]) == sorted(questions)
    if "dirigeants" in answers:  # the repeated group keeps every person, in order
        assert [d["nom"] for d in manifest["answers"]["dirigeants"]] == ["Zorglubova", "Martin"]
    version = kiosk.app.catalog.get(demarche).version
    assert (sealed.demarche_id, sealed.demarche_version) == (demarche, version)
