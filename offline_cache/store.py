"""The durable local store: sealed dossiers and their outbox, SQLite (WAL) plus a file spool.

Layout under ``data_dir``::

    kiosk.sqlite3              submissions, submission_files, outbox, counters (see migrations)
    spool/<submission_id>/     the sealed files of one dossier, manifest.json.age included,
                               each one encrypted to the backend's key (see ``encryption``)
    spool/.staging-<id>/       a seal in progress (removed at open if a crash left it)

Sealing holds the database write lock (``BEGIN IMMEDIATE``) from before the first file is
staged until the commit. So while :meth:`Store.open` holds that lock for its recovery, no seal
can be in progress in any process, and every staging directory or row-less spool directory it
finds is a crash leftover, safe to remove.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from offline_cache import migrations, spool
from offline_cache.encryption import ENCRYPTED_SUFFIX, Encrypt
from offline_cache.errors import StoreError, wrap_error
from offline_cache.models import (
    MANIFEST_NAME,
    OutboxEntry,
    OutboxState,
    SealedSubmission,
    StoredFile,
    SubmissionToSeal,
)

logger = logging.getLogger("offline_cache")

DB_NAME = "kiosk.sqlite3"
SPOOL_NAME = "spool"
BUSY_TIMEOUT_MS = 5000
# Dossier numbers already taken that sealing skips before giving up (a reset counter).
MAX_NUMBER_ATTEMPTS = 1000

_SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_MEDIA_TYPE = re.compile(r"[!-~]+/[ -~]+")

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class _Staged:
    name: str
    media_type: str
    data: bytes
    size: int
    sha256: str


def _iso_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise StoreError("the store clock must return timezone-aware datetimes")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _prepare(submission: SubmissionToSeal, encrypt: Encrypt) -> list[_Staged]:
    """Validate a submission, serialise its manifest and encrypt every file, before touching
    the disk: nothing of the dossier is ever written in clear."""
    sid = submission.submission_id
    if not isinstance(sid, str) or not spool.is_submission_id(sid):
        raise StoreError("submission_id must be a canonical UUID string", code="invalid_submission")
    for field in ("demarche_id", "demarche_version", "kiosk_id"):
        value = getattr(submission, field)
        if not isinstance(value, str) or not value:
            raise StoreError(
                f"{sid}: {field} must be a non-empty string", code="invalid_submission"
            )
    if not isinstance(submission.assisted, bool):
        raise StoreError(f"{sid}: assisted must be a bool", code="invalid_submission")
    try:
        manifest = json.dumps(
            submission.manifest, sort_keys=True, ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise StoreError(
            f"{sid}: the manifest is not JSON-serialisable ({type(exc).__name__})",
            code="invalid_submission",
        ) from exc
    staged: list[_Staged] = []
    seen = {MANIFEST_NAME}
    for index, item in enumerate(submission.files):
        if not isinstance(item.name, str) or not _SAFE_FILE_NAME.fullmatch(item.name):
            raise StoreError(f"{sid}: file #{index} has an unsafe name", code="invalid_submission")
        if item.name in seen:
            raise StoreError(
                f"{sid}: file name {item.name} is duplicated or reserved",
                code="invalid_submission",
            )
        if not isinstance(item.media_type, str) or not _MEDIA_TYPE.fullmatch(item.media_type):
            raise StoreError(
                f"{sid}: {item.name} has an invalid media type", code="invalid_submission"
            )
        if not isinstance(item.data, bytes):
            raise StoreError(f"{sid}: {item.name} data must be bytes", code="invalid_submission")
        seen.add(item.name)
        staged.append(_file(item.name, item.media_type, item.data, encrypt))
    staged.append(_file(MANIFEST_NAME, "application/json", manifest, encrypt))
    return staged


def _file(name: str, media_type: str, data: bytes, encrypt: Encrypt) -> _Staged:
    """``data`` encrypted, named ``<name>.age``; size and SHA-256 are those of what is stored
    and uploaded. ``media_type`` stays the clear content's, for the backend once decrypted."""
    try:
        sealed = encrypt(data)
    except Exception as exc:
        raise StoreError(
            f"cannot encrypt {name}: {type(exc).__name__}", code="encryption_failed"
        ) from exc
    return _Staged(
        name + ENCRYPTED_SUFFIX,
        media_type,
        sealed,
        len(sealed),
        hashlib.sha256(sealed).hexdigest(),
    )


class Store:
    """The outbox of sealed dossiers. Create it with :meth:`open`; one instance per process.

    Usable from any thread (one at a time is enough for the app; a lock serialises calls).
    Every method raises :class:`StoreError`, never ``sqlite3`` or ``OSError`` exceptions.
    """

    def __init__(
        self, conn: sqlite3.Connection, data_dir: Path, encrypt: Encrypt, clock: Clock
    ) -> None:
        """Private: use :meth:`Store.open`."""
        self._conn: sqlite3.Connection | None = conn
        self._data_dir = data_dir
        self._spool = data_dir / SPOOL_NAME
        self._encrypt = encrypt
        self._clock = clock
        self._lock = threading.RLock()

    # -- opening and closing -------------------------------------------------------------

    @classmethod
    def open(cls, data_dir: Path, *, encrypt: Encrypt, clock: Clock | None = None) -> Store:
        """Open (creating, migrating and recovering as needed) the store under ``data_dir``.

        ``encrypt`` seals each file to the backend's key (``encryption.encryptor``)."""
        data_dir = Path(data_dir)
        conn: sqlite3.Connection | None = None
        try:
            data_dir.mkdir(mode=spool.DIR_MODE, parents=True, exist_ok=True)
            spool.make_private_dir(data_dir / SPOOL_NAME)
            db_path = data_dir / DB_NAME
            if not db_path.exists():  # SQLite gives -wal and -shm the same mode as the db
                os.close(os.open(db_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, spool.FILE_MODE))
            conn = sqlite3.connect(
                db_path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,  # explicit BEGIN/COMMIT only
                check_same_thread=False,  # guarded by Store._lock instead
            )
            _configure(conn)
            migrations.migrate(conn)
            store = cls(conn, data_dir, encrypt, clock or (lambda: datetime.now(UTC)))
            store._recover()
            return store
        except BaseException as exc:
            if conn is not None:
                conn.close()
            if not isinstance(exc, Exception):
                raise
            raise wrap_error(exc, f"cannot open the store in {data_dir}") from exc

    def close(self) -> None:
        """Close the database. Idempotent; later calls on this store raise ``StoreError``."""
        with self._lock:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                try:
                    conn.close()
                except sqlite3.Error as exc:
                    raise wrap_error(exc, "cannot close the store") from exc

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- sealing -------------------------------------------------------------------------

    def seal(
        self,
        submission: SubmissionToSeal,
        number_for_sequence: Callable[[int], str],
        sequence_name: str | None = None,
    ) -> SealedSubmission:
        """Store a finished dossier durably and atomically, give it its dossier number.

        ``sequence_name`` names the counter the number comes from (default: one per kiosk id);
        the application keys it by what the number is made of, so renaming a kiosk does not
        restart its numbers. A number already used (a counter reset, a restored store) is
        skipped: the next sequence value is tried.

        On return the files are fsynced in ``spool/<id>/`` and the rows committed. On any
        failure nothing of this submission remains (and a first sealing of the same id is
        left untouched) and ``StoreError`` is raised.
        """
        staged = _prepare(submission, self._encrypt)
        sid = submission.submission_id
        staging = self._spool / f"{spool.STAGING_PREFIX}{sid}"
        final = self._spool / sid
        with self._lock, self._failures(f"cannot seal submission {sid}"):
            conn = self._connection()
            renamed = False
            conn.execute("BEGIN IMMEDIATE")
            try:
                if conn.execute(
                    "SELECT 1 FROM submissions WHERE submission_id = ?", (sid,)
                ).fetchone():
                    raise StoreError(
                        f"submission {sid} is already sealed; a sealed dossier is never re-sealed",
                        code="already_sealed",
                    )
                self._stage(staging, staged)
                sequence, number = self._number(
                    conn,
                    sequence_name or f"dossier_sequence:{submission.kiosk_id}",
                    number_for_sequence,
                )
                sealed_at = _iso_utc(self._clock())
                _insert(conn, submission, staged, sequence, number, sealed_at)
                if spool.remove(final):  # no row and we hold the lock: a crash leftover
                    logger.warning("removed orphan spool directory %s before sealing", sid)
                os.rename(staging, final)
                renamed = True
                spool.fsync_dir(self._spool)
                conn.execute("COMMIT")
            except BaseException:
                self._abandon(conn, staging, final if renamed else None)
                raise
        logger.info("sealed submission %s as sequence %d", sid, sequence)
        return SealedSubmission(
            submission_id=sid,
            dossier_number=number,
            sequence=sequence,
            demarche_id=submission.demarche_id,
            demarche_version=submission.demarche_version,
            kiosk_id=submission.kiosk_id,
            assisted=submission.assisted,
            sealed_at=sealed_at,
            files=tuple(
                StoredFile(f.name, f.media_type, f.size, f.sha256, final / f.name) for f in staged
            ),
        )

    def _stage(self, staging: Path, staged: list[_Staged]) -> None:
        spool.remove(staging)  # a leftover of this very id (we hold the write lock)
        staging.mkdir(mode=spool.DIR_MODE)
        os.chmod(staging, spool.DIR_MODE)
        for item in staged:
            spool.write_file(staging, item.name, item.data)
        spool.fsync_dir(staging)

    @staticmethod
    def _number(
        conn: sqlite3.Connection, counter: str, number_for_sequence: Callable[[int], str]
    ) -> tuple[int, str]:
        for _attempt in range(MAX_NUMBER_ATTEMPTS):
            sequence, number = Store._next_number(conn, counter, number_for_sequence)
            if not conn.execute(
                "SELECT 1 FROM submissions WHERE dossier_number = ?", (number,)
            ).fetchone():
                return sequence, number
        raise StoreError(
            f"dossier number {number} (sequence {sequence}) is already used, "
            f"and so were the {MAX_NUMBER_ATTEMPTS - 1} before it",
            code="dossier_number_conflict",
        )

    @staticmethod
    def _next_number(
        conn: sqlite3.Connection, counter: str, number_for_sequence: Callable[[int], str]
    ) -> tuple[int, str]:
        row = conn.execute(
            "INSERT INTO counters (name, value) VALUES (?, 1) "
            "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
            (counter,),
        ).fetchone()
        sequence = int(row[0])
        try:
            number = number_for_sequence(sequence)
        except Exception as exc:
            raise StoreError(
                f"number_for_sequence({sequence}) failed: {type(exc).__name__}",
                code="number_function_failed",
            ) from exc
        if not isinstance(number, str) or not number:
            raise StoreError(
                f"number_for_sequence({sequence}) must return a non-empty string",
                code="number_function_failed",
            )
        return sequence, number

    def _abandon(self, conn: sqlite3.Connection, staging: Path, final: Path | None) -> None:
        """Roll back a failed seal and remove its directories; best effort, logs what fails."""
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        except sqlite3.Error as exc:
            logger.error("rollback after a failed seal failed: %s", type(exc).__name__)
        for path in (staging, final):
            if path is None:
                continue
            try:
                spool.remove(path)
            except OSError as exc:  # open() removes it at the next start
                logger.error("could not remove %s after a failed seal: %s", path.name, exc.strerror)
        with suppress(OSError):
            spool.fsync_dir(self._spool)

    # -- reading -------------------------------------------------------------------------

    def submission(self, submission_id: str) -> SealedSubmission | None:
        """The sealed submission with this id, or None if there is none."""
        with self._lock, self._failures(f"cannot read submission {submission_id}"):
            conn = self._connection()
            row = conn.execute(
                "SELECT submission_id, dossier_number, sequence, demarche_id, demarche_version, "
                "kiosk_id, assisted, sealed_at FROM submissions WHERE submission_id = ?",
                (submission_id,),
            ).fetchone()
            if row is None:
                return None
            files = conn.execute(
                "SELECT name, media_type, size, sha256 FROM submission_files "
                "WHERE submission_id = ? ORDER BY position",
                (submission_id,),
            ).fetchall()
        directory = self._spool / submission_id
        return SealedSubmission(
            submission_id=row[0],
            dossier_number=row[1],
            sequence=row[2],
            demarche_id=row[3],
            demarche_version=row[4],
            kiosk_id=row[5],
            assisted=bool(row[6]),
            sealed_at=row[7],
            files=tuple(StoredFile(n, m, s, h, directory / n) for n, m, s, h in files),
        )

    def outbox(self) -> list[OutboxEntry]:
        """Every outbox entry, oldest sealed first."""
        with self._lock, self._failures("cannot read the outbox"):
            rows = (
                self._connection()
                .execute(
                    f"SELECT {OUTBOX_COLUMNS} FROM outbox AS o "
                    "JOIN submissions AS s USING (submission_id) "
                    "ORDER BY s.sealed_at, s.kiosk_id, s.sequence"
                )
                .fetchall()
            )
            return [outbox_entry(row) for row in rows]

    def schema_version(self) -> int:
        with self._lock, self._failures("cannot read the schema version"):
            return migrations.user_version(self._connection())

    def verify(self, submission_id: str) -> list[str]:
        """Problems with a sealed submission's files (empty list: all intact). Changes nothing."""
        sealed = self.submission(submission_id)
        if sealed is None:
            return [f"{submission_id}: no such sealed submission"]
        directory = self._spool / submission_id
        with self._lock, self._failures(f"cannot verify submission {submission_id}"):
            if not directory.is_dir() or directory.is_symlink():
                return [f"{submission_id}: spool directory is missing"]
            problems = []
            if directory.stat().st_mode & 0o777 != spool.DIR_MODE:
                problems.append(f"{submission_id}: spool directory mode is not 0700")
            for stored in sealed.files:
                problems += _check_file(submission_id, stored)
            expected = {stored.name for stored in sealed.files}
            for extra in sorted({p.name for p in directory.iterdir()} - expected):
                problems.append(f"{submission_id}/{extra}: unexpected file")
            return problems

    # -- for the outbox (offline_cache.outbox) -------------------------------------------

    @contextmanager
    def transaction(self, action: str) -> Iterator[sqlite3.Connection]:
        """One write transaction under the store's lock: committed if the block ends normally,
        rolled back otherwise. ``action`` names it in the ``StoreError`` raised on failure."""
        with self._lock, self._failures(action):
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @contextmanager
    def reading(self, action: str) -> Iterator[sqlite3.Connection]:
        """The connection for reads under the store's lock (autocommit: each read is atomic)."""
        with self._lock, self._failures(action):
            yield self._connection()

    @property
    def data_dir(self) -> Path:
        return self._data_dir

    def spool_dir(self, submission_id: str) -> Path:
        return self._spool / submission_id

    # -- internals -----------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError("the store is closed", code="closed")
        return self._conn

    @contextmanager
    def _failures(self, action: str) -> Iterator[None]:
        try:
            yield
        except StoreError:
            raise
        except Exception as exc:  # sqlite3.Error, OSError, and anything unforeseen
            raise wrap_error(exc, action) from exc

    def _recover(self) -> None:
        """Remove what a crash left half-done in the spool; log ids and counts only."""
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")  # no seal can be in progress anywhere meanwhile
        try:
            known = {row[0] for row in conn.execute("SELECT submission_id FROM submissions")}
            # Purged dossiers keep their rows (for the médiateur's queries), not their files.
            purged = {
                row[0]
                for row in conn.execute(
                    "SELECT submission_id FROM outbox WHERE state = ?", (OutboxState.PURGED.value,)
                )
            }
            staging: list[str] = []
            orphans: list[str] = []
            present: set[str] = set()
            unexpected = 0
            for entry in sorted(self._spool.iterdir()):
                name = entry.name
                if name.startswith(spool.STAGING_PREFIX):
                    spool.remove(entry)
                    staging.append(_loggable(name.removeprefix(spool.STAGING_PREFIX)))
                elif entry.is_dir() and not entry.is_symlink() and spool.is_submission_id(name):
                    if name in known:
                        present.add(name)
                    else:
                        spool.remove(entry)
                        orphans.append(name)
                else:
                    unexpected += 1
            if staging or orphans:
                spool.fsync_dir(self._spool)
        finally:
            conn.execute("ROLLBACK")
        if staging:
            logger.warning("recovery: removed %d unfinished seal(s): %s", len(staging), staging)
        if orphans:
            logger.warning(
                "recovery: removed %d uncommitted spool dir(s): %s", len(orphans), orphans
            )
        if unexpected:
            logger.warning("recovery: %d unexpected entrie(s) left in the spool", unexpected)
        if missing := sorted(known - purged - present):
            logger.error(
                "%d sealed submission(s) have no spool directory: %s", len(missing), missing
            )


def _configure(conn: sqlite3.Connection) -> None:
    """Connection settings; refuses a database from newer code before changing anything."""
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
    migrations.refuse_newer(migrations.user_version(conn))
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StoreError(f"cannot switch the database to WAL mode (got {mode})", code="io_error")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    if conn.execute("PRAGMA foreign_keys").fetchone()[0] != 1:
        raise StoreError("this SQLite build cannot enforce foreign keys", code="store_error")


def _insert(
    conn: sqlite3.Connection,
    submission: SubmissionToSeal,
    staged: list[_Staged],
    sequence: int,
    number: str,
    sealed_at: str,
) -> None:
    sid = submission.submission_id
    conn.execute(
        "INSERT INTO submissions (submission_id, dossier_number, sequence, demarche_id, "
        "demarche_version, kiosk_id, assisted, sealed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            sid,
            number,
            sequence,
            submission.demarche_id,
            submission.demarche_version,
            submission.kiosk_id,
            int(submission.assisted),
            sealed_at,
        ),
    )
    conn.executemany(
        "INSERT INTO submission_files (submission_id, position, name, media_type, size, sha256) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(sid, i, f.name, f.media_type, f.size, f.sha256) for i, f in enumerate(staged)],
    )
    conn.execute(
        "INSERT INTO outbox (submission_id, state, attempts, updated_at) VALUES (?, ?, 0, ?)",
        (sid, OutboxState.SEALED.value, sealed_at),
    )


OUTBOX_COLUMNS = (
    "o.submission_id, s.dossier_number, o.state, o.attempts, o.next_attempt_at, o.last_error, "
    "o.updated_at, s.sealed_at, o.acknowledged_at, o.remote_state"
)


def outbox_entry(row: tuple[object, ...]) -> OutboxEntry:
    """An ``OutboxEntry`` from a row selected with ``OUTBOX_COLUMNS``."""
    sid, number, state, attempts, next_at, error, updated, sealed, acked, remote = row
    return OutboxEntry(
        str(sid),
        str(number),
        OutboxState(state),
        int(str(attempts)),
        None if next_at is None else str(next_at),
        None if error is None else str(error),
        str(updated),
        str(sealed),
        None if acked is None else str(acked),
        None if remote is None else str(remote),
    )


def _check_file(submission_id: str, stored: StoredFile) -> list[str]:
    label = f"{submission_id}/{stored.name}"
    if stored.path.is_symlink() or not stored.path.is_file():
        return [f"{label}: file is missing"]
    problems = []
    size, sha256 = spool.digest(stored.path)
    if size != stored.size:
        problems.append(f"{label}: size is {size}, sealed {stored.size}")
    if sha256 != stored.sha256:
        problems.append(f"{label}: sha256 does not match the sealed value")
    if stored.path.stat().st_mode & 0o777 != spool.FILE_MODE:
        problems.append(f"{label}: file mode is not 0600")
    return problems


def _loggable(name: str) -> str:
    """A spool name fit for the logs: ids only, anything else masked."""
    return name if spool.is_submission_id(name) else "<not an id>"
