"""The form engine: which step comes next, and whether an answer is valid.

It renders nothing. Given a démarche and the answers so far, it says which steps apply (a
step's ``when`` may hide it), where the usager is, what comes after and before, and what is
still missing before the dossier can be sealed. Answers of steps that no longer apply (the
usager went back and changed an earlier answer) are pruned, never sealed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.demarche import Demarche, PieceStep, Question, Step
from kiosk.fields import Checked, check


@dataclass(frozen=True)
class Position:
    index: int  # 1-based, for "Étape 2 sur 7"
    count: int


class FormEngine:
    def __init__(self, demarche: Demarche, today: Callable[[], dt.date] = dt.date.today) -> None:
        self.demarche = demarche
        self._today = today

    def applicable_steps(self, answers: Mapping[str, Any]) -> list[Step]:
        # Conditions only refer to earlier questions, so one pass in order is enough, as long
        # as a condition sees only the answers of questions that still apply themselves (a
        # stale answer of a hidden question must not keep its own dependants visible).
        steps: list[Step] = []
        visible: dict[str, Any] = {}
        for step in self.demarche.steps:
            if step.applies(visible):
                steps.append(step)
                if step.id in answers:
                    visible[step.id] = answers[step.id]
        return steps

    def first_step(self, answers: Mapping[str, Any]) -> Step:
        return self.applicable_steps(answers)[0]

    def next_step(self, current_id: str, answers: Mapping[str, Any]) -> Step | None:
        """The step after ``current_id``; ``None`` means the récapitulatif comes next."""
        steps = self.applicable_steps(answers)
        ids = [s.id for s in steps]
        if current_id not in ids:
            return self._nearest_after(current_id, steps)
        index = ids.index(current_id)
        return steps[index + 1] if index + 1 < len(steps) else None

    def previous_step(self, current_id: str, answers: Mapping[str, Any]) -> Step | None:
        """The step before ``current_id``; ``None`` means the usager is at the first one."""
        steps = self.applicable_steps(answers)
        ids = [s.id for s in steps]
        if current_id not in ids:
            return None
        index = ids.index(current_id)
        return steps[index - 1] if index > 0 else None

    def _nearest_after(self, current_id: str, steps: list[Step]) -> Step | None:
        order = [s.id for s in self.demarche.steps]
        position = order.index(current_id)
        for step in steps:
            if order.index(step.id) > position:
                return step
        return None

    def position(self, step_id: str, answers: Mapping[str, Any]) -> Position:
        steps = self.applicable_steps(answers)
        ids = [s.id for s in steps]
        return Position(ids.index(step_id) + 1 if step_id in ids else 0, len(steps))

    def validate(self, question: Question, raw: Any) -> Checked:
        if raw in (None, "") and not question.required:
            return Checked(None)
        return check(question, raw, self._today())

    def prune(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Only the answers of questions that still apply."""
        keep = {s.id for s in self.applicable_steps(answers) if isinstance(s, Question)}
        return {key: value for key, value in answers.items() if key in keep}

    def missing(self, answers: Mapping[str, Any], pieces: Mapping[str, int]) -> list[Step]:
        """Required steps still unanswered; ``pieces`` maps a pièce id to its page count."""
        missing: list[Step] = []
        for step in self.applicable_steps(answers):
            if not step.required:
                continue
            unanswered = isinstance(step, Question) and answers.get(step.id) is None
            unscanned = isinstance(step, PieceStep) and not pieces.get(step.id)
            if unanswered or unscanned:
                missing.append(step)
        return missing
