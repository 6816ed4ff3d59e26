"""The médiateurs enrolled on this kiosk, and how a badge and a PIN are checked.

Nothing that opens the assist mode is on disk in clear: a badge is found by a keyed hash of
its identifier (HMAC-SHA256 with this kiosk's badge key, which lives in the keyring, not in the
database: a stolen database neither lists badge numbers nor lets anyone compute them), and
the PIN is kept as an argon2id hash. A médiateur appears in the journal
only as an enrolment id ("M-7K2Q"), never by name or badge; the name is shown to the usager
("Karim vous aide"), who must know who fills their dossier.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from kiosk.config import KIOSK_CODE_ALPHABET
from offline_cache.errors import StoreError
from offline_cache.outbox import iso
from offline_cache.store import Store

PIN_PATTERN = re.compile(r"[0-9]{4,12}")
MIN_KEY_BYTES = 32


@dataclass(frozen=True)
class Mediateur:
    mediateur_id: str  # the pseudonym used in the journal
    display_name: str  # what the usager sees
    enrolled_at: str
    disabled: bool


class EnrolmentError(ValueError):
    """A refused enrolment, with the reason to show IT staff."""


def normalise_badge(card_id: str) -> str:
    """Badge identifiers as readers give them vary in case and spacing: "04 A2:..."."""
    return re.sub(r"[^0-9A-F]", "", card_id.upper())


class MediateurRegistry:
    def __init__(self, store: Store, badge_key: bytes) -> None:
        if len(badge_key) < MIN_KEY_BYTES:
            raise ValueError("the badge key must have at least 32 bytes")
        self.store = store
        self._key = badge_key
        from argon2 import PasswordHasher  # loaded with the assist mode, not at start-up

        self._hasher = PasswordHasher()

    def _badge_key(self, card_id: str) -> str:
        badge = normalise_badge(card_id)
        if not badge:
            raise EnrolmentError("identifiant de badge vide")
        return hmac.new(self._key, badge.encode("ascii"), hashlib.sha256).hexdigest()

    # -- IT staff ------------------------------------------------------------------------

    def enroll(self, display_name: str, card_id: str, pin: str, now: datetime) -> Mediateur:
        display_name = display_name.strip()
        if not display_name or len(display_name) > 40:
            raise EnrolmentError("nom affiché : 1 à 40 caractères (ex. « Karim »)")
        if not PIN_PATTERN.fullmatch(pin):
            raise EnrolmentError("code PIN : 4 à 12 chiffres")
        key = self._badge_key(card_id)
        mediateur_id = "M-" + "".join(secrets.choice(KIOSK_CODE_ALPHABET) for _ in range(4))
        try:
            with self.store.transaction("cannot enrol") as conn:
                if conn.execute("SELECT 1 FROM mediateurs WHERE badge_key = ?", (key,)).fetchone():
                    raise EnrolmentError("ce badge est déjà enrôlé sur cette borne")
                conn.execute(
                    "INSERT INTO mediateurs (mediateur_id, display_name, badge_key, pin_hash, "
                    "enrolled_at) VALUES (?, ?, ?, ?, ?)",
                    (mediateur_id, display_name, key, self._hasher.hash(pin), iso(now)),
                )
        except StoreError as exc:
            if isinstance(exc.__cause__, EnrolmentError):
                raise exc.__cause__ from None
            raise
        return Mediateur(mediateur_id, display_name, iso(now), False)

    def disable(self, mediateur_id: str, now: datetime) -> bool:
        with self.store.transaction("cannot disable") as conn:
            cursor = conn.execute(
                "UPDATE mediateurs SET disabled_at = ? "
                "WHERE mediateur_id = ? AND disabled_at IS NULL",
                (iso(now), mediateur_id),
            )
            return cursor.rowcount == 1

    def all(self) -> list[Mediateur]:
        with self.store.reading("cannot list the médiateurs") as conn:
            rows = conn.execute(
                "SELECT mediateur_id, display_name, enrolled_at, disabled_at FROM mediateurs "
                "ORDER BY enrolled_at"
            ).fetchall()
        return [Mediateur(str(i), str(n), str(e), d is not None) for i, n, e, d in rows]

    # -- at the kiosk --------------------------------------------------------------------

    def find(self, card_id: str) -> Mediateur | None:
        """The active médiateur holding this badge, if any."""
        try:
            key = self._badge_key(card_id)
        except EnrolmentError:
            return None
        with self.store.reading("cannot read the médiateurs") as conn:
            row = conn.execute(
                "SELECT mediateur_id, display_name, enrolled_at FROM mediateurs "
                "WHERE badge_key = ? AND disabled_at IS NULL",
                (key,),
            ).fetchone()
        return None if row is None else Mediateur(str(row[0]), str(row[1]), str(row[2]), False)

    def failures(self, mediateur_id: str) -> tuple[int, int, str]:
        """(wrong PINs in a row, lockouts so far, locked until: ISO time or "")."""
        with self.store.reading("cannot read the PIN failures") as conn:
            row = conn.execute(
                "SELECT failures, lockouts, locked_until FROM pin_failures WHERE mediateur_id = ?",
                (mediateur_id,),
            ).fetchone()
        return (0, 0, "") if row is None else (int(row[0]), int(row[1]), str(row[2]))

    def set_failures(self, mediateur_id: str, failures: int, lockouts: int, until: str) -> None:
        with self.store.transaction("cannot record the PIN failures") as conn:
            conn.execute(
                "INSERT INTO pin_failures (mediateur_id, failures, lockouts, locked_until) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (mediateur_id) DO UPDATE SET "
                "failures = excluded.failures, lockouts = excluded.lockouts, "
                "locked_until = excluded.locked_until",
                (mediateur_id, failures, lockouts, until),
            )

    def pin_matches(self, mediateur_id: str, pin: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError

        with self.store.reading("cannot read the médiateurs") as conn:
            row = conn.execute(
                "SELECT pin_hash FROM mediateurs WHERE mediateur_id = ? AND disabled_at IS NULL",
                (mediateur_id,),
            ).fetchone()
        if row is None:
            return False
        try:
            return bool(self._hasher.verify(str(row[0]), pin))
        except (VerificationError, InvalidHashError):
            return False
