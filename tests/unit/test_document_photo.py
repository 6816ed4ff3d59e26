"""Pièces photographed on the desk: finding the sheet, flattening it, refusing blurred frames.

The scenes come from ``drivers.camera.document_scene``, which knows where it put the page's
corners: detection is measured against that ground truth.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from drivers.camera import document_scene
from drivers.camera.document_scene import DocumentScene, render_desk, render_document_scene
from drivers.camera.simulated import SimulatedCamera
from drivers.scanner.synthetic import render_page
from kiosk import document_photo as dp
from kiosk.page_processing import Quad, UnusablePage, UnusableReason

# Eight 720p scenes and two 1080p ones: wood and laminate desks, portrait and landscape pages.
SCENES = [(1280, 720, seed) for seed in range(8)] + [(1920, 1080, seed) for seed in (8, 9)]
CORNER_TOLERANCE = 0.015  # of the frame's diagonal
A4_ASPECT = 297 / 210


def scene(width: int, height: int, seed: int, blur: float | None = None) -> DocumentScene:
    return render_document_scene(width, height, np.random.default_rng(seed), blur=blur)


def corner_error(found: Quad, true: Quad) -> float:
    return max(math.dist(a, b) for a, b in zip(found, true, strict=True))


def longest_side(quad: Quad) -> float:
    return max(math.dist(quad[k], quad[(k + 1) % 4]) for k in range(4))


# --- detection --------------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "height", "seed"), SCENES)
def test_finds_the_page_corners(width: int, height: int, seed: int) -> None:
    photo = scene(width, height, seed)
    found = dp.find_document_in_photo(photo.image)
    assert found is not None
    error = corner_error(found, photo.corners)
    # Measured: under 1 px (0.1 % of the diagonal) on every scene; 1.5 % is the contract.
    assert error <= CORNER_TOLERANCE * math.hypot(width, height), (error, found, photo.corners)


def test_a_bare_desk_has_no_document() -> None:
    for seed in range(4):
        desk = render_desk(1280, 720, np.random.default_rng(seed))
        assert dp.find_document_in_photo(desk) is None


def test_a_page_running_off_the_frame_is_not_a_document() -> None:
    photo = scene(1280, 720, 3)
    left = min(x for x, _ in photo.corners)
    cut = np.ascontiguousarray(photo.image[:, round(left) + 40 :])  # one side of the page lost
    assert dp.find_document_in_photo(cut) is None
    with pytest.raises(UnusablePage) as refused:
        dp.rectify_document(cut)
    assert refused.value.reason is UnusableReason.NO_DOCUMENT


# --- rectification ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 4, 9])
def test_rectified_page_is_a4_at_the_resolution_it_was_seen(seed: int) -> None:
    photo = scene(1280, 720, seed)
    flat, dpi = dp.rectify_document(photo.image)
    height, width = flat.shape[:2]
    assert max(width, height) / min(width, height) == pytest.approx(A4_ASPECT, rel=0.01)
    tl, tr, _br, bl = photo.corners
    assert (width > height) == (math.dist(tl, tr) > math.dist(tl, bl))  # as it lies on the desk
    seen_dpi = longest_side(photo.corners) * 25.4 / 297  # pixels per inch along the long side
    assert dpi == pytest.approx(seen_dpi, rel=0.03)
    assert max(width, height) == pytest.approx(297 / 25.4 * dpi, abs=1)
    # The same warp from the true corners: the pictures agree (no desk strip, no lost edge).
    target = np.array(
        [[-0.5, -0.5], [width - 0.5, -0.5], [width - 0.5, height - 0.5], [-0.5, height - 0.5]],
        np.float32,
    )
    matrix = cv2.getPerspectiveTransform(np.array(photo.corners, np.float32), target)
    truth = cv2.warpPerspective(photo.image, matrix, (width, height), flags=cv2.INTER_LINEAR)
    difference = cv2.absdiff(flat, truth)
    assert float(difference.mean()) < 4.0
    border = np.concatenate([difference[:2].ravel(), difference[-2:].ravel()])
    assert float(border.mean()) < 12.0  # a strip of desk along an edge would differ by ~80


def test_rectified_page_feeds_page_processing() -> None:
    from kiosk.page_processing import process_page

    flat, dpi = dp.rectify_document(scene(1280, 720, 2).image)
    page = process_page(flat, dpi)
    assert not page.blank
    assert page.jpeg.startswith(b"\xff\xd8")


def test_formats_snap_by_aspect() -> None:
    assert dp.snap_format(1.40) is dp.A4
    assert dp.snap_format(85.6 / 53.98 * 1.04) is dp.ID_1
    assert dp.snap_format(1.30) is None  # US letter (1.29) is not among the formats
    assert dp.snap_format(1.42) is dp.A4  # A5 and a passport page have the same aspect...
    assert dp.snap_format(1.42, [dp.PASSPORT_PAGE, dp.A4]) is dp.PASSPORT_PAGE  # ...unless asked


# --- focus ------------------------------------------------------------------------------------


def test_sharpest_picks_the_sharp_frame() -> None:
    sharp = scene(1280, 720, 5, blur=0.0).image
    blurred = [np.asarray(cv2.GaussianBlur(sharp, (0, 0), s), np.uint8) for s in (1.0, 2.0, 4.0)]
    burst = [blurred[1], blurred[0], sharp, blurred[2]]
    assert dp.sharpest(burst) is sharp
    with pytest.raises(ValueError):
        dp.sharpest([])


@pytest.mark.parametrize("blur", [5.0, 12.0])  # found but unreadable; too blurred to be found
def test_blurred_frame_is_refused_as_blurry(blur: float) -> None:
    with pytest.raises(UnusablePage) as refused:
        dp.rectify_document(scene(1280, 720, 6, blur=blur).image)
    assert refused.value.reason is UnusableReason.BLURRY


def test_slightly_soft_frame_is_accepted() -> None:
    flat, _dpi = dp.rectify_document(scene(1280, 720, 6, blur=1.2).image)
    assert flat.size > 0


def test_bare_desk_is_refused_as_no_document() -> None:
    with pytest.raises(UnusablePage) as refused:
        dp.rectify_document(render_desk(1280, 720, np.random.default_rng(7)))
    assert refused.value.reason is UnusableReason.NO_DOCUMENT


def test_blank_sheet_is_not_called_blurry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The back of a page has no print to judge focus by: it is flattened, not refused."""

    def blank_back(dpi: int, rng: np.random.Generator, **kwargs: object) -> np.ndarray:
        return render_page(dpi, rng, back=True, gray=False, page_label="")

    monkeypatch.setattr(document_scene, "render_page", blank_back)
    flat, _dpi = dp.rectify_document(scene(1280, 720, 1).image)
    assert flat.size > 0


# --- the simulated camera ---------------------------------------------------------------------


def test_simulated_camera_shows_a_document() -> None:
    camera = SimulatedCamera(width=1280, height=720, fps=200, scene="document")
    camera.open()
    frames = [camera.read().image for _ in range(3)]
    camera.close()
    assert frames[0].shape == (720, 1280, 3)
    assert not np.array_equal(frames[0], frames[1])  # noise and shake: frames differ
    for frame in frames:
        assert dp.find_document_in_photo(frame) is not None
    flat, dpi = dp.rectify_document(dp.sharpest(frames))
    assert max(flat.shape[:2]) / min(flat.shape[:2]) == pytest.approx(A4_ASPECT, rel=0.01)
    assert 40 <= dpi <= 120


def test_simulated_camera_rejects_an_unknown_scene() -> None:
    with pytest.raises(ValueError):
        SimulatedCamera(scene="aquarium")
