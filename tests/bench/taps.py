"""Screens and taps on the shortest complete path of each démarche, and its longest branch.

For each bundled démarche, a depth-first search over the form engine's branches finds the set
of answers that makes the fewest steps apply while the dossier can still be sealed (nothing
missing, no cross-field rule broken), and the path with the most steps, for contrast. The
path found is replayed through a real ``Session`` to check that it ends on a sealable
récapitulatif. Plain Python: no widget is built.

Branches: every option of a choice, oui and non, each single option of a multiple choice
(and all of them, the widest branch), an optional question left empty or answered, an
optional pièce skipped or scanned, and, for a date that a condition reads as an age, one age
on each side of every threshold. Any other question gets one realistic valid answer (the
first of a short list that the field check and the rules accept).

Counting convention
-------------------
Screens: home, the family's list, the démarche's intro ("what to bring"), one per step that
applies, the récapitulatif, the receipt. An overlay (e.g. the single-use notice of an
e-photo code) is not a screen. A démarche alone in its family has no list (the kiosk goes
from the family's tile straight to its intro): one screen and one tap fewer.

Taps: the family tile, the démarche tile, "Commencer"; then on each step: a choice 1 (the
option), a multiple choice 1 per option ticked, oui/non 1, a one-box field (text, number,
e-mail, phone, postal code, NEPH, plate, VIN, timbre, e-photo) 1 to focus its box, a date 3
(day, month, year boxes), an address 1 per box filled (numéro, voie, code postal, commune), a
group 1 per box filled or option chosen in each of its ``min_items`` entries, a pièce 1
"Numériser" per page (1 page; 2 when the pièce says recto et verso: "Numériser" then
"Ajouter une page" on the flatbed), an optional question or pièce left out 0; plus 1
"Continuer" per step, 1 "OK" on a notice overlay, "Envoyer" on the récapitulatif and
"Terminer" on the receipt. Keystrokes are not taps: they are reported as characters typed
(a date is 8 digits).

    python -m tests.bench.taps        (also run by ``python -m tests.bench``)
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kiosk.catalog import BUNDLED_DIR, load_catalog
from kiosk.demarche import Demarche, PieceStep, Question, Step
from kiosk.engine import FormEngine
from kiosk.fields import check
from kiosk.pieces import PageImage
from kiosk.session import RECAP, Session
from tests.support import journey

# home, family list, intro, récapitulatif, receipt
FIXED_SCREENS = 5
# family tile, démarche tile, "Commencer", "Envoyer", "Terminer"
FIXED_TAPS = 5
ONE_BOX_TYPES = (
    "text",
    "number",
    "email",
    "phone",
    "postal_code",
    "neph",
    "plate",
    "vin",
    "timbre_fiscal",
    "ephoto",
)
ADDRESS = {"numero": "12", "voie": "rue des Lilas", "code_postal": "69003", "commune": "Lyon"}
# Realistic answers, most specific first: (a word in the question's id, what is typed).
TEXT_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("prenom", (journey.PRENOMS, "Paul")),
    ("nom_usage", ("Martin",)),
    ("raison", ("Garage Martin SARL",)),
    ("nom", (journey.NOM, "Martin")),
    ("cp", ("69003",)),
    ("rna", ("W691234567",)),
    ("siret", ("12345678901234",)),
    ("heure", ("14h30",)),
    ("objet", ("Entretenir un jardin partagé et organiser des ateliers de jardinage.",)),
    ("titre", ("Les Amis du Jardin Partagé", "Jardins Partagés de Lyon")),
    ("lieu", ("Lyon",)),
    ("domicile", ("12 rue des Lilas 69003 Lyon",)),
    ("profession", ("Retraitée",)),
    ("nationalite", ("Française",)),
    ("agrement", ("PR6900012D",)),
    ("beneficiaire", ("Les Restos du Cœur",)),
    ("code", ("AB12345",)),
    ("formule", ("AB12345",)),
)
TEXT_FALLBACK = ("Martin", "Paul Durand", "AB12345", "Lyon")
TYPED: dict[str, tuple[str, ...]] = {
    "email": (journey.EMAIL, "paul.durand@exemple.fr"),
    "phone": ("0612345678",),
    "postal_code": ("69003",),
    "neph": ("170392100012",),
    "plate": ("AB-123-CD",),
    "vin": ("VF1AB000123456789",),
    "timbre_fiscal": (journey.TIMBRE,),
    "ephoto": (journey.EPHOTO,),
}
NUMBER_HINTS = (("taille", "172"), ("kilometrage", "85000"))
# Ages tried for a date of birth that no condition reads (the first accepted wins); days
# ago for any other date.
BIRTH_AGES = (40, 10, 16, 17, 20)
OTHER_DAYS_AGO = (20, 400, 1500, 3700, 15000, -20)
ADULT_AGE = 40


# A group's own questions carry no condition: their answers are looked for without one.
_NO_DEMARCHE = Demarche(id="none", version="0", title="", summary="", family="", after=())


@dataclass(frozen=True)
class Move:
    """What the usager does on one step's screen."""

    step_id: str
    answer: Any  # the raw answer, as the screen would hand it to the session
    taps: int  # including "Continuer" (and "OK" on a notice)
    chars: int
    pages: int = 0  # for a pièce: pages scanned (0: an optional pièce left out)
    piece: bool = False


@dataclass(frozen=True)
class Path:
    demarche_id: str
    moves: tuple[Move, ...]

    @property
    def screens(self) -> int:
        return FIXED_SCREENS + len(self.moves)

    @property
    def taps(self) -> int:
        return FIXED_TAPS + sum(m.taps for m in self.moves)

    @property
    def chars(self) -> int:
        return sum(m.chars for m in self.moves)

    def key(self) -> tuple[int, int, int]:
        return (self.screens, self.taps, self.chars)

    def branches(self, demarche: Demarche) -> dict[str, Any]:
        """The answers that chose the branch (those a condition reads)."""
        read = _branch_keys(demarche)
        return {m.step_id: m.answer for m in self.moves if m.step_id in read}


@dataclass(frozen=True)
class Result:
    shortest: Path
    longest: Path
    session: Session  # the shortest path replayed: at the récapitulatif, ready to seal


def _date_text(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def birth_date(age: int, today: dt.date) -> str:
    """A date of birth of someone ``age`` years old (and a month) today."""
    try:
        anniversary = today.replace(year=today.year - age)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - age, day=28)
    return _date_text(anniversary - dt.timedelta(days=30))


def _branch_keys(demarche: Demarche) -> set[str]:
    """Questions whose answer a step's or a rule's condition reads."""
    conditions = [s.when for s in demarche.steps if s.when]
    conditions += [r.when for r in demarche.rules if r.when]
    return {key for condition in conditions for key in condition.keys}


def _age_thresholds(demarche: Demarche, key: str) -> set[int]:
    conditions = [s.when for s in demarche.steps if s.when]
    return {
        int(clause.values[0])
        for condition in conditions
        for clause in condition.clauses
        if clause.key == key and clause.operator in ("age_below", "age_at_least")
    }


def _valid(question: Question, raw: Any, today: dt.date) -> bool:
    return check(question, raw, today).ok


def _text_candidates(question: Question) -> list[str]:
    hinted = [v for word, values in TEXT_HINTS if word in question.id for v in values]
    every = [v for _, values in TEXT_HINTS for v in values]
    return list(dict.fromkeys([*hinted, *TEXT_FALLBACK, *every]))


def _raw_candidates(question: Question, demarche: Demarche, today: dt.date) -> list[Any]:
    """Answers to try, in order of preference; each passes the field check alone."""
    kind = question.type
    raws: list[Any]
    if kind == "choice":
        raws = [o.value for o in question.options]
    elif kind == "yesno":
        raws = [False, True]
    elif kind == "multichoice":
        raws = [[o.value] for o in question.options]
        if len(question.options) > 1:
            raws.append([o.value for o in question.options])
    elif kind == "date":
        thresholds = _age_thresholds(demarche, question.id)
        if thresholds:
            ages = sorted({a for t in thresholds for a in (t - 1, t)} | {ADULT_AGE})
            raws = [birth_date(a, today) for a in ages if a >= 0]
        elif "naissance" in question.id:
            raws = [birth_date(a, today) for a in BIRTH_AGES]
        else:
            raws = [_date_text(today - dt.timedelta(days=d)) for d in OTHER_DAYS_AGO]
    elif kind == "address":
        raws = [dict(ADDRESS)]
    elif kind == "group":
        raws = [_group_entries(question, today)]
    elif kind == "number":
        raws = [v for word, v in NUMBER_HINTS if word in question.id] + ["172", "85000", "1"]
    elif kind == "text":
        raws = _text_candidates(question)
    else:
        raws = list(TYPED.get(kind, ()))
    return [raw for raw in raws if _valid(question, raw, today)]


def _group_entries(question: Question, today: dt.date) -> list[dict[str, Any]]:
    entry: dict[str, Any] = {}
    for sub in question.fields:
        if not sub.required:
            entry[sub.id] = None  # left empty
            continue
        found = _raw_candidates(sub, _NO_DEMARCHE, today)
        entry[sub.id] = found[0] if found else None
    return [dict(entry) for _ in range(max(question.min_items, 1))]


def _cost(question: Question, raw: Any) -> tuple[int, int]:
    """(taps, characters typed) to enter ``raw``, without "Continuer"."""
    if raw is None:
        return 0, 0  # an optional question left empty
    kind = question.type
    if kind in ("choice", "yesno"):
        return 1, 0
    if kind == "multichoice":
        return len(raw), 0
    if kind == "date":
        return 3, sum(c.isdigit() for c in raw)
    if kind == "address":
        filled = [v for v in raw.values() if v]
        return len(filled), sum(len(v) for v in filled)
    if kind == "group":
        taps = chars = 0
        for entry in raw:
            for sub in question.fields:
                sub_taps, sub_chars = _cost(sub, entry.get(sub.id))
                taps, chars = taps + sub_taps, chars + sub_chars
        return taps, chars
    return 1, len(str(raw))


def _recto_verso(step: PieceStep) -> bool:
    text = " ".join((step.label, step.easy, step.help, *step.examples)).lower()
    return "recto" in text and "verso" in text and step.max_pages >= 2


def candidate_moves(step: Step, demarche: Demarche, today: dt.date) -> tuple[list[Move], bool]:
    """The moves to try on ``step``, and whether each is a branch (``False``: only the first
    that the rules accept is taken)."""
    if isinstance(step, PieceStep):
        pages = 2 if _recto_verso(step) else 1
        moves = [Move(step.id, None, pages + 1, 0, pages=pages, piece=True)]
        if not step.required:
            moves.insert(0, Move(step.id, None, 1, 0, pages=0, piece=True))
        return moves, not step.required
    assert isinstance(step, Question)
    branch = step.id in _branch_keys(demarche)
    moves = []
    for raw in _raw_candidates(step, demarche, today):
        taps, chars = _cost(step, raw)
        notice = check(step, raw, today).notice is not None
        moves.append(Move(step.id, raw, taps + 1 + notice, chars))
    if not step.required:
        moves.insert(0, Move(step.id, None, 1, 0))
        if not branch:
            moves = moves[:1]  # nothing reads it: leaving it empty is always shorter
    return moves, branch or not step.required


class _Search:
    def __init__(self, demarche: Demarche, today: dt.date, longest: bool) -> None:
        self.demarche = demarche
        self.engine = FormEngine(demarche, today=lambda: today)
        self.today = today
        self.longest = longest
        self.steps = demarche.steps
        self.moves = [candidate_moves(s, demarche, today) for s in self.steps]
        # Steps without a condition always apply: a lower bound on what is left.
        self.certain = [0] * (len(self.steps) + 1)
        for index in range(len(self.steps) - 1, -1, -1):
            self.certain[index] = self.certain[index + 1] + (self.steps[index].when is None)
        self.best: Path | None = None

    def _bound_fails(self, index: int, done: list[Move]) -> bool:
        if self.best is None:
            return False
        if self.longest:
            return len(done) + len(self.steps) - index <= len(self.best.moves)
        floor = len(done) + self.certain[index]
        best = len(self.best.moves)
        return floor > best or (
            floor == best and FIXED_TAPS + sum(m.taps for m in done) > self.best.taps
        )

    def _accepted(self, step: Step, move: Move, answers: dict[str, Any]) -> dict[str, Any] | None:
        """The answers after ``move``, or ``None`` when the session would refuse it."""
        if move.piece or move.answer is None:
            return answers
        assert isinstance(step, Question)
        checked = self.engine.validate(step, move.answer)
        if not checked.ok:
            return None
        after = {**answers, step.id: checked.value}
        if self.engine.broken_rules(after, involving=step.id):
            return None
        return after

    def run(self, index: int, answers: dict[str, Any], done: list[Move]) -> None:
        while index < len(self.steps) and not self.steps[index].applies(answers, self.today):
            index += 1
        if self._bound_fails(index, done):
            return
        if index == len(self.steps):
            self._leaf(done)
            return
        step = self.steps[index]
        moves, branch = self.moves[index]
        for move in moves:
            after = self._accepted(step, move, answers)
            if after is None:
                continue
            self.run(index + 1, after, [*done, move])
            if not branch:
                return  # one realistic answer is enough where nothing branches on it

    def _leaf(self, done: list[Move]) -> None:
        path = Path(self.demarche.id, tuple(done))
        if self.best is not None:
            better = (
                len(path.moves) > len(self.best.moves)
                if self.longest
                else path.key() < self.best.key()
            )
            if not better:
                return
        if replay(self.demarche, path, self.today) is not None:
            self.best = path


def _page() -> PageImage:
    return PageImage(b"", b"", 1, 1, 200)


def replay(demarche: Demarche, path: Path, today: dt.date) -> Session | None:
    """``path`` through a real session; the session at its récapitulatif, or ``None`` when
    the session disagrees (another step shown, an answer refused, something missing)."""
    session = Session(demarche, FormEngine(demarche, today=lambda: today))
    for move in path.moves:
        if session.current != move.step_id:
            return None
        if move.piece:
            if move.pages:
                session.set_pages(move.step_id, [_page() for _ in range(move.pages)])
        elif move.answer is not None and not session.answer(move.answer).ok:
            return None
        session.go_next()
    if session.current != RECAP or session.missing() or session.broken_rules():
        return None
    return session


def search(demarche: Demarche, today: dt.date | None = None) -> Result:
    """The shortest complete path (fewest screens, then taps, then characters), the longest
    one, and the shortest replayed through a session."""
    day = today or dt.date.today()
    paths = []
    for longest in (False, True):
        finder = _Search(demarche, day, longest)
        finder.run(0, {}, [])
        if finder.best is None:
            raise ValueError(f"{demarche.id}: no complete path can be sealed")
        paths.append(finder.best)
    session = replay(demarche, paths[0], day)
    assert session is not None
    return Result(paths[0], paths[1], session)


def table(
    results: Iterable[tuple[Demarche, Result]], alone: frozenset[str] = frozenset()
) -> list[str]:
    """The printed table: one row per démarche, then the total and the median. ``alone``:
    the ids of démarches alone in their family (no list screen, no démarche tile)."""
    rows = list(results)
    width = max(len("median"), *(len(d.id) for d, _ in rows))
    head = f"{'démarche':<{width}}  screens  taps  chars typed  worst screens  shortest branch"
    lines = [head, "-" * len(head)]
    counted = []
    for demarche, result in rows:
        short, saved = result.shortest, int(demarche.id in alone)
        branches = ", ".join(f"{k}={_shown(v)}" for k, v in short.branches(demarche).items())
        figures = (
            short.screens - saved,
            short.taps - saved,
            short.chars,
            result.longest.screens - saved,
        )
        counted.append(figures)
        lines.append(_row(demarche.id, width, figures) + f"  {branches}")
    lines.append("-" * len(head))
    columns = list(zip(*counted, strict=True))
    lines.append(_row("total", width, tuple(sum(c) for c in columns)))
    lines.append(_row("median", width, tuple(statistics.median(c) for c in columns)))
    return lines


def _row(name: str, width: int, figures: tuple[float, ...]) -> str:
    screens, taps, chars, worst = (f"{f:g}" for f in figures)
    return f"{name:<{width}}  {screens:>7}  {taps:>4}  {chars:>11}  {worst:>13}"


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "+".join(map(str, value))
    return str(value)


def main() -> int:
    catalog = load_catalog(BUNDLED_DIR)
    today = dt.date.today()
    results = [(d, search(d, today)) for d in catalog.demarches]
    alone = frozenset(f.demarches[0].id for f in catalog.families() if len(f.demarches) == 1)
    print(f"screens and taps on the shortest complete path ({len(results)} démarches):")
    print("\n".join(table(results, alone)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
