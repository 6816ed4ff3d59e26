"""Turn a ``ReceiptDocument`` into python-escpos calls, for any ``Escpos`` transport.

The same function drives the simulator (``Dummy``) and the real printers (``Usb``,
``Network``...), so the bytes the tests inspect are the bytes a printer receives.

Accents are the classic failure of receipt printing (python-escpos #312 #444 #465). We select
CP858 explicitly right after ESC @ and keep it for the whole job: CP858 is CP850 with "€",
covers French (é è ê à ç ù « » €) and is what worked for users. Characters it cannot hold are
first mapped to close ASCII (typographic quotes, dashes, narrow spaces), and only then would
python-escpos print "?".
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from drivers.printer.interface import Align, QrCode, ReceiptDocument, TextLine

if TYPE_CHECKING:
    from escpos.escpos import Escpos

CODE_PAGE = "CP858"
DEFAULT_QR_SIZE = 6  # module size in dots: ~25 mm for a short URL on a 203 dpi head

# French text typed on a computer is full of characters no ESC/POS code page has.
_CP858_FALLBACKS = str.maketrans(
    {
        "\u2018": "'",  # ‘
        "\u2019": "'",  # ’ (French apostrophe)
        "\u201c": '"',  # “
        "\u201d": '"',  # ”
        "\u2013": "-",  # –
        "\u2014": "-",  # —
        "\u2026": "...",  # …
        "\u202f": " ",  # narrow no-break space, before ; : ! ? in French
        "\u2009": " ",  # thin space
        "\u0153": "oe",  # œ
        "\u0152": "OE",  # Œ
    }
)


def render_receipt(
    printer: Escpos, receipt: ReceiptDocument, *, qr_size: int = DEFAULT_QR_SIZE
) -> None:
    """Send ``receipt`` to ``printer``: initialise, select CP858, print the blocks, cut.

    Raises ValueError if the printer's profile has no CP858 (a configuration error: pick a
    profile such as "TM-T88V").
    """
    _start_job(printer)
    columns = int(printer.profile.get_columns("a"))
    for block in receipt.blocks:
        if isinstance(block, TextLine):
            _text_line(printer, block, columns)
        elif isinstance(block, QrCode):
            _qr_code(printer, block, qr_size)
        else:
            _separator(printer, columns)
    _reset_style(printer)
    printer.cut(mode="PART")  # python-escpos feeds past the cutter (ESC d 6) before GS V


def printable(text: str) -> str:
    """``text`` with the characters CP858 lacks replaced by their closest ASCII."""
    return text.translate(_CP858_FALLBACKS)


def fits_code_page(text: str) -> bool:
    """Whether the printer can print ``text`` (Arabic or Turkish letters, for instance, are
    not in CP858: the printer would print "?" in their place)."""
    try:
        printable(text).encode(CODE_PAGE.lower())
    except UnicodeEncodeError:
        return False
    return True


def _start_job(printer: Escpos) -> None:
    if CODE_PAGE not in printer.profile.get_code_pages():
        raise ValueError(
            f"printer profile {printer.profile.profile_data.get('name')!r} lacks {CODE_PAGE}"
        )
    printer.hw("INIT")  # ESC @: whatever the previous job left (size, bold) is cleared
    # ESC @ also puts the printer back on code page 0, but python-escpos remembers the page it
    # last selected and would skip ESC t when one printer object prints a second receipt.
    # Forgetting it ("unknown", as the library documents) makes charcode() always send ESC t.
    printer.magic.encoding = None
    printer.charcode(CODE_PAGE)


def _style(printer: Escpos, *, align: Align, bold: bool, large: bool) -> None:
    # Every attribute is set on every block so a block never inherits its neighbour's style.
    printer.set(
        align=align.value,
        bold=bold,
        double_width=large,
        double_height=large,
        normal_textsize=not large,
    )


def _reset_style(printer: Escpos) -> None:
    _style(printer, align=Align.LEFT, bold=False, large=False)


def _text_line(printer: Escpos, line: TextLine, columns: int) -> None:
    _style(printer, align=line.align, bold=line.bold, large=line.large)
    # Wrapped here at word boundaries: left to itself, the printer breaks a long line at its
    # last column, in the middle of a word ("moins de 6 m" / "ois").
    width = columns // 2 if line.large else columns
    for part in textwrap.wrap(printable(line.text), width, break_on_hyphens=False) or [""]:
        printer.textln(part)


def _qr_code(printer: Escpos, qr: QrCode, size: int) -> None:
    # Native GS ( k: the printer draws the symbol (no raster image to slice, see #367 #631).
    # python-escpos refuses center=True for native codes, but ESC a (align) positions them.
    _style(printer, align=Align.CENTER, bold=False, large=False)
    printer.qr(qr.data, native=True, size=size)
    if qr.caption:
        printer.textln(printable(qr.caption))


def _separator(printer: Escpos, columns: int) -> None:
    _reset_style(printer)
    printer.textln("-" * columns)


def render_bytes(receipt: ReceiptDocument, profile: str) -> bytes:
    """The exact ESC/POS bytes of ``receipt`` for a printer of ``profile`` (no device)."""
    # python-escpos loads its printer database on import (~0.3 s): paid at the first print.
    from escpos.printer import Dummy

    printer = Dummy(profile=profile)
    render_receipt(printer, receipt)
    return bytes(printer.output)


def columns_of(profile: str) -> int:
    """How many characters of font A fit on a line of the model's roll (42, 48...)."""
    from escpos.capabilities import get_profile

    return int(get_profile(profile).get_columns("a"))
