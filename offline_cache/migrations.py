"""Schema migrations, applied in order and tracked by ``PRAGMA user_version``.

``MIGRATIONS[i]`` takes the database from version ``i`` to ``i + 1``. Each one runs in its own
``BEGIN IMMEDIATE`` transaction together with the ``user_version`` bump, so a crash or an error
mid-migration leaves the database at the previous version. Never edit a released migration:
append a new one, and add an old-format fixture test for it.
"""

from __future__ import annotations

import logging
import sqlite3

from offline_cache.errors import StoreError

logger = logging.getLogger("offline_cache")

MIGRATIONS: tuple[str, ...] = (
    # 1 — sealed submissions, their files, the outbox and the per-kiosk dossier counters.
    """
    CREATE TABLE counters (
        name  TEXT PRIMARY KEY,
        value INTEGER NOT NULL CHECK (value >= 0)
    ) STRICT;

    CREATE TABLE submissions (
        submission_id    TEXT PRIMARY KEY CHECK (length(submission_id) = 36),
        dossier_number   TEXT NOT NULL UNIQUE CHECK (dossier_number <> ''),
        sequence         INTEGER NOT NULL CHECK (sequence > 0),
        demarche_id      TEXT NOT NULL,
        demarche_version TEXT NOT NULL,
        kiosk_id         TEXT NOT NULL,
        assisted         INTEGER NOT NULL CHECK (assisted IN (0, 1)),
        sealed_at        TEXT NOT NULL,
        UNIQUE (kiosk_id, sequence)
    ) STRICT;

    CREATE TABLE submission_files (
        submission_id TEXT NOT NULL
            REFERENCES submissions (submission_id) ON DELETE CASCADE,
        position      INTEGER NOT NULL CHECK (position >= 0),
        name          TEXT NOT NULL CHECK (name <> '' AND instr(name, '/') = 0),
        media_type    TEXT NOT NULL,
        size          INTEGER NOT NULL CHECK (size >= 0),
        sha256        TEXT NOT NULL CHECK (length(sha256) = 64),
        PRIMARY KEY (submission_id, name),
        UNIQUE (submission_id, position)
    ) STRICT;

    -- Allowed outbox states; later migrations add rows (uploading, uploaded, ...).
    CREATE TABLE outbox_states (
        state TEXT PRIMARY KEY
    ) STRICT, WITHOUT ROWID;
    INSERT INTO outbox_states (state) VALUES ('sealed');

    CREATE TABLE outbox (
        submission_id   TEXT PRIMARY KEY
            REFERENCES submissions (submission_id) ON DELETE CASCADE,
        state           TEXT NOT NULL REFERENCES outbox_states (state),
        attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at TEXT,
        last_error      TEXT,
        updated_at      TEXT NOT NULL
    ) STRICT;
    CREATE INDEX outbox_by_state ON outbox (state, next_attempt_at);

    -- A sealed submission is never edited: only deleted (purged) after acknowledgement.
    CREATE TRIGGER submissions_are_immutable BEFORE UPDATE ON submissions
    BEGIN
        SELECT RAISE(ABORT, 'sealed submissions are immutable');
    END;
    CREATE TRIGGER submission_files_are_immutable BEFORE UPDATE ON submission_files
    BEGIN
        SELECT RAISE(ABORT, 'sealed submission files are immutable');
    END;
    """,
    # 2 — the way to the backend: states after "sealed", the tus upload of each file (its URL
    # and the offset the backend confirmed, so an interrupted file resumes where it stopped),
    # the acknowledgement, and a pause of the whole queue (the backend refused the kiosk).
    """
    INSERT INTO outbox_states (state) VALUES
        ('uploading'), ('committing'), ('acknowledged'), ('purged'), ('quarantined');

    ALTER TABLE outbox ADD COLUMN acknowledged_at TEXT;
    ALTER TABLE outbox ADD COLUMN remote_state TEXT;
    ALTER TABLE outbox ADD COLUMN purged_at TEXT;

    CREATE TABLE outbox_uploads (
        submission_id TEXT NOT NULL REFERENCES outbox (submission_id) ON DELETE CASCADE,
        name          TEXT NOT NULL,
        upload_url    TEXT NOT NULL CHECK (upload_url <> ''),
        upload_offset INTEGER NOT NULL DEFAULT 0 CHECK (upload_offset >= 0),
        PRIMARY KEY (submission_id, name),
        FOREIGN KEY (submission_id, name) REFERENCES submission_files (submission_id, name)
    ) STRICT;

    CREATE TABLE sync_pause (
        id     INTEGER PRIMARY KEY CHECK (id = 1),
        reason TEXT NOT NULL,
        since  TEXT NOT NULL
    ) STRICT;
    """,
    # 3 — the assist mode: enrolled médiateurs (their badge only as a keyed hash, the key
    # being in the keyring, their PIN as an argon2 hash), the hash-chained journal of what
    # happened (append-only: triggers refuse any change), and one row of statistics per
    # finished session (no personal data).
    """
    CREATE TABLE mediateurs (
        mediateur_id TEXT PRIMARY KEY CHECK (mediateur_id <> ''),
        display_name TEXT NOT NULL CHECK (display_name <> ''),
        badge_key    TEXT NOT NULL UNIQUE CHECK (length(badge_key) = 64),
        pin_hash     TEXT NOT NULL,
        enrolled_at  TEXT NOT NULL,
        disabled_at  TEXT
    ) STRICT;

    CREATE TABLE journal (
        seq       INTEGER PRIMARY KEY CHECK (seq > 0),
        at        TEXT NOT NULL,
        action    TEXT NOT NULL CHECK (action <> ''),
        actor     TEXT NOT NULL,
        detail    TEXT NOT NULL,
        prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
        hash      TEXT NOT NULL UNIQUE CHECK (length(hash) = 64)
    ) STRICT;
    CREATE TRIGGER journal_is_append_only_update BEFORE UPDATE ON journal
    BEGIN
        SELECT RAISE(ABORT, 'the journal is append-only');
    END;
    CREATE TRIGGER journal_is_append_only_delete BEFORE DELETE ON journal
    BEGIN
        SELECT RAISE(ABORT, 'the journal is append-only');
    END;

    CREATE TABLE session_stats (
        id         INTEGER PRIMARY KEY,
        day        TEXT NOT NULL,
        demarche_id TEXT NOT NULL,
        outcome    TEXT NOT NULL,
        assisted   INTEGER NOT NULL CHECK (assisted IN (0, 1)),
        printed    INTEGER NOT NULL CHECK (printed IN (0, 1))
    ) STRICT;
    CREATE INDEX session_stats_by_day ON session_stats (day);
    """,
    # 4 — wrong PINs per médiateur survive a restart: restarting the kiosk must not reset a
    # lockout (or give a guesser fresh tries).
    """
    CREATE TABLE pin_failures (
        mediateur_id TEXT PRIMARY KEY REFERENCES mediateurs (mediateur_id) ON DELETE CASCADE,
        failures     INTEGER NOT NULL CHECK (failures >= 0),
        lockouts     INTEGER NOT NULL CHECK (lockouts >= 0),
        locked_until TEXT NOT NULL
    ) STRICT;
    """,
    # 5 — receipts not printed yet (paper out, the usager gone before the printer answered):
    # kept for a few hours so the médiateur can print them once the printer is fixed. The
    # document holds what the ticket says (number, démarche, date, kiosk, pièces), never an
    # answer; the number and the démarche are the sealed submission's, joined, not copied.
    """
    CREATE TABLE pending_receipts (
        submission_id TEXT PRIMARY KEY
            REFERENCES submissions (submission_id) ON DELETE CASCADE,
        document      TEXT NOT NULL CHECK (json_valid(document)),
        reason        TEXT NOT NULL CHECK (reason <> ''),
        attempts      INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
    ) STRICT;
    CREATE INDEX pending_receipts_by_age ON pending_receipts (created_at);
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


def split_statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (trigger bodies and string literals kept)."""
    statements: list[str] = []
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \t\r\n;"):
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip(" \t\r\n;"):
        raise ValueError("migration script ends with an incomplete statement")
    return statements


def user_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def refuse_newer(version: int) -> None:
    """Downgrade protection: never touch a database written by newer code."""
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the database schema is version {version}, newer than this software supports "
            f"({SCHEMA_VERSION}); refusing to open it: install the newer kiosk version again "
            f"or restore a backup",
            code="newer_schema",
        )


def migrate(conn: sqlite3.Connection, migrations: tuple[str, ...] = MIGRATIONS) -> int:
    """Apply the missing migrations, each in its own transaction; return the final version.

    ``conn`` must be in autocommit mode (``isolation_level=None``). The version is re-read
    inside each write transaction, so two processes opening the store at once do not both
    migrate.
    """
    target = len(migrations)
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = user_version(conn)
            refuse_newer(version)
            if version >= target:
                conn.execute("ROLLBACK")
                return version
            for statement in split_statements(migrations[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1:d}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        logger.info("store schema migrated from version %d to %d", version, version + 1)
