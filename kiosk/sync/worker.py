"""The sync worker: drains the outbox to the backend, on its own thread or once (CLI).

Decisions, per outcome (``kiosk.sync.errors``):

* the backend not reached (no network, a captive portal): the whole queue waits; the backend
  is probed every ``sync.probe_interval_s`` and the queue retried at once when it answers;
* a dossier refused for now (5xx, 429, a damaged chunk): that dossier waits a backoff with full
  jitter, ``random(0, min(cap, base·2ⁿ))``, at least the backend's Retry-After; the others go on;
* 401/403: the whole queue pauses (every dossier would be refused alike) and is retried at the
  cap interval, or at once when woken (new credentials);
* a dossier refused for good (400, 413, 415, 422): it is quarantined, kept, shown to the
  médiateur, and the rest of the queue goes on;
* acknowledged dossiers are purged after ``sync.retention_days``; one still not acknowledged
  after ``sync.stuck_alert_min`` is reported to the médiateur (listeners and the journal).
"""

from __future__ import annotations

import fcntl
import logging
import os
import random
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk.jsonlog import log_event
from kiosk.sync.client import BackendClient, Receipt
from kiosk.sync.errors import (
    BackendUnreachable,
    Rejected,
    RetryLater,
    SyncError,
    Unauthorized,
)
from kiosk.sync.sender import send
from offline_cache.errors import StoreError
from offline_cache.journal import Journal
from offline_cache.models import OutboxEntry, OutboxState
from offline_cache.outbox import OFFLINE_PREFIX, Outbox, iso
from offline_cache.store import Store

LOG = logging.getLogger("kiosk.sync")
LOCK_NAME = "sync.lock"
IDLE_CHECK_S = 60.0  # purge and stuck checks run at least this often, network or not
MAX_RETRY_AFTER_S = 24 * 3600.0  # a Retry-After beyond a day is a backend's mistake


@dataclass(frozen=True)
class SyncSettings:
    backend_url: str
    chunk_size: int
    timeout_s: float
    retry_base_s: float
    retry_cap_s: float
    probe_interval_s: float
    stuck_after: timedelta
    retention: timedelta
    parallel: int = 2  # dossiers sent at once, each on its own connection

    @classmethod
    def from_config(cls, config: Any) -> SyncSettings:
        return cls(
            backend_url=config["sync.backend_url"],
            chunk_size=config["sync.chunk_mb"] * 1024 * 1024,
            timeout_s=float(config["sync.timeout_s"]),
            retry_base_s=float(config["sync.retry_base_s"]),
            retry_cap_s=float(config["sync.retry_cap_s"]),
            probe_interval_s=float(config["sync.probe_interval_s"]),
            stuck_after=timedelta(minutes=config["sync.stuck_alert_min"]),
            retention=timedelta(days=config["sync.retention_days"]),
            parallel=config["sync.parallel_uploads"],
        )


@dataclass(frozen=True)
class SyncStatus:
    """What the médiateur and ``kiosk sync --status`` see."""

    link: str  # "not_configured", "not_enrolled", "unknown", "online", "offline", "paused"
    detail: str
    counts: dict[OutboxState, int]
    stuck: tuple[OutboxEntry, ...]
    last_contact_at: str | None


@dataclass
class CycleReport:
    """What one pass over the queue did (ids only)."""

    reached: bool = False
    sent: list[str] = field(default_factory=list)
    retried: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    purged: list[str] = field(default_factory=list)
    paused: bool = False
    busy: bool = False  # another process is sending from the same outbox


Clock = Callable[[], datetime]
StuckListener = Callable[[list[OutboxEntry]], None]


def sync_worker(store: Store, config: Any) -> SyncWorker:
    """The worker as the kiosk and ``kiosk sync`` run it: settings from the configuration,
    the journal's head sent with each pass to the backend."""
    journal = Journal(store)
    return SyncWorker(
        Outbox(store),
        SyncSettings.from_config(config),
        journal_head=lambda: "{}:{}".format(*journal.head()),
    )


def _keyring_token() -> str | None:
    from kiosk.credentials import backend_token  # keyring loads its backends: only when used

    return backend_token()


class SyncWorker:
    def __init__(
        self,
        outbox: Outbox,
        settings: SyncSettings,
        *,
        token: Callable[[], str | None] | None = None,
        clock: Clock = lambda: datetime.now(UTC),
        rng: random.Random | None = None,
        journal_head: Callable[[], str] | None = None,
    ) -> None:
        self.outbox = outbox
        self.settings = settings
        self._token = token or _keyring_token
        self._journal_head = journal_head
        self._clock = clock
        self._rng = rng or random.Random()
        self._client: BackendClient | None = None
        self._lane_clients: list[BackendClient] = []
        self._client_token: str | None = None
        self._link = "unknown"
        self._detail = ""
        self._last_contact: datetime | None = None
        self._stuck_ids: set[str] = set()
        self._listeners: list[StuckListener] = []
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._cycle_lock = threading.Lock()  # one pass at a time in this process
        self.lock_path = outbox.store.data_dir / LOCK_NAME  # and across processes
        self._swept = False
        self._not_before = datetime.min.replace(tzinfo=UTC)  # the backend's Retry-After

    # -- the thread ----------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sync", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the request in flight (its timeout bounds the wait)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():  # a request outlived the wait: its thread owns them
                return
        self._close_clients()

    def _close_clients(self) -> None:
        for client in [self._client, *self._lane_clients]:
            if client is not None:
                client.close()
        self._client, self._lane_clients = None, []

    def wake(self) -> None:
        """Look at the queue now: a dossier was sealed, or the credentials changed."""
        self._wake.set()

    def add_stuck_listener(self, listener: StuckListener) -> None:
        self._listeners.append(listener)

    def _run(self) -> None:
        while not self._stopping.is_set():
            report: CycleReport | None = None
            try:
                report = self.run_once()
                wait = self._next_wait(report)
            except Exception as exc:  # a bug or the disk: the deliveries must not stop for good
                LOG.error("sync pass failed", exc_info=exc)
                log_event(LOG, "sync.failed", logging.ERROR, error_type=type(exc).__name__)
                wait = self.settings.probe_interval_s
            self._wake.wait(wait)
            self._wake.clear()

    def _next_wait(self, report: CycleReport) -> float:
        """Seconds until the next pass, unless woken (a seal, new credentials)."""
        if self._link in ("offline", "unknown", "not_configured", "not_enrolled") or report.busy:
            later = (self._not_before - self._clock()).total_seconds()
            return max(self.settings.probe_interval_s, later)
        if self._link == "paused":
            return self.settings.retry_cap_s
        wait = IDLE_CHECK_S
        due = self.outbox.next_attempt_at()
        if due is not None:
            wait = min(wait, (due - self._clock()).total_seconds())
        if not (report.sent or report.retried or report.quarantined):
            # Something is due but nothing moved (stopped early?): never spin on it.
            wait = max(wait, self.settings.retry_base_s)
        return max(0.05, wait)

    # -- one pass ------------------------------------------------------------------------

    def run_once(self) -> CycleReport:
        """Purge, send every dossier that is due, purge what was just acknowledged; returns
        what was done. Only one pass at a time per data directory, across processes (the
        kiosk's thread and ``kiosk sync --once``): a second one returns at once, ``busy``."""
        with self._cycle_lock, exclusive(self.lock_path) as mine:
            report = CycleReport(busy=not mine)
            if not mine:
                return report
            self._purge(report)
            pending = self.outbox.due(self._clock())
            if pending or self._link in ("offline", "paused", "unknown"):
                client = self._connect()
                if client is not None and self._reach(client, report):
                    self._drain(client, report)
                    self._purge(report)  # retention 0: the copy goes as soon as acknowledged
            self._check_stuck(self._clock())
            return report

    def _purge(self, report: CycleReport) -> None:
        purged = self.outbox.purge_due(self._clock(), self.settings.retention, self._swept)
        self._swept = True  # leftovers of a purge cut short are looked for once per process
        for sid in purged:
            log_event(LOG, "sync.purged", submission_id=sid)
        report.purged.extend(purged)

    def _connect(self) -> BackendClient | None:
        if not self.settings.backend_url:
            self._set_link("not_configured", "sync.backend_url is empty")
            return None
        token = self._token()
        if not token:
            self._set_link("not_enrolled", "no backend credentials in the keyring")
            return None
        if self._client is None or token != self._client_token:
            self._close_clients()
            self._client = BackendClient(self.settings.backend_url, token, self.settings.timeout_s)
            self._client_token = token
        return self._client

    def _reach(self, client: BackendClient, report: CycleReport) -> bool:
        """The capability check: is it the backend that answers, and does it accept us?"""
        now = self._clock()
        try:
            client.capabilities(self._journal_head() if self._journal_head else None)
        except Unauthorized as exc:
            self.outbox.pause_queue(str(exc), now)
            self._set_link("paused", str(exc))
            report.paused = True
            return False
        except SyncError as exc:
            self._set_link("offline", str(exc))
            if isinstance(exc, RetryLater) and exc.retry_after:  # 503 + Retry-After: honoured
                self._not_before = now + timedelta(seconds=min(exc.retry_after, MAX_RETRY_AFTER_S))
            return False
        report.reached = True
        self._last_contact = now
        if self.outbox.pause() is not None:
            self.outbox.resume_queue()
            log_event(LOG, "sync.resumed")
        if self._link in ("offline", "paused"):
            log_event(LOG, "sync.online", count=self.outbox.retry_now(now))
        self._set_link("online", "")
        return True

    def _drain(self, client: BackendClient, report: CycleReport) -> None:
        """Send the due dossiers, ``parallel`` at a time, each on a connection of its own;
        the outcomes are settled here, one at a time, in this thread."""
        due = deque(self.outbox.due(self._clock()))
        lanes = self._lanes(client)
        in_flight: dict[Future[Receipt], tuple[str, BackendClient]] = {}
        stop = False
        with ThreadPoolExecutor(len(lanes), thread_name_prefix="sync-lane") as pool:
            while in_flight or (due and not stop):
                while due and lanes and not stop and not self._stopping.is_set():
                    sid, lane = due.popleft(), lanes.pop()
                    work = pool.submit(
                        send, lane, self.outbox, sid, self.settings.chunk_size, self._clock
                    )
                    in_flight[work] = (sid, lane)
                if not in_flight:
                    break
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for work in finished:
                    sid, lane = in_flight.pop(work)
                    lanes.append(lane)
                    outcome = self._settle(sid, work, report)
                    if outcome == "pause":
                        stop = True
                    elif outcome == "unreachable" and not stop:
                        stop = not self._reach(client, report)  # the network went: wait

    def _lanes(self, client: BackendClient) -> list[BackendClient]:
        """One client per parallel upload (a requests session is not thread-safe); the
        capability check's ``client`` stays free for probing meanwhile."""
        wanted = max(1, self.settings.parallel)
        while len(self._lane_clients) < wanted:
            self._lane_clients.append(
                BackendClient(client.base_url, self._client_token or "", self.settings.timeout_s)
            )
        for lane in self._lane_clients:
            lane.tus_endpoint = client.tus_endpoint
        return list(self._lane_clients[:wanted])

    def _settle(self, sid: str, work: Future[Receipt], report: CycleReport) -> str:
        """Record what became of one dossier; returns "sent", "pause", "unreachable" or
        "retry"."""
        error = work.exception()
        if error is None:
            receipt = work.result()
            self._last_contact = self._clock()
            report.sent.append(sid)
            log_event(
                LOG,
                "sync.acknowledged",
                submission_id=sid,
                state=receipt.state,
                valid=not receipt.replayed,
            )
            return "sent"
        if isinstance(error, Unauthorized):
            self.outbox.pause_queue(str(error), self._clock())
            self._set_link("paused", str(error))
            report.paused = True
            return "pause"
        if isinstance(error, Rejected):
            self.outbox.quarantine(sid, str(error), self._clock())
            log_event(
                LOG, "sync.quarantined", logging.WARNING, submission_id=sid, reason=str(error)
            )
            report.quarantined.append(sid)
            return "retry"
        if not isinstance(error, SyncError):  # the disk (StoreError) or a bug: logged
            LOG.error("sending %s failed", sid, exc_info=error)
        self._retry_later(sid, error, report)
        return "unreachable" if isinstance(error, BackendUnreachable) else "retry"

    def backoff_s(self, attempts: int, retry_after: float | None) -> float:
        """Full jitter: uniform in [0, min(cap, base·2^attempts)], never below Retry-After."""
        ceiling = min(
            self.settings.retry_cap_s, self.settings.retry_base_s * 2 ** min(attempts, 30)
        )
        delay = self._rng.uniform(0.0, ceiling)
        if retry_after is not None:
            delay = max(delay, min(retry_after, MAX_RETRY_AFTER_S))
        return delay

    def _retry_later(self, sid: str, error: BaseException, report: CycleReport) -> None:
        now = self._clock()
        entry = self.outbox.entry(sid)
        attempts = entry.attempts if entry is not None else 0
        retry_after = error.retry_after if isinstance(error, RetryLater) else None
        delay = self.backoff_s(attempts, retry_after)
        reason = str(error) if isinstance(error, SyncError) else type(error).__name__
        if isinstance(error, BackendUnreachable):
            reason = OFFLINE_PREFIX + reason  # due again as soon as the backend answers
        try:
            self.outbox.retry_later(sid, reason, now + timedelta(seconds=delay), now)
        except StoreError as exc:
            LOG.error("cannot reschedule %s", sid, exc_info=exc)
        report.retried.append(sid)
        log_event(
            LOG,
            "sync.retry",
            logging.WARNING,
            submission_id=sid,
            reason=reason,
            attempts=attempts + 1,
            delay_s=round(delay, 1),
        )

    # -- what the médiateur sees ---------------------------------------------------------

    def _set_link(self, link: str, detail: str) -> None:
        if link != self._link:
            log_event(LOG, "sync.link", state=link, reason=detail)
        self._link, self._detail = link, detail

    def _check_stuck(self, now: datetime) -> None:
        stuck = self.outbox.stuck(now, self.settings.stuck_after)
        new = [e for e in stuck if e.submission_id not in self._stuck_ids]
        self._stuck_ids = {e.submission_id for e in stuck}
        if not new:
            return
        for entry in new:
            log_event(
                LOG,
                "sync.stuck",
                logging.WARNING,
                submission_id=entry.submission_id,
                dossier_number=entry.dossier_number,
                state=entry.state.value,
                reason=entry.last_error or "",
            )
        for listener in self._listeners:
            try:
                listener(stuck)
            except Exception as exc:
                LOG.error("stuck listener failed", exc_info=exc)

    def status(self) -> SyncStatus:
        pause = self.outbox.pause()
        link, detail = self._link, self._detail
        if pause is not None:
            link, detail = "paused", pause.reason
        return SyncStatus(
            link=link,
            detail=detail,
            counts=self.outbox.counts(),
            stuck=tuple(self.outbox.stuck(self._clock(), self.settings.stuck_after)),
            last_contact_at=None if self._last_contact is None else iso(self._last_contact),
        )

    def remote_state(self, submission_id: str) -> Receipt | None:
        """Ask the backend where a dossier stands (the médiateur's question), on a connection
        of its own: the worker's may be busy on its thread."""
        token = self._token()
        if not self.settings.backend_url or not token:
            raise BackendUnreachable("no backend configured or no credentials")
        client = BackendClient(self.settings.backend_url, token, self.settings.timeout_s)
        try:
            return client.state(submission_id)
        finally:
            client.close()


@contextmanager
def exclusive(path: Path) -> Iterator[bool]:
    """An advisory lock on ``path`` (flock): True if this process got it. The kernel drops it
    when the process dies, so a killed sender never blocks the next one."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
