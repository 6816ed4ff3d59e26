"""State shared by every request thread of one receiver: storage, knobs, locks, counters."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kiosk.receiver.faults import Faults
from kiosk.receiver.problems import Problem
from kiosk.receiver.storage import Storage

HASH_BLOCK = 1 << 20


class Stats:
    """Counters since the receiver started (what the tests and the bench look at)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.received: Counter[str] = Counter()
        self.replays = 0
        self.dropped = 0
        self.faults_answered = 0
        self.journal_head: str | None = None  # the last one a kiosk sent (Journal-Head)

    def count_request(self, method: str) -> None:
        with self._lock:
            self.requests[method] += 1

    def add_received(self, upload_id: str, count: int) -> None:
        with self._lock:
            self.received[upload_id] += count

    def add(self, name: str) -> None:
        """Increment ``replays``, ``dropped`` or ``faults_answered``."""
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(sorted(self.requests.items())),
                "requests_total": sum(self.requests.values()),
                "replays": self.replays,
                "connections_dropped": self.dropped,
                "faults_answered": self.faults_answered,
                "received": dict(self.received),
                "journal_head": self.journal_head,
            }


@dataclass
class Context:
    storage: Storage
    faults: Faults
    token: str
    disabled_tokens: frozenset[str]
    max_size: int
    control: bool
    lock_timeout: float = 30.0
    stats: Stats = field(default_factory=Stats)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _locks_lock: threading.Lock = field(default_factory=threading.Lock)
    _hashes: dict[str, tuple[int, Any]] = field(default_factory=dict)
    _in_progress: set[str] = field(default_factory=set)

    # -- one upload at a time ----------------------------------------------------------------

    @contextlib.contextmanager
    def upload_locked(self, upload_id: str) -> Iterator[None]:
        """Hold the upload's lock; 409 ``upload-locked`` if another request keeps it too long.

        A request still reading the body of a PATCH its client gave up on holds the lock
        until the socket times out; the retry then sees 409 and asks HEAD, as for any offset
        conflict, instead of hanging.
        """
        with self._locks_lock:
            lock = self._locks.setdefault(upload_id, threading.Lock())
        if not lock.acquire(timeout=self.lock_timeout):
            raise Problem(409, "upload-locked", "another request is writing this upload")
        try:
            yield
        finally:
            lock.release()

    def running_hash(self, upload_id: str, offset: int) -> Any:
        """A sha256 of the upload's first ``offset`` bytes, to be fed the next ones.

        Kept between PATCHes so completion does not re-read the file; after a restart (or a
        cache miss) the committed prefix is hashed once. Called under the upload's lock.
        """
        with self._locks_lock:
            cached = self._hashes.get(upload_id)
        if cached is not None and cached[0] == offset:
            return cached[1].copy()
        digest = hashlib.sha256()
        with self.storage.upload_path(upload_id).open("rb") as handle:
            left = offset
            while left:
                block = handle.read(min(HASH_BLOCK, left))
                if not block:
                    raise RuntimeError("upload file shorter than its committed offset")
                digest.update(block)
                left -= len(block)
        return digest

    def keep_hash(self, upload_id: str, offset: int, digest: Any) -> None:
        with self._locks_lock:
            self._hashes[upload_id] = (offset, digest)

    def forget_hash(self, upload_id: str) -> None:
        with self._locks_lock:
            self._hashes.pop(upload_id, None)

    # -- idempotency keys being processed ----------------------------------------------------

    def claim_key(self, key: str) -> None:
        """Mark a commit's key as in progress; 409 ``request-in-progress`` if it already is."""
        with self._locks_lock:
            if key in self._in_progress:
                raise Problem(
                    409,
                    "request-in-progress",
                    "a request with this Idempotency-Key is still being processed; retry later",
                )
            self._in_progress.add(key)

    def release_key(self, key: str) -> None:
        with self._locks_lock:
            self._in_progress.discard(key)
