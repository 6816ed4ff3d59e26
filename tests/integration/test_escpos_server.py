"""python-escpos's own ``Network`` printer against a fake ESC/POS printer on a real socket.

What these tests pin down about python-escpos 3.1 (what a driver built on it has to handle):

- ``paper_status()`` sends ``DLE EOT 4`` and reads 16 bytes at most: 2 = paper adequate,
  1 = near end, 0 = out. An *empty* answer (the peer closed the connection) reads as 2.
- ``is_online()`` sends ``DLE EOT 1`` and is False when bit 3 (offline) is set: a TM printer
  sets it for an open cover, no paper, or an error; not for "paper near end". An empty answer
  reads as False.
- A printer that never answers (no DLE EOT support) makes both raise ``TimeoutError`` after the
  ``Network`` timeout, which defaults to 60 s: a driver must pass a short one.
- ``Network`` connects lazily, on the first write or query. A refused connection raises
  ``DeviceNotFoundError``; the same object then fails with ``AssertionError`` on the next call
  unless ``open()`` is called again.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator

import pytest
from escpos.constants import RT_STATUS_ONLINE, RT_STATUS_PAPER
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Dummy, Network

from drivers.printer.escpos_layout import printable, render_receipt
from drivers.printer.escpos_parse import CODE_PAGES, PrintedQr, parse_escpos
from drivers.printer.interface import Align, QrCode, ReceiptDocument, TextLine
from kiosk.catalog import BUNDLED_DIR, load_catalog
from kiosk.receipt import build_receipt
from tests.support.escpos_server import FakeReceiptPrinter, PaperState

FRENCH = "Déposé à l'accueil : reçu n° 12, fenêtre ô, côté û, frais 5 € « payé » — été"
FRENCH_PRINTED = FRENCH.replace("—", "-")  # CP858 has no em dash: the layout maps it
PROFILE = "TM-T88V"
STATUS_QUERIES = {1: b"\x10\x04\x01", 2: b"\x10\x04\x02", 3: b"\x10\x04\x03", 4: b"\x10\x04\x04"}

NetworkFactory = Callable[..., Network]


@pytest.fixture
def fake() -> Iterator[FakeReceiptPrinter]:
    with FakeReceiptPrinter() as printer:
        yield printer


@pytest.fixture
def connect(fake: FakeReceiptPrinter) -> Iterator[NetworkFactory]:
    """python-escpos ``Network`` printers on the fake printer, closed after the test."""
    opened: list[Network] = []

    def factory(timeout: float = 1.0) -> Network:
        printer = Network(fake.host, fake.port, timeout=timeout, profile=PROFILE)
        opened.append(printer)
        return printer

    yield factory
    for printer in opened:
        printer.close()


def start_cp858(printer: Network | Dummy) -> None:
    printer.hw("INIT")
    printer.magic.encoding = None
    printer.charcode("CP858")


# -- code pages and text -----------------------------------------------------------------------


def test_python_escpos_selects_cp858_as_page_19_as_the_parser_does() -> None:
    assert Dummy(profile=PROFILE).profile.get_code_pages()["CP858"] == "19"
    assert CODE_PAGES[19] == "cp858"
    printer = Dummy(profile=PROFILE)
    start_cp858(printer)
    assert bytes(printer.output) == b"\x1b@\x1bt\x13"  # ESC @, ESC t 19


def test_accented_french_printed_in_cp858_round_trips(
    fake: FakeReceiptPrinter, connect: NetworkFactory
) -> None:
    printer = connect()
    start_cp858(printer)
    printer.textln(FRENCH_PRINTED)
    printer.textln("É È Ç À Ê Ô Û")
    printer.cut()

    parsed = fake.wait_for_cuts()
    assert parsed.lines[:2] == [FRENCH_PRINTED, "É È Ç À Ê Ô Û"]
    assert parsed.code_pages == [19]
    assert parsed.cuts == 1
    assert parsed.unknown == [] and parsed.unprinted == []
    assert b"\xd5" in fake.received  # "€" in CP858 (it would be "?" in CP850/CP437)
    assert b"?" not in fake.received


def test_the_parser_follows_code_page_switches() -> None:
    # 0xD5 is "╒" in CP437, "ı" in CP850 and "€" in CP858; ESC @ goes back to CP437.
    data = (
        b"\xd5\n\x1bt\x02\xd5\n\x1bt\x13\xd5 \x82\n\x1b@\xd5\n"
        + b"\x1bt\x13\x1bE\x01gras\n\x1bE\x00\x1d!\x11\x1ba\x01grand\n"
    )
    parsed = parse_escpos(data)
    assert parsed.lines == ["╒", "ı", "€ é", "╒", "gras", "grand"]
    assert parsed.code_pages == [2, 19, 19]
    assert parsed.inits == 1
    assert parsed.bold_lines == ["gras"]
    assert parsed.large_lines == ["grand"]
    assert parsed.line("grand").align == "center"
    assert (parsed.line("grand").width, parsed.line("grand").height) == (2, 2)


def test_command_parameters_are_never_read_as_text() -> None:
    from PIL import Image

    printer = Dummy(profile=PROFILE)
    start_cp858(printer)
    printer.set(bold=True, underline=1, font="b", invert=True, smooth=True, density=3)
    printer.set(custom_size=True, width=3, height=2)
    printer.textln("grand")
    printer.set_with_default()
    printer.barcode("{B012345", "CODE128", function_type="B")
    printer.barcode("4006381333931", "EAN13")
    printer.image(Image.new("1", (24, 8), color=1))
    printer.print_and_feed(2)
    printer.cashdraw(2)
    printer.line_spacing(40)
    printer.textln("fin")
    printer.cut(feed=False)

    parsed = parse_escpos(bytes(printer.output), strict=True)
    assert [line for line in parsed.lines if line] == ["grand", "fin"]
    assert parsed.line("grand").bold and (
        parsed.line("grand").width,
        parsed.line("grand").height,
    ) == (
        3,
        2,
    )
    assert not parsed.line("fin").bold and not parsed.line("fin").large
    assert parsed.barcodes == ["{B012345", "4006381333931"]
    assert parsed.images == 1
    assert parsed.cuts == 1


def test_text_without_a_line_feed_is_not_printed() -> None:
    parsed = parse_escpos(b"\x1b@perdu\x1b@\x1bt\x13ligne\nreste")
    assert parsed.lines == ["ligne"]
    assert parsed.unprinted == ["perdu", "reste"]


def test_alignment_is_ignored_in_the_middle_of_a_line() -> None:
    parsed = parse_escpos(b"a\x1ba\x01b\nc\n")
    assert [(line.text, line.align) for line in parsed.printed_lines] == [
        ("ab", "left"),
        ("c", "left"),
    ]


# -- QR codes and cuts -------------------------------------------------------------------------


def test_a_native_qr_code_is_recovered_centred_and_the_cut_seen(
    fake: FakeReceiptPrinter, connect: NetworkFactory
) -> None:
    url = "https://exemple.gouv.fr/suivi?dossier=DEM-K7P-QX3&é=1"
    printer = connect()
    start_cp858(printer)
    printer.set(align="center")
    printer.qr(url, native=True, size=6)
    printer.textln("Suivre mon dossier")
    printer.cut(mode="PART")

    parsed = fake.wait_for_cuts()
    [qr] = [item for item in parsed.items if isinstance(item, PrintedQr)]
    assert parsed.qr_codes == [url]
    assert (qr.module_size, qr.align) == (6, "center")
    assert parsed.items.index(qr) < parsed.items.index(parsed.line("Suivre mon dossier"))
    assert parsed.cuts == 1
    assert fake.received.endswith(b"\x1bd\x06\x1dV\x01")  # feed 6 lines, partial cut


# -- status ------------------------------------------------------------------------------------


def test_python_escpos_sends_dle_eot_1_and_4() -> None:
    assert STATUS_QUERIES[1] == RT_STATUS_ONLINE
    assert STATUS_QUERIES[4] == RT_STATUS_PAPER


@pytest.mark.parametrize(
    ("paper", "answer", "expected"),
    [("ok", 0x12, 2), ("near_end", 0x1E, 1), ("out", 0x7E, 0)],
)
def test_paper_status_reports_the_roll_sensor(
    fake: FakeReceiptPrinter,
    connect: NetworkFactory,
    paper: PaperState,
    answer: int,
    expected: int,
) -> None:
    fake.paper = paper
    printer = connect()
    assert printer.query_status(RT_STATUS_PAPER) == bytes([answer])
    assert printer.paper_status() == expected
    assert fake.status_requests == [4, 4]


@pytest.mark.parametrize(
    ("knob", "online", "status_1", "status_2", "status_3"),
    [
        ({}, True, 0x12, 0x12, 0x12),
        ({"paper": "near_end"}, True, 0x12, 0x12, 0x12),
        ({"cover_open": True}, False, 0x1A, 0x16, 0x12),
        ({"paper": "out"}, False, 0x1A, 0x32, 0x12),
        ({"cutter_error": True}, False, 0x1A, 0x52, 0x1A),
    ],
)
def test_is_online_is_false_when_the_printer_stops(
    fake: FakeReceiptPrinter,
    connect: NetworkFactory,
    knob: dict[str, object],
    online: bool,
    status_1: int,
    status_2: int,
    status_3: int,
) -> None:
    for name, value in knob.items():
        setattr(fake, name, value)
    printer = connect()
    assert printer.is_online() is online
    answers = [printer.query_status(STATUS_QUERIES[n]) for n in (1, 2, 3)]
    assert answers == [bytes([status_1]), bytes([status_2]), bytes([status_3])]


def test_the_cover_open_does_not_show_in_the_paper_status(
    fake: FakeReceiptPrinter, connect: NetworkFactory
) -> None:
    fake.cover_open = True
    assert connect().paper_status() == 2  # only DLE EOT 1/2 tell: check is_online too


def test_status_follows_the_printer_on_one_connection(
    fake: FakeReceiptPrinter, connect: NetworkFactory
) -> None:
    printer = connect()
    assert printer.is_online()
    fake.cover_open = True
    assert not printer.is_online()
    fake.cover_open = False
    assert printer.is_online()
    assert fake.connection_count == 1


def test_a_silent_printer_makes_the_query_time_out_after_the_socket_timeout(
    fake: FakeReceiptPrinter, connect: NetworkFactory
) -> None:
    assert Network("127.0.0.1").timeout == 60  # python-escpos's default: a minute per query
    fake.silent = True
    printer = connect(timeout=0.3)
    for query in (printer.is_online, printer.paper_status):
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            query()
        assert 0.25 <= time.monotonic() - started < 1.0
    assert fake.status_requests == [1, 4]


def test_an_empty_answer_reads_as_plenty_of_paper(
    fake: FakeReceiptPrinter, connect: NetworkFactory
) -> None:
    fake.hang_up = True  # the connection is closed instead of answering
    assert connect().paper_status() == 2  # python-escpos: len(status) == 0 -> "adequate"
    assert connect().is_online() is False
    assert fake.status_requests == [4, 1]


def test_a_refused_connection_raises_device_not_found_then_assertion_error(
    fake: FakeReceiptPrinter, connect: NetworkFactory
) -> None:
    fake.refuse = True
    printer = connect()  # Network connects lazily: constructing it does not fail
    started = time.monotonic()
    with pytest.raises(DeviceNotFoundError, match="Connection refused"):
        printer.textln("x")
    assert time.monotonic() - started < 0.5
    with pytest.raises(AssertionError):  # python-escpos keeps device=None after the failure
        printer.is_online()
    with pytest.raises(DeviceNotFoundError):
        printer.open()

    fake.refuse = False  # switched back on, same port
    printer.open()
    assert printer.is_online()
    assert fake.connection_count == 1


def test_switching_the_printer_off_closes_open_connections(
    fake: FakeReceiptPrinter, connect: NetworkFactory
) -> None:
    printer = connect()
    assert printer.is_online()
    fake.refuse = True
    try:
        online = printer.is_online()  # the server closed the socket: empty answer
    except OSError:  # or BrokenPipe/ConnectionReset, depending on timing
        online = False
    assert online is False


def test_several_connections_in_sequence(fake: FakeReceiptPrinter) -> None:
    for number in (1, 2, 3):
        printer = Network(fake.host, fake.port, timeout=1, profile=PROFILE)
        start_cp858(printer)
        printer.textln(f"reçu {number}")
        printer.cut()
        printer.close()
    parsed = fake.wait_for_cuts(3)
    assert [line for line in parsed.lines if line] == ["reçu 1", "reçu 2", "reçu 3"]
    assert fake.connection_count == 3
    assert [parse_escpos(stream).cuts for stream in fake.streams] == [1, 1, 1]


# -- the kiosk's own layout --------------------------------------------------------------------


def kiosk_receipt() -> ReceiptDocument:
    return build_receipt(
        demarche=load_catalog(BUNDLED_DIR).get("permis-perte-vol"),
        dossier_number="DEM-K7P-QX3",
        sealed_at=dt.datetime(2026, 11, 22, 14, 5, tzinfo=dt.UTC),
        site_name="Préfecture de la Gironde",
        kiosk_id="borne-33-01",
        pieces={"piece_identite": 1, "justificatif_domicile": 2},
        follow_url="https://permisdeconduire.ants.gouv.fr",
    )


def test_the_kiosk_receipt_prints_as_laid_out(
    fake: FakeReceiptPrinter, connect: NetworkFactory
) -> None:
    document = kiosk_receipt()
    printer = connect()
    render_receipt(printer, document)

    parsed = fake.wait_for_cuts()
    assert parsed.unknown == [] and parsed.unprinted == []
    assert parsed.code_pages == [19]
    assert parsed.cuts == 1
    for text in (
        "RÉPUBLIQUE FRANÇAISE",
        "Préfecture de la Gironde",
        "Récépissé de dépôt",
        "Permis de conduire perdu ou volé",
        "Numéro de dossier",
        "- Votre pièce d'identité (1 page)",
        "Suivre mon dossier",
    ):
        assert text in parsed.lines
    number = parsed.line("DEM-K7P-QX3")
    assert number.bold and number.large and number.align == "center"
    assert parsed.line("RÉPUBLIQUE FRANÇAISE").bold
    assert not parsed.line("Borne : borne-33-01").bold
    [qr] = [block for block in document.blocks if isinstance(block, QrCode)]
    assert parsed.qr_codes == [qr.data]
    assert "-" * 42 in parsed.lines  # separators span the TM-T88V's 42 columns

    # Every TextLine comes out, in order and with its style, as printed lines cut at word
    # boundaries within the roll's 42 columns (21 in double width): never mid-word.
    printed = iter(parsed.printed_lines)
    for block in document.blocks:
        if not isinstance(block, TextLine):
            continue
        words = printable(block.text).split()
        line = next(line for line in printed if line.text.split()[:1] == words[:1])
        parts = [line]
        while sum(len(p.text.split()) for p in parts) < len(words):
            parts.append(next(printed))
        assert " ".join(p.text for p in parts).split() == words, block.text
        for part in parts:
            assert (part.bold, part.large) == (block.bold, block.large), block.text
            assert part.align == ("center" if block.align is Align.CENTER else "left")
            assert len(part.text) <= (21 if block.large else 42), part.text

    # The network stream is the simulator's (Dummy) stream.
    dummy = Dummy(profile=PROFILE)
    render_receipt(dummy, document)
    assert fake.received == bytes(dummy.output)


def test_two_receipts_on_one_printer_object_both_select_cp858(
    fake: FakeReceiptPrinter, connect: NetworkFactory
) -> None:
    printer = connect()
    render_receipt(printer, kiosk_receipt())
    render_receipt(printer, kiosk_receipt())
    parsed = fake.wait_for_cuts(2)
    assert parsed.code_pages == [19, 19]
    assert parsed.inits == 2
    assert parsed.lines.count("RÉPUBLIQUE FRANÇAISE") == 2
