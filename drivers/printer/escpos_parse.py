"""What an ESC/POS printer prints from a byte stream: text lines with their code page, bold,
size and alignment, QR codes, cuts. The simulated printer shows its receipts through it, and
the tests read back what reached a printer (tests/support/escpos_server.py).

Commands are walked with their parameters, so parameter bytes are never read as text; the
code page selected by ``ESC t n`` decodes the text, as on paper.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

Alignment = Literal["left", "center", "right"]

DLE, EOT, ESC, FS, GS = 0x10, 0x04, 0x1B, 0x1C, 0x1D
LF, HT, FF, CR = 0x0A, 0x09, 0x0C, 0x0D

# ---------------------------------------------------------------------------------------------
# The parser
# ---------------------------------------------------------------------------------------------

# ESC t n -> Python codec. Numbers from the Epson ESC/POS reference (same as python-escpos's
# capabilities for TM printers: CP858 is 19).
CODE_PAGES: dict[int, str] = {
    0: "cp437",
    2: "cp850",
    3: "cp860",
    4: "cp863",
    5: "cp865",
    16: "cp1252",
    17: "cp866",
    18: "cp852",
    19: "cp858",
    40: "iso8859_15",
}

_ALIGNMENTS: dict[int, Alignment] = {
    0: "left",
    48: "left",
    1: "center",
    49: "center",
    2: "right",
    50: "right",
}


@dataclass(frozen=True)
class PrintedLine:
    """One printed line (ended by LF, or by ESC d / ESC J / a cut)."""

    text: str
    bold: bool = False  # every visible character emphasised (ESC E, ESC ! bit 3)
    width: int = 1  # largest character width multiplier on the line (ESC !, GS !)
    height: int = 1
    align: Alignment = "left"

    @property
    def large(self) -> bool:
        return self.width > 1 or self.height > 1


@dataclass(frozen=True)
class PrintedQr:
    data: str  # decoded as UTF-8 (python-escpos encodes QR content as UTF-8)
    raw: bytes
    module_size: int | None
    align: Alignment


@dataclass
class ParsedReceipt:
    """What a printer would have printed from a byte stream."""

    items: list[PrintedLine | PrintedQr] = field(default_factory=list)  # in paper order
    barcodes: list[str] = field(default_factory=list)
    cuts: int = 0
    code_pages: list[int] = field(default_factory=list)  # every ESC t n, in order
    inits: int = 0  # ESC @
    status_requests: list[int] = field(default_factory=list)  # DLE EOT n
    images: int = 0
    unprinted: list[str] = field(default_factory=list)  # text never ended by a line feed
    unknown: list[bytes] = field(default_factory=list)  # commands the parser does not know

    @property
    def printed_lines(self) -> list[PrintedLine]:
        return [item for item in self.items if isinstance(item, PrintedLine)]

    @property
    def lines(self) -> list[str]:
        """Every printed line, blank ones included (``ESC d n`` is n line feeds)."""
        return [line.text for line in self.printed_lines]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def qr_codes(self) -> list[str]:
        return [item.data for item in self.items if isinstance(item, PrintedQr)]

    @property
    def bold_lines(self) -> list[str]:
        return [line.text for line in self.printed_lines if line.bold]

    @property
    def large_lines(self) -> list[str]:
        return [line.text for line in self.printed_lines if line.large]

    def line(self, text: str) -> PrintedLine:
        """The first printed line equal to ``text`` (KeyError if none)."""
        for line in self.printed_lines:
            if line.text == text:
                return line
        raise KeyError(text)


class EscposParseError(ValueError):
    pass


@dataclass
class _Run:
    text: str
    bold: bool
    width: int
    height: int


class _Parser:
    def __init__(self, data: bytes, code_page: int, strict: bool) -> None:
        self.data = data
        self.pos = 0
        self.strict = strict
        self.out = ParsedReceipt()
        self.power_on_code_page = code_page
        self.buffer: list[_Run] = []
        self.qr_data: bytes | None = None
        self.qr_size: int | None = None
        self._reset()

    def _reset(self) -> None:
        self.code_page = self.power_on_code_page
        self.bold = False
        self.width = 1
        self.height = 1
        self.align: Alignment = "left"

    # -- helpers -------------------------------------------------------------------------------

    def take(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            raise _Truncated
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def unknown(self, start: int) -> None:
        command = self.data[start : self.pos]
        if self.strict:
            raise EscposParseError(f"unknown ESC/POS command {command!r} at offset {start}")
        self.out.unknown.append(command)

    def line_feed(self) -> None:
        runs, self.buffer = self.buffer, []
        text = "".join(run.text for run in runs)
        visible = [run for run in runs if run.text.strip()]
        self.out.items.append(
            PrintedLine(
                text=text,
                bold=bool(visible) and all(run.bold for run in visible),
                width=max((run.width for run in visible), default=1),
                height=max((run.height for run in visible), default=1),
                align=self.align,
            )
        )

    def flush(self) -> None:
        """Print what is buffered, if anything (ESC J, cuts, QR codes...)."""
        if self.buffer:
            self.line_feed()

    def add_text(self, raw: bytes) -> None:
        codec = CODE_PAGES.get(self.code_page)
        if codec is None:
            if self.strict:
                raise EscposParseError(f"code page {self.code_page} is not supported")
            text = raw.decode("latin-1")
        else:
            text = raw.decode(codec)
        run = _Run(text, self.bold, self.width, self.height)
        last = self.buffer[-1] if self.buffer else None
        if last is not None and (last.bold, last.width, last.height) == (
            run.bold,
            run.width,
            run.height,
        ):
            last.text += text
        else:
            self.buffer.append(run)

    # -- main loop -----------------------------------------------------------------------------

    def parse(self) -> ParsedReceipt:
        data = self.data
        while self.pos < len(data):
            start = self.pos
            byte = data[start]
            if byte >= 0x20:
                end = start
                while end < len(data) and data[end] >= 0x20:
                    end += 1
                self.add_text(data[start:end])
                self.pos = end
                continue
            self.pos += 1
            try:
                if byte == LF:
                    self.line_feed()
                elif byte == HT:
                    self.add_text(b" ")  # a tab stop: shown as one space
                elif byte in (CR, 0x00, 0x18):  # CR (no auto LF), NUL, CAN: nothing printed
                    pass
                elif byte == FF:
                    self.flush()
                elif byte == ESC:
                    self.esc(start)
                elif byte == GS:
                    self.gs(start)
                elif byte == DLE:
                    self.dle(start)
                elif byte == FS:
                    self.fs(start)
                else:
                    self.unknown(start)
            except _Truncated:
                self.pos = start
                self.unknown_rest()
                break
        if self.buffer:
            self.out.unprinted.append("".join(run.text for run in self.buffer))
            self.buffer = []
        return self.out

    def unknown_rest(self) -> None:
        command = self.data[self.pos :]
        if self.strict:
            raise EscposParseError(f"truncated ESC/POS command {command!r}")
        self.out.unknown.append(command)
        self.pos = len(self.data)

    # -- ESC -----------------------------------------------------------------------------------

    # ESC commands with a fixed number of parameter bytes and no effect on the text.
    _ESC_SKIP: ClassVar[dict[int, int]] = {
        **dict.fromkeys(b"-GMRrV{3 %?U=uT", 1),
        ord("c"): 2,  # ESC c 3 n / ESC c 4 n / ESC c 5 n
        ord("p"): 3,  # ESC p m t1 t2: cash drawer pulse
        ord("B"): 2,  # ESC B n t: buzzer
        ord("$"): 2,
        ord("\\"): 2,
        ord("W"): 8,
        ord("2"): 0,
        ord("L"): 0,
        ord("S"): 0,
        FF: 0,
        ord("<"): 0,
        ord("v"): 0,  # transmit paper sensor status (older models)
    }

    def esc(self, start: int) -> None:
        command = self.byte()
        if command == ord("@"):  # initialise: clears the print buffer and the modes
            if self.buffer:
                self.out.unprinted.append("".join(run.text for run in self.buffer))
                self.buffer = []
            self.out.inits += 1
            self._reset()
        elif command == ord("t"):
            n = self.byte()
            self.code_page = n
            self.out.code_pages.append(n)
        elif command == ord("E"):
            self.bold = bool(self.byte() & 1)
        elif command == ord("!"):
            n = self.byte()
            self.bold = bool(n & 0x08)
            self.height = 2 if n & 0x10 else 1
            self.width = 2 if n & 0x20 else 1
        elif command == ord("a"):
            n = self.byte()
            # Only effective at the beginning of a line (Epson): ignored mid-line.
            if not self.buffer and n in _ALIGNMENTS:
                self.align = _ALIGNMENTS[n]
        elif command == ord("d"):  # print and feed n lines: as n line feeds (n=0: print only)
            n = self.byte()
            if n == 0:
                self.flush()
            for _ in range(n):
                self.line_feed()
        elif command in (ord("J"), ord("K"), ord("e")):  # feed dots / reverse feeds
            self.byte()
            self.flush()
        elif command in (ord("i"), ord("m")):  # partial cut (older command)
            self.flush()
            self.out.cuts += 1
        elif command == ord("D"):  # tab positions, NUL-terminated
            while self.byte() != 0:
                pass
        elif command == ord("*"):  # bit image: m nL nH d1...dk
            m, low, high = self.take(3)
            self.take((low + 256 * high) * (1 if m in (0, 1) else 3))
            self.flush()
            self.out.images += 1
        elif command == ord("&"):  # user-defined characters: y c1 c2 [x d1...d(y*x)]...
            y, first, last = self.take(3)
            for _ in range(max(0, last - first + 1)):
                x = self.byte()
                self.take(y * x)
        elif command in self._ESC_SKIP:
            self.take(self._ESC_SKIP[command])
        else:
            self.unknown(start)

    # -- GS ------------------------------------------------------------------------------------

    _GS_SKIP: ClassVar[dict[int, int]] = {
        **dict.fromkeys(b"BbHhwfIraE|/T", 1),
        ord("L"): 2,
        ord("W"): 2,
        ord("P"): 2,
        ord("$"): 2,
        ord("\\"): 2,
        ord("^"): 3,
        ord(":"): 0,
    }

    def gs(self, start: int) -> None:
        command = self.byte()
        if command == ord("!"):
            n = self.byte()
            self.width = (n >> 4) + 1
            self.height = (n & 0x0F) + 1
        elif command == ord("V"):  # cut: GS V m, or GS V m n for m = 65, 66, 97, 98, 103, 104
            m = self.byte()
            if m in (65, 66, 97, 98, 103, 104):
                self.byte()
            self.flush()
            self.out.cuts += 1
        elif command == ord("("):  # GS ( X pL pH <pL + 256 pH bytes>
            function = self.byte()
            low, high = self.take(2)
            body = self.take(low + 256 * high)
            if function == ord("k"):
                self.two_d_code(body)
            elif function == ord("L"):
                self.graphics(body)
        elif command == ord("8"):  # GS 8 L p1 p2 p3 p4 <...>: large graphics data
            function = self.byte()
            size = int.from_bytes(self.take(4), "little")
            body = self.take(size)
            if function == ord("L"):
                self.graphics(body)
        elif command == ord("v"):  # GS v 0 m xL xH yL yH <data>: raster image
            self.take(2)
            xl, xh, yl, yh = self.take(4)
            self.take((xl + 256 * xh) * (yl + 256 * yh))
            self.flush()
            self.out.images += 1
        elif command == ord("*"):  # GS * x y <x*y*8 bytes>: downloaded bit image
            x, y = self.take(2)
            self.take(x * y * 8)
        elif command == ord("k"):
            self.barcode()
        elif command in self._GS_SKIP:
            self.take(self._GS_SKIP[command])
        else:
            self.unknown(start)

    def two_d_code(self, body: bytes) -> None:
        if len(body) < 2 or body[0] != 49:  # cn 49: QR code (48 is PDF417, others...)
            return
        function, params = body[1], body[2:]
        if function == 67 and params:  # module size
            self.qr_size = params[0]
        elif function == 80 and params:  # store: m=48 then the data
            self.qr_data = bytes(params[1:])
        elif function == 81 and self.qr_data is not None:  # print the stored symbol
            self.flush()
            self.out.items.append(
                PrintedQr(
                    data=self.qr_data.decode("utf-8", errors="replace"),
                    raw=self.qr_data,
                    module_size=self.qr_size,
                    align=self.align,
                )
            )

    def graphics(self, body: bytes) -> None:
        # GS ( L / GS 8 L: m fn ...; fn 50 (0x32) or 2 prints the stored graphics.
        if len(body) >= 2 and body[1] in (2, 50):
            self.flush()
            self.out.images += 1

    def barcode(self) -> None:
        m = self.byte()
        if m <= 6:  # function A: NUL-terminated
            raw = bytearray()
            while (byte := self.byte()) != 0:
                raw.append(byte)
        else:  # function B: length byte
            raw = bytearray(self.take(self.byte()))
        self.flush()
        self.out.barcodes.append(raw.decode("ascii", errors="replace"))

    # -- DLE and FS ----------------------------------------------------------------------------

    def dle(self, start: int) -> None:
        command = self.byte()
        if command == EOT:
            n = self.byte()
            if n in (7, 8):
                self.byte()
            self.out.status_requests.append(n)
        elif command == 0x05:  # DLE ENQ n
            self.byte()
        elif command == 0x14:  # DLE DC4 fn ...
            function = self.byte()
            self.take({1: 2, 2: 2, 7: 1, 8: 7}.get(function, 2))
        else:
            self.unknown(start)

    def fs(self, start: int) -> None:
        command = self.byte()
        if command in (ord("."), ord("&")):
            return
        if command == ord("p"):  # NV bit image print
            self.take(2)
            self.flush()
            self.out.images += 1
        elif command in (ord("C"), ord("!"), ord("-"), ord("W")):
            self.byte()
        elif command == ord("S"):
            self.take(2)
        elif command == ord("("):
            self.byte()
            low, high = self.take(2)
            self.take(low + 256 * high)
        else:
            self.unknown(start)


class _Truncated(Exception):
    pass


def parse_escpos(data: bytes, *, code_page: int = 0, strict: bool = False) -> ParsedReceipt:
    """Decode an ESC/POS byte stream the way an Epson TM printer interprets it.

    ``code_page`` is the page in force at power-up and after ``ESC @`` (0, CP437, on most
    printers). Text is decoded with the page selected by the last ``ESC t``. Unknown commands
    are skipped by their first two bytes and listed in ``unknown``; ``strict=True`` raises
    ``EscposParseError`` instead, and also on an unsupported code page.
    """
    return _Parser(data, code_page, strict).parse()
