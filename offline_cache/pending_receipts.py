"""Receipts not printed yet, kept on disk so that a médiateur can print them later.

A receipt is written here before it is sent to the printer and removed once the printer has
taken it: a paper-out, an usager who left before the printer answered, or a kiosk that
stopped mid-print all leave it here, with the reason as a code. Rows live a few hours at most
(the caller purges them by age): the usager has the dossier number on screen, and the backend
follows the dossier whatever happens to its ticket.

The document is the receipt as the caller serialised it (JSON); by design it carries the
dossier number, the démarche, when and where, and the pièces' names, never an answer. The
number, démarche and seal time are read from the sealed submission, never copied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from offline_cache.errors import StoreError
from offline_cache.outbox import iso
from offline_cache.store import Store

PRINTING = "printing"  # sent to the printer, no answer yet (or the kiosk stopped meanwhile)
_REASON = re.compile(r"[a-z][a-z0-9_]{0,63}")
_COLUMNS = (
    "p.submission_id, s.dossier_number, s.demarche_id, s.sealed_at, p.document, p.reason, "
    "p.attempts, p.created_at, p.updated_at "
    "FROM pending_receipts AS p JOIN submissions AS s USING (submission_id)"
)


@dataclass(frozen=True)
class PendingReceipt:
    submission_id: str
    dossier_number: str
    demarche_id: str
    sealed_at: str
    document: str  # the receipt, serialised by the caller
    reason: str  # PRINTING, or the printer's error code (paper_out, cover_open...)
    attempts: int  # times it was sent to the printer
    created_at: str  # when it was first kept (the store's ISO format)
    updated_at: str


def _row(row: tuple[Any, ...]) -> PendingReceipt:
    sid, number, demarche, sealed_at, document, reason, attempts, created, updated = row
    return PendingReceipt(
        sid, number, demarche, sealed_at, document, reason, int(attempts), created, updated
    )


class PendingReceipts:
    """The receipts waiting for a printer, over a :class:`Store` (thread-safe as it is)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def begin(self, submission_id: str, document: str, now: datetime) -> int:
        """About to send the receipt: keep it (or count one more attempt); return the number
        of attempts, this one included. When it was first kept does not change."""
        at = iso(now)
        with self.store.transaction("cannot keep the receipt") as conn:
            conn.execute(
                "INSERT INTO pending_receipts "
                "(submission_id, document, reason, attempts, created_at, updated_at) "
                "VALUES (?, ?, ?, 1, ?, ?) "
                "ON CONFLICT (submission_id) DO UPDATE SET document = excluded.document, "
                "reason = excluded.reason, attempts = attempts + 1, "
                "updated_at = excluded.updated_at",
                (submission_id, document, PRINTING, at, at),
            )
            row = conn.execute(
                "SELECT attempts FROM pending_receipts WHERE submission_id = ?", (submission_id,)
            ).fetchone()
        return int(row[0])

    def failed(self, submission_id: str, reason: str, now: datetime) -> bool:
        """The printer refused it: say why (a code). False when it is not kept."""
        if not _REASON.fullmatch(reason):
            raise StoreError(f"receipt reason {reason!r} is not a code", code="invalid_receipt")
        with self.store.transaction("cannot note the receipt's failure") as conn:
            changed = conn.execute(
                "UPDATE pending_receipts SET reason = ?, updated_at = ? WHERE submission_id = ?",
                (reason, iso(now), submission_id),
            ).rowcount
        return changed == 1

    def remove(self, submission_id: str) -> PendingReceipt | None:
        """Printed: forget it; return what was kept (None when nothing was)."""
        with self.store.transaction("cannot remove the printed receipt") as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} WHERE submission_id = ?", (submission_id,)
            ).fetchone()
            if row is None:
                return None
            conn.execute("DELETE FROM pending_receipts WHERE submission_id = ?", (submission_id,))
        return _row(row)

    def get(self, submission_id: str) -> PendingReceipt | None:
        with self.store.reading("cannot read the kept receipts") as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} WHERE submission_id = ?", (submission_id,)
            ).fetchone()
        return None if row is None else _row(row)

    def all(self) -> list[PendingReceipt]:
        """Every kept receipt, the oldest first."""
        with self.store.reading("cannot read the kept receipts") as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} ORDER BY p.created_at, s.sequence").fetchall()
        return [_row(r) for r in rows]

    def purge(self, kept_before: datetime) -> list[PendingReceipt]:
        """Remove the receipts first kept before ``kept_before``; return them. Reads first,
        so that a look with nothing to purge never waits for the write lock."""
        cutoff = iso(kept_before)
        with self.store.reading("cannot read the kept receipts") as conn:
            expired = conn.execute(
                "SELECT 1 FROM pending_receipts WHERE created_at < ? LIMIT 1", (cutoff,)
            ).fetchone()
        if expired is None:
            return []
        with self.store.transaction("cannot purge the kept receipts") as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} WHERE p.created_at < ? ORDER BY p.created_at", (cutoff,)
            ).fetchall()
            conn.execute("DELETE FROM pending_receipts WHERE created_at < ?", (cutoff,))
        return [_row(r) for r in rows]
