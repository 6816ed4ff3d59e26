"""IT staff commands on a real store: enrol a médiateur, check the journal, export statistics."""

from __future__ import annotations

import io
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from kiosk.cli import LaunchOptions, main_with
from kiosk.config import Config
from kiosk.stats import SessionStats
from offline_cache import Store
from offline_cache.journal import Journal
from tests.support.backend_key import SYNC_TOML, encrypt


def never_started(config: Config, options: LaunchOptions) -> int:
    raise AssertionError("a staff command must not start the screen")


@pytest.fixture(autouse=True)
def credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The badge key as systemd hands it to the service."""
    directory = tmp_path / "credentials"
    directory.mkdir(mode=0o700)
    (directory / "badge-key").write_text("ab" * 32)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(directory))
    return directory


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'{SYNC_TOML}[kiosk]\nid = "borne-1"\ncode = "B7K"\ndata_dir = "{tmp_path / "data"}"\n',
        encoding="utf-8",
    )
    return path


def run(config: Path, *argv: str) -> int:
    return main_with(never_started, ["--config", str(config), *argv])


def test_enrol_list_and_disable_a_mediateur(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("482913\n"))
    assert (
        run(config, "mediateur", "enroll", "--name", "Karim", "--badge", "04A25F1B", "--pin-stdin")
        == 0
    )
    enrolled = capsys.readouterr().out
    assert "Karim enrôlé" in enrolled
    mediateur_id = enrolled.split(" ")[0]
    assert run(config, "mediateur", "list") == 0
    assert f"{mediateur_id}  Karim" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("12\n"))
    assert run(config, "mediateur", "enroll", "--name", "Léa", "--badge", "77", "--pin-stdin") == 2
    assert "4 à 12 chiffres" in capsys.readouterr().err
    assert run(config, "mediateur", "disable", mediateur_id) == 0
    assert run(config, "mediateur", "disable", mediateur_id) == 2
    assert "retiré" in capsys.readouterr().out


def test_journal_verify_reports_intact_then_altered(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store.open(tmp_path / "data", encrypt=encrypt) as store:
        for _ in range(3):
            Journal(store).append("assist.opened", "M-7K2Q", datetime.now(UTC))
    assert run(config, "journal", "verify") == 0
    assert "Journal intact : 3 entrée(s)" in capsys.readouterr().out
    db = sqlite3.connect(tmp_path / "data" / "kiosk.sqlite3")
    db.execute("DROP TRIGGER journal_is_append_only_update")
    db.execute("UPDATE journal SET actor = 'M-2222' WHERE seq = 2")
    db.commit()
    db.close()
    assert run(config, "journal", "verify") == 1
    assert "ROMPU  entry 2" in capsys.readouterr().out
    assert run(config, "journal", "show", "--since", "2") == 0
    assert "assist.opened" in capsys.readouterr().out


def test_stats_as_csv_for_the_prefecture(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store.open(tmp_path / "data", encrypt=encrypt) as store:
        stats = SessionStats(store)
        stats.record(date(2026, 11, 20), "permis-perte-vol", "deposited", True, True)
        stats.record(date(2026, 11, 20), "permis-perte-vol", "deposited", True, True)
        stats.record(date(2026, 11, 21), "carte-grise", "timed_out", False, False)
    assert run(config, "stats", "--csv", "--from", "2026-11-20", "--to", "2026-11-20") == 0
    assert capsys.readouterr().out == (
        "jour,demarche,issue,accompagne,recu_imprime,sessions\n"
        "2026-11-20,permis-perte-vol,deposited,1,1,2\n"
    )
    assert run(config, "stats") == 0
    assert "Total : 3 session(s)." in capsys.readouterr().out


def test_enrolment_without_the_badge_key_is_refused_with_what_to_do(
    config: Path, credentials: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (credentials / "badge-key").unlink()
    assert run(config, "mediateur", "enroll", "--name", "Karim", "--badge", "04A2") == 2
    assert "Clé des badges absente du trousseau" in capsys.readouterr().err
