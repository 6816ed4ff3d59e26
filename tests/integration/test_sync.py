"""The sync worker against the reference receiver over real HTTP on 127.0.0.1, the outbox a
real SQLite store on disk: every fault knob ends with each dossier at the backend exactly
once, intact, and no file sent again from zero."""

from __future__ import annotations

import hashlib
import json
import random
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.receiver import Receiver
from kiosk.sync.worker import SyncSettings, SyncWorker, exclusive, sync_worker
from offline_cache import FileToSeal, OutboxState, Store, SubmissionToSeal
from offline_cache.journal import Journal
from offline_cache.models import OutboxEntry
from offline_cache.outbox import Outbox
from tests.support.backend_key import DEMO_BACKEND_SECRET_KEY, decrypt, encrypt

TOKEN = "jeton-borne-test"
CHUNK = 64 * 1024
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ANSWER = "Zorglubova-7Q"  # a distinctive answer, to look for in clear on disk


class Clock:
    """The worker's clock, moved by the test: backoffs pass without sleeping."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Rig:
    receiver: Receiver
    store: Store
    outbox: Outbox
    worker: SyncWorker
    clock: Clock
    data_dir: Path

    def seal(self, size: int = 150_000) -> str:
        data = random.Random(size).randbytes(size)
        submission = SubmissionToSeal(
            submission_id=str(uuid.uuid4()),
            demarche_id="permis-perte-vol",
            demarche_version="2026.1",
            kiosk_id="borne-test",
            assisted=False,
            manifest={"answers": {"nom": ANSWER}},
            files=(FileToSeal("piece-identite-p1.jpg", "image/jpeg", data),),
        )
        return self.store.seal(submission, lambda seq: f"TST-{seq:06d}").submission_id

    def drain(self, passes: int = 30) -> None:
        """Run passes, moving the clock past each backoff, until nothing is pending."""
        for _ in range(passes):
            self.worker.run_once()
            if not any(e.state.pending for e in self.store.outbox()):
                return
            self.clock.advance(self.worker.settings.retry_cap_s + 1)
        raise AssertionError(f"still pending: {self.store.outbox()}")

    def state(self, sid: str) -> OutboxState:
        entry = self.outbox.entry(sid)
        assert entry is not None
        return entry.state


def settings(url: str, **changes: Any) -> SyncSettings:
    base = SyncSettings(
        backend_url=url,
        chunk_size=CHUNK,
        timeout_s=5.0,
        retry_base_s=1.0,
        retry_cap_s=8.0,
        probe_interval_s=1.0,
        stuck_after=timedelta(hours=4),
        retention=timedelta(days=1),
    )
    return replace(base, **changes)


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    clock = Clock()
    with (
        Receiver(tmp_path / "receiver", TOKEN).start() as receiver,
        Store.open(tmp_path / "kiosk", encrypt=encrypt, clock=clock) as store,
    ):
        outbox = Outbox(store)
        worker = SyncWorker(
            outbox, settings(receiver.url), token=lambda: TOKEN, clock=clock, rng=random.Random(7)
        )
        yield Rig(receiver, store, outbox, worker, clock, tmp_path)
        worker.stop()


def arrived(rig: Rig) -> dict[str, dict[str, Any]]:
    """The receiver's stored dossiers by id; each exactly once, or the test fails."""
    stored = rig.receiver.submissions()
    ids = [s["submission_id"] for s in stored]
    assert len(ids) == len(set(ids)), f"a dossier arrived twice: {ids}"
    return {s["submission_id"]: s for s in stored}


def assert_intact(rig: Rig, sid: str) -> None:
    """What the receiver holds is what was sealed, and opens with the backend's key."""
    sealed = rig.store.submission(sid)
    assert sealed is not None
    at_backend = arrived(rig)[sid]
    by_name = {f["name"]: f for f in at_backend["files"]}
    assert set(by_name) == {f.name for f in sealed.files}
    for stored in sealed.files:
        data = Path(by_name[stored.name]["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == stored.sha256
    manifest = Path(by_name["manifest.json.age"]["path"]).read_bytes()
    assert json.loads(decrypt(manifest))["answers"]["nom"] == ANSWER


def uploads_of(rig: Rig, sid: str) -> list[dict[str, Any]]:
    return [u for u in rig.receiver.stats()["uploads"] if u["submission_id"] == sid]


# -- the happy path ------------------------------------------------------------------------


def test_sealed_dossiers_arrive_once_intact_and_are_purged_after_retention(rig: Rig) -> None:
    first, second = rig.seal(), rig.seal(300_000)
    report = rig.worker.run_once()
    assert report.reached and sorted(report.sent) == sorted([first, second])
    assert rig.state(first) is rig.state(second) is OutboxState.ACKNOWLEDGED
    assert_intact(rig, first)
    assert_intact(rig, second)
    # Each file went in one piece per chunk, never twice.
    for upload in uploads_of(rig, second):
        assert upload["bytes_received_total"] == upload["length"] == upload["offset"]

    rig.worker.run_once()
    assert (rig.data_dir / "kiosk" / "spool" / first).is_dir()  # retention: one day
    rig.clock.advance(24 * 3600 + 1)
    assert set(rig.worker.run_once().purged) == {first, second}
    assert not (rig.data_dir / "kiosk" / "spool" / first).exists()
    assert rig.state(first) is OutboxState.PURGED
    remote = rig.worker.remote_state(first)  # the médiateur's question, after the purge
    assert remote is not None and remote.state == "received"


def test_nothing_of_the_answers_is_in_clear_on_the_kiosk_disk(rig: Rig) -> None:
    rig.seal()
    for path in (rig.data_dir / "kiosk").rglob("*"):
        if path.is_file():
            assert ANSWER.encode() not in path.read_bytes(), path


# -- each fault knob -----------------------------------------------------------------------


def test_server_errors_with_retry_after_delay_only_that_dossier(rig: Rig) -> None:
    rig.receiver.faults.set(
        status=[{"method": "PATCH", "code": 503, "times": 2, "retry_after": 120}]
    )
    sid = rig.seal()
    report = rig.worker.run_once()
    assert report.retried == [sid] and rig.state(sid) is OutboxState.UPLOADING
    entry = rig.outbox.entry(sid)
    assert entry is not None and entry.last_error is not None
    assert entry.last_error.startswith("HTTP 503")
    assert entry.next_attempt_at is not None
    wait = datetime.fromisoformat(entry.next_attempt_at.replace("Z", "+00:00")) - T0
    assert wait >= timedelta(seconds=120)  # Retry-After honoured as a minimum
    rig.clock.advance(60)
    assert rig.worker.run_once().sent == []  # not before its time
    rig.drain()
    assert_intact(rig, sid)


def test_a_connection_dropped_mid_chunk_resumes_without_sending_from_zero(rig: Rig) -> None:
    size = 10 * CHUNK + 1234
    sid = rig.seal(size)
    sealed = rig.store.submission(sid)
    assert sealed is not None
    piece = next(f for f in sealed.files if f.name.startswith("piece"))
    rig.receiver.faults.set(drop={"at_offset": int(piece.size * 0.9), "times": 1})
    rig.drain()
    assert_intact(rig, sid)
    [upload] = [u for u in uploads_of(rig, sid) if u["filename"] == piece.name]
    resent = upload["bytes_received_total"] - upload["length"]
    assert 0 < resent <= CHUNK  # the dropped part of one chunk, never the file again


def test_a_commit_answer_lost_on_the_way_is_replayed_not_recorded_twice(rig: Rig) -> None:
    rig.receiver.faults.set(commit_drop=1)
    sid = rig.seal()
    rig.drain()
    assert rig.state(sid) is OutboxState.ACKNOWLEDGED
    assert list(arrived(rig)) == [sid]
    assert rig.receiver.stats()["replays"] >= 1


def test_a_captive_portal_answering_200_is_never_taken_for_the_backend(rig: Rig) -> None:
    rig.receiver.faults.set(portal=True)
    sid = rig.seal()
    report = rig.worker.run_once()
    assert not report.reached and report.sent == []
    assert rig.state(sid) is OutboxState.SEALED
    assert rig.worker.status().link == "offline"
    assert arrived(rig) == {}
    rig.receiver.faults.clear()  # the usager's network is back
    rig.clock.advance(1)
    assert rig.worker.run_once().sent == [sid]


def test_refused_credentials_pause_the_whole_queue_until_they_work(rig: Rig) -> None:
    rig.receiver.faults.set(unauthorized=True)
    first, second = rig.seal(), rig.seal()
    report = rig.worker.run_once()
    assert report.paused and report.sent == []
    status = rig.worker.status()
    assert status.link == "paused" and "401" in status.detail
    assert rig.state(first) is rig.state(second) is OutboxState.SEALED
    rig.receiver.faults.clear()
    assert sorted(rig.worker.run_once().sent) == sorted([first, second])
    assert rig.outbox.pause() is None


def test_a_refused_dossier_is_quarantined_and_the_others_go_on(rig: Rig) -> None:
    ids = {rig.seal(), rig.seal()}
    rig.receiver.faults.set(status=[{"method": "POST", "path_prefix": "/v1/", "code": 422}])
    report = rig.worker.run_once()
    [bad] = report.quarantined  # the first commit to come (two go in parallel)
    [good] = ids - {bad}
    assert report.sent == [good]
    entry = rig.outbox.entry(bad)
    assert entry is not None and entry.state is OutboxState.QUARANTINED
    assert entry.last_error is not None and entry.last_error.startswith("HTTP 422")
    rig.clock.advance(400 * 86400)
    rig.worker.run_once()
    assert (rig.data_dir / "kiosk" / "spool" / bad).is_dir()  # kept, never deleted
    assert list(arrived(rig)) == [good]


def test_random_server_errors_still_deliver_each_dossier_exactly_once(rig: Rig) -> None:
    rig.receiver.faults.set(random_500_rate=0.3, seed=11)
    ids = [rig.seal(50_000 + i * 70_000) for i in range(6)]
    rig.drain(passes=60)
    assert set(arrived(rig)) == set(ids)
    for sid in ids:
        assert_intact(rig, sid)


def test_a_slow_backend_beyond_the_timeout_is_retried(rig: Rig) -> None:
    rig.worker.settings = replace(rig.worker.settings, timeout_s=0.3)
    sid = rig.seal()
    rig.receiver.faults.set(delay_ms=600)
    assert rig.worker.run_once().sent == []
    rig.receiver.faults.clear()
    rig.drain()
    assert list(arrived(rig)) == [sid]


# -- the network -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_queue_waits_offline_and_goes_at_once_when_the_network_is_back(
    tmp_path: Path,
) -> None:
    clock = Clock()
    port = free_port()
    with Store.open(tmp_path / "kiosk", encrypt=encrypt, clock=clock) as store:
        outbox = Outbox(store)
        worker = SyncWorker(
            outbox,
            settings(f"http://127.0.0.1:{port}"),
            token=lambda: TOKEN,
            clock=clock,
            rng=random.Random(1),
        )
        rig = Rig(None, store, outbox, worker, clock, tmp_path)  # type: ignore[arg-type]
        sid = rig.seal()
        assert worker.run_once().sent == []  # nobody listens
        assert worker.status().link == "offline"
        entry = outbox.entry(sid)
        assert entry is not None and entry.attempts == 0  # the network's fault, not the dossier's
        with Receiver(tmp_path / "receiver", TOKEN, port=port).start() as receiver:
            clock.advance(1)
            assert worker.run_once().sent == [sid]
            assert [s["submission_id"] for s in receiver.submissions()] == [sid]
        worker.stop()


def test_no_backend_configured_or_no_credentials_keep_the_queue_safe(tmp_path: Path) -> None:
    with Store.open(tmp_path / "kiosk", encrypt=encrypt) as store:
        outbox = Outbox(store)
        store.seal(
            SubmissionToSeal(str(uuid.uuid4()), "d", "1", "k", False, {}, ()), lambda s: f"N{s}"
        )
        unconfigured = SyncWorker(outbox, settings(""), token=lambda: TOKEN)
        unconfigured.run_once()
        assert unconfigured.status().link == "not_configured"
        unenrolled = SyncWorker(outbox, settings("http://127.0.0.1:9"), token=lambda: None)
        unenrolled.run_once()
        assert unenrolled.status().link == "not_enrolled"
        assert [e.state for e in store.outbox()] == [OutboxState.SEALED]


def test_a_dossier_not_acknowledged_in_time_is_reported_once(rig: Rig) -> None:
    rig.receiver.faults.set(portal=True)
    sid = rig.seal()
    reported: list[list[OutboxEntry]] = []
    rig.worker.add_stuck_listener(reported.append)
    rig.worker.run_once()
    assert reported == []
    rig.clock.advance(4 * 3600 + 1)
    rig.worker.run_once()
    rig.worker.run_once()
    assert [[e.submission_id for e in batch] for batch in reported] == [[sid]]
    assert [e.submission_id for e in rig.worker.status().stuck] == [sid]


def test_the_worker_thread_sends_a_dossier_when_woken(rig: Rig) -> None:
    rig.worker.settings = replace(rig.worker.settings, probe_interval_s=30.0)
    rig.worker._clock = lambda: datetime.now(UTC)  # real time for the thread
    rig.worker.start()
    sid = rig.seal()
    rig.worker.wake()
    deadline = time.monotonic() + 20
    while rig.state(sid) is not OutboxState.ACKNOWLEDGED:
        assert time.monotonic() < deadline, "the woken worker did not send the dossier"
        time.sleep(0.05)
    rig.worker.stop()
    assert list(arrived(rig)) == [sid]


def test_the_backend_opens_what_arrived_with_the_standard_age_tool(
    rig: Rig, tmp_path: Path
) -> None:
    sid = rig.seal()
    rig.worker.run_once()
    manifest = next(Path(f["path"]) for f in arrived(rig)[sid]["files"] if f["role"] == "manifest")
    identity = tmp_path / "backend-key.txt"
    identity.write_text(DEMO_BACKEND_SECRET_KEY + "\n")
    opened = subprocess.run(
        ["age", "--decrypt", "--identity", str(identity), str(manifest)],
        capture_output=True,
        check=True,
    )
    assert json.loads(opened.stdout)["answers"]["nom"] == ANSWER


def test_one_sender_at_a_time_per_outbox_across_processes(rig: Rig) -> None:
    rig.seal()
    with exclusive(rig.worker.lock_path) as mine:  # as `kiosk sync --once` would hold it
        assert mine
        report = rig.worker.run_once()
    assert report.busy and report.sent == [] and arrived(rig) == {}
    assert len(rig.worker.run_once().sent) == 1


def test_the_worker_thread_does_not_spin_without_a_backend(tmp_path: Path) -> None:
    with Store.open(tmp_path / "kiosk", encrypt=encrypt) as store:
        store.seal(
            SubmissionToSeal(str(uuid.uuid4()), "d", "1", "k", False, {}, ()), lambda s: f"N{s}"
        )
        worker = SyncWorker(Outbox(store), settings(""), token=lambda: TOKEN)
        passes = []
        original = worker.run_once

        def counted() -> Any:
            passes.append(1)
            return original()

        worker.run_once = counted  # type: ignore[method-assign]
        worker.start()
        time.sleep(1.5)
        worker.stop()
        assert 1 <= len(passes) <= 3  # probe_interval_s is 1 s: not 20 passes a second


def test_a_quarantined_dossier_released_is_sent_again_from_its_first_file(rig: Rig) -> None:
    rig.receiver.faults.set(status=[{"method": "POST", "path_prefix": "/v1/", "code": 422}])
    sid = rig.seal()
    assert rig.worker.run_once().quarantined == [sid]
    rig.outbox.release(sid, rig.clock())
    assert rig.worker.run_once().sent == [sid]
    assert_intact(rig, sid)


def test_a_backend_busy_at_the_capability_check_is_left_alone_for_its_retry_after(
    rig: Rig,
) -> None:
    rule = {"method": "GET", "path_prefix": "/v1/capabilities", "code": 503, "retry_after": 120}
    rig.receiver.faults.set(status=[rule])
    rig.seal()
    report = rig.worker.run_once()
    assert not report.reached and rig.worker.status().link == "offline"
    assert rig.worker._next_wait(report) >= 119  # not probed every second meanwhile


def test_each_pass_tells_the_backend_where_the_journal_stands(rig: Rig) -> None:
    journal = Journal(rig.store)
    journal.append("assist.opened", "M-7K2Q", rig.clock())
    rig.worker = sync_worker(rig.store, config_for(rig.receiver.url))
    rig.worker._token = lambda: TOKEN
    rig.seal()
    rig.worker.run_once()
    seq, head = journal.head()
    assert rig.receiver.stats()["journal_head"] == f"{seq}:{head}"


def config_for(url: str) -> Any:
    from kiosk.config import build_config

    return build_config({"sync": {"backend_url": url}}, "(test)", demo=True)
