"""The scan screen through the real widgets: pages as they arrive, progress, page actions,
duplex, and unusable images, on the simulated scanner behind the real scanner interface."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QPushButton

from drivers.faults import FaultKnobs
from drivers.scanner.simulated import SimulatedScanner
from kiosk.pieces import PageImage
from tests.support import journey
from tests.ui.conftest import Kiosk
from ui import driving

PIECE = "piece_identite"  # max_pages = 2: recto and verso


def scanner(kiosk: Kiosk) -> SimulatedScanner:
    device = kiosk.app.devices.scanner
    assert isinstance(device, SimulatedScanner)
    return device


def knobs(kiosk: Kiosk) -> FaultKnobs:
    return scanner(kiosk).knobs


def plain(text: str) -> str:
    """The text without the French typography's no-break spaces (« : », « ? »)."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def texts(kiosk: Kiosk) -> str:
    return plain("\n".join(driving.visible_texts(kiosk.window)))


def at_piece(make_kiosk: Callable[..., Kiosk], **settings: object) -> Kiosk:
    kiosk = make_kiosk(**settings)
    journey.walk_to(kiosk.driver, PIECE)
    return kiosk


def scan(kiosk: Kiosk, name: str = "scan") -> None:
    kiosk.driver.click(name)
    kiosk.driver.wait_until(
        lambda: not kiosk.window.busy and not kiosk.window.piece.progress.isVisible()
    )


def pages(kiosk: Kiosk) -> list[PageImage]:
    session = kiosk.app.session
    assert session is not None
    return list(session.pages(PIECE))


def test_pages_appear_one_by_one_with_a_live_gauge(make_kiosk: Callable[..., Kiosk]) -> None:
    # With orientation detection on, as on a kiosk: the page waits for Tesseract's answer.
    kiosk = at_piece(make_kiosk, scanner={"source": "feeder", "detect_orientation": True})
    scanner(kiosk).feeder_pages = 2
    knobs(kiosk).delay_s = 0.4  # 40 ms per tenth of a page
    kiosk.driver.click("scan")
    piece = kiosk.window.piece
    kiosk.driver.wait_until(lambda: piece.progress.maximum() == 100 and piece.progress.value() > 0)
    assert "Page 1 :" in plain(piece.progress_label.text())
    # The first page is on screen while the second one is still being read.
    kiosk.driver.wait_until(lambda: piece.page_count == 1)
    assert piece.progress.isVisible()
    kiosk.driver.wait_until(lambda: "Page 2 :" in plain(piece.progress_label.text()))
    kiosk.driver.wait_until(lambda: not piece.progress.isVisible())
    assert piece.page_count == 2 and len(pages(kiosk)) == 2


def test_duplex_drops_blank_backs_and_says_so(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk = at_piece(make_kiosk, scanner={"source": "duplex"})
    scanner(kiosk).feeder_pages = 2
    scan(kiosk)
    assert len(pages(kiosk)) == 2
    assert "2 versos vierges retirés." in texts(kiosk)


def test_a_blank_page_is_shown_as_such(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk = at_piece(make_kiosk)
    scanner(kiosk).bad_pages = {0: "blank"}
    scan(kiosk)
    assert "Page blanche ?" in texts(kiosk)


def test_one_page_is_scanned_again_in_its_place(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk = at_piece(make_kiosk)
    scan(kiosk)
    scan(kiosk, "add-page")
    first, second = pages(kiosk)
    scan(kiosk, "rescan:1")
    new_first, kept_second = pages(kiosk)
    assert new_first is not first and kept_second is second


def test_pages_can_be_put_in_another_order(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk = at_piece(make_kiosk)
    for name in ("scan", "add-page"):
        scan(kiosk, name)
    a, b = pages(kiosk)
    buttons = driving.enabled_buttons(kiosk.window)
    assert "earlier:1" not in buttons and "later:2" not in buttons
    kiosk.driver.click("later:1")
    assert pages(kiosk) == [b, a]
    kiosk.driver.click("earlier:2")
    assert pages(kiosk) == [a, b]


@pytest.mark.parametrize("kind", ["black", "empty", "huge", "sliver"])
def test_an_unusable_image_asks_for_a_new_scan(make_kiosk: Callable[..., Kiosk], kind: str) -> None:
    kiosk = at_piece(make_kiosk)
    scanner(kiosk).bad_pages = {0: kind}
    scan(kiosk)
    assert kiosk.window.overlay.kind == "scan-error"
    assert "Numérisez" in texts(kiosk) or "numérisez" in texts(kiosk)
    assert pages(kiosk) == []
    kiosk.driver.click("message-ok")
    scan(kiosk)  # the next scan is fine: nothing was left broken
    assert len(pages(kiosk)) == 1


def test_one_unusable_page_in_a_batch_keeps_the_others(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk = at_piece(make_kiosk, scanner={"source": "feeder"})
    scanner(kiosk).feeder_pages = 3
    scanner(kiosk).bad_pages = {1: "black"}
    scan(kiosk)
    assert len(pages(kiosk)) == 2
    assert "La feuille n° 2 n'a pas pu être lue : numérisez-la à nouveau." in texts(kiosk)


def test_a_jam_keeps_the_pages_already_scanned(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk = at_piece(make_kiosk, scanner={"source": "feeder"})
    scanner(kiosk).feeder_pages = 3
    knobs(kiosk).fail_next = "paper_jam"
    scan(kiosk)
    assert kiosk.window.overlay.kind == "scan-error"
    assert len(pages(kiosk)) == 1


def test_a_cancelled_new_scan_leaves_the_old_pages(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk = at_piece(make_kiosk, scanner={"source": "feeder"})
    scanner(kiosk).feeder_pages = 2
    scan(kiosk)
    old = pages(kiosk)
    assert len(old) == 2
    knobs(kiosk).delay_s = 1.0
    kiosk.driver.click("scan")  # "Recommencer la numérisation"
    # The first new page has replaced the old ones on screen...
    kiosk.driver.wait_until(lambda: pages(kiosk) != old and len(pages(kiosk)) == 1)
    # ...and nothing new can be started meanwhile.
    assert not kiosk.window.piece.add_button.isVisible()
    kiosk.driver.click("cancel-scan")
    assert pages(kiosk) == old  # "Annuler" gives the usager's pages back
    assert "Numérisation annulée." in texts(kiosk)
    knobs(kiosk).delay_s = 0.0
    kiosk.driver.wait_until(lambda: not kiosk.window.busy)  # the late page is dropped
    assert pages(kiosk) == old


def test_the_gauge_numbers_the_page_as_it_will_be_in_the_piece(
    make_kiosk: Callable[..., Kiosk],
) -> None:
    kiosk = at_piece(make_kiosk)
    scan(kiosk)
    knobs(kiosk).delay_s = 0.5
    kiosk.driver.click("add-page")
    piece = kiosk.window.piece
    kiosk.driver.wait_until(lambda: piece.progress.maximum() == 100 and piece.progress.value() > 0)
    assert plain(piece.progress_label.text()).startswith("Page 2 :")


def test_redoing_a_page_in_duplex_replaces_only_that_page(
    make_kiosk: Callable[..., Kiosk],
) -> None:
    kiosk = at_piece(make_kiosk, scanner={"source": "duplex"})
    scanner(kiosk).feeder_pages = 2
    scan(kiosk)
    first, second = pages(kiosk)
    scan(kiosk, "rescan:1")
    new_first, kept_second = pages(kiosk)
    assert new_first is not first and kept_second is second
    assert "Page 1 refaite." in texts(kiosk)


def test_the_camera_takes_the_place_of_the_page_the_scanner_could_not_redo(
    make_kiosk: Callable[..., Kiosk],
) -> None:
    kiosk = at_piece(make_kiosk)
    scan(kiosk)
    scan(kiosk, "add-page")
    first, second = pages(kiosk)
    knobs(kiosk).unplugged = True
    kiosk.driver.click("rescan:1")
    kiosk.driver.wait_until(lambda: kiosk.window.overlay.kind == "scan-error")
    kiosk.driver.click("use-camera")
    piece = kiosk.window.piece
    kiosk.driver.wait_until(lambda: piece.take_button.isVisible())
    kiosk.driver.click("take-photo")
    kiosk.driver.wait_until(lambda: not piece.camera_on)
    photo, kept = pages(kiosk)
    assert photo is not first and kept is second
    assert "Photo prise. Vérifiez qu'elle est lisible." in texts(kiosk)
    assert piece.scan_button.isVisible()  # "Recommencer" is still there


def test_without_a_scanner_the_document_is_photographed(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk = at_piece(make_kiosk, simulator={"scanner_unplugged": True})
    kiosk.driver.click("scan")
    kiosk.driver.wait_until(lambda: kiosk.window.overlay.kind == "scan-error")
    assert "photographier le document avec la caméra" in texts(kiosk)
    kiosk.driver.click("use-camera")
    piece = kiosk.window.piece
    # The live view runs: frames reach the screen.
    kiosk.driver.wait_until(
        lambda: piece.preview.pixmap() is not None and not piece.preview.pixmap().isNull()
    )
    assert piece.take_button.isVisible() and not piece.scan_button.isVisible()
    kiosk.driver.click("take-photo")
    kiosk.driver.wait_until(lambda: len(pages(kiosk)) == 1)
    (page,) = pages(kiosk)
    # The A4 sheet, flattened (lying across the desk or not: the synthetic page's bars carry no
    # letters for the orientation detection to read).
    assert 1.35 < max(page.width, page.height) / min(page.width, page.height) < 1.48
    assert "Photo prise. Vérifiez qu'elle est lisible." in texts(kiosk)
    camera = kiosk.app.devices.camera_for_documents
    kiosk.driver.wait_until(lambda: not camera._is_open)  # released once the photo is taken
    # The verso: "Ajouter une page" goes to the camera again, chosen for this usager.
    kiosk.driver.click("add-page")
    kiosk.driver.wait_until(lambda: piece.take_button.isVisible())
    kiosk.driver.click("cancel-scan")
    kiosk.driver.wait_until(lambda: not camera._is_open)
    assert len(pages(kiosk)) == 1


def test_two_pages_and_their_buttons_fit_the_screen(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk = at_piece(make_kiosk)
    scan(kiosk)
    scan(kiosk, "add-page")
    window = kiosk.window
    for widget in window.piece.findChildren(QPushButton):
        if not widget.isVisible():
            continue
        top_left = widget.mapTo(window, QPoint(0, 0))
        box = QRect(top_left, widget.size())
        # Whole, inside the 1280 x 800 window: nothing reached by scrolling sideways or down.
        assert window.rect().contains(box), (widget.objectName(), box)
