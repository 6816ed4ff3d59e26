"""A simulated receipt printer: real ESC/POS bytes, written to files instead of paper.

The bytes come from python-escpos's ``Dummy`` driven by the same ``render_receipt`` as the
real printers, so a receipt file can be replayed to a physical printer
(``cat receipt-....escpos > /dev/usb/lp0``) or inspected in tests.

Fault knobs: ``unplugged`` -> OFFLINE, and printing raises DeviceDisconnected; a sticky
"paper_out" or "cover_open" shows in ``status()`` and makes printing raise PaperOut/CoverOpen;
a one-shot ``fail_next`` fails the next print only (``status()`` does not consume it);
``paper_near_end`` prints with a warning; ``delay_s`` slows each print. A failed print writes
no file.
"""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime
from pathlib import Path

from drivers.errors import DeviceDisconnected
from drivers.faults import FaultKnobs, fault_error
from drivers.printer.interface import (
    PrinterState,
    PrinterStatus,
    PrintResult,
    ReceiptDocument,
    ReceiptPrinter,
)

# Sticky faults a printer can report through its status (DLE EOT on real hardware).
_STATE_OF_FAULT = {
    "paper_out": PrinterState.PAPER_OUT,
    "cover_open": PrinterState.COVER_OPEN,
}

WARNING_PAPER_NEAR_END = PrinterState.PAPER_NEAR_END.value  # a stable code for the UI's table


class SimulatedPrinter(ReceiptPrinter):
    """Writes each receipt to ``output_dir/receipt-<UTC time>-<n>.escpos``."""

    def __init__(
        self,
        output_dir: Path,
        knobs: FaultKnobs | None = None,
        *,
        paper_near_end: bool = False,
        profile: str = "TM-T88V",
        name: str = "Imprimante simulée",
    ) -> None:
        self.output_dir = output_dir
        self.knobs = knobs if knobs is not None else FaultKnobs()
        self.paper_near_end = paper_near_end  # a knob too: set it at any time
        self.profile = profile
        self.name = name
        self.last_result: PrintResult | None = None
        self.last_path: Path | None = None
        self._counter = itertools.count(1)

    def status(self) -> PrinterStatus:
        if self.knobs.unplugged:
            return PrinterStatus(PrinterState.OFFLINE, "simulated: unplugged")
        state = _STATE_OF_FAULT.get(self.knobs.sticky)
        if state is not None:
            return PrinterStatus(state, "simulated")
        if self.paper_near_end:
            return PrinterStatus(PrinterState.PAPER_NEAR_END, "simulated")
        return PrinterStatus(PrinterState.READY)

    def print_receipt(self, receipt: ReceiptDocument) -> PrintResult:
        if self.knobs.unplugged:
            raise DeviceDisconnected(self.name, "simulated: unplugged")
        data = self.render(receipt)
        self.knobs.wait_delay()
        fault = self.knobs.take()
        if fault:
            raise fault_error(fault, self.name)
        self.last_path = self._write(data)
        warnings = (WARNING_PAPER_NEAR_END,) if self.paper_near_end else ()
        self.last_result = PrintResult(data=data, status_after=self.status(), warnings=warnings)
        return self.last_result

    def render(self, receipt: ReceiptDocument) -> bytes:
        """The exact ESC/POS bytes for ``receipt`` (no device involved)."""
        from drivers.printer.escpos_layout import render_bytes

        return render_bytes(receipt, self.profile)

    def _write(self, data: bytes) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        path = self.output_dir / f"receipt-{stamp}-{next(self._counter):04d}.escpos"
        try:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            write_atomically(path, data)
        except OSError as exc:  # the simulator's "paper" is the disk: losing it is an I/O fault
            raise DeviceDisconnected(self.name, f"cannot write {path.name}: {exc}") from exc
        return path


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` so that ``path`` is either absent or complete, even across a crash."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    # The rename itself is only durable once the directory entry is on disk.
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
