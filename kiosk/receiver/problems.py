"""RFC 9457 problem details, the only shape an error of the backend contract takes.

Every error answer is ``application/problem+json`` with a ``type`` URN built from a stable slug:
clients branch on the slug (or the status), never on the human-readable title or detail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus

PROBLEM_TYPE_PREFIX = "urn:point-numerique:problem:"
PROBLEM_CONTENT_TYPE = "application/problem+json"

# Reason phrases the standard library does not know (tus checksum extension).
EXTRA_REASONS = {460: "Checksum Mismatch"}

# The slug used when a fault rule or an unexpected error produces a bare status code.
SLUG_BY_STATUS = {
    400: "bad-request",
    401: "unauthorized",
    403: "kiosk-disabled",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    410: "gone",
    411: "length-required",
    412: "tus-version-unsupported",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "unprocessable",
    429: "too-many-requests",
    460: "checksum-mismatch",
    500: "internal-error",
    502: "bad-gateway",
    503: "service-unavailable",
    504: "gateway-timeout",
}


def reason_phrase(status: int) -> str:
    if status in EXTRA_REASONS:
        return EXTRA_REASONS[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


@dataclass
class InvalidParam:
    name: str
    reason: str


@dataclass
class Problem(Exception):
    """An error answer; raised anywhere below a request handler and rendered by the server.

    ``headers`` carries what some statuses require (``WWW-Authenticate`` on 401,
    ``Retry-After`` on 429/503, ``Tus-Version`` on 412, ``Allow`` on 405).
    """

    status: int
    slug: str
    detail: str = ""
    invalid_params: list[InvalidParam] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(f"{self.status} {self.slug}: {self.detail}")
        if self.status == 401:
            self.headers.setdefault("WWW-Authenticate", 'Bearer realm="point-numerique"')

    @property
    def title(self) -> str:
        return reason_phrase(self.status)

    def to_json(self) -> dict[str, object]:
        body: dict[str, object] = {
            "type": PROBLEM_TYPE_PREFIX + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.invalid_params:
            body["invalid_params"] = [
                {"name": p.name, "reason": p.reason} for p in self.invalid_params
            ]
        return body

    def body(self) -> bytes:
        return json.dumps(self.to_json(), ensure_ascii=False).encode("utf-8")


def status_problem(status: int, detail: str, retry_after: int | str | None = None) -> Problem:
    """A problem for a bare status code (fault injection, unexpected errors)."""
    problem = Problem(status, SLUG_BY_STATUS.get(status, f"http-{status}"), detail)
    if retry_after is not None:
        problem.headers["Retry-After"] = str(retry_after)
    return problem
