"""A médiateur badge that a real pcscd sees through the vpcd virtual reader.

This is a test double of the *card*, not of the driver: pcscd, vpcd, libpcsclite and pyscard
are the real ones. Debian's ``vicc`` crashes on ``FF CA`` and needs path hacks (PLATFORM.md),
so the card speaks the vpcd protocol itself:

- the card is a TCP client of vpcd: 127.0.0.1:35963 is the reader "Virtual PCD 00 00",
  35964 "Virtual PCD 00 01" (``PORTS``). Connecting is inserting, closing is removing; vpcd
  notices at pcscd's next presence poll (about every 400 ms);
- each message is a 2-byte big-endian length and a payload. A 1-byte payload is a control:
  0x00 power off, 0x01 power on, 0x02 reset, 0x04 "send your ATR" (answered with the ATR as a
  message). Any other payload is a command APDU, answered with the response APDU.

The badge: ``FF CA 00 00 00`` (GET DATA UID, answered by a contactless reader for the card) only
when ``contactless``, else 6D00; SELECT of the badge application (AID F0 "PNBADGE"); GET DATA
``00 CA 01 00`` (its serial, the UID); VERIFY ``00 20 00 80`` with an ISO 7816 retry counter
(63Cx, 6983 once blocked, reset by the right PIN; no data: 63Cx, or 9000 once verified).
Anything else: 6D00. ``application=False`` makes a card without the badge application (a plain
UID badge, or someone's bank card): SELECT answers 6A82. ``t0_style`` answers the T=0 way, so a
driver's handling of both is exercised: a wrong Le (00 included) gets 6Cxx, and SELECT's FCI
waits behind 61xx for GET RESPONSE.

Every APDU received is kept in ``apdus`` (VERIFY data included: test PINs only).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from types import TracebackType

BADGE_AID = bytes.fromhex("F0") + b"PNBADGE"
PORTS = {"Virtual PCD 00 00": 35963, "Virtual PCD 00 01": 35964}
# PC/SC part 3 ATR of an ISO 14443-4 card without historical bytes (what a contactless reader
# builds), and the ATR vicc uses for a T=1 contact card (known to be accepted by pcscd).
ATR_CONTACTLESS = bytes.fromhex("3B 80 80 01 01")
ATR_CONTACT = bytes.fromhex("3B 95 13 81 01 80 73 FF 01 00 0B")

CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0x00, 0x01, 0x02, 0x04

SW_OK = b"\x90\x00"
SW_INS_NOT_SUPPORTED = b"\x6d\x00"
SW_FILE_NOT_FOUND = b"\x6a\x82"
SW_REF_NOT_FOUND = b"\x6a\x88"
SW_BLOCKED = b"\x69\x83"
SW_WRONG_LENGTH = b"\x67\x00"


class VirtualBadge:
    """One badge. ``insert()`` connects it to vpcd, ``remove()`` takes it out; reusable."""

    def __init__(
        self,
        uid: bytes,
        pin: str | None = "1234",
        tries: int = 3,
        contactless: bool = True,
        port: int = PORTS["Virtual PCD 00 00"],
        *,
        application: bool = True,
        t0_style: bool = False,
        host: str = "127.0.0.1",
    ) -> None:
        if tries < 0:
            raise ValueError("tries cannot be negative")
        self.uid = uid
        self.pin = pin
        self.max_tries = tries
        self.tries_left = tries  # non-volatile: survives power cycles and removal
        self.contactless = contactless
        self.application = application
        self.port = port
        self.host = host
        self.t0_style = t0_style
        self.atr = ATR_CONTACTLESS if contactless else ATR_CONTACT
        self.apdus: list[bytes] = []
        self.controls: list[int] = []
        self._lock = threading.Lock()  # apdus/controls/state: read by the test, written here
        self._selected = False
        self._verified = False
        self._pending = b""  # T=0 style: response data waiting for GET RESPONSE
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    # --- the hand at the reader ---------------------------------------------------------

    def insert(self, timeout_s: float = 5.0) -> VirtualBadge:
        """Connect to vpcd; retried until ``timeout_s`` (pcscd may be restarting)."""
        if self._thread is not None:
            raise RuntimeError("badge already inserted")
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._selected = self._verified = False
            self._sock = sock
        self._thread = threading.Thread(
            target=self._serve, args=(sock,), name=f"badge-{self.uid.hex()}", daemon=True
        )
        self._thread.start()
        return self

    def remove(self) -> None:
        """Close the connection (vpcd then sees no card); nothing happens if not inserted."""
        with self._lock:
            sock, self._sock = self._sock, None
        thread, self._thread = self._thread, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in recv
            sock.close()
        if thread is not None:
            thread.join(timeout=5)

    @property
    def connected(self) -> bool:
        """False once removed, or once vpcd closed the link (pcscd stopped)."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def seen(self, prefix: bytes) -> list[bytes]:
        """The APDUs received that start with ``prefix``."""
        with self._lock:
            return [apdu for apdu in self.apdus if apdu.startswith(prefix)]

    def __enter__(self) -> VirtualBadge:
        return self.insert()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.remove()

    # --- the vpcd link ------------------------------------------------------------------

    def _serve(self, sock: socket.socket) -> None:
        try:
            while (message := _receive(sock)) is not None:
                answer = self._handle(message)
                if answer is not None:
                    sock.sendall(struct.pack(">H", len(answer)) + answer)
        except OSError:
            pass  # removed (our shutdown) or vpcd went away: either way the card is out

    def _handle(self, message: bytes) -> bytes | None:
        if len(message) == 1:
            return self._control(message[0])
        with self._lock:
            self.apdus.append(message)
            return self._apdu(message)

    def _control(self, code: int) -> bytes | None:
        with self._lock:
            if code == CTRL_ATR:  # asked at every presence poll: not worth recording
                return self.atr
            self.controls.append(code)
            # Power off, on or reset: volatile state (selection, PIN verified) is lost.
            self._selected = self._verified = False
            self._pending = b""
            return None

    # --- the card (caller holds the lock) -----------------------------------------------

    def _apdu(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return SW_WRONG_LENGTH
        cla, ins, p1, p2 = apdu[:4]
        data, le = _body(apdu)
        if (cla, ins) == (0x00, 0xC0) and self.t0_style:
            return self._get_response(le)
        self._pending = b""
        if (cla, ins, p1, p2) == (0xFF, 0xCA, 0x00, 0x00):
            return self._data(self.uid, le) if self.contactless else SW_INS_NOT_SUPPORTED
        if (cla, ins, p1, p2) == (0x00, 0xA4, 0x04, 0x00):
            self._selected = self.application and data == BADGE_AID
            if not self._selected:
                return SW_FILE_NOT_FOUND
            if self.t0_style:  # T=0: the FCI waits for GET RESPONSE
                self._pending = bytes([0x6F, 2 + len(BADGE_AID), 0x84, len(BADGE_AID)]) + BADGE_AID
                return bytes([0x61, len(self._pending)])
            return SW_OK
        if (cla, ins, p1, p2) == (0x00, 0xCA, 0x01, 0x00):
            return self._data(self.uid, le) if self._selected else SW_REF_NOT_FOUND
        if (cla, ins, p1, p2) == (0x00, 0x20, 0x00, 0x80):
            return self._verify(data)
        return SW_INS_NOT_SUPPORTED

    def _data(self, data: bytes, le: int | None) -> bytes:
        # T=0 takes Le 00 as "256 bytes": anything but the exact length is sent back.
        exact = (len(data),) if self.t0_style else (None, 0, len(data))
        if le not in exact:
            return bytes([0x6C, len(data)])  # "wrong Le, send it again with this one"
        return data + SW_OK

    def _get_response(self, le: int | None) -> bytes:
        data, self._pending = self._pending, b""
        if not data:
            return bytes.fromhex("6985")  # nothing waiting
        if le != len(data):
            self._pending = data
            return bytes([0x6C, len(data)])
        return data + SW_OK

    def _verify(self, pin: bytes) -> bytes:
        if self.pin is None or not self._selected:
            return SW_REF_NOT_FOUND  # no PIN on this badge (or outside its application)
        if self.tries_left == 0:
            return SW_BLOCKED
        if not pin:  # status query: tries left, or already verified
            return SW_OK if self._verified else bytes([0x63, 0xC0 | self.tries_left])
        if pin == self.pin.encode("ascii"):
            self.tries_left = self.max_tries
            self._verified = True
            return SW_OK
        self.tries_left -= 1
        self._verified = False
        return bytes([0x63, 0xC0 | self.tries_left])


def _receive(sock: socket.socket) -> bytes | None:
    """One vpcd message, or None when the link is closed."""
    header = _read_exactly(sock, 2)
    if header is None:
        return None
    (length,) = struct.unpack(">H", header)
    return _read_exactly(sock, length)


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def _body(apdu: bytes) -> tuple[bytes, int | None]:
    """Data and Le of a short APDU (cases 1-4); extended APDUs are not used by badges."""
    rest = apdu[4:]
    if not rest:
        return b"", None  # case 1
    if len(rest) == 1:
        return b"", rest[0]  # case 2
    lc = rest[0]
    data = rest[1 : 1 + lc]
    le = rest[1 + lc] if len(rest) > 1 + lc else None  # case 4 or case 3
    return data, le
