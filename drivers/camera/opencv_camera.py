"""Real cameras through OpenCV's V4L2 backend, and video files played as if they were one.

``device`` is a V4L2 index (``"0"`` means ``/dev/video0``), a device path (``/dev/video2``,
or better a stable ``/dev/v4l/by-id/usb-…-video-index0`` link, which survives a re-plug and
a change of USB port), or a video file (tests and demos). Live devices go through
``cv2.CAP_V4L2`` only: letting OpenCV try every backend (GStreamer, FFmpeg, obsensor...) is
slower and hides which one failed.

Opening checks the node before OpenCV touches it (VIDIOC_QUERYCAP), so each failure gets the
typed error that says what to do about it:

- no such node, not a V4L2 node, a metadata node (a UVC camera has two /dev/videoN, only
  the first gives pictures), permission denied -> ``DeviceNotFound``: retrying cannot help,
  someone must fix the configuration or the cabling;
- a capture node that OpenCV cannot set up -> ``DeviceBusy``: V4L2 lets several processes
  open a node, but setting the format or the buffers of one that another program streams
  from fails with EBUSY, and that is the usual cause (a second kiosk instance, a leftover
  preview still releasing it): waiting and retrying does help;
- set up, but no frame within ``first_frame_timeout_s`` -> ``DeviceTimeout``: the device
  answered every request yet sends no picture (a stalled firmware, a USB hub without the
  bandwidth for the mode). "Busy" would send IT staff looking for another program that is
  not there.

The mode is negotiated, never imposed: MJPG first (USB webcams give 720p at 30 fps only in
MJPG, YUYV stops at ~10 fps at that size), then the size, then the rate; what the device
actually gives is read back and returned, and a camera that cannot honour the request is not
an error. A failed grab on a live device means it went away (uvcvideo answers ENODEV at
once on unplug): ``read()`` closes it and reopens the same index or path with backoff for up
to ``reconnect_s`` before raising ``DeviceDisconnected``. A video file loops at its end and
is paced at its own frame rate, as the simulator does, so a demo can run indefinitely.

Thread-safety: meant for a single worker thread (the kiosk's camera executor) that calls
``open``, ``read`` and ``close``. The one exception is ``close()`` from another thread
(``Devices.shutdown`` does that): it wakes a reconnection wait and waits for the grab in
progress (at most one V4L2 select timeout) instead of releasing the capture under it, which
would crash inside OpenCV.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import math
import os
import struct
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drivers.camera.interface import Camera, CameraInfo, Frame
from drivers.errors import (
    DeviceBusy,
    DeviceDisconnected,
    DeviceError,
    DeviceNotFound,
    DeviceTimeout,
)

if TYPE_CHECKING:
    import numpy as np

LOG = logging.getLogger("drivers.camera.opencv")
DEVICE = "camera"

# OpenCV's V4L2 backend waits this long in select() for each frame before a grab fails. Its
# default, 10 s, would freeze the live view that long on a stalled camera. OpenCV reads the
# variable once, at the first wait of the process: set here, at import, before any capture
# exists, and only if IT staff have not set it themselves.
SELECT_TIMEOUT_S = 2
os.environ.setdefault("OPENCV_VIDEOIO_V4L_SELECT_TIMEOUT", str(SELECT_TIMEOUT_S))

_FIRST_FRAME_RETRY_S = 0.05  # between first-frame attempts that failed at once
_BACKOFF_START_S = 0.1  # first wait before reopening a camera that went away
_BACKOFF_MAX_S = 1.0  # a re-plugged camera is found within a second of its node appearing

# linux/videodev2.h
_VIDIOC_QUERYCAP = 0x80685600  # _IOR('V', 0, struct v4l2_capability), 104 bytes
_V4L2_CAPABILITY_SIZE = 104
_V4L2_CAP_VIDEO_CAPTURE = 0x00000001
_V4L2_CAP_VIDEO_CAPTURE_MPLANE = 0x00001000
_V4L2_CAP_DEVICE_CAPS = 0x80000000


@dataclass(frozen=True)
class V4L2Capability:
    """What VIDIOC_QUERYCAP says of a node: its card name and the node's own capabilities."""

    driver: str
    card: str
    capabilities: int

    @property
    def captures_video(self) -> bool:
        return bool(self.capabilities & (_V4L2_CAP_VIDEO_CAPTURE | _V4L2_CAP_VIDEO_CAPTURE_MPLANE))


def parse_capability(raw: bytes) -> V4L2Capability:
    """Decode a ``struct v4l2_capability``. The node's own ``device_caps`` are used when the
    driver fills them: ``capabilities`` covers the whole device, so a UVC camera's metadata
    node would otherwise claim to capture video too."""
    driver = raw[0:16].split(b"\0", 1)[0].decode("utf-8", "replace")
    card = raw[16:48].split(b"\0", 1)[0].decode("utf-8", "replace")
    capabilities, device_caps = struct.unpack_from("=II", raw, 84)
    own = device_caps if capabilities & _V4L2_CAP_DEVICE_CAPS else capabilities
    return V4L2Capability(driver, card, own)


def query_v4l2(node: str) -> V4L2Capability:
    """VIDIOC_QUERYCAP on ``node``; raises OSError (ENOTTY: not a V4L2 node). Opening a node
    another program streams from is allowed by V4L2 and does not disturb it."""
    fd = os.open(node, os.O_RDWR | os.O_NONBLOCK)
    try:
        buffer = bytearray(_V4L2_CAPABILITY_SIZE)
        fcntl.ioctl(fd, _VIDIOC_QUERYCAP, buffer, True)
    finally:
        os.close(fd)
    return parse_capability(bytes(buffer))


def to_bgr(image: np.ndarray) -> np.ndarray:
    """``image`` as 8-bit BGR (H x W x 3): gray and BGRA frames are converted, 16-bit ones
    (some industrial and depth cameras) keep their 8 high bits."""
    import cv2
    import numpy as np

    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise DeviceError(DEVICE, f"unexpected frame type {image.dtype}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), np.uint8)
    if image.ndim == 3 and image.shape[2] == 4:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGRA2BGR), np.uint8)
    if image.ndim == 3 and image.shape[2] == 3:
        return np.ascontiguousarray(image)
    raise DeviceError(DEVICE, f"unexpected frame shape {image.shape}")


def _fourcc_text(value: float) -> str:
    code = int(value) if math.isfinite(value) and value > 0 else 0
    text = "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4))
    return text if text.isprintable() and code else "?"


class OpenCVCamera(Camera):
    """A V4L2 camera (or a video file) read through ``cv2.VideoCapture``.

    ``width`` x ``height`` at ``fps`` is asked for, and what the device gives is kept (see
    ``info``). ``reconnect_s``: how long ``read()`` keeps reopening a camera that went away
    before raising ``DeviceDisconnected`` (0: at once). ``first_frame_timeout_s``: how long
    ``open()`` waits for the first frame; some webcams take a second or more after STREAMON.

    Reconnection reopens the same index or path. A camera re-plugged while another video
    device appeared, or while this process still held its old node, comes back under
    another /dev/videoN and is not found again: configure a ``/dev/v4l/by-id/...`` path,
    which names the camera itself, to be immune to that.
    """

    def __init__(
        self,
        device: str,
        *,
        width: int = 1280,
        height: int = 720,
        fps: float = 30.0,
        reconnect_s: float = 5.0,
        first_frame_timeout_s: float = 3.0,
    ) -> None:
        device = device.strip()
        if not device:
            raise ValueError("device must be an index, a /dev path or a video file")
        if width <= 0 or height <= 0 or fps <= 0:
            raise ValueError("width, height and fps must be positive")
        if reconnect_s < 0 or first_frame_timeout_s <= 0:
            raise ValueError("reconnect_s must be >= 0 and first_frame_timeout_s positive")
        self.device = device
        self.live = device.isdigit() or device.startswith("/dev/")
        # V4L2's index N is /dev/videoN (OpenCV builds the same path).
        self.node = f"/dev/video{int(device)}" if device.isdigit() else device
        self.width = width
        self.height = height
        self.fps = fps
        self.reconnect_s = reconnect_s
        self.first_frame_timeout_s = first_frame_timeout_s
        self._capture: Any = None  # cv2.VideoCapture while open
        self._info: CameraInfo | None = None
        self._pending: tuple[np.ndarray, float] | None = None  # the frame open() checked
        self._next_due = 0.0  # file playback: when the next frame is due
        self._lock = threading.Lock()  # the capture, between the worker and close()
        self._closing = threading.Event()  # set by close(): stop reconnecting

    def present(self) -> bool:
        """Whether the node (or file) exists right now: a ``stat``, cheap enough for a status
        screen on the GUI thread. It does not say the camera gives pictures; ``open()`` does.
        Nothing is opened ahead of use, so a camera plugged in after start-up is simply
        found by the next ``open()``."""
        return os.path.exists(self.node)

    @property
    def info(self) -> CameraInfo | None:
        """The mode in use; after a reconnection it may differ from what ``open()`` said."""
        return self._info

    # -- Camera ------------------------------------------------------------------------
    def open(self) -> CameraInfo:
        with self._lock:
            self._closing.clear()
            self._release()
            capture, image, stamp, info = self._connect()
            self._capture, self._info = capture, info
            self._pending = (image, stamp)  # a real frame: the first read() returns it
            self._next_due = stamp + 1.0 / info.fps
            return info

    def read(self) -> Frame:
        with self._lock:
            if self._capture is None:
                raise DeviceDisconnected(DEVICE, "camera is not open")
            if self._pending is not None:
                (image, stamp), self._pending = self._pending, None
                return Frame(image, stamp)
            if not self.live:
                self._wait_for_cadence()
            raw = self._grab(self._capture)
            if raw is None:
                raw = self._reconnect()
            return Frame(to_bgr(raw), time.monotonic())

    def close(self) -> None:
        self._closing.set()  # wakes a reconnection wait on the worker, if any
        with self._lock:
            self._release()
            self._pending = None

    # -- opening -----------------------------------------------------------------------
    def _new_capture(self, node: str, api: int | None) -> Any:
        """A ``cv2.VideoCapture``; the one seam tests use to fake an unplugged camera."""
        import cv2

        return cv2.VideoCapture(node) if api is None else cv2.VideoCapture(node, api)

    def _connect(self) -> tuple[Any, np.ndarray, float, CameraInfo]:
        """Open, negotiate and check the source: (capture, first frame, its time, mode)."""
        return self._connect_live() if self.live else self._connect_file()

    def _connect_live(self) -> tuple[Any, np.ndarray, float, CameraInfo]:
        import cv2

        node = self.node
        capability = self._check_node(node)
        try:
            capture = self._new_capture(node, cv2.CAP_V4L2)
        except cv2.error as exc:
            raise DeviceBusy(DEVICE, f"{node}: {exc}") from exc
        if not capture.isOpened():
            capture.release()
            raise DeviceBusy(
                DEVICE, f"{node} cannot be set up: another program is probably using it"
            )
        try:
            self._negotiate(capture)
            image = self._first_live_frame(capture)
            stamp = time.monotonic()
            fps = float(capture.get(cv2.CAP_PROP_FPS))
            fourcc = _fourcc_text(float(capture.get(cv2.CAP_PROP_FOURCC)))
        except BaseException:
            capture.release()
            raise
        if not math.isfinite(fps) or fps <= 0:  # VIDIOC_G_PARM unsupported: trust the request
            fps = self.fps
        height, width = image.shape[:2]
        name = f"{capability.card} ({node})" if capability.card else node
        LOG.info(
            "camera %s: %dx%d at %.4g fps in %s (asked %dx%d at %.4g fps in MJPG)",
            *(name, width, height, fps, fourcc, self.width, self.height, self.fps),
        )
        return capture, image, stamp, CameraInfo(name, width, height, fps)

    @staticmethod
    def _check_node(node: str) -> V4L2Capability:
        """The node's capability, or the typed error that explains why it is not a camera."""
        if not os.path.exists(node):  # also a by-id link whose camera is unplugged
            raise DeviceNotFound(DEVICE, f"no {node}")
        try:
            capability = query_v4l2(node)
        except PermissionError as exc:
            raise DeviceNotFound(
                DEVICE, f"{node}: permission denied (is the kiosk's user in group 'video'?)"
            ) from exc
        except OSError as exc:
            if exc.errno == errno.EBUSY:  # drivers that allow a single open
                raise DeviceBusy(DEVICE, f"{node} is held by another program") from exc
            raise DeviceNotFound(DEVICE, f"{node} is not a V4L2 camera ({exc.strerror})") from exc
        if not capability.captures_video:
            raise DeviceNotFound(
                DEVICE,
                f"{node} ({capability.card}) gives no video: a metadata node? "
                "a camera's first /dev/videoN is the one that gives pictures",
            )
        return capability

    def _negotiate(self, capture: Any) -> None:
        """Ask for MJPG, then the size, then the rate; refusals are not errors. The order
        matters: the sizes and rates a webcam offers depend on the pixel format."""
        import cv2

        asked = (
            (cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG")),
            (cv2.CAP_PROP_FRAME_WIDTH, self.width),
            (cv2.CAP_PROP_FRAME_HEIGHT, self.height),
            (cv2.CAP_PROP_FPS, self.fps),
        )
        for prop, value in asked:
            try:
                accepted = bool(capture.set(prop, float(value)))
            except cv2.error:
                accepted = False
            if not accepted:
                LOG.debug("camera %s refused property %d = %s", self.node, prop, value)

    def _first_live_frame(self, capture: Any) -> np.ndarray:
        """The first frame, proving the node delivers. Failed grabs are retried until the
        timeout: some webcams send a few unusable frames right after STREAMON."""
        deadline = time.monotonic() + self.first_frame_timeout_s
        while True:
            image = self._grab(capture)
            if image is not None:
                return to_bgr(image)
            if time.monotonic() >= deadline:
                raise DeviceTimeout(
                    DEVICE,
                    f"{self.node} opened but sent no frame within {self.first_frame_timeout_s:g} s",
                )
            time.sleep(_FIRST_FRAME_RETRY_S)

    def _connect_file(self) -> tuple[Any, np.ndarray, float, CameraInfo]:
        import cv2

        path = Path(self.node)
        if not path.is_file():
            raise DeviceNotFound(DEVICE, f"no video file {path}")
        try:
            capture = self._new_capture(str(path), None)
        except cv2.error as exc:
            raise DeviceNotFound(DEVICE, f"cannot open video {path.name}: {exc}") from exc
        if not capture.isOpened():
            capture.release()
            raise DeviceNotFound(DEVICE, f"cannot open video {path.name}: not a readable video")
        try:
            image = self._grab(capture)
            if image is None:
                raise DeviceNotFound(DEVICE, f"video {path.name} yields no frame")
            image = to_bgr(image)
            file_fps = float(capture.get(cv2.CAP_PROP_FPS))
        except BaseException:
            capture.release()
            raise
        stamp = time.monotonic()
        fps = file_fps if math.isfinite(file_fps) and file_fps > 0 else self.fps
        height, width = image.shape[:2]
        return capture, image, stamp, CameraInfo(path.name, width, height, fps)

    # -- reading -----------------------------------------------------------------------
    def _grab(self, capture: Any) -> np.ndarray | None:
        """The next raw frame, or None when the source gives none. A file is rewound once
        at its end: a camera never runs out of frames."""
        import cv2

        try:
            ok, image = capture.read()
            if not ok and not self.live:
                capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, image = capture.read()
        except cv2.error as exc:  # a frame the backend could not decode
            LOG.warning("camera %s: grab failed: %s", self.node, exc)
            return None
        return image if ok and image is not None else None

    def _wait_for_cadence(self) -> None:
        """File playback at the file's rate; a late reader is not made to catch up."""
        assert self._info is not None  # set with the capture
        now = time.monotonic()
        if self._next_due > now:
            time.sleep(self._next_due - now)
            now = self._next_due
        self._next_due = now + 1.0 / self._info.fps

    def _reconnect(self) -> np.ndarray:
        """Close the source that stopped and reopen it with backoff until ``reconnect_s``;
        its first frame, or DeviceDisconnected. Called with the lock held.

        The deadline is checked between attempts: an attempt on a node that is back but
        silent can overrun it by up to ``first_frame_timeout_s``.
        """
        LOG.warning("camera %s gave no frame: reopening it for %g s", self.node, self.reconnect_s)
        self._release()
        if self.reconnect_s <= 0:
            raise DeviceDisconnected(DEVICE, f"{self.node} stopped sending frames")
        deadline = time.monotonic() + self.reconnect_s
        delay = _BACKOFF_START_S
        last: DeviceError | None = None
        while True:
            wait = max(0.0, min(delay, deadline - time.monotonic()))
            if self._closing.wait(wait):
                raise DeviceDisconnected(DEVICE, "closed while reconnecting")
            try:
                capture, image, stamp, info = self._connect()
            except DeviceError as exc:
                last = exc
            else:
                if info != self._info:
                    LOG.warning("camera %s came back in another mode: %s", self.node, info)
                self._capture, self._info = capture, info
                self._next_due = stamp + 1.0 / info.fps
                LOG.info("camera %s reconnected", self.node)
                return image
            if time.monotonic() >= deadline:
                break
            delay = min(2 * delay, _BACKOFF_MAX_S)
        why = f" (last attempt: {last.code}, {last.detail})" if last is not None else ""
        raise DeviceDisconnected(
            DEVICE, f"{self.node} did not come back within {self.reconnect_s:g} s{why}"
        )

    def _release(self) -> None:
        capture, self._capture = self._capture, None
        if capture is not None:
            with contextlib.suppress(Exception):  # releasing a gone device must not fail
                capture.release()
