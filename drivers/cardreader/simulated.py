"""A simulated PC/SC reader holding médiateur badges, for ``--demo`` and the tests.

``insert()`` and ``remove()`` stand for a hand at the reader. Events reach the listener on the
reader's own monitoring thread, never on the caller's, as with pyscard's CardMonitor, so the
application's thread hand-off is exercised. A card present before ``start()`` is reported at
start (pyscard #231 missed it). PIN checks follow ISO 7816 VERIFY: a wrong PIN answers 63Cx
(WRONG, x tries left, possibly 0), a card with no tries left answers 6983 (BLOCKED), the right
PIN resets the counter.

Fault knobs: ``unplugged`` -> no reader, no events, ``verify_pin`` raises DeviceNotFound;
a "disconnected" or "card_error" (one-shot or sticky) makes the next ``verify_pin`` raise.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass

from drivers.cardreader.interface import (
    CardEvent,
    CardListener,
    CardReader,
    PinResult,
    PinStatus,
)
from drivers.errors import CardError
from drivers.faults import FaultKnobs, fault_error

log = logging.getLogger(__name__)

_STOP = object()  # queue sentinel: ends the monitoring thread after pending events


@dataclass
class _Card:
    card_id: str
    pin: str
    max_tries: int
    tries_left: int


class SimulatedCardReader(CardReader):
    """One reader, ``reader_name``, into which badges are inserted by ``insert()``."""

    def __init__(
        self, knobs: FaultKnobs | None = None, *, reader_name: str = "Lecteur simulé"
    ) -> None:
        self.knobs = knobs if knobs is not None else FaultKnobs()
        self.reader_name = reader_name
        # Guards _card and _thread: the hand (test, demo panel) and the app's worker race.
        self._lock = threading.Lock()
        self._card: _Card | None = None
        self._events: queue.Queue[object] = queue.Queue()
        self._thread: threading.Thread | None = None

    # --- the hand at the reader -------------------------------------------------------

    def insert(self, card_id: str, pin: str = "1234", tries: int = 3) -> None:
        """Insert a badge whose PIN counter allows ``tries`` (0: already blocked).

        A badge already in the reader is removed first.
        """
        if tries < 0:
            raise ValueError("tries cannot be negative")
        with self._lock:
            if self._card is not None:
                self._post(CardEvent(self.reader_name, inserted=False))
            self._card = _Card(card_id, pin, max_tries=tries, tries_left=tries)
            self._post(CardEvent(self.reader_name, inserted=True, card_id=card_id))

    def remove(self) -> None:
        """Take the badge out; nothing happens if the reader is empty."""
        with self._lock:
            if self._card is not None:
                self._card = None
                self._post(CardEvent(self.reader_name, inserted=False))

    # --- CardReader ---------------------------------------------------------------------

    def readers(self) -> list[str]:
        return [] if self.knobs.unplugged else [self.reader_name]

    def start(self, listener: CardListener) -> None:
        thread = threading.Thread(
            target=self._deliver, args=(listener,), name="cardreader-sim", daemon=True
        )
        with self._lock:  # so an insert() racing start() is reported exactly once
            if self._thread is not None:
                raise RuntimeError("card reader already started")
            self._thread = thread
            thread.start()
            if self._card is not None:
                self._post(CardEvent(self.reader_name, inserted=True, card_id=self._card.card_id))

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        self._events.put(_STOP)  # after the pending events: they are all delivered first
        if thread is not threading.current_thread():  # a listener may call stop() itself
            thread.join()

    def verify_pin(self, pin: str) -> PinResult:
        self.knobs.check_present(self.reader_name)
        fault = self.knobs.take(lambda code: code in ("disconnected", "card_error"))
        if fault:
            raise fault_error(fault, self.reader_name)
        with self._lock:
            card = self._card
            if card is None:
                raise CardError(self.reader_name, "no card in the reader")
            return _verify(card, pin)

    # --- monitoring thread --------------------------------------------------------------

    def _post(self, event: CardEvent) -> None:
        """Queue ``event`` for the monitoring thread (caller holds the lock).

        No reader, no event; before start() nobody listens (start reports the card).
        """
        if not self.knobs.unplugged and self._thread is not None:
            self._events.put(event)

    def _deliver(self, listener: CardListener) -> None:
        while (item := self._events.get()) is not _STOP:
            assert isinstance(item, CardEvent)
            try:
                listener(item)
            except Exception:  # a listener bug must not end monitoring for the whole day
                log.exception("card event listener failed")


def _verify(card: _Card, pin: str) -> PinResult:
    """ISO 7816 VERIFY against ``card``'s retry counter (caller holds the lock)."""
    if card.tries_left == 0:
        return PinResult(PinStatus.BLOCKED, tries_left=0)  # 6983
    if pin != card.pin:
        card.tries_left -= 1
        return PinResult(PinStatus.WRONG, tries_left=card.tries_left)  # 63Cx
    card.tries_left = card.max_tries
    return PinResult(PinStatus.OK, tries_left=card.tries_left)  # 9000
