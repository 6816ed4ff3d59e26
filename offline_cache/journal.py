"""The kiosk's journal: append-only and hash-chained, without personal data.

Each entry's hash covers its own fields and the previous entry's hash, so changing, removing or
reordering any entry breaks every hash after it: ``verify`` finds the first break. The
database refuses UPDATE and DELETE on the table (triggers), and the head hash travels to the
backend with the outbox, so a journal rewritten from scratch on the kiosk would no longer match
what the préfecture already holds.

Actors are pseudonyms (a médiateur's enrolment id, "usager", "kiosk"), never a name or a badge
number; details carry only ids and codes (démarche, step, check), never an answer or free text.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from offline_cache.errors import StoreError
from offline_cache.outbox import iso
from offline_cache.store import Store

GENESIS = "0" * 64
# Detail values are short codes: ids, counts, booleans. Free text (a name, an answer, a
# médiateur's written reason) is refused here, so it cannot reach the journal by mistake.
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    at: str
    action: str
    actor: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


def entry_hash(seq: int, at: str, action: str, actor: str, detail: str, prev_hash: str) -> str:
    """SHA-256 over the entry's fields as canonical JSON (a list: no ambiguity in joining)."""
    payload = json.dumps([seq, at, action, actor, detail, prev_hash], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _checked(detail: dict[str, Any]) -> str:
    for key, value in detail.items():
        if not _CODE.fullmatch(key):
            raise StoreError(f"journal detail key {key!r} is not a code", code="invalid_journal")
        if isinstance(value, bool | int) or value is None:
            continue
        if not isinstance(value, str) or not _CODE.fullmatch(value):
            raise StoreError(
                f"journal detail {key} must be a code, a number or a boolean",
                code="invalid_journal",
            )
    return json.dumps(detail, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class Journal:
    def __init__(self, store: Store) -> None:
        self.store = store

    def append(self, action: str, actor: str, now: datetime, **detail: Any) -> JournalEntry:
        """Add one entry after the current head, in one transaction."""
        for name, value in (("action", action), ("actor", actor)):
            if not _CODE.fullmatch(value):
                raise StoreError(f"journal {name} {value!r} is not a code", code="invalid_journal")
        text = _checked(detail)
        at = iso(now)
        with self.store.transaction("cannot write the journal") as conn:
            row = conn.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (1, GENESIS) if row is None else (int(row[0]) + 1, str(row[1]))
            digest = entry_hash(seq, at, action, actor, text, prev)
            conn.execute(
                "INSERT INTO journal (seq, at, action, actor, detail, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (seq, at, action, actor, text, prev, digest),
            )
        return JournalEntry(seq, at, action, actor, dict(detail), prev, digest)

    def head(self) -> tuple[int, str]:
        """The last entry's number and hash ((0, GENESIS) for an empty journal)."""
        with self.store.reading("cannot read the journal") as conn:
            row = conn.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
        return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))

    def entries(self, since: int = 0) -> list[JournalEntry]:
        with self.store.reading("cannot read the journal") as conn:
            rows = conn.execute(
                "SELECT seq, at, action, actor, detail, prev_hash, hash FROM journal "
                "WHERE seq > ? ORDER BY seq",
                (since,),
            ).fetchall()
        return [
            JournalEntry(int(s), str(a), str(act), str(who), json.loads(d), str(p), str(h))
            for s, a, act, who, d, p, h in rows
        ]

    def verify(self) -> list[str]:
        """Every break in the chain (empty: intact), checked from the first entry."""
        problems: list[str] = []
        expected_prev, expected_seq = GENESIS, 1
        with self.store.reading("cannot read the journal") as conn:
            rows = conn.execute(
                "SELECT seq, at, action, actor, detail, prev_hash, hash FROM journal ORDER BY seq"
            ).fetchall()
        for seq, at, action, actor, detail, prev, digest in rows:
            if seq != expected_seq:
                problems.append(f"entry {expected_seq}: missing (next is {seq})")
            if prev != expected_prev:
                problems.append(f"entry {seq}: does not follow the entry before it")
            if entry_hash(seq, at, action, actor, detail, prev) != digest:
                problems.append(f"entry {seq}: its content does not match its hash")
            expected_prev, expected_seq = digest, seq + 1
        return problems
