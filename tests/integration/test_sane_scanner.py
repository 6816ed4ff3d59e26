"""The SANE driver against SANE's own ``test`` backend, through python-sane (no mocks)."""

from __future__ import annotations

import ctypes
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.cancel import CancelToken
from drivers.errors import (
    CoverOpen,
    DeviceNotFound,
    FeederEmpty,
    OperationCancelled,
    PaperJam,
)
from drivers.scanner.interface import ColorMode, ScannedPage, ScanSettings, ScanSource
from drivers.scanner.sane_scanner import SaneScanner, pick_choice, typed_error
from kiosk.bootstrap import build_app
from kiosk.config import build_config
from kiosk.pieces import PageImage, UnreadableImage
from tests.support.backend_key import SYNC_TABLE


@pytest.fixture
def scanner() -> Iterator[SaneScanner]:
    device = SaneScanner("test:0")
    yield device
    device.close()


def page_size_mm(page: ScannedPage) -> tuple[float, float]:
    height, width = page.image.shape[:2]
    return width * 25.4 / page.resolution_dpi, height * 25.4 / page.resolution_dpi


def test_the_first_scanner_found_is_the_test_device() -> None:
    first = SaneScanner()
    try:
        info = first.info()
    finally:
        first.close()
    assert info.name == "test:0"
    assert info.sources == (ScanSource.FLATBED, ScanSource.FEEDER)


@pytest.mark.parametrize("dpi", [75, 150, 300])
def test_a_flatbed_page_has_the_size_of_the_scan_area_at_any_resolution(
    scanner: SaneScanner, dpi: int
) -> None:
    [page] = scanner.scan(ScanSettings(ScanSource.FLATBED, dpi, ColorMode.COLOR), CancelToken())
    assert page.image.ndim == 3 and page.image.shape[2] == 3 and page.image.dtype.name == "uint8"
    width_mm, height_mm = page_size_mm(page)
    # The test backend's default scan area; the size must not depend on the resolution.
    reference = scanner.scan(ScanSettings(ScanSource.FLATBED, 75), CancelToken())[0]
    assert width_mm == pytest.approx(page_size_mm(reference)[0], abs=1.0)
    assert height_mm == pytest.approx(page_size_mm(reference)[1], abs=1.0)
    assert page.side == "front" and page.index == 0


def test_gray_mode_gives_one_channel(scanner: SaneScanner) -> None:
    [page] = scanner.scan(ScanSettings(ScanSource.FLATBED, 75, ColorMode.GRAY), CancelToken())
    assert page.image.ndim == 2


def test_a_feeder_batch_delivers_each_page_as_it_comes(scanner: SaneScanner) -> None:
    seen: list[int] = []
    pages = scanner.scan(
        ScanSettings(ScanSource.FEEDER, 75, ColorMode.GRAY),
        CancelToken(),
        on_page=lambda page: seen.append(page.index),
    )
    # The test backend's feeder holds ten sheets per opening of the device.
    assert 2 <= len(seen) <= 10
    assert seen == list(range(len(seen)))
    assert pages == []  # handed over as they came, not also kept (memory stays bounded)


def test_cancel_between_pages_stops_the_batch(scanner: SaneScanner) -> None:
    cancel = CancelToken()
    seen: list[int] = []

    def after_first(page: ScannedPage) -> None:
        seen.append(page.index)
        cancel.cancel()

    with pytest.raises(OperationCancelled):
        scanner.scan(ScanSettings(ScanSource.FEEDER, 75), cancel, on_page=after_first)
    assert seen == [0]
    # The device is usable again afterwards.
    assert len(scanner.scan(ScanSettings(ScanSource.FLATBED, 75), CancelToken())) == 1


def test_progress_is_reported_while_each_page_is_read(scanner: SaneScanner) -> None:
    reports: list[tuple[int, float]] = []
    pages = scanner.scan(
        ScanSettings(ScanSource.FEEDER, 75, ColorMode.GRAY),
        CancelToken(),
        on_progress=lambda index, share: reports.append((index, share)),
    )
    for index in range(len(pages)):
        shares = [share for i, share in reports if i == index]
        assert len(shares) >= 10, "a smooth gauge needs more than a handful of steps"
        assert shares == sorted(shares) and shares[-1] == pytest.approx(1.0)
        assert 0.0 < shares[0] <= 0.1


def test_cancel_in_the_middle_of_a_page_drops_that_page(scanner: SaneScanner) -> None:
    cancel = CancelToken()
    reached: list[float] = []

    def at_a_third(index: int, share: float) -> None:
        reached.append(share)
        if share >= 0.3:
            cancel.cancel()

    with pytest.raises(OperationCancelled):
        scanner.scan(ScanSettings(ScanSource.FLATBED, 150), cancel, on_progress=at_a_third)
    # The gauge stopped at the cancel; the page was read to its end (see _PageWatch) and
    # dropped, and the scanner is ready for the next scan.
    assert reached[-1] >= 0.3
    assert reached[-1] < 0.4
    assert len(scanner.scan(ScanSettings(ScanSource.FLATBED, 75), CancelToken())) == 1


def sigpipe_disposition() -> int | None:
    """SIGPIPE's current C-level action (``signal.getsignal`` only knows Python's view): set
    it to "ignore" and read back what it was. Non-destructive when it was "ignore"."""
    libc = ctypes.CDLL(None)
    libc.signal.restype = ctypes.c_void_p
    libc.signal.argtypes = (ctypes.c_int, ctypes.c_void_p)
    previous: int | None = libc.signal(int(signal.SIGPIPE), int(signal.SIG_IGN))
    return previous


def test_a_scan_leaves_sigpipe_ignored(scanner: SaneScanner) -> None:
    scanner.scan(ScanSettings(ScanSource.FLATBED, 75), CancelToken())
    # The test backend's reader thread resets SIGPIPE to "terminate"; the driver must ignore
    # it again, or writing to a process that stopped reading would kill the kiosk.
    assert sigpipe_disposition() == int(signal.SIG_IGN)
    subprocess.run(["true"], input=b"x" * 10_000_000, check=False)  # and this survives


@pytest.mark.parametrize(
    ("status", "error"),
    [
        ("SANE_STATUS_JAMMED", PaperJam),
        ("SANE_STATUS_COVER_OPEN", CoverOpen),
        ("SANE_STATUS_NO_DOCS", FeederEmpty),
    ],
)
def test_scanner_faults_become_typed_errors(
    scanner: SaneScanner, status: str, error: type[Exception]
) -> None:
    device = scanner._open()
    device.read_return_value = status
    with pytest.raises(error):
        scanner.scan(ScanSettings(ScanSource.FLATBED, 75), CancelToken())


def test_an_unknown_device_is_not_found() -> None:
    missing = SaneScanner("test:9")
    with pytest.raises(DeviceNotFound):
        missing.info()


def test_source_names_are_matched_loosely() -> None:
    canon = ["Flatbed", "ADF Front", "ADF Back", "ADF Duplex"]
    assert pick_choice(canon, ("adf", "feeder"), exclude=("duplex",)) == "ADF Front"
    assert pick_choice(canon, ("duplex",)) == "ADF Duplex"
    assert pick_choice(["Document Table", "ADF"], ("flatbed", "document table")) == "Document Table"
    assert pick_choice(["Flatbed"], ("duplex",)) == ""
    assert isinstance(typed_error(RuntimeError("Document feeder jammed")), PaperJam)


@pytest.mark.parametrize("source", ["flatbed", "feeder"])
def test_the_kiosk_scans_a_piece_through_sane(tmp_path: Path, source: str) -> None:
    raw = {
        "kiosk": {"id": "borne-1", "code": "B7K", "data_dir": str(tmp_path)},
        "sync": SYNC_TABLE,
        "scanner": {
            "backend": "sane",
            "device": "test:1",
            "resolution_dpi": 150,
            "source": source,
        },
    }
    app = build_app(build_config(raw, "(test)"), synchronous_devices=True)
    try:
        app.start_session("permis-perte-vol")
        scanner = app.devices.scanner
        assert isinstance(scanner, SaneScanner)
        # A solid black page (the test backend's default, set again: the backend keeps its
        # options from one opening to the next in a process): the kiosk refuses it...
        scanner._open().test_picture = "Solid black"
        with pytest.raises(UnreadableImage):
            app.scan("piece_identite", CancelToken()).result()
        scanner._open().test_picture = "Color pattern"  # ...and keeps a real picture.
        arrived: list[PageImage] = []
        progress: list[float] = []
        outcome = app.scan(
            "piece_identite",
            CancelToken(),
            on_page=arrived.append,
            on_progress=lambda index, share: progress.append(share),
        ).result()
        # Every page of the batch came out processed, in order, with a live gauge on the way.
        assert arrived == list(outcome.pages) and len(arrived) >= 1
        assert len(arrived) == 1 if source == "flatbed" else len(arrived) > 1
        assert arrived[0].jpeg[:2] == b"\xff\xd8" and arrived[0].resolution_dpi == 150
        assert progress and max(progress) == pytest.approx(1.0)
    finally:
        app.end_session("test")
        app.devices.shutdown()
        app.store.close()
