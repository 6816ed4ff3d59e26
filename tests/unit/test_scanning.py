"""Scanning a pièce: pages processed as they arrive, blank backs, unusable pages, faults."""

from __future__ import annotations

import tracemalloc

import pytest

from drivers import errors
from drivers.cancel import CancelToken
from drivers.faults import FaultKnobs
from drivers.scanner.interface import ColorMode, ScanSettings, ScanSource
from drivers.scanner.simulated import SimulatedScanner
from kiosk.pieces import PageImage, UnreadableImage
from kiosk.scanning import ScanOutcome, scan_piece

DPI = 150
BUDGET = 2_000_000


def settings(source: ScanSource) -> ScanSettings:
    return ScanSettings(source=source, resolution_dpi=DPI, color_mode=ColorMode.GRAY)


def run(scanner: SimulatedScanner, source: ScanSource, **kwargs: object) -> ScanOutcome:
    return scan_piece(scanner, settings(source), CancelToken(), max_bytes=BUDGET, **kwargs)  # type: ignore[arg-type]


def test_duplex_keeps_the_fronts_and_drops_the_blank_backs() -> None:
    delivered: list[PageImage] = []
    outcome = run(SimulatedScanner(feeder_pages=3), ScanSource.DUPLEX, on_page=delivered.append)
    assert outcome.blank_backs_dropped == 3
    assert [page.side for page in outcome.pages] == ["front"] * 3
    assert delivered == list(outcome.pages)  # each kept page was handed over as it came
    assert not any(page.blank for page in outcome.pages)


def test_a_blank_front_is_kept_and_marked_for_the_usager() -> None:
    scanner = SimulatedScanner(feeder_pages=2)
    scanner.bad_pages = {0: "blank"}  # the first sheet put the wrong way round
    outcome = run(scanner, ScanSource.FEEDER)
    assert [page.blank for page in outcome.pages] == [True, False]
    assert outcome.blank_backs_dropped == 0


def test_an_unusable_page_in_a_batch_costs_only_that_page() -> None:
    scanner = SimulatedScanner(feeder_pages=3)
    scanner.bad_pages = {1: "black"}
    outcome = run(scanner, ScanSource.FEEDER)
    assert len(outcome.pages) == 2 and outcome.unreadable == (2,)  # the second sheet


@pytest.mark.parametrize("kind", ["black", "empty", "huge", "sliver"])
def test_a_scan_with_nothing_usable_asks_for_a_new_scan(kind: str) -> None:
    scanner = SimulatedScanner()
    scanner.bad_pages = {0: kind}
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableImage):
            run(scanner, ScanSource.FLATBED)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A 30000 x 30000 page would be 2.7 GB: it is refused before a pixel is copied. The
    # black A4 page at 300 dpi itself is 26 MB.
    assert peak < 60_000_000
    # The knob is one-shot: the next scan is a good page.
    assert len(run(scanner, ScanSource.FLATBED).pages) == 1


def test_a_jam_keeps_the_pages_delivered_before_it() -> None:
    delivered: list[PageImage] = []
    scanner = SimulatedScanner(FaultKnobs(fail_next="paper_jam"), feeder_pages=3)
    with pytest.raises(errors.PaperJam):
        run(scanner, ScanSource.FEEDER, on_page=delivered.append)
    assert len(delivered) == 1


def test_progress_is_reported_for_each_page() -> None:
    reports: list[tuple[int, float]] = []
    scanner = SimulatedScanner(FaultKnobs(delay_s=0.05), feeder_pages=2)
    run(scanner, ScanSource.FEEDER, on_progress=lambda i, share: reports.append((i, share)))
    for index in (0, 1):
        shares = [share for i, share in reports if i == index]
        assert len(shares) == 10 and shares == sorted(shares) and shares[-1] == 1.0


def test_the_orienter_turns_pages_it_is_sure_about() -> None:
    seen: list[int] = []

    def upside_down(image: object, dpi: int) -> int:
        seen.append(dpi)
        return 180

    upright = run(SimulatedScanner(seed=4), ScanSource.FLATBED).pages[0]
    turned = run(SimulatedScanner(seed=4), ScanSource.FLATBED, orient=upside_down).pages[0]
    assert seen == [DPI]
    assert (turned.width, turned.height) == (upright.width, upright.height)
    assert turned.jpeg != upright.jpeg
    quarter = run(SimulatedScanner(seed=4), ScanSource.FLATBED, orient=lambda i, d: 90).pages[0]
    assert (quarter.width, quarter.height) == (upright.height, upright.width)
    unsure = run(SimulatedScanner(seed=4), ScanSource.FLATBED, orient=lambda i, d: None).pages[0]
    assert unsure.jpeg == upright.jpeg
