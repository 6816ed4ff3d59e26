"""A médiateur's override of the photo checks, through the real capture loop: a usager the
checks refuse (too far from the camera) is never photographed by itself, and is once the
médiateur says so; the photo keeps what failed, for the record sealed with it."""

from __future__ import annotations

import threading
import time

from drivers.camera.interface import Camera, CameraInfo, Frame
from drivers.camera.portrait_scene import render_portrait_scene
from drivers.cancel import CancelToken
from kiosk.portrait_capture import LiveView, Portrait, PortraitCamera


class StillCamera(Camera):
    """The same frame at 30 fps: a person who does not move."""

    def __init__(self, image: object) -> None:
        self.image = image

    def open(self) -> CameraInfo:
        return CameraInfo("still", 1280, 720, 30.0)

    def read(self) -> Frame:
        time.sleep(1 / 30)
        return Frame(self.image, time.monotonic())  # type: ignore[arg-type]

    def close(self) -> None:
        pass


def wait_for(predicate: object, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_face_the_checks_refuse_is_taken_only_when_the_mediateur_says_so() -> None:
    far_away = render_portrait_scene(1280, 720, head_share=0.25)  # "approchez-vous"
    views: list[LiveView] = []
    photos: list[Portrait] = []
    cancel = CancelToken()
    camera = PortraitCamera(StillCamera(far_away), cancel, views.append, photos.append)
    thread = threading.Thread(target=camera.run)
    thread.start()
    try:
        wait_for(lambda: len(views) >= 30)  # a second of guidance
        assert not views[-1].analysis.ok and views[-1].analysis.face is not None
        assert photos == []  # never by itself
        camera.take_anyway()
        wait_for(lambda: photos)
    finally:
        cancel.cancel()
        thread.join(10)
    failed = [f.rule for f in photos[0].analysis.findings if not f.ok]
    assert failed  # what the override let pass, kept with the photo
    assert photos[0].jpeg.startswith(b"\xff\xd8")
