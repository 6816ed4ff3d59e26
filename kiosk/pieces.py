"""Turning scanned pages into the images kept in a session (Qt-free, runs on a worker).

Issue-level processing (crop, deskew, size limits) plugs in here; today a page is encoded
as a JPEG at the scan resolution plus a small thumbnail, so the GUI thread never decodes a
full page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drivers.scanner.interface import ScannedPage

JPEG_QUALITY = 85
THUMBNAIL_HEIGHT = 360


class UnreadableImage(Exception):
    """The page cannot be used: the usager is asked to scan it again."""


@dataclass(frozen=True)
class PageImage:
    jpeg: bytes
    thumbnail_jpeg: bytes
    width: int
    height: int
    resolution_dpi: int


def encode_page(page: ScannedPage) -> PageImage:
    image = page.image
    if image is None or image.size == 0 or image.ndim not in (2, 3):
        raise UnreadableImage("empty page")
    if float(image.std()) < 2.0:
        # A uniform page (lid open on nothing, all black): nothing legible was captured.
        raise UnreadableImage("uniform page")
    return _encode(image, page.resolution_dpi)


def rotate_page(page: PageImage) -> PageImage:
    """The page turned a quarter clockwise (a document scanned sideways)."""
    import cv2
    import numpy as np

    image = cv2.imdecode(np.frombuffer(page.jpeg, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise UnreadableImage("cannot decode the page")
    return _encode(cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE), page.resolution_dpi)


def _encode(image: Any, dpi: int) -> PageImage:
    import cv2  # imported here: OpenCV costs ~100 ms at start-up and only scans need it

    height, width = image.shape[:2]
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    scale = THUMBNAIL_HEIGHT / height
    thumbnail = cv2.resize(
        image, (max(1, round(width * scale)), THUMBNAIL_HEIGHT), interpolation=cv2.INTER_AREA
    )
    ok_thumb, thumb_jpeg = cv2.imencode(".jpg", thumbnail, [cv2.IMWRITE_JPEG_QUALITY, 80])
    if not (ok and ok_thumb):
        raise UnreadableImage("encoding failed")
    return PageImage(jpeg.tobytes(), thumb_jpeg.tobytes(), width, height, dpi)
