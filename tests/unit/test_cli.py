"""The ``kiosk`` command's Qt-free side: check-config for IT staff, the demo's temporary data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiosk.catalog import BUNDLED_DIR
from kiosk.cli import LaunchOptions, main_with
from kiosk.config import Config
from tests.support.backend_key import SYNC_TOML


def never_started(config: Config, options: LaunchOptions) -> int:
    raise AssertionError("check-config must not start the screen")


def write_config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'{SYNC_TOML}[kiosk]\nid = "borne-1"\ncode = "B7K"\ndata_dir = "{tmp_path / "data"}"\n'
        f"{extra}",
        encoding="utf-8",
    )
    return path


def test_check_config_reports_a_good_setup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main_with(never_started, ["--config", str(write_config(tmp_path)), "check-config"])
    out = capsys.readouterr().out
    assert code == 0
    bundled = len(list(BUNDLED_DIR.glob("*.toml")))
    assert "Configuration valide" in out
    assert f"Démarches disponibles ({BUNDLED_DIR}) : {bundled}" in out


def test_check_config_names_a_disabled_demarche_and_an_unwritable_data_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = tmp_path / "demarches"
    catalog.mkdir()
    shutil.copy(BUNDLED_DIR / "permis-perte-vol.toml", catalog)
    (catalog / "casse.toml").write_text(
        'format = 1\nid = "casse"\nversion = "1"\ntitle = "X"\n'
        '[[steps]]\nid = "a"\ntype = "nope"\nlabel = "A"\n',
        encoding="utf-8",
    )
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'{SYNC_TOML}[kiosk]\nid = "borne-1"\ncode = "B7K"\ndata_dir = "/proc/nope"\n'
        f'catalog_dir = "{catalog}"\n',
        encoding="utf-8",
    )
    code = main_with(never_started, ["--config", str(config), "check-config"])
    out = capsys.readouterr().out
    assert code == 1
    assert f"Démarches disponibles ({catalog}) : 1" in out  # the good one still counts
    assert "Démarche désactivée : casse.toml : champ « steps[0].type » : unknown type" in out
    assert "Dossier des données non accessible en écriture : /proc/nope" in out


def test_check_config_refuses_an_empty_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, f'catalog_dir = "{tmp_path / "nowhere"}"\n')
    assert main_with(never_started, ["--config", str(config), "check-config"]) == 1
    assert "Aucune démarche" in capsys.readouterr().out


def test_the_demo_data_directory_is_removed_when_the_kiosk_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    seen: list[Path] = []

    def fake_ui(config: Config, options: LaunchOptions) -> int:
        assert config.demo and config.data_dir.is_dir()
        (config.data_dir / "receipt.escpos").write_bytes(b"\x1b@")
        seen.append(config.data_dir)
        return 0

    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # pick up TMPDIR
    assert main_with(fake_ui, ["--demo"]) == 0
    assert seen and seen[0].parent == tmp_path
    assert not seen[0].exists()
