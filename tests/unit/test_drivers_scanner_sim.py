"""The simulated scanner: realistic pages, batches, cancellation and faults."""

from __future__ import annotations

import math
import threading
import time

import numpy as np
import pytest

from drivers import errors
from drivers.cancel import CancelToken
from drivers.faults import FaultKnobs
from drivers.scanner.interface import ColorMode, ScannedPage, ScanSettings, ScanSource
from drivers.scanner.simulated import SimulatedScanner

LOW_DPI = 100  # most tests only need the layout, not the pixels: keeps the suite fast
INK_LEVEL = 179  # NAPS2's ink threshold


def settings(
    source: ScanSource = ScanSource.FLATBED, dpi: int = LOW_DPI, gray: bool = True
) -> ScanSettings:
    mode = ColorMode.GRAY if gray else ColorMode.COLOR
    return ScanSettings(source=source, resolution_dpi=dpi, color_mode=mode)


def scan(scanner: SimulatedScanner, s: ScanSettings) -> list[ScannedPage]:
    return scanner.scan(s, CancelToken())


def inner(image: np.ndarray) -> np.ndarray:
    """The page without 8 % on each side: lid, shadows and footer excluded."""
    h, w = image.shape[:2]
    return image[h * 8 // 100 : h * 92 // 100, w * 8 // 100 : w * 92 // 100]


# --- pages ---------------------------------------------------------------------------------


def test_color_a4_at_300_dpi() -> None:
    (page,) = scan(SimulatedScanner(), settings(dpi=300, gray=False))
    height, width, channels = page.image.shape
    assert abs(width - 2480) <= 3 and abs(height - 3508) <= 3 and channels == 3
    assert page.image.dtype == np.uint8
    assert (page.index, page.side, page.resolution_dpi) == (0, "front", 300)
    # Colour mode carries colour: the flag and the blue stamp differ across channels.
    b, r = page.image[..., 0].astype(int), page.image[..., 2].astype(int)
    assert np.count_nonzero(np.abs(b - r) > 60) > 1000


def test_gray_page_size_follows_dpi() -> None:
    (page,) = scan(SimulatedScanner(), settings(dpi=150))
    assert page.image.ndim == 2 and page.image.dtype == np.uint8
    assert abs(page.image.shape[1] - 1240) <= 2 and abs(page.image.shape[0] - 1754) <= 2


def test_page_has_text_on_light_paper_and_a_dark_lid() -> None:
    (page,) = scan(SimulatedScanner(seed=1), settings())
    body = inner(page.image)
    ink = np.mean(body < 120)
    paper = np.mean(body > 200)
    assert 0.03 < ink < 0.4, ink  # text bars, table, title
    assert paper > 0.5, paper  # mostly off-white paper
    assert 215 < np.median(body) < 250  # off-white, not pure white
    # The sheet is shifted on the bed: the top row and left column show the dark lid.
    assert page.image[0, :].mean() < 60
    assert page.image[:, 0].mean() < 60


def top_edge_angle(image: np.ndarray) -> float:
    """Skew of the sheet's top edge, in degrees, from where paper starts in two columns."""
    w = image.shape[1]
    x0, x1 = w // 5, w * 4 // 5
    y0 = int(np.argmax(image[:, x0] > 150))
    y1 = int(np.argmax(image[:, x1] > 150))
    return math.degrees(math.atan2(y1 - y0, x1 - x0))


def test_pages_are_slightly_and_variously_skewed() -> None:
    angles = [top_edge_angle(scan(SimulatedScanner(seed=s), settings())[0].image) for s in range(5)]
    assert all(abs(a) <= 1.5 + 0.3 for a in angles), angles
    assert max(angles) - min(angles) > 0.3, angles  # not all the same angle
    assert any(abs(a) > 0.2 for a in angles), angles  # and not all straight


def test_same_seed_same_pages_other_seed_other_pages() -> None:
    a = scan(SimulatedScanner(seed=7), settings())[0].image
    b = scan(SimulatedScanner(seed=7), settings())[0].image
    c = scan(SimulatedScanner(seed=8), settings())[0].image
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_successive_scans_draw_new_pages() -> None:
    scanner = SimulatedScanner(seed=7)
    assert not np.array_equal(
        scan(scanner, settings())[0].image, scan(scanner, settings())[0].image
    )


def test_page_generation_is_fast() -> None:
    scanner = SimulatedScanner()
    scan(scanner, settings(dpi=300, gray=False))  # first call pays for imports
    start = time.perf_counter()
    scan(scanner, settings(dpi=300, gray=False))
    # ~70 ms here; the bound only catches a regression such as a per-pixel Python loop.
    assert time.perf_counter() - start < 0.6


# --- batches -------------------------------------------------------------------------------


def test_feeder_returns_feeder_pages_fronts() -> None:
    delivered: list[ScannedPage] = []
    pages = SimulatedScanner(feeder_pages=3).scan(
        settings(ScanSource.FEEDER), CancelToken(), delivered.append
    )
    assert [(p.index, p.side) for p in delivered] == [(0, "front"), (1, "front"), (2, "front")]
    assert pages == []  # handed over as they came, not also kept
    kept = SimulatedScanner(feeder_pages=3).scan(settings(ScanSource.FEEDER), CancelToken())
    assert [p.index for p in kept] == [0, 1, 2]  # without a callback, returned instead


def test_duplex_returns_front_back_pairs_with_nearly_blank_backs() -> None:
    pages = scan(SimulatedScanner(feeder_pages=2), settings(ScanSource.DUPLEX))
    assert [p.side for p in pages] == ["front", "back", "front", "back"]
    assert [p.index for p in pages] == [0, 1, 2, 3]
    for page in pages:
        ink = np.mean(inner(page.image) < INK_LEVEL)
        if page.side == "back":
            assert ink <= 0.0015, ink  # blank by NAPS2's rule
        else:
            assert ink > 0.02, ink


# --- cancellation --------------------------------------------------------------------------


def test_cancel_between_pages_stops_the_batch() -> None:
    cancel = CancelToken()
    delivered: list[ScannedPage] = []

    def on_page(page: ScannedPage) -> None:
        delivered.append(page)
        cancel.cancel()

    with pytest.raises(errors.OperationCancelled):
        SimulatedScanner(feeder_pages=3).scan(settings(ScanSource.FEEDER), cancel, on_page)
    assert len(delivered) == 1


def test_cancel_before_start_delivers_nothing() -> None:
    cancel = CancelToken()
    cancel.cancel()
    delivered: list[ScannedPage] = []
    with pytest.raises(errors.OperationCancelled):
        SimulatedScanner().scan(settings(), cancel, delivered.append)
    assert delivered == []


def test_cancel_interrupts_a_slow_scanner() -> None:
    cancel = CancelToken()
    threading.Timer(0.05, cancel.cancel).start()
    start = time.monotonic()
    with pytest.raises(errors.OperationCancelled):
        SimulatedScanner(FaultKnobs(delay_s=10.0)).scan(settings(), cancel)
    assert time.monotonic() - start < 2.0


def test_delay_is_paid_per_page() -> None:
    start = time.monotonic()
    pages = scan(SimulatedScanner(FaultKnobs(delay_s=0.1)), settings(ScanSource.FEEDER))
    assert len(pages) == 2
    assert time.monotonic() - start >= 0.19


# --- faults --------------------------------------------------------------------------------


def test_unplugged_scanner_is_not_found() -> None:
    scanner = SimulatedScanner(FaultKnobs(unplugged=True))
    with pytest.raises(errors.DeviceNotFound):
        scanner.info()
    with pytest.raises(errors.DeviceNotFound):
        scan(scanner, settings())
    scanner.knobs.unplugged = False
    assert ScanSource.DUPLEX in scanner.info().sources


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("busy", errors.DeviceBusy),
        ("cover_open", errors.CoverOpen),
        ("feeder_empty", errors.FeederEmpty),
    ],
)
def test_one_shot_fault_before_any_page_then_clears(
    code: str, error: type[errors.DeviceError]
) -> None:
    scanner = SimulatedScanner(FaultKnobs(fail_next=code))
    delivered: list[ScannedPage] = []
    with pytest.raises(error):
        scanner.scan(settings(ScanSource.FEEDER), CancelToken(), delivered.append)
    assert delivered == []
    assert scanner.knobs.fail_next == ""
    assert len(scan(scanner, settings(ScanSource.FEEDER))) == 2


def test_feeder_empty_waits_for_a_feeder_scan() -> None:
    scanner = SimulatedScanner(FaultKnobs(fail_next="feeder_empty"))
    assert len(scan(scanner, settings(ScanSource.FLATBED))) == 1  # the flatbed is not empty
    with pytest.raises(errors.FeederEmpty):
        scan(scanner, settings(ScanSource.DUPLEX))


@pytest.mark.parametrize(
    ("code", "error"),
    [("disconnected", errors.DeviceDisconnected), ("paper_jam", errors.PaperJam)],
)
def test_mid_batch_fault_after_first_page(code: str, error: type[errors.DeviceError]) -> None:
    scanner = SimulatedScanner(FaultKnobs(fail_next=code), feeder_pages=3)
    delivered: list[ScannedPage] = []
    with pytest.raises(error):
        scanner.scan(settings(ScanSource.FEEDER), CancelToken(), delivered.append)
    assert [p.index for p in delivered] == [0]
    assert len(scan(scanner, settings(ScanSource.FEEDER))) == 3  # one-shot: cleared


def test_disconnect_on_flatbed_delivers_nothing() -> None:
    scanner = SimulatedScanner(FaultKnobs(fail_next="disconnected"))
    delivered: list[ScannedPage] = []
    with pytest.raises(errors.DeviceDisconnected):
        scanner.scan(settings(), CancelToken(), delivered.append)
    assert delivered == []


def test_sticky_fault_stays_until_cleared() -> None:
    scanner = SimulatedScanner(FaultKnobs(sticky="cover_open"))
    for _ in range(2):
        with pytest.raises(errors.CoverOpen):
            scan(scanner, settings())
    scanner.knobs.sticky = ""
    assert len(scan(scanner, settings())) == 1
