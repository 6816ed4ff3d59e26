"""A synthetic identity-photo scene for the simulated camera: a person in front of a plain
light background, the way a kiosk's camera should see them.

Face detectors do not find drawn faces, so the scene uses a real portrait:
``assets/faces/astronaut.png``, NASA's public-domain portrait of astronaut Eileen Collins
(the ``astronaut`` image of scikit-image's data set; see the README beside it). Her head and
shoulders are cut out with a soft mask and laid on a uniform background, centred, the head
filling the oval of the guide.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

PORTRAIT = Path(__file__).resolve().parents[2] / "assets" / "faces" / "astronaut.png"
# In the source image (512 x 512): the head from crown to chin, and the part kept.
_HEAD_TOP, _HEAD_BOTTOM, _HEAD_CENTRE_X = 15, 188, 226
_KEPT = (100, 0, 352, 330)  # x0, y0, x1, y1: head, neck and the top of the shoulders
BACKGROUND = (208, 206, 202)  # BGR: light, plain, not white (the photo rules)
HEAD_SHARE = 0.6  # of the frame's height, crown to chin
HEAD_TOP_SHARE = 0.1


def render_portrait_scene(width: int, height: int, head_share: float = HEAD_SHARE) -> np.ndarray:
    """A ``width`` x ``height`` BGR frame: the portrait on a plain light background."""
    import cv2
    import numpy as np

    source = cv2.imread(str(PORTRAIT), cv2.IMREAD_COLOR)
    if source is None:
        raise FileNotFoundError(PORTRAIT)
    x0, y0, x1, y1 = _KEPT
    person = source[y0:y1, x0:x1]
    mask: Any = np.zeros(person.shape[:2], np.float32)
    # The head as an ellipse, the neck and shoulders as a widening band below it.
    centre = (_HEAD_CENTRE_X - x0, (_HEAD_TOP + _HEAD_BOTTOM) // 2 - y0)
    axes = (72, (_HEAD_BOTTOM - _HEAD_TOP) // 2 + 6)
    cv2.ellipse(mask, centre, axes, 0, 0, 360, 1.0, -1)
    shoulders = np.array([[60, 175], [190, 175], [252, 330], [0, 330]], np.int32) - [0, y0]
    cv2.fillPoly(mask, [shoulders], 1.0)
    mask = cv2.GaussianBlur(mask, (0, 0), 4)

    scale = head_share * height / (_HEAD_BOTTOM - _HEAD_TOP)
    size = (round(person.shape[1] * scale), round(person.shape[0] * scale))
    person = cv2.resize(person, size, interpolation=cv2.INTER_AREA)
    mask = cv2.resize(mask, size, interpolation=cv2.INTER_LINEAR)

    frame = np.empty((height, width, 3), np.float32)
    frame[:] = BACKGROUND
    # Where the person goes: head centred horizontally, crown a little below the top.
    left = round(width / 2 - (_HEAD_CENTRE_X - x0) * scale)
    top = round(HEAD_TOP_SHARE * height - (_HEAD_TOP - y0) * scale)
    fx0, fy0 = max(0, left), max(0, top)
    fx1, fy1 = min(width, left + size[0]), min(height, top + size[1])
    px0, py0 = fx0 - left, fy0 - top
    region = (slice(fy0, fy1), slice(fx0, fx1))
    cut = (slice(py0, py0 + fy1 - fy0), slice(px0, px0 + fx1 - fx0))
    alpha = mask[cut][..., None]
    frame[region] = frame[region] * (1 - alpha) + person[cut].astype(np.float32) * alpha
    return np.clip(frame, 0, 255).astype(np.uint8)
