"""ESC/POS layout and the simulated receipt printer: real bytes, real files, real faults."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from escpos.printer import Dummy

from drivers import errors
from drivers.faults import FaultKnobs
from drivers.printer.escpos_layout import render_receipt
from drivers.printer.interface import (
    Align,
    PrinterState,
    QrCode,
    ReceiptDocument,
    Separator,
    TextLine,
)
from drivers.printer.simulated import SimulatedPrinter

ESC_INIT = b"\x1b@"
SELECT_CP858 = b"\x1bt\x13"  # ESC t 19: CP858 in the TM-T88V profile
PARTIAL_CUT = b"\x1dV\x01"  # GS V 1
QR_DATA = "https://rdv.exemple.gouv.fr/d/2024-000123"

RECEIPT = ReceiptDocument(
    (
        TextLine("Préfecture de la Gironde", bold=True, large=True, align=Align.CENTER),
        TextLine("Récépissé de dépôt"),
        TextLine("Frais : 12,50 €"),
        Separator(),
        QrCode(QR_DATA, caption="Suivi de votre démarche"),
        TextLine("À bientôt, l’équipe du point numérique"),
    )
)


def qr_store_command(data: str) -> bytes:
    """GS ( k pL pH cn=49 fn=80 m=48 d1...dk: store the QR data in the symbol area."""
    payload = data.encode("utf-8")
    size = len(payload) + 3
    return b"\x1d(k" + bytes([size % 256, size // 256]) + b"1P0" + payload


def files_in(directory: Path) -> list[Path]:
    return sorted(directory.iterdir()) if directory.exists() else []


# --- render_receipt ------------------------------------------------------------------------


def rendered(receipt: ReceiptDocument = RECEIPT) -> bytes:
    printer = Dummy(profile="TM-T88V")
    render_receipt(printer, receipt)
    return bytes(printer.output)


def test_job_starts_with_init_then_cp858() -> None:
    data = rendered()
    assert data.startswith(ESC_INIT + SELECT_CP858)


def test_accents_and_euro_are_encoded_in_cp858_after_the_page_select() -> None:
    data = rendered()
    assert "é".encode("cp858") == b"\x82" and "€".encode("cp858") == b"\xd5"
    assert b"R\x82c\x82piss\x82 de d\x82p\x93t" in data  # é=0x82, ô=0x93
    assert b"12,50 \xd5" in data
    assert b"\xb7 bient\x93t" in data  # À=0xB7, ô=0x93
    assert data.index(SELECT_CP858) < data.index(b"\x82")
    assert SELECT_CP858 in data and b"\x1bt\x00" not in data  # never back to CP437


def test_typographic_apostrophe_becomes_ascii() -> None:
    assert b"l'\x82quipe" in rendered()


def test_large_bold_centred_line() -> None:
    data = rendered()
    line = data.index(b"Pr\x82fecture")
    style = data[:line]
    assert b"\x1b!\x30" in style  # ESC ! 0x30: double width and height
    assert b"\x1bE\x01" in style  # ESC E 1: bold
    assert style.endswith(b"\x1ba\x01")  # ESC a 1: centred, just before the text


def test_native_qr_code_with_its_data() -> None:
    data = rendered()
    assert qr_store_command(QR_DATA) in data
    assert b"\x1d(k\x03\x001Q0" in data  # print the stored symbol
    assert b"Suivi de votre d\x82marche" in data


def test_separator_is_a_full_line_of_dashes() -> None:
    data = rendered(ReceiptDocument((Separator(),)))
    assert re.search(rb"(?<!-)-{42}\n", data)  # 42 columns of font A on 80 mm paper


def test_ends_with_feed_and_partial_cut() -> None:
    data = rendered()
    assert data.endswith(b"\x1bd\x06" + PARTIAL_CUT)


def test_code_page_is_selected_again_on_a_reused_printer() -> None:
    # ESC @ resets the printer to CP437; python-escpos must not assume CP858 is still active.
    printer = Dummy(profile="TM-T88V")
    render_receipt(printer, RECEIPT)
    render_receipt(printer, RECEIPT)
    assert bytes(printer.output).count(ESC_INIT + SELECT_CP858) == 2


def test_profile_without_cp858_is_refused() -> None:
    with pytest.raises(ValueError, match="CP858"):
        render_receipt(Dummy(profile="TM-U220"), RECEIPT)


# --- SimulatedPrinter ----------------------------------------------------------------------


def test_print_writes_the_exact_bytes_atomically(tmp_path: Path) -> None:
    printer = SimulatedPrinter(tmp_path / "out")
    result = printer.print_receipt(RECEIPT)
    (written,) = files_in(tmp_path / "out")  # no temp file left behind
    assert re.fullmatch(r"receipt-\d{8}T\d{6}\.\d{6}Z-0001\.escpos", written.name)
    assert written.read_bytes() == result.data == rendered()
    assert result.status_after.state is PrinterState.READY
    assert result.warnings == ()
    assert printer.last_result is result and printer.last_path == written


def test_each_receipt_gets_its_own_file(tmp_path: Path) -> None:
    printer = SimulatedPrinter(tmp_path)
    printer.print_receipt(RECEIPT)
    printer.print_receipt(RECEIPT)
    names = [p.name for p in files_in(tmp_path)]
    assert len(names) == 2
    assert names[0].endswith("-0001.escpos") and names[1].endswith("-0002.escpos")


@pytest.mark.parametrize(
    ("code", "state", "error"),
    [
        ("paper_out", PrinterState.PAPER_OUT, errors.PaperOut),
        ("cover_open", PrinterState.COVER_OPEN, errors.CoverOpen),
    ],
)
def test_sticky_fault_shows_in_status_and_blocks_printing(
    tmp_path: Path, code: str, state: PrinterState, error: type[errors.DeviceError]
) -> None:
    printer = SimulatedPrinter(tmp_path, FaultKnobs(sticky=code))
    assert printer.status().state is state
    for _ in range(2):
        with pytest.raises(error):
            printer.print_receipt(RECEIPT)
    assert files_in(tmp_path) == []
    assert printer.last_result is None
    printer.knobs.sticky = ""
    assert printer.status().state is PrinterState.READY
    printer.print_receipt(RECEIPT)
    assert len(files_in(tmp_path)) == 1


def test_unplugged_printer_is_offline(tmp_path: Path) -> None:
    printer = SimulatedPrinter(tmp_path, FaultKnobs(unplugged=True))
    assert printer.status().state is PrinterState.OFFLINE
    with pytest.raises(errors.DeviceDisconnected):
        printer.print_receipt(RECEIPT)
    assert files_in(tmp_path) == []


def test_one_shot_fault_fails_one_print(tmp_path: Path) -> None:
    printer = SimulatedPrinter(tmp_path, FaultKnobs(fail_next="paper_out"))
    assert printer.status().state is PrinterState.READY  # a query does not consume it
    with pytest.raises(errors.PaperOut):
        printer.print_receipt(RECEIPT)
    assert files_in(tmp_path) == []
    printer.print_receipt(RECEIPT)
    assert len(files_in(tmp_path)) == 1


def test_paper_near_end_prints_with_a_warning(tmp_path: Path) -> None:
    printer = SimulatedPrinter(tmp_path, paper_near_end=True)
    assert printer.status().state is PrinterState.PAPER_NEAR_END
    result = printer.print_receipt(RECEIPT)
    assert result.warnings == ("paper_near_end",)
    assert result.status_after.state is PrinterState.PAPER_NEAR_END
    assert len(files_in(tmp_path)) == 1


def test_delay_slows_printing(tmp_path: Path) -> None:
    printer = SimulatedPrinter(tmp_path, FaultKnobs(delay_s=0.15))
    start = time.monotonic()
    printer.print_receipt(RECEIPT)
    assert time.monotonic() - start >= 0.14


def test_unwritable_output_is_a_typed_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(errors.DeviceDisconnected):
        SimulatedPrinter(blocker).print_receipt(RECEIPT)
