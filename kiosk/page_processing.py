"""Page processing for scanned pièces: crop, deskew, blank detection and bounded JPEG.

Qt-free and meant to run on a worker thread. OpenCV and numpy are imported inside the
functions, so importing this module costs nothing at kiosk start-up.

The pipeline (``process_page``) is: ``check_image`` → ``crop_to_document`` → ``is_blank`` →
``estimate_skew`` + ``deskew`` → ``encode_within``. The rules follow LESSONS.md ("Scanning"):

- blank page (NAPS2): a pixel is ink if its brightness is < 179/255; the page is blank if ink
  covers at most 0.15 % of it, the outer 1 % of each side being ignored;
- deskew (NAPS2): Hough transform on the bottom edges of text, ±20°, gives up (0°) when fewer
  than half of the strongest lines agree, and never runs on a blank page (OCRmyPDF #1049).

Angles are in degrees, positive counter-clockwise as seen on screen (OpenCV's
``getRotationMatrix2D`` convention): ``estimate_skew`` returns how much the content is turned,
``deskew(image, angle)`` turns it back.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Image: TypeAlias = npt.NDArray[np.uint8]

Point: TypeAlias = tuple[float, float]
# Corners in image pixels, in this order: top-left, top-right, bottom-right, bottom-left.
Quad: TypeAlias = tuple[Point, Point, Point, Point]
# Given a straightened page and its dpi: the clockwise quarter turn (0, 90, 180, 270) that puts
# its text upright, or None when unsure (kiosk.orientation asks Tesseract).
Orienter: TypeAlias = "Callable[[Image, int], int | None]"

MAX_PIXELS = 120_000_000  # A4 at 600 dpi is 35 MP: beyond 120 MP, it is not a page scan
MIN_SIDE_PX = 32
UNIFORM_STD = 2.0  # the same limit as kiosk.pieces: below it nothing legible was captured
INK_LEVEL = 179  # NAPS2: brightness < 179/255 is ink
BLANK_INK_FRACTION = 0.0015  # NAPS2: blank if ink ≤ 0.15 % of the page
BLANK_IGNORED_BORDER = 0.01  # NAPS2: the outer 1 % of each side is ignored
MAX_SKEW_DEG = 20.0
MIN_DESKEW_DEG = 0.1  # a smaller turn shifts an A4 line end by ~4 px at 300 dpi: not worth it
MIN_DOCUMENT_AREA = 0.30  # a "document" smaller than this share of the image is a false find
CROP_MARGIN = 0.004  # kept around the document, as a share of its shorter side (~1 mm on A4)
JPEG_QUALITY_MAX = 90
JPEG_QUALITY_MIN = 60
DEFAULT_MIN_DPI = 200
DEFAULT_MAX_BYTES = 2_000_000

_WORK_SIDE = 1200  # document detection runs on a copy whose longer side is this long
_SKEW_SIDE = 1400  # skew estimation likewise
_SKEW_IGNORED_BORDER = 0.05  # lid, page edges and scanner shadows live there
_SKEW_STEP_DEG = 0.1
_SKEW_MAX_LINES = 100  # NAPS2 keeps the 100 strongest lines...
_SKEW_REFERENCE_LINE = 9  # ...that have at least half the votes of the 10th strongest
_SKEW_AGREE_DEG = 1.0  # lines within ±1° of each other "agree"


class UnusableReason(StrEnum):
    EMPTY = "empty"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    NOT_8_BIT = "not_8_bit"
    BAD_SHAPE = "bad_shape"
    UNIFORM = "uniform"
    UNREADABLE = "unreadable"
    NO_DOCUMENT = "no_document"  # camera photo: no whole sheet in view (kiosk.document_photo)
    BLURRY = "blurry"  # camera photo: the document's content is too blurred to read


class PageProcessingError(Exception):
    """Base class of the errors raised by this module."""


class UnusablePage(PageProcessingError):
    """The input cannot be a page: the kiosk asks the usager for a new scan."""

    def __init__(self, reason: UnusableReason, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail


class PageTooLarge(PageProcessingError):
    """Even at the lowest quality and resolution allowed, the JPEG exceeds the limit."""

    def __init__(self, max_bytes: int, smallest_bytes: int, min_dpi: int) -> None:
        super().__init__(
            f"{smallest_bytes} bytes at {min_dpi} dpi and quality {JPEG_QUALITY_MIN}, "
            f"limit {max_bytes}"
        )
        self.max_bytes = max_bytes
        self.smallest_bytes = smallest_bytes
        self.min_dpi = min_dpi


@dataclass(frozen=True)
class ProcessedPage:
    jpeg: bytes
    width: int
    height: int
    dpi: int
    skew_degrees: float  # total turn corrected (crop + deskew), counter-clockwise positive
    cropped: bool
    blank: bool
    turned_upright: int = 0  # degrees clockwise applied by the orienter (0, 90, 180, 270)


# --- validation and decoding ----------------------------------------------------------------


def check_image(image: Any) -> None:
    """Raise ``UnusablePage`` unless ``image`` is an 8-bit H x W (x 1/3/4) array worth a page.

    Shape and type are checked before any pixel is read, so a huge or broadcast array is
    refused without touching its memory; uniformity is measured on a subsample.
    """
    import numpy as np

    if not isinstance(image, np.ndarray) or image.size == 0:
        raise UnusablePage(UnusableReason.EMPTY, "no pixels")
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3, 4)):
        raise UnusablePage(UnusableReason.BAD_SHAPE, f"shape {image.shape}")
    height, width = image.shape[:2]
    if height * width > MAX_PIXELS:
        raise UnusablePage(UnusableReason.TOO_LARGE, f"{width} x {height} pixels")
    if min(height, width) < MIN_SIDE_PX:
        raise UnusablePage(UnusableReason.TOO_SMALL, f"{width} x {height} pixels")
    if image.dtype != np.uint8:
        raise UnusablePage(UnusableReason.NOT_8_BIT, f"dtype {image.dtype}")
    step = max(1, round(math.sqrt(height * width / 250_000)))  # ~0.25 MP is plenty for a std
    sample = image[::step, ::step]
    if image.ndim == 3 and image.shape[2] == 4:
        sample = sample[..., :3]
    if float(sample.std()) < UNIFORM_STD:
        mean = float(sample.mean())
        what = "all black" if mean < 64 else "all white" if mean > 192 else "uniform grey"
        raise UnusablePage(UnusableReason.UNIFORM, what)


def image_dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) announced by a PNG, JPEG, TIFF or BMP header; None if not one of them.

    Only the header is parsed: nothing is decoded or allocated.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        if len(data) < 24 or data[12:16] != b"IHDR":
            return None
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        sof = jpeg_frame(data)
        return None if sof is None else (sof[0], sof[1])
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return _tiff_dimensions(data)
    if data.startswith(b"BM") and len(data) >= 26:
        (header_size,) = struct.unpack("<I", data[14:18])
        if header_size == 12:
            width, height = struct.unpack("<HH", data[18:22])
        else:
            width, height = struct.unpack("<ii", data[18:26])
        return abs(int(width)), abs(int(height))
    return None


def decode_image(data: bytes) -> Image:
    """Decode an image file (PNG, JPEG, TIFF, BMP) into an 8-bit gray or BGR array.

    Raise ``UnusablePage`` for no data, an unknown or truncated file, or a header announcing
    more than ``MAX_PIXELS`` (refused before decoding, so memory stays bounded).
    """
    if not data:
        raise UnusablePage(UnusableReason.EMPTY, "no data")
    size = image_dimensions(data)
    if size is None:
        raise UnusablePage(UnusableReason.UNREADABLE, "not a PNG, JPEG, TIFF or BMP image")
    width, height = size
    if width <= 0 or height <= 0:
        raise UnusablePage(UnusableReason.EMPTY, f"header announces {width} x {height}")
    if width * height > MAX_PIXELS:
        raise UnusablePage(UnusableReason.TOO_LARGE, f"header announces {width} x {height}")
    if _looks_truncated(data):
        raise UnusablePage(UnusableReason.UNREADABLE, "truncated file")

    import cv2
    import numpy as np

    try:
        # ANYCOLOR keeps gray as gray, drops alpha and converts 16-bit to 8-bit.
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_ANYCOLOR)
    except cv2.error as exc:
        raise UnusablePage(UnusableReason.UNREADABLE, str(exc).strip()[:200]) from exc
    if image is None or image.size == 0:
        raise UnusablePage(UnusableReason.UNREADABLE, "the decoder gave up")
    return np.ascontiguousarray(image, dtype=np.uint8)


_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # not DHT, JPG, DAC


def jpeg_frame(data: bytes) -> tuple[int, int, int] | None:
    """(width, height, offset of the SOF marker) of a JPEG, walking its segments; None when
    the data is not a JPEG or its frame header is missing."""
    i, n = 2, len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image or scan data before any frame header
            return None
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if length < 2:
            return None
        if marker in _JPEG_SOF:
            if i + 9 > n:
                return None
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height), i
        i += 2 + length
    return None


def _tiff_dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) of the first image of a classic TIFF."""
    order = "<" if data[:2] == b"II" else ">"
    if len(data) < 8:
        return None
    (ifd,) = struct.unpack(order + "I", data[4:8])
    if ifd + 2 > len(data):
        return None
    (count,) = struct.unpack(order + "H", data[ifd : ifd + 2])
    found: dict[int, int] = {}
    for k in range(count):
        entry = ifd + 2 + 12 * k
        if entry + 12 > len(data):
            return None
        tag, kind = struct.unpack(order + "HH", data[entry : entry + 4])
        if tag in (256, 257):
            if kind == 3:  # SHORT
                (value,) = struct.unpack(order + "H", data[entry + 8 : entry + 10])
            elif kind == 4:  # LONG
                (value,) = struct.unpack(order + "I", data[entry + 8 : entry + 12])
            else:
                return None
            found[tag] = int(value)
    if 256 not in found or 257 not in found:
        return None
    return found[256], found[257]


def _looks_truncated(data: bytes) -> bool:
    """True when the end marker a complete file must carry is missing (PNG, JPEG, BMP)."""
    if data.startswith(b"\x89PNG"):
        return data.rfind(b"IEND") < 0
    if data.startswith(b"\xff\xd8"):
        sof = jpeg_frame(data)
        start = data.find(b"\xff\xda", sof[2]) if sof else -1
        return start < 0 or data.rfind(b"\xff\xd9") < start
    if data.startswith(b"BM") and len(data) >= 6:
        (declared,) = struct.unpack("<I", data[2:6])
        return int(declared) > len(data)
    return False


# --- finding and cropping the document --------------------------------------------------------


def find_document(image: Image) -> Quad | None:
    """The corners of the sheet lying on a darker scanner lid, or None.

    None when there is no background to remove: the sheet already fills the image, or the
    image has no bright region that stands out. When the sheet is cut by the image border,
    the quad is the sheet-aligned rectangle around its visible part (corners may then lie
    outside the image, where ``crop_to_document`` fills with white).
    """
    import cv2
    import numpy as np

    gray = _gray(image)
    small, (scale_x, scale_y) = _shrink(gray, _WORK_SIDE)
    small = np.asarray(cv2.GaussianBlur(small, (5, 5), 0), dtype=np.uint8)
    threshold, mask = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = small > threshold
    if not bright.any() or bright.all():
        return None
    if float(small[bright].mean()) - float(small[~bright].mean()) < 40:
        return None  # sensor noise on a plain sheet, not a sheet on a lid
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)  # dust and noise on the lid
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    small_h, small_w = small.shape
    if cv2.contourArea(contour) >= 0.99 * (small_w - 1) * (small_h - 1):
        return None  # the page already fills the image
    points = contour.reshape(-1, 2).astype(np.float64)
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    corners = cv2.approxPolyDP(hull, 0.02 * perimeter, True).reshape(-1, 2).astype(np.float64)
    tolerance = 2.0
    quad = None
    if len(corners) == 4 and not any(_on_border(p, small_w, small_h, tolerance) for p in corners):
        quad = _refined_quad(points, _clockwise(corners))
    if quad is None:
        quad = _sheet_box(points, hull, perimeter, small_w, small_h, tolerance)
    # Back to full-resolution pixel coordinates (pixel centres: +0.5 / scale - 0.5).
    full = [((x + 0.5) / scale_x - 0.5, (y + 0.5) / scale_y - 0.5) for x, y in quad]
    return (full[0], full[1], full[2], full[3])


def crop_to_document(image: Image, margin: float = CROP_MARGIN) -> Image:
    """The document straightened to a rectangle (four-point warp), or ``image`` unchanged.

    ``margin`` is kept around the document, as a share of its shorter side: it shows what lies
    there (a ~1 mm strip of lid), or white where the sheet ran off the image. The input is
    returned as it is when no document is found or when it covers less than 30 % of the image.
    """
    return _crop(image, margin)[0]


def _crop(image: Image, margin: float) -> tuple[Image, Quad | None]:
    import cv2
    import numpy as np

    quad = find_document(image)
    if quad is None:
        return image, None
    height, width = image.shape[:2]
    if _polygon_area(quad) < MIN_DOCUMENT_AREA * width * height:
        return image, None
    tl, tr, br, bl = quad
    out_w = round(max(math.dist(tl, tr), math.dist(bl, br)))
    out_h = round(max(math.dist(tl, bl), math.dist(tr, br)))
    pad = round(margin * min(out_w, out_h))
    src = np.array(quad, np.float32)
    dst = np.array(
        [
            [pad, pad],
            [pad + out_w - 1, pad],
            [pad + out_w - 1, pad + out_h - 1],
            [pad, pad + out_h - 1],
        ],
        np.float32,
    )
    size = (out_w + 2 * pad, out_h + 2 * pad)
    matrix = cv2.getPerspectiveTransform(src, dst)
    white = _white(image)
    if _is_affine(matrix):
        # A sheet on a flatbed is only shifted and turned: an affine warp gives the same
        # page at about half the cost of a perspective one (~35 ms on a 300-dpi A4).
        warped = cv2.warpAffine(
            image,
            matrix[:2],
            size,
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=white,
        )
    else:  # a document photographed at an angle
        warped = cv2.warpPerspective(
            image,
            matrix,
            size,
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=white,
        )
    return np.asarray(warped, dtype=np.uint8), quad


def _is_affine(matrix: Any) -> bool:
    """No perspective term worth a pixel over a page (about 1e-6 per pixel of 3000)."""
    return bool(abs(matrix[2, 0]) < 1e-7 and abs(matrix[2, 1]) < 1e-7)


def _on_border(p: Any, width: int, height: int, tolerance: float) -> bool:
    x, y = float(p[0]), float(p[1])
    return min(x, y, width - 1 - x, height - 1 - y) <= tolerance


def _clockwise(corners: Any) -> list[Point]:
    """Four points ordered top-left, top-right, bottom-right, bottom-left (y points down)."""
    cx = sum(float(p[0]) for p in corners) / len(corners)
    cy = sum(float(p[1]) for p in corners) / len(corners)
    ordered = sorted(
        ((float(p[0]), float(p[1])) for p in corners),
        key=lambda p: math.atan2(p[1] - cy, p[0] - cx),
    )
    first = min(range(len(ordered)), key=lambda k: ordered[k][0] + ordered[k][1])
    return ordered[first:] + ordered[:first]


def _fit_side(points: Any, a: Point, b: Point, band: float) -> tuple[Point, Point] | None:
    """A least-squares line (point, unit direction) through the contour points along a→b."""
    import cv2
    import numpy as np

    length = math.dist(a, b)
    if length < 8:
        return None
    ux, uy = (b[0] - a[0]) / length, (b[1] - a[1]) / length
    rel_x, rel_y = points[:, 0] - a[0], points[:, 1] - a[1]
    along = rel_x * ux + rel_y * uy
    across = rel_y * ux - rel_x * uy
    keep = (along > 0.1 * length) & (along < 0.9 * length) & (np.abs(across) <= band)
    if int(keep.sum()) < 10:
        return None
    vx, vy, x0, y0 = cv2.fitLine(points[keep].astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01)
    dx, dy = float(vx[0]), float(vy[0])
    if dx * ux + dy * uy < 0:
        dx, dy = -dx, -dy
    return (float(x0[0]), float(y0[0])), (dx, dy)


def _refined_quad(points: Any, corners: list[Point]) -> Quad | None:
    """Corners of a four-sided sheet from lines fitted to its sides (sub-pixel precision).

    Each side is moved out by half a pixel: contour points are the outermost sheet pixels,
    the edge lies between them and the lid.
    """
    cx = sum(p[0] for p in corners) / 4
    cy = sum(p[1] for p in corners) / 4
    lines: list[tuple[Point, Point]] = []
    for k in range(4):
        fitted = _fit_side(points, corners[k], corners[(k + 1) % 4], band=3.0)
        if fitted is None:
            return None
        (x0, y0), (dx, dy) = fitted
        nx, ny = -dy, dx
        if (x0 - cx) * nx + (y0 - cy) * ny < 0:
            nx, ny = -nx, -ny
        lines.append(((x0 + 0.5 * nx, y0 + 0.5 * ny), (dx, dy)))
    refined: list[Point] = []
    for k in range(4):
        corner = _intersect(lines[k - 1], lines[k])
        if corner is None or math.dist(corner, corners[k]) > 10:
            return None
        refined.append(corner)
    return (refined[0], refined[1], refined[2], refined[3])


def _intersect(l1: tuple[Point, Point], l2: tuple[Point, Point]) -> Point | None:
    (x1, y1), (dx1, dy1) = l1
    (x2, y2), (dx2, dy2) = l2
    det = dx1 * dy2 - dy1 * dx2
    if abs(det) < 1e-6:
        return None
    s = ((x2 - x1) * dy2 - (y2 - y1) * dx2) / det
    return (x1 + s * dx1, y1 + s * dy1)


def _sheet_box(
    points: Any, hull: Any, perimeter: float, width: int, height: int, tolerance: float
) -> Quad:
    """The rectangle aligned with the sheet's own edges that holds all its visible pixels.

    The sheet's angle comes from its sides that are not the image border (where the sheet
    is cut); a sheet cut on every side is taken as straight.
    """
    import cv2

    polygon = cv2.approxPolyDP(hull, 0.005 * perimeter, True).reshape(-1, 2)
    weighted, total = 0.0, 0.0
    for k in range(len(polygon)):
        a = (float(polygon[k][0]), float(polygon[k][1]))
        b = (float(polygon[(k + 1) % len(polygon)][0]), float(polygon[(k + 1) % len(polygon)][1]))
        length = math.dist(a, b)
        if length < 0.1 * max(width, height) or _same_border(a, b, width, height, tolerance):
            continue
        fitted = _fit_side(points, a, b, band=2.0)
        if fitted is None:
            continue
        _, (dx, dy) = fitted
        weighted += _fold(math.degrees(math.atan2(dy, dx))) * length
        total += length
    phi = math.radians(weighted / total) if total else 0.0
    cos, sin = math.cos(phi), math.sin(phi)
    along = points[:, 0] * cos + points[:, 1] * sin
    across = points[:, 1] * cos - points[:, 0] * sin
    u0, u1 = float(along.min()) - 0.5, float(along.max()) + 0.5
    v0, v1 = float(across.min()) - 0.5, float(across.max()) + 0.5

    def corner(u: float, v: float) -> Point:
        return (u * cos - v * sin, u * sin + v * cos)

    return (corner(u0, v0), corner(u1, v0), corner(u1, v1), corner(u0, v1))


def _same_border(a: Point, b: Point, width: int, height: int, tolerance: float) -> bool:
    return (
        max(a[0], b[0]) <= tolerance
        or max(a[1], b[1]) <= tolerance
        or min(a[0], b[0]) >= width - 1 - tolerance
        or min(a[1], b[1]) >= height - 1 - tolerance
    )


def _fold(degrees: float) -> float:
    """An edge direction folded into [-45°, 45°): horizontal and vertical edges agree."""
    return (degrees + 45.0) % 90.0 - 45.0


def _polygon_area(quad: Quad) -> float:
    return 0.5 * abs(
        sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(quad, quad[1:] + quad[:1], strict=True))
    )


def _quad_skew(quad: Quad) -> float:
    """How much the quad is turned, counter-clockwise positive (mean of its four sides)."""
    angles = [
        _fold(math.degrees(math.atan2(b[1] - a[1], b[0] - a[0])))
        for a, b in zip(quad, quad[1:] + quad[:1], strict=True)
    ]
    return -sum(angles) / 4


# --- skew -------------------------------------------------------------------------------------


def estimate_skew(image: Image) -> float:
    """How much the text is turned, in degrees within ±20° (counter-clockwise positive).

    0.0 for a blank page, a page without text lines, or when fewer than half of the
    strongest lines agree on an angle (NAPS2's rule).
    """
    if is_blank(image):
        return 0.0
    return _text_skew(_gray(image))


def _text_skew(gray: Image) -> float:
    import cv2
    import numpy as np

    small, _ = _shrink(gray, _SKEW_SIDE)
    height, width = small.shape
    dy, dx = round(height * _SKEW_IGNORED_BORDER), round(width * _SKEW_IGNORED_BORDER)
    inner = small[dy : height - dy, dx : width - dx]
    threshold, _ = cv2.threshold(inner, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    dark = (inner < min(threshold, INK_LEVEL)).astype(np.uint8)
    # Close the gaps between letters and words so that each text line is one blob.
    gap = max(3, round(inner.shape[1] * 0.012))
    ink = np.asarray(cv2.morphologyEx(dark, cv2.MORPH_CLOSE, np.ones((1, gap), np.uint8)), np.uint8)
    # Bottom edges (baselines): ink with no ink below.
    edges = np.zeros_like(ink)
    edges[:-1] = ink[:-1] & (1 - ink[1:])
    votes_needed = max(20, round(inner.shape[1] * 0.06))
    lines = cv2.HoughLinesWithAccumulator(
        edges,
        1,
        math.radians(_SKEW_STEP_DEG),
        votes_needed,
        min_theta=math.radians(90.0 - MAX_SKEW_DEG),
        max_theta=math.radians(90.0 + MAX_SKEW_DEG + _SKEW_STEP_DEG / 2),
    )
    if lines is None or len(lines) < 2:
        return 0.0
    found = lines.reshape(-1, 3)
    found = found[np.argsort(-found[:, 2], kind="stable")][:_SKEW_MAX_LINES]
    if len(found) > _SKEW_REFERENCE_LINE:
        found = found[found[:, 2] >= 0.5 * found[_SKEW_REFERENCE_LINE, 2]]
    # theta is the angle of the line's normal: 90° is horizontal, less is counter-clockwise.
    angles = 90.0 - np.degrees(found[:, 1])
    weights = found[:, 2]
    agree = np.abs(angles[:, None] - angles[None, :]) <= _SKEW_AGREE_DEG
    best = int(np.argmax(agree.sum(axis=1)))
    cluster = agree[best]
    if 2 * int(cluster.sum()) < len(angles):
        return 0.0
    angle = float(np.average(angles[cluster], weights=weights[cluster]))
    return round(max(-MAX_SKEW_DEG, min(MAX_SKEW_DEG, angle)), 2)


def deskew(image: Image, angle: float) -> Image:
    """``image`` turned by ``-angle`` degrees on a canvas that holds it all, corners white."""
    import cv2
    import numpy as np

    if abs(angle) < 1e-3:
        return image
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), -angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    out_w = math.ceil(width * cos + height * sin - 1e-6)
    out_h = math.ceil(width * sin + height * cos - 1e-6)
    matrix[0, 2] += (out_w - width) / 2
    matrix[1, 2] += (out_h - height) / 2
    turned = cv2.warpAffine(
        image,
        matrix,
        (out_w, out_h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=_white(image),
    )
    return np.asarray(turned, dtype=np.uint8)


# --- blank pages ------------------------------------------------------------------------------


def is_blank(image: Image) -> bool:
    """NAPS2's rule: ink (brightness < 179) covers at most 0.15 % of the page, outer 1 % aside."""
    import cv2

    gray = _gray(image)
    height, width = gray.shape
    dy, dx = round(height * BLANK_IGNORED_BORDER), round(width * BLANK_IGNORED_BORDER)
    inner = gray[dy : height - dy, dx : width - dx]
    if inner.size == 0:
        return True
    _, ink = cv2.threshold(inner, INK_LEVEL - 1, 1, cv2.THRESH_BINARY_INV)  # 1 where < 179
    return int(cv2.countNonZero(ink)) <= BLANK_INK_FRACTION * inner.size


# --- encoding ---------------------------------------------------------------------------------


def encode_within(
    image: Image, max_bytes: int, min_dpi: int = DEFAULT_MIN_DPI, dpi: int = 300
) -> tuple[bytes, int]:
    """A JPEG of ``image`` (scanned at ``dpi``) of at most ``max_bytes``, and its resolution.

    The quality is lowered first (90 → 60), then the page is downscaled, never below
    ``min_dpi`` (nor ever upscaled). Raise ``PageTooLarge`` when nothing allowed fits.
    """
    jpeg, dpi_used, _ = _encode_within(image, max_bytes, min_dpi, dpi)
    return jpeg, dpi_used


def _encode_within(
    image: Image, max_bytes: int, min_dpi: int, dpi: int
) -> tuple[bytes, int, Image]:
    import cv2
    import numpy as np

    if max_bytes <= 0 or dpi <= 0 or min_dpi <= 0:
        raise ValueError("max_bytes, dpi and min_dpi must be positive")
    best = _jpeg(image, JPEG_QUALITY_MAX)
    if len(best) <= max_bytes:
        return best, dpi, image
    lowest = _jpeg(image, JPEG_QUALITY_MIN)
    if len(lowest) <= max_bytes:
        # Binary search for the best quality that fits, in steps of 5.
        low, high, fit = 0, (JPEG_QUALITY_MAX - JPEG_QUALITY_MIN) // 5, lowest
        while high - low > 1:
            mid = (low + high) // 2
            candidate = _jpeg(image, JPEG_QUALITY_MIN + 5 * mid)
            if len(candidate) <= max_bytes:
                low, fit = mid, candidate
            else:
                high = mid
        return fit, dpi, image
    # Downscale at the lowest quality: a JPEG's size goes roughly with its pixel count.
    height, width = image.shape[:2]
    current_dpi, size = dpi, len(lowest)
    while current_dpi > min_dpi:
        target = math.floor(current_dpi * math.sqrt(max_bytes / size) * 0.95)
        current_dpi = max(min_dpi, min(target, current_dpi - 1))
        factor = current_dpi / dpi
        scaled = (max(1, round(width * factor)), max(1, round(height * factor)))
        small = np.asarray(cv2.resize(image, scaled, interpolation=cv2.INTER_AREA), np.uint8)
        jpeg = _jpeg(small, JPEG_QUALITY_MIN)
        size = len(jpeg)
        if size <= max_bytes:
            return jpeg, current_dpi, small
    raise PageTooLarge(max_bytes, size, min(dpi, min_dpi))


def _jpeg(image: Image, quality: int) -> bytes:
    import cv2

    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise UnusablePage(UnusableReason.UNREADABLE, "JPEG encoding failed")
    return bytes(data.tobytes())


# --- the pipeline -----------------------------------------------------------------------------


def process_page(
    image: Image,
    dpi: int,
    max_bytes: int = DEFAULT_MAX_BYTES,
    min_dpi: int = DEFAULT_MIN_DPI,
    *,
    orient: Orienter | None = None,
) -> ProcessedPage:
    """Check, crop, deskew, turn upright (``orient``, if given) and encode one scanned page.

    Raise ``UnusablePage`` (ask for a new scan) or ``PageTooLarge`` (the limit cannot be met).
    A blank page is processed too (``blank=True``) so the caller decides what to do with it.
    """
    check_image(image)
    page = _normalised(image)
    page, quad = _crop(page, CROP_MARGIN)
    turned = _quad_skew(quad) if quad is not None else 0.0
    blank = is_blank(page)
    angle = 0.0 if blank else _text_skew(_gray(page))
    if abs(angle) >= MIN_DESKEW_DEG:
        page = deskew(page, angle)
        turned += angle
    quarter_turns = (orient(page, dpi) or 0) if orient is not None and not blank else 0
    if quarter_turns:
        from kiosk.orientation import rotate_upright  # here: orientation imports this module

        page = rotate_upright(page, quarter_turns)
    jpeg, dpi_used, encoded = _encode_within(page, max_bytes, min_dpi, dpi)
    height, width = encoded.shape[:2]
    return ProcessedPage(
        jpeg=jpeg,
        width=int(width),
        height=int(height),
        dpi=dpi_used,
        skew_degrees=round(turned, 2),
        cropped=quad is not None,
        blank=blank,
        turned_upright=quarter_turns,
    )


# --- helpers ----------------------------------------------------------------------------------


def _normalised(image: Image) -> Image:
    """A contiguous H x W gray or H x W x 3 BGR array."""
    import cv2
    import numpy as np

    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    elif image.ndim == 3 and image.shape[2] == 4:
        image = np.asarray(cv2.cvtColor(image, cv2.COLOR_BGRA2BGR), dtype=np.uint8)
    return np.ascontiguousarray(image)


def _gray(image: Image) -> Image:
    import cv2
    import numpy as np

    if image.ndim == 2:
        return image
    if image.shape[2] == 1:
        return image[:, :, 0]
    code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
    return np.asarray(cv2.cvtColor(image, code), dtype=np.uint8)


def _shrink(gray: Image, longest: int) -> tuple[Image, tuple[float, float]]:
    """``gray`` scaled down (area averaging) so its longer side is at most ``longest``.

    Also return the (x, y) scales actually applied (they differ by rounding only).
    """
    import cv2
    import numpy as np

    height, width = gray.shape[:2]
    scale = min(1.0, longest / max(height, width))
    if scale >= 1.0:
        return gray, (1.0, 1.0)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # Halve with pyrDown while more than twice too large: area averaging of a whole 300-dpi
    # page costs ~20 ms a time on one core, a pyramid level a few.
    reduced = gray
    while min(reduced.shape[0] / size[1], reduced.shape[1] / size[0]) >= 2.0:
        reduced = np.asarray(cv2.pyrDown(reduced), dtype=np.uint8)
    small = np.asarray(cv2.resize(reduced, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    return small, (size[0] / width, size[1] / height)


def _white(image: Image) -> tuple[int, ...]:
    return (255, 255, 255) if image.ndim == 3 else (255,)
