"""Connection settings, migrations, downgrade protection and schema rules of the store."""

from __future__ import annotations

import ast
import logging
import sqlite3
import sys
import uuid
from pathlib import Path

import pytest

import offline_cache
from offline_cache import FileToSeal, OutboxState, Store, StoreError, SubmissionToSeal
from offline_cache.migrations import MIGRATIONS, SCHEMA_VERSION, migrate, split_statements
from tests.support.backend_key import encrypt

FIXTURES = Path(__file__).parent / "fixtures" / "store"
FIXTURE_ID = "7a0c1b9e-3f5d-4c2a-9e8b-1d2c3b4a5f60"
FIXTURE_FILES = {
    "piece-p1.txt": b"fixture scan page 1",
    "manifest.json": b'{"demarche": "permis-de-conduire", "version": "2024.1"}',
}


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def scalar(conn: sqlite3.Connection, sql: str) -> object:
    return conn.execute(sql).fetchone()[0]


def schema(db: Path) -> list[tuple[str, str]]:
    conn = raw(db)
    try:
        return conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    finally:
        conn.close()


def submission() -> SubmissionToSeal:
    return SubmissionToSeal(
        submission_id=str(uuid.uuid4()),
        demarche_id="carte-grise",
        demarche_version="3",
        kiosk_id="borne-test-01",
        assisted=False,
        manifest={"demarche": "carte-grise"},
        files=(FileToSeal("piece-p1.png", "image/png", b"\x89PNG"),),
    )


def test_a_new_store_is_in_wal_mode_with_full_sync_and_the_current_version(
    tmp_path: Path,
) -> None:
    with Store.open(tmp_path, encrypt=encrypt) as store:
        conn = store._connection()
        assert scalar(conn, "PRAGMA synchronous") == 2  # FULL
        assert scalar(conn, "PRAGMA foreign_keys") == 1
        assert scalar(conn, "PRAGMA busy_timeout") == 5000
        assert store.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    conn = raw(tmp_path / "kiosk.sqlite3")
    try:
        assert scalar(conn, "PRAGMA journal_mode") == "wal"  # persistent in the file
        assert scalar(conn, "PRAGMA user_version") == SCHEMA_VERSION
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()
    assert {"submissions", "submission_files", "outbox", "counters"} <= tables


def test_an_empty_v0_file_is_migrated_and_a_second_open_changes_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "kiosk.sqlite3"
    db.write_bytes(b"")
    with (
        caplog.at_level(logging.INFO, logger="offline_cache"),
        Store.open(tmp_path, encrypt=encrypt) as store,
    ):
        assert store.schema_version() == SCHEMA_VERSION
        sealed = store.seal(submission(), lambda seq: f"N{seq}")
    assert "store schema migrated from version 0 to 1" in caplog.text
    assert (
        f"store schema migrated from version {SCHEMA_VERSION - 1} to {SCHEMA_VERSION}"
        in caplog.text
    )
    before = schema(db)
    caplog.clear()

    with (
        caplog.at_level(logging.INFO, logger="offline_cache"),
        Store.open(tmp_path, encrypt=encrypt) as store,
    ):
        assert store.schema_version() == SCHEMA_VERSION
        assert store.submission(sealed.submission_id) == sealed
    assert "migrated" not in caplog.text
    assert schema(db) == before


def test_the_v1_fixture_is_migrated_without_losing_data(tmp_path: Path) -> None:
    conn = raw(tmp_path / "kiosk.sqlite3")
    conn.executescript((FIXTURES / "v1.sql").read_text(encoding="utf-8"))
    conn.close()
    directory = tmp_path / "spool" / FIXTURE_ID
    directory.mkdir(parents=True)
    directory.chmod(0o700)
    for name, data in FIXTURE_FILES.items():
        (directory / name).write_bytes(data)
        (directory / name).chmod(0o600)

    with Store.open(tmp_path, encrypt=encrypt) as store:
        assert store.schema_version() == SCHEMA_VERSION
        old = store.submission(FIXTURE_ID)
        assert old is not None
        assert (old.dossier_number, old.sequence, old.assisted) == ("PN-TEST01-000001", 1, True)
        assert [f.name for f in old.files] == ["piece-p1.txt", "manifest.json"]
        assert store.verify(FIXTURE_ID) == []
        [entry] = store.outbox()
        assert (entry.submission_id, entry.state) == (FIXTURE_ID, OutboxState.SEALED)
        new = store.seal(submission(), lambda seq: f"PN-TEST01-{seq:06d}")
    assert (new.sequence, new.dossier_number) == (2, "PN-TEST01-000002")


def test_the_v1_fixture_matches_the_first_migration(tmp_path: Path) -> None:
    """A released migration must never change: the frozen fixture's schema is its output."""
    from_fixture, from_migration = tmp_path / "fixture.sqlite3", tmp_path / "migration.sqlite3"
    conn = raw(from_fixture)
    conn.executescript((FIXTURES / "v1.sql").read_text(encoding="utf-8"))
    conn.close()
    conn = raw(from_migration)
    migrate(conn, MIGRATIONS[:1])
    conn.close()

    def normalised(db: Path) -> list[tuple[str, str]]:
        return [(name, " ".join((sql or "").split())) for name, sql in schema(db)]

    assert normalised(from_fixture) == normalised(from_migration)


def test_a_failing_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    conn = raw(tmp_path / "kiosk.sqlite3")
    broken = (*MIGRATIONS, "CREATE TABLE half_done (a); INSERT INTO missing_table VALUES (1);")
    with pytest.raises(sqlite3.OperationalError, match="missing_table"):
        migrate(conn, broken)
    assert scalar(conn, "PRAGMA user_version") == len(MIGRATIONS)
    assert scalar(conn, "SELECT count(*) FROM sqlite_master WHERE name = 'half_done'") == 0
    assert not conn.in_transaction
    conn.close()


def test_a_database_from_the_future_is_refused_untouched(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a", encrypt=encrypt) as store:
        store.seal(submission(), lambda seq: f"N{seq}")
    db = tmp_path / "a" / "kiosk.sqlite3"
    conn = raw(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()

    with pytest.raises(StoreError) as caught:
        Store.open(tmp_path / "a", encrypt=encrypt)
    assert caught.value.code == "newer_schema"
    assert f"version {SCHEMA_VERSION + 1}, newer than this software" in str(caught.value)
    conn = raw(db)
    assert scalar(conn, "PRAGMA user_version") == SCHEMA_VERSION + 1
    assert scalar(conn, "SELECT count(*) FROM submissions") == 1
    conn.close()

    fresh = tmp_path / "b" / "kiosk.sqlite3"
    fresh.parent.mkdir()
    conn = raw(fresh)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreError, match="version 99"):
        Store.open(fresh.parent, encrypt=encrypt)
    conn = raw(fresh)
    assert scalar(conn, "PRAGMA journal_mode") == "delete"  # not even switched to WAL
    assert scalar(conn, "SELECT count(*) FROM sqlite_master") == 0
    with pytest.raises(StoreError, match="version 99"):  # migrate() checks again, in its lock
        migrate(conn)
    assert not conn.in_transaction
    conn.close()


def test_outbox_states_in_the_database_match_the_enum(tmp_path: Path) -> None:
    Store.open(tmp_path, encrypt=encrypt).close()
    conn = raw(tmp_path / "kiosk.sqlite3")
    conn.execute("PRAGMA foreign_keys = ON")
    states = {r[0] for r in conn.execute("SELECT state FROM outbox_states")}
    assert states == {s.value for s in OutboxState}
    conn.execute(
        "INSERT INTO submissions VALUES (?, 'N1', 1, 'd', '1', 'k', 0, '2024-01-01T00:00:00Z')",
        (str(uuid.uuid4()),),
    )
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        conn.execute(
            "INSERT INTO outbox (submission_id, state, updated_at) "
            "SELECT submission_id, 'teleported', sealed_at FROM submissions"
        )
    conn.close()


def test_sealed_rows_cannot_be_updated(tmp_path: Path) -> None:
    with Store.open(tmp_path, encrypt=encrypt) as store:
        sealed = store.seal(submission(), lambda seq: f"N{seq}")
    conn = raw(tmp_path / "kiosk.sqlite3")
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        conn.execute("UPDATE submissions SET dossier_number = 'X'")
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        conn.execute("UPDATE submission_files SET sha256 = ?", ("0" * 64,))
    conn.close()
    with Store.open(tmp_path, encrypt=encrypt) as store:
        assert store.submission(sealed.submission_id) == sealed


def test_split_statements_keeps_trigger_bodies_and_literals_whole() -> None:
    script = """
    CREATE TABLE t (a TEXT DEFAULT 'x;y');
    CREATE TRIGGER tr BEFORE UPDATE ON t BEGIN SELECT RAISE(ABORT, 'no; never'); END;
    """
    assert split_statements(script) == [
        "CREATE TABLE t (a TEXT DEFAULT 'x;y');",
        "CREATE TRIGGER tr BEFORE UPDATE ON t BEGIN SELECT RAISE(ABORT, 'no; never'); END;",
    ]
    assert len(split_statements(MIGRATIONS[0])) == 9  # 5 tables, 1 insert, 1 index, 2 triggers


def test_offline_cache_imports_only_the_standard_library_and_age() -> None:
    package = Path(offline_cache.__file__).parent
    imported: set[str] = set()
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    assert "sqlite3" in imported  # the walk really saw the imports
    known = {"offline_cache", "__future__", "pyrage"}  # pyrage: the encryption (DESIGN: crypto)
    foreign = imported - set(sys.stdlib_module_names) - known
    assert foreign == set()
