"""Conditions (``when``) and cross-field rules, at their boundaries, through the form engine."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from kiosk.conditions import age_on
from kiosk.demarche import Demarche, DemarcheFormatError, parse_demarche
from kiosk.engine import FormEngine
from kiosk.session import Session

TODAY = dt.date(2026, 11, 22)
# Born on this day 18 years before TODAY: 18 today, 17 yesterday.
EIGHTEENTH = "2008-11-22"


def options(*values: str) -> list[dict[str, str]]:
    return [{"value": v, "label": v.capitalize()} for v in values]


QUESTIONS: list[dict[str, Any]] = [
    {"id": "motif", "type": "choice", "label": "Motif", "options": options("perte", "vol")},
    {"id": "mineur", "type": "yesno", "label": "Mineur ?"},
    {"id": "naissance", "type": "date", "label": "Naissance"},
    {
        "id": "categories",
        "type": "multichoice",
        "label": "Catégories",
        "options": options("A", "B", "C"),
    },
    {"id": "neph", "type": "neph", "label": "NEPH", "required": False},
]


def demarche(
    targets: list[dict[str, Any]] | None = None, rules: list[dict[str, Any]] | None = None
) -> Demarche:
    raw: dict[str, Any] = {
        "format": 1,
        "id": "essai",
        "version": "1",
        "title": "Essai",
        "steps": copy.deepcopy(QUESTIONS) + (targets or []),
    }
    if rules is not None:
        raw["rules"] = rules
    return parse_demarche(raw)


def piece(step_id: str, when: dict[str, Any]) -> dict[str, Any]:
    return {"id": step_id, "kind": "piece", "label": step_id, "when": when}


def engine(d: Demarche, today: dt.date = TODAY) -> FormEngine:
    return FormEngine(d, today=lambda: today)


def shown(when: dict[str, Any], answers: dict[str, Any], today: dt.date = TODAY) -> bool:
    """Whether a pièce with this ``when`` applies to these answers."""
    steps = engine(demarche([piece("cible", when)]), today).applicable_steps(answers)
    ids = [s.id for s in steps]
    assert ids[:5] == ["motif", "mineur", "naissance", "categories", "neph"]
    return ids[5:] == ["cible"]


# --- conditions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "answers", "expected"),
    [
        # in: one value, or one of a list; never on an unanswered question
        ({"motif": "vol"}, {"motif": "vol"}, True),
        ({"motif": "vol"}, {"motif": "perte"}, False),
        ({"motif": "vol"}, {}, False),
        ({"motif": ["perte", "vol"]}, {"motif": "perte"}, True),
        ({"motif": ["vol"]}, {"motif": "perte"}, False),
        ({"mineur": True}, {"mineur": True}, True),
        ({"mineur": True}, {"mineur": False}, False),
        ({"mineur": False}, {}, False),
        # not: anything else, an unanswered question too
        ({"motif": {"not": "vol"}}, {"motif": "perte"}, True),
        ({"motif": {"not": "vol"}}, {"motif": "vol"}, False),
        ({"motif": {"not": "vol"}}, {}, True),
        ({"motif": {"not": ["perte", "vol"]}}, {"motif": "vol"}, False),
        ({"mineur": {"not": True}}, {"mineur": False}, True),
        # contains: a multiple choice includes one of the values
        ({"categories": {"contains": "C"}}, {"categories": ["A", "C"]}, True),
        ({"categories": {"contains": "C"}}, {"categories": ["A", "B"]}, False),
        ({"categories": {"contains": ["B", "C"]}}, {"categories": ["B"]}, True),
        ({"categories": {"contains": "C"}}, {}, False),
        # answered
        ({"neph": {"answered": True}}, {"neph": "123456789012"}, True),
        ({"neph": {"answered": True}}, {}, False),
        ({"neph": {"answered": True}}, {"neph": None}, False),
        ({"neph": {"answered": False}}, {}, True),
        ({"neph": {"answered": False}}, {"neph": "123456789012"}, False),
        # several clauses: all of them
        ({"motif": "vol", "mineur": True}, {"motif": "vol", "mineur": True}, True),
        ({"motif": "vol", "mineur": True}, {"motif": "vol", "mineur": False}, False),
        ({"motif": "vol", "mineur": True}, {"mineur": True}, False),
    ],
)
def test_a_condition_operator_holds_exactly_when_expected(
    when: dict[str, Any], answers: dict[str, Any], expected: bool
) -> None:
    assert shown(when, answers) is expected


@pytest.mark.parametrize(
    ("today", "below_18", "at_least_18"),
    [
        (dt.date(2026, 11, 21), True, False),  # the day before the 18th birthday
        (dt.date(2026, 11, 22), False, True),  # the 18th birthday
        (dt.date(2026, 11, 23), False, True),
        (dt.date(2025, 11, 22), True, False),  # the 17th birthday
    ],
)
def test_age_conditions_turn_on_the_birthday(
    today: dt.date, below_18: bool, at_least_18: bool
) -> None:
    answers = {"naissance": EIGHTEENTH}
    assert shown({"naissance": {"age_below": 18}}, answers, today) is below_18
    assert shown({"naissance": {"age_at_least": 18}}, answers, today) is at_least_18


def test_age_conditions_never_hold_without_a_date_of_birth() -> None:
    assert shown({"naissance": {"age_below": 18}}, {}) is False
    assert shown({"naissance": {"age_at_least": 18}}, {}) is False


@pytest.mark.parametrize(
    ("birth", "today", "age"),
    [
        ("2008-11-22", dt.date(2026, 11, 21), 17),
        ("2008-11-22", dt.date(2026, 11, 22), 18),
        ("2008-12-31", dt.date(2026, 1, 1), 17),
        ("2008-01-01", dt.date(2026, 12, 31), 18),
        ("2008-02-29", dt.date(2026, 2, 28), 17),  # no 29 February: the birthday is 1 March
        ("2008-02-29", dt.date(2026, 3, 1), 18),
        ("2008-02-29", dt.date(2028, 2, 29), 20),
    ],
)
def test_age_on(birth: str, today: dt.date, age: int) -> None:
    assert age_on(birth, today) == age


def test_a_condition_ignores_the_stale_answer_of_a_hidden_question() -> None:
    d = demarche(
        [
            {
                "id": "depose",
                "type": "yesno",
                "label": "Plainte ?",
                "when": {"motif": "vol"},
            },
            piece("recepisse", {"depose": True}),
        ]
    )
    e = engine(d)
    visible = [s.id for s in e.applicable_steps({"motif": "vol", "depose": True})]
    assert visible[-2:] == ["depose", "recepisse"]
    hidden = [s.id for s in e.applicable_steps({"motif": "perte", "depose": True})]
    assert hidden == ["motif", "mineur", "naissance", "categories", "neph"]


@pytest.mark.parametrize(
    ("when", "field", "reason"),
    [
        ({"motif": {"between": 1}}, "steps[5].when.motif.between", "unknown operator"),
        ({"motif": {"in": ["vol"]}}, "steps[5].when.motif.in", "unknown operator"),
        ({"motif": "incendie"}, "steps[5].when.motif", "'incendie' is not an option of 'motif'"),
        ({"mineur": "oui"}, "steps[5].when.mineur", "a yes/no answer is true or false"),
        ({"motif": {"age_below": 18}}, "steps[5].when.motif.age_below", "only for a date"),
        ({"naissance": {"age_below": 0}}, "steps[5].when.naissance.age_below", "an age in years"),
        ({"naissance": {"age_at_least": True}}, "steps[5].when.naissance.age_at_least", "age"),
        ({"motif": {"contains": "vol"}}, "steps[5].when.motif.contains", "only for a multichoice"),
        ({"neph": {"answered": "oui"}}, "steps[5].when.neph.answered", "true or false"),
        ({"motif": []}, "steps[5].when.motif", "no value to compare with"),
        ({"fantome": "x"}, "steps[5].when.fantome", "refers to no earlier question"),
        ({}, "steps[5].when", "empty condition"),
        # A multiple choice's answer is a list: equal to one value never, different always.
        ({"categories": "C"}, "steps[5].when.categories", "not one value: use contains"),
        ({"categories": {"not": "C"}}, "steps[5].when.categories.not", "use contains"),
    ],
)
def test_a_malformed_condition_is_refused(when: dict[str, Any], field: str, reason: str) -> None:
    with pytest.raises(DemarcheFormatError) as caught:
        demarche([piece("cible", when)])
    assert caught.value.field == field
    assert reason in caught.value.reason


# --- rules ---------------------------------------------------------------------------------

DATES: list[dict[str, Any]] = [
    {"id": "date_faits", "type": "date", "label": "Date des faits"},
    {"id": "email", "type": "email", "label": "Votre e-mail"},
    {"id": "email_parent", "type": "email", "label": "E-mail du parent"},
    {"id": "email_autre", "type": "email", "label": "Autre e-mail"},
]


def rule(kind: str, **keys: Any) -> dict[str, Any]:
    return {"id": "regle", "kind": kind, "message": f"Règle {kind} enfreinte.", **keys}


def broken(rule_table: dict[str, Any], answers: dict[str, Any], today: dt.date = TODAY) -> bool:
    d = demarche(copy.deepcopy(DATES), [rule_table])
    found = engine(d, today).broken_rules(answers)
    assert found in ([], list(d.rules))
    return bool(found)


def years_before(years: int, days: int = 0) -> str:
    """The date of birth of someone ``years`` old today, ``days`` later."""
    return (TODAY.replace(year=TODAY.year - years) + dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("birth", "is_broken"),
    [
        (years_before(18), False),  # 18th birthday today
        (years_before(18, days=1), True),  # 18 tomorrow
        (years_before(18, days=-1), False),
        (years_before(40), False),
        (years_before(17), True),
    ],
)
def test_min_age_is_broken_until_the_birthday(birth: str, is_broken: bool) -> None:
    assert broken(rule("min_age", field="naissance", years=18), {"naissance": birth}) is is_broken


@pytest.mark.parametrize(
    ("birth", "is_broken"),
    [
        (years_before(25), False),  # 25 today
        (years_before(26, days=1), False),  # 25, 26 tomorrow
        (years_before(26), True),  # 26 today: older than 25
        (years_before(18), False),
    ],
)
def test_max_age_is_broken_once_older(birth: str, is_broken: bool) -> None:
    assert broken(rule("max_age", field="naissance", years=25), {"naissance": birth}) is is_broken


def test_an_age_rule_on_an_unanswered_date_is_not_broken() -> None:
    assert broken(rule("min_age", field="naissance", years=18), {}) is False


@pytest.mark.parametrize(
    ("faits", "is_broken"),
    [("1990-07-13", True), ("1990-07-14", False), ("1990-07-15", False), ("2026-11-21", False)],
)
def test_not_before_another_date(faits: str, is_broken: bool) -> None:
    table = rule("not_before", field="date_faits", other="naissance")
    assert broken(table, {"naissance": "1990-07-14", "date_faits": faits}) is is_broken


@pytest.mark.parametrize(
    ("faits", "is_broken"),
    [("1990-07-13", False), ("1990-07-14", False), ("1990-07-15", True)],
)
def test_not_after_another_date(faits: str, is_broken: bool) -> None:
    table = rule("not_after", field="date_faits", other="naissance")
    assert broken(table, {"naissance": "1990-07-14", "date_faits": faits}) is is_broken


def test_a_date_comparison_waits_for_both_answers() -> None:
    table = rule("not_after", field="date_faits", other="naissance")
    assert broken(table, {"date_faits": "2100-01-01"}) is False
    assert broken(table, {"naissance": "2100-01-01"}) is False


@pytest.mark.parametrize(
    ("faits", "is_broken"),
    [("2026-11-21", False), ("2026-11-22", False), ("2026-11-23", True), ("2027-01-01", True)],
)
def test_not_after_today(faits: str, is_broken: bool) -> None:
    assert broken(rule("not_after", field="date_faits", other="today"), {"date_faits": faits}) is (
        is_broken
    )


@pytest.mark.parametrize(
    ("faits", "is_broken"),
    [("2026-11-21", True), ("2026-11-22", False), ("2026-11-23", False)],
)
def test_not_before_today(faits: str, is_broken: bool) -> None:
    table = rule("not_before", field="date_faits", other="today")
    assert broken(table, {"date_faits": faits}) is is_broken


def test_today_is_the_engine_s_today() -> None:
    table = rule("not_after", field="date_faits", other="today")
    answers = {"date_faits": "2026-11-23"}
    assert broken(table, answers, today=dt.date(2026, 11, 22)) is True
    assert broken(table, answers, today=dt.date(2026, 11, 23)) is False


@pytest.mark.parametrize(
    ("answers", "is_broken"),
    [
        ({"email": "a@exemple.fr", "email_parent": "b@exemple.fr"}, False),
        ({"email": "a@exemple.fr", "email_parent": "a@exemple.fr"}, True),
        ({"email": "Jean.Dupont@exemple.fr", "email_parent": "jean.dupont@EXEMPLE.FR"}, True),
        ({"email": "a@exemple.fr"}, False),  # waits for every answer
    ],
)
def test_different_ignores_case(answers: dict[str, Any], is_broken: bool) -> None:
    assert broken(rule("different", fields=["email", "email_parent"]), answers) is is_broken


@pytest.mark.parametrize(
    ("third", "is_broken"),
    [("c@exemple.fr", False), ("A@exemple.fr", True), ("b@exemple.fr", True)],
)
def test_different_on_three_questions_refuses_any_pair(third: str, is_broken: bool) -> None:
    table = rule("different", fields=["email", "email_parent", "email_autre"])
    answers = {"email": "a@exemple.fr", "email_parent": "b@exemple.fr", "email_autre": third}
    assert broken(table, answers) is is_broken


@pytest.mark.parametrize(("motif", "is_broken"), [("vol", True), ("perte", False), (None, False)])
def test_a_rule_applies_only_when_its_condition_holds(motif: str | None, is_broken: bool) -> None:
    table = rule("min_age", field="naissance", years=18, when={"motif": "vol"})
    answers: dict[str, Any] = {"naissance": years_before(10)}
    if motif is not None:
        answers["motif"] = motif
    assert broken(table, answers) is is_broken


def test_a_rule_on_a_hidden_question_is_not_checked() -> None:
    d = parse_demarche(
        {
            "format": 1,
            "id": "essai",
            "version": "1",
            "title": "Essai",
            "steps": [
                {"id": "motif", "type": "choice", "label": "M", "options": options("a", "b")},
                {"id": "naissance", "type": "date", "label": "N", "when": {"motif": "a"}},
            ],
            "rules": [rule("min_age", field="naissance", years=18)],
        }
    )
    answers = {"motif": "a", "naissance": years_before(10)}
    assert [r.id for r in engine(d).broken_rules(answers)] == ["regle"]
    assert engine(d).broken_rules({**answers, "motif": "b"}) == []


def test_broken_rules_involving_a_question_reads_only_its_rules() -> None:
    d = demarche(
        copy.deepcopy(DATES),
        [
            {**rule("min_age", field="naissance", years=18), "id": "majeur"},
            {**rule("different", fields=["email", "email_parent"]), "id": "emails"},
        ],
    )
    answers = {
        "naissance": years_before(10),
        "email": "a@exemple.fr",
        "email_parent": "A@exemple.fr",
    }
    e = engine(d)
    assert [r.id for r in e.broken_rules(answers)] == ["majeur", "emails"]
    assert [r.id for r in e.broken_rules(answers, involving="naissance")] == ["majeur"]
    assert [r.id for r in e.broken_rules(answers, involving="email")] == ["emails"]
    assert [r.id for r in e.broken_rules(answers, involving="email_parent")] == ["emails"]
    assert e.broken_rules(answers, involving="motif") == []


@pytest.mark.parametrize(
    ("table", "field", "reason"),
    [
        (rule("majeur", field="naissance"), "rules[0].kind", "unknown kind 'majeur'"),
        (rule("min_age", field="fantome", years=18), "rules[0].field", "no question 'fantome'"),
        (rule("min_age", field="motif", years=18), "rules[0].field", "'motif' is not a date"),
        (rule("min_age", field="naissance"), "rules[0].years", "missing"),
        (rule("max_age", field="naissance", years=0), "rules[0].years", "an age in years"),
        (rule("not_after", field="date_faits"), "rules[0].other", "missing"),
        (rule("not_after", field="date_faits", other="email"), "rules[0].other", "not a date"),
        (rule("different", fields=["email"]), "rules[0].fields", "at least two questions"),
        (rule("different", fields=["email", "x"]), "rules[0].fields[1]", "no question 'x'"),
        (
            rule("different", fields=["email", "email_parent", "email"]),
            "rules[0].fields[2]",
            "'email' is named twice",
        ),
        (rule("min_age", field="naissance", years=18, other="today"), "rules[0].other", "unknown"),
        (
            {"id": "r", "kind": "min_age", "field": "naissance", "years": 18},
            "rules[0].message",
            "missing",
        ),
        (
            rule("min_age", field="naissance", years=18, when={"motif": "incendie"}),
            "rules[0].when.motif",
            "'incendie' is not an option",
        ),
    ],
)
def test_a_malformed_rule_is_refused(table: dict[str, Any], field: str, reason: str) -> None:
    with pytest.raises(DemarcheFormatError) as caught:
        demarche(copy.deepcopy(DATES), [table])
    assert caught.value.field == field
    assert reason in caught.value.reason


# --- the session refuses an answer that breaks a rule --------------------------------------


def session_demarche() -> Demarche:
    return parse_demarche(
        {
            "format": 1,
            "id": "essai",
            "version": "1",
            "title": "Essai",
            "steps": [
                {"id": "naissance", "type": "date", "label": "Naissance"},
                {"id": "date_faits", "type": "date", "label": "Date des faits"},
            ],
            "rules": [
                {
                    "id": "majeur",
                    "kind": "min_age",
                    "field": "naissance",
                    "years": 18,
                    "message": "Il faut avoir 18 ans.",
                },
                {
                    "id": "ordre",
                    "kind": "not_before",
                    "field": "date_faits",
                    "other": "naissance",
                    "message": "Les faits sont avant la naissance.",
                },
            ],
        }
    )


@pytest.fixture
def session() -> Session:
    d = session_demarche()
    return Session(d, engine(d))


def test_an_answer_breaking_a_rule_is_refused_with_its_message(session: Session) -> None:
    result = session.answer("23/11/2008")  # 18 tomorrow
    assert not result.ok
    assert result.error == "Il faut avoir 18 ans."
    assert result.value is None
    assert session.answer_of("naissance") is None
    assert session.answers == {}


def test_a_refused_answer_keeps_the_previous_one(session: Session) -> None:
    assert session.answer("22/11/2008").value == "2008-11-22"  # 18 today
    result = session.answer("23/11/2008")
    assert result.error == "Il faut avoir 18 ans."
    assert session.answer_of("naissance") == "2008-11-22"
    assert session.answer("14/07/1990").value == "1990-07-14"
    assert session.answer_of("naissance") == "1990-07-14"


def test_changing_an_earlier_answer_is_checked_against_the_later_one(session: Session) -> None:
    assert session.answer("14/07/1990").ok
    assert session.go_next() == "date_faits"
    assert session.answer("13/07/1990").error == "Les faits sont avant la naissance."
    assert session.answer_of("date_faits") is None
    assert session.answer("14/07/1990").ok
    session.go_to("naissance")
    # From the récapitulatif: a date of birth after the faits breaks "ordre", not "majeur".
    assert session.answer("15/07/1990").error == "Les faits sont avant la naissance."
    assert session.answers == {"naissance": "1990-07-14", "date_faits": "1990-07-14"}
    assert session.broken_rules() == []


def test_an_invalid_answer_is_refused_before_any_rule(session: Session) -> None:
    result = session.answer("31/02/1990")
    assert result.error == "Cette date n'existe pas. Vérifiez le jour et le mois."
    assert session.answer_of("naissance") is None
