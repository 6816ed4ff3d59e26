"""The devices of this kiosk, chosen by configuration, each with its own worker thread.

Device I/O is slow and sometimes hangs; it must never run on the GUI thread. Each device gets
a single-thread executor, so its calls are serialised (a scanner cannot do two scans at once)
and one stuck device does not stall the others. The UI turns the returned futures into Qt
signals; tests can pass ``synchronous=True`` to run calls inline.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from drivers.camera.interface import Camera
from drivers.cardreader.interface import CardReader
from drivers.faults import FaultKnobs
from drivers.printer.interface import ReceiptPrinter
from drivers.scanner.interface import Scanner
from kiosk.config import Config

T = TypeVar("T")
WORKERS = ("scanner", "camera", "printer", "cardreader", "store")


class _InlineExecutor(Executor):
    """Runs each call at once on the caller's thread (tests, benchmarks)."""

    def submit(self, fn: Callable[..., T], /, *args: object, **kwargs: object) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


@dataclass
class Devices:
    scanner: Scanner
    camera: Camera
    printer: ReceiptPrinter
    cardreader: CardReader
    faults: dict[str, FaultKnobs] = field(default_factory=dict)  # simulators' knobs by device
    synchronous: bool = False
    _executors: dict[str, Executor] = field(default_factory=dict)

    def run(self, worker: str, fn: Callable[..., T], *args: object) -> Future[T]:
        """Run ``fn(*args)`` on the named worker (a device name, or "store" for disk I/O)."""
        executor = self._executors.get(worker)
        if executor is None:
            if worker not in WORKERS:
                raise KeyError(worker)
            executor = (
                _InlineExecutor()
                if self.synchronous
                else ThreadPoolExecutor(max_workers=1, thread_name_prefix=worker)
            )
            self._executors[worker] = executor
        return executor.submit(fn, *args)

    def shutdown(self) -> None:
        for executor in self._executors.values():
            executor.shutdown(wait=False, cancel_futures=True)
        self._executors.clear()
        self.scanner.close()
        self.camera.close()
        self.cardreader.stop()


def build_devices(config: Config, synchronous: bool = False) -> Devices:
    """Instantiate the configured implementation of each device family.

    Each real driver registers its backend name in ``kiosk.config`` and a branch here,
    without changing the interfaces (the scanner has SANE; the others are simulated yet).
    """
    from drivers.camera.simulated import SimulatedCamera
    from drivers.cardreader.simulated import SimulatedCardReader
    from drivers.printer.simulated import SimulatedPrinter
    from drivers.scanner.simulated import SimulatedScanner

    delay = float(config["simulator.delay_s"])
    faults = {
        name: FaultKnobs(delay_s=delay) for name in ("scanner", "camera", "printer", "cardreader")
    }
    faults["scanner"].unplugged = bool(config["simulator.scanner_unplugged"])
    faults["printer"].sticky = str(config["simulator.printer_fault"])
    scanner: Scanner = SimulatedScanner(faults["scanner"])
    if config["scanner.backend"] == "sane":
        from drivers.scanner.sane_scanner import SaneScanner

        scanner = SaneScanner(config["scanner.device"])
    return Devices(
        scanner=scanner,
        # Until the identity photo has its own scene, the simulated camera looks down on a
        # desk with a sheet on it: what photographing a document without a scanner needs.
        camera=SimulatedCamera(faults["camera"], scene="document"),
        printer=SimulatedPrinter(Path(config["kiosk.data_dir"]) / "printer", faults["printer"]),
        cardreader=SimulatedCardReader(faults["cardreader"]),
        faults=faults,
        synchronous=synchronous,
    )
