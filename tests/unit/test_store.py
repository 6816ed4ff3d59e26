"""Sealing, reading, recovery and verification of the outbox store, on real SQLite files."""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import sqlite3
import stat
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from offline_cache import (
    FileToSeal,
    OutboxState,
    SealedSubmission,
    Store,
    StoreError,
    SubmissionToSeal,
)
from offline_cache import spool as spool_module
from tests.support.backend_key import decrypt, encrypt

MANIFEST: dict[str, object] = {
    "usager": {"nom": "Dupont", "prénom": "Élodie"},
    "demarche": "permis",
    "a": [1, 2],
}
FIXED_NOW = datetime(2024, 3, 5, 9, 15, 0, 123000, tzinfo=UTC)


def make_submission(
    submission_id: str | None = None,
    *,
    kiosk_id: str = "borne-01",
    files: tuple[FileToSeal, ...] | None = None,
    manifest: dict[str, object] | None = None,
) -> SubmissionToSeal:
    return SubmissionToSeal(
        submission_id=submission_id or str(uuid.uuid4()),
        demarche_id="permis-de-conduire",
        demarche_version="2024.1",
        kiosk_id=kiosk_id,
        assisted=True,
        manifest=MANIFEST if manifest is None else manifest,
        files=(
            files
            if files is not None
            else (
                FileToSeal("piece-identite-p1.jpg", "image/jpeg", b"\xff\xd8jpeg page 1"),
                FileToSeal("piece-domicile-p1.pdf", "application/pdf", b"%PDF-1.7 domicile"),
            )
        ),
    )


MEDIA_JSON = "application/json"


def number(seq: int) -> str:
    return f"PN-01-{seq:06d}"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    with Store.open(data_dir, encrypt=encrypt, clock=lambda: FIXED_NOW) as opened:
        yield opened


def spool_entries(data_dir: Path) -> list[str]:
    return sorted(p.name for p in (data_dir / "spool").iterdir())


def count_rows(data_dir: Path, table: str) -> int:
    conn = sqlite3.connect(data_dir / "kiosk.sqlite3")
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


# -- sealing ---------------------------------------------------------------------------


def test_seal_writes_files_rows_and_an_outbox_entry(store: Store, data_dir: Path) -> None:
    submission = make_submission()
    sealed = store.seal(submission, number)

    directory = data_dir / "spool" / submission.submission_id
    assert sealed.dossier_number == "PN-01-000001"
    assert sealed.sequence == 1
    assert sealed.sealed_at == "2024-03-05T09:15:00.123Z"
    assert (sealed.kiosk_id, sealed.assisted) == ("borne-01", True)
    assert [f.name for f in sealed.files] == [
        "piece-identite-p1.jpg.age",
        "piece-domicile-p1.pdf.age",
        "manifest.json.age",
    ]
    manifest_bytes = json.dumps(MANIFEST, sort_keys=True, ensure_ascii=False).encode("utf-8")
    clear = {f"{f.name}.age": f.data for f in submission.files} | {
        "manifest.json.age": manifest_bytes
    }
    for stored in sealed.files:
        # Stored encrypted to the backend's key; size and SHA-256 are the stored bytes'.
        assert stored.path == directory / stored.name
        on_disk = stored.path.read_bytes()
        assert on_disk.startswith(b"age-encryption.org/v1\n")
        assert decrypt(on_disk) == clear[stored.name]
        assert stored.size == len(on_disk)
        assert stored.sha256 == hashlib.sha256(on_disk).hexdigest()
    manifest_file = directory / "manifest.json.age"
    assert b"lodie" not in manifest_file.read_bytes()  # the answers are not in clear
    assert decrypt(manifest_file.read_bytes()).startswith(b'{"a": [1, 2], "demarche"')
    assert [f.media_type for f in sealed.files] == ["image/jpeg", "application/pdf", MEDIA_JSON]
    assert sorted(p.name for p in directory.iterdir()) == sorted(clear)

    [entry] = store.outbox()
    assert entry.submission_id == submission.submission_id
    assert entry.dossier_number == "PN-01-000001"
    assert entry.state is OutboxState.SEALED
    assert (entry.attempts, entry.next_attempt_at, entry.last_error) == (0, None, None)
    assert entry.updated_at == sealed.sealed_at
    assert store.submission(submission.submission_id) == sealed
    assert store.verify(submission.submission_id) == []
    assert spool_entries(data_dir) == [submission.submission_id]


def test_sealed_submission_survives_reopening(data_dir: Path) -> None:
    with Store.open(data_dir, encrypt=encrypt) as first:
        sealed = first.seal(make_submission(), number)
    with Store.open(data_dir, encrypt=encrypt) as second:
        assert second.submission(sealed.submission_id) == sealed
        assert [e.submission_id for e in second.outbox()] == [sealed.submission_id]
    assert sealed.sealed_at.endswith("Z")
    assert datetime.fromisoformat(sealed.sealed_at).tzinfo is not None


def test_sequence_increments_per_kiosk_and_feeds_the_number_function(data_dir: Path) -> None:
    seen: list[int] = []

    def recording(seq: int) -> str:
        seen.append(seq)
        return f"N-{seq}"

    with Store.open(data_dir, encrypt=encrypt) as store:
        numbers = [store.seal(make_submission(), recording).dossier_number for _ in range(3)]
        other = store.seal(make_submission(kiosk_id="borne-02"), lambda s: f"B2-{s}")
    with Store.open(data_dir, encrypt=encrypt) as store:
        after_reopen = store.seal(make_submission(), recording)
        order = [e.dossier_number for e in store.outbox()]

    assert seen == [1, 2, 3, 4]
    assert numbers == ["N-1", "N-2", "N-3"]
    assert (other.sequence, other.dossier_number) == (1, "B2-1")
    assert (after_reopen.sequence, after_reopen.dossier_number) == (4, "N-4")
    assert sorted(order) == ["B2-1", "N-1", "N-2", "N-3", "N-4"]


def test_sealing_the_same_id_twice_fails_and_keeps_the_first(store: Store, data_dir: Path) -> None:
    first = store.seal(make_submission(), number)
    calls: list[int] = []
    again = make_submission(
        first.submission_id, files=(FileToSeal("autre.jpg", "image/jpeg", b"other"),)
    )

    def recording(seq: int) -> str:
        calls.append(seq)
        return "OTHER"

    with pytest.raises(StoreError) as caught:
        store.seal(again, recording)

    assert caught.value.code == "already_sealed"
    assert calls == []
    assert store.submission(first.submission_id) == first
    assert store.verify(first.submission_id) == []
    assert spool_entries(data_dir) == [first.submission_id]
    assert [e.dossier_number for e in store.outbox()] == ["PN-01-000001"]
    assert store.seal(make_submission(), number).sequence == 2


def test_a_failing_number_function_leaves_nothing(store: Store, data_dir: Path) -> None:
    def broken(seq: int) -> str:
        raise RuntimeError("bug in the app")

    with pytest.raises(StoreError) as caught:
        store.seal(make_submission(), broken)

    assert caught.value.code == "number_function_failed"
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert spool_entries(data_dir) == []
    assert store.outbox() == []
    for table in ("submissions", "submission_files", "outbox", "counters"):
        assert count_rows(data_dir, table) == 0, table
    assert store.seal(make_submission(), number).sequence == 1  # the sequence was not consumed


def test_an_already_used_dossier_number_leaves_nothing(store: Store, data_dir: Path) -> None:
    first = store.seal(make_submission(), number)
    clashing = make_submission()

    with pytest.raises(StoreError) as caught:
        store.seal(clashing, lambda seq: "PN-01-000001")

    assert caught.value.code == "dossier_number_conflict"
    assert store.submission(clashing.submission_id) is None
    assert spool_entries(data_dir) == [first.submission_id]
    assert count_rows(data_dir, "submission_files") == len(first.files)
    assert store.verify(first.submission_id) == []
    assert store.seal(make_submission(), number).sequence == 2


def test_a_reset_counter_skips_the_numbers_already_used(data_dir: Path) -> None:
    with Store.open(data_dir, encrypt=encrypt) as store:
        first = store.seal(make_submission(), number, sequence_name="dossier:ABC")
        second = store.seal(make_submission(), number, sequence_name="dossier:ABC")
    with sqlite3.connect(data_dir / "kiosk.sqlite3") as conn:  # e.g. a store restored from a copy
        conn.execute("UPDATE counters SET value = 0 WHERE name = 'dossier:ABC'")
    with Store.open(data_dir, encrypt=encrypt) as store:
        third = store.seal(make_submission(), number, sequence_name="dossier:ABC")
    assert (first.sequence, second.sequence, third.sequence) == (1, 2, 3)
    assert len({first.dossier_number, second.dossier_number, third.dossier_number}) == 3


def test_the_counter_follows_its_name_not_the_kiosk_id(store: Store) -> None:
    renamed = [
        store.seal(make_submission(kiosk_id=kiosk), number, sequence_name="dossier:ABC")
        for kiosk in ("borne-01", "borne-01-renommee")
    ]
    assert [s.sequence for s in renamed] == [1, 2]


def test_a_failure_after_the_rename_removes_the_final_directory(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    submission = make_submission()
    final = data_dir / "spool" / submission.submission_id
    real_fsync_dir = spool_module.fsync_dir

    def fsync_dir(path: Path) -> None:
        if path == data_dir / "spool" and final.exists():
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync_dir(path)

    monkeypatch.setattr(spool_module, "fsync_dir", fsync_dir)
    with pytest.raises(StoreError) as caught:
        store.seal(submission, number)
    monkeypatch.undo()

    assert caught.value.code == "disk_full"
    assert "disk is full" in str(caught.value)
    assert not final.exists()
    assert spool_entries(data_dir) == []
    assert count_rows(data_dir, "submissions") == 0
    assert store.seal(make_submission(), number).sequence == 1


@pytest.mark.parametrize(
    ("submission", "why"),
    [
        (make_submission("not-a-uuid"), "submission_id"),
        (make_submission(str(uuid.uuid4()).upper()), "submission_id"),
        (make_submission(files=(FileToSeal("../escape.jpg", "image/jpeg", b"x"),)), "unsafe"),
        (make_submission(files=(FileToSeal(".hidden", "image/jpeg", b"x"),)), "unsafe"),
        (
            make_submission(files=(FileToSeal("manifest.json", "application/json", b"{}"),)),
            "reserved",
        ),
        (
            make_submission(
                files=(
                    FileToSeal("a.jpg", "image/jpeg", b"1"),
                    FileToSeal("a.jpg", "image/jpeg", b"2"),
                )
            ),
            "duplicated",
        ),
        (make_submission(files=(FileToSeal("a.jpg", "jpeg", b"x"),)), "media type"),
        (make_submission(manifest={"when": datetime.now(UTC)}), "JSON"),
        (make_submission(manifest={"x": float("nan")}), "JSON"),
    ],
)
def test_invalid_submissions_are_refused_before_touching_the_disk(
    store: Store, data_dir: Path, submission: SubmissionToSeal, why: str
) -> None:
    with pytest.raises(StoreError, match=why) as caught:
        store.seal(submission, number)
    assert caught.value.code == "invalid_submission"
    assert spool_entries(data_dir) == []
    assert count_rows(data_dir, "counters") == 0


def test_sealing_from_another_thread(store: Store) -> None:
    results: list[SealedSubmission] = []
    worker = threading.Thread(target=lambda: results.append(store.seal(make_submission(), number)))
    worker.start()
    worker.join(timeout=10)
    assert [r.dossier_number for r in results] == ["PN-01-000001"]
    assert store.outbox()[0].submission_id == results[0].submission_id


# -- recovery at open ------------------------------------------------------------------


def test_reopening_after_a_crash_removes_leftovers_and_keeps_sealed_dossiers(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Store.open(data_dir, encrypt=encrypt) as store:
        kept = store.seal(make_submission(), number)
    spool = data_dir / "spool"
    staging_id, orphan_id = str(uuid.uuid4()), str(uuid.uuid4())
    (spool / f".staging-{staging_id}").mkdir()
    (spool / f".staging-{staging_id}" / ".piece.jpg.tmp").write_bytes(b"half")
    (spool / orphan_id).mkdir()
    (spool / orphan_id / "manifest.json").write_text('{"nom": "Dupont"}')
    (spool / ".staging-Jean Dupont").mkdir()

    with (
        caplog.at_level(logging.INFO, logger="offline_cache"),
        Store.open(data_dir, encrypt=encrypt) as store,
    ):
        assert spool_entries(data_dir) == [kept.submission_id]
        assert store.submission(kept.submission_id) == kept
        assert store.verify(kept.submission_id) == []

    messages = [r.getMessage() for r in caplog.records if r.name == "offline_cache"]
    assert any("removed 2 unfinished seal(s)" in m and staging_id in m for m in messages)
    assert any("removed 1 uncommitted spool dir(s)" in m and orphan_id in m for m in messages)
    assert "Dupont" not in caplog.text
    assert "Jean" not in caplog.text


def test_a_row_without_files_is_kept_and_reported(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Store.open(data_dir, encrypt=encrypt) as store:
        sealed = store.seal(make_submission(), number)
    spool_module.remove(data_dir / "spool" / sealed.submission_id)

    with (
        caplog.at_level(logging.INFO, logger="offline_cache"),
        Store.open(data_dir, encrypt=encrypt) as store,
    ):
        assert store.submission(sealed.submission_id) == sealed
        assert store.verify(sealed.submission_id) == [
            f"{sealed.submission_id}: spool directory is missing"
        ]
    assert "1 sealed submission(s) have no spool directory" in caplog.text


# -- verification and file modes ---------------------------------------------------------


def test_verify_reports_tampered_missing_and_extra_files(store: Store) -> None:
    sealed = store.seal(make_submission(), number)
    jpeg, pdf, manifest = sealed.files
    tampered = bytearray(jpeg.path.read_bytes())
    tampered[-1] ^= 0xFF  # same size, other content
    jpeg.path.write_bytes(bytes(tampered))
    pdf.path.unlink()
    (manifest.path.parent / "intrus.txt").write_bytes(b"?")
    sid = sealed.submission_id

    assert store.verify(sid) == [
        f"{sid}/piece-identite-p1.jpg.age: sha256 does not match the sealed value",
        f"{sid}/piece-domicile-p1.pdf.age: file is missing",
        f"{sid}/intrus.txt: unexpected file",
    ]
    manifest.path.write_bytes(b"{}")
    assert f"{sid}/manifest.json.age: size is 2, sealed {manifest.size}" in store.verify(sid)
    assert store.submission(sid) == sealed  # problems never delete the row
    assert store.verify(str(uuid.uuid4())).pop().endswith("no such sealed submission")


def test_spool_files_are_private(store: Store, data_dir: Path) -> None:
    sealed = store.seal(make_submission(), number)

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(data_dir / "spool") == 0o700
    assert mode(data_dir / "spool" / sealed.submission_id) == 0o700
    assert [mode(f.path) for f in sealed.files] == [0o600, 0o600, 0o600]
    assert mode(data_dir / "kiosk.sqlite3") == 0o600
    assert mode(data_dir / "kiosk.sqlite3-wal") == 0o600
    sealed.files[0].path.chmod(0o644)
    assert store.verify(sealed.submission_id) == [
        f"{sealed.submission_id}/piece-identite-p1.jpg.age: file mode is not 0600"
    ]


# -- errors ----------------------------------------------------------------------------


def test_a_corrupt_database_file_raises_a_clear_store_error(data_dir: Path) -> None:
    data_dir.mkdir()
    (data_dir / "kiosk.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError) as caught:
        Store.open(data_dir, encrypt=encrypt)
    assert caught.value.code == "corrupt"
    assert "not a SQLite database" in str(caught.value)


def test_a_closed_store_refuses_calls(data_dir: Path) -> None:
    store = Store.open(data_dir, encrypt=encrypt)
    store.close()
    store.close()  # idempotent
    calls: list[Callable[[], object]] = [
        store.outbox,
        store.schema_version,
        lambda: store.submission(str(uuid.uuid4())),
        lambda: store.seal(make_submission(), number),
    ]
    for call in calls:
        with pytest.raises(StoreError) as caught:
            call()
        assert caught.value.code == "closed"
    assert spool_entries(data_dir) == []
