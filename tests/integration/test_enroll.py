"""``kiosk enroll`` with the real systemd-creds: the secrets end up encrypted for the service,
which reads them back in clear only in its own credentials directory."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from kiosk import credentials
from kiosk.cli import main_with

TOKEN = "jeton-prefecture-69-borne-1"


def decrypt(path: Path, name: str) -> str:
    """What systemd hands the service ($CREDENTIALS_DIRECTORY/<name>)."""
    done = subprocess.run(
        ["systemd-creds", "decrypt", f"--name={name}", str(path), "-"],
        capture_output=True,
        check=True,
    )
    return done.stdout.decode()


def enroll(directory: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(TOKEN + "\n"))
    argv = ["enroll", "--token-stdin", "--credentials-dir", str(directory), *extra]
    return main_with(lambda *_: 0, argv)


def test_enrolment_writes_encrypted_credentials_the_service_can_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "credentials"
    assert enroll(directory, monkeypatch) == 0
    out = capsys.readouterr().out
    assert f"LoadCredentialEncrypted=backend-token:{directory}/backend-token.cred" in out
    token_file, key_file = directory / "backend-token.cred", directory / "badge-key.cred"
    assert TOKEN.encode() not in token_file.read_bytes()  # encrypted at rest
    assert token_file.stat().st_mode & 0o777 == 0o600
    # The service's view: systemd decrypts into a private directory for it alone.
    service = tmp_path / "run-credentials"
    service.mkdir(mode=0o700)
    (service / "backend-token").write_text(decrypt(token_file, "backend-token"))
    (service / "badge-key").write_text(decrypt(key_file, "badge-key"))
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(service))
    assert credentials.backend_token() == TOKEN
    key = credentials.badge_key()
    assert key is not None and len(key) == 32


def test_enrolling_again_keeps_the_badge_key_unless_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "credentials"
    enroll(directory, monkeypatch)
    first = decrypt(directory / "badge-key.cred", "badge-key")
    enroll(directory, monkeypatch)  # a new token, say: the badges must still work
    assert decrypt(directory / "badge-key.cred", "badge-key") == first
    enroll(directory, monkeypatch, "--new-badge-key")
    assert decrypt(directory / "badge-key.cred", "badge-key") != first


def test_an_empty_token_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    directory = tmp_path / "credentials"
    argv = ["enroll", "--token-stdin", "--credentials-dir", str(directory)]
    assert main_with(lambda *_: 0, argv) == 2
    assert not directory.exists()
    assert "Jeton vide" in capsys.readouterr().err
