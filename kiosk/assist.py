"""The médiateur's assist mode, without a toolkit: badge, PIN, lockout, journal.

::

    LOCKED ──enrolled badge──▶ AWAITING_PIN ──right PIN──▶ OPEN
       ▲                           │                        │
       └──── badge removed, wrong badge, "Fermer", end of session ◀───────┘

The mode is an overlay on the usager's session, never a replacement: nothing here touches
the session. Removing the badge locks at once (the reader reports a removal within a few
hundred milliseconds). Wrong PINs: after ``max_failures`` in a row the badge is refused for
``lockout_s``, doubled at each new lockout, so guessing a 4-digit PIN takes years, while a
médiateur who mistypes loses seconds. Every step is in the journal under the médiateur's
pseudonym; PINs and badge numbers never are.

Card events arrive on the reader's thread: the owner (``ui``) hands them to its own thread
before calling ``badge_inserted`` / ``badge_removed``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum

from drivers.cardreader.interface import PinResult, PinStatus
from kiosk.mediateurs import Mediateur, MediateurRegistry
from offline_cache.journal import Journal
from offline_cache.outbox import iso

LOG = logging.getLogger("kiosk.assist")
KIOSK_ACTOR = "kiosk"


class AssistState(Enum):
    LOCKED = "locked"
    AWAITING_PIN = "awaiting_pin"
    OPEN = "open"


@dataclass(frozen=True)
class PinAnswer:
    accepted: bool
    message: str  # for the médiateur, in French
    retry_in_s: float = 0.0


@dataclass
class _Failures:
    count: int = 0
    lockouts: int = 0
    locked_until: datetime = field(default_factory=lambda: datetime.min.replace(tzinfo=UTC))


StateListener = Callable[[AssistState], None]
CardPin = Callable[[str], PinResult]


class AssistMode:
    def __init__(
        self,
        registry: MediateurRegistry,
        journal: Journal,
        *,
        card_pin: CardPin | None = None,
        max_failures: int = 3,
        lockout_s: float = 30.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.registry = registry
        self.journal = journal
        self._card_pin = card_pin
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self._clock = clock
        self.state = AssistState.LOCKED
        self.mediateur: Mediateur | None = None  # the badge holder, from AWAITING_PIN on
        self._listeners: list[StateListener] = []

    def subscribe(self, listener: StateListener) -> None:
        self._listeners.append(listener)

    def _set(self, state: AssistState) -> None:
        if state is not self.state:
            self.state = state
            for listener in self._listeners:
                listener(state)

    # -- the badge -----------------------------------------------------------------------

    def badge_inserted(self, card_id: str | None) -> bool:
        """A badge is presented; True if it is an enrolled médiateur's (the PIN comes next)."""
        if self.state is AssistState.OPEN:
            self.close("badge_changed")
        mediateur = self.registry.find(card_id) if card_id else None
        if mediateur is None:
            self.journal.append("assist.badge_refused", KIOSK_ACTOR, self._clock())
            self.mediateur = None
            self._set(AssistState.LOCKED)
            return False
        self.mediateur = mediateur
        self._set(AssistState.AWAITING_PIN)
        return True

    def badge_removed(self) -> None:
        """Locks at once, whatever the state: the badge is the médiateur's presence. The lock
        comes first: a journal that cannot be written must never keep the mode open."""
        was_open, mediateur = self.state is AssistState.OPEN, self.mediateur
        self.mediateur = None
        self._set(AssistState.LOCKED)
        if was_open and mediateur is not None:
            self._journal_safely("assist.closed", mediateur.mediateur_id, reason="badge_removed")

    # -- the PIN -------------------------------------------------------------------------

    def enter_pin(self, pin: str) -> PinAnswer:
        """The whole PIN step at once (for callers that may wait ~150 ms: argon2, the card)."""
        refused = self.pin_gate()
        if refused is not None or self.mediateur is None:
            return refused or PinAnswer(False, "Présentez d'abord votre badge.")
        mediateur = self.mediateur
        return self.settle_pin(mediateur, self.check_pin(mediateur, pin))

    def pin_gate(self) -> PinAnswer | None:
        """A refusal before any check (no badge, locked out), or None: go on and check."""
        mediateur = self.mediateur
        if self.state is not AssistState.AWAITING_PIN or mediateur is None:
            return PinAnswer(False, "Présentez d'abord votre badge.")
        wait = self._load_failures(mediateur.mediateur_id).locked_until - self._clock()
        if wait.total_seconds() > 0:
            return PinAnswer(False, _locked_message(wait.total_seconds()), wait.total_seconds())
        return None

    def check_pin(self, mediateur: Mediateur, pin: str) -> str:
        """The slow part, safe on any thread (the store has its lock, the card its own
        connection): "" when right, "wrong" or "blocked" otherwise."""
        return self._check(mediateur, pin)

    def settle_pin(self, mediateur: Mediateur, problem: str) -> PinAnswer:
        """Count the failure or open the mode, on the owner's thread. A badge taken out or
        changed while the PIN was being checked wins: nothing opens for a médiateur gone."""
        if self.state is not AssistState.AWAITING_PIN or self.mediateur is not mediateur:
            return PinAnswer(False, "Présentez d'abord votre badge.")
        now = self._clock()
        failures = self._load_failures(mediateur.mediateur_id)
        if problem == "blocked":  # said like a wrong PIN: "blocked" must not confirm a guess
            self.journal.append("assist.card_blocked", mediateur.mediateur_id, now)
        if problem:
            return self._failed(mediateur, failures, now)
        if failures.count or failures.lockouts:
            self.registry.set_failures(mediateur.mediateur_id, 0, 0, "")
        self.journal.append("assist.opened", mediateur.mediateur_id, now)
        self._set(AssistState.OPEN)
        return PinAnswer(True, f"Mode accompagnement ouvert : {mediateur.display_name}.")

    def _check(self, mediateur: Mediateur, pin: str) -> str:
        """ "" when the PIN is right; "wrong" or "blocked" otherwise."""
        if not self.registry.pin_matches(mediateur.mediateur_id, pin):
            return "wrong"
        if self._card_pin is None:
            return ""
        try:
            result = self._card_pin(pin)  # a badge with a PIN of its own checks it too
        except Exception as exc:  # the reader or the card failed: never open on doubt
            LOG.warning("card PIN check failed: %s", type(exc).__name__)
            return "wrong"
        if result.status is PinStatus.BLOCKED:
            return "blocked"
        return "wrong" if result.status is PinStatus.WRONG else ""

    def _failed(self, mediateur: Mediateur, failures: _Failures, now: datetime) -> PinAnswer:
        failures.count += 1
        self.journal.append(
            "assist.pin_failed", mediateur.mediateur_id, now, failures=failures.count
        )
        left = self.max_failures - failures.count
        if left > 0:
            self._save_failures(mediateur.mediateur_id, failures)
            return PinAnswer(False, f"Code incorrect. Encore {left} essai(s).")
        delay = self.lockout_s * 2 ** min(failures.lockouts, 20)
        failures.count, failures.lockouts = 0, failures.lockouts + 1
        failures.locked_until = now + timedelta(seconds=delay)
        self._save_failures(mediateur.mediateur_id, failures)
        self.journal.append("assist.locked_out", mediateur.mediateur_id, now, seconds=int(delay))
        return PinAnswer(False, _locked_message(delay), delay)

    def _load_failures(self, mediateur_id: str) -> _Failures:
        """Kept in the store: a restart neither lifts a lockout nor gives fresh tries."""
        count, lockouts, until = self.registry.failures(mediateur_id)
        failures = _Failures(count, lockouts)
        if until:
            failures.locked_until = datetime.fromisoformat(until.replace("Z", "+00:00"))
        return failures

    def _save_failures(self, mediateur_id: str, failures: _Failures) -> None:
        until = "" if failures.locked_until.year == 1 else iso(failures.locked_until)
        self.registry.set_failures(mediateur_id, failures.count, failures.lockouts, until)

    # -- closing -------------------------------------------------------------------------

    def close(self, reason: str) -> None:
        """Leave the assist mode ("Fermer", the session ended): with the badge still in the
        reader, the PIN is asked again to come back."""
        was_open, mediateur = self.state is AssistState.OPEN, self.mediateur
        self._set(AssistState.AWAITING_PIN if mediateur else AssistState.LOCKED)
        if was_open and mediateur is not None:
            self._journal_safely("assist.closed", mediateur.mediateur_id, reason=reason)

    def _journal_safely(self, action: str, actor: str, **detail: object) -> None:
        try:
            self.journal.append(action, actor, self._clock(), **detail)
        except Exception as exc:  # logged; the lock already happened
            LOG.error("journal entry %s not written", action, exc_info=exc)

    @property
    def actor(self) -> str:
        """Who acts now, for the journal and the answers' attribution."""
        if self.state is AssistState.OPEN and self.mediateur is not None:
            return self.mediateur.mediateur_id
        return "usager"


def _locked_message(seconds: float) -> str:
    return f"Trop d'essais : réessayez dans {max(1, round(seconds))} secondes."
