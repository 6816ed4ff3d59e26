"""The demo journey through "permis perdu ou volé", step by step, as a person would tap it.

Used by the pytest-qt journey test, the end-to-end test (through the control channel), the
screenshot tool and the benchmarks, so all of them walk the same real path.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

DEMARCHE = "permis-perte-vol"

# Distinctive values: tests search the logs and the disk for them.
NOM = "Zorglubova"
PRENOMS = "Ysolde Marie"
EMAIL = "ysolde.zorglubova@exemple.fr"
PHONE = "06 12 34 56 78"
EPHOTO = "AB12CD34EF56GH78IJ90KL"
TIMBRE = "1234567890123456"


@dataclass(frozen=True)
class Action:
    kind: str  # "click", "type", "scan" (click scan and wait for the pages)
    name: str
    text: str = ""


def _typed(value: str) -> list[Action]:
    return [Action("type", "input", value), Action("click", "continue")]


def _date(day: str, month: str, year: str) -> list[Action]:
    return [
        Action("type", "day", day),
        Action("type", "month", month),
        Action("type", "year", year),
        Action("click", "continue"),
    ]


def _piece() -> list[Action]:
    return [Action("scan", "scan"), Action("click", "continue")]


# (step shown, actions that answer it); "perte" path: 9 questions, 2 pièces.
STEPS: list[tuple[str, list[Action]]] = [
    ("motif", [Action("click", "option:perte"), Action("click", "continue")]),
    ("date_faits", _date("03", "11", "2026")),
    ("nom_naissance", _typed(NOM)),
    ("prenoms", _typed(PRENOMS)),
    ("date_naissance", _date("14", "07", "1962")),
    ("email", _typed(EMAIL)),
    ("telephone", _typed(PHONE)),
    ("code_ephoto", [*_typed(EPHOTO), Action("click", "message-ok")]),  # single-use notice
    ("timbre_fiscal", _typed(TIMBRE)),
    ("piece_identite", _piece()),
    ("justificatif_domicile", _piece()),
]


@dataclass
class Driver:
    """How to act on the kiosk: in-process widgets or the control channel."""

    click: Callable[[str], None]
    type_text: Callable[[str, str], None]
    wait_until: Callable[[Callable[[], bool]], None]
    scanned: Callable[[], bool]  # pages are shown and the screen is no longer busy


def perform(driver: Driver, action: Action) -> None:
    if action.kind == "type":
        driver.type_text(action.name, action.text)
    elif action.kind == "scan":
        driver.click(action.name)
        driver.wait_until(driver.scanned)
    else:
        driver.click(action.name)


def open_demarche(driver: Driver, demarche: str = DEMARCHE, family: str = "permis") -> None:
    """Home, the family, the démarche (unless it is alone in its family: the kiosk then
    skips the list), then "Commencer" on the list of what to bring."""
    driver.click(f"family:{family}")
    if family not in _single_demarche_families():
        driver.click(f"demarche:{demarche}")
    driver.click("start")


@functools.cache
def _single_demarche_families() -> frozenset[str]:
    from kiosk.catalog import BUNDLED_DIR, load_catalog

    families = load_catalog(BUNDLED_DIR).families()
    return frozenset(f.id for f in families if len(f.demarches) == 1)


def walk_to_recap(
    driver: Driver, on_step: Callable[[str], None] | None = None, from_home: bool = True
) -> None:
    """Home (or the first question) to récapitulatif; ``on_step`` sees each step id before
    it is answered."""
    if from_home:
        open_demarche(driver)
    for step_id, actions in STEPS:
        if on_step is not None:
            on_step(step_id)
        for action in actions:
            perform(driver, action)


def walk_to(driver: Driver, step_id: str) -> None:
    """From the home screen to the screen of ``step_id``, answering everything before it."""
    open_demarche(driver)
    for current, actions in STEPS:
        if current == step_id:
            return
        for action in actions:
            perform(driver, action)
    raise ValueError(f"{step_id} is not on the demo path")
