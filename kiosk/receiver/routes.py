"""Which code answers a request: control routes, faults, bearer auth, then the contract.

The order matters. Control routes come first so a test can always clear a fault (even the
captive portal) it set. Faults come before auth because they stand for things in front of the
backend (a portal, a proxy, an overloaded server) that answer without looking at the token.
"""

from __future__ import annotations

import hmac
import json
import re
from typing import Any

from kiosk.receiver import commit, tus
from kiosk.receiver.context import Context
from kiosk.receiver.exchange import Exchange, Response
from kiosk.receiver.faults import PORTAL_HTML, FaultsError
from kiosk.receiver.problems import Problem

SERVICE = "point-numerique-depot"
API_VERSION = 1
LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})

_UPLOAD = re.compile(r"/files/([^/]+)")
_SUBMISSION = re.compile(r"/v1/submissions/([^/]+)")
_SUBMISSION_STATE = re.compile(r"/_control/submissions/([^/]+)/state")
_CHALLENGE = re.compile(r"[0-9a-f]{32}")
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")


def _method_not_allowed(allowed: str) -> Problem:
    return Problem(405, "method-not-allowed", f"allowed: {allowed}", headers={"Allow": allowed})


def authenticate(ctx: Context, ex: Exchange) -> None:
    scheme, _, token = (ex.header("Authorization") or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Problem(401, "unauthorized", "Authorization: Bearer <kiosk token> is required")
    given = token.encode("utf-8")
    # Constant-time comparisons: the answer time must not tell how much of a token is right.
    if any(hmac.compare_digest(given, t.encode("utf-8")) for t in ctx.disabled_tokens):
        raise Problem(403, "kiosk-disabled", "this kiosk is disabled")
    if not hmac.compare_digest(given, ctx.token.encode("utf-8")):
        raise Problem(401, "unauthorized", "unknown kiosk token")


_JOURNAL_HEAD = re.compile(r"[0-9]{1,18}:[0-9a-f]{64}")


def capabilities(ctx: Context, ex: Exchange) -> Response:
    challenge = ex.query.get("challenge", [""])
    if len(challenge) != 1 or not _CHALLENGE.fullmatch(challenge[0]):
        raise Problem(400, "invalid-challenge", "challenge: 32 lowercase hex characters")
    head = ex.headers.get("Journal-Head", "")
    if _JOURNAL_HEAD.fullmatch(head):  # kept as the kiosk's journal at that moment
        ctx.stats.journal_head = head
    return commit.json_response(
        200,
        {
            "service": SERVICE,
            "api_version": API_VERSION,
            "challenge": challenge[0],
            "tus": {
                "endpoint": "/files/",
                "version": tus.TUS_VERSION,
                "extensions": tus.TUS_EXTENSIONS.split(","),
                "checksum_algorithms": [tus.CHECKSUM_ALGORITHMS],
                "max_size": ctx.max_size,
            },
        },
    )


def route(ctx: Context, ex: Exchange) -> Response:
    """The answer to ``ex``; raises Problem, ConnectionDropped or ClientGone."""
    if ctx.control and ex.path.startswith("/_control/") and ex.client_ip in LOOPBACK:
        ex.is_control = True
        return _control(ctx, ex)
    ctx.stats.count_request(ex.method)
    upload = _UPLOAD.fullmatch(ex.path)
    if ex.method == "PATCH" and upload:
        ex.upload_id = upload.group(1)  # its body counts as received, whatever the answer
    intercepted = ctx.faults.intercept(ex.method, ex.path)
    if intercepted is not None:
        ctx.stats.add("faults_answered")
        if intercepted == "portal":
            ex.is_portal = True  # nothing of the backend shows: no tus headers either
            return Response(200, PORTAL_HTML, "text/html; charset=utf-8")
        raise intercepted
    if ex.framing_error is not None:
        raise ex.framing_error
    is_endpoint = ex.path in ("/files/", "/files")
    if not (is_endpoint and ex.method == "OPTIONS"):
        authenticate(ctx, ex)
    if is_endpoint:
        if ex.method == "OPTIONS":
            return tus.options(ctx, ex)
        if ex.method == "POST":
            return tus.create(ctx, ex)
        raise _method_not_allowed("OPTIONS, POST")
    if upload:
        upload_id = upload.group(1)
        if not _UPLOAD_ID.fullmatch(upload_id):
            raise Problem(404, "upload-not-found", "no such upload")
        if ex.method == "HEAD":
            return tus.head(ctx, ex, upload_id)
        if ex.method == "PATCH":
            return tus.patch(ctx, ex, upload_id)
        if ex.method == "DELETE":
            return tus.delete(ctx, ex, upload_id)
        raise _method_not_allowed("HEAD, PATCH, DELETE")
    if ex.path == "/v1/capabilities":
        if ex.method != "GET":
            raise _method_not_allowed("GET")
        return capabilities(ctx, ex)
    if ex.path == "/v1/submissions":
        if ex.method != "POST":
            raise _method_not_allowed("POST")
        return commit.commit(ctx, ex)
    submission = _SUBMISSION.fullmatch(ex.path)
    if submission:
        if ex.method != "GET":
            raise _method_not_allowed("GET")
        return commit.state(ctx, ex, submission.group(1))
    raise Problem(404, "not-found", "no such resource")


# -- control routes (tests, demo): loopback clients only, no token, no faults ----------------


def stats(ctx: Context) -> dict[str, Any]:
    counters = ctx.stats.snapshot()
    received = counters.pop("received")
    counters["uploads"] = [
        {
            "id": u.id,
            "filename": u.filename,
            "submission_id": u.submission_id,
            "length": u.length,
            "offset": u.offset,
            "state": u.state,
            "bytes_received_total": received.get(u.id, 0),
        }
        for u in ctx.storage.list_uploads()
    ]
    counters["commits_stored"] = ctx.storage.count_submissions()
    return counters


def _json_body(ex: Exchange) -> Any:
    if ex.framing_error is not None:
        raise ex.framing_error
    if (ex.content_length or 0) > 1 << 20:
        raise Problem(413, "payload-too-large", "control bodies are small")
    try:
        return json.loads(ex.read_all() or b"{}")
    except ValueError as error:
        raise Problem(400, "invalid-json", "the body is not JSON") from error


def _control(ctx: Context, ex: Exchange) -> Response:
    if ex.path == "/_control/stats":
        if ex.method != "GET":
            raise _method_not_allowed("GET")
        return commit.json_response(200, stats(ctx))
    if ex.path == "/_control/faults":
        if ex.method == "PUT":
            knobs = _json_body(ex)
            if not isinstance(knobs, dict):
                raise Problem(400, "invalid-faults", "an object of knobs")
            try:
                ctx.faults.replace(knobs)
            except FaultsError as error:
                raise Problem(400, "invalid-faults", str(error)) from error
        elif ex.method != "GET":
            raise _method_not_allowed("GET, PUT")
        return commit.json_response(200, ctx.faults.snapshot())
    state = _SUBMISSION_STATE.fullmatch(ex.path)
    if state:
        if ex.method != "PUT":
            raise _method_not_allowed("PUT")
        body = _json_body(ex)
        new_state = body.get("state") if isinstance(body, dict) else None
        try:
            found = ctx.storage.set_submission_state(state.group(1), str(new_state))
        except ValueError as error:
            raise Problem(400, "invalid-state", str(error)) from error
        if not found:
            raise Problem(404, "submission-not-found", "no submission with this id")
        return Response(204)
    raise Problem(404, "not-found", "no such control route")
