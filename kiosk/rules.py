"""Cross-field rules, written as data in the démarche file and checked by the engine.

    [[rules]]
    id = "majeur"
    kind = "min_age"              # the person is at least `years` old today
    field = "date_naissance"
    years = 18
    message = "Il faut avoir 18 ans pour demander la fabrication du permis."
    when = { motif = "premier_permis" }     # optional, as for steps

Kinds: ``min_age`` / ``max_age`` (``field`` a date of birth, ``years``), ``not_after`` /
``not_before`` (``field`` a date, ``other`` another date question or ``today``), ``different``
(``fields``: answers that must not be equal, e.g. the applicant's and the représentant légal's
e-mail). A rule is checked whenever one of its questions is answered (once all of them are),
so the usager is told on that very screen, and again before sealing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk.conditions import Condition, age_on, parse_condition
from kiosk.format_reader import DemarcheFormatError, TableReader

if TYPE_CHECKING:
    from kiosk.demarche import Question


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    fields: tuple[str, ...]  # the questions it reads
    message: str
    when: Condition | None
    years: int = 0
    other: str = ""  # for date comparisons: another question, or "today"

    def broken(self, answers: Mapping[str, Any], today: dt.date) -> bool:
        """True when the rule applies, all its answers are given, and they break it."""
        if self.when is not None and not self.when.holds(answers, today):
            return False
        values = [answers.get(f) for f in self.fields]
        if any(v is None for v in values):
            return False
        return not _CHECKS[self.kind](self, values, answers, today)


def _date_of(rule: Rule, answers: Mapping[str, Any], today: dt.date) -> str | None:
    if rule.other == "today":
        return today.isoformat()
    value = answers.get(rule.other)
    return value if isinstance(value, str) else None


Check = Callable[[Rule, list[Any], Mapping[str, Any], dt.date], bool]

_CHECKS: dict[str, Check] = {
    "min_age": lambda rule, values, answers, today: age_on(values[0], today) >= rule.years,
    "max_age": lambda rule, values, answers, today: age_on(values[0], today) <= rule.years,
    # ISO dates compare as text.
    "not_after": lambda rule, values, answers, today: (
        (other := _date_of(rule, answers, today)) is None or values[0] <= other
    ),
    "not_before": lambda rule, values, answers, today: (
        (other := _date_of(rule, answers, today)) is None or values[0] >= other
    ),
    "different": lambda rule, values, answers, today: (
        len({str(v).lower() for v in values}) == len(values)
    ),
}
RULE_KINDS = tuple(_CHECKS)


def _question(reader: TableReader, key: str, questions: Mapping[str, Question]) -> Question:
    name: str = reader.get(key, str, required=True)
    if name not in questions:
        raise DemarcheFormatError(reader.where(key), f"no question {name!r} in this démarche")
    return questions[name]


def parse_rule(raw: Any, path: str, questions: Mapping[str, Question]) -> Rule:
    reader = TableReader(raw, path)
    rule_id = reader.identifier("id")
    kind = reader.get("kind", str, required=True)
    if kind not in _CHECKS:
        raise DemarcheFormatError(
            reader.where("kind"), f"unknown kind {kind!r} (known: {', '.join(RULE_KINDS)})"
        )
    message = reader.get("message", str, required=True)
    when_raw = reader.get("when", dict)
    years, other = 0, ""
    if kind == "different":
        names = reader.texts("fields")
        if len(names) < 2:
            raise DemarcheFormatError(reader.where("fields"), "at least two questions")
        for index, name in enumerate(names):
            if name not in questions:
                raise DemarcheFormatError(
                    f"{reader.where('fields')}[{index}]", f"no question {name!r} in this démarche"
                )
            if name in names[:index]:  # an answer always equals itself: always broken
                raise DemarcheFormatError(
                    f"{reader.where('fields')}[{index}]", f"{name!r} is named twice"
                )
        fields = names
    else:
        target = _question(reader, "field", questions)
        if target.type != "date":
            raise DemarcheFormatError(reader.where("field"), f"{target.id!r} is not a date")
        fields = (target.id,)
        if kind in ("min_age", "max_age"):
            years = reader.get("years", int, required=True)
            if not 0 < years < 130:
                raise DemarcheFormatError(reader.where("years"), "an age in years, e.g. 18")
        else:
            other = reader.get("other", str, required=True)
            if other != "today":
                compared = _question(reader, "other", questions)
                if compared.type != "date":
                    raise DemarcheFormatError(reader.where("other"), f"{other!r} is not a date")
                fields = (target.id, other)
    when = None if when_raw is None else parse_condition(when_raw, f"{path}.when", questions)
    reader.done()
    return Rule(rule_id, kind, fields, message, when, years, other)
