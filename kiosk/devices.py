"""The devices of this kiosk, chosen by configuration, each with its own worker thread.

Device I/O is slow and sometimes hangs; it must never run on the GUI thread. Each device gets
a single-thread executor, so its calls are serialised (a scanner cannot do two scans at once)
and one stuck device does not stall the others. The UI turns the returned futures into Qt
signals; tests can pass ``synchronous=True`` to run calls inline.

Devices come and go: building them opens nothing, so the kiosk starts (and reaches its home
screen) with every device missing. Each driver opens its device when it is used, and one
that is missing or went away is looked for again at the next use (the scanner after a short
hold-off, as SANE's discovery takes seconds). ``presence`` tells the médiateur what is known
of each device without asking it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar, runtime_checkable

from drivers.camera.interface import Camera
from drivers.cancel import CancelToken
from drivers.cardreader.interface import CardReader
from drivers.errors import DeviceDisconnected, DeviceError, DeviceNotFound
from drivers.faults import FaultKnobs
from drivers.printer.cups_queue import CupsQueue
from drivers.printer.interface import ReceiptPrinter
from drivers.scanner.interface import Scanner
from kiosk.config import Config

T = TypeVar("T")
LOOP_STOP_S = 2.0
WORKERS = ("scanner", "camera", "printer", "a4", "cardreader", "store")
# States of ``Presence``.
READY, ABSENT, FAULT, UNUSED, NONE = "ready", "absent", "fault", "unused", "none"
# Printer states (``PrinterState`` values) that need a person although the printer answered.
_PRINTER_FAULTS = ("paper_out", "cover_open", "offline")


@dataclass(frozen=True)
class Presence:
    """What is known of a device without asking it: ``state`` is one of READY (it answered
    the last time, or its node is there), ABSENT (not found, or gone at its last use), FAULT
    (there, but needing a person: no paper, a jam), UNUSED (not used since start-up, so not
    known) or NONE (not configured). ``at``: ``time.time()`` of that last use, 0 when the
    state was read just now."""

    state: str
    detail: str = ""
    at: float = 0.0


@runtime_checkable
class _Checkable(Protocol):
    """A driver that can tell, without I/O to the device, whether its node is there."""

    def present(self) -> bool: ...


@runtime_checkable
class _Remembering(Protocol):
    """A driver that remembers how its last use went."""

    last_error: DeviceError | None
    last_used: float


def presence_of(device: object) -> Presence:
    """``device``'s presence: a simulator's knobs, a stat of its node, or its last use."""
    if device is None:
        return Presence(NONE)
    knobs = getattr(device, "knobs", None)
    if isinstance(knobs, FaultKnobs):  # a simulator: its knobs are the truth
        if knobs.unplugged:
            return Presence(ABSENT, "simulated: unplugged")
        return Presence(FAULT, knobs.sticky) if knobs.sticky else Presence(READY)
    if isinstance(device, _Checkable):
        node = str(getattr(device, "node", ""))
        return Presence(READY, node) if device.present() else Presence(ABSENT, f"no {node}")
    if isinstance(device, _Remembering):
        error, at = device.last_error, device.last_used
        if not at:
            return Presence(UNUSED)
        if isinstance(error, DeviceNotFound | DeviceDisconnected):
            return Presence(ABSENT, error.detail or error.code, at)
        if error is not None:
            return Presence(FAULT, error.code, at)
        state = getattr(getattr(device, "last_state", None), "value", "")
        if state in _PRINTER_FAULTS:
            return Presence(ABSENT if state == "offline" else FAULT, state, at)
        return Presence(READY, str(getattr(device, "device_name", "")), at)
    return Presence(UNUSED)


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
    a4_queue: CupsQueue | None = None  # A4 documents through CUPS, if configured
    # A second camera looking down on the desk (a document camera), if the kiosk has one;
    # otherwise documents are photographed with ``camera``. Both use the "camera" worker.
    document_camera: Camera | None = None
    _executors: dict[str, Executor] = field(default_factory=dict)
    # Work that runs until cancelled (a camera's live view): stopped by ``shutdown``, or the
    # worker thread would keep the process alive after the kiosk is asked to quit.
    _loops: dict[CancelToken, Future[None]] = field(default_factory=dict)

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

    def run_until_cancelled(
        self, worker: str, fn: Callable[[], None], cancel: CancelToken
    ) -> Future[None]:
        """Run a loop that ends when ``cancel`` fires; ``shutdown`` fires it too."""
        if self.synchronous:  # inline, an endless loop would never return to its caller
            raise RuntimeError("a loop needs a real worker thread (synchronous devices)")
        running = self.run(worker, fn)
        self._loops[cancel] = running
        running.add_done_callback(lambda _done: self._loops.pop(cancel, None))
        return running

    def presence(self, name: str) -> Presence:
        """What is known of device ``name`` ("scanner", "camera", "document_camera",
        "printer", "a4") without asking it: cheap enough for the GUI thread."""
        devices: dict[str, object] = {
            "scanner": self.scanner,
            "camera": self.camera,
            "document_camera": self.document_camera,
            "printer": self.printer,
            "a4": self.a4_queue,
        }
        return presence_of(devices[name])

    @property
    def camera_for_documents(self) -> Camera:
        return self.document_camera or self.camera

    def shutdown(self) -> None:
        loops = dict(self._loops)
        for cancel in loops:
            cancel.cancel()
        # Let them stop (a frame or two) before their device is closed under them.
        wait(list(loops.values()), timeout=LOOP_STOP_S)
        for executor in self._executors.values():
            executor.shutdown(wait=False, cancel_futures=True)
        self._executors.clear()
        self.scanner.close()
        self.camera.close()
        if self.document_camera is not None:
            self.document_camera.close()
        self.cardreader.stop()


def build_devices(config: Config, synchronous: bool = False) -> Devices:
    """Instantiate the configured implementation of each device family.

    Each real driver registers its backend name in ``kiosk.config`` and a branch here,
    without changing the interfaces. Nothing here touches a device: a missing one must not
    keep the kiosk from starting.
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
    # The simulated kiosk has a webcam facing the usager (a person in front of a plain
    # background) and a document camera looking down on the desk (a sheet on it).
    camera: Camera = SimulatedCamera(faults["camera"], scene="portrait")
    document_camera: Camera | None = SimulatedCamera(faults["camera"], scene="document")
    if config["camera.backend"] == "opencv":
        from drivers.camera.opencv_camera import OpenCVCamera

        camera = OpenCVCamera(config["camera.device"])
        document_device = config["camera.document_device"]
        document_camera = OpenCVCamera(document_device) if document_device else None
    printer: ReceiptPrinter = SimulatedPrinter(
        Path(config["kiosk.data_dir"]) / "printer", faults["printer"]
    )
    if config["printer.backend"] == "escpos":
        from drivers.printer.escpos_printer import Connection, EscposPrinter

        printer = EscposPrinter(
            Connection(
                config["printer.connection"],
                host=config["printer.host"],
                port=config["printer.port"],
                usb_vendor_id=config["printer.usb_vendor_id"],
                usb_product_id=config["printer.usb_product_id"],
                serial_device=config["printer.serial_device"],
            ),
            profile=config["printer.profile"],
        )
    cardreader: CardReader = SimulatedCardReader(faults["cardreader"])
    if config["cardreader.backend"] == "pcsc":
        from drivers.cardreader.pcsc_reader import PcscCardReader

        cardreader = PcscCardReader(config["cardreader.reader"])
    a4_queue = CupsQueue(config["printer.a4_queue"]) if config["printer.a4_queue"] else None
    return Devices(
        scanner=scanner,
        a4_queue=a4_queue,
        camera=camera,
        document_camera=document_camera,
        printer=printer,
        cardreader=cardreader,
        faults=faults,
        synchronous=synchronous,
    )
