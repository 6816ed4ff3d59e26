"""Page orientation: the quarter turn that puts a scanned page's text upright (Tesseract OSD).

Qt-free and meant to run on a worker thread (``detect_rotation`` waits about a second for
Tesseract). OpenCV is imported inside the functions, so importing this module costs nothing
at kiosk start-up. ``detect_rotation`` has the ``kiosk.page_processing.Orienter`` signature.

Tesseract's orientation and script detection (``tesseract - - -l osd --psm 0``, a PNG on
stdin) prints, among other lines::

    Rotate: 270
    Orientation confidence: 16.35

"Rotate" is the clockwise turn that puts the page upright: a page turned 90° clockwise on the
glass gives 270 (tests/unit/test_orientation.py checks this on rendered pages). The confidence
is in Tesseract's own units: how much the best orientation beats the runner-up, summed over
the characters it sampled (at most 250), so more text gives more confidence.

Whenever Tesseract is missing, fails, times out, prints something unexpected or is not
confident enough, the answer is None ("leave the page as it is"): a page left sideways is
the usager's to turn, a page turned the wrong way is our fault.
"""

from __future__ import annotations

import logging
import re
import subprocess
from typing import TYPE_CHECKING

from kiosk.page_processing import UNIFORM_STD, is_blank

if TYPE_CHECKING:
    from kiosk.page_processing import Image

log = logging.getLogger("kiosk.orientation")

# Tesseract gets the page at this resolution at most. Measured on rendered A4 pages of French
# prose (7-12 pt, clean and scan-like) in 4 orientations: at 100 dpi, 15 of 24 answers are
# wrong or missing; at 150, 200 and 300 dpi all are right. 150 and 200 dpi take the same time
# (~0.85 s, spent classifying the sampled characters, not reading pixels), 300 dpi a third
# more; 200 dpi keeps small print legible (7 pt has a ~10 px x-height) and gives short texts
# higher confidences.
OSD_DPI = 200

# Below this, the answer is None. OCRmyPDF's --rotate-pages-threshold defaults to 14 (its
# documentation calls it "quite conservative"); here, right answers on pages of mixed-case
# prose had confidences of 9.2 (7 pt) to 34, often 11-14, so 14 would leave many sideways
# pages as they are. Wrong answers (a page of random noise, of grain, of capitals in a sans
# font, which Tesseract cannot orient) reached 6.4 at most over ~150 of them. 8 sits in the
# gap, nearer the right answers' side: a missed turn costs less than a wrong one.
MIN_CONFIDENCE = 8.0

_ROTATIONS = frozenset((0, 90, 180, 270))
_ROTATE = re.compile(r"^Rotate:\s*(\d+)\s*$", re.MULTILINE)
_CONFIDENCE = re.compile(r"^Orientation confidence:\s*([0-9]+(?:\.[0-9]+)?)\s*$", re.MULTILINE)

_warned: set[str] = set()  # commands that could not be started, already logged


def detect_rotation(
    image: Image,
    dpi: int,
    *,
    command: str = "tesseract",
    timeout_s: float = 10.0,
    min_confidence: float = MIN_CONFIDENCE,
) -> int | None:
    """The clockwise turn (0, 90, 180 or 270) that puts the text of ``image`` upright.

    ``image`` is an 8-bit gray, BGR or BGRA page scanned at ``dpi``. None when unsure:
    a blank or uniform page, Tesseract missing (logged once per command), failing (too few
    characters, for instance), slower than ``timeout_s``, or less confident than
    ``min_confidence``. Never raises for a Tesseract failure.
    """
    import cv2

    small = _osd_gray(image, dpi)
    if small is None:
        return None
    ok, png = cv2.imencode(".png", small, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        return None
    # Tesseract 5.3 ignores --dpi with --psm 0 (it warns, assumes 70 dpi): the answers were
    # the same with the resolution written in the PNG, so it is passed for later versions only.
    args = [command, "-", "-", "-l", "osd", "--psm", "0", "--dpi", str(min(dpi, OSD_DPI))]
    try:
        result = subprocess.run(args, input=png.tobytes(), capture_output=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        log.info("orientation: %s took more than %.1f s, page left as it is", command, timeout_s)
        return None
    except OSError as exc:  # not installed, not executable
        if command not in _warned:
            _warned.add(command)
            log.warning("orientation: cannot run %s (%s), pages are left as they are", command, exc)
        return None
    if result.returncode != 0:  # "Too few characters. Skipping this page": no text to orient
        log.debug("orientation: %s exited with %d", command, result.returncode)
        return None
    return _parse(result.stdout.decode("utf-8", "replace"), min_confidence)


def rotate_upright(image: Image, degrees: int) -> Image:
    """``image`` turned ``degrees`` clockwise (0, 90, 180 or 270; 0 returns ``image`` itself)."""
    import cv2
    import numpy as np

    if degrees not in _ROTATIONS:
        raise ValueError(f"not a quarter turn: {degrees}")
    if degrees == 0:
        return image
    code = {
        90: cv2.ROTATE_90_CLOCKWISE,
        180: cv2.ROTATE_180,
        270: cv2.ROTATE_90_COUNTERCLOCKWISE,
    }[degrees]
    return np.asarray(cv2.rotate(image, code), dtype=np.uint8)


def _osd_gray(image: Image, dpi: int) -> Image | None:
    """``image`` in gray at ``OSD_DPI`` at most; None when there is nothing to orient."""
    import cv2
    import numpy as np

    if image.size == 0 or image.ndim not in (2, 3):
        return None
    gray = image
    if image.ndim == 3:
        if image.shape[2] == 1:
            gray = image[:, :, 0]
        else:
            code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
            gray = np.asarray(cv2.cvtColor(image, code), dtype=np.uint8)
    if dpi > OSD_DPI:
        height, width = gray.shape
        size = (max(1, round(width * OSD_DPI / dpi)), max(1, round(height * OSD_DPI / dpi)))
        gray = np.asarray(cv2.resize(gray, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    # Tesseract gives up on these too, but only after starting (~0.1 s); grain on a blank
    # page even gets it to answer, with a low confidence.
    if float(gray.std()) < UNIFORM_STD or is_blank(gray):
        return None
    return gray


def _parse(output: str, min_confidence: float) -> int | None:
    rotate = _ROTATE.search(output)
    confidence = _CONFIDENCE.search(output)
    if rotate is None or confidence is None:
        log.debug("orientation: unexpected output from Tesseract")
        return None
    degrees = int(rotate.group(1))
    value = float(confidence.group(1))
    if degrees not in _ROTATIONS or value < min_confidence:
        return None
    return degrees
