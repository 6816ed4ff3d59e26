"""Identity photo taken at the kiosk: live guidance, final check, 35 x 45 mm crop, bounded JPEG.

Qt-free; OpenCV and numpy are imported inside the functions, as in ``kiosk.page_processing``.
The French rules (ANTS, arrêté of 5 February 2009) follow ISO/IEC 19794-5 and ICAO 9303
(LESSONS.md, "Identity photos"): a 35 x 45 mm photo, the head 32–36 mm from the bottom of the
chin to the top of the skull *without the hair*, face centre at 45–55 % of the width, eye line
30–50 % from the top, roll within ±8°, eyes open, a plain light background that is not white.

OFIQ, the reference quality software, takes seconds per image: live guidance needs checks cheap
enough for every camera frame. ``PortraitAnalyser.analyse`` runs on each frame (≈ 10 ms at 720p
on one core): faces are found with OpenCV's Haar cascades on a 320-px-wide grey copy, then
tracked in a small window around the last face, with a coarse scan of the whole frame for other
people every few frames and a full search when the face is lost. ``analyse_still`` judges the
one frame kept, with a full-resolution search and stricter image-quality limits. Each rule gives
one ``Finding``; the first failing rule, in ``RULES`` order, is the one instruction the usager
hears.

A Haar face box runs from the forehead to below the mouth: the crown (hair excluded) is outside
it and is *estimated* (``head_box``), see the constants ``HEAD_PER_FACE`` and following.

Left and right: instructions name the usager's own side ("Décalez-vous vers la gauche": move to
your left). They are the same whether or not the preview is mirrored — a person too far to their
right must move to their left whatever the screen shows — and match what the usager sees only in
a mirrored preview, the kiosk's default. ``mirrored`` decides the sign of the ``centred``
finding's value, which is measured as seen on the preview, for the UI's arrows.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from kiosk.page_processing import _gray

if TYPE_CHECKING:
    from kiosk.page_processing import Image

Box: TypeAlias = tuple[float, float, float, float]  # x, y, width, height in frame pixels
Point: TypeAlias = tuple[float, float]

RULES = (
    "one_face",
    "centred",
    "head_size",
    "eye_line",
    "roll",
    "exposure",
    "sharpness",
    "background",
    "eyes_open",
)

# --- the photo (ANTS, ISO/IEC 19794-5, ICAO 9303) ---------------------------------------------

MM_PER_INCH = 25.4
PHOTO_WIDTH_MM = 35.0
PHOTO_HEIGHT_MM = 45.0
HEAD_MIN_MM, HEAD_MAX_MM = 32.0, 36.0  # chin to crown, hair excluded ("hors chevelure")
HEAD_TARGET_MM = 34.0  # the crop aims at the middle of the band: ±2 mm of estimation error
# The crop puts the eye line at 45 % of the photo's height from the top. The norm allows
# 30-50 %, but with a 34-mm head whose eyes sit half-way (``CROWN_TO_EYES``) the crown is
# 17 mm above them: eyes higher than 40 % (18 mm) would cut the skull off the photo.
EYE_LINE_TARGET = 0.45
EYE_LINE_MIN = 0.40  # (17 mm + 1 mm to spare) / 45 mm: the whole head in the photo
EYE_LINE_MAX = 0.50  # ICAO 9303: eye line at most half-way down
MIN_EYE_DISTANCE_PX = 90  # ISO/IEC 19794-5, in the final image: 300 dpi gives ≈ 120

# --- from a Haar face box to the head -------------------------------------------------------
# A Haar box sees neither the crown nor the chin. The ratios below were measured on the test
# portrait (NASA's photo of Eileen Collins, assets/faces, crown read under her hair by
# hand) with haarcascade_frontalface_alt2 and haarcascade_eye, in 1280x720 frames with the head
# 30-80 % of the height, at 320 px wide (live) and full resolution (still); one standard
# deviation over sizes, positions and ±4° of roll in brackets:
# - head height / box height: 1.51 live (4 %; 1.38 for the smallest heads), 1.535 still (2 %);
# - head height / distance between the eye boxes' centres: 3.27 live (2 %), 3.25 still (0.6 %)
#   (anthropometry gives ≈ 3.5 between pupils; Haar eye boxes sit a little outboard of them);
# - the eye line at 0.38 of the box's height (0.37-0.40);
# - the eyes half-way between the chin and the top of the skull: the artists' canon, and what
#   the photo shows.
# When the eyes are found, the head height is the mean of the two estimates: two proxies for
# one person's proportions err less than one. One face calibrated them: for another face,
# expect an error of several per cent (a long chin, a high forehead).
HEAD_PER_FACE = 1.53  # head height (chin to skull top) / Haar box height
HEAD_PER_EYE_DISTANCE = 3.26  # head height / distance between the eyes' centres
EYE_ESTIMATES_AGREE = 0.25  # beyond this relative gap, the eyes are suspect: the box alone
EYE_LINE_IN_FACE = 0.38  # eye line below the box's top, share of its height (no eyes found)
CROWN_TO_EYES = 0.5  # share of the head height above the eye line
HEAD_WIDTH_PER_FACE = 1.1  # skull breadth (~15 cm) / Haar box width (~cheekbones, ~13.5 cm)

# --- live guidance thresholds ---------------------------------------------------------------
CENTRE_MIN, CENTRE_MAX = 0.45, 0.55  # face centre, share of the frame's width (ICAO 9303)
# Head height, share of the frame's height. Above 0.75 the 45-mm crop (45/34 = 1.32 x the
# head) no longer fits in the frame. Below 0.40 a 720p camera sees the head over < 290 px and
# the eyes < 90 px apart: the 300-dpi photo (head ≈ 400 px) would be upscaled and its
# 90 px between the eyes (ISO/IEC 19794-5) would not be real detail.
HEAD_SHARE_MIN, HEAD_SHARE_MAX = 0.40, 0.75
ROLL_MAX_DEG = 8.0  # ICAO 9303: roll within ±8°
# Exposure, on the grey level of the inner face (the test face: ≈ 180 as photographed, 54 at
# x0.3, 236 at x1.5). Below 60 is underexposed; 60 leaves room for a dark skin correctly
# exposed, which is assumed to measure well above it (no dark-skinned test face: to be checked
# on the kiosk). Above 210 the skin's detail is washing out.
FACE_LEVEL_MIN, FACE_LEVEL_MAX = 60.0, 210.0
CLIP_HIGH, CLIP_LOW = 250, 5  # a pixel at or beyond these carries no detail
FACE_CLIPPED_MAX = 0.05  # share of the inner face allowed at either limit (specular spots)
# Sharpness: std of the Laplacian / std of the grey level on the face scaled to 128 px wide
# (kiosk.document_photo's contrast-free measure). The test portrait, head 0.55 of a 720p
# frame, scores 0.75-0.85 as is, 0.63-0.67 after a Gaussian blur of sigma 1 px, 0.55 at 1.4,
# 0.44 at 2 (visibly soft), 0.40 after a 25-px motion blur. It is a 512-px photo enlarged
# about 2.7 times, already soft: a real 720p face should score higher, and sensor noise
# raises the score too. Limits to check against the kiosk's camera.
MIN_SHARPNESS = 0.5
# Background, beside and above the head (hair and shoulders left out): a region is uniform
# when this share of its pixels lies within ±15 grey levels of its median (a share, not a std:
# long hair reaching into a region must not fail it, clutter must). Light: median ≥ 120.
# Not white: median ≤ 235 (ANTS: "fond clair... le blanc est interdit"; a white wall lit for
# a face is expected at 235-255, a light grey or light blue one below: to be checked on the
# kiosk's camera, whose auto-exposure moves both).
BACKGROUND_TOLERANCE = 15
BACKGROUND_MIN_UNIFORM = 0.75
BACKGROUND_MIN_LEVEL, BACKGROUND_MAX_LEVEL = 120.0, 235.0
SECOND_FACE_MIN = 0.5  # a face counts as a second person if at least half the first's height

# --- the final still: same geometry (the norm's), stricter image quality --------------------
# Live limits tolerate a passing flicker (the next frame decides again); the still is the photo
# sent, so it must clear them with a margin.
STILL_FACE_CLIPPED_MAX = 0.02  # a specular spot on the forehead, not a washed-out cheek
STILL_MIN_SHARPNESS = 0.6  # 0.1 above live: the test face blurred by sigma 1.4 px fails
STILL_BACKGROUND_MIN_UNIFORM = 0.85  # at most 15 % of a region off its median

# --- instructions (one short French sentence each) ------------------------------------------
SAY_NO_FACE = "Placez-vous face à la caméra"
SAY_ONE_FACE = "Une seule personne devant la caméra"
SAY_GO_LEFT = "Décalez-vous vers la gauche"  # the usager's own left
SAY_GO_RIGHT = "Décalez-vous vers la droite"
SAY_CLOSER = "Approchez-vous"
SAY_FURTHER = "Reculez un peu"
SAY_HEAD_TOO_HIGH = "Baissez-vous un peu ou montez la caméra"
SAY_HEAD_TOO_LOW = "Redressez-vous ou baissez la caméra"
SAY_STRAIGHT = "Tenez la tête droite"
SAY_MORE_LIGHT = "Plus de lumière"
SAY_LESS_LIGHT = "Moins de lumière"
SAY_STILL = "Ne bougez plus"
SAY_BACKGROUND = "Placez-vous devant un fond clair et uni"
SAY_EYES = "Regardez l'objectif, les yeux ouverts"

JPEG_QUALITY_MAX = 95
JPEG_QUALITY_MIN = 40

# --- speed (live) -----------------------------------------------------------------------------
# Haar on a whole 1280x720 frame costs 45-130 ms (PLATFORM.md; tests/bench/portrait.py), on
# a 320-px copy 10-20 ms (plain backdrop) to 40 ms (cluttered), in the tracking window (face
# scaled to 48 px) ≈ 3 ms.
_DETECT_WIDTH = 320
_MIN_FACE_PX = 24  # at _DETECT_WIDTH: a face 96 px high in 1280x720, a head ≈ 0.2 of its height
_DETECT_NEIGHBOURS = 4  # OpenCV's default is 3: one more against false faces in a busy hall
_REDETECT_EVERY = 8  # frames between coarse scans for other people while tracking
_TRACK_MARGIN = 0.5  # the tracking window: the last box grown by this share of it each side
_TRACK_FACE_PX = 48  # the window is scaled so the last face is this high
_TRACK_SIZE_RANGE = (0.7, 1.45)  # allowed change of size between two frames
_EYE_FACE_PX = 80  # eyes are searched on the face scaled to this width (≈ 3 ms)
_EYE_BAND = (0.1, 0.62)  # ...in this band of its height (the eyes' centres are at ≈ 0.38)
_SHARPNESS_FACE_PX = 128
_BACKGROUND_WIDTH = 320  # background statistics on a copy this wide
# Still: full resolution, finer pyramid; eyes on the face at up to 240 px (the eye cascade's
# 20-px model gains nothing from more, and a 4K face would cost seconds).
_STILL_SCALE_FACTOR = 1.05
_STILL_NEIGHBOURS = 5
_STILL_MIN_FACE = 0.1  # share of the frame's height
_STILL_EYE_FACE_PX = 240


@dataclass(frozen=True)
class FaceBox:
    """A face found in a frame, in frame pixels (the Haar box: forehead to below the mouth)."""

    x: float
    y: float
    w: float
    h: float
    eyes: tuple[Point, Point] | None  # centres, (left-in-image, right-in-image)

    @property
    def centre_x(self) -> float:
        """Horizontal centre: between the eyes when found, else the box's middle."""
        if self.eyes is not None:
            return (self.eyes[0][0] + self.eyes[1][0]) / 2
        return self.x + self.w / 2

    @property
    def eye_line(self) -> float:
        """Height of the eye line: measured when the eyes are found, else estimated."""
        if self.eyes is not None:
            return (self.eyes[0][1] + self.eyes[1][1]) / 2
        return self.y + EYE_LINE_IN_FACE * self.h

    @property
    def roll(self) -> float | None:
        """Angle of the eye line in degrees, counter-clockwise on screen; None without eyes."""
        if self.eyes is None:
            return None
        (lx, ly), (rx, ry) = self.eyes
        return math.degrees(math.atan2(ly - ry, rx - lx))


@dataclass(frozen=True)
class Finding:
    rule: str  # one of RULES
    ok: bool
    instruction: str  # one short French instruction when not ok, "" when ok
    value: float | None = None


@dataclass(frozen=True)
class Analysis:
    face: FaceBox | None
    findings: tuple[Finding, ...]  # in RULES order: the first failing one is what is said
    # Where crop_portrait would take the 35 x 45 mm photo, in frame pixels (x, y, w, h; may
    # run off the frame): the UI can draw it over the preview.
    crop: Box | None = None
    faces: int = 0

    @property
    def ok(self) -> bool:
        return all(finding.ok for finding in self.findings)

    @property
    def instruction(self) -> str:
        return next((f.instruction for f in self.findings if not f.ok), "")

    def finding(self, rule: str) -> Finding:
        return next(f for f in self.findings if f.rule == rule)


@dataclass(frozen=True)
class _Limits:
    clipped_max: float
    min_sharpness: float
    background_min_uniform: float


_LIVE = _Limits(FACE_CLIPPED_MAX, MIN_SHARPNESS, BACKGROUND_MIN_UNIFORM)
_STILL = _Limits(STILL_FACE_CLIPPED_MAX, STILL_MIN_SHARPNESS, STILL_BACKGROUND_MIN_UNIFORM)


# --- geometry ---------------------------------------------------------------------------------


def head_box(face: FaceBox) -> Box:
    """The head, crown (hair excluded) to chin, estimated from the face box: (x, top, w, h).

    Height ``HEAD_PER_FACE`` x the box's height, averaged with ``HEAD_PER_EYE_DISTANCE`` x the
    distance between the eyes when they are found (and agree); the eye line (measured, else
    ``EYE_LINE_IN_FACE`` down the box) splits it ``CROWN_TO_EYES`` above, the rest below; width
    ``HEAD_WIDTH_PER_FACE`` x the box's, centred between the eyes. The ratios come from one
    calibration face (see the constants): the crown is estimated, never seen.
    """
    height = HEAD_PER_FACE * face.h
    if face.eyes is not None:
        from_eyes = HEAD_PER_EYE_DISTANCE * math.dist(*face.eyes)
        if abs(from_eyes - height) <= EYE_ESTIMATES_AGREE * height:
            height = (height + from_eyes) / 2
    width = HEAD_WIDTH_PER_FACE * face.w
    top = face.eye_line - CROWN_TO_EYES * height
    return (face.centre_x - width / 2, top, width, height)


def crop_box(face: FaceBox) -> Box:
    """Where the 35 x 45 mm photo lies in the frame: (x, y, w, h), possibly off the frame.

    The head (``head_box``) is scaled to ``HEAD_TARGET_MM``, the face centred horizontally and
    the eye line put ``EYE_LINE_TARGET`` down from the top.
    """
    _x, _top, _w, head_height = head_box(face)
    height = head_height * PHOTO_HEIGHT_MM / HEAD_TARGET_MM
    width = height * PHOTO_WIDTH_MM / PHOTO_HEIGHT_MM
    return (face.centre_x - width / 2, face.eye_line - EYE_LINE_TARGET * height, width, height)


def photo_size(dpi: int) -> tuple[int, int]:
    """(width, height) in pixels of a 35 x 45 mm photo at ``dpi`` (413 x 531 at 300)."""
    return (
        round(PHOTO_WIDTH_MM / MM_PER_INCH * dpi),
        round(PHOTO_HEIGHT_MM / MM_PER_INCH * dpi),
    )


def crop_portrait(frame: Image, face: FaceBox, dpi: int = 300) -> Image:
    """The 35 x 45 mm photo at ``dpi``: head 34 mm, face centred, eye line at 45 % from the top.

    Where the photo runs off the frame, the frame's edge pixels are repeated (the background
    is plain by then, or the still would have failed ``eye_line``). Area averaging when
    shrinking, bicubic when enlarging.
    """
    import cv2
    import numpy as np

    if dpi <= 0:
        raise ValueError("dpi must be positive")
    image = _colour(frame)
    out_w, out_h = photo_size(dpi)
    x, y, w, h = crop_box(face)
    frame_h, frame_w = image.shape[:2]
    left, top = round(x), round(y)
    right, bottom = round(x + w), round(y + h)
    if right <= left or bottom <= top:
        raise ValueError("empty face box")
    rows = slice(max(0, top), max(0, min(frame_h, bottom)))
    inside = image[rows, max(0, left) : max(0, min(frame_w, right))]
    if inside.size == 0:
        raise ValueError("the face lies outside the frame")
    padded = cv2.copyMakeBorder(
        inside,
        max(0, -top),
        max(0, bottom - frame_h),
        max(0, -left),
        max(0, right - frame_w),
        cv2.BORDER_REPLICATE,
    )
    shrinking = padded.shape[0] > out_h
    method = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    return np.asarray(cv2.resize(padded, (out_w, out_h), interpolation=method), np.uint8)


def encode_portrait(image: Image, max_bytes: int = 300_000, dpi: int = 300) -> bytes:
    """A JPEG of the photo of at most ``max_bytes``, its resolution recorded in the header.

    The quality is lowered (95 → 40, binary search) but the pixels are never scaled: the
    photo's size in pixels is what the 35 x 45 mm at ``dpi`` demands. ``ValueError`` when even
    the lowest quality does not fit. The JFIF header carries ``dpi`` so the photo prints at
    35 x 45 mm.
    """
    if max_bytes <= 0:
        raise ValueError("max_bytes must be positive")
    best = _jpeg(image, JPEG_QUALITY_MAX, dpi)
    if len(best) <= max_bytes:
        return best
    low, high = JPEG_QUALITY_MIN, JPEG_QUALITY_MAX  # low fits (checked below), high does not
    fit = _jpeg(image, low, dpi)
    if len(fit) > max_bytes:
        raise ValueError(f"{len(fit)} bytes at quality {JPEG_QUALITY_MIN}, limit {max_bytes}")
    while high - low > 1:
        mid = (low + high) // 2
        candidate = _jpeg(image, mid, dpi)
        if len(candidate) <= max_bytes:
            low, fit = mid, candidate
        else:
            high = mid
    return fit


def _jpeg(image: Image, quality: int, dpi: int) -> bytes:
    import cv2

    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    jpeg = bytearray(data.tobytes())
    # libjpeg writes a JFIF APP0 segment right after SOI: density units at byte 13 (1 = dots
    # per inch), then X and Y densities, big-endian.
    if jpeg[2:4] == b"\xff\xe0" and jpeg[6:11] == b"JFIF\x00" and 0 < dpi < 65536:
        jpeg[13] = 1
        jpeg[14:18] = dpi.to_bytes(2, "big") * 2
    return bytes(jpeg)


# --- detection ----------------------------------------------------------------------------


class _Cascades:
    """OpenCV's Haar cascades, one set per analyser or thread (detectMultiScale keeps state)."""

    def __init__(self) -> None:
        import cv2

        folder: str = cv2.data.haarcascades  # type: ignore[attr-defined]
        self.face = cv2.CascadeClassifier(folder + "haarcascade_frontalface_alt2.xml")
        self.eye = cv2.CascadeClassifier(folder + "haarcascade_eye.xml")
        self.glasses = cv2.CascadeClassifier(folder + "haarcascade_eye_tree_eyeglasses.xml")
        if self.face.empty() or self.eye.empty() or self.glasses.empty():
            raise RuntimeError(f"OpenCV's Haar cascades are missing from {folder}")


_local = threading.local()


def _thread_cascades() -> _Cascades:
    cascades = getattr(_local, "cascades", None)
    if cascades is None:
        cascades = _local.cascades = _Cascades()
    assert isinstance(cascades, _Cascades)
    return cascades


def _boxes(found: Any, scale: float, dx: float = 0.0, dy: float = 0.0) -> list[Box]:
    """Cascade rectangles of a scaled copy, back in frame pixels, largest first."""
    boxes = [
        (dx + float(x) / scale, dy + float(y) / scale, float(w) / scale, float(h) / scale)
        for x, y, w, h in (found if len(found) else [])
    ]
    return sorted(boxes, key=lambda box: -box[3])


def _detect_small(gray: Image, cascades: _Cascades, coarse: int | None = None) -> list[Box]:
    """Faces on a 320-px-wide copy of the frame, in frame pixels, largest first.

    ``coarse`` (0 or 1): a pyramid twice as sparse (scale steps of 1.2 instead of 1.1, about
    half the time), shifted by half a step on pass 1, so that two passes cover the sizes one
    fine search does. It looks for other people while the usager is tracked.

    No histogram equalisation: the cascade normalises each window by its own contrast, so a
    dim face is found anyway, and stretching a plain background's sensor noise makes the
    search several times slower (the cascade goes deeper on noise).
    """
    import cv2

    height, width = gray.shape[:2]
    scale = min(1.0, _DETECT_WIDTH / width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(gray, size, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    if coarse is None:
        step, smallest = 1.1, _MIN_FACE_PX
    else:
        step, smallest = 1.2, round(_MIN_FACE_PX * (1.2**0.5 if coarse else 1.0))
    found = cascades.face.detectMultiScale(
        small, step, _DETECT_NEIGHBOURS, minSize=(smallest, smallest)
    )
    return _boxes(found, size[0] / width)


def _same_face(a: Box, b: Box) -> bool:
    """Whether the centre of either box lies inside the other."""
    return any(
        p[0] <= q[0] + q[2] / 2 <= p[0] + p[2] and p[1] <= q[1] + q[3] / 2 <= p[1] + p[3]
        for p, q in ((a, b), (b, a))
    )


def _detect_full(gray: Image, cascades: _Cascades) -> list[Box]:
    """Faces at full resolution with a finer pyramid (the still): slower, steadier boxes."""
    smallest = max(_MIN_FACE_PX, round(_STILL_MIN_FACE * gray.shape[0]))
    found = cascades.face.detectMultiScale(
        gray,
        _STILL_SCALE_FACTOR,
        _STILL_NEIGHBOURS,
        minSize=(smallest, smallest),
    )
    return _boxes(found, 1.0)


def _track(gray: Image, last: Box, cascades: _Cascades) -> Box | None:
    """The face near where it was: a window around ``last``, scaled so the face is 48 px."""
    import cv2

    x, y, w, h = last
    height, width = gray.shape[:2]
    left, top = max(0, int(x - _TRACK_MARGIN * w)), max(0, int(y - _TRACK_MARGIN * h))
    right = min(width, math.ceil(x + (1 + _TRACK_MARGIN) * w))
    bottom = min(height, math.ceil(y + (1 + _TRACK_MARGIN) * h))
    if right - left < w / 2 or bottom - top < h / 2:
        return None
    scale = min(1.0, _TRACK_FACE_PX / h)
    window = gray[top:bottom, left:right]
    size = (max(1, round(window.shape[1] * scale)), max(1, round(window.shape[0] * scale)))
    small = cv2.resize(window, size, interpolation=cv2.INTER_AREA) if scale < 1 else window
    low, high = (round(h * scale * k) for k in _TRACK_SIZE_RANGE)
    found = cascades.face.detectMultiScale(
        small, 1.1, _DETECT_NEIGHBOURS - 1, minSize=(low, low), maxSize=(high, high)
    )
    boxes = _boxes(found, size[0] / window.shape[1], left, top)
    if not boxes:
        return None
    # The one nearest the last position (another face may enter the window).
    return min(boxes, key=lambda b: math.hypot(b[0] + b[2] / 2 - x - w / 2, b[1] - y))


def _find_eyes(
    gray: Image, box: Box, cascades: _Cascades, face_px: int, scale_factor: float
) -> tuple[Point, Point] | None:
    """The two eyes' centres (left-in-image first) in the upper part of the face, or None.

    The eye cascade runs on the band of the face where eyes are (scaled so the face is
    ``face_px`` wide), the glasses cascade when it does not find a pair. A pair is one eye on
    each side of the face's middle, 25-75 % of the face's width apart, the line between them
    within ±24°, centres in the upper half of the face.
    """
    import cv2

    x, y, w, h = box
    height, width = gray.shape[:2]
    left, right = max(0, int(x)), min(width, math.ceil(x + w))
    top = max(0, int(y + _EYE_BAND[0] * h))
    bottom = min(height, math.ceil(y + _EYE_BAND[1] * h))
    if right - left < 8 or bottom - top < 8:
        return None
    band = gray[top:bottom, left:right]
    scale = face_px / w
    size = (max(1, round(band.shape[1] * scale)), max(1, round(band.shape[0] * scale)))
    method = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(band, size, interpolation=method)
    smallest, largest = max(8, round(0.12 * face_px)), round(0.42 * face_px)
    for cascade in (cascades.eye, cascades.glasses):
        found = cascade.detectMultiScale(
            small, scale_factor, 3, minSize=(smallest, smallest), maxSize=(largest, largest)
        )
        eyes = [
            (bx + bw / 2, by + bh / 2, bw)
            for bx, by, bw, bh in _boxes(found, size[0] / band.shape[1], left, top)
        ]
        pair = _eye_pair(eyes, box)
        if pair is not None:
            return pair
    return None


def _eye_pair(eyes: list[tuple[float, float, float]], box: Box) -> tuple[Point, Point] | None:
    x, y, w, h = box
    middle = x + w / 2
    best: tuple[float, tuple[Point, Point]] | None = None
    for lx, ly, ls in eyes:
        for rx, ry, rs in eyes:
            dx, dy = rx - lx, ry - ly
            if not (lx < middle < rx and 0.25 * w <= dx <= 0.75 * w):
                continue
            if abs(dy) > 0.45 * dx or max(ly, ry) > y + 0.55 * h:
                continue
            score = ls + rs - abs(ls - rs)  # large and alike
            if best is None or score > best[0]:
                best = (score, ((lx, ly), (rx, ry)))
    return best[1] if best else None


# --- the rules --------------------------------------------------------------------------------


def _clip(box: Box, width: int, height: int) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of ``box`` inside a width x height image, possibly empty."""
    x, y, w, h = box
    left, top = min(width, max(0, round(x))), min(height, max(0, round(y)))
    return left, top, max(left, min(width, round(x + w))), max(top, min(height, round(y + h)))


def _exposure(gray: Image, face: FaceBox, limits: _Limits) -> Finding:
    """Mean grey level of the inner face (cheeks, nose, forehead) and its clipped share."""
    import numpy as np

    inner = (face.x + 0.2 * face.w, face.y + 0.2 * face.h, 0.6 * face.w, 0.7 * face.h)
    left, top, right, bottom = _clip(inner, gray.shape[1], gray.shape[0])
    step = max(1, round(face.w / 160))  # ~100 x 110 samples: plenty for a mean
    skin = gray[top:bottom:step, left:right:step]
    if skin.size == 0:
        return Finding("exposure", False, SAY_NO_FACE)
    level = float(skin.mean())
    dark = float(np.count_nonzero(skin <= CLIP_LOW)) / skin.size
    bright = float(np.count_nonzero(skin >= CLIP_HIGH)) / skin.size
    if level < FACE_LEVEL_MIN or dark > limits.clipped_max:
        return Finding("exposure", False, SAY_MORE_LIGHT, level)
    if level > FACE_LEVEL_MAX or bright > limits.clipped_max:
        return Finding("exposure", False, SAY_LESS_LIGHT, level)
    return Finding("exposure", True, "", level)


def _sharpness(gray: Image, face: FaceBox, limits: _Limits) -> Finding:
    """Contrast-free focus of the face box scaled to 128 px wide (see MIN_SHARPNESS)."""
    import cv2

    left, top, right, bottom = _clip((face.x, face.y, face.w, face.h), *gray.shape[1::-1])
    region = gray[top:bottom, left:right]
    if region.shape[0] < 8 or region.shape[1] < 8:
        return Finding("sharpness", False, SAY_NO_FACE)
    scale = _SHARPNESS_FACE_PX / region.shape[1]
    size = (_SHARPNESS_FACE_PX, max(8, round(region.shape[0] * scale)))
    method = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(region, size, interpolation=method)
    _, spread = cv2.meanStdDev(small)
    _, detail = cv2.meanStdDev(cv2.Laplacian(small, cv2.CV_32F, ksize=3))
    score = float(detail[0, 0]) / max(float(spread[0, 0]), 1e-6)
    ok = score >= limits.min_sharpness
    return Finding("sharpness", ok, "" if ok else SAY_STILL, score)


def background_regions(face: FaceBox) -> tuple[Box, Box, Box]:
    """Left, right and above the head, in frame pixels, clear of hair and shoulders.

    Beside the head: 0.9 to 1.6 face widths from its centre (hair reaches ~0.75), from the
    crown down to 0.7 of the head (shoulders and a wide collar start lower). Above: from 0.45
    to 0.2 head heights over the crown (the hair above the skull rarely exceeds 0.15).
    """
    _hx, crown, _hw, head = head_box(face)
    centre, w = face.centre_x, face.w
    side_h = 0.7 * head
    return (
        (centre - 1.6 * w, crown, 0.7 * w, side_h),
        (centre + 0.9 * w, crown, 0.7 * w, side_h),
        (centre - 0.9 * w, crown - 0.45 * head, 1.8 * w, 0.25 * head),
    )


def _background(small: Image, scale: float, face: FaceBox, limits: _Limits) -> Finding:
    """Uniform and light, not white: beside and above the head, on a 320-px copy."""
    import numpy as np

    shares: list[float] = []
    levels: list[Any] = []
    for x, y, w, h in background_regions(face):
        region = (x * scale, y * scale, w * scale, h * scale)
        left, top, right, bottom = _clip(region, small.shape[1], small.shape[0])
        pixels = small[top:bottom, left:right]
        if pixels.size < 40:  # off the frame: nothing to judge there
            continue
        median = float(np.median(pixels))
        close = np.abs(pixels.astype(np.int16) - median) <= BACKGROUND_TOLERANCE
        shares.append(float(np.count_nonzero(close)) / pixels.size)
        levels.append(pixels.ravel())
    if not shares:
        return Finding("background", True, "", None)
    uniform = min(shares)
    level = float(np.median(np.concatenate(levels)))
    ok = (
        uniform >= limits.background_min_uniform
        and BACKGROUND_MIN_LEVEL <= level <= BACKGROUND_MAX_LEVEL
    )
    return Finding("background", ok, "" if ok else SAY_BACKGROUND, uniform)


def _within(
    rule: str, value: float, band: tuple[float, float], say_below: str, say_above: str
) -> Finding:
    """``rule`` passes when ``value`` lies in ``band``; otherwise the instruction for its side."""
    low, high = band
    if value < low:
        return Finding(rule, False, say_below, value)
    if value > high:
        return Finding(rule, False, say_above, value)
    return Finding(rule, True, "", value)


def _findings(
    gray: Image,
    small: Image,
    scale: float,
    faces: list[Box],
    face: FaceBox | None,
    limits: _Limits,
    mirrored: bool,
) -> tuple[Finding, ...]:
    if face is None:
        rest = (Finding(rule, False, SAY_NO_FACE) for rule in RULES[1:])
        return (Finding("one_face", False, SAY_NO_FACE, 0.0), *rest)
    height, width = gray.shape[:2]
    count = len(faces)
    one = Finding("one_face", count == 1, "" if count == 1 else SAY_ONE_FACE, float(count))

    raw = face.centre_x / width
    if raw < CENTRE_MIN:  # on the camera's left: the usager's right
        centred = Finding("centred", False, SAY_GO_LEFT, 1 - raw if mirrored else raw)
    elif raw > CENTRE_MAX:
        centred = Finding("centred", False, SAY_GO_RIGHT, 1 - raw if mirrored else raw)
    else:
        centred = Finding("centred", True, "", 1 - raw if mirrored else raw)

    _hx, _top, _hw, head = head_box(face)
    share = head / height
    size = _within("head_size", share, (HEAD_SHARE_MIN, HEAD_SHARE_MAX), SAY_CLOSER, SAY_FURTHER)

    # The photo's frame moved as little as possible to lie inside the camera's frame: where
    # does the eye line fall in it?
    _cx, crop_top, _cw, crop_h = crop_box(face)
    low, high = sorted((0.0, height - crop_h))
    fitted = min(max(crop_top, low), high)
    eyes_at = (face.eye_line - fitted) / crop_h
    eye_line = _within(
        "eye_line", eyes_at, (EYE_LINE_MIN, EYE_LINE_MAX), SAY_HEAD_TOO_HIGH, SAY_HEAD_TOO_LOW
    )

    angle = face.roll
    if angle is None:
        roll = Finding("roll", False, SAY_EYES)
    else:
        straight = abs(angle) <= ROLL_MAX_DEG
        roll = Finding("roll", straight, "" if straight else SAY_STRAIGHT, angle)

    found = 0 if face.eyes is None else 2
    eyes = Finding("eyes_open", found == 2, "" if found == 2 else SAY_EYES, float(found))
    return (
        one,
        centred,
        size,
        eye_line,
        roll,
        _exposure(gray, face, limits),
        _sharpness(gray, face, limits),
        _background(small, scale, face, limits),
        eyes,
    )


def _analysis(
    gray: Image,
    faces: list[Box],
    cascades: _Cascades,
    *,
    still: bool,
    mirrored: bool,
) -> Analysis:
    import cv2
    import numpy as np

    height, width = gray.shape[:2]
    scale = min(1.0, _BACKGROUND_WIDTH / width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = gray
    if scale < 1:
        small = np.asarray(cv2.resize(gray, size, interpolation=cv2.INTER_AREA), np.uint8)
    scale = size[0] / width
    # The first face is the usager's (the largest, or the one tracked). A face much smaller is
    # someone passing far behind: the background rule deals with them.
    counted = faces[:1] + [b for b in faces[1:] if b[3] >= SECOND_FACE_MIN * faces[0][3]]
    face: FaceBox | None = None
    if counted:
        box = counted[0]
        face_px = _EYE_FACE_PX
        if still:
            face_px = min(_STILL_EYE_FACE_PX, max(_EYE_FACE_PX, round(box[2])))
        eyes = _find_eyes(gray, box, cascades, face_px, 1.05 if still else 1.1)
        face = FaceBox(*box, eyes=eyes)
    findings = _findings(gray, small, scale, counted, face, _STILL if still else _LIVE, mirrored)
    return Analysis(
        face=face,
        findings=findings,
        crop=crop_box(face) if face is not None else None,
        faces=len(counted),
    )


def _checked_gray(frame: Any) -> Image:
    import numpy as np

    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.size == 0:
        raise ValueError("a frame is a non-empty 8-bit image")
    if frame.ndim not in (2, 3) or (frame.ndim == 3 and frame.shape[2] not in (1, 3, 4)):
        raise ValueError(f"frame of shape {frame.shape}")
    return np.ascontiguousarray(_gray(frame))


def _colour(frame: Image) -> Image:
    """H x W x 3 BGR (grey and BGRA frames converted)."""
    import cv2
    import numpy as np

    if frame.ndim == 2 or frame.shape[2] == 1:
        return np.asarray(cv2.cvtColor(frame.reshape(frame.shape[:2]), cv2.COLOR_GRAY2BGR))
    if frame.shape[2] == 4:
        return np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR))
    return frame


# --- public entry points ----------------------------------------------------------------------


class PortraitAnalyser:
    """Live guidance, one camera frame after another (≈ 10 ms a frame at 720p on one core).

    While there is exactly one face, it is looked for only around where it was (≈ 3 ms), and
    every ``_REDETECT_EVERY`` frames the whole frame is scanned too, coarsely, for anyone else
    (a second person is noticed within ≈ 0.5 s). When the face is lost, or while there is not
    exactly one, the whole frame is searched at every frame. Not thread-safe: one analyser per
    camera worker.
    """

    def __init__(self, *, mirrored: bool = True) -> None:
        self.mirrored = mirrored
        self._cascades = _Cascades()
        self._last: Box | None = None
        self._count = 0
        self._since_search = 0
        self._coarse_pass = 0

    def reset(self) -> None:
        """Forget the tracked face (a new usager, or the camera restarted)."""
        self._last = None
        self._count = 0
        self._since_search = 0

    def analyse(self, frame: Image) -> Analysis:
        gray = _checked_gray(frame)
        tracked: Box | None = None
        if self._last is not None and self._count == 1:
            tracked = _track(gray, self._last, self._cascades)
        if tracked is not None:
            faces = [tracked]
            self._since_search += 1
            if self._since_search >= _REDETECT_EVERY:
                self._since_search = 0
                self._coarse_pass ^= 1
                others = _detect_small(gray, self._cascades, coarse=self._coarse_pass)
                faces += [box for box in others if not _same_face(box, tracked)]
        else:
            faces = _detect_small(gray, self._cascades)
            self._since_search = 0
        analysis = _analysis(gray, faces, self._cascades, still=False, mirrored=self.mirrored)
        self._count = analysis.faces
        self._last = faces[0] if faces else None
        return analysis


def analyse_still(frame: Image, *, mirrored: bool = True) -> Analysis:
    """The full check of the frame kept for the photo: no tracking, full-resolution search.

    Slower (≈ 0.2-0.4 s at 720p): run it once, on a worker. Same geometry as live guidance (it
    is the norm's), stricter limits on clipping, sharpness and background.
    """
    gray = _checked_gray(frame)
    cascades = _thread_cascades()
    return _analysis(gray, _detect_full(gray, cascades), cascades, still=True, mirrored=mirrored)
