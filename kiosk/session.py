"""One usager's session: from choosing a démarche to the wipe.

Plain Python, no toolkit. The session keeps the answers and scanned pages in memory only
(drafts never touch the disk), knows which step the usager is on through the form engine,
and ends in exactly one way: ``wipe()``, whether the usager finished, left, went idle or the
kiosk recovered from a bug.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import Enum
from typing import Any

from kiosk.demarche import Demarche, PieceStep, Question, Step
from kiosk.engine import FormEngine, Position
from kiosk.fields import Checked
from kiosk.pieces import PageImage
from kiosk.rules import Rule

RECAP = "recapitulatif"  # the pseudo-step after the last applicable step


class SessionState(Enum):
    ACTIVE = "active"
    SEALED = "sealed"
    WIPED = "wiped"


class SessionClosed(Exception):
    """An operation on a session that is sealed or wiped (a double tap, a late callback)."""


@dataclass(frozen=True)
class RecapLine:
    step: Step
    shown: str  # the answer as the usager reads it, or the number of pages of a pièce


class Session:
    def __init__(self, demarche: Demarche, engine: FormEngine | None = None) -> None:
        self.id = str(uuid.uuid4())
        self.demarche = demarche
        self.engine = engine or FormEngine(demarche)
        self.started_at = dt.datetime.now(dt.UTC)
        self.state = SessionState.ACTIVE
        # For the statistics: did a médiateur act in this session, did the receipt print.
        self.assisted = False
        self.receipt_printed = False
        # Who entered each answer: "usager", or the pseudonym of the médiateur who did, with
        # the usager's consent (the sealed dossier says so, answer by answer).
        self.actor = "usager"
        self._answered_by: dict[str, str] = {}
        # Checks a médiateur overrode, with their written reason (sealed with the dossier).
        self.overrides: list[dict[str, Any]] = []
        self._answers: dict[str, Any] = {}
        self._pages: dict[str, list[PageImage]] = {}
        self.current: str = self.engine.first_step(self._answers).id

    def relabel(self, demarche: Demarche) -> None:
        """The same démarche in the language the usager just chose: only its texts change;
        the answers, the pages and the step reached stay."""
        if demarche.id != self.demarche.id:
            raise ValueError(f"{demarche.id!r} is not the démarche of this session")
        self.demarche = demarche
        self.engine.demarche = demarche

    # -- reading ---------------------------------------------------------------------------
    @property
    def answers(self) -> dict[str, Any]:
        return self.engine.prune(self._answers)

    def answer_of(self, step_id: str) -> Any:
        return self._answers.get(step_id)

    def pages(self, piece_id: str) -> list[PageImage]:
        return list(self._pages.get(piece_id, ()))

    def current_step(self) -> Step | None:
        return None if self.current == RECAP else self.demarche.step(self.current)

    def position(self) -> Position:
        return self.engine.position(self.current, self._answers)

    def missing(self) -> list[Step]:
        counts = {piece: len(pages) for piece, pages in self._pages.items()}
        return self.engine.missing(self._answers, counts)

    def recap(self) -> list[RecapLine]:
        lines = []
        for step in self.engine.applicable_steps(self._answers):
            if isinstance(step, Question):
                value = self._answers.get(step.id)
                lines.append(RecapLine(step, "" if value is None else step.display(value)))
            elif isinstance(step, PieceStep):
                lines.append(RecapLine(step, str(len(self._pages.get(step.id, ())))))
        return lines

    # -- changing --------------------------------------------------------------------------
    def _require_active(self) -> None:
        if self.state is not SessionState.ACTIVE:
            raise SessionClosed(self.state.value)

    def answer(self, raw: Any) -> Checked:
        """Check and keep the answer to the current question; the step does not move.

        A valid answer that breaks a cross-field rule (e.g. too young for this démarche) is
        refused on this screen with the rule's message, and the previous answer is kept.
        """
        self._require_active()
        checked = self.check_answer(raw)
        if checked.ok:
            step = self._current_question()
            self._answers[step.id] = checked.value
            self._answered_by[step.id] = self.actor
        return checked

    def check_answer(self, raw: Any) -> Checked:
        """What ``answer`` would say of ``raw``, keeping nothing (the error shown again in
        another language)."""
        step = self._current_question()
        checked = self.engine.validate(step, raw)
        if not checked.ok:
            return checked
        trial = {**self._answers, step.id: checked.value}
        broken = self.engine.broken_rules(trial, involving=step.id)
        return Checked(error=broken[0].message) if broken else checked

    def _current_question(self) -> Question:
        step = self.current_step()
        if not isinstance(step, Question):
            raise ValueError("the current step is not a question")
        return step

    @property
    def answered_by(self) -> dict[str, str]:
        """For each kept answer, who entered it."""
        return {key: self._answered_by.get(key, "usager") for key in self.answers}

    def broken_rules(self) -> list[Rule]:
        return self.engine.broken_rules(self._answers)

    def set_pages(self, piece_id: str, pages: list[PageImage]) -> None:
        self._require_active()
        step = self.demarche.step(piece_id)
        if not isinstance(step, PieceStep):
            raise ValueError(f"{piece_id} is not a pièce")
        self._pages[piece_id] = list(pages[: step.max_pages])

    def go_next(self) -> str:
        self._require_active()
        if self.current == RECAP:
            return RECAP
        following = self.engine.next_step(self.current, self._answers)
        self.current = RECAP if following is None else following.id
        return self.current

    def go_back(self) -> str | None:
        """Move one step back; ``None`` when already at the first step."""
        self._require_active()
        steps = self.engine.applicable_steps(self._answers)
        if self.current == RECAP:
            self.current = steps[-1].id
            return self.current
        previous = self.engine.previous_step(self.current, self._answers)
        if previous is None:
            return None
        self.current = previous.id
        return self.current

    def go_to(self, step_id: str) -> None:
        """Jump to a step (from the récapitulatif's "Modifier")."""
        self._require_active()
        today = self.engine.today()
        if step_id != RECAP and not self.demarche.step(step_id).applies(self._answers, today):
            raise ValueError(f"step {step_id} does not apply")
        self.current = step_id

    def mark_sealed(self) -> None:
        self._require_active()
        self.state = SessionState.SEALED

    def wipe(self) -> None:
        """Forget everything the usager entered. Idempotent."""
        self._answers.clear()
        self._answered_by.clear()
        self.overrides.clear()
        for pages in self._pages.values():
            pages.clear()
        self._pages.clear()
        self.state = SessionState.WIPED
