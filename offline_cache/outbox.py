"""The outbox's way from "sealed" to "acknowledged", one SQLite transaction per step.

::

    sealed ─▶ uploading ─▶ committing ─▶ acknowledged ─▶ purged
       └──────────┴────────────┴─▶ quarantined (the backend refused it: kept, never deleted)

Each method is one transition and one transaction, so a kiosk killed at any instant restarts
from a state the sync worker knows how to continue: a file's tus URL is recorded before any
byte is sent, its offset after the backend confirmed it, and "acknowledged" only after the
backend's answer to the commit. A whole-queue pause (the backend refused the kiosk's
credentials) is a row of its own, so it survives a restart too.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from offline_cache import spool
from offline_cache.errors import StoreError
from offline_cache.models import OutboxEntry, OutboxState, StoredFile
from offline_cache.store import OUTBOX_COLUMNS, Store, outbox_entry

logger = logging.getLogger("offline_cache")

_PENDING = tuple(s.value for s in OutboxState if s.pending)
# The start of the last error of a dossier that waits for the network, not for the backend.
OFFLINE_PREFIX = "offline: "


@dataclass(frozen=True)
class Upload:
    """Where one sealed file stands at the backend: its tus URL and the confirmed offset."""

    url: str
    offset: int


@dataclass(frozen=True)
class OutboxItem:
    """A pending dossier as the sync worker needs it: its files and their uploads so far."""

    entry: OutboxEntry
    demarche_id: str
    demarche_version: str
    kiosk_id: str
    assisted: bool
    files: tuple[StoredFile, ...]
    uploads: dict[str, Upload]


@dataclass(frozen=True)
class Pause:
    reason: str
    since: str


def iso(moment: datetime) -> str:
    """The store's timestamp format: ISO 8601 UTC with milliseconds and a Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Outbox:
    """The transitions of the outbox over a :class:`Store`. Thread-safe as the store is."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- reading -------------------------------------------------------------------------

    def entry(self, submission_id: str) -> OutboxEntry | None:
        with self.store.reading("cannot read the outbox") as conn:
            row = conn.execute(
                f"SELECT {OUTBOX_COLUMNS} FROM outbox AS o "
                "JOIN submissions AS s USING (submission_id) WHERE o.submission_id = ?",
                (submission_id,),
            ).fetchone()
        return None if row is None else outbox_entry(row)

    def due(self, now: datetime) -> list[str]:
        """Ids of the pending dossiers whose next attempt is due, oldest sealed first."""
        marks = ", ".join("?" for _ in _PENDING)
        with self.store.reading("cannot read the outbox") as conn:
            rows = conn.execute(
                "SELECT o.submission_id FROM outbox AS o "
                "JOIN submissions AS s USING (submission_id) "
                f"WHERE o.state IN ({marks}) "
                "AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?) "
                "ORDER BY s.sealed_at, s.kiosk_id, s.sequence",
                (*_PENDING, iso(now)),
            ).fetchall()
        return [str(row[0]) for row in rows]

    def next_attempt_at(self) -> datetime | None:
        """When the earliest waiting dossier is due (None: nothing is waiting)."""
        marks = ", ".join("?" for _ in _PENDING)
        with self.store.reading("cannot read the outbox") as conn:
            row = conn.execute(
                f"SELECT min(coalesce(next_attempt_at, '')) FROM outbox WHERE state IN ({marks})",
                _PENDING,
            ).fetchone()
        if row is None or row[0] is None:
            return None
        return datetime.min.replace(tzinfo=UTC) if row[0] == "" else parse_iso(str(row[0]))

    def item(self, submission_id: str) -> OutboxItem:
        sealed = self.store.submission(submission_id)
        entry = self.entry(submission_id)
        if sealed is None or entry is None:
            raise StoreError(f"{submission_id}: not in the outbox", code="not_found")
        with self.store.reading("cannot read the uploads") as conn:
            rows = conn.execute(
                "SELECT name, upload_url, upload_offset FROM outbox_uploads "
                "WHERE submission_id = ?",
                (submission_id,),
            ).fetchall()
        return OutboxItem(
            entry=entry,
            demarche_id=sealed.demarche_id,
            demarche_version=sealed.demarche_version,
            kiosk_id=sealed.kiosk_id,
            assisted=sealed.assisted,
            files=sealed.files,
            uploads={str(n): Upload(str(u), int(o)) for n, u, o in rows},
        )

    def counts(self) -> dict[OutboxState, int]:
        with self.store.reading("cannot count the outbox") as conn:
            rows = conn.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
        found = {OutboxState(state): int(n) for state, n in rows}
        return {state: found.get(state, 0) for state in OutboxState}

    def stuck(self, now: datetime, older_than: timedelta) -> list[OutboxEntry]:
        """Dossiers sealed more than ``older_than`` ago and still not acknowledged
        (quarantined ones included: they need a person)."""
        limit = iso(now - older_than)
        return [
            e
            for e in self.store.outbox()
            if (e.state.pending or e.state is OutboxState.QUARANTINED) and e.sealed_at <= limit
        ]

    def pause(self) -> Pause | None:
        with self.store.reading("cannot read the queue's pause") as conn:
            row = conn.execute("SELECT reason, since FROM sync_pause").fetchone()
        return None if row is None else Pause(str(row[0]), str(row[1]))

    # -- transitions ---------------------------------------------------------------------

    def upload_created(self, submission_id: str, name: str, url: str, now: datetime) -> None:
        """The backend gave ``name`` a tus URL: record it before sending a byte."""
        with self.store.transaction(f"cannot record the upload of {submission_id}") as conn:
            conn.execute(
                "INSERT INTO outbox_uploads (submission_id, name, upload_url, upload_offset) "
                "VALUES (?, ?, ?, 0) ON CONFLICT (submission_id, name) "
                "DO UPDATE SET upload_url = excluded.upload_url, upload_offset = 0",
                (submission_id, name, url),
            )
            _move(conn, submission_id, OutboxState.UPLOADING, now, from_=(OutboxState.SEALED,))

    def offset_confirmed(self, submission_id: str, name: str, offset: int) -> None:
        """The backend confirmed ``offset`` bytes of ``name`` (a 204 or a HEAD)."""
        with self.store.transaction(f"cannot record the offset of {submission_id}") as conn:
            conn.execute(
                "UPDATE outbox_uploads SET upload_offset = ? WHERE submission_id = ? AND name = ?",
                (offset, submission_id, name),
            )

    def upload_lost(self, submission_id: str, name: str) -> None:
        """The backend no longer knows this upload (expired, removed): start it again."""
        with self.store.transaction(f"cannot forget the upload of {submission_id}") as conn:
            conn.execute(
                "DELETE FROM outbox_uploads WHERE submission_id = ? AND name = ?",
                (submission_id, name),
            )

    def all_uploaded(self, submission_id: str, now: datetime) -> None:
        with self.store.transaction(f"cannot mark {submission_id} uploaded") as conn:
            _move(
                conn,
                submission_id,
                OutboxState.COMMITTING,
                now,
                from_=(OutboxState.SEALED, OutboxState.UPLOADING),
            )

    def acknowledged(self, submission_id: str, remote_state: str, now: datetime) -> None:
        """The backend answered the commit: the dossier has arrived."""
        with self.store.transaction(f"cannot acknowledge {submission_id}") as conn:
            _move(
                conn,
                submission_id,
                OutboxState.ACKNOWLEDGED,
                now,
                from_=(OutboxState.COMMITTING,),
                extra="acknowledged_at = ?, remote_state = ?, next_attempt_at = NULL, "
                "last_error = NULL",
                values=(iso(now), remote_state),
            )

    def retry_later(self, submission_id: str, error: str, at: datetime, now: datetime) -> None:
        """An attempt failed in a way worth retrying: one more attempt counted, due at ``at``."""
        with self.store.transaction(f"cannot reschedule {submission_id}") as conn:
            marks = ", ".join("?" for _ in _PENDING)
            conn.execute(  # a dossier acknowledged or quarantined meanwhile keeps its state
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, "
                f"updated_at = ? WHERE submission_id = ? AND state IN ({marks})",
                (iso(at), error[:500], iso(now), submission_id, *_PENDING),
            )

    def quarantine(self, submission_id: str, reason: str, now: datetime) -> None:
        """The backend refused this dossier: keep it, out of the way of the others."""
        with self.store.transaction(f"cannot quarantine {submission_id}") as conn:
            _move(
                conn,
                submission_id,
                OutboxState.QUARANTINED,
                now,
                from_=(OutboxState.SEALED, OutboxState.UPLOADING, OutboxState.COMMITTING),
                extra="last_error = ?, next_attempt_at = NULL",
                values=(reason[:500],),
            )
        logger.warning("outbox: %s quarantined", submission_id)

    def release(self, submission_id: str, now: datetime) -> None:
        """A quarantined dossier is to be sent again, from its first file (a médiateur's
        decision once the cause is fixed)."""
        with self.store.transaction(f"cannot release {submission_id}") as conn:
            conn.execute("DELETE FROM outbox_uploads WHERE submission_id = ?", (submission_id,))
            _move(
                conn,
                submission_id,
                OutboxState.SEALED,
                now,
                from_=(OutboxState.QUARANTINED,),
                extra="attempts = 0, next_attempt_at = NULL",
            )

    def retry_now(self, now: datetime) -> int:
        """The network is back: every dossier that waits because of it (its last error starts
        with ``OFFLINE_PREFIX``) is due at once; one the backend asked to wait keeps its
        time. Returns how many."""
        marks = ", ".join("?" for _ in _PENDING)
        with self.store.transaction("cannot reschedule the outbox") as conn:
            cursor = conn.execute(
                f"UPDATE outbox SET next_attempt_at = NULL, updated_at = ? "
                f"WHERE state IN ({marks}) AND next_attempt_at IS NOT NULL "
                "AND substr(last_error, 1, ?) = ?",
                (iso(now), *_PENDING, len(OFFLINE_PREFIX), OFFLINE_PREFIX),
            )
            return int(cursor.rowcount)

    def pause_queue(self, reason: str, now: datetime) -> None:
        with self.store.transaction("cannot pause the queue") as conn:
            conn.execute(
                "INSERT INTO sync_pause (id, reason, since) VALUES (1, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET reason = excluded.reason",
                (reason[:500], iso(now)),
            )

    def resume_queue(self) -> None:
        with self.store.transaction("cannot resume the queue") as conn:
            conn.execute("DELETE FROM sync_pause")

    def purge(self, submission_id: str, now: datetime) -> None:
        """Remove an acknowledged dossier's files; its row stays for the médiateur's queries
        (dossier number, démarche, dates: no personal data). The row goes first: a crash
        between the two leaves files with no pending row, which the next purge removes."""
        directory = self.store.spool_dir(submission_id)
        with self.store.transaction(f"cannot purge {submission_id}") as conn:
            _move(
                conn,
                submission_id,
                OutboxState.PURGED,
                now,
                from_=(OutboxState.ACKNOWLEDGED,),
                extra="purged_at = ?",
                values=(iso(now),),
            )
            conn.execute("DELETE FROM outbox_uploads WHERE submission_id = ?", (submission_id,))
        remove_purged(directory)

    def purge_due(self, now: datetime, retention: timedelta, swept: bool = False) -> list[str]:
        """Purge every dossier acknowledged at least ``retention`` ago; unless ``swept``, also
        the files of purged ones a crash left behind. Returns the ids purged now."""
        with self.store.reading("cannot read the outbox") as conn:
            due = conn.execute(
                "SELECT submission_id FROM outbox WHERE state = ? AND acknowledged_at <= ?",
                (OutboxState.ACKNOWLEDGED.value, iso(now - retention)),
            ).fetchall()
            leftovers = (
                []
                if swept
                else conn.execute(
                    "SELECT submission_id FROM outbox WHERE state = ?", (OutboxState.PURGED.value,)
                ).fetchall()
            )
        for (sid,) in leftovers:
            remove_purged(self.store.spool_dir(str(sid)))
        for (sid,) in due:
            self.purge(str(sid), now)
        return [str(sid) for (sid,) in due]


def remove_purged(directory: Path) -> None:
    if spool.remove(directory):
        spool.fsync_dir(directory.parent)


def _move(
    conn: sqlite3.Connection,
    submission_id: str,
    to: OutboxState,
    now: datetime,
    *,
    from_: tuple[OutboxState, ...],
    extra: str = "",
    values: tuple[object, ...] = (),
) -> None:
    """One state change, refused unless the entry is in one of ``from_`` (or already in
    ``to``: a step repeated after a crash between the backend's answer and our commit)."""
    row = conn.execute("SELECT state FROM outbox WHERE submission_id = ?", (submission_id,))
    found = row.fetchone()
    if found is None:
        raise StoreError(f"{submission_id}: not in the outbox", code="not_found")
    state = OutboxState(found[0])
    if state is to:
        return
    if state not in from_:
        raise StoreError(
            f"{submission_id}: cannot go from {state.value} to {to.value}",
            code="invalid_transition",
        )
    assignments = "state = ?, updated_at = ?" + (f", {extra}" if extra else "")
    conn.execute(
        f"UPDATE outbox SET {assignments} WHERE submission_id = ?",
        (to.value, iso(now), *values, submission_id),
    )
