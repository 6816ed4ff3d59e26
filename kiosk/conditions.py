"""When a step or a rule applies: clauses on earlier answers, written as data.

    when = { motif = "vol" }                          the answer is "vol"
    when = { motif = ["perte", "vol"] }               one of these
    when = { motif = { not = "vol" } }                anything but (an unanswered one too)
    when = { date_naissance = { age_below = 18 } }    a date of birth: under 18 today
    when = { date_naissance = { age_at_least = 18 } }
    when = { categories = { contains = "C" } }        a multiple choice includes "C"
    when = { neph = { answered = true } }

Every clause must hold. A clause on a question that is not answered does not hold (except
``not`` and ``answered = false``), so a step never appears on an answer not yet given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk.format_reader import DemarcheFormatError, TableReader

if TYPE_CHECKING:
    from kiosk.demarche import Question


def age_on(birth_iso: str, today: dt.date) -> int:
    birth = dt.date.fromisoformat(birth_iso)
    had_birthday = (today.month, today.day) >= (birth.month, birth.day)
    return today.year - birth.year - (0 if had_birthday else 1)


def _age(answer: Any, today: dt.date) -> int | None:
    return age_on(answer, today) if isinstance(answer, str) and len(answer) == 10 else None


Test = Callable[[Any, tuple[Any, ...], dt.date], bool]

_OPERATORS: dict[str, Test] = {
    "in": lambda answer, values, today: answer is not None and answer in values,
    "not": lambda answer, values, today: answer not in values,
    "contains": lambda answer, values, today: (
        isinstance(answer, list) and any(v in answer for v in values)
    ),
    "answered": lambda answer, values, today: (answer is not None) == values[0],
    "age_below": lambda answer, values, today: (
        (age := _age(answer, today)) is not None and age < values[0]
    ),
    "age_at_least": lambda answer, values, today: (
        (age := _age(answer, today)) is not None and age >= values[0]
    ),
}
# Which question types each operator makes sense on (checked when the file is loaded).
_APPLIES_TO: dict[str, tuple[str, ...] | None] = {
    "in": None,
    "not": None,
    "answered": None,
    "contains": ("multichoice",),
    "age_below": ("date",),
    "age_at_least": ("date",),
}
# Answers that are a list or a table never equal one value: ``in`` would never hold on them
# and ``not`` always would. What to use instead.
_NOT_ONE_VALUE: dict[str, str] = {
    "multichoice": "contains",
    "group": "answered",
    "address": "answered",
}


@dataclass(frozen=True)
class Clause:
    key: str
    operator: str
    values: tuple[Any, ...]

    def holds(self, answers: Mapping[str, Any], today: dt.date) -> bool:
        return _OPERATORS[self.operator](answers.get(self.key), self.values, today)


@dataclass(frozen=True)
class Condition:
    clauses: tuple[Clause, ...]

    def holds(self, answers: Mapping[str, Any], today: dt.date) -> bool:
        return all(clause.holds(answers, today) for clause in self.clauses)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(clause.key for clause in self.clauses)


def _clause(key: str, raw: Any, where: str, target: Question) -> Clause:
    if isinstance(raw, dict):
        if len(raw) != 1:
            raise DemarcheFormatError(where, 'one operator per question, e.g. { not = "vol" }')
        [(operator, value)] = raw.items()
        where = f"{where}.{operator}"
        if operator not in _OPERATORS or operator == "in":
            known = ", ".join(o for o in _OPERATORS if o != "in")
            raise DemarcheFormatError(where, f"unknown operator (known: {known})")
    else:
        operator, value = "in", raw
    types = _APPLIES_TO[operator]
    if types is not None and target.type not in types:
        raise DemarcheFormatError(where, f"only for a {' or '.join(types)} question")
    if operator in ("in", "not") and target.type in _NOT_ONE_VALUE:
        raise DemarcheFormatError(
            where, f"a {target.type} answer is not one value: use {_NOT_ONE_VALUE[target.type]}"
        )
    values = tuple(value) if isinstance(value, list) else (value,)
    if not values:
        raise DemarcheFormatError(where, "no value to compare with")
    if operator in ("age_below", "age_at_least") and not (
        isinstance(values[0], int) and not isinstance(values[0], bool) and 0 < values[0] < 130
    ):
        raise DemarcheFormatError(where, "an age in years, e.g. 18")
    if operator == "answered" and not isinstance(values[0], bool):
        raise DemarcheFormatError(where, "true or false")
    if operator in ("in", "not", "contains") and target.options:
        allowed = {o.value for o in target.options}
        bad = [v for v in values if v not in allowed]
        if bad:
            raise DemarcheFormatError(where, f"{bad[0]!r} is not an option of {key!r}")
    yes_no = operator in ("in", "not") and target.type == "yesno"
    if yes_no and any(not isinstance(v, bool) for v in values):
        raise DemarcheFormatError(where, "a yes/no answer is true or false")
    return Clause(key, operator, values)


def parse_condition(raw: Any, path: str, questions: Mapping[str, Question]) -> Condition:
    """``questions``: the questions a condition may name (those before it in the file)."""
    reader = TableReader(raw, path)
    clauses = []
    for key, value in reader.table.items():
        reader.used.add(key)
        target = questions.get(key)
        if target is None:
            raise DemarcheFormatError(f"{path}.{key}", "refers to no earlier question")
        clauses.append(_clause(key, value, f"{path}.{key}", target))
    if not clauses:
        raise DemarcheFormatError(path, "empty condition")
    return Condition(tuple(clauses))
