"""The OpenCV camera driver on real video files, through the real ``cv2.VideoCapture``.

There is no camera (no /dev/video*) on the machines that run these tests. Video files cover
the playback, the conversion to BGR, the errors of a missing or unreadable source and the
reconnection loop; the V4L2 checks run against real nodes that are not cameras (/dev/null, a
missing /dev/videoN). What only a USB camera can show (the mode it really grants, a real
unplug) is exercised through the driver's one seam, ``_new_capture``, with stand-ins that say
so; a real camera must still be tried on the bench.
"""

from __future__ import annotations

import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from drivers.camera import opencv_camera
from drivers.camera.opencv_camera import OpenCVCamera, V4L2Capability, parse_capability, to_bgr
from drivers.errors import (
    DeviceBusy,
    DeviceDisconnected,
    DeviceError,
    DeviceNotFound,
    DeviceTimeout,
)

SIZE = (64, 48)  # width, height: small keeps writing and decoding the clips instant
FILE_FPS = 200.0  # the driver paces a file at its own rate: 5 ms a frame keeps tests fast
LEVELS = (20, 80, 140, 200)  # one flat frame per level, far apart enough to survive MJPG


def write_clip(path: Path, levels: tuple[int, ...] = LEVELS, *, color: bool = True) -> Path:
    """An MJPG AVI of flat frames: blue = level, green = 255 - level, red = 100 (so a
    channel order mix-up shows); gray frames of the level when ``color`` is False."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), FILE_FPS, SIZE, color)
    assert writer.isOpened()
    width, height = SIZE
    for level in levels:
        if color:
            writer.write(np.full((height, width, 3), (level, 255 - level, 100), np.uint8))
        else:
            writer.write(np.full((height, width), level, np.uint8))
    writer.release()
    return path


def frame_number(image: np.ndarray) -> int:
    """Which of LEVELS this frame shows (by its blue channel)."""
    blue = float(image[:, :, 0].mean())
    return min(range(len(LEVELS)), key=lambda i: abs(LEVELS[i] - blue))


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return write_clip(tmp_path / "clip.avi")


@pytest.fixture
def camera(clip: Path) -> Iterator[OpenCVCamera]:
    device = OpenCVCamera(str(clip))
    yield device
    device.close()


# -- a video file played as a camera ----------------------------------------------------------
def test_the_mode_is_the_files_own_size_and_rate_whatever_was_asked(clip: Path) -> None:
    camera = OpenCVCamera(str(clip), width=1920, height=1080, fps=25)
    try:
        info = camera.open()
    finally:
        camera.close()
    assert (info.width, info.height) == SIZE
    assert info.fps == pytest.approx(FILE_FPS)
    assert info.name == "clip.avi"


def test_frames_come_in_order_and_the_file_loops(camera: OpenCVCamera) -> None:
    camera.open()
    numbers = [frame_number(camera.read().image) for _ in range(2 * len(LEVELS) + 2)]
    assert numbers == [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]


def test_frames_are_bgr_bytes_with_rising_monotonic_times(camera: OpenCVCamera) -> None:
    camera.open()
    frames = [camera.read() for _ in range(5)]
    for frame in frames:
        assert frame.image.shape == (SIZE[1], SIZE[0], 3)
        assert frame.image.dtype == np.uint8
    first = frames[0].image.reshape(-1, 3).mean(axis=0)
    assert first == pytest.approx((LEVELS[0], 255 - LEVELS[0], 100), abs=4)  # B, G, R
    times = [frame.timestamp for frame in frames]
    assert times == sorted(times) and times[-1] <= time.monotonic()
    # Paced like a camera: four intervals at the file's rate, not as fast as decoding goes.
    assert times[-1] - times[0] >= 3.5 / FILE_FPS


def test_a_gray_video_comes_out_as_bgr(tmp_path: Path) -> None:
    camera = OpenCVCamera(str(write_clip(tmp_path / "gray.avi", color=False)))
    try:
        camera.open()
        image = camera.read().image
    finally:
        camera.close()
    assert image.shape == (SIZE[1], SIZE[0], 3)
    assert np.array_equal(image[:, :, 0], image[:, :, 1])
    assert np.array_equal(image[:, :, 1], image[:, :, 2])


@pytest.mark.parametrize(
    ("image", "pixel"),
    [
        (np.full((4, 6), 90, np.uint8), (90, 90, 90)),
        (np.full((4, 6, 1), 90, np.uint8), (90, 90, 90)),
        (np.full((4, 6, 4), (10, 20, 30, 255), np.uint8), (10, 20, 30)),
        (np.full((4, 6, 3), (10, 20, 30), np.uint8), (10, 20, 30)),
        (np.full((4, 6), 90 << 8, np.uint16), (90, 90, 90)),
    ],
    ids=["gray", "gray-1-channel", "bgra", "bgr", "gray-16-bit"],
)
def test_every_frame_layout_becomes_bgr(image: np.ndarray, pixel: tuple[int, int, int]) -> None:
    bgr = to_bgr(image)
    assert bgr.shape == (4, 6, 3) and bgr.dtype == np.uint8
    assert tuple(int(v) for v in bgr[2, 3]) == pixel


@pytest.mark.parametrize(
    "image", [np.zeros((4, 6, 2), np.uint8), np.zeros(24, np.uint8), np.zeros((4, 6), np.float32)]
)
def test_a_frame_that_is_no_picture_is_a_device_error(image: np.ndarray) -> None:
    with pytest.raises(DeviceError):
        to_bgr(image)


def test_close_is_idempotent_and_a_closed_camera_can_be_reopened(camera: OpenCVCamera) -> None:
    camera.close()  # never opened
    camera.open()
    camera.read()
    camera.close()
    camera.close()
    with pytest.raises(DeviceDisconnected):
        camera.read()
    camera.open()
    assert frame_number(camera.read().image) == 0


# -- sources that are not there, or not cameras -----------------------------------------------
def unreadable_files(tmp_path: Path) -> dict[str, Path]:
    empty = tmp_path / "empty.avi"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.avi"
    junk.write_bytes(bytes(range(256)) * 20)
    # A valid AVI whose JPEG payloads are overwritten: it opens, but no frame decodes.
    data = bytearray(write_clip(tmp_path / "good.avi").read_bytes())
    start, end = data.find(b"movi") + 12, data.find(b"idx1")
    data[start:end] = b"Z" * (end - start)
    garbled = tmp_path / "garbled.avi"
    garbled.write_bytes(bytes(data))
    return {"missing": tmp_path / "missing.avi", "directory": tmp_path, "empty": empty,
            "junk": junk, "garbled": garbled}  # fmt: skip


@pytest.mark.parametrize("kind", ["missing", "directory", "empty", "junk", "garbled"])
def test_an_unreadable_video_is_not_found(tmp_path: Path, kind: str) -> None:
    camera = OpenCVCamera(str(unreadable_files(tmp_path)[kind]))
    with pytest.raises(DeviceNotFound):
        camera.open()
    camera.close()


@pytest.mark.parametrize("device", ["57", "/dev/video57", "/dev/v4l/by-id/usb-Gone-video-index0"])
def test_a_camera_that_is_not_there_is_not_found_at_once(device: str) -> None:
    camera = OpenCVCamera(device)
    start = time.monotonic()
    with pytest.raises(DeviceNotFound, match="no /dev/"):
        camera.open()
    assert time.monotonic() - start < 0.5


def test_a_device_that_is_not_v4l2_is_not_found() -> None:
    with pytest.raises(DeviceNotFound, match="not a V4L2 camera"):
        OpenCVCamera("/dev/null").open()  # a real ioctl, answered ENOTTY


def v4l2_capability(card: str, device_caps: int) -> bytes:
    """A ``struct v4l2_capability`` as uvcvideo fills it (device capabilities present)."""
    whole_device = 0x84A00001  # DEVICE_CAPS | STREAMING | META_CAPTURE | VIDEO_CAPTURE
    return struct.pack(
        "=16s32s32sIII12x", b"uvcvideo", card.encode(), b"usb-0000:00:14.0-1", 0x60100,
        whole_device, device_caps,
    )  # fmt: skip


def test_a_uvc_cameras_video_node_captures_and_its_metadata_node_does_not() -> None:
    video = parse_capability(v4l2_capability("HD Pro Webcam C920", 0x04200001))
    metadata = parse_capability(v4l2_capability("HD Pro Webcam C920", 0x04A00000))
    assert (video.driver, video.card) == ("uvcvideo", "HD Pro Webcam C920")
    assert video.captures_video
    assert not metadata.captures_video


# -- a live camera, through stand-ins ---------------------------------------------------------
# No USB camera here: these stand-ins replace the cv2.VideoCapture of a live node, and the
# VIDIOC_QUERYCAP answer of /dev/null, to check what the driver does with a camera's answers.
class FakeWebcam:
    """A webcam that grants only 640x480 at 15 fps in MJPG, whatever is asked."""

    def __init__(self, *, opens: bool = True, delivers: bool = True) -> None:
        self.opens = opens
        self.delivers = delivers
        self.asked: list[tuple[int, float]] = []
        self.released = False

    def isOpened(self) -> bool:  # OpenCV's name
        return self.opens

    def set(self, prop: int, value: float) -> bool:
        self.asked.append((prop, value))
        return prop != cv2.CAP_PROP_FPS  # refusing the rate is not an error

    def get(self, prop: int) -> float:
        granted = {
            cv2.CAP_PROP_FRAME_WIDTH: 640.0,
            cv2.CAP_PROP_FRAME_HEIGHT: 480.0,
            cv2.CAP_PROP_FPS: 15.0,
            cv2.CAP_PROP_FOURCC: float(cv2.VideoWriter.fourcc(*"MJPG")),
        }
        return granted.get(prop, -1.0)

    def read(self) -> tuple[bool, np.ndarray | None]:
        if not self.delivers:
            return False, None
        return True, np.full((480, 640), 128, np.uint8)  # a gray sensor

    def release(self) -> None:
        self.released = True


class WiredCamera(OpenCVCamera):
    """The real driver, with its captures made by ``factory``."""

    def __init__(self, device: str, factory: Callable[[str, int | None], Any], **kw: Any):
        super().__init__(device, **kw)
        self.factory = factory

    def _new_capture(self, node: str, api: int | None) -> Any:
        return self.factory(node, api)


@pytest.fixture
def capture_node(monkeypatch: pytest.MonkeyPatch) -> list[V4L2Capability | OSError]:
    """/dev/null answers VIDIOC_QUERYCAP as the last item of the returned list says."""
    answers: list[V4L2Capability | OSError] = [V4L2Capability("uvcvideo", "Fake Cam", 0x04200001)]

    def query(node: str) -> V4L2Capability:
        answer = answers[-1]
        if isinstance(answer, OSError):
            raise answer
        return answer

    monkeypatch.setattr(opencv_camera, "query_v4l2", query)
    return answers


def test_a_live_camera_is_asked_mjpg_first_and_its_granted_mode_is_kept(
    capture_node: list[V4L2Capability | OSError],
) -> None:
    webcam = FakeWebcam()
    apis: list[int | None] = []

    def factory(node: str, api: int | None) -> FakeWebcam:
        apis.append(api)
        return webcam

    camera = WiredCamera("/dev/null", factory, width=1280, height=720, fps=30)
    info = camera.open()
    assert apis == [cv2.CAP_V4L2]
    assert [prop for prop, _ in webcam.asked] == [
        cv2.CAP_PROP_FOURCC,
        cv2.CAP_PROP_FRAME_WIDTH,
        cv2.CAP_PROP_FRAME_HEIGHT,
        cv2.CAP_PROP_FPS,
    ]
    assert webcam.asked[0][1] == cv2.VideoWriter.fourcc(*"MJPG")
    assert [value for _, value in webcam.asked[1:]] == [1280, 720, 30]
    assert (info.width, info.height, info.fps) == (640, 480, 15.0)
    assert info.name == "Fake Cam (/dev/null)"
    assert camera.read().image.shape == (480, 640, 3)  # the gray sensor, as BGR
    camera.close()
    assert webcam.released


def test_a_node_that_will_not_set_up_is_busy(
    capture_node: list[V4L2Capability | OSError],
) -> None:
    webcam = FakeWebcam(opens=False)
    with pytest.raises(DeviceBusy):
        WiredCamera("/dev/null", lambda node, api: webcam).open()
    assert webcam.released


def test_a_node_that_sends_no_frame_times_out(
    capture_node: list[V4L2Capability | OSError],
) -> None:
    webcam = FakeWebcam(delivers=False)
    camera = WiredCamera("/dev/null", lambda node, api: webcam, first_frame_timeout_s=0.2)
    start = time.monotonic()
    with pytest.raises(DeviceTimeout):
        camera.open()
    assert 0.2 <= time.monotonic() - start < 1.0
    assert webcam.released


def test_a_metadata_node_is_not_found(capture_node: list[V4L2Capability | OSError]) -> None:
    capture_node.append(V4L2Capability("uvcvideo", "Fake Cam", 0x04A00000))
    with pytest.raises(DeviceNotFound, match="metadata"):
        WiredCamera("/dev/null", lambda node, api: FakeWebcam()).open()


def test_a_live_camera_unplugged_and_replugged_is_reopened(
    capture_node: list[V4L2Capability | OSError],
) -> None:
    webcams: list[FakeWebcam] = []

    def factory(node: str, api: int | None) -> FakeWebcam:
        webcams.append(FakeWebcam())
        return webcams[-1]

    camera = WiredCamera("/dev/null", factory, reconnect_s=2.0)
    camera.open()
    camera.read()
    webcams[0].delivers = False  # unplugged: grabs fail (uvcvideo: ENODEV)...
    capture_node.append(OSError(19, "No such device"))  # ...and the node is gone
    threading.Timer(0.3, capture_node.pop).start()  # plugged back in
    start = time.monotonic()
    assert camera.read().image.shape == (480, 640, 3)
    assert 0.3 <= time.monotonic() - start < 2.0
    assert len(webcams) == 2 and webcams[0].released
    camera.close()


# -- unplugging, with a video file --------------------------------------------------------------
# No USB camera to pull out here: a real capture of the clip whose grabs fail while the
# "cable" is out stands for the camera, and the clip is moved away meanwhile, so that
# reopening really fails until it is back.
class Cable:
    def __init__(self, clip: Path) -> None:
        self.clip = clip
        self.away = clip.with_suffix(".away")
        self.plugged = True

    def unplug(self) -> None:
        self.plugged = False
        self.clip.rename(self.away)

    def plug(self) -> None:
        self.away.rename(self.clip)
        self.plugged = True


class Unpluggable:
    def __init__(self, real: Any, cable: Cable) -> None:
        self.real = real
        self.cable = cable

    def read(self) -> tuple[bool, np.ndarray | None]:
        return self.real.read() if self.cable.plugged else (False, None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def unpluggable_camera(clip: Path, cable: Cable, **kw: Any) -> OpenCVCamera:
    return WiredCamera(
        str(clip), lambda node, api: Unpluggable(cv2.VideoCapture(node), cable), **kw
    )


def test_a_camera_back_within_reconnect_s_is_reopened(clip: Path) -> None:
    cable = Cable(clip)
    camera = unpluggable_camera(clip, cable, reconnect_s=2.0)
    camera.open()
    assert [frame_number(camera.read().image) for _ in range(3)] == [0, 1, 2]
    cable.unplug()
    threading.Timer(0.3, cable.plug).start()
    start = time.monotonic()
    frame = camera.read()
    assert 0.3 <= time.monotonic() - start < 2.0
    assert frame_number(frame.image) == 0  # reopened from the start
    assert frame_number(camera.read().image) == 1
    camera.close()


def test_a_camera_not_back_within_reconnect_s_is_disconnected(clip: Path) -> None:
    cable = Cable(clip)
    camera = unpluggable_camera(clip, cable, reconnect_s=0.5)
    camera.open()
    camera.read()
    cable.unplug()
    start = time.monotonic()
    with pytest.raises(DeviceDisconnected, match="not_found"):
        camera.read()
    assert 0.5 <= time.monotonic() - start < 1.2
    with pytest.raises(DeviceDisconnected):  # stays closed until opened again
        camera.read()
    cable.plug()
    camera.open()
    camera.close()


def test_without_reconnection_an_unplug_is_disconnected_at_once(clip: Path) -> None:
    cable = Cable(clip)
    camera = unpluggable_camera(clip, cable, reconnect_s=0)
    camera.open()
    camera.read()  # the frame open() checked
    cable.unplug()
    start = time.monotonic()
    with pytest.raises(DeviceDisconnected):
        camera.read()
    assert time.monotonic() - start < 0.2


def test_closing_from_another_thread_ends_a_reconnection(clip: Path) -> None:
    cable = Cable(clip)
    camera = unpluggable_camera(clip, cable, reconnect_s=30)
    camera.open()
    camera.read()
    cable.unplug()
    threading.Timer(0.2, camera.close).start()
    start = time.monotonic()
    with pytest.raises(DeviceDisconnected, match="closed"):
        camera.read()
    assert time.monotonic() - start < 1.0
