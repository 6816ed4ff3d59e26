"""One HTTP request and its answer, as the endpoint code sees them (no socket, no handler).

The endpoint modules (``tus``, ``commit``) read the request body only through ``Exchange``, which
enforces the ``Content-Length`` framing: whatever they leave unread is drained by the server
before it answers, so an error answered early (409, 413, 460...) never leaves body bytes in the
keep-alive connection to be misread as the next request.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import parse_qs, urlsplit

from kiosk.receiver.problems import Problem

_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


class ClientGone(Exception):
    """The body ended before ``Content-Length`` bytes (connection closed, reset or silent)."""


class ConnectionDropped(Exception):
    """Fault injection: lose the connection without answering."""


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class Exchange:
    """The request line, headers and body of one request."""

    def __init__(
        self,
        method: str,
        target: str,
        headers: Message,
        rfile: io.BufferedIOBase,
        default_host: str,
        client_ip: str,
    ) -> None:
        self.method = method
        split = urlsplit(target)
        self.path = split.path
        self.query = parse_qs(split.query, keep_blank_values=True)
        self.headers = headers
        self.client_ip = client_ip
        self._rfile = rfile
        host = (headers.get("Host") or "").strip()
        # The Host header names this server as the client reached it; anything odd (spaces,
        # credentials, paths) is not trusted into a Location URL.
        self.base_url = "http://" + (host if _HOST.match(host) else default_host)
        self.framing_error: Problem | None = None
        self.content_length: int | None = None
        if headers.get("Transfer-Encoding") is not None:
            self.framing_error = Problem(
                411, "length-required", "chunked bodies are not accepted: send Content-Length"
            )
        raw_length = headers.get("Content-Length")
        if raw_length is not None and self.framing_error is None:
            if re.fullmatch(r"[0-9]{1,19}", raw_length.strip()):
                self.content_length = int(raw_length.strip())
            else:
                self.framing_error = Problem(400, "bad-request", "invalid Content-Length")
        self.remaining = self.content_length or 0
        self.body_bytes_read = 0
        # Set by PATCH /files/<id>: whose bytes_received_total the body counts towards.
        self.upload_id: str | None = None
        self.is_control = False
        self.is_portal = False
        self._cleanups: list[Callable[[], None]] = []

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return None if value is None else value.strip()

    def media_type(self) -> str:
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    def read_into(self, buffer: memoryview) -> int:
        """Fill ``buffer`` (at most the rest of the body); ClientGone if the body falls short."""
        wanted = min(len(buffer), self.remaining)
        if wanted == 0:
            return 0
        try:
            got = self._rfile.readinto(buffer[:wanted])
        except OSError as error:  # reset, timeout
            raise ClientGone(str(error)) from error
        if not got:
            raise ClientGone("connection closed before the end of the body")
        self.remaining -= got
        self.body_bytes_read += got
        return got

    def read_all(self) -> bytes:
        """The whole (small: the caller bounds it) body."""
        data = bytearray(self.remaining)
        view = memoryview(data)
        done = 0
        while self.remaining:
            done += self.read_into(view[done:])
        return bytes(data)

    def drain(self, block: int = 1 << 20) -> None:
        buffer = memoryview(bytearray(min(block, max(self.remaining, 1))))
        while self.remaining:
            self.read_into(buffer)

    def after_response(self, cleanup: Callable[[], None]) -> None:
        """Run ``cleanup`` once the answer is sent (or the connection lost)."""
        self._cleanups.append(cleanup)

    def run_cleanups(self) -> None:
        while self._cleanups:
            self._cleanups.pop()()
