"""The assist mode's rules on a real store: enrolment, badge, PIN, lockout, journal."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from drivers.cardreader.interface import PinResult, PinStatus
from kiosk.assist import AssistMode, AssistState
from kiosk.mediateurs import EnrolmentError, MediateurRegistry
from offline_cache import Store, StoreError
from offline_cache.journal import GENESIS, Journal
from tests.support.backend_key import encrypt

BADGE = "04:A2:5F:1B:77:80"
KEY = bytes(range(32))  # the badge key, from the keyring in the kiosk
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path, encrypt=encrypt) as opened:
        yield opened


@pytest.fixture
def registry(store: Store) -> MediateurRegistry:
    return MediateurRegistry(store, KEY)


def assist(store: Store, clock: Clock, **kwargs: object) -> AssistMode:
    return AssistMode(MediateurRegistry(store, KEY), Journal(store), clock=clock, **kwargs)  # type: ignore[arg-type]


# -- enrolment -----------------------------------------------------------------------------


def test_nothing_that_opens_the_mode_is_on_disk_in_clear(
    registry: MediateurRegistry, tmp_path: Path
) -> None:
    registry.enroll("Karim", BADGE, "482913", T0)
    store_bytes = b"".join(p.read_bytes() for p in tmp_path.rglob("kiosk.sqlite3*"))
    assert b"482913" not in store_bytes
    assert b"04A25F1B7780" not in store_bytes and b"04:A2:5F" not in store_bytes
    assert KEY not in store_bytes and KEY.hex().encode() not in store_bytes  # in the keyring
    found = registry.find("04a25f1b7780")  # as another reader writes it
    assert found is not None and found.display_name == "Karim"
    assert registry.pin_matches(found.mediateur_id, "482913")
    assert not registry.pin_matches(found.mediateur_id, "482914")


@pytest.mark.parametrize(
    ("name", "badge", "pin"),
    [("", BADGE, "1234"), ("Karim", "", "1234"), ("Karim", BADGE, "12"), ("Karim", BADGE, "abcd")],
)
def test_a_bad_enrolment_is_refused_with_its_reason(
    registry: MediateurRegistry, name: str, badge: str, pin: str
) -> None:
    with pytest.raises(EnrolmentError):
        registry.enroll(name, badge, pin, T0)
    assert registry.all() == []


def test_a_badge_is_enrolled_once_and_a_disabled_one_no_longer_opens(
    registry: MediateurRegistry,
) -> None:
    karim = registry.enroll("Karim", BADGE, "1234", T0)
    with pytest.raises(EnrolmentError, match="déjà enrôlé"):
        registry.enroll("Autre", BADGE.lower(), "5678", T0)
    assert registry.disable(karim.mediateur_id, T0)
    assert registry.find(BADGE) is None
    assert [m.disabled for m in registry.all()] == [True]


# -- badge and PIN -------------------------------------------------------------------------


def test_badge_then_pin_opens_and_removing_the_badge_locks(store: Store) -> None:
    clock = Clock()
    MediateurRegistry(store, KEY).enroll("Karim", BADGE, "1234", T0)
    mode = assist(store, clock)
    seen: list[AssistState] = []
    mode.subscribe(seen.append)
    assert mode.enter_pin("1234").accepted is False  # no badge yet
    assert mode.badge_inserted(BADGE)
    assert mode.state is AssistState.AWAITING_PIN
    answer = mode.enter_pin("1234")
    assert answer.accepted and "Karim" in answer.message
    assert mode.state is AssistState.OPEN and mode.actor.startswith("M-")
    mode.badge_removed()
    assert mode.state is AssistState.LOCKED and mode.actor == "usager"
    assert seen == [AssistState.AWAITING_PIN, AssistState.OPEN, AssistState.LOCKED]
    actions = [e.action for e in Journal(store).entries()]
    assert actions == ["assist.opened", "assist.closed"]
    assert Journal(store).entries()[-1].detail == {"reason": "badge_removed"}


def test_an_unknown_badge_is_refused_and_journaled_without_its_number(store: Store) -> None:
    mode = assist(store, Clock())
    assert not mode.badge_inserted("DEADBEEF")
    assert not mode.badge_inserted(None)  # unreadable
    assert mode.state is AssistState.LOCKED
    entries = Journal(store).entries()
    assert [e.action for e in entries] == ["assist.badge_refused"] * 2
    assert all("DEADBEEF" not in str(e) for e in entries)


def test_wrong_pins_lock_the_badge_out_for_longer_each_time(store: Store) -> None:
    clock = Clock()
    MediateurRegistry(store, KEY).enroll("Karim", BADGE, "482913", T0)
    mode = assist(store, clock, max_failures=3, lockout_s=30.0)
    mode.badge_inserted(BADGE)
    assert mode.enter_pin("735102").message == "Code incorrect. Encore 2 essai(s)."
    assert mode.enter_pin("735102").message == "Code incorrect. Encore 1 essai(s)."
    locked = mode.enter_pin("735102")
    assert not locked.accepted and locked.retry_in_s == 30.0
    assert not mode.enter_pin("482913").accepted  # even the right PIN waits
    clock.now += timedelta(seconds=31)
    for _ in range(3):
        answer = mode.enter_pin("735102")
    assert answer.retry_in_s == 60.0  # doubled
    clock.now += timedelta(seconds=61)
    assert mode.enter_pin("482913").accepted
    actions = [e.action for e in Journal(store).entries()]
    assert actions.count("assist.pin_failed") == 6
    assert actions.count("assist.locked_out") == 2
    assert all("482913" not in str(e) and "735102" not in str(e) for e in Journal(store).entries())


def test_a_badge_with_its_own_pin_checks_it_too(store: Store) -> None:
    MediateurRegistry(store, KEY).enroll("Karim", BADGE, "1234", T0)
    answers = [PinResult(PinStatus.BLOCKED, 0), PinResult(PinStatus.OK, 3)]
    mode = assist(store, Clock(), card_pin=lambda pin: answers.pop(0))
    mode.badge_inserted(BADGE)
    blocked = mode.enter_pin("1234")
    # Refused, and said exactly like a wrong PIN: "blocked" would confirm the guess.
    assert not blocked.accepted and blocked.message == "Code incorrect. Encore 2 essai(s)."
    assert "assist.card_blocked" in [e.action for e in Journal(store).entries()]
    assert mode.enter_pin("1234").accepted


# -- the journal ---------------------------------------------------------------------------


def test_the_journal_is_a_chain_that_shows_any_change(store: Store, tmp_path: Path) -> None:
    journal = Journal(store)
    assert journal.head() == (0, GENESIS)
    for n in range(5):
        journal.append("assist.reprint", "M-7K2Q", T0, dossier="DEM-2A7-K9P", copies=n)
    assert journal.verify() == []
    seq, head = journal.head()
    assert seq == 5 and journal.entries()[-1].hash == head
    with pytest.raises(StoreError):  # free text never enters the journal
        journal.append("assist.override", "M-7K2Q", T0, reason="lunettes de Mme Dupont")
    db = sqlite3.connect(tmp_path / "kiosk.sqlite3")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE journal SET actor = 'M-XXXX' WHERE seq = 2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM journal WHERE seq = 2")
    # Someone who drops the triggers to rewrite history is still found out.
    db.execute("DROP TRIGGER journal_is_append_only_update")
    db.execute("UPDATE journal SET detail = '{\"copies\":9}' WHERE seq = 3")
    db.commit()
    db.close()
    assert journal.verify() == ["entry 3: its content does not match its hash"]


def test_the_badge_out_locks_even_when_the_journal_cannot_be_written(store: Store) -> None:
    MediateurRegistry(store, KEY).enroll("Karim", BADGE, "1234", T0)
    mode = assist(store, Clock())
    mode.badge_inserted(BADGE)
    assert mode.enter_pin("1234").accepted

    def broken(*args: object, **kwargs: object) -> None:
        raise StoreError("disk full", code="io_error")

    mode.journal.append = broken  # type: ignore[method-assign]
    mode.badge_removed()
    assert mode.state is AssistState.LOCKED and mode.mediateur is None


def test_a_lockout_survives_a_restart_and_a_badge_taken_out(store: Store) -> None:
    clock = Clock()
    MediateurRegistry(store, KEY).enroll("Karim", BADGE, "482913", T0)
    mode = assist(store, clock, max_failures=3, lockout_s=30.0)
    mode.badge_inserted(BADGE)
    for _ in range(3):
        mode.enter_pin("735102")
    mode.badge_removed()
    restarted = assist(store, clock, max_failures=3, lockout_s=30.0)  # a new process
    restarted.badge_inserted(BADGE)
    refused = restarted.enter_pin("482913")
    assert not refused.accepted and refused.retry_in_s == 30.0
    clock.now += timedelta(seconds=31)
    assert restarted.enter_pin("482913").accepted
