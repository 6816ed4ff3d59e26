"""The receipt shown on screen is drawn from the ESC/POS bytes the printer received."""

from __future__ import annotations

from drivers.printer.escpos_layout import render_bytes
from drivers.printer.interface import QrCode, ReceiptDocument, TextLine
from tests.support.journey import walk_to_recap
from tests.ui.conftest import Kiosk
from ui.receipt_image import receipt_pixmap


def height_of(*blocks: TextLine | QrCode) -> int:
    return receipt_pixmap(render_bytes(ReceiptDocument(tuple(blocks)), "TM-T88V")).height()


def test_lines_wrap_and_a_qr_code_takes_its_room(qapp: object) -> None:
    short = height_of(TextLine("Numéro de dossier"))
    assert height_of(TextLine("Numéro de dossier"), TextLine("Déposé le 22/11")) > short
    long = height_of(
        TextLine("Un justificatif de domicile de moins de 6 mois, à votre nom (2 pages)")
    )
    assert long > short  # wrapped on two lines of the 42-column roll
    assert height_of(TextLine("x"), QrCode("https://example.test/DEM-K7P-QX3")) > short + 150


def test_the_printed_receipt_replaces_the_text_preview(kiosk: Kiosk) -> None:
    walk_to_recap(kiosk.driver)
    kiosk.driver.click("send")
    ticket = kiosk.window.receipt.ticket
    kiosk.driver.wait_until(lambda: ticket.pixmap() is not None and not ticket.pixmap().isNull())
    assert ticket.pixmap().height() > 600  # the whole receipt, in its scroll area
    number = kiosk.window.receipt.number.text()
    assert number in ticket.accessibleDescription()  # what a screen reader says of the image
