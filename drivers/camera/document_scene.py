"""A synthetic photo of an A4 page lying on a desk, seen by the kiosk's downward camera.

The demo and the tests of ``kiosk.document_photo`` need what a real webcam gives: a desk of
some colour and texture (wood with grain and plank seams, or speckled laminate), light that
falls off towards the corners, a sheet seen in perspective (the camera is never exactly above
it) with a soft shadow along its edges, sensor noise and sometimes a little defocus. The page
content comes from the simulated scanner (``render_page``), so it holds text, a table and a
stamp. The true corners are returned with the image: detection accuracy can be measured.

Like ``drivers.scanner.synthetic``, this module imports numpy and OpenCV at the top; the
simulated camera imports it lazily, when a "document" scene is opened. A 1280 x 720 scene
takes ~85 ms to draw, a 1920 x 1080 one ~140 ms: draw once, then add noise per frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from drivers.scanner.synthetic import MM_PER_INCH, PAPER, page_size_px, render_page

Image = npt.NDArray[np.uint8]
Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]

PAGE_DPI = 100  # the page's content; a 1080p camera sees an A4 at 80-115 dpi, 720p at 50-75
# Share of the frame the page covers. A portrait A4 in a 16:9 frame cannot cover more than
# ~30 % with a margin around it: it then covers what fits.
COVERAGE = (0.35, 0.70)
MAX_TILT_DEG = 15.0  # camera axis away from the desk's normal
MAX_TURN_DEG = 10.0  # sheet turned on the desk, around portrait or landscape
_FOCAL = 1.0  # focal length in units of the frame's diagonal: a ~53° diagonal field of view
_MARGIN = 0.04  # the page's corners keep this share of the frame's sides away from the border
# What the scanner's sheet placement may have exposed of its dark lid: the top 9 mm and left
# 11 mm of the rendered page (a shift of up to 7 mm plus a 1.5° turn) are redrawn as paper.
_LID_TOP_MM = 9.5
_LID_LEFT_MM = 11.5


@dataclass(frozen=True)
class DocumentScene:
    """A BGR frame and the page's corners in it (pixel coordinates, pixel centres at integers).

    ``corners`` run clockwise from the one nearest the image's top-left (smallest x + y), as
    seen in the image, whichever way up the page lies.
    """

    image: Image
    corners: Quad


def render_document_scene(
    width: int, height: int, rng: np.random.Generator, *, blur: float | None = None
) -> DocumentScene:
    """An A4 page on a desk, ``width`` x ``height`` BGR, seen in perspective.

    ``blur`` is the Gaussian sigma of defocus in pixels; by default a random slight one
    (0 to 0.8 px) as a webcam's autofocus leaves.
    """
    if width < 64 or height < 64:
        raise ValueError("a scene needs at least 64 x 64 pixels")
    desk = _desk(width, height, rng)
    page = _page(rng)
    corners = _page_quad(width, height, page.shape[1] / page.shape[0], rng)
    image = _lay_page(desk, page, corners, rng)
    image = _lighting(image, rng)
    sigma = float(rng.uniform(0.0, 0.8)) if blur is None else blur
    if sigma > 0.05:
        image = np.asarray(cv2.GaussianBlur(image, (0, 0), sigma), np.uint8)
    image = _noise(image, rng)
    return DocumentScene(image=image, corners=_image_order(corners))


def render_desk(width: int, height: int, rng: np.random.Generator) -> Image:
    """The same desk, light and noise with no page on it (what the camera sees before)."""
    return _noise(_lighting(_desk(width, height, rng), rng), rng)


# --- the desk -------------------------------------------------------------------------------


def _desk(width: int, height: int, rng: np.random.Generator) -> Image:
    kind = int(rng.integers(3))
    if kind == 0:
        return _wood(width, height, rng, base=(40, 75, 125))  # mid-brown oak
    if kind == 1:
        return _wood(width, height, rng, base=(70, 120, 170))  # light beech
    grey = float(rng.uniform(95, 200))  # up to the light grey of office furniture
    return _laminate(width, height, rng, base=(grey + 4, grey + 2, grey - 2))


def _smooth_noise(width: int, height: int, cells: tuple[int, int], rng: np.random.Generator) -> Any:
    """Values around 0 (std ~1) varying over ``cells`` (x, y) cells: cheap value noise."""
    small = rng.standard_normal((cells[1], cells[0])).astype(np.float32)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)


def _wood(
    width: int, height: int, rng: np.random.Generator, base: tuple[float, float, float]
) -> Image:
    """Planks along x with grain (streaks stretched along the plank) and dark seams."""
    grain = 0.6 * _smooth_noise(width, height, (6, max(8, height // 3)), rng)
    grain += 0.4 * _smooth_noise(width, height, (3, max(4, height // 40)), rng)
    shade = 1.0 + 0.10 * grain
    plank = int(rng.integers(height // 5, height // 2))
    offset = int(rng.integers(plank))
    for y in range(offset, height, plank):  # each plank a slightly different tone, seam dark
        shade[y : y + plank] *= float(rng.uniform(0.9, 1.1))
        shade[max(0, y - 1) : y + 2] *= 0.55
    return _tint(shade, base)


def _tint(shade: Any, base: tuple[float, float, float]) -> Image:
    """A BGR image of colour ``base`` times ``shade`` (H x W, around 1.0)."""
    # Straight to 8 bits per channel: a 3-channel float image would cost ~15 ms more.
    return np.asarray(cv2.merge([cv2.convertScaleAbs(shade, alpha=c) for c in base]), np.uint8)


def _laminate(
    width: int, height: int, rng: np.random.Generator, base: tuple[float, float, float]
) -> Image:
    """A grey work-top: fine speckle over a faint mottling."""
    shade = 1.0 + 0.04 * _smooth_noise(width, height, (8, 5), rng)
    grains = rng.standard_normal((height // 2 + 1, width // 2 + 1)).astype(np.float32)
    shade += 0.05 * cv2.resize(grains, (width, height), interpolation=cv2.INTER_LINEAR)
    return _tint(shade, base)


# --- the page -------------------------------------------------------------------------------


def _page(rng: np.random.Generator) -> Image:
    """An A4 page's content, without the scanner lid that ``render_page`` puts around it."""
    scan = render_page(PAGE_DPI, rng, back=False, gray=False, page_label="1/1")
    top = math.ceil(_LID_TOP_MM * PAGE_DPI / MM_PER_INCH)
    left = math.ceil(_LID_LEFT_MM * PAGE_DPI / MM_PER_INCH)
    width, height = page_size_px(PAGE_DPI)
    blank = np.empty((height, width, 3), np.uint8)
    cv2.rectangle(blank, (0, 0), (width, height), PAPER, -1)
    page = np.asarray(cv2.add(blank, rng.integers(0, 9, blank.shape, np.uint8)), np.uint8)
    # The scanner moved the sheet right and down, so its right and bottom edges are cut off:
    # the scanned content there is paper up to the image border.
    page[top:, left:] = scan[top:, left:]
    return page


def _page_quad(width: int, height: int, aspect: float, rng: np.random.Generator) -> Quad:
    """The page's corners in the frame (page order: its top-left first), from a 3-D pose.

    The sheet (aspect = width / height) is turned on the desk, the camera tilted, the result
    projected with a pin-hole camera, then scaled to the drawn coverage and moved inside the
    frame. Scaling and moving an image is itself a homography, so the result is a photo.
    """
    turn = math.radians(float(rng.uniform(-MAX_TURN_DEG, MAX_TURN_DEG)))
    if rng.random() < 0.5:
        turn += math.pi / 2  # landscape as seen by the camera
    tilt = math.radians(float(rng.uniform(0.3, 1.0)) * MAX_TILT_DEG)
    axis = float(rng.uniform(0, 2 * math.pi))  # direction of the tilt
    half_w, half_h = aspect / 2, 0.5
    cos_t, sin_t = math.cos(turn), math.sin(turn)
    # Rotation about the axis (cos a, sin a, 0) by the tilt (Rodrigues' formula).
    ux, uy = math.cos(axis), math.sin(axis)
    c, s = math.cos(tilt), math.sin(tilt)
    rotation = np.array(
        [
            [c + ux * ux * (1 - c), ux * uy * (1 - c), uy * s],
            [ux * uy * (1 - c), c + uy * uy * (1 - c), -ux * s],
            [-uy * s, ux * s, c],
        ]
    )
    focal = _FOCAL * math.hypot(width, height)
    distance = 2.0  # in page heights: far enough that the page fills a moderate field of view
    projected = []
    for x, y in ((-half_w, -half_h), (half_w, -half_h), (half_w, half_h), (-half_w, half_h)):
        on_desk = np.array([x * cos_t - y * sin_t, x * sin_t + y * cos_t, 0.0])
        px, py, pz = rotation @ on_desk + np.array([0.0, 0.0, distance])
        projected.append((focal * px / pz, focal * py / pz))
    points = np.array(projected)
    points -= points.mean(axis=0)
    area = _area(points)
    span_x, span_y = np.ptp(points[:, 0]), np.ptp(points[:, 1])
    room_w, room_h = (1 - 2 * _MARGIN) * width, (1 - 2 * _MARGIN) * height
    largest = min(room_w / span_x, room_h / span_y)  # the scale that just fits
    wanted = math.sqrt(float(rng.uniform(*COVERAGE)) * width * height / area)
    points *= min(wanted, 0.999 * largest)
    low = points.min(axis=0)
    high = points.max(axis=0)
    cx = float(rng.uniform(_MARGIN * width - low[0], (1 - _MARGIN) * width - high[0]))
    cy = float(rng.uniform(_MARGIN * height - low[1], (1 - _MARGIN) * height - high[1]))
    corners = [(float(x) + cx, float(y) + cy) for x, y in points]
    return (corners[0], corners[1], corners[2], corners[3])


def _lay_page(desk: Image, page: Image, corners: Quad, rng: np.random.Generator) -> Image:
    """The page warped onto the desk, anti-aliased at its edges, with a soft shadow."""
    height, width = desk.shape[:2]
    page_h, page_w = page.shape[:2]
    # Pixel centres at integers: the sheet's outer edges are half a pixel outside them.
    source = np.array(
        [[-0.5, -0.5], [page_w - 0.5, -0.5], [page_w - 0.5, page_h - 0.5], [-0.5, page_h - 0.5]],
        np.float32,
    )
    matrix = cv2.getPerspectiveTransform(source, np.array(corners, np.float32))
    warped = cv2.warpPerspective(page, matrix, (width, height), flags=cv2.INTER_LINEAR)
    # Coverage: a white sheet warped the same way over black. Bilinear interpolation between
    # the last row of the sheet and the border crosses 50 % exactly at the sheet's edge.
    sheet = np.full((page_h, page_w), 1.0, np.float32)
    alpha = cv2.warpPerspective(sheet, matrix, (width, height), flags=cv2.INTER_LINEAR)
    # Shadow: the sheet lifts a little off the desk; light from above-left casts it down-right.
    shift = np.array([[1, 0, rng.uniform(1, 4)], [0, 1, rng.uniform(1, 4)]], np.float32)
    shadow = cv2.warpAffine(alpha, shift, (width, height))
    shadow = cv2.GaussianBlur(shadow, (0, 0), max(1.5, 0.004 * width))
    gain = cv2.merge([1.0 - 0.35 * shadow] * 3)
    shaded = cv2.multiply(desk, gain, dtype=cv2.CV_8U)
    return np.asarray(cv2.blendLinear(warped, shaded, alpha, 1.0 - alpha), np.uint8)


def _area(points: npt.NDArray[np.float64]) -> float:
    x, y = points[:, 0], points[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


# --- light and sensor -----------------------------------------------------------------------


def _lighting(image: Image, rng: np.random.Generator) -> Image:
    """Vignetting (darker corners) and a lamp on one side (a gentle gradient)."""
    height, width = image.shape[:2]
    ys = np.linspace(-1, 1, height, dtype=np.float32)[:, None]
    xs = np.linspace(-1, 1, width, dtype=np.float32)[None, :]
    radius2 = (xs * xs + ys * ys) / 2
    angle = float(rng.uniform(0, 2 * math.pi))
    gradient = float(rng.uniform(0.04, 0.12)) * (xs * math.cos(angle) + ys * math.sin(angle))
    gain = (1.0 - float(rng.uniform(0.15, 0.3)) * radius2 + gradient).astype(np.float32)
    return np.asarray(cv2.multiply(image, cv2.merge([gain] * 3), dtype=cv2.CV_8U), np.uint8)


def _noise(image: Image, rng: np.random.Generator) -> Image:
    """Gaussian sensor noise, std ~2.5 levels."""
    cv2.setRNGSeed(int(rng.integers(0, 2**31 - 1)))
    noise = np.empty(image.shape, np.int16)
    cv2.randn(noise, np.zeros(3), np.full(3, 2.5))
    return np.asarray(cv2.add(image, noise, dtype=cv2.CV_8U), np.uint8)


def _image_order(corners: Quad) -> Quad:
    """``corners`` (clockwise) rotated to start at the one with the smallest x + y."""
    first = min(range(4), key=lambda k: corners[k][0] + corners[k][1])
    ordered = corners[first:] + corners[:first]
    return (ordered[0], ordered[1], ordered[2], ordered[3])
