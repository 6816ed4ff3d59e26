"""Taking the identity photo: live guidance and automatic capture on the camera worker.

``PortraitCamera.run`` is the camera worker's loop. Each frame is analysed
(``kiosk.portrait.PortraitAnalyser``: one face, centred, size, tilt, light, sharpness,
background, eyes) and handed to ``on_view`` as a small mirrored copy with the analysis and,
once every check has held for a moment, a countdown. At zero the frame is checked again in
full (``analyse_still``, slower and stricter); if it passes it is cropped to 35 x 45 mm and
given to ``on_photo``, and the loop pauses until ``resume`` (the usager's "Recommencer") or
cancel. A still that fails the full check restarts the guidance with what is wrong.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drivers.camera.interface import Camera
from drivers.cancel import CancelToken
from drivers.errors import DeviceError
from kiosk.camera_capture import PREVIEW_WIDTH, preview_copy

if TYPE_CHECKING:
    from kiosk.page_processing import Image
    from kiosk.portrait import Analysis, PortraitAnalyser

STEADY_S = 0.6  # every check must hold this long before the countdown starts...
COUNTDOWN_S = 3  # ...then "3, 2, 1": time to keep still, as a photographer would say
PHOTO_DPI = 300  # 35 x 45 mm at 300 dpi: 413 x 531 px, the ANTS upload's size
MAX_PHOTO_BYTES = 300_000
THUMBNAIL_HEIGHT = 360
REJECTED_SHOWN_S = 2.5  # how long what the full check found stays on screen
LOG = logging.getLogger("kiosk.portrait_capture")


@dataclass(frozen=True)
class LiveView:
    frame: Image  # small, mirrored BGR copy for the preview
    analysis: Analysis  # in the full frame's pixels (not mirrored)
    scale: float  # preview pixels per frame pixel
    countdown: int | None  # seconds left before the photo, None while guiding


@dataclass(frozen=True)
class Portrait:
    jpeg: bytes  # the 35 x 45 mm photo
    thumbnail_jpeg: bytes
    width: int
    height: int
    analysis: Analysis  # the full check of the still it was cropped from


class AutoCapture:
    """When to take the photo: all checks held for ``steady_s``, then a countdown; any
    failing frame starts over (a blink or a turn of the head during "2" cancels it)."""

    def __init__(self, steady_s: float | None = None, countdown_s: int | None = None) -> None:
        # Read at construction, not at import: a benchmark may hold the countdown off.
        self.steady_s = STEADY_S if steady_s is None else steady_s
        self.countdown_s = COUNTDOWN_S if countdown_s is None else countdown_s
        self._ok_since: float | None = None

    def reset(self) -> None:
        self._ok_since = None

    def update(self, ok: bool, now: float) -> tuple[int | None, bool]:
        """(seconds left to show, or None; True when the photo is to be taken now)."""
        if not ok:
            self._ok_since = None
            return None, False
        if self._ok_since is None:
            self._ok_since = now
        held = now - self._ok_since
        if held < self.steady_s:
            return None, False
        left = self.steady_s + self.countdown_s - held
        if left <= 0:
            self._ok_since = None
            return 0, True
        return int(left) + 1, False


class PortraitCamera:
    def __init__(
        self,
        camera: Camera,
        cancel: CancelToken,
        on_view: Callable[[LiveView], None],
        on_photo: Callable[[Portrait], None],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._camera = camera
        self._cancel = cancel
        self._on_view = on_view
        self._on_photo = on_photo
        self._clock = clock
        self._auto = AutoCapture()
        self._paused = threading.Event()  # a photo is on screen: wait for "Recommencer"
        self._blocked = threading.Event()  # a dialog covers the view: guide, never shoot
        self._forced = threading.Event()  # a médiateur's override: take the next face
        # The full check of the last still failed: what it found is shown for a while (the
        # live checks pass, so they alone would only say "Parfait" and count down again).
        self._rejected: Analysis | None = None
        self._rejected_until = 0.0

    def resume(self) -> None:
        """Any thread: the usager wants another photo."""
        self._auto.reset()
        self._paused.clear()

    def take_anyway(self) -> None:
        """A médiateur's override: the next frame with a face is taken even if a check fails
        (medical glasses, a child who cannot keep still...). The photo's analysis keeps what
        failed, for the record the override goes with."""
        self._forced.set()

    def disarm(self) -> None:
        self._forced.clear()

    def block(self, blocked: bool) -> None:
        """Any thread: while a dialog covers the view (Quitter, the idle warning), no
        countdown and no photo."""
        if blocked:
            self._blocked.set()
            self._auto.reset()
        else:
            self._blocked.clear()

    def run(self) -> None:
        # Built here, on the worker: loading the cascades must not cost the GUI thread.
        from kiosk.portrait import PortraitAnalyser

        analyser = PortraitAnalyser()
        is_open = False
        try:
            while not self._cancel.cancelled:
                if self._paused.is_set():
                    if is_open:
                        # The photo waits for "Valider": the camera (and its light) is off
                        # meanwhile, and "Recommencer" starts from fresh frames.
                        self._camera.close()
                        is_open = False
                    self._cancel.wait(0.05)
                    continue
                if not is_open:
                    self._camera.open()
                    is_open = True
                    analyser.reset()
                frame = self._camera.read().image
                try:
                    self._step(analyser, frame)
                except DeviceError:
                    raise
                except Exception:
                    # One odd frame (or a bug in its analysis) is skipped: the next one
                    # comes 33 ms later. It never costs the usager the session.
                    LOG.exception("portrait frame analysis failed")
                    self._auto.reset()
        finally:
            self._camera.close()

    def _step(self, analyser: PortraitAnalyser, frame: Image) -> None:
        import cv2
        import numpy as np

        now = self._clock()
        analysis = analyser.analyse(frame)
        if self._rejected is not None and now < self._rejected_until:
            analysis = self._rejected  # what the full check found, for a moment
        else:
            self._rejected = None
        ready = analysis.ok and not self._blocked.is_set()
        countdown, take = self._auto.update(ready, now)
        small, scale = preview_copy(frame, PREVIEW_WIDTH)
        # Mirrored as a mirror is: the usager moves left to go left on the screen.
        mirrored = np.asarray(cv2.flip(small, 1), np.uint8)
        self._on_view(LiveView(mirrored, analysis, scale, countdown))
        if self._forced.is_set() and analysis.face is not None and not self._blocked.is_set():
            self._forced.clear()
            self._take(frame, forced=True)
        elif take:
            self._take(frame)

    def _take(self, frame: Image, forced: bool = False) -> None:
        from kiosk.portrait import analyse_still

        still = analyse_still(frame)
        if (not still.ok and not forced) or still.face is None:
            self._rejected, self._rejected_until = still, self._clock() + REJECTED_SHOWN_S
            self._auto.reset()
            return
        portrait = make_portrait(frame, still)  # may fail: then the guidance goes on
        self._paused.set()
        self._on_photo(portrait)


def make_portrait(frame: Image, still: Analysis) -> Portrait:
    """The 35 x 45 mm photo cropped from ``frame`` around the face ``still`` found."""
    import cv2
    import numpy as np

    from kiosk.portrait import crop_portrait, encode_portrait

    if still.face is None:
        raise ValueError("no face to crop around")
    photo = crop_portrait(frame, still.face, PHOTO_DPI)
    jpeg = encode_portrait(photo, MAX_PHOTO_BYTES)
    height, width = photo.shape[:2]
    scale = THUMBNAIL_HEIGHT / height
    small = cv2.resize(
        photo, (round(width * scale), THUMBNAIL_HEIGHT), interpolation=cv2.INTER_AREA
    )
    ok, thumbnail = cv2.imencode(".jpg", np.asarray(small), [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise ValueError("thumbnail encoding failed")
    return Portrait(jpeg, thumbnail.tobytes(), int(width), int(height), still)
