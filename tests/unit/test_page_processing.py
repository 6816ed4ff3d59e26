"""Page processing on real images: simulated scans and pages drawn at known positions."""

from __future__ import annotations

import math
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import cv2
import numpy as np
import pytest

from drivers.cancel import CancelToken
from drivers.scanner import synthetic
from drivers.scanner.interface import ColorMode, ScannedPage, ScanSettings, ScanSource
from drivers.scanner.simulated import SimulatedScanner
from kiosk import page_processing as pp
from kiosk.page_processing import PageTooLarge, UnusablePage, UnusableReason

LOW_DPI = 150  # where the pixel count does not matter: keeps the suite fast
LID = 25
PAPER = 238


# --- test images ------------------------------------------------------------------------------


@contextmanager
def recording_sheet_angles() -> Iterator[list[float]]:
    """Record the angle by which ``synthetic`` turns each sheet on the lid (its ground truth)."""
    angles: list[float] = []
    original = cv2.getRotationMatrix2D

    def spy(center: tuple[float, float], angle: float, scale: float) -> np.ndarray:
        angles.append(angle)
        return original(center, angle, scale)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(synthetic.cv2, "getRotationMatrix2D", spy)
        yield angles


def simulated_scan(
    seed: int, dpi: int = LOW_DPI, gray: bool = True, source: ScanSource = ScanSource.FLATBED
) -> tuple[list[ScannedPage], list[float]]:
    """Pages from the simulated scanner and the angle each sheet was turned by."""
    mode = ColorMode.GRAY if gray else ColorMode.COLOR
    settings = ScanSettings(source=source, resolution_dpi=dpi, color_mode=mode)
    with recording_sheet_angles() as angles:
        pages = SimulatedScanner(seed=seed, feeder_pages=1).scan(settings, CancelToken())
    assert len(angles) == len(pages)
    return pages, angles


def text_page(width: int = 1240, height: int = 1754, seed: int = 0, ink: int = 30) -> np.ndarray:
    """A white page with rows of black "words" (bars 12 px high, lines 30 px apart)."""
    rng = np.random.default_rng(seed)
    img = np.full((height, width), 255, np.uint8)
    y = int(height * 0.12)
    while y < height * 0.85:
        x, right = int(width * 0.12), int(width * 0.88 - rng.uniform(0, width * 0.3))
        while x < right:
            word = int(rng.uniform(width * 0.02, width * 0.1))
            cv2.rectangle(img, (x, y), (min(x + word, right), y + 12), ink, -1)
            x += word + 10
        y += 30
    return img


def rotated(image: np.ndarray, angle: float) -> np.ndarray:
    """``image`` turned counter-clockwise by ``angle`` degrees, same size, white corners."""
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), borderValue=255)


def rectangle_corners(
    center: tuple[float, float], size: tuple[float, float], angle: float
) -> np.ndarray:
    """TL, TR, BR, BL of a w x h rectangle turned counter-clockwise (on screen) by ``angle``."""
    (cx, cy), (w, h) = center, size
    a = math.radians(angle)
    cos, sin = math.cos(a), math.sin(a)
    local = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    return np.array([(cx + x * cos + y * sin, cy - x * sin + y * cos) for x, y in local])


def sheet_on_lid(corners: np.ndarray, shape: tuple[int, int] = (1900, 1400)) -> np.ndarray:
    """A light sheet with grey text, its outline at ``corners``, on a dark lid."""
    canvas = np.full(shape, LID, np.uint8)
    # The sheet's content is drawn straight, then mapped onto the quad.
    w = round(math.dist(corners[0], corners[1]))
    h = round(math.dist(corners[0], corners[3]))
    sheet = text_page(w, h, ink=90)
    sheet[sheet == 255] = PAPER
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32) - 0.5
    matrix = cv2.getPerspectiveTransform(src, corners.astype(np.float32))
    warped = cv2.warpPerspective(sheet, matrix, shape[::-1], borderValue=LID)
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(corners * 16).astype(np.int32)], 255, cv2.LINE_8, 4)
    return np.where(mask > 0, warped, canvas).astype(np.uint8)


def a4(dpi: int, value: int = 255) -> np.ndarray:
    width, height = synthetic.page_size_px(dpi)
    return np.full((height, width), value, np.uint8)


def bar_angles(image: np.ndarray) -> list[float]:
    """The angle (degrees) of the main axis of each long dark blob, measured independently."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats((image < 128).astype(np.uint8))
    ys, xs = np.nonzero(labels)
    ids = labels[ys, xs]
    n = np.bincount(ids, minlength=count).astype(float)
    n[0] = 1

    def mean(values: np.ndarray) -> np.ndarray:
        return np.bincount(ids, weights=values.astype(float), minlength=count) / n

    mx, my = mean(xs), mean(ys)
    dx, dy = xs - mx[ids], ys - my[ids]
    sxx, syy, sxy = mean(dx * dx), mean(dy * dy), mean(dx * dy)
    long_blobs = np.nonzero(stats[:, cv2.CC_STAT_WIDTH] >= 80)[0]
    # Orientation of the principal axis from the second moments.
    return [
        math.degrees(0.5 * math.atan2(2 * sxy[k], sxx[k] - syy[k])) for k in long_blobs if k > 0
    ]


# --- import cost ------------------------------------------------------------------------------


def test_importing_the_module_does_not_load_opencv_or_numpy() -> None:
    code = (
        "import sys, kiosk.page_processing\n"
        "assert 'cv2' not in sys.modules and 'numpy' not in sys.modules, 'heavy import'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)


# --- skew -------------------------------------------------------------------------------------


@pytest.mark.parametrize("angle", [-18.0, -10.0, -3.0, 3.0, 10.0, 18.0])
def test_estimate_skew_finds_known_angles_and_deskew_makes_bars_horizontal(angle: float) -> None:
    page = rotated(text_page(), angle)
    found = pp.estimate_skew(page)
    assert found == pytest.approx(angle, abs=0.5)
    straight = pp.deskew(page, found)
    assert straight.shape[0] > page.shape[0] and straight.shape[1] > page.shape[1]  # no loss
    assert straight[0, 0] == 255 and straight[-1, -1] == 255  # white corners
    angles = bar_angles(straight)
    assert len(angles) > 50
    assert abs(float(np.median(angles))) < 0.3, np.median(angles)
    assert np.percentile(np.abs(angles), 90) < 1.0
    assert abs(pp.estimate_skew(straight)) <= 0.3


def test_estimate_skew_on_a_colour_page_and_within_20_degrees() -> None:
    page = cv2.cvtColor(rotated(text_page(), 7.5), cv2.COLOR_GRAY2BGR)
    assert pp.estimate_skew(page) == pytest.approx(7.5, abs=0.5)
    # Text turned by 30°: nothing within ±20° agrees with it, so no bogus correction.
    assert abs(pp.estimate_skew(rotated(text_page(), 30.0))) < 20.0


def test_estimate_skew_is_zero_on_blank_pages_and_disagreeing_lines() -> None:
    assert pp.estimate_skew(a4(LOW_DPI)) == 0.0
    # Three bands of text turned differently: no angle gathers half of the strongest lines.
    third = 1754 // 3
    bands = [
        rotated(text_page(seed=k), angle)[k * third : (k + 1) * third]
        for k, angle in enumerate((12.0, -8.0, 3.0))
    ]
    assert pp.estimate_skew(np.vstack(bands)) == 0.0
    # Scattered dots (a photo, a stamp pad): no lines at all.
    dots = a4(LOW_DPI)
    rng = np.random.default_rng(0)
    for x, y, r in zip(
        rng.integers(0, 1240, 3000),
        rng.integers(0, 1754, 3000),
        rng.integers(2, 9, 3000),
        strict=True,
    ):
        cv2.circle(dots, (int(x), int(y)), int(r), 20, -1)
    assert not pp.is_blank(dots) and pp.estimate_skew(dots) == 0.0


def test_deskew_keeps_colour_and_a_zero_angle_is_a_no_op() -> None:
    page = cv2.cvtColor(text_page(), cv2.COLOR_GRAY2BGR)
    assert pp.deskew(page, 0.0) is page
    turned = pp.deskew(page, 5.0)
    assert turned.ndim == 3 and turned.dtype == np.uint8
    assert tuple(turned[0, 0]) == (255, 255, 255)


def test_skew_of_simulated_scans_matches_the_drawn_angle() -> None:
    for seed in range(4):
        (page,), (truth,) = simulated_scan(seed)
        assert pp.estimate_skew(page.image) == pytest.approx(truth, abs=0.3), seed


# --- finding and cropping the document --------------------------------------------------------


@pytest.mark.parametrize("angle", [0.0, 1.2, -4.0])
def test_find_document_locates_a_sheet_drawn_at_a_known_place(angle: float) -> None:
    truth = rectangle_corners((700, 950), (1000, 1420), angle)
    image = sheet_on_lid(truth)
    quad = pp.find_document(image)
    assert quad is not None
    assert np.abs(np.array(quad) - truth).max() < 3.0, np.array(quad) - truth


def test_crop_warps_a_sheet_drawn_at_a_known_place_to_its_size() -> None:
    truth = rectangle_corners((700, 950), (1000, 1420), -4.0)
    image = cv2.cvtColor(sheet_on_lid(truth), cv2.COLOR_GRAY2BGR)
    out = pp.crop_to_document(image)
    pad = round(pp.CROP_MARGIN * 1000)
    assert abs(out.shape[1] - (1000 + 2 * pad)) <= 2 and abs(out.shape[0] - (1420 + 2 * pad)) <= 2
    inner = out[pad + 3 : -pad - 3, pad + 3 : -pad - 3]
    assert int(inner.min()) > LID + 30  # no lid left inside the margin
    assert abs(pp.estimate_skew(out)) <= 0.3  # the warp straightened the sheet


def test_four_point_warp_of_a_sheet_in_perspective() -> None:
    truth = np.array([(230.0, 160.0), (1180.0, 210.0), (1240.0, 1760.0), (150.0, 1690.0)])
    image = sheet_on_lid(truth)
    quad = pp.find_document(image)
    assert quad is not None
    assert np.abs(np.array(quad) - truth).max() < 3.0
    out = pp.crop_to_document(image)
    expected_w = max(math.dist(truth[0], truth[1]), math.dist(truth[3], truth[2]))
    assert abs(out.shape[1] - expected_w - 2 * round(pp.CROP_MARGIN * expected_w)) <= 2
    angles = bar_angles(out)
    assert abs(float(np.median(angles))) < 0.5  # text rows are horizontal again


def test_a_sheet_cut_by_the_image_border_is_cropped_without_lid() -> None:
    # Turned by 1.2° and running off the right and bottom edges, as on the simulated scanner.
    truth = rectangle_corners((760, 1010), (1300, 1880), 1.2)
    image = sheet_on_lid(truth, shape=(1900, 1350))
    quad = pp.find_document(image)
    assert quad is not None
    assert np.abs(np.array(quad[0]) - truth[0]).max() < 3.0  # the visible corner
    assert pp._quad_skew(quad) == pytest.approx(1.2, abs=0.2)
    out = pp.crop_to_document(image)
    pad = round(pp.CROP_MARGIN * min(out.shape))
    assert int(out[pad + 3 :, pad + 3 :].min()) > LID + 30
    assert out.shape[0] > 0.9 * image.shape[0] and out.shape[1] > 0.9 * image.shape[1]


def test_simulated_scans_are_cropped_to_the_sheet() -> None:
    for seed in (0, 5):
        (page,), (truth,) = simulated_scan(seed, gray=seed % 2 == 0)
        quad = pp.find_document(page.image)
        assert quad is not None
        assert pp._quad_skew(quad) == pytest.approx(truth, abs=0.2)
        out = pp.crop_to_document(page.image)
        a4_w, a4_h = synthetic.page_size_px(LOW_DPI)
        pad = round(pp.CROP_MARGIN * min(out.shape[:2]))
        # The sheet runs off the right and bottom of the bed: up to 7 mm (41 px) is lost.
        assert a4_w - 45 <= out.shape[1] - 2 * pad <= a4_w + 2
        assert a4_h - 45 <= out.shape[0] - 2 * pad <= a4_h + 2
        gray = out if out.ndim == 2 else cv2.cvtColor(out, cv2.COLOR_BGR2GRAY)
        assert gray[pad + 3].mean() > 200 and gray[:, pad + 3].mean() > 200  # paper, not lid
        assert abs(pp.estimate_skew(out)) <= 0.3


def test_no_crop_when_the_page_fills_the_image_or_the_find_is_too_small() -> None:
    page = text_page()
    assert pp.find_document(page) is None
    assert pp.crop_to_document(page) is page
    # A bright label covering ~5 % of a dark image is not a document.
    image = np.full((1000, 800), LID, np.uint8)
    image[100:300, 100:300] = PAPER
    assert pp.find_document(image) is not None
    assert pp.crop_to_document(image) is image
    # A plain noisy sheet: nothing stands out.
    noisy = np.random.default_rng(0).integers(228, 238, (1000, 800)).astype(np.uint8)
    assert pp.find_document(noisy) is None


# --- blank pages ------------------------------------------------------------------------------


def test_blank_pages_are_blank() -> None:
    assert pp.is_blank(a4(LOW_DPI))
    speck = a4(LOW_DPI)
    speck[800, 600] = 0
    assert pp.is_blank(speck)
    # A scanner shadow: dark in the outer 1 %, fading to paper below the ink level inside.
    shadow = a4(LOW_DPI).astype(np.float64)
    w = shadow.shape[1]
    edge = round(w * 0.01)
    shadow[:, :edge] = 60
    shadow[:, edge : edge + 40] = np.linspace(185, 255, 40)
    shadow[:edge, :] = 90
    assert pp.is_blank(shadow.astype(np.uint8))
    # The simulated scanner's back pages, once the lid is cropped away.
    pages, _ = simulated_scan(3, source=ScanSource.DUPLEX)
    back = next(p for p in pages if p.side == "back")
    assert not pp.is_blank(back.image)  # the lid is dark: crop first
    assert pp.is_blank(pp.crop_to_document(back.image))


def test_a_line_of_text_is_not_blank() -> None:
    page = a4(LOW_DPI, 245)
    cv2.putText(page, "ATTESTATION DE DOMICILE", (120, 600), cv2.FONT_HERSHEY_DUPLEX, 1.2, 20, 2)
    assert not pp.is_blank(page)
    (front,), _ = simulated_scan(2)
    assert not pp.is_blank(pp.crop_to_document(front.image))


def test_naps2_rule_calls_a_lone_small_line_blank() -> None:
    # The limit of the 0.15 % rule, pinned so nobody mistakes "blank" for "empty": one small
    # line (a date, 2.5 mm capitals) inks < 0.1 % of an A4. Never drop "blank" pages silently.
    page = a4(LOW_DPI, 245)
    cv2.putText(page, "Fait a Bordeaux, le 12/03/2024", (118, 877), 0, 0.68, 20, 1, cv2.LINE_AA)
    assert pp.is_blank(page)


# --- encoding within a size limit -------------------------------------------------------------


@pytest.fixture(scope="module")
def a4_300_colour() -> np.ndarray:
    (page,), _ = simulated_scan(11, dpi=300, gray=False)
    return page.image


def test_encode_within_2_mb_for_a_colour_a4_at_300_dpi(a4_300_colour: np.ndarray) -> None:
    jpeg, dpi = pp.encode_within(a4_300_colour, 2_000_000, 200, 300)
    assert len(jpeg) <= 2_000_000 and dpi == 300
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == a4_300_colour.shape


def test_encode_within_lowers_the_quality_before_the_resolution(
    a4_300_colour: np.ndarray,
) -> None:
    best, _ = pp.encode_within(a4_300_colour, 10**9, 200, 300)
    limit = len(best) * 3 // 4
    jpeg, dpi = pp.encode_within(a4_300_colour, limit, 200, 300)
    assert len(jpeg) <= limit and dpi == 300


def test_encode_within_downscales_to_fit_a_tiny_limit() -> None:
    (page,), _ = simulated_scan(4, gray=False)
    jpeg, dpi = pp.encode_within(page.image, 60_000, 50, LOW_DPI)
    assert len(jpeg) <= 60_000
    assert 50 <= dpi < LOW_DPI
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert abs(decoded.shape[1] - page.image.shape[1] * dpi / LOW_DPI) <= 1


def test_encode_within_raises_page_too_large_below_min_dpi() -> None:
    (page,), _ = simulated_scan(4, gray=False)
    with pytest.raises(PageTooLarge) as raised:
        pp.encode_within(page.image, 5_000, 120, LOW_DPI)
    assert raised.value.min_dpi == 120 and raised.value.smallest_bytes > 5_000
    # Scanned below min_dpi already: never upscaled, never downscaled.
    with pytest.raises(PageTooLarge):
        pp.encode_within(page.image, 60_000, 200, LOW_DPI)


# --- checking and decoding input --------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        (np.zeros((1200, 900), np.uint8), UnusableReason.UNIFORM),
        (np.full((1200, 900, 3), 255, np.uint8), UnusableReason.UNIFORM),
        (np.zeros((0, 900), np.uint8), UnusableReason.EMPTY),
        (None, UnusableReason.EMPTY),
        (np.zeros((1200, 900, 2), np.uint8), UnusableReason.BAD_SHAPE),
        (np.zeros((10, 900), np.uint8), UnusableReason.TOO_SMALL),
        (np.random.default_rng(0).random((200, 200)).astype(np.float32), UnusableReason.NOT_8_BIT),
        (np.zeros((200, 200), np.uint16), UnusableReason.NOT_8_BIT),
        # 30000 x 30000 without allocating it: a broadcast view of one byte.
        (np.broadcast_to(np.uint8(128), (30000, 30000)), UnusableReason.TOO_LARGE),
    ],
)
def test_check_image_rejects_absurd_input(image: np.ndarray, reason: UnusableReason) -> None:
    with pytest.raises(UnusablePage) as raised:
        pp.check_image(image)
    assert raised.value.reason is reason


def test_check_image_accepts_scans() -> None:
    (page,), _ = simulated_scan(1, gray=False)
    pp.check_image(page.image)
    pp.check_image(text_page())


def encoded(ext: str, image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(ext, image)
    assert ok
    return data.tobytes()


def png_announcing(width: int, height: int) -> bytes:
    """A well-formed PNG whose header announces ``width`` x ``height`` (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def decoding_forbidden(*_args: object) -> None:
    raise AssertionError("the decoder must not run")


def test_decode_refuses_a_huge_header_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cv2, "imdecode", decoding_forbidden)
    assert pp.image_dimensions(png_announcing(30000, 30000)) == (30000, 30000)
    # The decoder is replaced by one that fails the test: refused from the header alone.
    with pytest.raises(UnusablePage) as raised:
        pp.decode_image(png_announcing(30000, 30000))
    assert raised.value.reason is UnusableReason.TOO_LARGE
    # The same with a JPEG whose frame header is patched to 30000 x 30000.
    data = bytearray(encoded(".jpg", text_page(200, 100)))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 30000, 30000)
    with pytest.raises(UnusablePage) as raised:
        pp.decode_image(bytes(data))
    assert raised.value.reason is UnusableReason.TOO_LARGE


def test_decode_rejects_empty_truncated_and_random_data() -> None:
    jpeg = encoded(".jpg", text_page(400, 300))
    png = encoded(".png", text_page(400, 300))
    noise = np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes()
    cases: list[tuple[bytes, UnusableReason]] = [
        (b"", UnusableReason.EMPTY),
        (jpeg[: len(jpeg) // 2], UnusableReason.UNREADABLE),
        (jpeg[:-2], UnusableReason.UNREADABLE),  # only the end marker missing
        (jpeg[:200], UnusableReason.UNREADABLE),
        (png[: len(png) // 2], UnusableReason.UNREADABLE),
        (noise, UnusableReason.UNREADABLE),
        (b"%PDF-1.7\n" + noise, UnusableReason.UNREADABLE),
    ]
    for data, reason in cases:
        with pytest.raises(UnusablePage) as raised:
            pp.decode_image(data)
        assert raised.value.reason is reason, data[:16]
    with pytest.raises(UnusablePage):  # a PNG signature followed by garbage
        pp.decode_image(b"\x89PNG\r\n\x1a\n" + noise)


@pytest.mark.parametrize("ext", [".png", ".jpg", ".tiff", ".bmp"])
def test_decode_round_trips_and_reads_header_sizes(ext: str) -> None:
    colour = cv2.cvtColor(text_page(640, 480), cv2.COLOR_GRAY2BGR)
    data = encoded(ext, colour)
    assert pp.image_dimensions(data) == (640, 480)
    decoded = pp.decode_image(data)
    assert decoded.dtype == np.uint8 and decoded.shape == (480, 640, 3)
    assert pp.decode_image(encoded(ext, text_page(640, 480))).shape == (480, 640)


# --- the pipeline -----------------------------------------------------------------------------


def test_process_page_on_a_colour_a4_at_300_dpi(a4_300_colour: np.ndarray) -> None:
    pp.process_page(a4_300_colour, 300)  # warm-up: OpenCV's first calls pay for set-up
    start = time.perf_counter()
    result = pp.process_page(a4_300_colour, 300)
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, elapsed  # ~0.15 s on a 2-core dev VM
    assert result.cropped and not result.blank and result.dpi == 300
    assert len(result.jpeg) <= 2_000_000
    decoded = cv2.imdecode(np.frombuffer(result.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == (result.height, result.width, 3)
    a4_w, a4_h = synthetic.page_size_px(300)
    assert a4_w - 100 < result.width <= a4_w + 30 and a4_h - 100 < result.height <= a4_h + 30


def test_process_page_reports_the_corrected_skew() -> None:
    (page,), (truth,) = simulated_scan(6)
    result = pp.process_page(page.image, LOW_DPI, min_dpi=100)
    assert result.cropped and result.skew_degrees == pytest.approx(truth, abs=0.2)
    # A straight-filling page turned by 10°: no crop, a deskew.
    result = pp.process_page(rotated(text_page(), 10.0), LOW_DPI, min_dpi=100)
    assert not result.cropped and result.skew_degrees == pytest.approx(10.0, abs=0.5)
    assert result.width > 1240  # the canvas grew to hold the turned page


def test_process_page_flags_blank_backs_and_handles_odd_channels() -> None:
    pages, _ = simulated_scan(8, source=ScanSource.DUPLEX)
    front, back = pages
    assert not pp.process_page(front.image, LOW_DPI, min_dpi=100).blank
    assert pp.process_page(back.image, LOW_DPI, min_dpi=100).blank
    bgra = cv2.cvtColor(text_page(), cv2.COLOR_GRAY2BGRA)
    assert pp.process_page(bgra, LOW_DPI, min_dpi=100).width == 1240
    assert pp.process_page(text_page()[:, :, None], LOW_DPI, min_dpi=100).height == 1754


@pytest.mark.parametrize(
    "make",
    [lambda: a4(LOW_DPI, 0), lambda: np.zeros((0, 0, 3), np.uint8)],
)
def test_process_page_rejects_unusable_input(make: Callable[[], np.ndarray]) -> None:
    with pytest.raises(UnusablePage):
        pp.process_page(make(), LOW_DPI)
