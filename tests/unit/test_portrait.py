"""Identity photo: live guidance, final check, 35 x 45 mm crop and JPEG (kiosk.portrait).

Haar cascades do not find drawn faces, so the frames hold a real one: NASA's public-domain
portrait of Eileen Collins (assets/faces), cut out with her shoulders and composited
at known positions, sizes and roll angles onto synthetic 1280x720 backgrounds. Its landmarks,
read off the photo by hand, are the ground truth: each rule is checked on both sides of its
limit, and the crop against where the real chin and skull top land.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from kiosk import portrait as pt

FACE_PHOTO = Path(__file__).resolve().parents[2] / "assets" / "faces" / "astronaut.png"
# Landmarks of astronaut.png (README.md beside it).
PUPILS = ((204.0, 100.5), (246.0, 103.5))
CHIN_Y = 177.0
SKULL_TOP_Y = 28.0
TRUE_HEAD = CHIN_Y - SKULL_TOP_Y
OWN_ROLL = math.degrees(math.atan2(PUPILS[0][1] - PUPILS[1][1], PUPILS[1][0] - PUPILS[0][0]))
_CUT = (110, 0, 245, 300)  # x, y, w, h of the part of the photo cut out: head and shoulders
_PAD_SIDES, _PAD_BOTTOM = 700, 450  # the suit is extended so large heads keep their shoulders
SIZE = (1280, 720)


@dataclass(frozen=True)
class Scene:
    image: Any
    pupils: tuple[tuple[float, float], tuple[float, float]]  # in the frame
    head: float  # true chin-to-skull-top height, frame pixels
    eye_y: float
    crown_y: float  # true skull top and chin (without roll)
    chin_y: float


@functools.cache
def _person() -> tuple[Any, Any]:
    """The head and shoulders of the photo (BGR) and their soft mask, sides and bottom extended.

    The photo's own light backdrop is flood-filled from its top and sides; an ellipse inside
    the hair keeps the fill from leaking into its light strands.
    """
    photo = cv2.imread(str(FACE_PHOTO), cv2.IMREAD_COLOR)
    assert photo is not None, FACE_PHOTO
    x, y, w, h = _CUT
    crop = np.ascontiguousarray(photo[y : y + h, x : x + w])
    smooth = cv2.GaussianBlur(crop, (5, 5), 0)
    filled = np.zeros((h + 2, w + 2), np.uint8)
    seeds = [(sx, 0) for sx in range(0, w, 20)]
    seeds += [(side, sy) for side in (0, w - 1) for sy in range(0, 140, 20)]
    for seed in seeds:
        if filled[seed[1] + 1, seed[0] + 1] == 0:
            flags = 4 | cv2.FLOODFILL_MASK_ONLY | (255 << 8)
            cv2.floodFill(smooth, filled, seed, (0, 0, 0), (4, 4, 4), (4, 4, 4), flags)
    mask = np.where(filled[1:-1, 1:-1] > 0, 0, 255).astype(np.uint8)
    cv2.ellipse(mask, (118, 80), (58, 64), 0, 0, 360, 255, -1)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    mask = cv2.GaussianBlur(mask, (5, 5), 0)
    border = (0, _PAD_BOTTOM, _PAD_SIDES, _PAD_SIDES, cv2.BORDER_REPLICATE)
    return cv2.copyMakeBorder(crop, *border), cv2.copyMakeBorder(mask, *border)


@functools.cache
def backdrop(kind: str, size: tuple[int, int] = SIZE) -> Any:
    """A plain or cluttered background, with a little sensor noise. Do not modify it."""
    width, height = size
    rng = np.random.default_rng(len(kind))
    levels = {"grey": 190, "light": 225, "mid": 140, "white": 250, "dark": 60}
    if kind in levels:
        image = np.full((height, width, 3), levels[kind], np.int16)
    else:  # "clutter" or "clutter2": shelves, posters, people's coats...
        image = np.full((height, width, 3), 170, np.int16)
        shapes = np.random.default_rng(1 if kind == "clutter" else 5)
        for _ in range(200):
            cx, cy = int(shapes.integers(0, width)), int(shapes.integers(0, height))
            colour = tuple(int(c) for c in shapes.integers(0, 255, 3))
            if shapes.random() < 0.5:
                corner = (cx + int(shapes.integers(10, 150)), cy + int(shapes.integers(10, 150)))
                cv2.rectangle(image, (cx, cy), corner, colour, -1)
            else:
                cv2.circle(image, (cx, cy), int(shapes.integers(5, 60)), colour, -1)
    noise = rng.integers(-4, 5, (height, width, 1), dtype=np.int16)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def compose(
    kind: str = "grey",
    *,
    x: float = 0.5,
    eye_y: float = 330.0,
    head: float = 0.55,
    roll: float = 0.0,
    size: tuple[int, int] = SIZE,
    onto: Any = None,
) -> Scene:
    """The portrait on ``kind``: eyes' midpoint at (x * width, eye_y), head ``head`` x height.

    ``roll``: the eye line's true angle in degrees, counter-clockwise on screen (the photo's
    own -4.1° is compensated). ``onto``: an image to composite onto instead (a second person).
    """
    person, mask = _person()
    width, height = size
    scale = head * height / TRUE_HEAD
    mid = ((PUPILS[0][0] + PUPILS[1][0]) / 2, (PUPILS[0][1] + PUPILS[1][1]) / 2)
    centre = (mid[0] - _CUT[0] + _PAD_SIDES, mid[1] - _CUT[1])
    matrix = cv2.getRotationMatrix2D(centre, roll - OWN_ROLL, scale)
    matrix[:, 2] += (x * width - centre[0], eye_y - centre[1])
    person_in = cv2.warpAffine(person, matrix, size, flags=cv2.INTER_LINEAR)
    alpha = cv2.warpAffine(mask, matrix, size, flags=cv2.INTER_LINEAR).astype(np.float32) / 255
    back = backdrop(kind, size) if onto is None else onto
    image = cv2.blendLinear(person_in, back, alpha, 1 - alpha)

    def moved(p: tuple[float, float]) -> tuple[float, float]:
        px, py = p[0] - _CUT[0] + _PAD_SIDES, p[1] - _CUT[1]
        return (
            float(matrix[0, 0] * px + matrix[0, 1] * py + matrix[0, 2]),
            float(matrix[1, 0] * px + matrix[1, 1] * py + matrix[1, 2]),
        )

    pupils = (moved(PUPILS[0]), moved(PUPILS[1]))
    crown_y, chin_y = eye_y - (mid[1] - SKULL_TOP_Y) * scale, eye_y + (CHIN_Y - mid[1]) * scale
    return Scene(image, pupils, head * height, eye_y, crown_y, chin_y)


def live(image: Any, **options: Any) -> pt.Analysis:
    return pt.PortraitAnalyser(**options).analyse(image)


def both(image: Any, still: bool = True) -> list[pt.Analysis]:
    """Live guidance and, if ``still``, the final check (≈ 0.15 s: not on every case)."""
    return [live(image), pt.analyse_still(image)] if still else [live(image)]


def failing(analysis: pt.Analysis) -> list[str]:
    return [f.rule for f in analysis.findings if not f.ok]


def brightness(image: Any, factor: float, offset: float = 0) -> Any:
    return cv2.convertScaleAbs(image, alpha=factor, beta=offset)


def paint_over_eyes(scene: Scene) -> Any:
    """Skin-coloured patches over both eyes (lids, lashes and iris), brows left alone.

    A shade darker than the cheek (in the shadow of the brow, like closed lids): a patch as
    light as the cheek's highlight leaves no face for the cascade to find at all.
    """
    image = scene.image.copy()
    (lx, ly), (rx, ry) = scene.pupils
    gap = math.dist((lx, ly), (rx, ry))
    cheek = image[round((ly + ry) / 2 + 0.6 * gap), round((lx + rx) / 2)]
    for px, py in scene.pupils:
        axes = (round(0.33 * gap), round(0.17 * gap))
        cv2.ellipse(image, (round(px), round(py)), axes, 0, 0, 360, (0.8 * cheek).tolist(), -1)
    return image


# --- a good frame -------------------------------------------------------------------------------


def test_fixture_is_the_astronaut_portrait() -> None:
    photo = cv2.imread(str(FACE_PHOTO))
    assert photo is not None and photo.shape == (512, 512, 3)


@pytest.mark.parametrize("kind", ["grey", "light", "mid"])
def test_a_well_placed_face_passes_every_rule_live_and_still(kind: str) -> None:
    scene = compose(kind)
    for analysis in both(scene.image):
        assert failing(analysis) == [], analysis.findings
        assert analysis.ok and analysis.instruction == ""
        assert analysis.faces == 1 and analysis.face is not None
        assert [f.rule for f in analysis.findings] == list(pt.RULES)
        assert analysis.face.eyes is not None
        gap = math.dist(*scene.pupils)
        for found, true in zip(analysis.face.eyes, scene.pupils, strict=True):
            assert math.dist(found, true) < 0.2 * gap, (found, true)


def test_a_grey_frame_is_analysed_like_a_colour_one() -> None:
    gray = cv2.cvtColor(compose().image, cv2.COLOR_BGR2GRAY)
    assert live(gray).ok
    assert pt.analyse_still(gray).ok


def test_frames_that_are_not_8_bit_images_are_refused() -> None:
    with pytest.raises(ValueError):
        live(np.zeros((720, 1280, 3), np.float32))
    with pytest.raises(ValueError):
        live(np.zeros((720, 1280, 2), np.uint8))


# --- one rule at a time, each side of its limit -------------------------------------------------


def test_no_face_and_two_faces() -> None:
    for empty, still in ((backdrop("grey"), False), (backdrop("clutter"), True)):
        for analysis in both(empty, still):  # clutter makes no false face
            assert analysis.face is None and analysis.faces == 0
            assert analysis.instruction == pt.SAY_NO_FACE
            assert all(not f.ok and f.instruction for f in analysis.findings)
    first = compose(x=0.3, head=0.45)
    two = compose(x=0.7, head=0.45, onto=first.image).image
    for analysis in both(two):
        assert analysis.faces == 2
        assert analysis.instruction == pt.SAY_ONE_FACE


@pytest.mark.parametrize(
    ("x", "instruction"),
    [
        (0.50, ""),
        (0.47, ""),
        (0.53, ""),
        # On the camera's left is the usager's right: they must move to their left.
        (0.43, "Décalez-vous vers la gauche"),
        (0.40, "Décalez-vous vers la gauche"),
        (0.57, "Décalez-vous vers la droite"),
        (0.60, "Décalez-vous vers la droite"),
    ],
)
def test_centred(x: float, instruction: str) -> None:
    analysis = live(compose(x=x).image)
    finding = analysis.finding("centred")
    assert finding.ok == (instruction == "")
    assert analysis.instruction == instruction
    assert finding.value == pytest.approx(1 - x, abs=0.01)  # mirrored preview by default


def test_the_words_name_the_usagers_side_and_the_value_follows_the_preview() -> None:
    image = compose(x=0.40).image
    mirrored, plain = live(image), live(image, mirrored=False)
    assert mirrored.instruction == plain.instruction == pt.SAY_GO_LEFT
    assert mirrored.finding("centred").value == pytest.approx(0.60, abs=0.01)  # seen on the right
    assert plain.finding("centred").value == pytest.approx(0.40, abs=0.01)


@pytest.mark.parametrize(
    ("head", "instruction"),
    [(0.45, ""), (0.55, ""), (0.70, ""), (0.36, pt.SAY_CLOSER), (0.80, pt.SAY_FURTHER)],
)
def test_head_size(head: float, instruction: str) -> None:
    scene = compose(head=head, eye_y=360.0)
    for analysis in both(scene.image):
        finding = analysis.finding("head_size")
        assert finding.ok == (instruction == "")
        assert analysis.instruction == instruction
        assert finding.value == pytest.approx(head, rel=0.06)  # the estimate against the truth
        assert analysis.face is not None
        _x, top, _w, height = pt.head_box(analysis.face)
        assert top == pytest.approx(scene.crown_y, abs=0.05 * scene.head)
        assert top + height == pytest.approx(scene.chin_y, abs=0.05 * scene.head)


@pytest.mark.parametrize(
    ("eye_y", "instruction"),
    [(330.0, ""), (230.0, ""), (150.0, pt.SAY_HEAD_TOO_HIGH), (560.0, pt.SAY_HEAD_TOO_LOW)],
)
def test_eye_line(eye_y: float, instruction: str) -> None:
    analysis = live(compose(head=0.5, eye_y=eye_y).image)
    finding = analysis.finding("eye_line")
    assert finding.ok == (instruction == "")
    assert analysis.instruction == instruction
    assert finding.value is not None
    if instruction == "":
        assert finding.value == pytest.approx(pt.EYE_LINE_TARGET, abs=0.01)


@pytest.mark.parametrize(
    ("roll", "ok"), [(0.0, True), (3.0, True), (-3.0, True), (12.0, False), (-12.0, False)]
)  # ICAO 9303: within ±8°
def test_roll(roll: float, ok: bool) -> None:
    scene = compose(roll=roll)
    for analysis in both(scene.image, still=roll in (3.0, 12.0)):
        finding = analysis.finding("roll")
        assert finding.ok == ok
        assert analysis.instruction == ("" if ok else "Tenez la tête droite")
        assert finding.value == pytest.approx(roll, abs=2.5)


def test_eyes_painted_over_fail_eyes_open_and_roll_without_crashing() -> None:
    image = paint_over_eyes(compose())
    for analysis in both(image):
        assert analysis.face is not None and analysis.face.eyes is None
        assert failing(analysis) == ["roll", "eyes_open"]
        assert analysis.finding("roll").value is None
        assert analysis.finding("roll").instruction == pt.SAY_EYES
        assert analysis.instruction == pt.SAY_EYES


@pytest.mark.parametrize(
    ("factor", "offset", "instruction"),
    [
        (0.3, 0, pt.SAY_MORE_LIGHT),
        (1.5, 0, pt.SAY_LESS_LIGHT),
        (1.0, 50, pt.SAY_LESS_LIGHT),
        (0.8, 0, ""),
        (0.45, 0, ""),  # a dim face (level ≈ 80) is still exposed enough; the background is not
    ],
)
def test_exposure(factor: float, offset: float, instruction: str) -> None:
    image = brightness(compose().image, factor, offset)
    analysis = live(image)
    finding = analysis.finding("exposure")
    assert finding.ok == (instruction == "")
    assert finding.instruction == instruction
    assert analysis.face is not None  # the face is still found: exposure is what fails


@pytest.mark.parametrize(
    ("blur", "ok"), [(None, True), (1.0, True), (2.0, False), (3.0, False), ("motion", False)]
)
def test_sharpness(blur: float | str | None, ok: bool) -> None:
    image = compose().image
    if blur == "motion":  # 25 px sideways in one exposure
        image = cv2.filter2D(image, -1, np.full((1, 25), 1 / 25, np.float32))
    elif isinstance(blur, float):
        image = cv2.GaussianBlur(image, (0, 0), blur)
    analysis = live(image)
    assert analysis.finding("sharpness").ok == ok
    assert analysis.instruction == ("" if ok else pt.SAY_STILL)


def test_the_still_is_stricter_on_sharpness() -> None:
    image = cv2.GaussianBlur(compose().image, (0, 0), 1.4)  # scores ≈ 0.55
    assert live(image).finding("sharpness").ok
    assert not pt.analyse_still(image).finding("sharpness").ok


@pytest.mark.parametrize(
    ("kind", "ok"),
    [("grey", True), ("light", True), ("mid", True), ("clutter", False), ("clutter2", False),
     ("white", False), ("dark", False)],
)  # fmt: skip
def test_background(kind: str, ok: bool) -> None:
    image = compose(kind).image
    for analysis in both(image, still=kind in ("grey", "clutter")):
        assert analysis.finding("background").ok == ok
        assert analysis.instruction == ("" if ok else pt.SAY_BACKGROUND)


def test_background_regions_avoid_the_hair_and_shoulders() -> None:
    scene = compose()
    face = live(scene.image).face
    assert face is not None
    person = cv2.absdiff(scene.image, backdrop("grey")).max(axis=2) > 30
    for x, y, w, h in pt.background_regions(face):
        left, top = max(0, round(x)), max(0, round(y))
        region = person[top : round(y + h), left : round(x + w)]
        assert region.size > 0 and region.mean() < 0.01


# --- tracking ----------------------------------------------------------------------------------


def test_tracking_follows_the_face_and_a_second_person_is_noticed() -> None:
    analyser = pt.PortraitAnalyser()
    for step in range(12):  # drifting left: tracked, not searched for
        analysis = analyser.analyse(compose(x=0.5 - 0.01 * step).image)
    assert analysis.instruction == pt.SAY_GO_LEFT  # x = 0.39
    assert analysis.finding("centred").value == pytest.approx(0.61, abs=0.01)
    crowd = compose(x=0.82, head=0.45, onto=compose(x=0.39).image).image  # someone steps in
    # Tracked alone until a coarse scan for others: within 0.6 s at 30 frames a second.
    said = [analyser.analyse(crowd).instruction for _ in range(18)]
    assert said[0] == pt.SAY_GO_LEFT  # still tracked alone
    assert said[-1] == pt.SAY_ONE_FACE
    noticed = said.index(pt.SAY_ONE_FACE)
    assert set(said[noticed:]) == {pt.SAY_ONE_FACE}  # then searched for at every frame
    assert analyser.analyse(backdrop("grey")).instruction == pt.SAY_NO_FACE  # at once
    analyser.reset()
    assert analyser.analyse(compose().image).ok


# --- the photo ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "head", "x", "eye_y"),
    [
        ((1280, 720), 0.55, 0.5, 330.0),  # about 1:1
        ((1280, 720), 0.42, 0.55, 300.0),  # enlarged
        ((1920, 1080), 0.6, 0.48, 500.0),  # reduced
    ],
)
def test_crop_puts_the_true_head_in_the_band(
    size: tuple[int, int], head: float, x: float, eye_y: float
) -> None:
    scene = compose(size=size, head=head, x=x, eye_y=eye_y)
    face = pt.analyse_still(scene.image).face
    assert face is not None
    photo = pt.crop_portrait(scene.image, face)
    assert photo.shape == (531, 413, 3) and photo.dtype == np.uint8
    # Where the true landmarks land in the 35 x 45 mm photo.
    left, top, width, height = pt.crop_box(face)
    head_mm = scene.head / height * pt.PHOTO_HEIGHT_MM
    assert pt.HEAD_MIN_MM <= head_mm <= pt.HEAD_MAX_MM, head_mm
    mid_x = (scene.pupils[0][0] + scene.pupils[1][0]) / 2
    assert (mid_x - left) / width == pytest.approx(0.5, abs=0.02)
    assert (scene.eye_y - top) / height == pytest.approx(pt.EYE_LINE_TARGET, abs=0.02)
    eye_gap = math.dist(*scene.pupils) * photo.shape[0] / height
    assert eye_gap >= pt.MIN_EYE_DISTANCE_PX
    # Analysed again, the photo shows one face whose estimated head is in the band.
    again = pt.analyse_still(photo)
    assert again.faces == 1
    share = again.finding("head_size").value
    assert share is not None
    assert pt.HEAD_MIN_MM <= share * pt.PHOTO_HEIGHT_MM <= pt.HEAD_MAX_MM, share
    eye_line = again.finding("eye_line").value
    assert eye_line == pytest.approx(pt.EYE_LINE_TARGET, abs=0.03)


def test_crop_size_follows_the_resolution() -> None:
    scene = compose()
    face = live(scene.image).face
    assert face is not None
    assert pt.photo_size(300) == (413, 531)
    assert pt.crop_portrait(scene.image, face, dpi=600).shape == (1063, 827, 3)
    assert pt.crop_portrait(cv2.cvtColor(scene.image, cv2.COLOR_BGR2GRAY), face).shape[2] == 3


def test_crop_running_off_the_frame_is_padded_with_the_edge_colour() -> None:
    scene = compose(x=0.12, eye_y=160.0)
    face = live(scene.image).face
    assert face is not None
    left, top, _w, _h = pt.crop_box(face)
    assert left < 0 and top < 0
    photo = pt.crop_portrait(scene.image, face)
    assert photo.shape == (531, 413, 3)
    corner = photo[:10, :10].reshape(-1, 3).astype(int)
    assert np.abs(corner - 190).max() <= 12  # the grey backdrop's edge, repeated


def test_head_box_constants() -> None:
    box = pt.FaceBox(100.0, 200.0, 80.0, 80.0, eyes=None)
    x, top, w, h = pt.head_box(box)
    assert h == pytest.approx(pt.HEAD_PER_FACE * 80)
    assert w == pytest.approx(pt.HEAD_WIDTH_PER_FACE * 80) and x + w / 2 == pytest.approx(140)
    assert top == pytest.approx(200 + pt.EYE_LINE_IN_FACE * 80 - pt.CROWN_TO_EYES * h)
    # Eyes found and agreeing: the mean of the two estimates, split at the eye line.
    eyes = ((120.0, 230.0), (160.0, 232.0))
    h_eyes = pt.head_box(pt.FaceBox(100.0, 200.0, 80.0, 80.0, eyes=eyes))[3]
    gap = math.dist(*eyes)
    assert h_eyes == pytest.approx((pt.HEAD_PER_FACE * 80 + pt.HEAD_PER_EYE_DISTANCE * gap) / 2)
    # Eyes too close for the box (a false pair): the box alone.
    close = ((130.0, 230.0), (140.0, 231.0))
    assert pt.head_box(pt.FaceBox(100.0, 200.0, 80.0, 80.0, eyes=close))[3] == pytest.approx(
        pt.HEAD_PER_FACE * 80
    )


def test_encode_portrait_within_the_limit_with_its_resolution() -> None:
    scene = compose()
    face = live(scene.image).face
    assert face is not None
    photo = pt.crop_portrait(scene.image, face)
    for limit in (300_000, 15_000):
        jpeg = pt.encode_portrait(photo, limit)
        assert len(jpeg) <= limit
        decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert decoded.shape == photo.shape
        assert jpeg[11:18] == b"\x01\x01\x01\x01\x2c\x01\x2c"  # JFIF 1.1, dpi, 300 x 300
    assert len(pt.encode_portrait(photo, 15_000)) < len(pt.encode_portrait(photo))
    with pytest.raises(ValueError):
        pt.encode_portrait(photo, 500)
