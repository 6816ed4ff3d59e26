"""How the sync client reads the backend's answers (no network: built responses)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
import requests

from kiosk.sync.client import classify, retry_after_seconds, tus_metadata
from kiosk.sync.errors import (
    BackendUnreachable,
    ChunkDamaged,
    Rejected,
    RetryLater,
    Unauthorized,
)

PROBLEM = "application/problem+json"


def response(status: int, content_type: str = PROBLEM, **headers: str) -> requests.Response:
    built = requests.Response()
    built.status_code = status
    built.headers.update({"Content-Type": content_type, **headers})
    body = {"type": "urn:point-numerique:problem:upload-mismatch", "status": status}
    built._content = json.dumps(body).encode() if content_type == PROBLEM else b"<html></html>"
    return built


@pytest.mark.parametrize("status", [400, 413, 415, 422])
def test_the_backend_refusing_a_dossier_in_problem_json_quarantines_it(status: int) -> None:
    error = classify(response(status))
    assert isinstance(error, Rejected)
    assert str(error) == f"HTTP {status} upload-mismatch"  # status and slug: no content


@pytest.mark.parametrize("status", [400, 404, 405, 407, 411, 412, 422])
def test_a_4xx_in_html_from_a_proxy_never_quarantines(status: int) -> None:
    assert isinstance(classify(response(status, "text/html")), BackendUnreachable)


@pytest.mark.parametrize("status", [301, 302, 200, 204])
def test_a_redirect_or_a_success_where_another_was_expected_is_not_the_backend(
    status: int,
) -> None:
    assert isinstance(classify(response(status, "text/html")), BackendUnreachable)


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials(status: int) -> None:
    assert isinstance(classify(response(status)), Unauthorized)


def test_server_errors_are_retried_with_their_retry_after() -> None:
    error = classify(response(503, **{"Retry-After": "120"}))
    assert isinstance(error, RetryLater) and error.retry_after == 120.0
    assert isinstance(classify(response(460)), ChunkDamaged)


def test_retry_after_as_seconds_or_http_date() -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert retry_after_seconds("30", now) == 30.0
    assert retry_after_seconds("Mon, 23 Nov 2026 09:02:00 GMT", now) == 120.0
    assert retry_after_seconds("Mon, 23 Nov 2026 08:00:00 GMT", now) == 0.0  # past: now
    assert retry_after_seconds("bientôt", now) is None
    assert retry_after_seconds(None, now) is None


def test_tus_metadata_is_base64_per_value() -> None:
    header = tus_metadata({"filename": "pièce.jpg.age", "sha256": "ab"})
    pairs = dict(pair.split(" ") for pair in header.split(","))
    assert base64.b64decode(pairs["filename"]).decode() == "pièce.jpg.age"
    assert base64.b64decode(pairs["sha256"]) == b"ab"
