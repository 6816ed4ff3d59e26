"""The catalog cache: unchanged files are not parsed again, edited ones always are."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest

from kiosk import catalog as catalog_module
from kiosk.catalog import BUNDLED_DIR, load_catalog
from offline_cache.parsed_cache import ParsedFileCache


@pytest.fixture
def demarches(tmp_path: Path) -> Path:
    directory = tmp_path / "demarches"
    directory.mkdir()
    shutil.copy(BUNDLED_DIR / "permis-perte-vol.toml", directory)
    return directory


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    real = tomllib.loads

    def counting(text: str) -> dict[str, object]:
        calls[0] += 1
        return real(text)

    monkeypatch.setattr(catalog_module.tomllib, "loads", counting)
    return calls


def test_a_second_load_parses_nothing_and_gives_the_same_catalog(
    demarches: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_parses(monkeypatch)
    cache_file = tmp_path / "data" / "catalog-cache.json"
    first = load_catalog(demarches, ParsedFileCache(cache_file))
    assert calls[0] == 1 and cache_file.exists()
    second = load_catalog(demarches, ParsedFileCache(cache_file))
    assert calls[0] == 1  # from the cache
    assert second.demarches == first.demarches


def test_an_edited_file_is_parsed_again_and_still_validated(
    demarches: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_parses(monkeypatch)
    cache_file = tmp_path / "catalog-cache.json"
    load_catalog(demarches, ParsedFileCache(cache_file))
    path = demarches / "permis-perte-vol.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'(?m)^version = ".*"$', 'version = "9"', text), encoding="utf-8")
    edited = load_catalog(demarches, ParsedFileCache(cache_file))
    assert calls[0] == 2
    assert edited.get("permis-perte-vol").version == "9"
    path.write_text(path.read_text(encoding="utf-8").replace('type = "ephoto"', 'type = "nope"'))
    broken = load_catalog(demarches, ParsedFileCache(cache_file))
    assert [d.file for d in broken.disabled] == ["permis-perte-vol.toml"]


def test_a_corrupt_or_unwritable_cache_is_only_slower(demarches: Path, tmp_path: Path) -> None:
    cache_file = tmp_path / "catalog-cache.json"
    cache_file.write_text("{not json", encoding="utf-8")
    assert len(load_catalog(demarches, ParsedFileCache(cache_file)).demarches) == 1
    unwritable = ParsedFileCache(Path("/proc/nope/catalog-cache.json"))
    assert len(load_catalog(demarches, unwritable).demarches) == 1


def test_entries_of_files_gone_are_dropped(demarches: Path, tmp_path: Path) -> None:
    cache_file = tmp_path / "catalog-cache.json"
    extra = demarches / "copie.toml"
    extra.write_text(
        (demarches / "permis-perte-vol.toml")
        .read_text(encoding="utf-8")
        .replace('id = "permis-perte-vol"', 'id = "copie"'),
        encoding="utf-8",
    )
    load_catalog(demarches, ParsedFileCache(cache_file))
    assert len(ParsedFileCache(cache_file)._entries) == 2
    extra.unlink()
    load_catalog(demarches, ParsedFileCache(cache_file))
    assert len(ParsedFileCache(cache_file)._entries) == 1
