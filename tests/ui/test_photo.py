"""The identity photo step through the real widgets: live guidance on the simulated camera
(a real portrait in front of a plain background), automatic capture, "Recommencer", "Valider",
and the 35 x 45 photo sealed as a one-page pièce."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from drivers.camera.simulated import SimulatedCamera
from kiosk.portrait import analyse_still, head_box
from tests.support.photo_demarche import photo_catalog, walk_to_photo
from tests.ui.conftest import Kiosk
from ui import driving


@pytest.fixture
def kiosk(make_kiosk: Callable[..., Kiosk], tmp_path: Path) -> Kiosk:
    kiosk = make_kiosk(kiosk={"catalog_dir": str(photo_catalog(tmp_path / "catalog"))})
    walk_to_photo(kiosk.driver)
    return kiosk


def camera(kiosk: Kiosk) -> SimulatedCamera:
    device = kiosk.app.devices.camera
    assert isinstance(device, SimulatedCamera)
    return device


def test_the_photo_is_taken_by_itself_then_validated(kiosk: Kiosk) -> None:
    window, screen = kiosk.window, kiosk.window.photo
    assert window.current_screen == "photo"
    assert not screen.footer.next.isEnabled()  # no photo yet: nothing to continue with
    # The live view runs, then the countdown, then the photo waits for the usager's choice.
    kiosk.driver.wait_until(lambda: not screen.preview.pixmap().isNull())
    kiosk.driver.wait_until(lambda: screen.accept_button.isVisible())
    kiosk.driver.click("accept-photo")
    session = kiosk.app.session
    assert session is not None
    (photo,) = session.pages("photo")
    assert (photo.width, photo.height) == (413, 531)  # 35 x 45 mm at 300 dpi
    assert screen.footer.next.isEnabled()
    kiosk.driver.wait_until(lambda: not camera(kiosk)._is_open)  # released once validated
    # The photo itself: one face, its head 32 to 36 mm of the 45.
    image = cv2.imdecode(np.frombuffer(photo.jpeg, np.uint8), cv2.IMREAD_COLOR)
    still = analyse_still(image)
    assert still.face is not None
    _x, _top, _w, head_height = head_box(still.face)
    assert 32 / 45 <= head_height / image.shape[0] <= 36 / 45
    kiosk.driver.click("continue")
    assert window.current_screen == "recap"


def test_recommencer_takes_another_photo(kiosk: Kiosk) -> None:
    screen = kiosk.window.photo
    kiosk.driver.wait_until(lambda: screen.accept_button.isVisible())
    kiosk.driver.click("retake")
    assert screen.live and not screen.accept_button.isVisible()
    kiosk.driver.wait_until(lambda: screen.accept_button.isVisible())
    session = kiosk.app.session
    assert session is not None and session.pages("photo") == []  # nothing kept until validated


def test_leaving_the_screen_releases_the_camera(kiosk: Kiosk) -> None:
    kiosk.driver.wait_until(lambda: camera(kiosk)._is_open)
    kiosk.driver.click("back")
    assert kiosk.window.current_screen == "question"
    kiosk.driver.wait_until(lambda: not camera(kiosk)._is_open)


def test_the_validated_photo_is_sealed_and_on_the_receipt(kiosk: Kiosk) -> None:
    screen = kiosk.window.photo
    kiosk.driver.wait_until(lambda: screen.accept_button.isVisible())
    kiosk.driver.click("accept-photo")
    kiosk.driver.click("continue")
    assert "Photo prise" in " ".join(driving.visible_texts(kiosk.window))
    kiosk.driver.click("send")
    kiosk.driver.wait_until(lambda: kiosk.window.current_screen == "receipt")
    (row,) = kiosk.app.store.outbox()
    spooled = sorted(p.name for p in (kiosk.data_dir / "spool" / row.submission_id).iterdir())
    assert "piece-photo-p1.jpg.age" in spooled
    receipt = kiosk.window.receipt.ticket.accessibleDescription()
    assert "Votre photo d'identité (photo)" in receipt


def test_no_photo_is_taken_behind_a_dialog(kiosk: Kiosk) -> None:
    screen = kiosk.window.photo
    kiosk.driver.wait_until(lambda: screen.countdown.text() != "")
    kiosk.driver.click("quit")  # "Voulez-vous abandonner... ?" covers the view
    end = time.monotonic() + 4.5  # longer than the countdown, the event loop running
    kiosk.driver.wait_until(lambda: time.monotonic() > end)
    assert not screen.accept_button.isVisible()
    kiosk.driver.click("cancel-quit")
    kiosk.driver.wait_until(lambda: screen.accept_button.isVisible())  # guidance resumes


def test_a_camera_that_fails_offers_to_try_again(kiosk: Kiosk) -> None:
    screen = kiosk.window.photo
    kiosk.driver.wait_until(lambda: camera(kiosk)._is_open)
    camera(kiosk).knobs.sticky = "disconnected"
    kiosk.driver.wait_until(lambda: kiosk.window.overlay.kind == "camera-error")
    kiosk.driver.click("message-ok")
    assert screen.retake_button.isVisible() and screen.retake_button.text() == "Réessayer"
    assert kiosk.app.session is not None  # the usager's answers are kept
    camera(kiosk).knobs.sticky = ""
    kiosk.driver.click("retake")
    kiosk.driver.wait_until(lambda: screen.accept_button.isVisible())


def test_the_camera_is_off_while_the_photo_waits_for_validation(kiosk: Kiosk) -> None:
    screen = kiosk.window.photo
    kiosk.driver.wait_until(lambda: screen.accept_button.isVisible())
    kiosk.driver.wait_until(lambda: not camera(kiosk)._is_open)
    kiosk.driver.click("retake")  # on again for the next photo
    kiosk.driver.wait_until(lambda: camera(kiosk)._is_open)
    kiosk.driver.wait_until(lambda: screen.accept_button.isVisible())
