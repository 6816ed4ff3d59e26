"""The outbox's transitions on a real store on disk: each one durable, refused out of order."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from offline_cache import OutboxState, Store, StoreError
from offline_cache.outbox import Outbox, Upload
from tests.support.backend_key import encrypt
from tests.unit.test_store import make_submission

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def number(seq: int) -> str:
    return f"PN-{seq:06d}"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def outbox(data_dir: Path) -> Iterator[Outbox]:
    with Store.open(data_dir, encrypt=encrypt, clock=lambda: T0) as store:
        yield Outbox(store)


def seal(outbox: Outbox) -> str:
    return outbox.store.seal(make_submission(), number).submission_id


def test_a_dossier_goes_from_sealed_to_purged(outbox: Outbox, data_dir: Path) -> None:
    sid = seal(outbox)
    item = outbox.item(sid)
    assert item.entry.state is OutboxState.SEALED and item.uploads == {}
    first = item.files[0].name

    outbox.upload_created(sid, first, "http://b/files/1", T0)
    assert outbox.item(sid).entry.state is OutboxState.UPLOADING
    assert outbox.item(sid).uploads == {first: Upload("http://b/files/1", 0)}
    outbox.offset_confirmed(sid, first, 1234)
    assert outbox.item(sid).uploads[first].offset == 1234

    outbox.all_uploaded(sid, T0)
    assert outbox.item(sid).entry.state is OutboxState.COMMITTING
    outbox.acknowledged(sid, "received", T0 + timedelta(seconds=1))
    entry = outbox.entry(sid)
    assert entry is not None and entry.state is OutboxState.ACKNOWLEDGED
    assert (entry.remote_state, entry.acknowledged_at) == ("received", "2026-11-23T08:00:01.000Z")

    assert outbox.purge_due(T0, retention=timedelta(days=1)) == []  # kept one day
    assert (data_dir / "spool" / sid).is_dir()
    assert outbox.purge_due(T0 + timedelta(days=1, seconds=1), timedelta(days=1)) == [sid]
    assert not (data_dir / "spool" / sid).exists()
    entry = outbox.entry(sid)
    assert entry is not None and entry.state is OutboxState.PURGED
    assert entry.dossier_number == "PN-000001"  # the médiateur can still look it up


def test_transitions_out_of_order_are_refused_and_change_nothing(outbox: Outbox) -> None:
    sid = seal(outbox)
    with pytest.raises(StoreError) as caught:
        outbox.acknowledged(sid, "received", T0)
    assert caught.value.code == "invalid_transition"
    with pytest.raises(StoreError):
        outbox.purge(sid, T0)
    entry = outbox.entry(sid)
    assert entry is not None and entry.state is OutboxState.SEALED


def test_a_step_repeated_after_a_crash_is_harmless(outbox: Outbox) -> None:
    sid = seal(outbox)
    outbox.all_uploaded(sid, T0)
    outbox.all_uploaded(sid, T0)
    outbox.acknowledged(sid, "received", T0)
    outbox.acknowledged(sid, "received", T0)
    entry = outbox.entry(sid)
    assert entry is not None and entry.state is OutboxState.ACKNOWLEDGED


def test_retries_wait_their_turn_and_the_network_coming_back_calls_its_own(
    outbox: Outbox,
) -> None:
    early, late = seal(outbox), seal(outbox)
    assert outbox.due(T0) == [early, late]
    outbox.retry_later(late, "503", T0 + timedelta(minutes=5), T0)
    assert outbox.due(T0) == [early]
    assert outbox.due(T0 + timedelta(minutes=5)) == [early, late]
    entry = outbox.entry(late)
    assert entry is not None and (entry.attempts, entry.last_error) == (1, "503")
    assert outbox.retry_now(T0) == 0  # the backend asked it to wait: it keeps its time
    outbox.retry_later(early, "offline: GET failed", T0 + timedelta(minutes=5), T0)
    assert outbox.due(T0) == []
    assert outbox.retry_now(T0) == 1  # waiting for the network, which is back
    assert outbox.due(T0) == [early]


def test_next_attempt_at_is_the_earliest_wait(outbox: Outbox) -> None:
    assert outbox.next_attempt_at() is None
    sid = seal(outbox)
    assert outbox.next_attempt_at() == datetime.min.replace(tzinfo=UTC)  # due now
    outbox.retry_later(sid, "503", T0 + timedelta(seconds=30), T0)
    assert outbox.next_attempt_at() == T0 + timedelta(seconds=30)


def test_a_quarantined_dossier_is_kept_out_of_the_way_until_released(
    outbox: Outbox, data_dir: Path
) -> None:
    bad, good = seal(outbox), seal(outbox)
    outbox.upload_created(bad, outbox.item(bad).files[0].name, "http://b/files/9", T0)
    outbox.quarantine(bad, "422 upload-mismatch", T0)
    assert outbox.due(T0) == [good]
    assert outbox.purge_due(T0 + timedelta(days=400), timedelta(0)) == []  # never deleted
    assert (data_dir / "spool" / bad).is_dir()
    assert [e.submission_id for e in outbox.stuck(T0 + timedelta(hours=5), timedelta(hours=4))] == [
        bad,
        good,
    ]
    outbox.release(bad, T0)
    item = outbox.item(bad)
    assert item.entry.state is OutboxState.SEALED and item.uploads == {}  # from the start
    assert outbox.due(T0) == [bad, good]


def test_a_lost_upload_starts_again_from_zero(outbox: Outbox) -> None:
    sid = seal(outbox)
    name = outbox.item(sid).files[0].name
    outbox.upload_created(sid, name, "http://b/files/1", T0)
    outbox.offset_confirmed(sid, name, 99)
    outbox.upload_lost(sid, name)
    assert outbox.item(sid).uploads == {}
    outbox.upload_created(sid, name, "http://b/files/2", T0)
    assert outbox.item(sid).uploads[name] == Upload("http://b/files/2", 0)


def test_the_pause_survives_a_restart(data_dir: Path) -> None:
    with Store.open(data_dir, encrypt=encrypt) as store:
        Outbox(store).pause_queue("401 from the backend", T0)
    with Store.open(data_dir, encrypt=encrypt) as store:
        pause = Outbox(store).pause()
        assert pause is not None and pause.reason == "401 from the backend"
        Outbox(store).resume_queue()
        assert Outbox(store).pause() is None


def test_counts_cover_every_state(outbox: Outbox) -> None:
    seal(outbox)
    counts = outbox.counts()
    assert counts[OutboxState.SEALED] == 1
    assert set(counts) == set(OutboxState)


def test_an_upload_row_must_name_a_sealed_file(outbox: Outbox) -> None:
    sid = seal(outbox)
    with pytest.raises(StoreError):
        outbox.upload_created(sid, "not-a-sealed-file.jpg", "http://b/files/1", T0)
    assert outbox.item(sid).uploads == {}


def test_a_purge_interrupted_after_its_commit_is_finished_later(
    outbox: Outbox, data_dir: Path
) -> None:
    sid = seal(outbox)
    outbox.all_uploaded(sid, T0)
    outbox.acknowledged(sid, "received", T0)
    # The row says purged but the files are still there (a crash between the two).
    conn = sqlite3.connect(data_dir / "kiosk.sqlite3")
    conn.execute("UPDATE outbox SET state = 'purged' WHERE submission_id = ?", (sid,))
    conn.commit()
    conn.close()
    assert (data_dir / "spool" / sid).is_dir()
    outbox.purge_due(T0, timedelta(0))
    assert not (data_dir / "spool" / sid).exists()
