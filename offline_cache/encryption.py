"""Encryption of sealed dossiers to the backend's public key (age, X25519).

Every file of a sealed dossier, the manifest with the usager's answers included, is written
to the spool only as an age file encrypted to the préfecture backend's public key. The kiosk
holds no private key, so it cannot read back what it sealed: a stolen disk or a curious
eye on the spool reveals nothing. The backend opens the files with the standard tools
(``age -d -i key.txt file.age``, or any age library).
"""

from __future__ import annotations

import re
from collections.abc import Callable

# age's Bech32 recipient: "age1" then 58 characters of the Bech32 alphabet (32-byte key).
_RECIPIENT = re.compile(r"age1[02-9ac-hj-np-z]{58}")
ENCRYPTED_SUFFIX = ".age"
SCHEME = "age-x25519"

Encrypt = Callable[[bytes], bytes]


def is_recipient(text: str) -> bool:
    """Whether ``text`` looks like an age X25519 public key (the checksum is checked later)."""
    return bool(_RECIPIENT.fullmatch(text))


def encryptor(recipient: str) -> Encrypt:
    """A function that encrypts bytes to ``recipient`` ("age1..."), checked now, not at seal."""
    # Loaded with the store, not at start-up: the configuration checks keys with the regex
    # above before the first paint, without SQLite or pyrage.
    from pyrage import RecipientError, encrypt, x25519

    from offline_cache.errors import StoreError

    try:
        key = x25519.Recipient.from_str(recipient)
    except (RecipientError, ValueError) as exc:
        raise StoreError(
            f"the backend public key is not a valid age recipient: {exc}", code="invalid_key"
        ) from exc

    def encrypt_to_backend(data: bytes) -> bytes:
        return bytes(encrypt(data, [key]))

    return encrypt_to_backend
