"""Démarches of different families and branches, walked through the real widgets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from tests.support import journey
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
    pieces = sorted(f.name for f in sealed.files if f.name != "manifest.json")
    assert pieces == sorted(f"piece-{s}-p1.jpg" for s in expected if answers[s] is None)
    version = kiosk.app.catalog.get(demarche).version
    assert (sealed.demarche_id, sealed.demarche_version) == (demarche, version)
