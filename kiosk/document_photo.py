"""Pièces photographed with the kiosk's camera instead of scanned: find, flatten, judge focus.

Qt-free, meant for a worker thread; OpenCV and numpy are imported inside the functions, as in
``kiosk.page_processing``. The camera looks down on the desk from a fixed arm, rarely exactly
from above, so the sheet is a perspective quadrilateral on a desk of any colour and texture
(wood grain, plank seams, laminate speckle). Unlike a scanner lid, such a desk can be lighter,
darker or as colourful as the paper, so no single threshold finds the sheet: several edge and
threshold masks are tried and the largest clean four-sided outline wins.

A webcam has no notion of physical size. The resolution handed on with a rectified photo
(``rectify_document``) comes from the format its aspect ratio matches (A4, ID-1 card, passport
page, A5); A4, A5 and a passport page all have an aspect near √2 and cannot be told apart
this way, so the first of ``formats`` that fits is taken (A4 by default).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk.page_processing import (
    Point,
    Quad,
    UnusablePage,
    UnusableReason,
    _clockwise,
    _gray,
    _intersect,
    _normalised,
    _polygon_area,
    _shrink,
    check_image,
)

if TYPE_CHECKING:
    from kiosk.page_processing import Image

MM_PER_INCH = 25.4
MIN_DOCUMENT_SHARE = 0.15  # a smaller "document" is a false find, or too far to be legible
ASPECT_TOLERANCE = 0.06  # snap to a format whose aspect is within 6 % of the one measured
# Sharpness (std of the Laplacian / std of the grey level, on the 640-px copy) below which the
# document's text is mush: 1.5 is a defocus of ~2.7 px at 720p, ~4 px at 1080p; a sharp
# document scores 2.5-4. Without a document, only a frame far more blurred (below 0.7, a
# defocus of ~3-4 px at 720p) is called blurred: a plain desk has little to be sharp about.
MIN_SHARPNESS = 1.5
MIN_FRAME_SHARPNESS = 0.7
_FOCUS_SIDE = 640  # focus is measured on a grey copy this long: independent of the camera mode
_DETECT_SIDE = 1000  # outlines are searched on a copy this long (~20 ms at 720p or 1080p)
_FILL_HULL = 0.95  # the quad must cover this share of its outline's convex hull
_MIN_CORNER_DEG, _MAX_CORNER_DEG = 50.0, 130.0  # a sheet at ≤ ~30° of tilt stays within
_CANNY_LOW, _CANNY_HIGH = 30, 90  # Sobel units (8x the slope): a light desk still shows
_MIN_EDGE_STEP = 4.0  # grey levels per pixel, on the blurred reduced copy (noise there: ~1)
_MIN_SUPPORT = 0.7  # share of each side that must run along an edge
_SAME_SHEET = 0.015  # outlines whose corners are this close (share of the frame) are one sheet
_BORDER_PX = 2.0  # a corner this close to the frame's edge means the sheet is cut off
_INK_CONTRAST = 20.0  # "ink": darker than its surroundings (Gaussian, 8 px) by this much...
_MIN_INK_SHARE = 0.0015  # ...on at least this share of the document (NAPS2's blank rule)


@dataclass(frozen=True)
class PaperFormat:
    name: str
    short_mm: float
    long_mm: float

    @property
    def aspect(self) -> float:
        return self.long_mm / self.short_mm


A4 = PaperFormat("A4", 210.0, 297.0)
ID_1 = PaperFormat("ID-1", 53.98, 85.6)  # identity card, titre de séjour, driving licence
PASSPORT_PAGE = PaperFormat("passeport", 88.0, 125.0)  # ICAO TD3 page
A5 = PaperFormat("A5", 148.0, 210.0)
FORMATS = (A4, ID_1, PASSPORT_PAGE, A5)  # in order of preference when aspects tie


# --- focus ------------------------------------------------------------------------------------


def focus_measure(image: Image) -> float:
    """Variance of the Laplacian of a grey copy whose longer side is 640 px.

    Sharp detail has strong second derivatives; motion blur and a hunting autofocus flatten
    them. Measuring on a fixed-size copy gives a 720p and a 1080p camera the same figure and
    averages sensor noise away. It also grows with contrast, so it compares frames of one
    scene (``sharpest``), not scenes: ``rectify_document`` uses a contrast-free ratio.
    """
    import cv2

    small, _ = _shrink(_gray(_normalised(image)), _FOCUS_SIDE)
    return float(cv2.Laplacian(small, cv2.CV_32F, ksize=3).var())


def _sharpness(small: Image, mask: Any = None) -> float:
    """Std of the Laplacian over std of the grey level (inside ``mask``): contrast-free focus.

    A dim photo of pale print scores as a bright photo of black print; a blur lowers the
    Laplacian (fine detail) much more than the grey level's spread (coarse layout).
    """
    import cv2

    _, spread = cv2.meanStdDev(small, mask=mask)
    _, detail = cv2.meanStdDev(cv2.Laplacian(small, cv2.CV_32F, ksize=3), mask=mask)
    return float(detail[0, 0]) / max(float(spread[0, 0]), 1e-6)


def _inner_mask(shape: Any, quad: Quad, scale_x: float, scale_y: float) -> Any:
    """A mask of the quad shrunk by 10 % towards its centre, at the scaled size.

    The sheet's outline stays sharp under a blur that makes its text unreadable: it is left
    out, with the margin of the sheet.
    """
    import cv2
    import numpy as np

    points = np.array([((x + 0.5) * scale_x - 0.5, (y + 0.5) * scale_y - 0.5) for x, y in quad])
    centre = points.mean(axis=0)
    inner = centre + 0.9 * (points - centre)
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, np.round(inner).astype(np.int32), 255)
    return mask


def _check_focus(image: Image, quad: Quad | None) -> None:
    """Raise BLURRY when the document's print (or, without a document, the frame) is blurred.

    A sheet without print (the blank back of a page) has nothing to judge focus by: it passes.
    """
    import cv2
    import numpy as np

    small, (scale_x, scale_y) = _shrink(_gray(image), _FOCUS_SIDE)
    if quad is None:
        score, limit = _sharpness(small), MIN_FRAME_SHARPNESS
    else:
        mask = _inner_mask(small.shape, quad, scale_x, scale_y)
        level = small.astype(np.float32)
        local = cv2.GaussianBlur(level, (0, 0), 8)
        ink = (level < local - _INK_CONTRAST) & (mask > 0)
        if int(ink.sum()) < _MIN_INK_SHARE * int(np.count_nonzero(mask)):
            return
        score, limit = _sharpness(small, mask), MIN_SHARPNESS
    if score < limit:
        raise UnusablePage(UnusableReason.BLURRY, f"sharpness {score:.2f} < {limit}")


def sharpest(frames: Sequence[Image]) -> Image:
    """The frame of a burst with the highest focus measure.

    A webcam's autofocus hunts and a usager's hand moves the sheet: out of a few frames taken
    in a row some are blurred; the sharpest is the one worth processing.
    """
    if not frames:
        raise ValueError("no frames")
    return max(frames, key=focus_measure)


# --- finding the document ---------------------------------------------------------------------


def find_document_in_photo(image: Image) -> Quad | None:
    """The corners (top-left, top-right, bottom-right, bottom-left) of a sheet on a desk.

    Outlines come from three masks of a ~1000-px copy: edges (Canny, dilated so a sheet's
    outline closes), bright areas (Otsu on the grey level: paper is usually lighter than the
    desk) and pale areas (Otsu on saturation: paper is greyer than wood). Each outline's convex
    hull is reduced to four points; the largest convex quad that covers at least 15 % of the
    frame, nearly all of its hull, with plausible angles and no corner on the frame's edge, is
    kept, then its sides are fitted again at full resolution. None when no quad qualifies,
    including when the sheet runs off the frame: a cut document cannot be flattened.
    """
    import cv2
    import numpy as np

    image = _normalised(image)
    gray = _gray(image)
    small_gray, (scale_x, scale_y) = _shrink(gray, _DETECT_SIDE)
    height, width = small_gray.shape
    blurred = np.asarray(cv2.GaussianBlur(small_gray, (5, 5), 0), np.uint8)
    floor = MIN_DOCUMENT_SHARE * width * height
    candidates: list[tuple[float, list[Point]]] = []
    for mask, mode in _masks(image, blurred):
        contours, _ = cv2.findContours(mask, mode, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            _x, _y, box_w, box_h = cv2.boundingRect(contour)
            if box_w * box_h < floor:
                continue
            quad = _as_quad(contour, width, height)
            if quad is not None and _polygon_area(_tuple(quad)) >= floor:
                candidates.append((_polygon_area(_tuple(quad)), quad))
    # The largest candidate whose four sides are real edges: the hull of an outline broken
    # by a faint side (light paper on a light desk) is a quad cutting across the sheet.
    real = [
        quad
        for _area, quad in sorted(candidates, key=lambda c: -c[0])
        if all(_edge_support(_side_steps(blurred, quad, k)) >= _MIN_SUPPORT for k in range(4))
    ]
    if not real:
        return None
    # Of the outlines of that sheet, the one lying on its edges: an edge outline can take in
    # the sheet's shadow, whose outer rim is an edge too but a softer one.
    same = max(3.0, _SAME_SHEET * max(width, height))
    outlines = [q for q in real if max(map(math.dist, q, real[0])) <= same]
    best = max(outlines, key=lambda q: _edge_fit(blurred, q))
    full = [((x + 0.5) / scale_x - 0.5, (y + 0.5) / scale_y - 0.5) for x, y in best]
    search = max(6.0, 6.0 / min(scale_x, scale_y))
    return _refine(gray, _tuple(full), search) or _tuple(full)


def _side_steps(blurred: Image, quad: Sequence[Point], k: int) -> Any:
    """Brightness steps across side ``k`` of a clockwise quad, outwards.

    32 places along the side x 6 steps between offsets -3 and +3 px from it.
    """
    import cv2
    import numpy as np

    (ax, ay), (bx, by) = quad[k], quad[(k + 1) % 4]
    length = math.hypot(bx - ax, by - ay)
    nx, ny = (by - ay) / length, -(bx - ax) / length
    along = np.linspace(0.1, 0.9, 32, dtype=np.float32)[:, None]
    offsets = np.arange(-3, 4, dtype=np.float32)[None, :]
    map_x = (ax + (bx - ax) * along + nx * offsets).astype(np.float32)
    map_y = (ay + (by - ay) * along + ny * offsets).astype(np.float32)
    profiles = cv2.remap(blurred, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.diff(profiles.astype(np.float32), axis=1)


def _edge_support(steps: Any) -> float:
    """The share of a side along which one edge of a single polarity runs (0 to 1).

    Across the side, the strongest brightness step within ±3 px must be at least
    ``_MIN_EDGE_STEP`` and of the side's dominant sign (sheet lighter or darker than the desk):
    a line that merely crosses text meets steps of both signs, and blank paper none.
    """
    import numpy as np

    strongest = steps[np.arange(len(steps)), np.argmax(np.abs(steps), axis=1)]
    rising = int((strongest >= _MIN_EDGE_STEP).sum())
    falling = int((strongest <= -_MIN_EDGE_STEP).sum())
    return max(rising, falling) / len(steps)


def _edge_fit(blurred: Image, quad: Sequence[Point]) -> float:
    """How well the quad lies on the sheet's edges: its weakest side's step, right on the line.

    Steps count with the polarity of the sheet as a whole (lighter than the desk all round,
    or darker): a side on the rim of the sheet's shadow steps the other way and scores < 0.
    """
    import numpy as np

    falls = []
    for k in range(4):
        centre = _side_steps(blurred, quad, k)[:, 2:4]  # the steps on either side of the line
        rows = np.arange(len(centre))
        signed = centre[rows, np.argmax(np.abs(centre), axis=1)]
        falls.append(-float(np.median(signed)))  # > 0: darker outside (steps run outwards)
    polarity = 1.0 if sum(falls) >= 0 else -1.0
    return min(polarity * fall for fall in falls)


def _masks(image: Image, blurred: Image) -> list[tuple[Any, int]]:
    """Binary masks of the reduced, blurred frame and how to read their contours."""
    import cv2
    import numpy as np

    _, bright = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    edges = cv2.Canny(blurred, _CANNY_LOW, _CANNY_HIGH)
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    # Edges: every contour, holes included. Inside a sheet whose outline touches desk edges,
    # the paper around the text is a hole that still traces the sheet's inner border.
    masks: list[tuple[Any, int]] = [
        (edges, cv2.RETR_LIST),
        (cv2.morphologyEx(bright, cv2.MORPH_OPEN, kernel), cv2.RETR_EXTERNAL),
    ]
    if image.ndim == 3:
        small = cv2.resize(image, blurred.shape[::-1], interpolation=cv2.INTER_AREA)
        saturation = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)[:, :, 1]
        saturation = cv2.GaussianBlur(saturation, (5, 5), 0)
        _, pale = cv2.threshold(saturation, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
        masks.append((cv2.morphologyEx(pale, cv2.MORPH_OPEN, kernel), cv2.RETR_EXTERNAL))
    return masks


def _as_quad(contour: Any, width: int, height: int) -> list[Point] | None:
    """The contour's hull as a clean convex quad away from the frame's edge, or None."""
    import cv2

    hull = cv2.convexHull(contour)
    hull_area = cv2.contourArea(hull)
    perimeter = cv2.arcLength(hull, True)
    for epsilon in (0.02, 0.04):
        approx = cv2.approxPolyDP(hull, epsilon * perimeter, True)
        if len(approx) == 4:
            break
    else:
        return None
    if not cv2.isContourConvex(approx) or cv2.contourArea(approx) < _FILL_HULL * hull_area:
        return None
    corners = _clockwise(approx.reshape(4, 2))
    for x, y in corners:
        if min(x, y, width - 1 - x, height - 1 - y) <= _BORDER_PX:
            return None
    for k in range(4):
        angle = _corner_angle(corners[k - 1], corners[k], corners[(k + 1) % 4])
        if not _MIN_CORNER_DEG <= angle <= _MAX_CORNER_DEG:
            return None
    return corners


def _corner_angle(before: Point, at: Point, after: Point) -> float:
    ax, ay = before[0] - at[0], before[1] - at[1]
    bx, by = after[0] - at[0], after[1] - at[1]
    cos = (ax * bx + ay * by) / (math.hypot(ax, ay) * math.hypot(bx, by) or 1.0)
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def _tuple(points: Sequence[Point]) -> Quad:
    return (points[0], points[1], points[2], points[3])


def _refine(gray: Image, quad: Quad, search: float) -> Quad | None:
    """Corners from lines fitted to the sheet's edges found at full resolution, or None.

    Along each side, grey profiles across it (±``search`` px, half-pixel steps) are read and
    the edge placed at the strongest step, to a fraction of a pixel; a robust line through
    those points replaces the side. The reduced copy only places corners to a pixel or two of
    itself, i.e. 2-4 px on a 1080p frame.
    """
    import cv2
    import numpy as np

    cx = sum(p[0] for p in quad) / 4
    cy = sum(p[1] for p in quad) / 4
    offsets = np.arange(-search, search + 0.25, 0.5, dtype=np.float32)
    lines: list[tuple[Point, Point]] = []
    for k in range(4):
        (ax, ay), (bx, by) = quad[k], quad[(k + 1) % 4]
        length = math.hypot(bx - ax, by - ay)
        ux, uy = (bx - ax) / length, (by - ay) / length
        nx, ny = uy, -ux
        if (ax - cx) * nx + (ay - cy) * ny < 0:
            nx, ny = -nx, -ny  # outwards
        along = np.linspace(0.1, 0.9, 48, dtype=np.float32)[:, None] * length
        map_x = (ax + ux * along + nx * offsets[None, :]).astype(np.float32)
        map_y = (ay + uy * along + ny * offsets[None, :]).astype(np.float32)
        profiles = cv2.remap(gray, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        step = np.diff(profiles.astype(np.float32), axis=1)  # outward change of brightness
        # Paper is usually lighter than the desk (a fall outwards), not always (a white desk),
        # and its shadow on a light desk makes a soft rise beyond the fall: the sheet's edge is
        # the polarity of the sharper steps.
        if float(step.max(axis=1).sum()) < float(-step.min(axis=1).sum()):
            step = -step
        at = np.argmax(step, axis=1)
        strength = step[np.arange(len(at)), at]
        keep = (at > 0) & (at < step.shape[1] - 1) & (strength >= 0.5 * float(np.median(strength)))
        if int(keep.sum()) < 12:
            return None
        rows, cols = np.nonzero(keep)[0], at[keep]
        left, mid, right = step[rows, cols - 1], step[rows, cols], step[rows, cols + 1]
        curvature = np.minimum(left - 2 * mid + right, -1e-6)  # ≤ 0 at a maximum
        shift = np.clip(0.5 * (left - right) / curvature, -0.5, 0.5)  # parabola's peak, in steps
        # Step j lies between samples j and j + 1: its offset is their mean.
        edge = (offsets[cols] + offsets[cols + 1]) / 2 + 0.5 * shift
        points = np.stack(
            [ax + ux * along[rows, 0] + nx * edge, ay + uy * along[rows, 0] + ny * edge], axis=1
        ).astype(np.float32)
        vx, vy, x0, y0 = cv2.fitLine(points, cv2.DIST_HUBER, 0, 0.01, 0.01)
        lines.append(((float(x0[0]), float(y0[0])), (float(vx[0]), float(vy[0]))))
    refined: list[Point] = []
    for k in range(4):
        corner = _intersect(lines[k - 1], lines[k])
        if corner is None or math.dist(corner, quad[k]) > 2 * search:
            return None
        refined.append(corner)
    return _tuple(refined)


# --- flattening -------------------------------------------------------------------------------


def rectify_document(image: Image, formats: Sequence[PaperFormat] = FORMATS) -> tuple[Image, int]:
    """The document in a camera frame, flattened, and its resolution in dpi.

    The sheet keeps the orientation it has in the frame (landscape if it lies across). Its
    measured aspect is snapped to the closest of ``formats`` within 6 % (``snap_format``; the
    tolerance absorbs the foreshortening of a camera tilted by up to ~15°) and the resolution
    follows from that format's size, the longest side seen keeping its pixels; a document of
    no known format keeps its measured aspect and is assumed as long as an A4 (the commonest
    pièce). Raise ``UnusablePage``: NO_DOCUMENT when no whole sheet is in view, BLURRY when
    its print (or, without a document, the frame) is too blurred to read, or any reason of
    ``check_image``.
    """
    import cv2
    import numpy as np

    check_image(image)
    image = _normalised(image)
    quad = find_document_in_photo(image)
    _check_focus(image, quad)
    if quad is None:
        raise UnusablePage(UnusableReason.NO_DOCUMENT, "no whole sheet in view")

    tl, tr, br, bl = quad
    across = (math.dist(tl, tr) + math.dist(bl, br)) / 2
    down = (math.dist(tl, bl) + math.dist(tr, br)) / 2
    longest = max(math.dist(tl, tr), math.dist(bl, br), math.dist(tl, bl), math.dist(tr, br))
    paper = snap_format(max(across, down) / min(across, down), formats)
    long_mm = paper.long_mm if paper else A4.long_mm
    short_mm = long_mm / (paper.aspect if paper else max(across, down) / min(across, down))
    dpi = max(1, round(longest * MM_PER_INCH / long_mm))
    long_px = round(long_mm * dpi / MM_PER_INCH)
    short_px = round(short_mm * dpi / MM_PER_INCH)
    out_w, out_h = (long_px, short_px) if across >= down else (short_px, long_px)
    # Pixel centres at integers: the sheet's outer edges are half a pixel outside them.
    target = np.array(
        [[-0.5, -0.5], [out_w - 0.5, -0.5], [out_w - 0.5, out_h - 0.5], [-0.5, out_h - 0.5]],
        np.float32,
    )
    matrix = cv2.getPerspectiveTransform(np.array(quad, np.float32), target)
    flat = cv2.warpPerspective(
        image, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(flat, np.uint8), dpi


def snap_format(aspect: float, formats: Sequence[PaperFormat] = FORMATS) -> PaperFormat | None:
    """The format whose aspect (long / short side) is within 6 % of ``aspect``, or None.

    Formats whose aspects are within 1 % of the closest one count as equally close (A4, A5
    and a passport page): the first of them in ``formats`` wins.
    """
    errors = [abs(math.log(aspect / paper.aspect)) for paper in formats]
    fitting = [e for e in errors if e <= math.log(1 + ASPECT_TOLERANCE)]
    if not fitting:
        return None
    closest = min(fitting)
    return next(
        paper
        for paper, error in zip(formats, errors, strict=True)
        if error <= math.log(1 + ASPECT_TOLERANCE) and error <= closest + 0.01
    )
