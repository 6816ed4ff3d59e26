"""Scanners through SANE (python-sane), the way Linux drives them.

Everything here blocks and must run on the scanner's own worker thread. Source names differ
between backends ("Flatbed", "Automatic Document Feeder", "ADF Front", "ADF Duplex"...): they
are matched loosely, and IT staff can name the exact one in the configuration. SANE's
errors are turned into the typed errors of ``drivers.errors`` at this boundary.

A scanner may be missing when the kiosk starts, or be unplugged and plugged in again while it
runs. Nothing is opened before the first scan; a device that fails as if it were gone is
closed, and the next scan looks for it again. SANE's ``dll`` meta-backend reads its list of
backends, and many backends list their devices, only in ``sane_init``: so before looking again
after a miss, SANE is restarted (``sane_exit`` + ``sane_init``), but only while no device is
open in the process, since ``sane_exit`` frees every open handle under its owner. Looking
(``sane_get_devices``) probes every backend and can take seconds: after a miss, further scans
within ``rediscover_s`` answer "not found" at once instead of probing again.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import signal
import threading
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from drivers.cancel import CancelToken
from drivers.errors import (
    CoverOpen,
    DeviceBusy,
    DeviceDisconnected,
    DeviceError,
    DeviceNotFound,
    DeviceTimeout,
    FeederEmpty,
    OperationCancelled,
    PaperJam,
)
from drivers.scanner.interface import (
    ColorMode,
    PageCallback,
    ProgressCallback,
    ScannedPage,
    Scanner,
    ScannerInfo,
    ScanSettings,
    ScanSource,
    deliver,
)

if TYPE_CHECKING:
    import numpy as np

LOG = logging.getLogger("drivers.scanner.sane")
DEVICE = "scanner"
# A feeder that never says it is empty (some models never do) must not scan forever.
MAX_FEEDER_PAGES = 50
# After a scanner was not found, how long further scans answer "not found" without probing
# again: long enough that a usager pressing "Scanner" twice does not wait twice for the probe,
# short enough that a scanner IT staff just plugged in is used by the next usager.
REDISCOVER_AFTER_S = 5.0

# Words in a backend's source names, per kind of source (lower case).
_SOURCE_WORDS = {
    ScanSource.FLATBED: ("flatbed", "platen", "glass", "document table"),
    ScanSource.FEEDER: ("adf", "feeder", "automatic document", "adf front"),
    ScanSource.DUPLEX: ("duplex",),
}
_MODE_WORDS = {ColorMode.COLOR: ("color", "colour", "24bit"), ColorMode.GRAY: ("gray", "grey")}

# SANE status messages (sane_strstatus) and the typed error each means.
_ERRORS: tuple[tuple[str, type[DeviceError]], ...] = (
    ("out of documents", FeederEmpty),
    ("jammed", PaperJam),
    ("cover", CoverOpen),
    ("busy", DeviceBusy),
    ("cancel", OperationCancelled),
    ("i/o", DeviceDisconnected),
    ("no such device", DeviceNotFound),
    ("invalid argument", DeviceNotFound),
)

# SANE's state is per process: initialising, restarting, listing and opening devices are
# serialised here, whichever scanner object (and thread) asks.
_init_lock = threading.RLock()
_initialised = False
# Scanner objects of this process that may hold an open SANE handle.
_holders: weakref.WeakSet[SaneScanner] = weakref.WeakSet()


def _sane() -> Any:
    """The python-sane module, initialised once per process."""
    global _initialised
    import sane  # imported here: only kiosks configured for SANE need the library

    with _init_lock:
        if not _initialised:
            sane.init()
            _initialised = True
    return sane


def _restart_sane() -> bool:
    """``sane_exit`` + ``sane_init``, so that backends and their devices are listed afresh;
    False (nothing done) while a device is open in this process: ``sane_exit`` would free its
    handle, and closing it later would crash."""
    global _initialised
    sane = _sane()
    with _init_lock:
        if any(holder.is_open for holder in _holders):
            return False
        with contextlib.suppress(Exception):
            sane.exit()
        _initialised = False
        sane.init()
        _initialised = True
    LOG.info("SANE restarted to look for scanners again")
    return True


def keep_sigpipe_ignored() -> None:
    """Ignore SIGPIPE again, as Python does at start-up.

    Backends that read through ``sanei_thread`` (the ``test`` backend, and many real ones) set
    SIGPIPE back to its default action when a scan starts. The next write to a closed pipe or
    socket anywhere in the kiosk (Tesseract exiting early, a network printer or the backend
    hanging up) would then kill the whole process instead of raising BrokenPipeError.
    ``signal.signal`` only works on the main thread; scans run on a worker, hence libc.
    """
    libc = ctypes.CDLL(None)
    libc.signal.restype = ctypes.c_void_p
    libc.signal.argtypes = (ctypes.c_int, ctypes.c_void_p)
    libc.signal(int(signal.SIGPIPE), int(signal.SIG_IGN))


def typed_error(error: Exception, detail: str = "") -> DeviceError:
    message = str(error).lower()
    for words, kind in _ERRORS:
        if words in message:
            return kind(DEVICE, detail or str(error))
    return DeviceError(DEVICE, detail or str(error))


def pick_choice(choices: list[str], words: tuple[str, ...], exclude: tuple[str, ...] = ()) -> str:
    """The first choice whose lower-case name contains one of ``words``, or ""."""
    for choice in choices:
        name = choice.lower()
        if any(w in name for w in words) and not any(x in name for x in exclude):
            return choice
    return ""


class SaneScanner(Scanner):
    """``device``: a SANE device name (``"test:0"``, ``"epson2:net:192.168.1.20"``), or ""
    for the first one found. ``source_names`` overrides the loose matching of sources.
    ``rediscover_s``: after a miss, how long a scan answers "not found" without looking again.

    ``last_error`` and ``last_used`` (``time.time()``, 0: never) say how the last use went,
    for the médiateur's status, without asking the device."""

    def __init__(
        self,
        device: str = "",
        source_names: dict[ScanSource, str] | None = None,
        *,
        rediscover_s: float = REDISCOVER_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.configured = device
        self.device_name = device
        self.source_names = dict(source_names or {})
        self.rediscover_s = rediscover_s
        self._clock = clock
        self._device: Any = None
        self._found: tuple[str, str, str] | None = None  # (name, vendor, model) when listed
        self._missing: DeviceNotFound | None = None  # the last miss, answered until...
        self._look_again_at = 0.0  # ...this time of ``clock``
        self._restart_first = False  # a miss or a loss: restart SANE before looking again
        self.last_error: DeviceError | None = None
        self.last_used = 0.0

    @property
    def is_open(self) -> bool:
        return self._device is not None

    # -- the device ----------------------------------------------------------------------
    def _open(self) -> Any:
        if self._device is not None:
            return self._device
        if self._missing is not None and self._clock() < self._look_again_at:
            raise DeviceNotFound(DEVICE, self._missing.detail)
        with _init_lock:
            try:
                if self._restart_first:
                    # Skipped while another scanner object of the process holds a device.
                    self._restart_first = not _restart_sane()
                self._device = self._find()
            except Exception as exc:
                error = exc if isinstance(exc, DeviceError) else typed_error(exc)
                self._missed(error)
                if error is exc:
                    raise
                raise error from exc
            _holders.add(self)
        self._missing = None
        return self._device

    def _find(self) -> Any:
        sane = _sane()
        name = self.configured
        if not name:
            try:
                devices = sane.get_devices()
            except Exception as exc:
                raise typed_error(exc) from exc
            if not devices:
                raise DeviceNotFound(DEVICE, "SANE found no scanner")
            name, vendor, model = devices[0][0], devices[0][1], devices[0][2]
            self._found = (name, vendor, model)
        try:
            device = sane.open(name)
        except Exception as exc:
            raise DeviceNotFound(DEVICE, f"{name}: {exc}") from exc
        self.device_name = name
        LOG.info("scanner %s opened", name)
        return device

    def _missed(self, error: DeviceError) -> None:
        """Not found, or not listed: answer so for ``rediscover_s``, then look afresh."""
        self._restart_first = True
        self.last_error, self.last_used = error, time.time()
        if isinstance(error, DeviceNotFound):
            self._missing = error
            self._look_again_at = self._clock() + self.rediscover_s
        LOG.warning("scanner not available: %s", error)

    def _lost(self, error: DeviceError) -> None:
        """After a failure that may mean the scanner went away (unplugged, switched off, a
        USB reset): drop the handle, so the next scan opens it again or finds another one."""
        LOG.warning(
            "scanner %s dropped after %s; it is reopened at the next scan",
            self.device_name,
            error.code,
        )
        self.close()
        self._restart_first = True
        if not self.configured:
            self._found = None

    def info(self) -> ScannerInfo:
        device = self._open()
        sources = tuple(s for s in ScanSource if self._source_choice(device, s))
        vendor, model = "", ""
        if self._found is not None and self._found[0] == self.device_name:
            vendor, model = self._found[1], self._found[2]
        else:
            try:
                with _init_lock:
                    listed = _sane().get_devices()
                for found in listed:
                    if found[0] == self.device_name:
                        vendor, model = found[1], found[2]
            except Exception:
                pass
        return ScannerInfo(self.device_name, vendor, model, sources or (ScanSource.FLATBED,))

    def close(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            with contextlib.suppress(Exception):  # closing a gone device must not fail
                device.close()

    # -- options -------------------------------------------------------------------------
    @staticmethod
    def _choices(device: Any, option: str) -> list[str]:
        try:
            constraint = device[option].constraint
        except (KeyError, AttributeError):
            return []
        return [c for c in constraint if isinstance(c, str)] if isinstance(constraint, list) else []

    def _source_choice(self, device: Any, source: ScanSource) -> str:
        if source in self.source_names:
            return self.source_names[source]
        exclude = ("duplex",) if source is ScanSource.FEEDER else ()
        return pick_choice(self._choices(device, "source"), _SOURCE_WORDS[source], exclude)

    def _configure(self, device: Any, settings: ScanSettings) -> None:
        try:
            source = self._source_choice(device, settings.source)
            if source:
                device.source = source
            elif settings.source is not ScanSource.FLATBED:
                raise DeviceError(DEVICE, f"no {settings.source.value} source on this scanner")
            mode = pick_choice(self._choices(device, "mode"), _MODE_WORDS[settings.color_mode])
            if mode:
                device.mode = mode
            if "depth" in device.optlist:
                device.depth = 8  # 8 bits per sample: what the page processing expects
            device.resolution = settings.resolution_dpi
        except DeviceError:
            raise
        except Exception as exc:
            raise typed_error(exc) from exc

    # -- scanning ------------------------------------------------------------------------
    def scan(
        self,
        settings: ScanSettings,
        cancel: CancelToken,
        on_page: PageCallback | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> list[ScannedPage]:
        device = self._open()
        try:
            pages = self._scan_with(device, settings, cancel, on_page, on_progress)
        except DeviceError as exc:
            self.last_error, self.last_used = exc, time.time()
            if _may_be_gone(exc):
                self._lost(exc)
            raise
        self.last_error, self.last_used = None, time.time()
        return pages

    def _scan_with(
        self,
        device: Any,
        settings: ScanSettings,
        cancel: CancelToken,
        on_page: PageCallback | None,
        on_progress: ProgressCallback | None,
    ) -> list[ScannedPage]:
        self._configure(device, settings)
        feeder = settings.source is not ScanSource.FLATBED
        pages: list[ScannedPage] = []
        count = 0
        try:
            while count < (MAX_FEEDER_PAGES if feeder else 1):
                if cancel.cancelled:
                    raise OperationCancelled(DEVICE)
                watch = _PageWatch(cancel, count, on_progress)
                try:
                    image = self._read_page(device, feeder, watch)
                except Exception as exc:
                    error = typed_error(exc)
                    if isinstance(error, FeederEmpty) and count:
                        break  # the end of the batch, not a fault
                    raise error from exc
                side = "back" if settings.source is ScanSource.DUPLEX and count % 2 else "front"
                page = ScannedPage(count, image, settings.resolution_dpi, side)
                count += 1
                deliver(page, pages, on_page)
        finally:
            with contextlib.suppress(Exception):  # the scan is over either way
                device.cancel()
        return pages

    @staticmethod
    def _read_page(device: Any, keep_going: bool, watch: _PageWatch) -> np.ndarray:
        """One page, as an 8-bit BGR (or gray) array. ``keep_going``: a feeder batch, where
        cancelling after each page would stop the feeder."""
        import numpy as np

        try:
            device.start()
        finally:
            keep_sigpipe_ignored()
        try:
            data, width, height, samples, sample_size = device.dev.snap(keep_going, True, watch)
        finally:
            keep_sigpipe_ignored()
        if watch.cancelled:  # see _PageWatch: the page was read to its end, then dropped
            raise OperationCancelled(DEVICE, "cancelled during the page")
        if not data:
            raise DeviceError(DEVICE, "the scanner sent no image")
        dtype = np.uint8 if sample_size == 1 else np.uint16
        image = np.frombuffer(data, dtype).reshape((height, width, samples))
        if dtype is np.uint16:
            image = (image >> 8).astype(np.uint8)
        if samples == 1:
            return np.ascontiguousarray(image[:, :, 0])
        return np.ascontiguousarray(image[:, :, ::-1])  # SANE gives RGB; OpenCV works in BGR


def _may_be_gone(error: DeviceError) -> bool:
    """Whether ``error`` may mean the device went away, rather than a state of a device that
    is there (no paper, a jam, the cover, busy with another program, a cancel)."""
    if isinstance(error, DeviceDisconnected | DeviceNotFound | DeviceTimeout):
        return True
    return type(error) is DeviceError  # an error SANE did not name: reopening costs little


class _PageWatch:
    """python-sane's per-line callback while a page is read: reports progress, notes a cancel.

    A cancel during a page takes effect when the page has been read: the page is then dropped.
    It does not call ``sane_cancel`` in the middle of the page, although the SANE standard
    allows it: backends built on ``sanei_thread`` (the ``test`` backend and many real ones)
    stop their reader thread with an *asynchronous* ``pthread_cancel`` right after closing its
    pipe, which can catch that thread inside ``strerror`` or ``free`` and leave a libc lock
    held forever; the whole kiosk then hangs on its next ``malloc`` or message lookup. At the
    end of a page the reader has already returned, so the ``sane_cancel`` that ends every scan
    is safe. The usager is not kept waiting: the screen is usable as soon as they cancel, and
    the late page is discarded.

    The callback must never raise: python-sane 2.9 releases its result without a NULL check,
    so an exception there crashes the process.
    """

    _STEP = 0.02  # report every 2 % of the page: a smooth gauge, ~50 calls per page

    def __init__(
        self, cancel: CancelToken, index: int, on_progress: ProgressCallback | None
    ) -> None:
        self._cancel = cancel
        self._index = index
        self._on_progress = on_progress
        self._reported = -1.0
        self.cancelled = False

    def __call__(self, lines: int, expected: int) -> None:
        try:
            if self.cancelled or self._cancel.cancelled:
                self.cancelled = True  # nothing more to report for a page that will be dropped
                return
            if self._on_progress is None or expected <= 0:  # hand scanners: length unknown
                return
            share = min(1.0, lines / expected)
            if share - self._reported >= self._STEP or share >= 1.0 > self._reported:
                self._reported = share
                self._on_progress(self._index, share)
        except Exception:  # see the class docstring: nothing may escape into python-sane
            LOG.exception("scan progress callback failed")
