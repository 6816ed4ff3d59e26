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
from dataclasses import dataclass, field, replace
from typing import Any

from kiosk.conditions import Condition, parse_condition
from kiosk.fields import FIELD_TYPES, resolve_date_bound
from kiosk.format_reader import FORMAT_VERSION, DemarcheFormatError, TableReader
from kiosk.i18n import _
from kiosk.rules import Rule, parse_rule

__all__ = [
    "FORMAT_VERSION",
    "Demarche",
    "DemarcheFormatError",
    "Option",
    "PieceStep",
    "Question",
    "Step",
    "parse_demarche",
    "translated",
]

# Types a repeated group's own questions may have: one line of input each.
# File size limit per démarche (kilo-octets): 2 MB unless the démarche's backend says otherwise.
DEFAULT_MAX_FILE_KB = 2000
MIN_FILE_KB = 300
MAX_FILE_KB = 50_000
GROUP_FIELD_TYPES = ("text", "date", "email", "phone", "postal_code", "choice", "yesno")


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Step:
    id: str
    kind: str  # "question" or "piece"
    label: str
    easy: str  # the "facile à lire" wording
    help: str
    when: Condition | None
    required: bool
    applies_text: str = ""  # when it applies, in words, for the list of what to bring

    def applies(self, answers: Mapping[str, Any], today: dt.date) -> bool:
        return self.when is None or self.when.holds(answers, today)


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
    min_value: int | None = None
    max_value: int | None = None
    individual: bool = False  # e-mail: one person's own address, not a shared one
    fields: tuple[Question, ...] = ()  # a repeated group's own questions
    min_items: int = 0
    max_items: int = 0

    def display(self, value: Any) -> str:
        """The answer as the usager should read it back (label of a choice, French date)."""
        if self.type == "choice":
            return next((o.label for o in self.options if o.value == value), str(value))
        if self.type == "multichoice" and isinstance(value, list):
            return ", ".join(o.label for o in self.options if o.value in value)
        if self.type == "yesno":
            return "Oui" if value else "Non"
        if self.type == "date" and isinstance(value, str) and len(value) == 10:
            return f"{value[8:10]}/{value[5:7]}/{value[0:4]}"
        if self.type == "address" and isinstance(value, dict):
            street = " ".join(v for v in (value.get("numero"), value.get("voie")) if v)
            lines = (
                street,
                value.get("complement"),
                f"{value.get('code_postal')} {value.get('commune')}",
            )
            return ", ".join(line for line in lines if line)
        if self.type == "group" and isinstance(value, list):
            return "\n".join(self._entry(entry) for entry in value)
        return str(value)

    def _entry(self, entry: Mapping[str, Any]) -> str:
        shown = (q.display(entry[q.id]) for q in self.fields if entry.get(q.id) is not None)
        return " ".join(shown)


@dataclass(frozen=True)
class PieceStep(Step):
    examples: tuple[str, ...] = ()
    max_pages: int = 4


@dataclass(frozen=True)
class PhotoStep(PieceStep):
    """An identity photo taken with the kiosk's camera: a pièce of exactly one image, so it
    is sealed, listed on the receipt and checked as missing like any other pièce."""

    max_pages: int = 1


@dataclass(frozen=True)
class Demarche:
    id: str
    version: str
    title: str
    summary: str
    family: str
    after: tuple[str, ...]  # what happens next, printed on the receipt
    steps: tuple[Step, ...] = field(default_factory=tuple)
    bring: tuple[str, ...] = ()  # what to have at hand besides the pièces (e-mail, codes...)
    rank: int = 100  # place in its family's list: the most asked-for first
    rules: tuple[Rule, ...] = ()
    # The largest file the backend accepts for this démarche: a page's JPEG, or a pièce's PDF.
    max_file_bytes: int = DEFAULT_MAX_FILE_KB * 1000

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)


def _parse_options(raw: Any, path: str) -> tuple[Option, ...]:
    if not isinstance(raw, list) or not raw:
        raise DemarcheFormatError(path, "a choice needs a non-empty list of options")
    options = []
    for index, item in enumerate(raw):
        reader = TableReader(item, f"{path}[{index}]")
        options.append(
            Option(reader.get("value", str, required=True), reader.get("label", str, required=True))
        )
        reader.done()
    if len({o.value for o in options}) != len(options):
        raise DemarcheFormatError(path, "two options have the same value")
    return tuple(options)


def _questions(steps: Mapping[str, Step]) -> dict[str, Question]:
    return {key: step for key, step in steps.items() if isinstance(step, Question)}


def _parse_step(raw: Any, path: str, earlier: Mapping[str, Step]) -> Step:
    reader = TableReader(raw, path)
    step_id = reader.identifier("id")
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
        "when": None
        if when_raw is None
        else parse_condition(when_raw, f"{path}.when", _questions(earlier)),
        "required": reader.get("required", bool, default=True),
        "applies_text": reader.get("applies_text", str, default=""),
    }
    step: Step
    if kind == "piece":
        examples = reader.texts("examples")
        max_pages = reader.get("max_pages", int, default=4)
        if max_pages < 1:  # a pièce that takes no page could never be deposited
            raise DemarcheFormatError(f"{path}.max_pages", "must be at least 1")
        step = PieceStep(**common, examples=examples, max_pages=max_pages)
    elif kind == "photo":
        step = PhotoStep(**common)
    elif kind == "question":
        step = _parse_question(reader, path, common)
    else:
        raise DemarcheFormatError(f"{path}.kind", "must be 'question', 'piece' or 'photo'")
    reader.done()
    return step


def _date_bounds(reader: TableReader) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    for key in ("min_date", "max_date"):
        bounds[key] = reader.get(key, str, default="")
        if bounds[key]:
            try:
                resolve_date_bound(bounds[key], dt.date(2000, 1, 1))
            except (ValueError, OverflowError):  # "-99999999d" overflows the date range
                raise DemarcheFormatError(
                    reader.where(key), "use today, -18y, +30d or YYYY-MM-DD"
                ) from None
    return bounds


def _pattern(reader: TableReader) -> str:
    pattern: str = reader.get("pattern", str, default="")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise DemarcheFormatError(
            reader.where("pattern"), f"not a valid regular expression: {exc}"
        ) from None
    return pattern


def _lengths(reader: TableReader) -> tuple[int, int]:
    min_length = reader.get("min_length", int, default=0)
    max_length = reader.get("max_length", int, default=0)
    if min_length < 0 or max_length < 0 or (max_length and min_length > max_length):
        # Such a question could never be answered.
        raise DemarcheFormatError(
            reader.where("min_length"), "lengths must be >= 0 and min_length <= max_length"
        )
    return min_length, max_length


def _value_bounds(reader: TableReader) -> tuple[int | None, int | None]:
    low = reader.get("min_value", int)
    high = reader.get("max_value", int)
    if low is not None and high is not None and low > high:
        raise DemarcheFormatError(reader.where("min_value"), "min_value > max_value")
    return low, high


def _group_fields(reader: TableReader, path: str) -> tuple[Question, ...]:
    raw = reader.get("fields", list, required=True)
    if not raw:
        raise DemarcheFormatError(reader.where("fields"), "a group needs its own questions")
    fields: dict[str, Step] = {}
    for index, item in enumerate(raw):
        where = f"{path}.fields[{index}]"
        sub = _parse_step(item, where, fields)
        if not isinstance(sub, Question) or sub.type not in GROUP_FIELD_TYPES:
            raise DemarcheFormatError(
                f"{where}.type", f"a group's question is one of {', '.join(GROUP_FIELD_TYPES)}"
            )
        if sub.when is not None:
            raise DemarcheFormatError(f"{where}.when", "not allowed inside a group")
        fields[sub.id] = sub
    return tuple(f for f in fields.values() if isinstance(f, Question))


def _parse_question(reader: TableReader, path: str, common: dict[str, Any]) -> Question:
    field_type = reader.get("type", str, required=True)
    if field_type not in FIELD_TYPES:
        raise DemarcheFormatError(
            f"{path}.type", f"unknown type {field_type!r} (known: {', '.join(FIELD_TYPES)})"
        )
    options = (
        _parse_options(reader.get("options", list), f"{path}.options")
        if field_type in ("choice", "multichoice")
        else ()
    )
    min_length, max_length = _lengths(reader)
    min_value, max_value = _value_bounds(reader)
    group: dict[str, Any] = {}
    if field_type == "group":
        group["fields"] = _group_fields(reader, path)
        group["min_items"] = reader.get("min_items", int, default=1)
        group["max_items"] = reader.get("max_items", int, default=0)
        if group["min_items"] < 0 or (
            group["max_items"] and group["max_items"] < group["min_items"]
        ):
            raise DemarcheFormatError(f"{path}.max_items", "max_items must be >= min_items")
    return Question(
        **common,
        type=field_type,
        options=options,
        placeholder=reader.get("placeholder", str, default=""),
        min_length=min_length,
        max_length=max_length,
        pattern=_pattern(reader),
        pattern_message=reader.get("pattern_message", str, default=""),
        range_message=reader.get("range_message", str, default=""),
        min_value=min_value,
        max_value=max_value,
        individual=reader.get("individual", bool, default=False),
        **_date_bounds(reader),
        **group,
    )


def _parse_rules(reader: TableReader, steps: Mapping[str, Step]) -> tuple[Rule, ...]:
    rules: dict[str, Rule] = {}
    for index, raw in enumerate(reader.get("rules", list, default=[])):
        rule = parse_rule(raw, f"rules[{index}]", _questions(steps))
        if rule.id in rules:
            raise DemarcheFormatError(f"rules[{index}].id", f"duplicate rule id {rule.id!r}")
        rules[rule.id] = rule
    return tuple(rules.values())


def parse_demarche(data: Mapping[str, Any]) -> Demarche:
    reader = TableReader(dict(data), "")
    file_format = reader.get("format", int, required=True)
    if file_format != FORMAT_VERSION:
        raise DemarcheFormatError(
            "format", f"this kiosk reads format {FORMAT_VERSION}, not {file_format}"
        )
    demarche_id = reader.identifier("id")
    raw_steps = reader.get("steps", list, required=True)
    if not raw_steps:
        raise DemarcheFormatError("steps", "a démarche needs at least one step")
    steps: dict[str, Step] = {}
    for index, raw in enumerate(raw_steps):
        step = _parse_step(raw, f"steps[{index}]", steps)
        steps[step.id] = step
    demarche = Demarche(
        id=demarche_id,
        version=reader.get("version", str, required=True),
        title=reader.get("title", str, required=True),
        summary=reader.get("summary", str, default=""),
        family=reader.get("family", str, default="autre"),
        after=reader.texts("after"),
        steps=tuple(steps.values()),
        bring=reader.texts("bring"),
        rank=reader.get("rank", int, default=100),
        rules=_parse_rules(reader, steps),
        max_file_bytes=_max_file_kb(reader) * 1000,
    )
    reader.done()
    return demarche


def _max_file_kb(reader: TableReader) -> int:
    kb: int = reader.get("max_file_kb", int, default=DEFAULT_MAX_FILE_KB)
    if not MIN_FILE_KB <= kb <= MAX_FILE_KB:
        # Below ~300 KB an A4 page cannot stay legible at 200 dpi; above 50 MB it is a typo.
        raise DemarcheFormatError(
            "max_file_kb", f"must be between {MIN_FILE_KB} and {MAX_FILE_KB} (kilo-octets)"
        )
    return kb


def translated(demarche: Demarche) -> Demarche:
    """The démarche with every text through the active translation (French is the source:
    each text is its own key). Ids, values, patterns and conditions are never translated."""
    return replace(
        demarche,
        title=_(demarche.title),
        summary=_(demarche.summary),
        after=tuple(_(line) for line in demarche.after),
        bring=tuple(_(line) for line in demarche.bring),
        steps=tuple(_translated_step(step) for step in demarche.steps),
        rules=tuple(replace(rule, message=_(rule.message)) for rule in demarche.rules),
    )


def _translated_step(step: Step) -> Step:
    texts: dict[str, Any] = {
        "label": _(step.label),
        "easy": _(step.easy),
        "help": _(step.help),
        "applies_text": _(step.applies_text),
    }
    if isinstance(step, PieceStep):
        return replace(step, examples=tuple(_(e) for e in step.examples), **texts)
    if isinstance(step, Question):
        return replace(
            step,
            options=tuple(replace(o, label=_(o.label)) for o in step.options),
            placeholder=_(step.placeholder),
            pattern_message=_(step.pattern_message),
            range_message=_(step.range_message),
            fields=tuple(
                f for f in (_translated_step(f) for f in step.fields) if isinstance(f, Question)
            ),
            **texts,
        )
    return replace(step, **texts)
