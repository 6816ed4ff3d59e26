"""``kiosk --version``: what IT staff quote when they report a problem; the same number as
the package's metadata."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kiosk.cli import LaunchOptions, main_with
from kiosk.config import Config

ROOT = Path(__file__).resolve().parents[2]


def never_started(config: Config, options: LaunchOptions) -> int:
    raise AssertionError("--version must not start the screen")


def test_version_prints_the_packages_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ended:
        main_with(never_started, ["--version"])
    assert ended.value.code == 0
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert capsys.readouterr().out.strip() == f"kiosk {project['version']}"
