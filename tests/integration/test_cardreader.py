"""Médiateur badges through the real PC/SC stack: pcscd, the vpcd virtual reader, libpcsclite,
pyscard and ``PcscCardReader``; only the card is ours (``tests.support.virtual_badge``).

The set-up script installs vsmartcard-vpcd and starts pcscd: a machine without them fails here
with a message saying so, it is not skipped. pcscd's own presence poll (about 400 ms with
vpcd) sets the pace: each insertion or removal takes up to half a second to be seen.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from smartcard import scard

from drivers.cardreader.interface import CardEvent, PinResult, PinStatus
from drivers.cardreader.pcsc_reader import PcscCardReader
from drivers.errors import CardError, DeviceNotFound
from tests.support.virtual_badge import BADGE_AID, PORTS, VirtualBadge

READER_0, READER_1 = "Virtual PCD 00 00", "Virtual PCD 00 01"
UID = bytes.fromhex("04A22B7A1C5E80")  # a 7-byte NFC UID
SYSTEMD = Path("/run/systemd/system").is_dir()
PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
PCSCD_PIDFILE = Path("/run/pcscd/pcscd.pid")
SETUP_HINT = "run `bash packaging/dev/setup.sh test` (it installs vsmartcard-vpcd, starts pcscd)"


# --- the PC/SC side, seen directly ---------------------------------------------------------


def listed_readers() -> list[str]:
    """Readers pcscd lists now; [] when it cannot be reached."""
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        return []
    try:
        hresult, names = scard.SCardListReaders(context, [])
        return list(names) if hresult == scard.SCARD_S_SUCCESS else []
    finally:
        scard.SCardReleaseContext(context)


def wait_for_readers(timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while {READER_0, READER_1} - set(listed_readers()):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def card_in(reader: str) -> bool:
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    assert hresult == scard.SCARD_S_SUCCESS
    try:
        query = [(reader, scard.SCARD_STATE_UNAWARE)]
        hresult, states = scard.SCardGetStatusChange(context, 0, query)
        return hresult == scard.SCARD_S_SUCCESS and bool(states[0][1] & scard.SCARD_STATE_PRESENT)
    finally:
        scard.SCardReleaseContext(context)


def wait_for_card(reader: str, present: bool, timeout_s: float = 3.0) -> None:
    deadline = time.monotonic() + timeout_s
    while card_in(reader) != present:
        assert time.monotonic() < deadline, (
            f"pcscd never saw {reader} {'full' if present else 'empty'}"
        )
        time.sleep(0.02)


def start_pcscd() -> None:
    if SYSTEMD:
        subprocess.run(["systemctl", "start", "pcscd.socket", "pcscd.service"], check=True)
    else:
        # Daemonises; not with --auto-exit: nothing here would start it again.
        subprocess.run(
            ["pcscd"],
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    assert wait_for_readers(), f"pcscd started but lists no virtual reader; {SETUP_HINT}"


def stop_pcscd() -> None:
    if SYSTEMD:
        subprocess.run(["systemctl", "stop", "pcscd.socket", "pcscd.service"], check=True)
        return
    pid = int(PCSCD_PIDFILE.read_text().strip("\0\n "))
    os.kill(pid, signal.SIGTERM)
    # A killed daemon lingers as a zombie for a while here: wait for its socket, not its PID.
    deadline = time.monotonic() + 5
    while PCSCD_SOCKET.exists():
        assert time.monotonic() < deadline, "pcscd did not stop"
        time.sleep(0.02)


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def pcscd() -> Iterator[None]:
    if not wait_for_readers(timeout_s=2):
        pytest.fail(f"pcscd is not running or lists no vpcd reader: {SETUP_HINT}")
    yield
    if not wait_for_readers(timeout_s=2):  # whatever happened in between, leave it running
        start_pcscd()


class Events:
    """A listener recording events, and the thread each arrived on."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.received: list[tuple[float, str, CardEvent]] = []
        self._read = 0

    def __call__(self, event: CardEvent) -> None:
        with self._changed:
            self.received.append((time.perf_counter(), threading.current_thread().name, event))
            self._changed.notify_all()

    def next(self, timeout_s: float = 5.0) -> tuple[float, CardEvent]:
        """The next event not yet looked at, with the time it arrived."""
        with self._changed:
            arrived = self._changed.wait_for(lambda: len(self.received) > self._read, timeout_s)
            assert arrived, f"no card event within {timeout_s} s (seen: {self.received})"
            at, thread, event = self.received[self._read]
            self._read += 1
        assert thread == "cardreader-pcsc"  # delivered on the monitoring thread
        return at, event

    def quiet(self, for_s: float) -> None:
        time.sleep(for_s)
        with self._changed:
            assert len(self.received) == self._read, self.received[self._read :]


MakeBadge = Callable[..., VirtualBadge]
StartReader = Callable[[str], tuple[PcscCardReader, Events]]


@pytest.fixture
def badges() -> Iterator[MakeBadge]:
    """Makes badges; each is taken out at the end and pcscd seen empty, for the next test."""
    made: list[VirtualBadge] = []

    def make(uid: bytes = UID, reader: str = READER_0, **kwargs: Any) -> VirtualBadge:
        badge = VirtualBadge(uid, port=PORTS[reader], **kwargs)
        made.append(badge)
        return badge

    yield make
    for badge in made:
        badge.remove()
    for reader, port in PORTS.items():
        if any(badge.port == port for badge in made):
            wait_for_card(reader, present=False)


@pytest.fixture
def monitored() -> Iterator[StartReader]:
    """Starts a PcscCardReader on one reader; stopped at the end."""
    started: list[PcscCardReader] = []

    def start(reader: str = READER_0) -> tuple[PcscCardReader, Events]:
        card_reader, events = PcscCardReader(reader), Events()
        card_reader.start(events)
        started.append(card_reader)
        return card_reader, events

    yield start
    for card_reader in started:
        card_reader.stop()


# --- discovery ---------------------------------------------------------------------------------


def test_the_virtual_readers_are_listed_and_the_configured_name_restricts_them() -> None:
    assert {READER_0, READER_1} <= set(PcscCardReader().readers())
    assert PcscCardReader("pcd 00 01").readers() == [READER_1]  # a substring, any case
    assert PcscCardReader("Lecteur absent").readers() == []


# --- insertion, identifiers, removal --------------------------------------------------------


def test_a_contactless_badge_is_reported_with_its_uid(
    badges: MakeBadge, monitored: StartReader
) -> None:
    _, events = monitored(READER_0)
    badge = badges(UID).insert()
    _, event = events.next()
    assert event == CardEvent(READER_0, inserted=True, card_id="04A22B7A1C5E80")
    assert badge.seen(b"\x00\xa4") == []  # the UID was enough: no SELECT


def test_a_contact_badge_is_identified_by_its_application_serial(
    badges: MakeBadge, monitored: StartReader
) -> None:
    _, events = monitored(READER_0)
    badge = badges(bytes.fromhex("0A0B0C0D"), contactless=False).insert()
    _, event = events.next()
    assert event == CardEvent(READER_0, inserted=True, card_id="0A0B0C0D")
    assert badge.seen(b"\xff\xca")  # GET DATA UID first (answered 6D00)
    assert badge.seen(b"\x00\xa4\x04\x00\x08" + BADGE_AID)
    assert badge.seen(b"\x00\xca\x01\x00")


def test_61xx_and_6cxx_answers_are_followed(badges: MakeBadge, monitored: StartReader) -> None:
    _, events = monitored(READER_0)
    contact = badges(bytes.fromhex("0102030405"), contactless=False, t0_style=True).insert()
    _, event = events.next()
    assert event.card_id == "0102030405"
    assert contact.seen(b"\x00\xc0\x00\x00")  # GET RESPONSE after SELECT's 61xx
    assert contact.seen(b"\x00\xca\x01\x00\x05")  # GET DATA again with the Le of 6C05
    contact.remove()
    assert events.next()[1].inserted is False
    contactless = badges(UID, t0_style=True).insert()
    assert events.next()[1].card_id == UID.hex().upper()
    assert contactless.seen(bytes([0xFF, 0xCA, 0x00, 0x00, len(UID)]))


def test_a_card_without_an_identifier_is_reported_without_one(
    badges: MakeBadge, monitored: StartReader
) -> None:
    _, events = monitored(READER_0)
    badges(UID, contactless=False, application=False).insert()
    assert events.next()[1] == CardEvent(READER_0, inserted=True, card_id=None)


def test_a_badge_already_in_the_reader_is_reported_at_start(
    badges: MakeBadge, monitored: StartReader
) -> None:
    badges(UID).insert()
    wait_for_card(READER_0, present=True)
    _, events = monitored(READER_0)
    assert events.next()[1] == CardEvent(READER_0, inserted=True, card_id=UID.hex().upper())
    events.quiet(0.6)  # reported once


def test_removal_is_reported_within_a_second(badges: MakeBadge, monitored: StartReader) -> None:
    _, events = monitored(READER_0)
    badge = badges(UID).insert()
    events.next()
    removed_at = time.perf_counter()
    badge.remove()
    seen_at, event = events.next(timeout_s=2)
    assert event == CardEvent(READER_0, inserted=False)
    assert seen_at - removed_at < 1.0


def test_only_the_configured_reader_is_watched(badges: MakeBadge, monitored: StartReader) -> None:
    _, events = monitored(READER_1)
    badges(UID, reader=READER_0).insert()
    badges(bytes.fromhex("11223344"), reader=READER_1).insert()
    assert events.next()[1] == CardEvent(READER_1, inserted=True, card_id="11223344")
    events.quiet(0.6)


def test_a_failing_listener_does_not_end_monitoring(badges: MakeBadge) -> None:
    events = Events()

    def listener(event: CardEvent) -> None:
        events(event)
        if event.inserted:
            raise RuntimeError("a bug in the application")

    card_reader = PcscCardReader(READER_0)
    card_reader.start(listener)
    try:
        badge = badges(UID).insert()
        assert events.next()[1].inserted
        badge.remove()
        assert events.next()[1] == CardEvent(READER_0, inserted=False)
    finally:
        card_reader.stop()


# --- PIN ---------------------------------------------------------------------------------------


def test_pin_right_wrong_and_blocked_follow_the_badge_counter(
    badges: MakeBadge,
    monitored: StartReader,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    card_reader, events = monitored(READER_0)  # verify_pin has its own context meanwhile
    badge = badges(UID, pin="4821", tries=3).insert()
    events.next()
    assert card_reader.verify_pin("0000") == PinResult(PinStatus.WRONG, tries_left=2)
    assert card_reader.verify_pin("1111") == PinResult(PinStatus.WRONG, tries_left=1)
    assert card_reader.verify_pin("4821") == PinResult(PinStatus.OK)
    assert badge.tries_left == 3  # the right PIN reset the counter
    for left in (2, 1, 0):
        assert card_reader.verify_pin("9999") == PinResult(PinStatus.WRONG, tries_left=left)
    assert card_reader.verify_pin("4821") == PinResult(PinStatus.BLOCKED, tries_left=0)
    assert badge.seen(b"\x00\x20\x00\x80\x04" + b"4821")  # ISO 7816 VERIFY, PIN as ASCII
    assert all("4821" not in record.getMessage() for record in caplog.records)


def test_verify_finds_the_card_without_a_running_monitor(badges: MakeBadge) -> None:
    badges(UID, pin="1234", reader=READER_1).insert()
    wait_for_card(READER_1, present=True)
    assert PcscCardReader().verify_pin("1234") == PinResult(PinStatus.OK)


def test_a_badge_without_pin_is_not_supported(badges: MakeBadge, monitored: StartReader) -> None:
    card_reader, events = monitored(READER_0)
    badges(UID, pin=None).insert()
    events.next()
    assert card_reader.verify_pin("1234") == PinResult(PinStatus.NOT_SUPPORTED)


def test_a_card_without_the_badge_application_never_gets_a_verify(
    badges: MakeBadge, monitored: StartReader
) -> None:
    card_reader, events = monitored(READER_0)
    bank_card = badges(UID, contactless=False, application=False).insert()
    events.next()
    assert card_reader.verify_pin("1234") == PinResult(PinStatus.NOT_SUPPORTED)
    assert bank_card.seen(b"\x00\x20") == []  # its own PIN's tries are left alone


def test_verify_without_a_card_or_a_reader_raises_typed_errors() -> None:
    wait_for_card(READER_1, present=False)
    with pytest.raises(CardError):
        PcscCardReader(READER_1).verify_pin("1234")
    with pytest.raises(DeviceNotFound):
        PcscCardReader("Lecteur absent").verify_pin("1234")
    with pytest.raises(ValueError):
        PcscCardReader(READER_1).verify_pin("")  # an empty VERIFY is a status query


# --- surviving pcscd, stopping --------------------------------------------------------------


@pytest.fixture
def pcscd_restart() -> Iterator[Callable[[], None]]:
    """Stops pcscd; the test starts it again, and it is started here if the test did not."""
    yield stop_pcscd
    if not wait_for_readers(timeout_s=0.5):
        start_pcscd()


def test_monitoring_survives_a_pcscd_restart(
    badges: MakeBadge, monitored: StartReader, pcscd_restart: Callable[[], None]
) -> None:
    _, events = monitored(READER_0)
    badge = badges(UID).insert()
    assert events.next()[1].inserted
    stopped_at = time.perf_counter()
    pcscd_restart()
    seen_at, event = events.next(timeout_s=3)
    assert event == CardEvent(READER_0, inserted=False)  # the badge can no longer be vouched for
    assert seen_at - stopped_at < 1.0
    start_pcscd()
    badge.remove()  # vpcd closed its side when pcscd stopped: a hand inserts the badge again
    badge.insert()
    _, event = events.next(timeout_s=5)
    assert event == CardEvent(READER_0, inserted=True, card_id=UID.hex().upper())
    badge.remove()
    assert events.next(timeout_s=3)[1].inserted is False


def test_stop_is_prompt_idempotent_and_monitoring_can_start_again(badges: MakeBadge) -> None:
    card_reader = PcscCardReader(READER_0)
    card_reader.stop()  # never started: nothing to do
    badges(UID).insert()
    wait_for_card(READER_0, present=True)
    for _ in range(2):
        events = Events()
        card_reader.start(events)
        assert events.next()[1].inserted  # each start reports the badge present
        with pytest.raises(RuntimeError):
            card_reader.start(events)
        began = time.perf_counter()
        card_reader.stop()
        assert time.perf_counter() - began < 0.2  # SCardCancel, not the poll timeout
        card_reader.stop()
        events.quiet(0)  # stopping reports nothing
