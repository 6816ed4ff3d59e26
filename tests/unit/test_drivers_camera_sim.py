"""The simulated camera: synthetic frames at a steady cadence, or a looping video file."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from drivers import errors
from drivers.camera.simulated import SimulatedCamera
from drivers.faults import FaultKnobs

CLIP_LEVELS = (20, 70, 120, 170, 220)  # one flat grey level per frame: survives MJPG


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    """A 5-frame 160x120 MJPG clip at 200 fps (fast to play back)."""
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 200.0, (160, 120))
    assert writer.isOpened()
    for level in CLIP_LEVELS:
        writer.write(np.full((120, 160, 3), level, np.uint8))
    writer.release()
    return path


def test_synthetic_frames_have_the_configured_shape() -> None:
    camera = SimulatedCamera(width=640, height=360, fps=100)
    info = camera.open()
    assert (info.width, info.height, info.fps) == (640, 360, 100)
    first, second = camera.read(), camera.read()
    assert first.image.shape == (360, 640, 3) and first.image.dtype == np.uint8
    assert second.timestamp > first.timestamp
    assert not np.array_equal(first.image, second.image)  # the scene moves
    camera.close()


def test_default_mode_is_720p() -> None:
    camera = SimulatedCamera()
    info = camera.open()
    assert (info.width, info.height) == (1280, 720)
    assert camera.read().image.shape == (720, 1280, 3)
    camera.close()


def test_read_keeps_the_frame_rate() -> None:
    camera = SimulatedCamera(width=320, height=240, fps=50)
    camera.open()
    start = time.monotonic()
    stamps = [camera.read().timestamp for _ in range(6)]
    elapsed = time.monotonic() - start
    assert elapsed >= 5 / 50 - 0.01  # five intervals of 20 ms
    assert min(np.diff(stamps)) >= 0.015
    camera.close()


def test_unplugged_camera_is_not_found() -> None:
    with pytest.raises(errors.DeviceNotFound):
        SimulatedCamera(FaultKnobs(unplugged=True)).open()


def test_disconnect_fails_the_next_read_once() -> None:
    camera = SimulatedCamera(width=320, height=240, fps=200)
    camera.open()
    camera.read()
    camera.knobs.fail_next = "disconnected"
    with pytest.raises(errors.DeviceDisconnected):
        camera.read()
    assert camera.read().image.shape == (240, 320, 3)
    camera.close()


def test_read_before_open_or_after_close_is_a_disconnect() -> None:
    camera = SimulatedCamera(width=320, height=240)
    with pytest.raises(errors.DeviceDisconnected):
        camera.read()
    camera.open()
    camera.close()
    camera.close()  # safe twice
    with pytest.raises(errors.DeviceDisconnected):
        camera.read()


def test_delay_adds_latency() -> None:
    camera = SimulatedCamera(FaultKnobs(delay_s=0.1), width=320, height=240, fps=1000)
    camera.open()
    start = time.monotonic()
    camera.read()
    assert time.monotonic() - start >= 0.09
    camera.close()


def test_video_file_plays_back_and_loops(clip: Path) -> None:
    camera = SimulatedCamera(video_path=clip)
    info = camera.open()
    assert (info.width, info.height) == (160, 120)
    assert info.fps == pytest.approx(200.0)
    levels = [round(float(camera.read().image.mean())) for _ in range(len(CLIP_LEVELS) + 2)]
    camera.close()
    expected = [*CLIP_LEVELS, *CLIP_LEVELS[:2]]  # back to the first frame at the end
    assert all(abs(got - want) <= 4 for got, want in zip(levels, expected, strict=True)), levels


def test_missing_video_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(errors.DeviceNotFound):
        SimulatedCamera(video_path=tmp_path / "absent.avi").open()
