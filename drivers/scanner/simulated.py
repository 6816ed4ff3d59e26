"""A simulated document scanner with fault knobs, for ``--demo`` and the tests.

Pages are synthetic A4 documents (see ``synthetic.py``), deterministic for a given ``seed``.
Faults strike where they do on real hardware:

- ``unplugged``: ``info()`` and ``scan()`` raise DeviceNotFound;
- "busy", "cover_open", "timeout": before any page;
- "feeder_empty": before any page, feeder and duplex only (a flatbed scan leaves it armed);
- "paper_jam": feeder and duplex only, after the first page was delivered;
- "disconnected": after the first page was delivered (before the only page of a flatbed scan).

``delay_s`` is spread over the reading of each page (progress is reported as it goes) and is
interrupted by the cancel token.

``bad_pages`` makes the next scan deliver absurd images, the way broken hardware or drivers
do, to exercise the page checks: {page index: kind}, one-shot, kinds in ``BAD_PAGE_KINDS``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drivers.cancel import CancelToken
from drivers.errors import OperationCancelled
from drivers.faults import FaultKnobs, fault_error
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

_FEEDER_ONLY = frozenset({"feeder_empty", "paper_jam"})
_MID_BATCH = frozenset({"paper_jam", "disconnected"})
_FEEDER_SOURCES = frozenset({ScanSource.FEEDER, ScanSource.DUPLEX})
_PROGRESS_STEPS = 10
# "black": the lid open on nothing; "empty": no pixels at all; "huge": 30000 x 30000 (a
# broadcast view, so it costs no memory here: the checks must refuse it before reading it);
# "sliver": a page cut short after a few lines, as when the transfer stops; "blank": the sheet
# put the wrong way round, its blank verso scanned as the front.
BAD_PAGE_KINDS = ("black", "empty", "huge", "sliver", "blank")


class SimulatedScanner(Scanner):
    """A flatbed + duplex feeder scanner that draws its pages.

    ``feeder_pages`` is the number of sheets in the feeder for each feeder or duplex scan
    (a duplex scan returns two pages per sheet, front then back).
    """

    def __init__(
        self,
        knobs: FaultKnobs | None = None,
        *,
        seed: int = 0,
        feeder_pages: int = 2,
        name: str = "Scanner simulé",
    ) -> None:
        if feeder_pages < 1:
            raise ValueError("feeder_pages must be at least 1")
        self.knobs = knobs if knobs is not None else FaultKnobs()
        self.seed = seed
        self.feeder_pages = feeder_pages
        self.name = name
        self._scan_count = 0  # each scan draws new pages, reproducibly
        self.bad_pages: dict[int, str] = {}

    def info(self) -> ScannerInfo:
        self.knobs.check_present(self.name)
        return ScannerInfo(
            name=self.name,
            vendor="Simulation",
            model="SIM-A4 duplex",
            sources=(ScanSource.FLATBED, ScanSource.FEEDER, ScanSource.DUPLEX),
        )

    def scan(
        self,
        settings: ScanSettings,
        cancel: CancelToken,
        on_page: PageCallback | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> list[ScannedPage]:
        self.knobs.check_present(self.name)
        self._scan_count += 1
        bad_pages, self.bad_pages = self.bad_pages, {}
        plan = self._page_plan(settings.source)
        fault = self.knobs.take(lambda code: _applies(code, settings.source))
        if fault and fault not in _MID_BATCH:
            raise fault_error(fault, self.name)
        # A mid-batch fault hits after the first delivered page, or at once on a 1-page scan.
        strike_at = min(1, len(plan) - 1) if fault else -1

        pages: list[ScannedPage] = []
        for index, side in enumerate(plan):
            if index == strike_at:
                raise fault_error(fault, self.name, f"simulated fault at page {index + 1}")
            self._read_slowly(index, cancel, on_progress)
            bad = bad_pages.get(index, "")
            if bad in ("", "blank"):
                image = self._render(settings, index, "back" if bad else side)
            else:
                image = _bad_image(bad)
            page = ScannedPage(
                index=index,
                image=image,
                resolution_dpi=settings.resolution_dpi,
                side=side,
            )
            deliver(page, pages, on_page)
        return pages

    def _read_slowly(
        self, index: int, cancel: CancelToken, on_progress: ProgressCallback | None
    ) -> None:
        """Spend ``delay_s`` on the page in steps, reporting progress and honouring cancel."""
        step = self.knobs.delay_s / _PROGRESS_STEPS
        for done in range(1, _PROGRESS_STEPS + 1):
            if cancel.cancelled or (step > 0 and cancel.wait(step)):
                raise OperationCancelled(self.name, f"during page {index + 1}")
            if on_progress is not None and (step > 0 or done == _PROGRESS_STEPS):
                on_progress(index, done / _PROGRESS_STEPS)

    def _page_plan(self, source: ScanSource) -> list[str]:
        """The side of each page this scan will deliver, in order."""
        if source is ScanSource.FLATBED:
            return ["front"]
        if source is ScanSource.FEEDER:
            return ["front"] * self.feeder_pages
        return ["front", "back"] * self.feeder_pages

    def _render(self, settings: ScanSettings, index: int, side: str) -> np.ndarray:
        # Imported here: numpy + OpenCV cost ~150 ms, paid at the first scan, not at start-up.
        import numpy as np

        from drivers.scanner import synthetic

        rng = np.random.default_rng([self.seed, self._scan_count, index])
        sheet = index // 2 if settings.source is ScanSource.DUPLEX else index
        sheets = 1 if settings.source is ScanSource.FLATBED else self.feeder_pages
        return synthetic.render_page(
            settings.resolution_dpi,
            rng,
            back=side == "back",
            gray=settings.color_mode is ColorMode.GRAY,
            page_label=f"Page {sheet + 1}/{sheets}",
        )


def _bad_image(kind: str) -> np.ndarray:
    import numpy as np

    if kind == "black":
        return np.zeros((3508, 2480, 3), np.uint8)
    if kind == "empty":
        return np.zeros((0, 0, 3), np.uint8)
    if kind == "huge":
        return np.broadcast_to(np.uint8(255), (30000, 30000, 3))
    if kind == "sliver":
        return np.full((12, 2480, 3), 240, np.uint8)
    raise ValueError(f"unknown bad page kind {kind!r} (known: {', '.join(BAD_PAGE_KINDS)})")


def _applies(code: str, source: ScanSource) -> bool:
    return code not in _FEEDER_ONLY or source in _FEEDER_SOURCES
