"""Integration tests use the real stacks that run on Debian (see DESIGN.md, practice 8)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.receiver import Receiver
from tests.support.receiver import ContractClient


@pytest.fixture(scope="session", autouse=True)
def sane_test_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """SANE with only its ``test`` backend enabled: devices test:0 and test:1.

    A private configuration directory instead of editing /etc/sane.d: it also keeps SANE
    from probing every other backend (seconds) and from finding real scanners on the bench.
    Set before the first ``sane.init()`` of the test process.
    """
    directory = tmp_path_factory.mktemp("sane.d")
    (directory / "dll.conf").write_text("test\n", encoding="ascii")
    previous = os.environ.get("SANE_CONFIG_DIR")
    os.environ["SANE_CONFIG_DIR"] = str(directory)
    yield directory
    if previous is None:
        os.environ.pop("SANE_CONFIG_DIR", None)
    else:
        os.environ["SANE_CONFIG_DIR"] = previous


@pytest.fixture
def client(receiver: Receiver) -> Iterator[ContractClient]:
    """A contract-level HTTP client of the module's ``receiver`` fixture."""
    client = ContractClient(receiver.url)
    yield client
    client.close()
