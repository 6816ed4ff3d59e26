"""A simulated camera: synthetic frames, or a video file played through OpenCV.

Tests replace a USB camera with a video file read by the same ``cv2.VideoCapture`` API the
real driver uses; the demo uses synthetic frames (a gradient, a moving disc, a counter), or
with ``scene="document"`` an A4 page lying on a desk (``document_scene``) for the photographed
pièces: drawn once at ``open()``, each frame only adds fresh sensor noise and a one-pixel
shake, so ``read()`` stays at ~1-2 ms.
``read()`` keeps the configured cadence, as a real camera does, so the UI's frame pacing and
timeouts are exercised. Fault knobs: ``unplugged`` -> DeviceNotFound from ``open()``; a
"disconnected" (one-shot or sticky) -> DeviceDisconnected from ``read()``; ``delay_s`` is
extra latency per frame.
"""

from __future__ import annotations

import math
import time
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drivers.camera.interface import Camera, CameraInfo, Frame
from drivers.errors import DeviceDisconnected, DeviceNotFound
from drivers.faults import FaultKnobs, fault_error

if TYPE_CHECKING:
    import numpy as np

SCENES = ("default", "document", "portrait")
_SHAKE_PX = 1  # the document scene moves by up to this much between frames
_NOISE_FRAMES = 4  # distinct noise patterns cycled through (drawing fresh noise costs ~10 ms)


class SimulatedCamera(Camera):
    """Synthetic frames of ``width`` x ``height`` at ``fps``, or frames of ``video_path``.

    With a video file the frame size is the file's (as a real camera that cannot honour the
    requested mode); the file's own rate is used when it declares one. It loops at the end.
    """

    def __init__(
        self,
        knobs: FaultKnobs | None = None,
        *,
        width: int = 1280,
        height: int = 720,
        fps: float = 30.0,
        video_path: Path | None = None,
        name: str = "Caméra simulée",
        scene: str = "default",
        seed: int = 0,
    ) -> None:
        if fps <= 0:
            raise ValueError("fps must be positive")
        if scene not in SCENES:
            raise ValueError(f"scene must be one of {', '.join(SCENES)}")
        self.scene = scene
        self.seed = seed  # the document scene's page, desk and pose
        self.knobs = knobs if knobs is not None else FaultKnobs()
        self.video_path = video_path
        self.name = name
        self._info = CameraInfo(name=name, width=width, height=height, fps=fps)
        self._capture: Any = None  # cv2.VideoCapture when playing a file
        self._background: np.ndarray | None = None
        self._noise: list[np.ndarray] = []
        self._is_open = False
        self._frame_no = 0
        self._next_due = 0.0

    def open(self) -> CameraInfo:
        self.knobs.check_present(self.name)
        if self.video_path is not None:
            self._info = self._open_video(self.video_path)
        elif self.scene in ("document", "portrait"):
            self._background, self._noise = _still_scene(
                self.scene, self._info.width, self._info.height, self.seed
            )
        else:
            self._background = _gradient(self._info.width, self._info.height)
        self._is_open = True
        self._frame_no = 0
        self._next_due = time.monotonic()
        return self._info

    def read(self) -> Frame:
        if not self._is_open:
            raise DeviceDisconnected(self.name, "camera is not open")
        fault = self.knobs.take(lambda code: code == "disconnected")
        if fault:
            raise fault_error(fault, self.name)
        self._wait_for_cadence()
        self.knobs.wait_delay()
        image = self._next_video_frame() if self._capture is not None else self._synthetic()
        self._frame_no += 1
        return Frame(image=image, timestamp=time.monotonic())

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None
        self._background = None
        self._noise = []
        self._is_open = False

    def _wait_for_cadence(self) -> None:
        """Sleep until the next frame is due; a late reader is not made to catch up."""
        now = time.monotonic()
        if self._next_due > now:
            time.sleep(self._next_due - now)
            now = self._next_due
        self._next_due = now + 1.0 / self._info.fps

    def _open_video(self, path: Path) -> CameraInfo:
        import cv2

        capture = cv2.VideoCapture(str(path))
        if not capture.isOpened():
            capture.release()
            raise DeviceNotFound(self.name, f"cannot open video {path.name}")
        self._capture = capture
        file_fps = float(capture.get(cv2.CAP_PROP_FPS))
        return CameraInfo(
            name=self.name,
            width=int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            height=int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            fps=file_fps if file_fps > 0 else self._info.fps,
        )

    def _next_video_frame(self) -> np.ndarray:
        import cv2

        ok, image = self._capture.read()
        if not ok:  # end of file: loop, as a camera never runs out of frames
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, image = self._capture.read()
        if not ok:
            raise DeviceDisconnected(self.name, "video file yields no frame")
        return image  # type: ignore[no-any-return]

    def _synthetic(self) -> np.ndarray:
        import cv2

        if self._background is None:  # closed meanwhile from another thread (shutdown)
            raise DeviceDisconnected(self.name, "camera closed")
        if self._noise:
            return self._document_frame()
        image = self._background.copy()
        width, height = self._info.width, self._info.height
        # A disc on a Lissajous path: motion that preview and pacing tests can see.
        t = self._frame_no / self._info.fps
        centre = (
            int(width / 2 + width / 3 * math.sin(1.3 * t)),
            int(height / 2 + height / 3 * math.sin(2.1 * t)),
        )
        cv2.circle(image, centre, max(8, height // 10), (40, 160, 230), -1, cv2.LINE_AA)
        label = f"{_ascii(self.name)} #{self._frame_no}"
        cv2.putText(
            image, label, (20, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2, cv2.LINE_AA
        )
        return image

    def _document_frame(self) -> np.ndarray:
        """The still scene seen through a shaking window, with the next noise pattern."""
        import cv2
        import numpy as np

        if self._background is None:
            raise DeviceDisconnected(self.name, "camera closed")
        width, height = self._info.width, self._info.height
        # A deterministic wander over the (2 * shake + 1)^2 positions the margin allows.
        dx = (self._frame_no * 7) % (2 * _SHAKE_PX + 1)
        dy = (self._frame_no * 3 // 2) % (2 * _SHAKE_PX + 1)
        window = self._background[dy : dy + height, dx : dx + width]
        noise = self._noise[self._frame_no % len(self._noise)]
        return np.asarray(cv2.add(window, noise), np.uint8)


def _still_scene(
    kind: str, width: int, height: int, seed: int
) -> tuple[np.ndarray, list[np.ndarray]]:
    """A scene (a sheet on a desk, or a person for the identity photo) ``2 * _SHAKE_PX``
    larger than the frame, and noise patterns for it."""
    import cv2
    import numpy as np

    from drivers.camera.document_scene import render_document_scene
    from drivers.camera.portrait_scene import render_portrait_scene

    rng = np.random.default_rng(seed)
    margin = 2 * _SHAKE_PX
    if kind == "portrait":
        scene = render_portrait_scene(width + margin, height + margin)
    else:
        scene = render_document_scene(width + margin, height + margin, rng).image
    noise = []
    for _ in range(_NOISE_FRAMES):
        pattern = np.empty((height, width, 3), np.uint8)
        cv2.randu(pattern, np.zeros(3), np.full(3, 5.0))  # 0-4 levels, on the scene's own noise
        noise.append(pattern)
    return scene, noise


def _gradient(width: int, height: int) -> np.ndarray:
    """A blue-to-grey vertical gradient, built once per open (copying it is ~1 ms)."""
    import cv2
    import numpy as np

    column = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    top = np.array([120, 80, 40], np.float32)
    bottom = np.array([200, 200, 190], np.float32)
    strip = (top + (bottom - top) * column).astype(np.uint8)[:, None, :]  # H x 1 x 3
    return cv2.resize(strip, (width, height), interpolation=cv2.INTER_NEAREST)


def _ascii(text: str) -> str:
    """``text`` without accents: OpenCV's Hershey fonts only draw ASCII."""
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")
