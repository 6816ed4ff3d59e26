"""The backend contract over HTTP (docs/backend-api.md), answers sorted into ``errors``.

Only the exact success of each step counts as success: a 201 with a Location for a creation,
a 204 with an Upload-Offset for a chunk, a 201 with this dossier's id for the commit. Any other
answer, a 200 from a captive portal included, is never taken for a delivery.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import requests

from kiosk.sync.errors import (
    BackendUnreachable,
    ChunkDamaged,
    OffsetMismatch,
    Rejected,
    RetryLater,
    SyncError,
    Unauthorized,
    UploadGone,
)

TUS_VERSION = "1.0.0"
SERVICE = "point-numerique-depot"
API_VERSION = 1
REQUIRED_EXTENSIONS = frozenset({"creation", "checksum", "termination"})
CONNECT_TIMEOUT_S = 5.0
# Statuses worth retrying later.
_RETRYABLE = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
# The backend refusing this dossier for good (quarantine), said in problem+json as the contract
# has it. Any other 4xx, or these from something else (a proxy's HTML 404, 405, 407...), is
# not the backend answering: the queue waits instead of quarantining every dossier in turn.
_REFUSALS = frozenset({400, 413, 415, 422})


@dataclass(frozen=True)
class Capabilities:
    tus_endpoint: str
    max_size: int


@dataclass(frozen=True)
class Receipt:
    """The backend's answer to a commit (or to a query of its state)."""

    submission_id: str
    state: str
    received_at: str
    replayed: bool = False


def tus_metadata(pairs: dict[str, str]) -> str:
    """The Upload-Metadata header: comma-separated "key base64(value)"."""
    return ",".join(
        f"{key} {base64.b64encode(value.encode('utf-8')).decode('ascii')}"
        for key, value in pairs.items()
    )


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A Retry-After header (delta-seconds or HTTP-date) in seconds from now; None if absent
    or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def _is_problem(response: requests.Response) -> bool:
    return response.headers.get("Content-Type", "").startswith("application/problem+json")


def describe(response: requests.Response) -> str:
    """ "HTTP 422 upload-mismatch": the status and the problem type's slug, nothing else."""
    slug = ""
    if _is_problem(response):
        try:
            problem = response.json()
            slug = (
                str(problem.get("type", "")).rsplit(":", 1)[-1] if isinstance(problem, dict) else ""
            )
        except ValueError:
            slug = ""
    return f"HTTP {response.status_code}" + (f" {slug}" if slug and slug != "about:blank" else "")


def classify(response: requests.Response) -> SyncError:
    """The error an unexpected answer means for the worker."""
    status = response.status_code
    reason = describe(response)
    if status in (401, 403):
        return Unauthorized(reason)
    if status == 460:
        return ChunkDamaged(reason)
    if status in _RETRYABLE:
        return RetryLater(reason, retry_after_seconds(response.headers.get("Retry-After")))
    if status in _REFUSALS and _is_problem(response):
        return Rejected(reason)
    # 1xx/2xx/3xx where something else was expected, or an exotic status: not the backend
    # answering as agreed (a portal, a proxy): never a success, never the dossier's fault.
    return BackendUnreachable(f"unexpected answer: {reason}")


class BackendClient:
    """One keep-alive HTTP session to the backend. Not thread-safe: the sync worker's own."""

    def __init__(self, base_url: str, token: str, timeout_s: float) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self._timeout = (CONNECT_TIMEOUT_S, timeout_s)
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {token}"
        self._session.headers["User-Agent"] = "borne-point-numerique"
        self._session.trust_env = False  # no proxy from the environment: the kiosk's own network
        self.tus_endpoint = urljoin(self.base_url, "files/")

    def close(self) -> None:
        self._session.close()

    def _request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            return self._session.request(
                method, url, timeout=self._timeout, allow_redirects=False, **kwargs
            )
        except requests.RequestException as exc:
            raise BackendUnreachable(f"{method} failed: {type(exc).__name__}") from exc

    # -- the capability check ------------------------------------------------------------

    def capabilities(self, journal_head: str | None = None) -> Capabilities:
        """Check that the backend itself answers (a random challenge it must echo): a portal
        or a proxy answering 200 in its place fails here, before anything is sent.
        ``journal_head`` ("seq:sha256") tells the backend where the kiosk's journal stands."""
        challenge = secrets.token_hex(16)
        response = self._request(
            "GET",
            urljoin(self.base_url, "v1/capabilities"),
            params={"challenge": challenge},
            headers={"Journal-Head": journal_head} if journal_head else None,
        )
        if response.status_code != 200:
            raise classify(response)
        try:
            body = response.json()
            tus = body["tus"]
            ok = (
                response.headers.get("Content-Type", "").startswith("application/json")
                and body.get("service") == SERVICE
                and body.get("api_version") == API_VERSION
                and body.get("challenge") == challenge
                and tus.get("version") == TUS_VERSION
                and set(tus.get("extensions", ())) >= REQUIRED_EXTENSIONS
                and "sha256" in tus.get("checksum_algorithms", ())
            )
            endpoint = urljoin(self.base_url, str(tus.get("endpoint", "/files/")))
            max_size = int(tus.get("max_size", 0))
        except (ValueError, KeyError, TypeError, AttributeError):
            ok = False
        if not ok:
            raise BackendUnreachable("the answer to the capability check is not the backend's")
        self.tus_endpoint = endpoint
        return Capabilities(endpoint, max_size)

    # -- tus -----------------------------------------------------------------------------

    def _tus_headers(self, **extra: str) -> dict[str, str]:
        return {"Tus-Resumable": TUS_VERSION, **extra}

    def create_upload(self, length: int, metadata: dict[str, str]) -> str:
        """A new upload of ``length`` bytes; returns its absolute URL."""
        response = self._request(
            "POST",
            self.tus_endpoint,
            headers=self._tus_headers(
                **{"Upload-Length": str(length), "Upload-Metadata": tus_metadata(metadata)}
            ),
        )
        location = response.headers.get("Location", "")
        if response.status_code != 201 or not location:
            raise (
                classify(response)
                if response.status_code != 201
                else BackendUnreachable("upload created without a Location")
            )
        return urljoin(self.tus_endpoint, location)

    def offset(self, url: str) -> int:
        """How many bytes of this upload the backend holds."""
        response = self._request("HEAD", url, headers=self._tus_headers())
        if response.status_code in (404, 410):
            raise UploadGone(describe(response))
        return _offset_of(response, expected_status=200)

    def send_chunk(self, url: str, offset: int, chunk: bytes) -> int:
        """PATCH one chunk at ``offset``, with its SHA-256; returns the new offset."""
        digest = base64.b64encode(hashlib.sha256(chunk).digest()).decode("ascii")
        response = self._request(
            "PATCH",
            url,
            data=chunk,
            headers=self._tus_headers(
                **{
                    "Content-Type": "application/offset+octet-stream",
                    "Upload-Offset": str(offset),
                    "Upload-Checksum": f"sha256 {digest}",
                }
            ),
        )
        if response.status_code in (404, 410):
            raise UploadGone(describe(response))
        if response.status_code == 409:
            raise OffsetMismatch(describe(response))
        return _offset_of(response, expected_status=204)

    def terminate(self, url: str) -> None:
        """Remove an upload the kiosk will not use (tus termination); best effort."""
        response = self._request("DELETE", url, headers=self._tus_headers())
        if response.status_code not in (204, 404, 410):
            raise classify(response)

    # -- commit and state ----------------------------------------------------------------

    def commit(self, body: dict[str, Any]) -> Receipt:
        """POST the dossier's manifest with its id as the Idempotency-Key. The same body sent
        again gets the first answer again: a commit is never recorded twice."""
        submission_id = str(body["submission_id"])
        data = json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")
        response = self._request(
            "POST",
            urljoin(self.base_url, "v1/submissions"),
            data=data,
            headers={"Content-Type": "application/json", "Idempotency-Key": submission_id},
        )
        if response.status_code != 201:
            raise classify(response)
        receipt = _receipt(response, submission_id)
        replayed = response.headers.get("Idempotent-Replayed", "").lower() == "true"
        return Receipt(receipt.submission_id, receipt.state, receipt.received_at, replayed)

    def state(self, submission_id: str) -> Receipt | None:
        """The backend's view of a dossier; None if it does not know it."""
        response = self._request("GET", urljoin(self.base_url, f"v1/submissions/{submission_id}"))
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise classify(response)
        return _receipt(response, submission_id)


def _offset_of(response: requests.Response, expected_status: int) -> int:
    if response.status_code != expected_status:
        raise classify(response)
    try:
        offset = int(response.headers["Upload-Offset"])
    except (KeyError, ValueError):
        raise BackendUnreachable("a tus answer without a valid Upload-Offset") from None
    if offset < 0:
        raise BackendUnreachable("a negative Upload-Offset")
    return offset


def _receipt(response: requests.Response, submission_id: str) -> Receipt:
    try:
        body = response.json()
        ok = isinstance(body, dict) and body.get("submission_id") == submission_id
        state, received_at = str(body.get("state", "")), str(body.get("received_at", ""))
    except ValueError:
        ok = False
    if not ok or not state:
        raise BackendUnreachable("the answer to the commit is not the backend's")
    return Receipt(submission_id, state, received_at)
