"""What the receiver keeps on disk: an SQLite database and one file per upload.

``DIR/receiver.sqlite3`` (WAL, ``synchronous=FULL``: a committed transaction survives a power
cut) holds the uploads' offsets and states and the stored commits; ``DIR/uploads/<id>`` holds an
upload's bytes. The database offset is the truth: bytes of the file past it are leftovers of an
interrupted PATCH and are cut off before the next one writes (``open_at``), which is how a PATCH
is all-or-nothing without a second copy of its body.

One connection behind a lock serves every thread: SQLite serialises writers anyway, the
transactions are tiny, and a single connection is trivially closed on ``stop``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY,
    submission_id TEXT NOT NULL,
    filename TEXT NOT NULL,
    length INTEGER NOT NULL CHECK (length >= 0),
    upload_offset INTEGER NOT NULL DEFAULT 0 CHECK (upload_offset BETWEEN 0 AND length),
    sha256 TEXT NOT NULL,
    metadata TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'complete', 'corrupt', 'terminated')),
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS submissions (
    submission_id TEXT PRIMARY KEY,
    body_sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    dossier_number TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    state TEXT NOT NULL
        CHECK (state IN ('received', 'processing', 'accepted', 'rejected'))
);
CREATE TABLE IF NOT EXISTS submission_files (
    submission_id TEXT NOT NULL REFERENCES submissions (submission_id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    upload_id TEXT NOT NULL REFERENCES uploads (id),
    PRIMARY KEY (submission_id, position)
);
CREATE INDEX IF NOT EXISTS submission_files_upload ON submission_files (upload_id);
"""

SUBMISSION_STATES = ("received", "processing", "accepted", "rejected")


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Upload:
    id: str
    submission_id: str
    filename: str
    length: int
    offset: int
    sha256: str
    metadata: str
    state: str
    created_at: str


@dataclass(frozen=True)
class SubmissionFile:
    name: str
    role: str
    media_type: str
    size: int
    sha256: str
    upload_id: str


@dataclass(frozen=True)
class Submission:
    submission_id: str
    body_sha256: str
    body: str
    dossier_number: str
    response_status: int
    response_body: str
    received_at: str
    state: str


_UPLOAD_COLUMNS = (
    "id, submission_id, filename, length, upload_offset, sha256, metadata, state, created_at"
)
_SUBMISSION_COLUMNS = (
    "submission_id, body_sha256, body, dossier_number, response_status, response_body,"
    " received_at, state"
)


class Storage:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.uploads_dir = data_dir / "uploads"
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT).
        self._db = sqlite3.connect(
            data_dir / "receiver.sqlite3", check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        # executescript commits on its own, so it runs outside _tx.
        with self._lock:
            self._db.executescript(SCHEMA)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        with self._lock:
            return list(self._db.execute(sql, params).fetchall())

    # -- uploads ------------------------------------------------------------------------------

    def upload_path(self, upload_id: str) -> Path:
        return self.uploads_dir / upload_id

    def create_upload(
        self, submission_id: str, filename: str, length: int, sha256: str, metadata: str
    ) -> Upload:
        upload = Upload(
            id=secrets.token_hex(16),
            submission_id=submission_id,
            filename=filename,
            length=length,
            offset=0,
            sha256=sha256,
            metadata=metadata,
            state="open",
            created_at=utc_now(),
        )
        self.upload_path(upload.id).touch()
        with self._tx() as db:
            db.execute(
                f"INSERT INTO uploads ({_UPLOAD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    upload.id,
                    upload.submission_id,
                    upload.filename,
                    upload.length,
                    upload.offset,
                    upload.sha256,
                    upload.metadata,
                    upload.state,
                    upload.created_at,
                ),
            )
        return upload

    def get_upload(self, upload_id: str) -> Upload | None:
        rows = self._query(f"SELECT {_UPLOAD_COLUMNS} FROM uploads WHERE id = ?", upload_id)
        return Upload(*rows[0]) if rows else None  # type: ignore[arg-type]

    def list_uploads(self) -> list[Upload]:
        rows = self._query(f"SELECT {_UPLOAD_COLUMNS} FROM uploads ORDER BY created_at, id")
        return [Upload(*row) for row in rows]  # type: ignore[arg-type]

    def open_at(self, upload_id: str, offset: int) -> BinaryIO:
        """The upload's file, cut to its committed ``offset`` and positioned there."""
        handle = self.upload_path(upload_id).open("r+b")
        handle.truncate(offset)
        handle.seek(offset)
        return handle

    def advance(self, upload_id: str, expected: int, offset: int, state: str) -> None:
        """Commit a new offset (and state): called only once the bytes are fsynced."""
        with self._tx() as db:
            cursor = db.execute(
                "UPDATE uploads SET upload_offset = ?, state = ?"
                " WHERE id = ? AND upload_offset = ?",
                (offset, state, upload_id, expected),
            )
            if cursor.rowcount != 1:
                raise RuntimeError("upload offset changed under its lock")

    def terminate(self, upload_id: str) -> None:
        """Termination: the bytes go unless a stored commit references them (kept for it)."""
        with self._tx() as db:
            db.execute("UPDATE uploads SET state = 'terminated' WHERE id = ?", (upload_id,))
            referenced = db.execute(
                "SELECT 1 FROM submission_files WHERE upload_id = ? LIMIT 1", (upload_id,)
            ).fetchone()
        if referenced is None:
            self.upload_path(upload_id).unlink(missing_ok=True)

    # -- submissions --------------------------------------------------------------------------

    def get_submission(self, submission_id: str) -> Submission | None:
        rows = self._query(
            f"SELECT {_SUBMISSION_COLUMNS} FROM submissions WHERE submission_id = ?",
            submission_id,
        )
        return Submission(*rows[0]) if rows else None  # type: ignore[arg-type]

    def list_submissions(self) -> list[Submission]:
        rows = self._query(
            f"SELECT {_SUBMISSION_COLUMNS} FROM submissions ORDER BY received_at, submission_id"
        )
        return [Submission(*row) for row in rows]  # type: ignore[arg-type]

    def submission_files(self, submission_id: str) -> list[SubmissionFile]:
        rows = self._query(
            "SELECT name, role, media_type, size, sha256, upload_id FROM submission_files"
            " WHERE submission_id = ? ORDER BY position",
            submission_id,
        )
        return [SubmissionFile(*row) for row in rows]  # type: ignore[arg-type]

    def store_submission(self, submission: Submission, files: list[SubmissionFile]) -> None:
        """One transaction: the commit is durable (fsynced WAL) when this returns."""
        with self._tx() as db:
            db.execute(
                f"INSERT INTO submissions ({_SUBMISSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    submission.submission_id,
                    submission.body_sha256,
                    submission.body,
                    submission.dossier_number,
                    submission.response_status,
                    submission.response_body,
                    submission.received_at,
                    submission.state,
                ),
            )
            db.executemany(
                "INSERT INTO submission_files (submission_id, position, name, role, media_type,"
                " size, sha256, upload_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(submission.submission_id, i, *_file_row(f)) for i, f in enumerate(files)],
            )

    def set_submission_state(self, submission_id: str, state: str) -> bool:
        if state not in SUBMISSION_STATES:
            raise ValueError(f"state: one of {SUBMISSION_STATES}")
        with self._tx() as db:
            cursor = db.execute(
                "UPDATE submissions SET state = ? WHERE submission_id = ?", (state, submission_id)
            )
            return cursor.rowcount == 1

    def count_submissions(self) -> int:
        (count,) = self._query("SELECT count(*) FROM submissions")[0]
        assert isinstance(count, int)
        return count


def _file_row(f: SubmissionFile) -> tuple[str, str, str, int, str, str]:
    return (f.name, f.role, f.media_type, f.size, f.sha256, f.upload_id)


def fsync_file(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())
