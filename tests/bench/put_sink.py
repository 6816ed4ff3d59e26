"""The sync benchmark's reference server: takes PUT bodies, writes each to a file and fsyncs
it, as the receiver does with a chunk. ``python -m tests.bench.put_sink DIR`` prints
``listening on http://127.0.0.1:PORT`` once ready."""

from __future__ import annotations

import http.server
import os
import sys
import uuid
from pathlib import Path


class PutSink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    directory = Path()

    def do_PUT(self) -> None:
        length = int(self.headers["Content-Length"])
        path = self.directory / uuid.uuid4().hex
        with path.open("wb") as out:
            left = length
            while left:
                block = self.rfile.read(min(left, 1 << 20))
                out.write(block)
                left -= len(block)
            out.flush()
            os.fsync(out.fileno())
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> int:
    PutSink.directory = Path(sys.argv[1])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PutSink)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
