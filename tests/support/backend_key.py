"""The private half of the demo backend key (``kiosk.config.DEMO_BACKEND_PUBLIC_KEY``).

Only tests hold it, to prove that what the kiosk sealed opens with the backend's key and
with nothing the kiosk has.
"""

from __future__ import annotations

from pathlib import Path

DEMO_BACKEND_SECRET_KEY = (
    "AGE-SECRET-KEY-1H850HA6L8UR6R8G0ANYQ7FXZXDP03GFVJ6MP8XUVW4E6PK9KH35SA6GG3D"
)


def decrypt(data: bytes) -> bytes:
    """Open an age file sealed by a demo-configured kiosk."""
    from pyrage import decrypt as age_decrypt
    from pyrage import x25519

    return bytes(age_decrypt(data, [x25519.Identity.from_str(DEMO_BACKEND_SECRET_KEY)]))


def encrypt(data: bytes) -> bytes:
    """Seal ``data`` to the demo backend key, as a demo-configured kiosk does."""
    from kiosk.config import DEMO_BACKEND_PUBLIC_KEY
    from offline_cache.encryption import encryptor

    return encryptor(DEMO_BACKEND_PUBLIC_KEY)(data)


# What a test kiosk.toml needs besides the kiosk's identity (a top-level dotted key: it goes
# before the first [table]).
SYNC_TOML = (
    'sync.backend_public_key = "age1vvj7f7tktfr5255tx2wldsndjcx5gjp20a03errkm4fepay85y3q9kggrn"\n'
)
SYNC_TABLE = {
    "backend_public_key": "age1vvj7f7tktfr5255tx2wldsndjcx5gjp20a03errkm4fepay85y3q9kggrn"
}


def opened(path: Path) -> bytes:
    """A sealed file's clear content, as the backend sees it after decryption."""
    return decrypt(path.read_bytes())
