"""The démarche model and its parser from data (see docs/demarche-format.md).

A démarche file describes steps in order. A step is either a *question* (one answer, one
screen) or a *pièce* (a document to scan). Any step may carry ``when``: it applies only when
earlier answers match. The parser is strict: an unknown key, a wrong type or a reference to
a step that does not exist disables the démarche with the exact field and reason, instead of
showing an usager a broken form.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kiosk.fields import FIELD_TYPES, resolve_date_bound

FORMAT_VERSION = 1
_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")


class DemarcheFormatError(Exception):
    """A démarche file that cannot be used; ``field`` is a path like ``steps[3].options``."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Condition:
    """All listed answers must match; a list of values means "any of these"."""

    expected: Mapping[str, tuple[Any, ...]]

    def holds(self, answers: Mapping[str, Any]) -> bool:
        return all(answers.get(key) in values for key, values in self.expected.items())


@dataclass(frozen=True)
class Step:
    id: str
    kind: str  # "question" or "piece"
    label: str
    easy: str  # the "facile à lire" wording
    help: str
    when: Condition | None
    required: bool

    def applies(self, answers: Mapping[str, Any]) -> bool:
        return self.when is None or self.when.holds(answers)


@dataclass(frozen=True)
class Question(Step):
    type: str = "text"
    options: tuple[Option, ...] = ()
    placeholder: str = ""
    min_length: int = 0
    max_length: int = 0
    pattern: str = ""
    pattern_message: str = ""
    min_date: str = ""
    max_date: str = ""
    range_message: str = ""

    def display(self, value: Any) -> str:
        """The answer as the usager should read it back (label of a choice, French date)."""
        if self.type == "choice":
            return next((o.label for o in self.options if o.value == value), str(value))
        if self.type == "yesno":
            return "Oui" if value else "Non"
        if self.type == "date" and isinstance(value, str) and len(value) == 10:
            return f"{value[8:10]}/{value[5:7]}/{value[0:4]}"
        return str(value)


@dataclass(frozen=True)
class PieceStep(Step):
    examples: tuple[str, ...] = ()
    max_pages: int = 4


@dataclass(frozen=True)
class Demarche:
    id: str
    version: str
    title: str
    summary: str
    family: str
    after: tuple[str, ...]  # what happens next, printed on the receipt
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)


class _Reader:
    """Reads one table, remembering its path for errors and rejecting unknown keys."""

    def __init__(self, table: Any, path: str) -> None:
        if not isinstance(table, dict):
            raise DemarcheFormatError(path or "(file)", "expected a table")
        self.table: dict[str, Any] = table
        self.path = path
        self.used: set[str] = set()

    def _where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str, kind: type, default: Any = None, required: bool = False) -> Any:
        self.used.add(key)
        if key not in self.table:
            if required:
                raise DemarcheFormatError(self._where(key), "missing")
            return default
        value = self.table[key]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            raise DemarcheFormatError(self._where(key), f"expected {kind.__name__}")
        if isinstance(value, str) and required and not value.strip():
            raise DemarcheFormatError(self._where(key), "must not be empty")
        return value

    def done(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise DemarcheFormatError(self._where(unknown[0]), "unknown key")


def _parse_condition(raw: Any, path: str, earlier: Mapping[str, Step]) -> Condition:
    reader = _Reader(raw, path)
    expected: dict[str, tuple[Any, ...]] = {}
    for key, value in reader.table.items():
        reader.used.add(key)
        where = f"{path}.{key}"
        target = earlier.get(key)
        if not isinstance(target, Question):
            raise DemarcheFormatError(where, "refers to no earlier question")
        values = tuple(value) if isinstance(value, list) else (value,)
        if target.type == "choice":
            allowed = {o.value for o in target.options}
            bad = [v for v in values if v not in allowed]
            if bad:
                raise DemarcheFormatError(where, f"{bad[0]!r} is not an option of {key!r}")
        expected[key] = values
    if not expected:
        raise DemarcheFormatError(path, "empty condition")
    return Condition(expected)


def _parse_options(raw: Any, path: str) -> tuple[Option, ...]:
    if not isinstance(raw, list) or not raw:
        raise DemarcheFormatError(path, "a choice needs a non-empty list of options")
    options = []
    for index, item in enumerate(raw):
        reader = _Reader(item, f"{path}[{index}]")
        options.append(
            Option(reader.get("value", str, required=True), reader.get("label", str, required=True))
        )
        reader.done()
    if len({o.value for o in options}) != len(options):
        raise DemarcheFormatError(path, "two options have the same value")
    return tuple(options)


def _parse_step(raw: Any, path: str, earlier: Mapping[str, Step]) -> Step:
    reader = _Reader(raw, path)
    step_id = reader.get("id", str, required=True)
    if not _ID.fullmatch(step_id):
        raise DemarcheFormatError(f"{path}.id", "use lower-case letters, digits, - and _")
    if step_id in earlier:
        raise DemarcheFormatError(f"{path}.id", f"duplicate step id {step_id!r}")
    kind = reader.get("kind", str, default="question")
    when_raw = reader.get("when", dict)
    common: dict[str, Any] = {
        "id": step_id,
        "kind": kind,
        "label": reader.get("label", str, required=True),
        "easy": reader.get("easy", str, default=""),
        "help": reader.get("help", str, default=""),
        "when": None if when_raw is None else _parse_condition(when_raw, f"{path}.when", earlier),
        "required": reader.get("required", bool, default=True),
    }
    step: Step
    if kind == "piece":
        examples = reader.get("examples", list, default=[])
        max_pages = reader.get("max_pages", int, default=4)
        if max_pages < 1:  # a pièce that takes no page could never be deposited
            raise DemarcheFormatError(f"{path}.max_pages", "must be at least 1")
        step = PieceStep(**common, examples=tuple(str(e) for e in examples), max_pages=max_pages)
    elif kind == "question":
        step = _parse_question(reader, path, common)
    else:
        raise DemarcheFormatError(f"{path}.kind", "must be 'question' or 'piece'")
    reader.done()
    return step


def _parse_question(reader: _Reader, path: str, common: dict[str, Any]) -> Question:
    field_type = reader.get("type", str, required=True)
    if field_type not in FIELD_TYPES:
        raise DemarcheFormatError(
            f"{path}.type", f"unknown type {field_type!r} (known: {', '.join(FIELD_TYPES)})"
        )
    options = (
        _parse_options(reader.get("options", list), f"{path}.options")
        if field_type == "choice"
        else ()
    )
    pattern = reader.get("pattern", str, default="")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise DemarcheFormatError(
            f"{path}.pattern", f"not a valid regular expression: {exc}"
        ) from None
    bounds = {}
    for key in ("min_date", "max_date"):
        bounds[key] = reader.get(key, str, default="")
        if bounds[key]:
            try:
                resolve_date_bound(bounds[key], dt.date(2000, 1, 1))
            except (ValueError, OverflowError):  # "-99999999d" overflows the date range
                raise DemarcheFormatError(
                    f"{path}.{key}", "use today, -18y, +30d or YYYY-MM-DD"
                ) from None
    min_length = reader.get("min_length", int, default=0)
    max_length = reader.get("max_length", int, default=0)
    if min_length < 0 or max_length < 0 or (max_length and min_length > max_length):
        # Such a question could never be answered.
        raise DemarcheFormatError(
            f"{path}.min_length", "lengths must be >= 0 and min_length <= max_length"
        )
    return Question(
        **common,
        type=field_type,
        options=options,
        placeholder=reader.get("placeholder", str, default=""),
        min_length=min_length,
        max_length=max_length,
        pattern=pattern,
        pattern_message=reader.get("pattern_message", str, default=""),
        range_message=reader.get("range_message", str, default=""),
        **bounds,
    )


def parse_demarche(data: Mapping[str, Any]) -> Demarche:
    reader = _Reader(dict(data), "")
    file_format = reader.get("format", int, required=True)
    if file_format != FORMAT_VERSION:
        raise DemarcheFormatError(
            "format", f"this kiosk reads format {FORMAT_VERSION}, not {file_format}"
        )
    demarche_id = reader.get("id", str, required=True)
    if not _ID.fullmatch(demarche_id):
        raise DemarcheFormatError("id", "use lower-case letters, digits, - and _")
    raw_steps = reader.get("steps", list, required=True)
    if not raw_steps:
        raise DemarcheFormatError("steps", "a démarche needs at least one step")
    steps: dict[str, Step] = {}
    for index, raw in enumerate(raw_steps):
        step = _parse_step(raw, f"steps[{index}]", steps)
        steps[step.id] = step
    after = reader.get("after", list, default=[])
    demarche = Demarche(
        id=demarche_id,
        version=reader.get("version", str, required=True),
        title=reader.get("title", str, required=True),
        summary=reader.get("summary", str, default=""),
        family=reader.get("family", str, default="autre"),
        after=tuple(str(line) for line in after),
        steps=tuple(steps.values()),
    )
    reader.done()
    return demarche
