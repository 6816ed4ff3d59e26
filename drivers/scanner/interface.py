"""Scanner interface: what the application asks of any document scanner."""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from drivers.cancel import CancelToken

if TYPE_CHECKING:  # numpy is imported lazily at scan time to keep start-up fast
    import numpy as np


class ScanSource(Enum):
    FLATBED = "flatbed"
    FEEDER = "feeder"
    DUPLEX = "duplex"


class ColorMode(Enum):
    COLOR = "color"
    GRAY = "gray"


@dataclass(frozen=True)
class ScanSettings:
    source: ScanSource = ScanSource.FLATBED
    resolution_dpi: int = 300
    color_mode: ColorMode = ColorMode.COLOR


@dataclass(frozen=True)
class ScannerInfo:
    name: str
    vendor: str
    model: str
    sources: tuple[ScanSource, ...]


@dataclass
class ScannedPage:
    """One page as it left the scanner: an 8-bit image (H x W x 3 BGR, or H x W gray)."""

    index: int
    image: np.ndarray
    resolution_dpi: int
    side: str = "front"  # "front" or "back" (duplex)


PageCallback = Callable[[ScannedPage], None]
# (index of the page being read, share of it read so far from 0.0 to 1.0), for a live gauge.
ProgressCallback = Callable[[int, float], None]


class Scanner(abc.ABC):
    """A document scanner. Every method blocks: call it from the scanner's worker thread."""

    @abc.abstractmethod
    def info(self) -> ScannerInfo:
        """Describe the device; raises DeviceNotFound if it is not there."""

    @abc.abstractmethod
    def scan(
        self,
        settings: ScanSettings,
        cancel: CancelToken,
        on_page: PageCallback | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> list[ScannedPage]:
        """Scan one page (flatbed) or a batch (feeder), calling ``on_page`` as each arrives
        and ``on_progress`` while each is read (both on the calling worker thread).

        With ``on_page``, pages are handed over and not kept: the list returned is empty, so
        a 50-sheet batch never holds 50 raw pages (~25 MB each at 300 dpi) at once.
        A duplex scan delivers each sheet's front then its back (``side``), blank or not.

        Raises a ``drivers.errors.DeviceError`` subclass: DeviceNotFound, DeviceDisconnected,
        DeviceBusy, FeederEmpty, PaperJam, CoverOpen, OperationCancelled.
        """

    def close(self) -> None:  # noqa: B027 - optional hook, most devices need nothing
        """Release the device; safe to call more than once."""


def deliver(page: ScannedPage, kept: list[ScannedPage], on_page: PageCallback | None) -> None:
    """Hand ``page`` to ``on_page``, or keep it in ``kept`` when nobody takes it as it comes."""
    if on_page is None:
        kept.append(page)
    else:
        on_page(page)
