"""Fault knobs shared by every simulator.

The demo's médiateur panel and the tests set these to make a simulated device misbehave the
way real ones do (OctoPrint's Virtual Printer idea): unplugged, slow, a one-shot fault, or a
fault that stays until someone clears it. Each simulator decides *where* in its operation a
fault strikes; turning a fault code into the typed error lives here, once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from drivers.cancel import CancelToken
from drivers.errors import (
    CardError,
    CoverOpen,
    DeviceBusy,
    DeviceDisconnected,
    DeviceError,
    DeviceNotFound,
    DeviceTimeout,
    FeederEmpty,
    PaperJam,
    PaperOut,
)

# Keyed by each class's own ``code`` so the knob values and the UI's message table can never
# drift apart. OperationCancelled is left out on purpose: cancelling is not a device fault.
FAULT_ERRORS: dict[str, type[DeviceError]] = {
    cls.code: cls
    for cls in (
        DeviceNotFound,
        DeviceDisconnected,
        DeviceBusy,
        DeviceTimeout,
        FeederEmpty,
        PaperJam,
        CoverOpen,
        PaperOut,
        CardError,
    )
}


def fault_error(code: str, device: str, detail: str = "simulated fault") -> DeviceError:
    """The typed error for a fault ``code``; an unknown code is a bug in the caller's setup."""
    try:
        cls = FAULT_ERRORS[code]
    except KeyError:
        known = ", ".join(sorted(FAULT_ERRORS))
        raise ValueError(f"unknown fault code {code!r} (known: {known})") from None
    return cls(device, detail)


def _always(code: str) -> bool:
    return True


@dataclass
class FaultKnobs:
    """What is wrong with a simulated device right now.

    Set from the test or the demo panel; read on the device's worker thread. Only the
    consumption of ``fail_next`` needs a lock (two workers must not both take it).
    """

    unplugged: bool = False
    delay_s: float = 0.0  # extra latency per operation (per page, frame, receipt)
    fail_next: str = ""  # one-shot fault code, consumed by the next operation it applies to
    sticky: str = ""  # fault code that stays until set back to ""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def take(self, applies: Callable[[str], bool] = _always) -> str:
        """The fault code for this operation, or "".

        ``sticky`` wins and is never consumed. ``fail_next`` is consumed only when
        ``applies(code)`` is true, so a "feeder_empty" armed during a flatbed scan is still
        there for the next feeder scan, as it would be with a real empty feeder.
        """
        if self.sticky and applies(self.sticky):
            return self.sticky
        with self._lock:
            code = self.fail_next
            if code and applies(code):
                self.fail_next = ""
                return code
        return ""

    def check_present(self, device: str) -> None:
        """Raise DeviceNotFound while the device is unplugged."""
        if self.unplugged:
            raise DeviceNotFound(device, "simulated: unplugged")

    def wait_delay(self, cancel: CancelToken | None = None) -> bool:
        """Sleep ``delay_s``; return True if ``cancel`` fired meanwhile (the wait ends early)."""
        delay = self.delay_s
        if delay <= 0:
            return False
        if cancel is None:
            # A private token keeps one code path; nobody can cancel it, so it sleeps in full.
            cancel = CancelToken()
        return cancel.wait(delay)
