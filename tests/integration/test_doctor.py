"""``kiosk doctor`` against real components: SANE's test scanner, an ESC/POS printer on
127.0.0.1, pcscd with the vpcd readers, the reference receiver, systemd-style credentials."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk import doctor as doctor_module
from kiosk.config import build_config
from kiosk.doctor import Finding, run_checks
from kiosk.receiver import Receiver
from tests.support.backend_key import SYNC_TABLE, SYNC_TOML
from tests.support.escpos_server import FakeReceiptPrinter

TOKEN = "jeton-doctor"


@pytest.fixture
def credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "credentials"
    directory.mkdir(mode=0o700)
    (directory / "backend-token").write_text(TOKEN)
    (directory / "badge-key").write_text("cd" * 32)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(directory))
    return directory


@pytest.fixture
def printer() -> Iterator[FakeReceiptPrinter]:
    with FakeReceiptPrinter() as fake:
        yield fake


def config_for(tmp_path: Path, printer: FakeReceiptPrinter, url: str, **extra: Any) -> Any:
    raw: dict[str, Any] = {
        "kiosk": {"id": "borne-1", "code": "B7K", "data_dir": str(tmp_path / "data")},
        "sync": {**SYNC_TABLE, "backend_url": url},
        "scanner": {"backend": "sane", "device": "test:0"},
        "printer": {"backend": "escpos", "host": printer.host, "port": printer.port},
        "cardreader": {"backend": "pcsc"},
        **extra,
    }
    return build_config(raw, "kiosk.toml")


def by_subject(findings: list[Finding]) -> dict[str, Finding]:
    return {f.subject: f for f in findings}


def test_a_well_set_up_kiosk_passes_every_check(
    tmp_path: Path, credentials: Path, printer: FakeReceiptPrinter
) -> None:
    with Receiver(tmp_path / "receiver", TOKEN).start() as receiver:
        findings = run_checks(config_for(tmp_path, printer, receiver.url))
    lines = "\n".join(f.line() for f in findings)
    # Free space depends on the machine: a warning there is fine, a failure is not.
    assert [f for f in findings if f.status != "OK" and f.subject != "Données"] == [], lines
    found = by_subject(findings)
    assert found["Données"].status != "ÉCHEC"
    assert "test:0" in found["Scanner"].detail
    assert "Virtual PCD" in found["Lecteur de badges"].detail
    assert found["Service de dépôt"].detail.endswith("répond")
    assert "écart de" in found["Horloge"].detail


def test_what_is_wrong_is_said_with_what_to_do(
    tmp_path: Path, credentials: Path, printer: FakeReceiptPrinter
) -> None:
    (credentials / "backend-token").unlink()
    with socket.socket() as probe:  # a port where nobody listens
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    printer.paper = "out"
    config = config_for(
        tmp_path,
        printer,
        f"http://127.0.0.1:{closed}",
        scanner={"backend": "sane", "device": "test:9"},
    )
    found = by_subject(run_checks(config))
    assert found["Scanner"].status == "ÉCHEC" and "scanimage -L" in found["Scanner"].line()
    assert (
        found["Identifiants"].status == "ÉCHEC" and "kiosk enroll" in found["Identifiants"].line()
    )
    assert found["Service de dépôt"].status == "ÉCHEC"
    assert "réseau" in found["Service de dépôt"].advice


def test_a_hanging_check_is_reported_not_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    monkeypatch.setattr(doctor_module, "CHECK_TIMEOUT_S", 0.2)
    never = threading.Event()

    def hangs(_config: object) -> list[Finding]:
        never.wait(5)  # a scanner that never answers
        return []

    config = build_config({"sync": SYNC_TABLE}, "(test)", demo=True, demo_data_dir=tmp_path)
    [finding] = run_checks(config, [("Scanner", hangs)])
    never.set()
    assert finding.status == "ÉCHEC" and "pas de réponse" in finding.detail


def test_the_command_prints_one_line_per_check_and_fails_when_one_fails(
    tmp_path: Path, credentials: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.cli import main_with

    config = tmp_path / "kiosk.toml"
    config.write_text(
        f"{SYNC_TOML}sync.backend_url = 'http://127.0.0.1:9'\n"
        f'[kiosk]\nid = "borne-1"\ncode = "B7K"\ndata_dir = "{tmp_path / "data"}"\n',
        encoding="utf-8",
    )
    code = main_with(lambda *_: 0, ["--config", str(config), "doctor"])
    out = capsys.readouterr().out
    assert code == 1
    lines = out.strip().splitlines()
    assert any(line.startswith("ÉCHEC") and "Service de dépôt" in line for line in lines)
    assert any(line.startswith("OK") and "Configuration" in line for line in lines)
    assert lines[-1].endswith("1 échec(s).")
