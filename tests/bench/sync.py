"""Sync throughput and resumption, over loopback to the reference receiver.

1. Drain 200 sealed dossiers of 5 MB each (the real worker: capability check, tus creation,
   checksummed chunks, commit, every step recorded in the outbox). Reference, same run: plain
   ``requests.put`` of the same bytes, file by file on one keep-alive session, to a bare HTTP
   server that writes and fsyncs them as the receiver does. Target: ratio <= 1.15.
The receiver and the reference server each run in a process of their own, as a backend does.
2. A 50 MB dossier whose connection drops at 90 % of the file: bytes sent again after the drop.
   Target: at most one chunk.
"""

from __future__ import annotations

import contextlib
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests

from kiosk.sync.worker import SyncSettings, SyncWorker
from offline_cache import FileToSeal, Store, SubmissionToSeal
from offline_cache.outbox import Outbox
from tests.support.backend_key import encrypt

DOSSIERS = 200
SIZE = 5 * 1000 * 1000
BIG = 50 * 1000 * 1000
CHUNK = 8 * 1024 * 1024
TARGET_RATIO = 1.15
TOKEN = "jeton-bench"


def settings(url: str) -> SyncSettings:
    return SyncSettings(
        backend_url=url,
        chunk_size=CHUNK,
        timeout_s=60.0,
        retry_base_s=0.05,
        retry_cap_s=0.1,
        probe_interval_s=0.1,
        stuck_after=timedelta(hours=4),
        retention=timedelta(days=30),
    )


def seal(store: Store, size: int, seed: int) -> None:
    data = random.Random(seed).randbytes(size)
    store.seal(
        SubmissionToSeal(
            str(uuid.uuid4()),
            "permis",
            "1",
            "borne-bench",
            False,
            {"answers": {}},
            (FileToSeal("piece-identite-p1.jpg", "image/jpeg", data),),
        ),
        lambda seq: f"BEN-{seq:06d}",
    )


@contextlib.contextmanager
def server(*command: str) -> Iterator[str]:
    """A server in a process of its own (as the backend is on its own machine); its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("listening on "), line
        yield line.split(" ", 2)[2].strip()
    finally:
        process.terminate()
        process.wait(10)


def receiver(data: Path, faults: dict[str, object] | None = None) -> Any:
    return server(
        "kiosk.receiver",
        "--port",
        "0",
        "--data",
        str(data),
        "--token",
        TOKEN,
        "--log-level",
        "WARNING",
        "--control",
        *(["--faults", json.dumps(faults)] if faults else []),
    )


def plain_puts(files: list[Path], sink_dir: Path) -> float:
    with server("tests.bench.put_sink", str(sink_dir)) as url, requests.Session() as session:
        started = time.perf_counter()
        for path in files:
            response = session.put(url + "/", data=path.read_bytes(), timeout=60)
            assert response.status_code == 201
        return time.perf_counter() - started


def drain(root: Path) -> tuple[float, float]:
    with Store.open(root / "kiosk", encrypt=encrypt) as store:
        for seed in range(DOSSIERS):
            seal(store, SIZE, seed)
        sealed = [store.submission(e.submission_id) for e in store.outbox()]
        files = [f.path for s in sealed if s is not None for f in s.files]
        with receiver(root / "receiver") as url:
            worker = SyncWorker(Outbox(store), settings(url), token=lambda: TOKEN)
            started = time.perf_counter()
            report = worker.run_once()
            elapsed = time.perf_counter() - started
            worker.stop()
            assert len(report.sent) == DOSSIERS, report
        sink = root / "sink"
        sink.mkdir()
        reference = plain_puts(files, sink)
    return elapsed, reference


def resend_after_drop(root: Path) -> int:
    with Store.open(root / "big", encrypt=encrypt) as store:
        seal(store, BIG, 1)
        [entry] = store.outbox()
        sealed = store.submission(entry.submission_id)
        assert sealed is not None
        piece = next(f for f in sealed.files if f.name.startswith("piece"))
        drop = {"drop": {"at_offset": int(piece.size * 0.9), "times": 1}}
        with receiver(root / "receiver-big", drop) as url:
            worker = SyncWorker(Outbox(store), settings(url), token=lambda: TOKEN)
            for _ in range(20):
                if worker.run_once().sent:
                    break
                time.sleep(0.1)
            worker.stop()
            stats = requests.get(url + "/_control/stats", timeout=10).json()
            [upload] = [u for u in stats["uploads"] if u["filename"] == piece.name]
            assert upload["offset"] == upload["length"] == piece.size
            return int(upload["bytes_received_total"]) - piece.size


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        elapsed, reference = drain(Path(tmp))
        resent = resend_after_drop(Path(tmp))
    total_mb = DOSSIERS * SIZE / 1e6
    ratio = elapsed / reference
    verdict = "OK" if ratio <= TARGET_RATIO else "OVER TARGET"
    print(
        f"sync, {DOSSIERS} dossiers of {SIZE / 1e6:.0f} MB drained over loopback: {elapsed:.2f} s "
        f"({total_mb / elapsed:.0f} MB/s), plain requests.put of the same bytes {reference:.2f} s, "
        f"ratio {ratio:.2f}x; target <= {TARGET_RATIO}x {verdict}"
    )
    verdict = "OK" if resent <= CHUNK else "OVER TARGET"
    print(
        f"sync, connection dropped at 90 % of a {BIG / 1e6:.0f} MB file: {resent / 1e6:.2f} MB "
        f"sent again, chunk {CHUNK / 1e6:.2f} MB; target <= one chunk {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
