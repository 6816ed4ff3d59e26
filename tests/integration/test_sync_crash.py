"""Crash safety: the kiosk's sync process is killed with SIGKILL at random points while a
queue of dossiers drains to the reference receiver. Afterwards every dossier is at the
receiver exactly once, intact, and the kiosk's store passes ``PRAGMA integrity_check``.

The sync process is a fork of the test process running the real worker on the real store
(forking skips the interpreter's start-up, so 200 kills fit in seconds); one more test kills
the real ``kiosk sync --once`` command, started as IT staff would.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.receiver import Receiver
from kiosk.sync.worker import SyncSettings, SyncWorker
from offline_cache import FileToSeal, OutboxState, Store, SubmissionToSeal
from offline_cache.outbox import Outbox
from tests.support.backend_key import SYNC_TOML, encrypt

TOKEN = "jeton-borne-crash"
KILLS = 200
SEED = 20261123
TIME_LIMIT_S = 240.0


def settings(url: str) -> SyncSettings:
    return SyncSettings(
        backend_url=url,
        chunk_size=32 * 1024,  # many chunks per file: many places to be killed in
        timeout_s=10.0,
        retry_base_s=1.0,
        retry_cap_s=2.0,
        probe_interval_s=1.0,
        stuck_after=timedelta(hours=4),
        retention=timedelta(days=30),
    )


def seal_queue(data_dir: Path, count: int, rng: random.Random) -> dict[str, Store]:
    with Store.open(data_dir, encrypt=encrypt) as store:
        for _ in range(count):
            size = rng.randint(20_000, 250_000)
            files = tuple(
                FileToSeal(f"piece-{name}-p1.jpg", "image/jpeg", rng.randbytes(size // (i + 1)))
                for i, name in enumerate(("identite", "domicile"))
            )
            store.seal(
                SubmissionToSeal(
                    str(uuid.uuid4()), "permis", "1", "borne-crash", False, {"n": 1}, files
                ),
                lambda seq: f"CRS-{seq:06d}",
            )
        return {e.submission_id: store for e in store.outbox()}


def run_sync_child(data_dir: Path, url: str) -> None:
    """In the forked child: drain the queue with the real worker, then exit."""
    try:
        with Store.open(data_dir, encrypt=encrypt) as store:
            worker = SyncWorker(Outbox(store), settings(url), token=lambda: TOKEN)
            for _ in range(1000):
                worker.run_once()
                if not any(e.state.pending for e in store.outbox()):
                    break
                time.sleep(0.01)
        os._exit(0)
    except BaseException:
        os._exit(3)


def pending(data_dir: Path) -> int:
    with Store.open(data_dir, encrypt=encrypt) as store:
        return sum(e.state.pending for e in store.outbox())


def check_delivered_once_and_intact(data_dir: Path, receiver: Receiver) -> None:
    arrived = receiver.submissions()
    ids = [s["submission_id"] for s in arrived]
    assert len(ids) == len(set(ids)), "a dossier arrived twice"
    with Store.open(data_dir, encrypt=encrypt) as store:
        sealed_ids = {e.submission_id for e in store.outbox()}
        assert set(ids) == sealed_ids
        done = (OutboxState.ACKNOWLEDGED, OutboxState.PURGED)  # `kiosk sync`: retention 0 days
        assert all(e.state in done for e in store.outbox())
        for submission in arrived:
            sealed = store.submission(submission["submission_id"])
            assert sealed is not None
            digests = {f.name: f.sha256 for f in sealed.files}
            for received in submission["files"]:
                data = Path(received["path"]).read_bytes()
                assert hashlib.sha256(data).hexdigest() == digests[received["name"]]
    conn = sqlite3.connect(data_dir / "kiosk.sqlite3")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    with Receiver(tmp_path / "receiver", TOKEN).start() as running:
        yield running


def test_sigkill_at_random_points_loses_and_duplicates_nothing(
    tmp_path: Path, receiver: Receiver
) -> None:
    rng = random.Random(SEED)
    data_dir = tmp_path / "kiosk"
    seal_queue(data_dir, 40, rng)
    started = time.monotonic()
    kills = 0
    while kills < KILLS:
        assert time.monotonic() - started < TIME_LIMIT_S, f"only {kills} kills in time"
        if not pending(data_dir):
            seal_queue(data_dir, 10, rng)  # keep the queue draining until 200 kills
        pid = os.fork()
        if pid == 0:
            run_sync_child(data_dir, receiver.url)
        time.sleep(rng.uniform(0.0, 0.03))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        kills += 1
    # Then it runs to the end, undisturbed.
    pid = os.fork()
    if pid == 0:
        run_sync_child(data_dir, receiver.url)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert pending(data_dir) == 0
    check_delivered_once_and_intact(data_dir, receiver)
    # A kill costs at most the chunks in flight (two lanes), never a file sent from zero.
    resent = sum(u["bytes_received_total"] - u["offset"] for u in receiver.stats()["uploads"])
    assert resent <= KILLS * 2 * settings(receiver.url).chunk_size


def test_the_kiosk_sync_command_killed_mid_way_resumes(tmp_path: Path, receiver: Receiver) -> None:
    data_dir = tmp_path / "kiosk"
    seal_queue(data_dir, 12, random.Random(SEED + 1))
    credentials = tmp_path / "credentials"  # what systemd hands the service
    credentials.mkdir(mode=0o700)
    (credentials / "backend-token").write_text(TOKEN)
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f"{SYNC_TOML}sync.backend_url = {receiver.url!r}\nsync.chunk_mb = 1\n"
        f'[kiosk]\nid = "borne-crash"\ncode = "B7K"\ndata_dir = "{data_dir}"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "CREDENTIALS_DIRECTORY": str(credentials)}
    command = [sys.executable, "-m", "ui.launcher", "--config", str(config), "sync", "--once"]
    rng = random.Random(SEED + 2)
    for _ in range(5):
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 0.8))
        process.send_signal(signal.SIGKILL)
        process.wait()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Service de dépôt : joignable" in done.stdout
    check_delivered_once_and_intact(data_dir, receiver)
    status = subprocess.run(
        [sys.executable, "-m", "ui.launcher", "--config", str(config), "sync", "--status"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert status.returncode == 0
    assert "   12  accusés reçus et effacés de la borne" in status.stdout
