"""The receipts that are not printed yet, for the médiateur to print once the printer is fixed.

Every receipt is kept on disk (``offline_cache.pending_receipts``) just before it goes to the
printer and forgotten once the printer took it; so a paper-out, an usager who left before the
printer answered, or a kiosk stopped mid-print all leave the receipt here, the reason with it.
It is kept ``printer.pending_receipt_hours`` at most: the usager may wait in the room while
paper is fetched, but past that the ticket is of no use (the number was on the screen, and
the backend follows the dossier). The receipt holds no answer (``kiosk.receipt``), so keeping
it past the session's wipe keeps nothing of the usager's.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drivers.printer.interface import (
    Align,
    PrinterState,
    QrCode,
    ReceiptBlock,
    ReceiptDocument,
    Separator,
    TextLine,
)
from offline_cache.outbox import parse_iso
from offline_cache.pending_receipts import PRINTING, PendingReceipt, PendingReceipts
from offline_cache.store import Store

# Nobody was there to take it: the usager left while the dossier was being sealed.
USAGER_LEFT = "usager_left"
FORMAT = 1
# What a printer that printed may still need a person for (``PrintResult.warnings``).
PAPER_NEAR_END = PrinterState.PAPER_NEAR_END.value
STATE_UNKNOWN = PrinterState.UNKNOWN.value
Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class KeptReceipt:
    """A receipt waiting for the printer, as the médiateur's panel lists it."""

    submission_id: str
    dossier_number: str
    demarche_id: str
    reason: str  # PRINTING (no answer: the kiosk stopped meanwhile) or the printer's code
    attempts: int
    kept_at: dt.datetime

    def age_minutes(self, now: dt.datetime) -> int:
        return max(0, int((now - self.kept_at).total_seconds() // 60))


def document_json(document: ReceiptDocument) -> str:
    blocks: list[dict[str, Any]] = []
    for block in document.blocks:
        if isinstance(block, TextLine):
            blocks.append(
                {
                    "text": block.text,
                    "bold": block.bold,
                    "large": block.large,
                    "align": block.align.value,
                }
            )
        elif isinstance(block, QrCode):
            blocks.append({"qr": block.data, "caption": block.caption})
        else:
            blocks.append({"separator": True})
    return json.dumps({"format": FORMAT, "blocks": blocks}, ensure_ascii=False)


def document_from_json(text: str) -> ReceiptDocument:
    """The receipt as it was kept; ValueError for anything this version did not write."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not a kept receipt of a known format")
    blocks: list[ReceiptBlock] = []
    for block in data.get("blocks", []):
        if not isinstance(block, dict):
            raise ValueError("a receipt block is not an object")
        if "text" in block:
            blocks.append(
                TextLine(
                    str(block["text"]),
                    bold=bool(block.get("bold")),
                    large=bool(block.get("large")),
                    align=Align(block.get("align", Align.LEFT.value)),
                )
            )
        elif "qr" in block:
            blocks.append(QrCode(str(block["qr"]), caption=str(block.get("caption", ""))))
        elif block.get("separator"):
            blocks.append(Separator())
        else:
            raise ValueError("unknown receipt block")
    return ReceiptDocument(tuple(blocks))


def _kept(row: PendingReceipt) -> KeptReceipt:
    return KeptReceipt(
        row.submission_id,
        row.dossier_number,
        row.demarche_id,
        row.reason,
        row.attempts,
        parse_iso(row.created_at),
    )


class ReceiptQueue:
    """Thread-safe as the store is: the printer's worker writes, the GUI thread reads."""

    def __init__(
        self,
        store: Store,
        keep_hours: float,
        clock: Clock = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.rows = PendingReceipts(store)
        self.keep_for = dt.timedelta(hours=keep_hours)
        self.clock = clock  # the tests move time forward through it

    def begin(self, submission_id: str, document: ReceiptDocument) -> int:
        """Kept before it is sent; the number of attempts, this one included."""
        return self.rows.begin(submission_id, document_json(document), self.clock())

    def failed(self, submission_id: str, code: str) -> None:
        self.rows.failed(submission_id, code, self.clock())

    def printed(self, submission_id: str) -> KeptReceipt | None:
        """The printer took it: forget it; what was kept, if anything."""
        row = self.rows.remove(submission_id)
        return None if row is None else _kept(row)

    def document(self, submission_id: str) -> tuple[KeptReceipt, ReceiptDocument] | None:
        row = self.rows.get(submission_id)
        if row is None or self._expired(row):
            return None
        return _kept(row), document_from_json(row.document)

    def waiting(self) -> list[KeptReceipt]:
        """The receipts still worth printing, the oldest first (read only: no purge here)."""
        return [_kept(row) for row in self.rows.all() if not self._expired(row)]

    def purge(self) -> list[KeptReceipt]:
        """Forget the receipts kept for longer than allowed; return them."""
        return [_kept(row) for row in self.rows.purge(self.clock() - self.keep_for)]

    def _expired(self, row: PendingReceipt) -> bool:
        return parse_iso(row.created_at) < self.clock() - self.keep_for


__all__ = [
    "PAPER_NEAR_END",
    "PRINTING",
    "STATE_UNKNOWN",
    "KeptReceipt",
    "ReceiptQueue",
    "document_from_json",
    "document_json",
]
