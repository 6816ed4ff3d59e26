"""The kiosk's backend credentials, through the ``keyring`` API and never from a plain file.

Where they are kept depends on how the kiosk runs:

* as the systemd service, they come from systemd's credentials (``LoadCredentialEncrypted=``
  in the unit): encrypted at rest with the machine's key (and its TPM when there is one),
  handed to the service alone in ``$CREDENTIALS_DIRECTORY``, a private in-memory directory.
  :class:`SystemdCredentials` reads them there;
* otherwise from the system keyring the ``keyring`` library finds (Secret Service...);
* the demo keeps the token of its own local receiver in memory (:class:`MemoryKeyring`).
"""

from __future__ import annotations

import os
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordSetError

SERVICE = "borne-point-numerique"
BACKEND_TOKEN = "backend-token"
BADGE_KEY = "badge-key"  # 64 hex characters: the key of the badges' keyed hashes


class SystemdCredentials(KeyringBackend):
    """Read-only keyring over systemd's ``$CREDENTIALS_DIRECTORY``: the credential named
    ``<username>`` (``backend-token``) holds the secret; the service name is implied."""

    priority = 9

    def __init__(self, directory: Path) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.directory = directory

    def get_password(self, service: str, username: str) -> str | None:
        if service != SERVICE or "/" in username:
            return None
        try:
            return (self.directory / username).read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("systemd credentials are set with systemd-creds, not by the kiosk")

    def delete_password(self, service: str, username: str) -> None:
        raise PasswordSetError("systemd credentials are removed with systemd-creds")


class MemoryKeyring(KeyringBackend):
    """The demo's keyring: secrets in this process only, gone when it stops."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._secrets.pop((service, username), None)


def _keyring() -> KeyringBackend:
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    if directory:
        return SystemdCredentials(Path(directory))
    return keyring.get_keyring()


def backend_token() -> str | None:
    """The kiosk's bearer token for the backend; None when it is not enrolled (or the keyring
    cannot be read: the reason is logged by the caller, the queue simply waits)."""
    try:
        return _keyring().get_password(SERVICE, BACKEND_TOKEN)
    except KeyringError:
        return None


def badge_key() -> bytes | None:
    """The key the médiateurs' badges are hashed with; None when IT staff have not set it
    (the assist mode is then off: a kiosk without it still serves usagers)."""
    try:
        text = _keyring().get_password(SERVICE, BADGE_KEY)
    except KeyringError:
        return None
    try:
        key = bytes.fromhex(text) if text else b""
    except ValueError:
        return None
    return key if len(key) >= 32 else None


def use_demo_secrets(token: str) -> None:
    """The demo's local receiver token and a badge key of this run, in a process-only
    keyring: nothing of them outlives the demo."""
    import secrets

    memory = MemoryKeyring()
    memory.set_password(SERVICE, BACKEND_TOKEN, token)
    memory.set_password(SERVICE, BADGE_KEY, secrets.token_hex(32))
    keyring.set_keyring(memory)
