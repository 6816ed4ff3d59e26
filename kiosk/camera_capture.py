"""Photographing a document with the kiosk's camera, when there is no scanner (Qt-free).

``DocumentCamera.run`` is the camera worker's loop: it opens the camera, hands a small copy
of the frames to ``on_preview`` (a live view, a dozen times a second, never the full frame
to the GUI) and, when ``capture`` is asked from any thread, keeps a short burst of frames,
picks the sharpest, flattens the document found in it (kiosk.document_photo) and processes
it as a scanned page. It stops when its cancel token fires, and always closes the camera.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from drivers.camera.interface import Camera
from drivers.cancel import CancelToken
from drivers.scanner.interface import ScannedPage
from kiosk.page_processing import Orienter
from kiosk.pieces import PageImage, UnreadableImage, encode_page

if TYPE_CHECKING:
    from kiosk.page_processing import Image

LOG = logging.getLogger("kiosk.camera_capture")

PREVIEW_WIDTH = 640
PREVIEW_INTERVAL_S = 1 / 12  # a smooth enough view; more would only load the GUI thread
BURST_FRAMES = 5  # autofocus hunting and a moving hand blur some frames of any burst

PreviewSink = Callable[["Image"], None]


class DocumentCamera:
    def __init__(
        self,
        camera: Camera,
        cancel: CancelToken,
        on_preview: PreviewSink,
        *,
        max_bytes: int,
        orient: Orienter | None = None,
    ) -> None:
        self._camera = camera
        self._cancel = cancel
        self._on_preview = on_preview
        self._max_bytes = max_bytes
        self._orient = orient
        self._lock = threading.Lock()
        self._request: Future[PageImage] | None = None
        self._stopped: BaseException | None = None  # why the loop ended, once it has

    def capture(self) -> Future[PageImage]:
        """Ask for a photo (any thread); the future fails with ``UnreadableImage`` when no
        whole, sharp document is in view, or with the camera's ``DeviceError``."""
        with self._lock:
            if self._stopped is not None:  # the loop has ended: nobody would answer
                failed: Future[PageImage] = Future()
                failed.set_exception(self._stopped)
                return failed
            if self._request is None or self._request.done():
                self._request = Future()
            return self._request

    def run(self) -> None:
        """The camera worker's loop, until cancelled; a pending capture fails on error."""
        try:
            self._camera.open()
            self._loop()
        except BaseException as exc:
            self._end(exc)
            raise
        finally:
            self._camera.close()
        self._end(None)

    def _loop(self) -> None:

        last_preview = 0.0
        while not self._cancel.cancelled:
            frame = self._camera.read().image
            now = time.monotonic()
            if now - last_preview >= PREVIEW_INTERVAL_S:
                last_preview = now
                self._on_preview(preview_copy(frame)[0])
            request = self._pending()
            if request is not None:
                self._take(request, frame)

    def _pending(self) -> Future[PageImage] | None:
        with self._lock:
            request = self._request
        return request if request is not None and not request.done() else None

    def _take(self, request: Future[PageImage], first: Image) -> None:
        frames = [first] + [self._camera.read().image for _ in range(BURST_FRAMES - 1)]
        try:
            request.set_result(photograph(frames, self._max_bytes, self._orient))
        except UnreadableImage as exc:
            request.set_exception(exc)
        except Exception as exc:
            # A processing bug costs this photo, not the session: logged, asked again.
            LOG.exception("document photo processing failed")
            request.set_exception(UnreadableImage(f"processing failed: {type(exc).__name__}"))

    def _end(self, error: BaseException | None) -> None:
        """The loop is over: the pending photo and any later request fail with ``error``."""
        from drivers.errors import OperationCancelled

        stopped = error or OperationCancelled("camera", "preview stopped")
        with self._lock:
            self._stopped = stopped
            request = self._request
        if request is not None and not request.done():
            request.set_exception(stopped)


def preview_copy(frame: Image, width: int = PREVIEW_WIDTH) -> tuple[Image, float]:
    """A ``width``-pixel-wide copy of a camera frame for the live view, and its scale: the
    GUI thread never receives (nor converts) a full frame."""
    import cv2
    import numpy as np

    height, full_width = frame.shape[:2]
    scale = width / full_width
    small = cv2.resize(frame, (width, round(height * scale)), interpolation=cv2.INTER_AREA)
    return np.asarray(small, np.uint8), scale


def photograph(frames: list[Any], max_bytes: int, orient: Orienter | None = None) -> PageImage:
    """The sharpest of ``frames``, its document flattened and processed like a scanned page.

    Raise ``UnreadableImage`` (with the reason: no whole document in view, blurred...).
    """
    from kiosk.document_photo import rectify_document, sharpest
    from kiosk.page_processing import PageProcessingError

    try:
        flat, dpi = rectify_document(sharpest(frames))
    except PageProcessingError as exc:
        raise UnreadableImage(str(exc)) from exc
    return encode_page(ScannedPage(0, flat, dpi), max_bytes, orient)
