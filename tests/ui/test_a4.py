"""The récapitulatif on A4 from the receipt screen, through the real CUPS queue of the test
set-up (cups-pdf writes the "printed" sheets into a PDF file)."""

from __future__ import annotations

from collections.abc import Callable

from tests.integration.test_cups import QUEUE, cups_pdf_output, pages
from tests.support.journey import walk_to_recap
from tests.ui.conftest import Kiosk
from ui import driving


def test_the_recap_is_printed_on_a4_from_the_receipt_screen(
    make_kiosk: Callable[..., Kiosk],
) -> None:
    kiosk = make_kiosk(printer={"a4_queue": QUEUE})
    walk_to_recap(kiosk.driver)
    kiosk.driver.click("send")
    kiosk.driver.wait_until(lambda: kiosk.window.current_screen == "receipt")
    before = set(cups_pdf_output().glob("recapitulatif-*.pdf"))
    kiosk.driver.click("print-a4")
    status = kiosk.window.receipt.a4_status
    kiosk.driver.wait_until(lambda: "imprimé" in status.text())
    assert status.text() == "Le récapitulatif est imprimé."
    [printed] = set(cups_pdf_output().glob("recapitulatif-*.pdf")) - before
    assert pages(printed) >= 1
    printed.unlink()


def test_without_an_a4_printer_there_is_no_a4_button(kiosk: Kiosk) -> None:
    walk_to_recap(kiosk.driver)
    kiosk.driver.click("send")
    kiosk.driver.wait_until(lambda: kiosk.window.current_screen == "receipt")
    assert "print-a4" not in driving.enabled_buttons(kiosk.window)
    assert not kiosk.window.receipt.print_a4.isVisible()
