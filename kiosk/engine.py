"""The form engine: which step comes next, and whether an answer is valid.

It renders nothing. Given a démarche and the answers so far, it says which steps apply (a
step's ``when`` may hide it), where the usager is, what comes after and before, and what is
still missing before the dossier can be sealed. Answers of steps that no longer apply (the
usager went back and changed an earlier answer) are pruned, never sealed.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.demarche import Demarche, PieceStep, Question, Step
from kiosk.fields import Checked, check
from kiosk.rules import Rule

# Beyond this many branch combinations, the count announced is the longest among the first ones.
MAX_BRANCH_COMBINATIONS = 64


@dataclass(frozen=True)
class Position:
    index: int  # 1-based, for "Étape 2 sur 7"
    count: int


class FormEngine:
    def __init__(self, demarche: Demarche, today: Callable[[], dt.date] = dt.date.today) -> None:
        self.demarche = demarche
        self.today = today

    def applicable_steps(self, answers: Mapping[str, Any]) -> list[Step]:
        # Conditions only refer to earlier questions, so one pass in order is enough, as long
        # as a condition sees only the answers of questions that still apply themselves (a
        # stale answer of a hidden question must not keep its own dependants visible).
        steps: list[Step] = []
        visible: dict[str, Any] = {}
        today = self.today()
        for step in self.demarche.steps:
            if step.applies(visible, today):
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
        index = ids.index(step_id) + 1 if step_id in ids else 0
        return Position(index, self._expected_count(answers, len(steps)))

    def _expected_count(self, answers: Mapping[str, Any], known: int) -> int:
        """How many steps the usager should expect in all, before every branch is known.

        Counting only what applies so far makes "Étape 1 sur 10" become "Étape 2 sur 11"
        once a branch opens. Instead, try each answer of the still unanswered questions that
        conditions depend on, and announce the longest path: the count can then only shrink.
        """
        pending = [
            step
            for step in self._conditioning_questions()
            if answers.get(step.id) is None and step.type in ("choice", "yesno", "multichoice")
        ]
        if not pending:
            return known
        choices = [self._branch_answers(q) for q in pending]
        ids = [q.id for q in pending]
        combinations = itertools.islice(itertools.product(*choices), MAX_BRANCH_COMBINATIONS)
        return max(
            len(self.applicable_steps({**answers, **dict(zip(ids, combo, strict=True))}))
            for combo in combinations
        )

    @staticmethod
    def _branch_answers(question: Question) -> list[Any]:
        if question.type == "yesno":
            return [True, False]
        if question.type == "multichoice":
            # Conditions on a multiple choice are "contains": ticking everything opens every
            # branch at once, the longest path.
            return [[o.value for o in question.options]]
        return [o.value for o in question.options]

    def _conditioning_questions(self) -> list[Question]:
        named = {key for step in self.demarche.steps if step.when for key in step.when.keys}
        return [s for s in self.demarche.steps if isinstance(s, Question) and s.id in named]

    def validate(self, question: Question, raw: Any) -> Checked:
        blank = raw is None or (isinstance(raw, str) and not raw.strip())
        if blank and not question.required:
            return Checked(None)
        return check(question, raw, self.today())

    def prune(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Only the answers of questions that still apply."""
        keep = {s.id for s in self.applicable_steps(answers) if isinstance(s, Question)}
        return {key: value for key, value in answers.items() if key in keep}

    def broken_rules(self, answers: Mapping[str, Any], involving: str | None = None) -> list[Rule]:
        """Rules the answers break; with ``involving``, only the rules that read that question
        (checked when it is answered, so a change from the récapitulatif is checked too)."""
        kept = self.prune(answers)
        return [
            rule
            for rule in self.demarche.rules
            if (involving is None or involving in rule.fields) and rule.broken(kept, self.today())
        ]

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
