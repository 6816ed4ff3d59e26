"""Walk any démarche through the real widgets, from a table of answers as a person types them.

``answers`` maps a step id to what the usager does on its screen: a value to type (text
types), an option value (choice), a list (multiple choice), "jj/mm/aaaa" (date), a dict
(address), a list of dicts (group), ``None`` for a pièce (scan one page) or "skip" (an
optional pièce left out). The walker
follows the steps the kiosk shows, so the branches come from the answers themselves, and it
records the screens it went through.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kiosk.demarche import PieceStep, Question
from tests.support.journey import Driver
from ui import driving
from ui.window import KioskWindow


def _answer(window: KioskWindow, question: Question, value: Any) -> None:
    if question.type in ("choice", "yesno"):
        name = ("yes" if value else "no") if question.type == "yesno" else f"option:{value}"
        driving.click(window, name)
    elif question.type == "multichoice":
        for option in value:
            driving.click(window, f"option:{option}")
    elif question.type == "date":
        day, month, year = value.split("/")
        for name, part in (("day", day), ("month", month), ("year", year)):
            driving.type_text(window, name, part)
    elif question.type == "address":
        for key, part in value.items():
            driving.type_text(window, key, part)
    elif question.type == "group":
        _fill_group(window, question, value)
    else:
        driving.type_text(window, "input", str(value))


def _fill_group(window: KioskWindow, question: Question, entries: list[dict[str, Any]]) -> None:
    for number, entry in enumerate(entries, start=1):
        if number > max(question.min_items, 1):
            driving.click(window, "group-add")
        for field in question.fields:
            value = entry.get(field.id)
            if value is None:
                continue
            prefix = f"{number}:{field.id}:"
            if field.type in ("choice", "yesno"):
                option = ("yes" if value else "no") if field.type == "yesno" else f"option:{value}"
                driving.click(window, prefix + option)
            elif field.type == "date":
                day, month, year = value.split("/")
                for name, part in (("day", day), ("month", month), ("year", year)):
                    driving.type_text(window, prefix + name, part)
            else:
                driving.type_text(window, prefix + "input", str(value))


def walk(
    window: KioskWindow,
    driver: Driver,
    answers: Mapping[str, Any],
    on_step: Callable[[str], None] | None = None,
) -> list[str]:
    """From the first question to the récapitulatif; returns the step ids shown, in order."""
    shown: list[str] = []
    for _ in range(200):  # a démarche longer than this is a loop, not a démarche
        session = window.app.session
        assert session is not None
        step = session.current_step()
        if step is None:
            return shown
        shown.append(step.id)
        if on_step is not None:
            on_step(step.id)
        if step.id not in answers:
            raise AssertionError(f"no answer given for the step {step.id!r} ({step.label})")
        if isinstance(step, PieceStep):
            if answers[step.id] != "skip":  # an optional pièce may be left out
                driver.click("scan")
                driver.wait_until(driver.scanned)
        else:
            assert isinstance(step, Question)
            _answer(window, step, answers[step.id])
        driver.click("continue")
        if window.overlay.kind == "notice":
            driver.click("message-ok")
        if isinstance(step, Question) and session.current == step.id:
            refused = window.question.error_label.text()
            raise AssertionError(f"{step.id}: the kiosk refused the answer: {refused}")
    raise AssertionError("the walk never reached the récapitulatif")
