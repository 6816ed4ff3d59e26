"""``POST /v1/submissions`` (the idempotent commit) and ``GET /v1/submissions/<id>``.

The commit names uploads that are already complete; it moves no file bytes. Its idempotency key
is the submission id: the first success is stored (request hash, status and body) in the same
transaction as the submission, so a client that lost the answer gets the very same answer again
(``Idempotent-Replayed: true``), and a key reused for another body is refused. Failures are not
stored: after fixing an upload the client retries with the same key.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from kiosk.receiver.context import Context
from kiosk.receiver.exchange import ConnectionDropped, Exchange, Response
from kiosk.receiver.problems import InvalidParam, Problem
from kiosk.receiver.storage import Submission, SubmissionFile, utc_now

MAX_COMMIT_BODY = 1 << 20
JSON = "application/json"
ENCRYPTION = "age-x25519"
MANIFEST = {"role": "manifest", "name": "manifest.json.age", "media_type": JSON}

_HEX64 = re.compile(r"[0-9a-f]{64}")
_UPLOAD_PATH = re.compile(r"/files/([0-9a-f]{32})")


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(body, ensure_ascii=False).encode(), JSON, headers or {})


def canonical_json(body: Any) -> str:
    """The body as compared for idempotency: parsed, keys sorted, no insignificant spaces."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _text(body: dict[str, Any], name: str, errors: list[InvalidParam]) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        errors.append(InvalidParam(name, "a non-empty string is required"))
        return ""
    return value


def _validate(body: dict[str, Any]) -> list[InvalidParam]:
    """Malformed fields (400): everything but the checks against the stored uploads."""
    errors: list[InvalidParam] = []
    submission_id = _text(body, "submission_id", errors)
    if submission_id:
        try:
            canonical = str(uuid.UUID(submission_id)) == submission_id
        except ValueError:
            canonical = False
        if not canonical:
            errors.append(InvalidParam("submission_id", "a lowercase hyphenated UUID"))
    _text(body, "dossier_number", errors)
    _text(body, "kiosk_id", errors)
    demarche = body.get("demarche")
    if not isinstance(demarche, dict):
        errors.append(InvalidParam("demarche", "an object with id and version"))
    else:
        for key in ("id", "version"):
            value = demarche.get(key)
            if not isinstance(value, str) or not value.strip():
                errors.append(InvalidParam(f"demarche.{key}", "a non-empty string is required"))
    if not isinstance(body.get("assisted"), bool):
        errors.append(InvalidParam("assisted", "true or false"))
    sealed_at = body.get("sealed_at")
    if not isinstance(sealed_at, str) or not _is_utc_timestamp(sealed_at):
        errors.append(InvalidParam("sealed_at", "an ISO 8601 UTC timestamp ending in Z"))
    if body.get("encryption") != ENCRYPTION:
        errors.append(InvalidParam("encryption", f"must be {ENCRYPTION!r}"))
    files = body.get("files")
    if not isinstance(files, list) or not files:
        errors.append(InvalidParam("files", "a non-empty list"))
        return errors
    names: set[str] = set()
    for index, item in enumerate(files):
        errors.extend(_validate_file(index, item, names))
    return errors


def _validate_file(index: int, item: Any, names: set[str]) -> list[InvalidParam]:
    where = f"files[{index}]"
    if not isinstance(item, dict):
        return [InvalidParam(where, "an object")]
    errors: list[InvalidParam] = []
    for key in ("name", "role", "media_type", "upload_url"):
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            errors.append(InvalidParam(f"{where}.{key}", "a non-empty string is required"))
    name = item.get("name")
    if isinstance(name, str) and name:
        if "/" in name or "\\" in name or name in (".", ".."):
            errors.append(InvalidParam(f"{where}.name", "a bare file name"))
        elif name in names:
            errors.append(InvalidParam(f"{where}.name", "two files with the same name"))
        names.add(name)
    size = item.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        errors.append(InvalidParam(f"{where}.size", "a non-negative integer"))
    if not isinstance(item.get("sha256"), str) or not _HEX64.fullmatch(item["sha256"]):
        errors.append(InvalidParam(f"{where}.sha256", "64 lowercase hex digits"))
    return errors


def _is_utc_timestamp(value: str) -> bool:
    if not value.endswith("Z") or "T" not in value:
        return False
    try:
        datetime.fromisoformat(value[:-1])
    except ValueError:
        return False
    return True


def _check_manifest(files: list[dict[str, Any]]) -> None:
    manifests = [f for f in files if f["role"] == "manifest"]
    if len(manifests) != 1:
        raise Problem(
            422,
            "invalid-manifest",
            f"exactly one file with role 'manifest' is required ({len(manifests)} given)",
        )
    wrong = [key for key, value in MANIFEST.items() if manifests[0][key] != value]
    if wrong:
        raise Problem(
            422,
            "invalid-manifest",
            "the manifest is named manifest.json.age with media_type application/json",
            [InvalidParam(f"manifest.{key}", f"must be {MANIFEST[key]!r}") for key in wrong],
        )


def _resolve_uploads(ctx: Context, submission_id: str, files: list[dict[str, Any]]) -> list[str]:
    """The upload id of each file; 422 ``upload-mismatch`` listing every file that fails."""
    problems: list[InvalidParam] = []
    ids: list[str] = []
    seen: set[str] = set()
    for item in files:
        match = _UPLOAD_PATH.fullmatch(urlsplit(item["upload_url"]).path)
        upload = ctx.storage.get_upload(match.group(1)) if match else None
        reason = None
        if upload is None:
            reason = "upload_url names no upload of this server"
        elif upload.id in seen:
            reason = "upload_url names an upload already used by another file"
        elif upload.state == "terminated":
            reason = "the upload was terminated"
        elif upload.state == "open":
            reason = f"the upload is incomplete ({upload.offset} of {upload.length} bytes)"
        elif upload.state == "corrupt":
            reason = "the uploaded bytes do not match the sha256 given at creation"
        elif upload.submission_id != submission_id:
            reason = "the upload was created for another submission_id"
        elif upload.length != item["size"]:
            reason = f"size {item['size']} but the upload has {upload.length} bytes"
        elif upload.sha256 != item["sha256"]:
            reason = "sha256 differs from the upload's"
        if reason is not None:
            problems.append(InvalidParam(item["name"], reason))
        if upload is not None:
            seen.add(upload.id)
            ids.append(upload.id)
    if problems:
        raise Problem(422, "upload-mismatch", "some files do not match their uploads", problems)
    return ids


def commit(ctx: Context, ex: Exchange) -> Response:
    key = ex.header("Idempotency-Key")
    if not key:
        raise Problem(400, "idempotency-key-missing", "Idempotency-Key is required")
    if ex.media_type() != JSON:
        raise Problem(415, "unsupported-media-type", f"Content-Type must be {JSON}")
    if ex.content_length is None:
        raise Problem(411, "length-required", "Content-Length is required")
    if ex.content_length > MAX_COMMIT_BODY:
        raise Problem(413, "payload-too-large", f"a commit body is at most {MAX_COMMIT_BODY} bytes")
    raw = ex.read_all()
    ctx.claim_key(key)
    # Held until the answer is sent: a retry racing a slow answer gets 409, not a replay of
    # an answer the first request has not delivered yet.
    ex.after_response(lambda: ctx.release_key(key))
    return _commit(ctx, ex, key, raw)


def _commit(ctx: Context, ex: Exchange, key: str, raw: bytes) -> Response:
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise Problem(400, "invalid-json", "the body is not JSON") from error
    if not isinstance(body, dict):
        raise Problem(400, "invalid-body", "the body is a JSON object")
    if isinstance(body.get("submission_id"), str) and body["submission_id"] != key:
        raise Problem(
            422, "idempotency-key-mismatch", "Idempotency-Key must equal body.submission_id"
        )
    errors = _validate(body)
    if errors:
        raise Problem(400, "invalid-body", "malformed commit", errors)
    canonical = canonical_json(body)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    location = {"Location": f"/v1/submissions/{key}"}
    stored = ctx.storage.get_submission(key)
    if stored is not None:
        if stored.body_sha256 != digest:
            raise Problem(
                422,
                "idempotency-key-reused",
                "this Idempotency-Key was already used with another body",
            )
        ctx.stats.add("replays")
        return _deliver(
            ctx,
            Response(
                stored.response_status,
                stored.response_body.encode(),
                JSON,
                {**location, "Idempotent-Replayed": "true"},
            ),
        )
    files: list[dict[str, Any]] = body["files"]
    _check_manifest(files)
    upload_ids = _resolve_uploads(ctx, key, files)
    received_at = utc_now()
    answer = {
        "submission_id": key,
        "dossier_number": body["dossier_number"],
        "state": "received",
        "received_at": received_at,
    }
    answer_json = json.dumps(answer, ensure_ascii=False)
    ctx.storage.store_submission(
        Submission(
            submission_id=key,
            body_sha256=digest,
            body=canonical,
            dossier_number=body["dossier_number"],
            response_status=201,
            response_body=answer_json,
            received_at=received_at,
            state="received",
        ),
        [
            SubmissionFile(f["name"], f["role"], f["media_type"], f["size"], f["sha256"], uid)
            for f, uid in zip(files, upload_ids, strict=True)
        ],
    )
    return _deliver(ctx, Response(201, answer_json.encode(), JSON, location))


def _deliver(ctx: Context, response: Response) -> Response:
    """A successful commit's answer (first or replayed), unless ``commit_drop`` loses it: the
    submission is stored either way, so the client's retry gets a replay."""
    if ctx.faults.take_commit_drop():
        raise ConnectionDropped("commit_drop fault: stored, answer lost")
    return response


def state(ctx: Context, ex: Exchange, submission_id: str) -> Response:
    stored = ctx.storage.get_submission(submission_id)
    if stored is None:
        raise Problem(404, "submission-not-found", "no submission with this id")
    files = ctx.storage.submission_files(submission_id)
    return json_response(
        200,
        {
            "submission_id": stored.submission_id,
            "dossier_number": stored.dossier_number,
            "state": stored.state,
            "received_at": stored.received_at,
            "files": [{"name": f.name, "size": f.size, "sha256": f.sha256} for f in files],
        },
    )
