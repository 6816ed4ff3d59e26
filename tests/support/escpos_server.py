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
from dataclasses import dataclass
from types import TracebackType
from typing import Literal

from drivers.printer.escpos_parse import (  # re-exported: the tests read back what was printed
    EscposParseError,
    ParsedReceipt,
    PrintedLine,
    PrintedQr,
    parse_escpos,
)

__all__ = [
    "EscposParseError",
    "FakeReceiptPrinter",
    "ParsedReceipt",
    "PrintedLine",
    "PrintedQr",
    "parse_escpos",
]

PaperState = Literal["ok", "near_end", "out"]

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
