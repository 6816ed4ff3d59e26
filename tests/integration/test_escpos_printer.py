"""The kiosk's ESC/POS driver on a printer listening on 127.0.0.1 (tests/support/escpos_server):
real python-escpos, real sockets, real bytes; status before and after printing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.errors import CoverOpen, DeviceNotFound, PaperOut
from drivers.printer.escpos_printer import (
    WARNING_PAPER_NEAR_END,
    WARNING_STATE_UNKNOWN,
    Connection,
    EscposPrinter,
)
from drivers.printer.interface import PrinterState, QrCode, ReceiptDocument
from kiosk.bootstrap import build_app
from kiosk.catalog import BUNDLED_DIR, load_catalog
from kiosk.config import build_config
from kiosk.receipt import build_receipt
from tests.support.backend_key import SYNC_TABLE
from tests.support.escpos_server import FakeReceiptPrinter, parse_escpos
from tests.unit.test_app import complete_perte, deposit_and_print

NUMBER = "DEM-K7P-QX3"


@pytest.fixture
def fake() -> Iterator[FakeReceiptPrinter]:
    with FakeReceiptPrinter() as printer:
        yield printer


def driver(fake: FakeReceiptPrinter, timeout_s: float = 0.5) -> EscposPrinter:
    return EscposPrinter(Connection("network", fake.host, fake.port), timeout_s=timeout_s)


def receipt() -> ReceiptDocument:
    return build_receipt(
        demarche=load_catalog(BUNDLED_DIR).get("permis-perte-vol"),
        dossier_number=NUMBER,
        sealed_at=dt.datetime(2026, 11, 22, 14, 5, tzinfo=dt.UTC),
        site_name="Préfecture de la Gironde",
        kiosk_id="borne-33-01",
        pieces={"piece_identite": 1, "justificatif_domicile": 2},
        follow_url="https://permisdeconduire.ants.gouv.fr",
    )


def test_a_receipt_prints_with_its_accents_qr_code_and_cut(fake: FakeReceiptPrinter) -> None:
    document = receipt()
    result = driver(fake).print_receipt(document)
    parsed = fake.wait_for_cuts()
    assert parsed.cuts == 1 and parsed.code_pages == [19]  # CP858: é, è, ç, à, €
    assert NUMBER in parsed.lines and parsed.line(NUMBER).large
    assert "RÉPUBLIQUE FRANÇAISE" in parsed.lines
    assert "Permis de conduire perdu ou volé" in parsed.lines
    [qr] = [block for block in document.blocks if isinstance(block, QrCode)]
    assert parsed.qr_codes == [qr.data]
    # What the driver says it sent is what the printer printed (kept for reprints).
    assert parse_escpos(result.data).lines == parsed.lines
    assert result.status_after.state is PrinterState.READY and result.warnings == ()


@pytest.mark.parametrize(
    ("paper", "cover", "state"),
    [
        ("ok", False, PrinterState.READY),
        ("near_end", False, PrinterState.PAPER_NEAR_END),
        ("out", False, PrinterState.PAPER_OUT),
        ("ok", True, PrinterState.COVER_OPEN),
    ],
)
def test_the_status_is_read_from_the_printer(
    fake: FakeReceiptPrinter, paper: str, cover: bool, state: PrinterState
) -> None:
    fake.paper, fake.cover_open = paper, cover
    assert driver(fake).status().state is state


def test_no_receipt_is_sent_to_a_printer_without_paper(fake: FakeReceiptPrinter) -> None:
    fake.paper = "out"
    with pytest.raises(PaperOut):
        driver(fake).print_receipt(receipt())
    assert fake.parsed().cuts == 0 and fake.parsed().printed_lines == []
    fake.paper = "ok"  # the médiateur puts a roll in; the receipt prints again
    driver(fake).print_receipt(receipt())
    assert fake.wait_for_cuts().cuts == 1


def test_an_open_cover_is_said_before_printing(fake: FakeReceiptPrinter) -> None:
    fake.cover_open = True
    with pytest.raises(CoverOpen):
        driver(fake).print_receipt(receipt())


def test_paper_near_end_prints_and_warns(fake: FakeReceiptPrinter) -> None:
    fake.paper = "near_end"
    result = driver(fake).print_receipt(receipt())
    assert fake.wait_for_cuts().cuts == 1
    assert result.warnings == (WARNING_PAPER_NEAR_END,)


@pytest.mark.parametrize("mute", ["silent", "hang_up"])
def test_a_printer_that_cannot_tell_its_state_is_unknown_not_ready(
    fake: FakeReceiptPrinter, mute: str
) -> None:
    setattr(fake, mute, True)
    status = driver(fake, timeout_s=0.3).status()
    assert status.state is PrinterState.UNKNOWN
    # The receipt is still sent, on a fresh connection, and the doubt is reported.
    result = driver(fake, timeout_s=0.3).print_receipt(receipt())
    assert fake.wait_for_cuts().cuts == 1
    assert WARNING_STATE_UNKNOWN in result.warnings


def test_a_printer_switched_off_is_not_found(fake: FakeReceiptPrinter, tmp_path: Path) -> None:
    fake.refuse = True
    assert driver(fake).status().state is PrinterState.OFFLINE
    with pytest.raises(DeviceNotFound):
        driver(fake).print_receipt(receipt())


def test_the_kiosk_prints_a_sealed_dossier_and_reprints_after_paper_out(
    fake: FakeReceiptPrinter, tmp_path: Path
) -> None:
    config = build_config(
        {
            "kiosk": {"id": "borne-1", "code": "B7K", "data_dir": str(tmp_path)},
            "sync": SYNC_TABLE,
            "scanner": {"resolution_dpi": 150, "detect_orientation": False},
            "printer": {"backend": "escpos", "host": fake.host, "port": fake.port},
        },
        "(test)",
    )
    app = build_app(config, synchronous_devices=True)
    try:
        session = complete_perte(app)
        fake.paper = "out"
        deposit, outcome = deposit_and_print(app, session)
        assert outcome.error is not None and outcome.error.code == "paper_out"
        assert fake.parsed().cuts == 0
        assert len(app.store.outbox()) == 1  # sealed once, whatever the printer does
        fake.paper = "ok"
        again = app.print_receipt(deposit).result()
        assert again.error is None
        parsed = fake.wait_for_cuts()
        assert deposit.sealed.dossier_number in parsed.lines
        assert len(app.store.outbox()) == 1
    finally:
        app.end_session("test")
        app.devices.shutdown()
        app.store.close()


@pytest.mark.parametrize(
    "link",
    [
        Connection("usb", usb_vendor_id=0x04B8, usb_product_id=0x0202),  # no USB printer here
        Connection("serial", serial_device="/dev/ttyNOPRINTER"),
    ],
)
def test_a_usb_or_serial_printer_that_is_not_there_is_offline(link: Connection) -> None:
    printer = EscposPrinter(link, timeout_s=0.3)
    assert printer.status().state is PrinterState.OFFLINE
    with pytest.raises(DeviceNotFound):
        printer.print_receipt(receipt())
