"""Receipts on a real ESC/POS ticket printer through python-escpos: network (port 9100),
USB or serial, chosen by the configuration.

The receipt is rendered once to bytes (``render_bytes``, the same bytes as the simulator) and
sent raw, so what was sent is known exactly (kept for reprints and the tests). The printer is
asked for its state before printing (a receipt is not sent to a printer without paper) and
after (paper near end is a warning for the médiateur), with the real-time ``DLE EOT``
requests. Some models never answer them (python-escpos #143): that is ``UNKNOWN``, never read
as ready, and the receipt is still sent. Every method blocks: the printer's worker calls them.

Each call opens its own connection (network, USB or serial) and closes it: a printer switched
on after the kiosk started, or unplugged and plugged in again, is simply found at the next
receipt, and nothing is held open in between.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from drivers.errors import CoverOpen, DeviceDisconnected, DeviceError, DeviceNotFound, PaperOut
from drivers.printer.escpos_layout import render_bytes
from drivers.printer.interface import (
    PrinterState,
    PrinterStatus,
    PrintResult,
    ReceiptDocument,
    ReceiptPrinter,
)

LOG = logging.getLogger("drivers.printer.escpos")
DEVICE = "printer"
WARNING_PAPER_NEAR_END = PrinterState.PAPER_NEAR_END.value
WARNING_STATE_UNKNOWN = PrinterState.UNKNOWN.value

# DLE EOT n: real-time status requests (Epson ESC/POS), one byte back each.
_PRINTER, _OFFLINE_CAUSE, _PAPER_SENSOR = 1, 2, 4
_OFFLINE = 0x08  # n=1, bit 3
_COVER_OPEN = 0x04  # n=2, bit 2
_PAPER_STOP = 0x20  # n=2, bit 5: printing stopped for want of paper
_NEAR_END = 0x0C  # n=4, bits 2-3
_PAPER_OUT = 0x60  # n=4, bits 5-6


@dataclass(frozen=True)
class Connection:
    kind: str  # "network" | "usb" | "serial"
    host: str = ""
    port: int = 9100
    usb_vendor_id: int = 0
    usb_product_id: int = 0
    serial_device: str = ""


class EscposPrinter(ReceiptPrinter):
    def __init__(
        self,
        connection: Connection,
        *,
        profile: str = "TM-T88V",
        timeout_s: float = 3.0,
        name: str = "Imprimante à tickets",
    ) -> None:
        if connection.kind not in ("network", "usb", "serial"):
            raise ValueError(f"unknown connection {connection.kind!r}")
        self.connection = connection
        self.profile = profile
        # python-escpos waits 60 s by default for a status answer that may never come.
        self.timeout_s = timeout_s
        self.name = name
        # How the last use went, for the médiateur's status (``time.time()``, 0: never used).
        self.last_error: DeviceError | None = None
        self.last_state: PrinterState | None = None
        self.last_used = 0.0

    # -- the device ----------------------------------------------------------------------
    def _open(self) -> Any:
        """A fresh python-escpos printer: after a failure its objects refuse further use."""
        from escpos import printer as escpos_printer

        link = self.connection
        if link.kind == "network":
            device: Any = escpos_printer.Network(
                link.host, link.port, timeout=self.timeout_s, profile=self.profile
            )
        elif link.kind == "usb":
            # pyusb counts in milliseconds, and 0 would mean "wait for ever" on a stuck printer.
            device = escpos_printer.Usb(
                link.usb_vendor_id,
                link.usb_product_id,
                timeout=round(self.timeout_s * 1000),
                profile=self.profile,
            )
        else:
            device = escpos_printer.Serial(
                link.serial_device, timeout=self.timeout_s, profile=self.profile
            )
        try:
            device.open()
        except Exception as exc:
            raise DeviceNotFound(DEVICE, f"{link.kind}: {exc}") from exc
        return device

    # -- status --------------------------------------------------------------------------
    def status(self) -> PrinterStatus:
        try:
            device = self._open()
        except DeviceNotFound as exc:
            self._note(exc, PrinterState.OFFLINE)
            return PrinterStatus(PrinterState.OFFLINE, str(exc))
        try:
            status = self._status(device)
        finally:
            with contextlib.suppress(Exception):
                device.close()
        self._note(None, status.state)
        return status

    def _note(self, error: DeviceError | None, state: PrinterState | None) -> None:
        self.last_error, self.last_state, self.last_used = error, state, time.time()

    def _status(self, device: Any) -> PrinterStatus:
        try:
            printer = _byte(device.query_status(bytes((0x10, 0x04, _PRINTER))))
            cause = _byte(device.query_status(bytes((0x10, 0x04, _OFFLINE_CAUSE))))
            paper = _byte(device.query_status(bytes((0x10, 0x04, _PAPER_SENSOR))))
        except (TimeoutError, OSError) as exc:
            return PrinterStatus(PrinterState.UNKNOWN, f"no status answer: {type(exc).__name__}")
        if printer is None or cause is None or paper is None:
            # An empty answer: python-escpos would call it "paper adequate". It is not known.
            return PrinterStatus(PrinterState.UNKNOWN, "empty status answer")
        if paper & _PAPER_OUT == _PAPER_OUT or cause & _PAPER_STOP:
            return PrinterStatus(PrinterState.PAPER_OUT)
        if cause & _COVER_OPEN:
            return PrinterStatus(PrinterState.COVER_OPEN)
        if printer & _OFFLINE:
            return PrinterStatus(PrinterState.OFFLINE, f"status bytes {printer:#04x} {cause:#04x}")
        if paper & _NEAR_END == _NEAR_END:
            return PrinterStatus(PrinterState.PAPER_NEAR_END)
        return PrinterStatus(PrinterState.READY)

    # -- printing ------------------------------------------------------------------------
    def print_receipt(self, receipt: ReceiptDocument) -> PrintResult:
        try:
            result = self._print(receipt)
        except DeviceError as exc:
            self._note(exc, _state_after(exc))
            raise
        self._note(None, result.status_after.state)
        return result

    def _print(self, receipt: ReceiptDocument) -> PrintResult:
        data = render_bytes(receipt, self.profile)
        device = self._open()
        try:
            before = self._status(device)
            if before.state is PrinterState.UNKNOWN:
                # A printer that timed out or hung up on the request: a fresh connection, so
                # that a late answer or a closed socket does not spoil the receipt's bytes.
                with contextlib.suppress(Exception):
                    device.close()
                device = self._open()
            if before.state is PrinterState.PAPER_OUT:
                raise PaperOut(DEVICE, "before printing")
            if before.state is PrinterState.COVER_OPEN:
                raise CoverOpen(DEVICE, "before printing")
            if before.state is PrinterState.OFFLINE:
                raise DeviceDisconnected(DEVICE, before.detail or "offline")
            try:
                device._raw(data)  # the exact bytes, as rendered once
            except Exception as exc:
                raise DeviceDisconnected(DEVICE, f"sending the receipt: {exc}") from exc
            after = self._status(device)
        finally:
            with contextlib.suppress(Exception):
                device.close()
        # The paper ran out (or the cover was opened) during the receipt: it is incomplete,
        # the usager must be offered to print it again.
        if after.state is PrinterState.PAPER_OUT:
            raise PaperOut(DEVICE, "during printing")
        if after.state is PrinterState.COVER_OPEN:
            raise CoverOpen(DEVICE, "during printing")
        warnings = []
        if after.state is PrinterState.PAPER_NEAR_END:
            warnings.append(WARNING_PAPER_NEAR_END)
        if before.state is PrinterState.UNKNOWN:
            warnings.append(WARNING_STATE_UNKNOWN)  # sent blind: the usager checks the ticket
        return PrintResult(data=data, status_after=after, warnings=tuple(warnings))


def _state_after(error: DeviceError) -> PrinterState | None:
    """What a failed print says of the printer's state, when it says something."""
    if isinstance(error, PaperOut):
        return PrinterState.PAPER_OUT
    if isinstance(error, CoverOpen):
        return PrinterState.COVER_OPEN
    if isinstance(error, DeviceNotFound | DeviceDisconnected):
        return PrinterState.OFFLINE
    return None


def _byte(answer: Any) -> int | None:
    """The first status byte of a python-escpos answer, or None when nothing came back."""
    if not answer:
        return None
    first = answer[0]
    return first if isinstance(first, int) else ord(first)
