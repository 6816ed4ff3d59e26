"""The form engine on the permis démarche: which steps apply, in which order, what is missing."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from kiosk.catalog import load_catalog
from kiosk.demarche import Demarche, Question, parse_demarche
from kiosk.engine import FormEngine, Position

TODAY = dt.date(2026, 11, 22)
# The engine's example of branches, frozen: see the fixture's header.
FIXTURES = Path(__file__).parent / "fixtures" / "demarches"
PERMIS = load_catalog(FIXTURES).get("permis-perte-vol")

COMMON_QUESTIONS = [
    "motif",
    "date_faits",
    "nom_naissance",
    "prenoms",
    "date_naissance",
    "email",
    "telephone",
    "code_ephoto",
]
PERTE_PATH = [*COMMON_QUESTIONS, "timbre_fiscal", "piece_identite", "justificatif_domicile"]
VOL_PATH = [*COMMON_QUESTIONS, "piece_identite", "justificatif_domicile", "declaration_vol"]

PERTE_ANSWERS: dict[str, Any] = {
    "motif": "perte",
    "date_faits": "2026-11-03",
    "nom_naissance": "Zorglubova",
    "prenoms": "Ysolde Marie",
    "date_naissance": "1962-07-14",
    "email": "ysolde.zorglubova@exemple.fr",
    "telephone": "06 12 34 56 78",
    "code_ephoto": "AB12CD34EF56GH78IJ90KL",
    "timbre_fiscal": "1234567890123456",
}
ALL_PAGES = {"piece_identite": 1, "justificatif_domicile": 2, "declaration_vol": 1}


@pytest.fixture
def engine() -> FormEngine:
    return FormEngine(PERMIS, today=lambda: TODAY)


def ids(steps: list[Any]) -> list[str]:
    return [step.id for step in steps]


def test_perte_shows_the_timbre_and_not_the_declaration(engine: FormEngine) -> None:
    assert ids(engine.applicable_steps({"motif": "perte"})) == PERTE_PATH


def test_vol_shows_the_declaration_and_not_the_timbre(engine: FormEngine) -> None:
    assert ids(engine.applicable_steps({"motif": "vol"})) == VOL_PATH


def test_before_the_motif_is_known_neither_conditional_step_applies(engine: FormEngine) -> None:
    steps = ids(engine.applicable_steps({}))
    assert "timbre_fiscal" not in steps
    assert "declaration_vol" not in steps
    assert engine.first_step({}).id == "motif"


def test_next_walks_the_applicable_steps_and_ends_at_the_recap(engine: FormEngine) -> None:
    answers = {"motif": "perte"}
    walked = [engine.first_step(answers).id]
    while (following := engine.next_step(walked[-1], answers)) is not None:
        walked.append(following.id)
    assert walked == PERTE_PATH
    assert engine.next_step("justificatif_domicile", answers) is None


def test_next_skips_a_step_that_does_not_apply(engine: FormEngine) -> None:
    step = engine.next_step("code_ephoto", {"motif": "vol"})
    assert step is not None and step.id == "piece_identite"
    step = engine.next_step("code_ephoto", {"motif": "perte"})
    assert step is not None and step.id == "timbre_fiscal"
    assert engine.next_step("justificatif_domicile", {"motif": "vol"}) is not None


def test_next_from_a_step_that_no_longer_applies_goes_to_the_nearest_one_after(
    engine: FormEngine,
) -> None:
    step = engine.next_step("timbre_fiscal", {"motif": "vol"})
    assert step is not None and step.id == "piece_identite"
    assert engine.next_step("declaration_vol", {"motif": "perte"}) is None


def test_previous_walks_back_to_the_first_step(engine: FormEngine) -> None:
    answers = {"motif": "vol"}
    walked = [VOL_PATH[-1]]
    while (previous := engine.previous_step(walked[-1], answers)) is not None:
        walked.append(previous.id)
    assert walked == list(reversed(VOL_PATH))
    assert engine.previous_step("motif", answers) is None
    previous = engine.previous_step("piece_identite", {"motif": "perte"})
    assert previous is not None and previous.id == "timbre_fiscal"


def test_previous_of_a_step_that_does_not_apply_is_none(engine: FormEngine) -> None:
    assert engine.previous_step("timbre_fiscal", {"motif": "vol"}) is None


def test_position_counts_the_applicable_steps(engine: FormEngine) -> None:
    # Before the motif is known, the longest branch is announced: the count never grows.
    assert engine.position("motif", {}) == Position(1, 11)
    assert engine.position("motif", {"motif": "perte"}) == Position(1, 11)
    assert engine.position("timbre_fiscal", {"motif": "perte"}) == Position(9, 11)
    assert engine.position("justificatif_domicile", {"motif": "perte"}) == Position(11, 11)
    assert engine.position("declaration_vol", {"motif": "vol"}) == Position(11, 11)
    assert engine.position("timbre_fiscal", {"motif": "vol"}) == Position(0, 11)


def test_prune_drops_the_answers_of_steps_that_no_longer_apply(engine: FormEngine) -> None:
    changed = {**PERTE_ANSWERS, "motif": "vol"}
    pruned = engine.prune(changed)
    assert "timbre_fiscal" not in pruned
    assert pruned == {k: v for k, v in changed.items() if k != "timbre_fiscal"}
    assert engine.prune(PERTE_ANSWERS) == PERTE_ANSWERS


def test_prune_drops_unknown_keys(engine: FormEngine) -> None:
    assert engine.prune({"motif": "perte", "pas_une_etape": "x"}) == {"motif": "perte"}


def test_missing_lists_unanswered_questions_and_pieces_without_pages(
    engine: FormEngine,
) -> None:
    assert ids(engine.missing({"motif": "perte"}, {})) == PERTE_PATH[1:]
    assert engine.missing(PERTE_ANSWERS, ALL_PAGES) == []
    partial = {k: v for k, v in PERTE_ANSWERS.items() if k not in ("email", "timbre_fiscal")}
    assert ids(engine.missing(partial, {"piece_identite": 1, "justificatif_domicile": 0})) == [
        "email",
        "timbre_fiscal",
        "justificatif_domicile",
    ]


def test_missing_follows_the_motif(engine: FormEngine) -> None:
    vol = {**{k: v for k, v in PERTE_ANSWERS.items() if k != "timbre_fiscal"}, "motif": "vol"}
    pages = {"piece_identite": 1, "justificatif_domicile": 1}
    assert ids(engine.missing(vol, pages)) == ["declaration_vol"]
    assert engine.missing(vol, {**pages, "declaration_vol": 2}) == []
    # The stale timbre of a first "perte" answer does not count, nor is it required for vol.
    assert ids(engine.missing({**vol, "timbre_fiscal": "1234567890123456"}, pages)) == [
        "declaration_vol"
    ]


def test_validate_uses_the_engine_today(engine: FormEngine) -> None:
    date_faits = PERMIS.step("date_faits")
    assert isinstance(date_faits, Question)
    assert engine.validate(date_faits, "22/11/2026").value == "2026-11-22"
    assert not engine.validate(date_faits, "23/11/2026").ok
    later = FormEngine(PERMIS, today=lambda: dt.date(2027, 1, 1))
    assert later.validate(date_faits, "23/11/2026").ok


def test_an_optional_question_may_stay_empty() -> None:
    demarche = parse_demarche(
        {
            "format": 1,
            "id": "optionnel",
            "version": "1",
            "title": "T",
            "steps": [
                {"id": "tel", "type": "phone", "label": "Téléphone", "required": False},
                {"id": "nom", "type": "text", "label": "Nom"},
            ],
        }
    )
    engine = FormEngine(demarche)
    tel = demarche.step("tel")
    assert isinstance(tel, Question)
    assert engine.validate(tel, "").ok
    assert engine.validate(tel, None).value is None
    assert not engine.validate(tel, "0123").ok  # given, it must still be valid
    assert ids(engine.missing({}, {})) == ["nom"]


# --- conditions that depend on conditional steps -------------------------------------------


def chained() -> Demarche:
    return parse_demarche(
        {
            "format": 1,
            "id": "chaine",
            "version": "1",
            "title": "Conditions en chaîne",
            "steps": [
                {"id": "vehicule", "type": "yesno", "label": "Avez-vous un véhicule ?"},
                {
                    "id": "genre",
                    "type": "choice",
                    "label": "Quel véhicule ?",
                    "when": {"vehicule": True},
                    "options": [
                        {"value": "moto", "label": "Moto"},
                        {"value": "auto", "label": "Voiture"},
                    ],
                },
                {"id": "casque", "type": "text", "label": "Casque", "when": {"genre": "moto"}},
                {"id": "fin", "type": "text", "label": "Fin"},
            ],
        }
    )


def test_a_step_hidden_by_an_earlier_change_hides_its_own_dependants() -> None:
    engine = FormEngine(chained())
    answers = {"vehicule": True, "genre": "moto", "casque": "oui", "fin": "x"}
    assert ids(engine.applicable_steps(answers)) == ["vehicule", "genre", "casque", "fin"]
    answers["vehicule"] = False  # the usager went back and changed the first answer
    assert ids(engine.applicable_steps(answers)) == ["vehicule", "fin"]
    assert engine.prune(answers) == {"vehicule": False, "fin": "x"}
    assert engine.missing(answers, {}) == []
    following = engine.next_step("vehicule", answers)
    assert following is not None and following.id == "fin"


def test_a_blank_answer_to_an_optional_question_is_no_answer() -> None:
    optional = dataclasses.replace(PERMIS.step("prenoms"), required=False)
    engine = FormEngine(PERMIS, today=lambda: TODAY)
    for blank in (None, "", "   "):
        checked = engine.validate(optional, blank)  # type: ignore[arg-type]
        assert checked.ok and checked.value is None


def test_the_announced_count_never_grows_along_either_branch(engine: FormEngine) -> None:
    for motif in ("perte", "vol"):
        before = engine.position("motif", {}).count
        after = engine.position("motif", {"motif": motif}).count
        assert after <= before


def test_the_announced_count_opens_every_branch_of_a_multiple_choice() -> None:
    demarche = parse_demarche(
        {
            "format": 1,
            "id": "changements",
            "version": "1",
            "title": "Changements",
            "steps": [
                {
                    "id": "quoi",
                    "type": "multichoice",
                    "label": "Qu'est-ce qui change ?",
                    "options": [
                        {"value": "nom", "label": "Le nom"},
                        {"value": "siege", "label": "Le siège"},
                    ],
                },
                {
                    "id": "nom",
                    "type": "text",
                    "label": "Nouveau nom",
                    "when": {"quoi": {"contains": "nom"}},
                },
                {
                    "id": "siege",
                    "type": "text",
                    "label": "Nouveau siège",
                    "when": {"quoi": {"contains": "siege"}},
                },
            ],
        }
    )
    engine = FormEngine(demarche, today=lambda: TODAY)
    assert engine.position("quoi", {}).count == 3
    assert engine.position("quoi", {"quoi": ["nom"]}).count == 2
