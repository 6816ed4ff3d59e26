"""A fake ESC/POS receipt printer on TCP, and a parser for what it was sent.

This is a test double of the printer's *wire protocol*, not of the driver: a TCP server on
127.0.0.1 that behaves like an Epson TM thermal printer's raw port (9100). It records every byte
it receives and answers the real-time status requests ``DLE EOT n`` (n = 1..4) with the status
bytes of the Epson ESC/POS reference, according to settable state (paper, cover, errors).

Driving it with python-escpos's own ``Network`` printer is a real component test of the printer
driver: the real library, a real socket, the real byte stream both ways. Only the print head is
missing, and ``parse_escpos`` stands in for it: it decodes the byte stream the way the printer
interprets it (code page selected by ``ESC t``, emphasis, sizes, alignment, native QR codes,
cuts), skipping every other command with its parameters so they are never read as text. What
it cannot tell you is how a given model renders the bytes; the bytes themselves are the ones a
printer receives.

Status bytes answered (Epson ESC/POS reference, ``DLE EOT``; bits 1 and 4 are always on, so
the "all clear" byte is 0x12):

- n=1 printer status: bit 3 offline (cover open, paper out or an error stops the printer).
- n=2 offline cause: bit 2 cover open, bit 5 printing stopped by paper end, bit 6 error.
- n=3 error cause: bit 3 autocutter error.
- n=4 roll paper sensor: bits 2-3 near end, bits 5-6 paper end. An empty roll also trips the
  near-end sensor (it sits before the end sensor), so "out" answers 0x7E.

Like a real printer, the server reacts to ``DLE EOT n`` wherever it appears in the stream, even
inside another command's data (the Epson manual warns about it): avoid those bytes in QR data.
A printer that is offline still receives (and here records) data; a real one buffers it and
prints it once the cause is cleared.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import ClassVar, Literal

PaperState = Literal["ok", "near_end", "out"]
Alignment = Literal["left", "center", "right"]

DLE, EOT, ESC, FS, GS = 0x10, 0x04, 0x1B, 0x1C, 0x1D
LF, HT, FF, CR = 0x0A, 0x09, 0x0C, 0x0D

# ---------------------------------------------------------------------------------------------
# Status bytes
# ---------------------------------------------------------------------------------------------

STATUS_FIXED = 0x12  # bits 1 and 4: "fixed to on" in every DLE EOT answer
ONLINE_OFFLINE = 0x08  # n=1 bit 3
OFFLINE_COVER_OPEN = 0x04  # n=2 bit 2
OFFLINE_PAPER_END_STOP = 0x20  # n=2 bit 5
OFFLINE_ERROR = 0x40  # n=2 bit 6
ERROR_AUTOCUTTER = 0x08  # n=3 bit 3
PAPER_NEAR_END = 0x0C  # n=4 bits 2-3
PAPER_END = 0x60  # n=4 bits 5-6


@dataclass
class PrinterSensors:
    """The state a printer reports through ``DLE EOT``."""

    paper: PaperState = "ok"
    cover_open: bool = False
    cutter_error: bool = False

    @property
    def offline(self) -> bool:
        return self.cover_open or self.paper == "out" or self.cutter_error

    def status_byte(self, n: int) -> int | None:
        """The answer to ``DLE EOT n``; None for the requests an Epson TM does not answer."""
        if n == 1:
            return STATUS_FIXED | (ONLINE_OFFLINE if self.offline else 0)
        if n == 2:
            byte = STATUS_FIXED
            if self.cover_open:
                byte |= OFFLINE_COVER_OPEN
            if self.paper == "out":
                byte |= OFFLINE_PAPER_END_STOP
            if self.cutter_error:
                byte |= OFFLINE_ERROR
            return byte
        if n == 3:
            return STATUS_FIXED | (ERROR_AUTOCUTTER if self.cutter_error else 0)
        if n == 4:
            if self.paper == "out":
                return STATUS_FIXED | PAPER_NEAR_END | PAPER_END
            if self.paper == "near_end":
                return STATUS_FIXED | PAPER_NEAR_END
            return STATUS_FIXED
        return None


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------


@dataclass
class _Connection:
    sock: socket.socket
    index: int  # into FakeReceiptPrinter._streams
    rt_state: int = 0  # 0: normal, 1: after DLE, 2: after DLE EOT


class FakeReceiptPrinter:
    """An ESC/POS printer listening on ``127.0.0.1:<port>`` (``port=0``: any free port).

    Use as a context manager. Knobs, settable at any time: ``paper`` ("ok", "near_end",
    "out"), ``cover_open``, ``cutter_error``, ``silent`` (receives but never answers status
    requests, as models without DLE EOT support), ``hang_up`` (closes the connection instead
    of answering a status request), ``refuse`` (printer off: connections are refused and open
    ones are closed).

    ``received`` is every byte received, across connections, in arrival order;
    ``streams`` has one entry per connection; ``parsed()`` decodes ``received``. Bytes sent
    by a client arrive asynchronously: use ``wait_for_cuts``/``wait_for`` before asserting.
    """

    def __init__(
        self,
        *,
        paper: PaperState = "ok",
        cover_open: bool = False,
        cutter_error: bool = False,
        silent: bool = False,
        hang_up: bool = False,
        refuse: bool = False,
        port: int = 0,
    ) -> None:
        self.sensors = PrinterSensors(paper=paper, cover_open=cover_open, cutter_error=cutter_error)
        self.silent = silent
        self.hang_up = hang_up
        self.host = "127.0.0.1"
        self.port = port
        self._refuse = refuse
        self._lock = threading.Condition()
        self._streams: list[bytearray] = []
        self._received = bytearray()
        self._status_requests: list[int] = []
        self._thread: threading.Thread | None = None
        self._selector: selectors.BaseSelector | None = None
        self._listener: socket.socket | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._pending: list[Callable[[], None]] = []
        self._done = threading.Event()
        self._connections: dict[socket.socket, _Connection] = {}
        self._error: BaseException | None = None

    # -- state knobs ---------------------------------------------------------------------------

    @property
    def paper(self) -> PaperState:
        return self.sensors.paper

    @paper.setter
    def paper(self, value: PaperState) -> None:
        if value not in ("ok", "near_end", "out"):
            raise ValueError(f"paper must be 'ok', 'near_end' or 'out', not {value!r}")
        self.sensors.paper = value

    @property
    def cover_open(self) -> bool:
        return self.sensors.cover_open

    @cover_open.setter
    def cover_open(self, value: bool) -> None:
        self.sensors.cover_open = value

    @property
    def cutter_error(self) -> bool:
        return self.sensors.cutter_error

    @cutter_error.setter
    def cutter_error(self, value: bool) -> None:
        self.sensors.cutter_error = value

    @property
    def refuse(self) -> bool:
        return self._refuse

    @refuse.setter
    def refuse(self, value: bool) -> None:
        if value == self._refuse:
            return
        self._refuse = value
        if self._thread is not None:
            self._run_in_server(self._apply_refuse)

    # -- records -------------------------------------------------------------------------------

    @property
    def received(self) -> bytes:
        with self._lock:
            return bytes(self._received)

    @property
    def streams(self) -> list[bytes]:
        """The bytes of each connection accepted so far, in the order they were accepted."""
        with self._lock:
            return [bytes(stream) for stream in self._streams]

    @property
    def connection_count(self) -> int:
        with self._lock:
            return len(self._streams)

    @property
    def status_requests(self) -> list[int]:
        """The ``n`` of every ``DLE EOT n`` received, answered or not."""
        with self._lock:
            return list(self._status_requests)

    def parsed(self) -> ParsedReceipt:
        return parse_escpos(self.received)

    def clear(self) -> None:
        """Forget what was received (the connections stay open)."""
        with self._lock:
            self._received.clear()
            self._status_requests.clear()
            for stream in self._streams:
                stream.clear()

    def wait_for(self, predicate: Callable[[bytes], bool], timeout: float = 2.0) -> bytes:
        """Wait until ``predicate(received)`` holds; return ``received``. TimeoutError if not."""
        with self._lock:
            if not self._lock.wait_for(lambda: predicate(bytes(self._received)), timeout):
                raise TimeoutError(
                    f"fake printer: condition not met after {timeout} s "
                    f"({len(self._received)} bytes received)"
                )
            return bytes(self._received)

    def wait_for_cuts(self, count: int = 1, timeout: float = 2.0) -> ParsedReceipt:
        """Wait until ``count`` cuts were received; return the parsed stream."""
        data = self.wait_for(lambda data: parse_escpos(data).cuts >= count, timeout)
        return parse_escpos(data)

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> FakeReceiptPrinter:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("fake printer already started")
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._listener = self._bind()
        if not self._refuse:
            self._listen()
        self._thread = threading.Thread(target=self._serve, name="fake-escpos-printer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        if self._thread.is_alive():
            self._run_in_server(self._shutdown)
        self._thread.join(timeout=5)
        self._thread = None
        for sock in (self._wake_r, self._wake_w):
            if sock is not None:
                sock.close()
        if self._selector is not None:
            self._selector.close()
        if self._error is not None:
            raise RuntimeError("fake printer: the server thread failed") from self._error

    # -- server thread -------------------------------------------------------------------------

    def _bind(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]  # keep the same port across refuse/accept cycles
        return sock

    def _listen(self) -> None:
        assert self._listener is not None and self._selector is not None
        self._listener.listen(8)
        self._listener.setblocking(False)
        self._selector.register(self._listener, selectors.EVENT_READ, None)

    def _apply_refuse(self) -> None:
        # A bound socket that does not listen holds the port and makes connect() fail with
        # ECONNREFUSED, as a printer that is switched off (or a closed port) would.
        assert self._listener is not None and self._selector is not None
        if self._refuse:
            for sock in list(self._connections):
                self._drop(sock)
            with contextlib.suppress(KeyError):
                self._selector.unregister(self._listener)
            self._listener.close()
            self._listener = self._bind()
        else:
            self._listen()

    def _shutdown(self) -> None:
        assert self._selector is not None
        for sock in list(self._connections):
            self._drop(sock)
        if self._listener is not None:
            with contextlib.suppress(KeyError):
                self._selector.unregister(self._listener)
            self._listener.close()
            self._listener = None
        self._done.set()

    def _run_in_server(self, action: Callable[[], None]) -> None:
        """Run ``action`` on the server thread and wait for it (sockets stay single-threaded)."""
        finished = threading.Event()

        def run() -> None:
            try:
                action()
            finally:
                finished.set()

        with self._lock:
            self._pending.append(run)
        assert self._wake_w is not None
        self._wake_w.send(b"x")
        if not finished.wait(timeout=5):
            raise TimeoutError("fake printer: server thread did not respond")

    def _serve(self) -> None:
        try:
            self._serve_forever()
        except BaseException as exc:  # surfaced by stop(), so a bug here fails the test
            self._error = exc
            raise

    def _serve_forever(self) -> None:
        assert self._selector is not None
        while not self._done.is_set():
            for key, _ in self._selector.select():
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                if sock is self._wake_r:
                    self._run_pending()
                elif sock is self._listener:
                    self._accept()
                else:
                    self._receive(sock)
                if self._done.is_set():
                    break

    def _run_pending(self) -> None:
        assert self._wake_r is not None
        with contextlib.suppress(BlockingIOError):
            self._wake_r.recv(1024)
        with self._lock:
            actions, self._pending = self._pending, []
        for action in actions:
            action()

    def _accept(self) -> None:
        assert self._listener is not None and self._selector is not None
        try:
            sock, _ = self._listener.accept()
        except BlockingIOError:
            return
        sock.setblocking(True)
        with self._lock:
            self._streams.append(bytearray())
            index = len(self._streams) - 1
            self._lock.notify_all()
        self._connections[sock] = _Connection(sock, index)
        self._selector.register(sock, selectors.EVENT_READ, None)

    def _drop(self, sock: socket.socket) -> None:
        assert self._selector is not None
        self._connections.pop(sock, None)
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def _receive(self, sock: socket.socket) -> None:
        connection = self._connections.get(sock)
        if connection is None:
            return
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._drop(sock)
            return
        requests = _real_time_requests(connection, data)
        with self._lock:
            self._received += data
            self._streams[connection.index] += data
            self._status_requests += requests
            self._lock.notify_all()
        for n in requests:
            if self.hang_up:
                self._drop(sock)
                return
            answer = None if self.silent else self.sensors.status_byte(n)
            if answer is not None:
                try:
                    sock.sendall(bytes([answer]))
                except OSError:
                    self._drop(sock)
                    return


def _real_time_requests(connection: _Connection, data: bytes) -> list[int]:
    """The ``n`` of each ``DLE EOT n`` in ``data``, across chunk boundaries."""
    if connection.rt_state == 0 and DLE not in data:
        return []
    requests: list[int] = []
    state = connection.rt_state
    for byte in data:
        if state == 2:
            requests.append(byte)
            state = 0
        elif state == 1:
            state = 2 if byte == EOT else (1 if byte == DLE else 0)
        elif byte == DLE:
            state = 1
    connection.rt_state = state
    return requests


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
