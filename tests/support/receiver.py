"""Driving the reference receiver (kiosk/receiver) over real HTTP from tests.

``ContractClient`` speaks the backend contract with ``requests`` at the protocol level, one
request per call, so a test can get every header wrong on purpose; ``upload`` and
``commit_body`` build the happy path in one line. ``receiver_process`` runs
``python -m kiosk.receiver`` as IT staff or the demo would.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import queue
import secrets
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from kiosk.receiver import Receiver

TOKEN = "jeton-de-test-borne-01"
PROBLEM = "application/problem+json"
TUS = {"Tus-Resumable": "1.0.0"}
REPO = Path(__file__).resolve().parents[2]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload_checksum(data: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(data).digest()).decode()


def metadata(filename: str, submission_id: str, sha256: str) -> str:
    return f"filename {b64(filename)},submission_id {b64(submission_id)},sha256 {b64(sha256)}"


def new_submission_id() -> str:
    return str(uuid.uuid4())


def problem_slug(response: requests.Response) -> str:
    """The slug of a problem+json answer, after checking its shape."""
    assert response.headers["Content-Type"] == PROBLEM, response.headers
    body = response.json()
    assert body["status"] == response.status_code
    assert isinstance(body["title"], str) and isinstance(body["detail"], str)
    prefix = "urn:point-numerique:problem:"
    assert body["type"].startswith(prefix), body
    return str(body["type"][len(prefix) :])


@dataclass
class Piece:
    """A file of a submission: its bytes and where they were uploaded."""

    name: str
    role: str
    media_type: str
    data: bytes
    url: str = ""

    def entry(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "media_type": self.media_type,
            "size": len(self.data),
            "sha256": sha256_hex(self.data),
            "upload_url": self.url,
        }


def default_pieces() -> list[Piece]:
    return [
        Piece("piece-identite-p1.jpg.age", "piece", "image/jpeg", secrets.token_bytes(70_000)),
        Piece("manifest.json.age", "manifest", "application/json", secrets.token_bytes(900)),
    ]


def commit_body(submission_id: str, pieces: list[Piece], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "submission_id": submission_id,
        "dossier_number": "PN-2025-000123",
        "kiosk_id": "borne-test-01",
        "demarche": {"id": "carte-grise", "version": "3"},
        "assisted": False,
        "sealed_at": "2025-03-14T09:26:53Z",
        "encryption": "age-x25519",
        "files": [p.entry() for p in pieces],
    }
    body.update(overrides)
    return body


class ContractClient:
    """One kiosk's view of a receiver: a keep-alive session carrying the bearer token."""

    def __init__(self, base_url: str, token: str | None = TOKEN, timeout: float = 10.0) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self.session.close()

    def request(self, method: str, path_or_url: str, **kwargs: Any) -> requests.Response:
        url = path_or_url if "://" in path_or_url else self.base_url + path_or_url
        kwargs.setdefault("timeout", self.timeout)
        return self.session.request(method, url, **kwargs)

    def capabilities(self, challenge: str | None = None) -> requests.Response:
        params = {} if challenge is None else {"challenge": challenge}
        return self.request("GET", "/v1/capabilities", params=params)

    def create(
        self,
        length: int,
        submission_id: str,
        sha256: str,
        filename: str = "piece.jpg.age",
        **headers: str,
    ) -> requests.Response:
        all_headers = {
            **TUS,
            "Upload-Length": str(length),
            "Upload-Metadata": metadata(filename, submission_id, sha256),
            **headers,
        }
        return self.request("POST", "/files/", headers=all_headers)

    def head(self, url: str, **headers: str) -> requests.Response:
        return self.request("HEAD", url, headers={**TUS, **headers})

    def patch(
        self, url: str, offset: int, body: bytes, checksum: str | None = None, **headers: str
    ) -> requests.Response:
        all_headers = {
            **TUS,
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": str(offset),
            "Upload-Checksum": checksum if checksum is not None else upload_checksum(body),
            **headers,
        }
        return self.request("PATCH", url, data=body, headers=all_headers)

    def delete(self, url: str) -> requests.Response:
        return self.request("DELETE", url, headers=TUS)

    def upload(self, piece: Piece, submission_id: str, chunk: int | None = None) -> str:
        """Create and fill an upload; returns (and records in ``piece``) its URL."""
        created = self.create(len(piece.data), submission_id, sha256_hex(piece.data), piece.name)
        assert created.status_code == 201, created.text
        piece.url = created.headers["Location"]
        step = chunk or max(len(piece.data), 1)
        for offset in range(0, len(piece.data), step):
            answer = self.patch(piece.url, offset, piece.data[offset : offset + step])
            assert answer.status_code == 204, answer.text
        return piece.url

    def commit(self, body: Any, key: str | None = None, **headers: str) -> requests.Response:
        if key is None and isinstance(body, dict):
            key = body.get("submission_id")
        all_headers = {"Content-Type": "application/json", **headers}
        if key is not None:
            all_headers["Idempotency-Key"] = key
        return self.request(
            "POST", "/v1/submissions", data=json.dumps(body).encode(), headers=all_headers
        )

    def state(self, submission_id: str) -> requests.Response:
        return self.request("GET", f"/v1/submissions/{submission_id}")

    def uploaded_submission(
        self, pieces: list[Piece] | None = None, submission_id: str | None = None
    ) -> tuple[str, list[Piece]]:
        """A submission whose files are all uploaded, ready to commit."""
        submission_id = submission_id or new_submission_id()
        pieces = pieces if pieces is not None else default_pieces()
        for piece in pieces:
            self.upload(piece, submission_id)
        return submission_id, pieces


@contextlib.contextmanager
def running_receiver(data_dir: Path, **kwargs: Any) -> Iterator[Receiver]:
    kwargs.setdefault("token", TOKEN)
    with Receiver(data_dir, **kwargs) as receiver:
        yield receiver


def raw_exchange(url: str, request: bytes, timeout: float = 5.0) -> bytes:
    """Send raw bytes on a fresh connection and read until the server closes or goes quiet."""
    split = urlsplit(url)
    with socket.create_connection((split.hostname, split.port), timeout=timeout) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        with contextlib.suppress(TimeoutError, ConnectionResetError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)


@dataclass
class ReceiverProcess:
    process: subprocess.Popen[str]
    url: str
    stdout_lines: queue.Queue[str]


@contextlib.contextmanager
def receiver_process(
    data_dir: Path, *args: str, token: str | None = TOKEN, env: dict[str, str] | None = None
) -> Iterator[ReceiverProcess]:
    """``python -m kiosk.receiver --port 0`` until its listening line; stopped with SIGTERM."""
    command = [sys.executable, "-m", "kiosk.receiver", "--port", "0", "--data", str(data_dir)]
    if token is not None:
        command += ["--token", token]
    process = subprocess.Popen(
        [*command, *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    try:
        try:
            first = lines.get(timeout=20)
        except queue.Empty:
            process.kill()
            raise AssertionError(f"no listening line; stderr: {process.communicate()[1]}") from None
        assert first.startswith("listening on http://"), first
        yield ReceiverProcess(process, first.split(" ", 2)[2].strip(), lines)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stderr is not None:
            process.stderr.close()
