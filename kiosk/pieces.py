"""Turning scanned pages into the images kept in a session (Qt-free, runs on a worker).

Each page is checked (an unusable one asks for a new scan), cropped to the document,
straightened and encoded as a JPEG within the size limit (kiosk.page_processing), with a
small thumbnail so that the GUI thread never decodes a full page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drivers.scanner.interface import ScannedPage
    from kiosk.page_processing import Orienter

JPEG_QUALITY = 85
THUMBNAIL_HEIGHT = 360
# What the backend accepts per page of a pièce by default (the 2 MB per file).
MAX_PAGE_BYTES = 2_000_000


class UnreadableImage(Exception):
    """The page cannot be used: the usager is asked to scan it again."""


class PageOverLimit(UnreadableImage):
    """Even at 200 dpi and the lowest quality, the page exceeds the démarche's file limit:
    scanning again will not help (a limit set too low for the pièce's pages), the médiateur
    must be called and IT told."""


@dataclass(frozen=True)
class PageImage:
    jpeg: bytes
    thumbnail_jpeg: bytes
    width: int
    height: int
    resolution_dpi: int
    side: str = "front"  # "back": the verso of a sheet scanned in duplex
    blank: bool = False  # nothing on it: shown to the usager, who decides


def encode_page(
    page: ScannedPage, max_bytes: int = MAX_PAGE_BYTES, orient: Orienter | None = None
) -> PageImage:
    """A scanned page cropped, straightened, turned upright (``orient``, when given) and
    encoded within ``max_bytes``."""
    import cv2
    import numpy as np

    from kiosk.page_processing import PageProcessingError, PageTooLarge, process_page

    try:
        processed = process_page(page.image, page.resolution_dpi, max_bytes, orient=orient)
    except PageTooLarge as exc:
        raise PageOverLimit(str(exc)) from exc
    except PageProcessingError as exc:
        # Empty, absurd, all black (the lid open on nothing), or too detailed to fit: the
        # usager is asked to scan again.
        raise UnreadableImage(str(exc)) from exc
    # The thumbnail from the processed page, decoded at an eighth of its size (cheap).
    small = cv2.imdecode(np.frombuffer(processed.jpeg, np.uint8), cv2.IMREAD_REDUCED_COLOR_8)
    if small is None:
        raise UnreadableImage("encoding failed")
    return PageImage(
        processed.jpeg,
        _thumbnail_jpeg(small),
        processed.width,
        processed.height,
        processed.dpi,
        side=page.side,
        blank=processed.blank,
    )


def rotate_page(page: PageImage, max_bytes: int = MAX_PAGE_BYTES) -> PageImage:
    """The page turned a quarter clockwise (a document scanned sideways), still within
    ``max_bytes`` (re-encoding at a fixed quality could exceed the démarche's limit)."""
    import cv2
    import numpy as np

    from kiosk.page_processing import PageTooLarge, encode_within

    image = cv2.imdecode(np.frombuffer(page.jpeg, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise UnreadableImage("cannot decode the page")
    turned = np.asarray(cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE), np.uint8)
    try:
        # The page is already at its final resolution: never below it, never above.
        jpeg, dpi = encode_within(turned, max_bytes, page.resolution_dpi, page.resolution_dpi)
    except PageTooLarge as exc:
        raise PageOverLimit(str(exc)) from exc
    height, width = turned.shape[:2]
    return PageImage(
        jpeg, _thumbnail_jpeg(turned), width, height, dpi, side=page.side, blank=page.blank
    )


def _thumbnail_jpeg(image: Any) -> bytes:
    import cv2

    height, width = image.shape[:2]
    scale = THUMBNAIL_HEIGHT / height
    size = (max(1, round(width * scale)), THUMBNAIL_HEIGHT)
    thumbnail = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", thumbnail, [cv2.IMWRITE_JPEG_QUALITY, 80])
    if not ok:
        raise UnreadableImage("encoding failed")
    return bytes(data.tobytes())
