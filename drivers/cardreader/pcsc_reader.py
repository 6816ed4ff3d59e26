"""Médiateur badges on a real PC/SC reader, through pyscard's low-level API (smartcard.scard).

The low-level API rather than pyscard's CardMonitor, which misses a card already inserted at
start (pyscard #231), deadlocks on quick taps (#220) and dies when pcscd restarts (#82).

Monitoring: one thread blocks in SCardGetStatusChange on every matching reader plus the PnP
pseudo-reader (readers plugged later), with a short timeout so ``stop()`` is prompt even
where SCardCancel is not honoured. pcscd signals a change as soon as its own presence poll sees
it (about every 400 ms with vpcd), so the timeout adds nothing to the removal latency.

Survival: whatever ends a PC/SC session (pcscd stopped or restarted, reader unplugged, a
context gone bad, an unexpected exception), the thread logs it, reports every card it knew
as removed (the session must lock: the badge can no longer be vouched for), waits with a
capped backoff and starts a new session, which reports the cards present again.

Card identifier: the PC/SC pseudo-APDU GET DATA UID (``FF CA``), which contactless readers
answer for the card; otherwise the badge application's serial (SELECT, then GET DATA).

Threads: pcsc-lite contexts must not be shared between threads while one blocks in
SCardGetStatusChange (SCardCancel is the one exception), so ``verify_pin`` and ``readers``
open their own short-lived context. Errors leave this module as ``drivers.errors`` types.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from smartcard import scard

from drivers.cardreader.interface import (
    CardEvent,
    CardListener,
    CardReader,
    PinResult,
    PinStatus,
)
from drivers.errors import CardError, DeviceDisconnected, DeviceError, DeviceNotFound

log = logging.getLogger(__name__)

DEVICE = "cardreader"
PNP_NOTIFICATION = "\\\\?PnP?\\Notification"  # pcsc-lite's pseudo-reader for reader changes
BADGE_AID = bytes.fromhex("F0") + b"PNBADGE"

_GET_UID = [0xFF, 0xCA, 0x00, 0x00, 0x00]
_SELECT_BADGE = [0x00, 0xA4, 0x04, 0x00, len(BADGE_AID), *BADGE_AID]
_GET_SERIAL = [0x00, 0xCA, 0x01, 0x00, 0x00]
_VERIFY = [0x00, 0x20, 0x00, 0x80]  # P2 0x80: the application's own PIN
_SW_OK = 0x9000
_SW_BLOCKED = 0x6983
# "No such PIN here": reference data not found, function / instruction / class not supported.
_SW_NO_PIN = frozenset({0x6A88, 0x6A81, 0x6D00, 0x6E00})
_MAX_EXCHANGES = 16  # 61xx / 6Cxx rounds for one command: a card looping on them is broken

# The card went away: not an error of the reader, the badge was simply taken out.
_CARD_GONE = frozenset({scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD})
# The session went away: pcscd stopped, the reader unplugged, the context is no longer valid.
_SESSION_GONE = frozenset(
    {
        scard.SCARD_E_NO_SERVICE,
        scard.SCARD_E_SERVICE_STOPPED,
        scard.SCARD_E_READER_UNAVAILABLE,
        scard.SCARD_E_UNKNOWN_READER,
        scard.SCARD_E_INVALID_HANDLE,
        scard.SCARD_F_COMM_ERROR,
        scard.SCARD_E_NO_READERS_AVAILABLE,
    }
)
_ABSENT = scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE
_FIRST_BACKOFF_S = 0.05
_HEALTHY_AFTER_S = 5.0  # a session that lived this long resets the backoff


class PcscError(Exception):
    """A PC/SC call failed (internal: turned into a ``DeviceError`` at the boundary)."""

    def __init__(self, call: str, hresult: int) -> None:
        self.hresult = hresult
        super().__init__(f"{call}: {_describe(hresult)}")


class _SessionLost(Exception):
    """The monitoring session must be rebuilt (context released, cards reported removed)."""


@dataclass
class _Known:
    """A card the monitor reported inserted."""

    card_id: str | None
    counter: int  # pcsc-lite's per-reader event counter: it moves when a card is swapped


class PcscCardReader(CardReader):
    """Badges on PC/SC readers whose name contains ``reader`` ("" = every reader)."""

    def __init__(self, reader: str = "", *, poll_ms: int = 250, max_backoff_s: float = 1.0) -> None:
        self.reader = reader
        self.poll_ms = poll_ms
        self.max_backoff_s = max_backoff_s
        self.device = f"{DEVICE} {reader!r}" if reader else DEVICE  # in errors without a reader
        # Guards _thread, _stopping, _context and _cards: the app's thread, the monitor and
        # the caller of verify_pin meet here.
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._context: int | None = None  # the monitor's, for SCardCancel from stop()
        self._cards: dict[str, _Known] = {}

    # --- CardReader ---------------------------------------------------------------------

    def readers(self) -> list[str]:
        try:
            with _context() as context:
                return self._matching(_list_readers(context))
        except PcscError as error:
            log.warning("card reader: cannot list readers (%s)", error)
            return []

    def start(self, listener: CardListener) -> None:
        with self._lock:
            if self._thread is not None:
                raise RuntimeError("card reader already started")
            # A fresh event per run: a thread stopped from its own listener may still be
            # finishing with the previous one.
            self._stopping = stopping = threading.Event()
            self._cards.clear()
            self._thread = threading.Thread(
                target=self._run, args=(listener, stopping), name="cardreader-pcsc", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is None:
                return
            self._stopping.set()
        if thread is threading.current_thread():  # a listener may call stop() itself
            return
        while thread.is_alive():
            with self._lock:
                if self._context is not None:
                    # The one call pcsc-lite allows on a context from another thread: it ends
                    # the monitor's SCardGetStatusChange at once instead of at its timeout.
                    # It is lost if the monitor is not waiting yet, hence the repeats.
                    scard.SCardCancel(self._context)
            thread.join(0.02)
        with self._lock:
            self._cards.clear()

    def verify_pin(self, pin: str) -> PinResult:
        command = _verify_command(pin)
        try:
            with _context() as context:
                reader = self._reader_with_card(context)
                try:
                    with _connected(context, reader) as card:
                        return _verify(card, command)
                except PcscError as error:
                    raise _device_error(reader, error) from None
        except PcscError as error:  # establishing the context or finding the reader
            raise _device_error(self.device, error) from None

    # --- monitoring thread --------------------------------------------------------------

    def _run(self, listener: CardListener, stopping: threading.Event) -> None:
        backoff = _FIRST_BACKOFF_S
        failures = 0
        while not stopping.is_set():
            began = time.monotonic()
            try:
                self._watch(listener, stopping, recovered=failures > 0)
                return  # only returns when stopping
            except _SessionLost as lost:
                # Once at warning level: pcscd may stay down for hours, retried every second.
                level = logging.WARNING if failures == 0 else logging.DEBUG
                log.log(level, "card reader: PC/SC session lost (%s); reconnecting", lost)
            except Exception:  # a bug or an unexpected library error must not end monitoring
                log.exception("card reader: monitoring failed; starting again")
            failures += 1
            self._forget_cards(listener)
            if time.monotonic() - began > _HEALTHY_AFTER_S:
                backoff = _FIRST_BACKOFF_S
            if stopping.wait(backoff):
                return
            backoff = min(backoff * 2, self.max_backoff_s)

    def _watch(self, listener: CardListener, stopping: threading.Event, recovered: bool) -> None:
        """One PC/SC session: raises ``_SessionLost`` when it has to be rebuilt."""
        try:
            context = _establish()
        except PcscError as error:
            raise _SessionLost(str(error)) from None
        with self._lock:
            self._context = context
        try:
            if recovered:
                log.info("card reader: PC/SC session re-established")
            self._loop(context, listener, stopping)
        finally:
            with self._lock:  # before releasing: stop() must never cancel a dead context
                self._context = None
            scard.SCardReleaseContext(context)

    def _loop(self, context: int, listener: CardListener, stopping: threading.Event) -> None:
        readers = self._session_readers(context)
        states: dict[str, int] = {}  # reader -> last state seen, fed back to pcsc-lite
        pnp: int | None = scard.SCARD_STATE_UNAWARE  # None: no PnP notifications here
        while not stopping.is_set():
            query = [(name, states.get(name, scard.SCARD_STATE_UNAWARE)) for name in readers]
            if pnp is not None:
                query.append((PNP_NOTIFICATION, pnp))
            if not query:  # pcsc-lite answers an empty list at once: do not spin
                stopping.wait(self.poll_ms / 1000)
                readers = self._session_readers(context)
                continue
            hresult, results = scard.SCardGetStatusChange(context, self.poll_ms, query)
            if hresult in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
                if pnp is None:  # nobody tells us about new readers: look for them
                    readers = self._refresh(context, listener, readers, states)
                continue
            if hresult != scard.SCARD_S_SUCCESS:
                raise _SessionLost(str(PcscError("SCardGetStatusChange", hresult)))
            relist = False
            for name, event, _atr in results:
                if name == PNP_NOTIFICATION:
                    pnp, changed = _pnp_state(event)
                    relist |= changed
                    continue
                states[name] = event & ~scard.SCARD_STATE_CHANGED
                relist |= bool(event & _ABSENT)  # that reader was unplugged
                self._update(context, listener, name, event)
            if relist:
                readers = self._refresh(context, listener, readers, states)

    def _session_readers(self, context: int) -> list[str]:
        try:
            return self._matching(_list_readers(context))
        except PcscError as error:
            raise _SessionLost(str(error)) from None

    def _refresh(
        self, context: int, listener: CardListener, readers: list[str], states: dict[str, int]
    ) -> list[str]:
        """The readers now attached; a card in a reader that went away is reported removed."""
        current = self._session_readers(context)
        for gone in set(readers) - set(current):
            states.pop(gone, None)
            self._update(context, listener, gone, scard.SCARD_STATE_UNKNOWN)
        for new in set(current) - set(readers):
            log.info("card reader: reader attached: %s", new)
        return current

    def _update(self, context: int, listener: CardListener, reader: str, event: int) -> None:
        """Turn one reader's new state into removal and insertion events."""
        present = bool(event & scard.SCARD_STATE_PRESENT) and not event & _ABSENT
        counter = (event >> 16) & 0xFFFF
        with self._lock:
            known = self._cards.get(reader)
            # A different event counter with a card still present: the badge was swapped
            # between two looks, the old one must be reported gone.
            if known is not None and (not present or known.counter != counter):
                del self._cards[reader]
            else:
                known = None
        if known is not None:
            _deliver(listener, CardEvent(reader, inserted=False))
        with self._lock:
            if not present or reader in self._cards:
                return
        try:
            card_id = _read_card_id(context, reader)
        except _CardGone:
            return  # taken out while being read: the next status change says it is empty
        with self._lock:
            self._cards[reader] = _Known(card_id, counter)
        _deliver(listener, CardEvent(reader, inserted=True, card_id=card_id))

    def _forget_cards(self, listener: CardListener) -> None:
        with self._lock:
            gone, self._cards = list(self._cards), {}
        for reader in gone:
            _deliver(listener, CardEvent(reader, inserted=False))

    # --- helpers ------------------------------------------------------------------------

    def _matching(self, names: list[str]) -> list[str]:
        wanted = self.reader.casefold()
        return [name for name in names if wanted in name.casefold()]

    def _reader_with_card(self, context: int) -> str:
        """The reader holding the badge: the one the monitor saw, else the first with a card."""
        with self._lock:
            known = list(self._cards)
        if known:
            return known[0]
        names = self._matching(_list_readers(context))
        if not names:
            raise DeviceNotFound(self.device, "no PC/SC reader")
        query = [(name, scard.SCARD_STATE_UNAWARE) for name in names]
        hresult, results = scard.SCardGetStatusChange(context, 0, query)
        _check("SCardGetStatusChange", hresult)
        for name, event, _atr in results:
            if event & scard.SCARD_STATE_PRESENT and not event & _ABSENT:
                return str(name)
        raise CardError(names[0], "no card in the reader")


# --- PC/SC calls ------------------------------------------------------------------------


class _CardGone(Exception):
    """The card was removed during an exchange."""


def _describe(hresult: int) -> str:
    return f"{scard.SCardGetErrorMessage(hresult)} (0x{hresult & 0xFFFFFFFF:08X})"


def _check(call: str, hresult: int) -> None:
    if hresult != scard.SCARD_S_SUCCESS:
        raise PcscError(call, hresult)


def _establish() -> int:
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    _check("SCardEstablishContext", hresult)
    return int(context)


@contextlib.contextmanager
def _context() -> Iterator[int]:
    context = _establish()
    try:
        yield context
    finally:
        scard.SCardReleaseContext(context)


def _list_readers(context: int) -> list[str]:
    hresult, names = scard.SCardListReaders(context, [])
    if hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
        return []
    _check("SCardListReaders", hresult)
    return [str(name) for name in names]


def _pnp_state(event: int) -> tuple[int | None, bool]:
    """The PnP pseudo-reader's state to pass next time (None: unsupported), and "changed"."""
    if event & scard.SCARD_STATE_UNKNOWN:
        return None, True  # this PC/SC stack has no PnP notification: poll the list instead
    return event & ~scard.SCARD_STATE_CHANGED, bool(event & scard.SCARD_STATE_CHANGED)


class _Card:
    """A connected card: APDU exchanges with ISO 7816 61xx / 6Cxx handling."""

    def __init__(self, reader: str, handle: Any, protocol: int) -> None:
        self.reader = reader
        self.handle = handle
        self.protocol = protocol

    def transmit(self, apdu: list[int]) -> tuple[bytes, int]:
        """Send ``apdu``; returns the whole response data and the final status word."""
        data = b""
        for _ in range(_MAX_EXCHANGES):
            chunk, sw = self._exchange(apdu)
            if sw >> 8 == 0x6C:  # wrong Le: the same command again with the exact length
                apdu = _with_le(apdu, sw & 0xFF)
                continue
            data += chunk
            if sw >> 8 != 0x61:
                return data, sw
            apdu = [0x00, 0xC0, 0x00, 0x00, sw & 0xFF]  # GET RESPONSE: the data waiting
        raise CardError(self.reader, "the card keeps asking for GET RESPONSE or a new Le")

    def _exchange(self, apdu: list[int]) -> tuple[bytes, int]:
        hresult, response = scard.SCardTransmit(self.handle, self.protocol, apdu)
        _check("SCardTransmit", hresult)
        if len(response) < 2:
            raise CardError(self.reader, "response without a status word")
        return bytes(response[:-2]), (response[-2] << 8) | response[-1]


@contextlib.contextmanager
def _connected(context: int, reader: str) -> Iterator[_Card]:
    """A shared connection inside a transaction, so another application (or our own
    monitor reading an id) cannot interleave its APDUs between our SELECT and VERIFY."""
    hresult, handle, protocol = scard.SCardConnect(
        context, reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
    )
    _check("SCardConnect", hresult)
    try:
        _check("SCardBeginTransaction", scard.SCardBeginTransaction(handle))
        try:
            yield _Card(reader, handle, int(protocol))
        finally:
            scard.SCardEndTransaction(handle, scard.SCARD_LEAVE_CARD)
    finally:
        scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)


def _with_le(apdu: list[int], le: int) -> list[int]:
    """``apdu`` with its Le replaced (cases 2 and 4) or added (cases 1 and 3)."""
    if len(apdu) == 4 or (len(apdu) > 5 and len(apdu) == 5 + apdu[4]):
        return [*apdu, le]
    return [*apdu[:-1], le]


def _read_card_id(context: int, reader: str) -> str | None:
    """The badge's identifier, None when it cannot be read (the app refuses such a badge)."""
    for attempt in range(2):
        try:
            with _connected(context, reader) as card:
                return _card_identifier(card)
        except PcscError as error:
            if error.hresult in _CARD_GONE:
                raise _CardGone from None
            if error.hresult in _SESSION_GONE:
                raise _SessionLost(str(error)) from None
            if error.hresult == scard.SCARD_W_RESET_CARD and attempt == 0:
                continue  # another application reset the card under us: read it again
            log.warning("card reader: badge unreadable on %s (%s)", reader, error)
        except CardError as error:
            log.warning("card reader: badge unreadable on %s (%s)", reader, error.detail)
        return None
    return None


def _card_identifier(card: _Card) -> str | None:
    uid, sw = card.transmit(_GET_UID)
    if sw == _SW_OK and uid:
        return uid.hex().upper()
    # A contact card (6D00, 6E00, 6A81...): ask the badge application for its serial.
    _, sw = card.transmit(_SELECT_BADGE)
    if sw != _SW_OK:
        log.info("card reader: not a médiateur badge (SELECT answered %04X)", sw)
        return None
    serial, sw = card.transmit(_GET_SERIAL)
    return serial.hex().upper() if sw == _SW_OK and serial else None


def _verify_command(pin: str) -> list[int]:
    """VERIFY with ``pin`` as ASCII; the PIN itself never appears in an error or a log."""
    try:
        digits = pin.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError("the PIN must be ASCII") from None
    # An empty VERIFY is a status query (tries left), not a check: refuse it here.
    if not 1 <= len(digits) <= 255:
        raise ValueError("the PIN must hold 1 to 255 characters")
    return [*_VERIFY, len(digits), *digits]


def _verify(card: _Card, command: list[int]) -> PinResult:
    _, sw = card.transmit(_SELECT_BADGE)
    if sw != _SW_OK:
        # Not our badge application: VERIFY would go to whatever application the card runs
        # by default, maybe a bank card's, and burn one of its tries.
        return PinResult(PinStatus.NOT_SUPPORTED)
    _, sw = card.transmit(command)
    return _pin_result(card.reader, sw)


def _pin_result(reader: str, sw: int) -> PinResult:
    if sw == _SW_OK:
        return PinResult(PinStatus.OK)  # the card does not say how many tries it has now
    if sw & 0xFFF0 == 0x63C0:
        return PinResult(PinStatus.WRONG, tries_left=sw & 0x0F)
    if sw == _SW_BLOCKED:
        return PinResult(PinStatus.BLOCKED, tries_left=0)
    if sw in _SW_NO_PIN:
        return PinResult(PinStatus.NOT_SUPPORTED)
    raise CardError(reader, f"VERIFY answered {sw:04X}")


def _device_error(device: str, error: PcscError) -> DeviceError:
    if error.hresult in _CARD_GONE:
        return CardError(device, "no card in the reader")
    if error.hresult == scard.SCARD_W_RESET_CARD:
        return CardError(device, "the card was reset by another application")
    if error.hresult in (scard.SCARD_E_NO_SERVICE, scard.SCARD_E_NO_READERS_AVAILABLE):
        return DeviceNotFound(device, str(error))
    if error.hresult in _SESSION_GONE:
        return DeviceDisconnected(device, str(error))
    return CardError(device, str(error))


def _deliver(listener: CardListener, event: CardEvent) -> None:
    try:
        listener(event)
    except Exception:  # a listener bug must not end monitoring for the whole day
        log.exception("card event listener failed")


__all__ = ["BADGE_AID", "PNP_NOTIFICATION", "PcscCardReader", "PcscError"]
