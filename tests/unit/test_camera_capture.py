"""Photographing a document: the camera worker's live view, a photo on request, failures."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest

from drivers import errors
from drivers.camera.document_scene import render_desk
from drivers.camera.simulated import SimulatedCamera
from drivers.cancel import CancelToken
from drivers.faults import FaultKnobs
from kiosk.camera_capture import PREVIEW_WIDTH, DocumentCamera, photograph
from kiosk.config import build_config
from kiosk.devices import build_devices
from kiosk.pieces import PageImage, UnreadableImage

BUDGET = 2_000_000


def running(
    camera: SimulatedCamera,
) -> tuple[DocumentCamera, CancelToken, list[np.ndarray], Future[None]]:
    previews: list[np.ndarray] = []
    cancel = CancelToken()
    document_camera = DocumentCamera(camera, cancel, previews.append, max_bytes=BUDGET)
    loop: Future[None] = Future()

    def run() -> None:
        try:
            document_camera.run()
            loop.set_result(None)
        except BaseException as exc:
            loop.set_exception(exc)

    threading.Thread(target=run, daemon=True).start()
    return document_camera, cancel, previews, loop


def test_live_view_then_a_photo_of_the_flattened_document() -> None:
    camera = SimulatedCamera(scene="document", fps=60)
    document_camera, cancel, previews, loop = running(camera)
    page = document_camera.capture().result(timeout=10)
    assert isinstance(page, PageImage) and page.jpeg[:2] == b"\xff\xd8"
    ratio = max(page.width, page.height) / min(page.width, page.height)
    assert 1.36 < ratio < 1.46  # the A4 sheet, flattened
    assert previews and all(p.shape[1] == PREVIEW_WIDTH for p in previews)
    assert camera._is_open  # the live view goes on until cancelled...
    cancel.cancel()
    loop.result(timeout=5)
    assert not camera._is_open  # ...then the camera is released


def test_the_preview_is_paced_not_every_frame() -> None:
    camera = SimulatedCamera(scene="document", fps=120)
    _, cancel, previews, loop = running(camera)
    threading.Event().wait(1.0)
    cancel.cancel()
    loop.result(timeout=5)
    assert 6 <= len(previews) <= 16  # about 12 a second out of 120 frames


def test_a_camera_unplugged_fails_the_pending_photo_and_the_loop() -> None:
    knobs = FaultKnobs()
    camera = SimulatedCamera(knobs, scene="document", fps=30)
    document_camera, _cancel, previews, loop = running(camera)
    while not previews:
        threading.Event().wait(0.01)
    knobs.sticky = "disconnected"
    request = document_camera.capture()
    with pytest.raises(errors.DeviceDisconnected):
        request.result(timeout=5)
    with pytest.raises(errors.DeviceDisconnected):
        loop.result(timeout=5)
    assert not camera._is_open


def test_no_document_in_view_asks_to_place_it() -> None:
    desk = render_desk(1280, 720, np.random.default_rng(3))
    with pytest.raises(UnreadableImage, match="no_document"):
        photograph([desk, desk.copy()], BUDGET)


def test_asking_for_a_photo_after_the_camera_stopped_fails_at_once() -> None:
    camera = SimulatedCamera(scene="document", fps=60)
    document_camera, cancel, _previews, loop = running(camera)
    cancel.cancel()
    loop.result(timeout=5)
    late = document_camera.capture()
    assert late.done()  # never a request nobody will answer (the screen would wait forever)
    with pytest.raises(errors.OperationCancelled):
        late.result()


def test_shutting_the_devices_down_ends_a_live_view(tmp_path: Path) -> None:
    # Otherwise the camera worker would keep the kiosk's process alive after SIGTERM.
    devices = build_devices(build_config({}, "t", demo=True, demo_data_dir=tmp_path))
    camera = devices.camera_for_documents
    assert isinstance(camera, SimulatedCamera)
    cancel = CancelToken()
    live = DocumentCamera(camera, cancel, lambda frame: None, max_bytes=BUDGET)
    running = devices.run_until_cancelled("camera", live.run, cancel)
    while not camera._is_open:
        threading.Event().wait(0.01)
    devices.shutdown()
    assert running.result(timeout=5) is None
    assert not camera._is_open
