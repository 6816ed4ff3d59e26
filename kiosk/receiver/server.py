"""The HTTP side: a threading HTTP/1.1 server with keep-alive, and the ``Receiver`` around it.

Every answer has a ``Content-Length`` (HEAD answers give the length their body would have), so
keep-alive connections stay in step; a request whose body framing cannot be trusted (chunked,
bad ``Content-Length``) is answered and the connection closed.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import logging
import socket
import socketserver
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from kiosk.receiver import routes, tus
from kiosk.receiver.context import Context
from kiosk.receiver.exchange import ClientGone, ConnectionDropped, Exchange, Response
from kiosk.receiver.faults import Faults
from kiosk.receiver.problems import PROBLEM_CONTENT_TYPE, Problem, reason_phrase, status_problem
from kiosk.receiver.storage import Storage

LOG = logging.getLogger("kiosk.receiver")

# A body this much larger than the largest upload is not drained: the connection is closed.
DRAIN_SLACK = 1 << 20


def problem_response(problem: Problem) -> Response:
    return Response(problem.status, problem.body(), PROBLEM_CONTENT_TYPE, dict(problem.headers))


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "point-numerique-receiver/1"
    sys_version = ""
    # Seconds a read may wait: a client that stops sending mid-body frees its upload's lock.
    timeout = 30.0
    # Headers and body leave in two writes: without TCP_NODELAY, Nagle's algorithm holds the
    # body back until the client's delayed ACK (40 ms per answer on Linux).
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_PATCH = do_DELETE = do_OPTIONS = do_PUT = do_GET

    def _serve(self) -> None:
        started = time.monotonic()
        ctx = self.server.ctx
        ex = Exchange(
            self.command,
            self.path,
            self.headers,
            self.rfile,
            self.server.authority(),
            str(self.client_address[0]),
        )
        status: int | str = "-"
        try:
            try:
                response = routes.route(ctx, ex)
            except Problem as problem:
                response = problem_response(problem)
            if ex.path.startswith("/files") and not ex.is_portal:
                response.headers.update(tus.tus_headers())
            self._finish_body(ex)
            self._count_received(ex)  # before the answer: a client that has it sees the count
            self._write(ex, response)
            status = response.status
        except ConnectionDropped:
            # Counted before the cut, so a client that saw it also sees it in the stats.
            ctx.stats.add("dropped")
            self._count_received(ex)
            self._drop()
            status = "dropped"
        except ClientGone:
            self.close_connection = True
            status = "client-gone"
        except Exception:
            LOG.exception("receiver.error %s %s", ex.method, ex.path)
            self.close_connection = True
            with contextlib.suppress(OSError):
                self._write(ex, problem_response(status_problem(500, "internal error")))
            status = 500
        finally:
            ex.run_cleanups()
            self._count_received(ex)
        if not ex.is_control:
            # Method, path (opaque ids only, no query), status, size: no personal data.
            LOG.info(
                "%s %s %s in=%d %.0fms",
                ex.method,
                ex.path,
                status,
                ex.body_bytes_read,
                (time.monotonic() - started) * 1000,
            )

    def _count_received(self, ex: Exchange) -> None:
        if ex.upload_id is not None:
            self.server.ctx.stats.add_received(ex.upload_id, ex.body_bytes_read)
            ex.upload_id = None  # once

    def _finish_body(self, ex: Exchange) -> None:
        """Consume what the endpoint left of the body, or give up the connection."""
        if ex.framing_error is not None or ex.remaining > self.server.ctx.max_size + DRAIN_SLACK:
            self.close_connection = True
        else:
            ex.drain()

    def _write(self, ex: Exchange, response: Response) -> None:
        if not ex.is_control:
            delay = self.server.ctx.faults.delay_seconds
            if delay:
                time.sleep(delay)
        self.send_response(response.status, reason_phrase(response.status))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.content_type is not None:
            self.send_header("Content-Type", response.content_type)
        if response.status != 204:  # RFC 9110: no Content-Length on 204, which has no body
            self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if ex.method != "HEAD" and response.body:
            self.wfile.write(response.body)
        self.wfile.flush()

    def _drop(self) -> None:
        """Lose the connection as a network fault would: no status line, no bytes."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors found by the standard library itself (bad request line, unknown method...)
        in the contract's shape too."""
        body = status_problem(code, explain or message or "").body()
        self.close_connection = True
        self.send_response(code, reason_phrase(code))
        self.send_header("Content-Type", PROBLEM_CONTENT_TYPE)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def version_string(self) -> str:
        return self.server_version

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # _serve logs its own line, without the query string

    def log_message(self, format: str, *args: Any) -> None:
        LOG.debug("http: " + format, *args)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() closes the connections and joins with a timeout itself
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], ctx: Context) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.ctx = ctx
        self._open: dict[socket.socket, threading.Thread] = {}
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can stall on DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def authority(self) -> str:
        """``host:port`` as a URL says it (IPv6 in brackets)."""
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else str(host)
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def track(self, connection: socket.socket, is_open: bool) -> None:
        with self._open_lock:
            if is_open:
                self._open[connection] = threading.current_thread()
            else:
                self._open.pop(connection, None)

    def close_connections(self, timeout: float) -> None:
        """Cut every open connection (idle keep-alives included) and wait for their threads."""
        with self._open_lock:
            open_now = list(self._open.items())
        for connection, _ in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for _, thread in open_now:
            thread.join(max(0.0, deadline - time.monotonic()))


class Receiver:
    """The reference backend on a daemon thread, for tests and the demo.

    ``with Receiver(tmp_path, "token") as receiver:`` starts it; ``receiver.url`` is its base
    URL, ``receiver.faults`` its knobs. Data stays in ``data_dir`` across restarts.
    """

    def __init__(
        self,
        data_dir: Path,
        token: str,
        host: str = "127.0.0.1",
        port: int = 0,
        max_size: int = 2**31,
        *,
        disabled_tokens: Iterable[str] = (),
        control: bool = False,
        faults: Mapping[str, Any] | None = None,
    ) -> None:
        if not token:
            raise ValueError("a kiosk token is required")
        self.data_dir = Path(data_dir)
        self.token = token
        self.host = host
        self.port = port
        self.max_size = max_size
        self.disabled_tokens = frozenset(disabled_tokens)
        self.control = control
        self.faults = Faults(faults)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return "http://" + self._running().authority()

    def start(self) -> Receiver:
        if self._server is not None:
            return self
        storage = Storage(self.data_dir)
        ctx = Context(
            storage=storage,
            faults=self.faults,
            token=self.token,
            disabled_tokens=self.disabled_tokens,
            max_size=self.max_size,
            control=self.control,
        )
        try:
            self._server = _Server((self.host, self.port), ctx)
        except BaseException:
            storage.close()
            raise
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="receiver",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections(timeout=5.0)
        server.server_close()
        if self._thread is not None:
            self._thread.join(5.0)
        server.ctx.storage.close()

    def stats(self) -> dict[str, Any]:
        """The ``GET /_control/stats`` document."""
        return routes.stats(self._running().ctx)

    def submissions(self) -> list[dict[str, Any]]:
        """Stored commits, with where each file's bytes are on disk."""
        storage = self._running().ctx.storage
        result = []
        for stored in storage.list_submissions():
            body = json.loads(stored.body)
            result.append(
                {
                    "submission_id": stored.submission_id,
                    "dossier_number": stored.dossier_number,
                    "kiosk_id": body.get("kiosk_id"),
                    "state": stored.state,
                    "received_at": stored.received_at,
                    "files": [
                        {
                            "name": f.name,
                            "role": f.role,
                            "media_type": f.media_type,
                            "size": f.size,
                            "sha256": f.sha256,
                            "upload_id": f.upload_id,
                            "path": storage.upload_path(f.upload_id),
                        }
                        for f in storage.submission_files(stored.submission_id)
                    ],
                    "body": body,
                }
            )
        return result

    def set_submission_state(self, submission_id: str, state: str) -> None:
        """What the back-office would do: move a submission to processing/accepted/rejected."""
        if not self._running().ctx.storage.set_submission_state(submission_id, state):
            raise KeyError(submission_id)

    def _running(self) -> _Server:
        if self._server is None:
            raise RuntimeError("the receiver is not started")
        return self._server

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
