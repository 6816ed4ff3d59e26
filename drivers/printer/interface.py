"""Printer interface: receipts on a ticket printer.

A receipt is described once, as a device-neutral ``ReceiptDocument``; each printer
implementation turns it into its own bytes (ESC/POS for ticket printers).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from enum import Enum


class Align(Enum):
    LEFT = "left"
    CENTER = "center"


@dataclass(frozen=True)
class TextLine:
    text: str
    bold: bool = False
    large: bool = False  # double width and height
    align: Align = Align.LEFT


@dataclass(frozen=True)
class QrCode:
    data: str
    caption: str = ""


@dataclass(frozen=True)
class Separator:
    pass


ReceiptBlock = TextLine | QrCode | Separator


@dataclass(frozen=True)
class ReceiptDocument:
    blocks: tuple[ReceiptBlock, ...]

    def plain_text(self) -> str:
        """The receipt's text as a person would read it (used for previews and tests)."""
        lines: list[str] = []
        for block in self.blocks:
            if isinstance(block, TextLine):
                lines.append(block.text)
            elif isinstance(block, QrCode):
                lines.append(f"[QR] {block.caption}".rstrip())
            else:
                lines.append("-" * 32)
        return "\n".join(lines)


class PrinterState(Enum):
    READY = "ready"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    UNKNOWN = "unknown"  # the printer cannot report its state: never read this as "ready"


@dataclass(frozen=True)
class PrinterStatus:
    state: PrinterState
    detail: str = ""


@dataclass(frozen=True)
class PrintResult:
    """What was sent. ``data`` is the exact byte stream, kept for reprints and tests."""

    data: bytes
    status_after: PrinterStatus
    warnings: tuple[str, ...] = field(default_factory=tuple)


class ReceiptPrinter(abc.ABC):
    """A receipt printer. Every method blocks: call it from the printer's worker thread."""

    @abc.abstractmethod
    def status(self) -> PrinterStatus:
        """Ask the printer for its state; UNKNOWN when it cannot tell."""

    @abc.abstractmethod
    def print_receipt(self, receipt: ReceiptDocument) -> PrintResult:
        """Print and cut. Raises PaperOut, CoverOpen, DeviceDisconnected, DeviceNotFound..."""
