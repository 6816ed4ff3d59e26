"""tus 1.0.0 on ``/files/``: core, creation, checksum (sha256) and termination.

A PATCH is all-or-nothing: its body is written past the committed offset while being hashed,
and only once the whole body has arrived, matched its ``Upload-Checksum`` and been fsynced does
one SQLite transaction move the offset. A dropped connection, a short body or a checksum
mismatch cuts the file back to the committed offset: nothing was appended, the client resumes
from the same ``Upload-Offset``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from kiosk.receiver.context import Context
from kiosk.receiver.exchange import ConnectionDropped, Exchange, Response
from kiosk.receiver.problems import InvalidParam, Problem
from kiosk.receiver.storage import Upload, fsync_file

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,checksum,termination"
CHECKSUM_ALGORITHMS = "sha256"
OFFSET_STREAM = "application/offset+octet-stream"
BLOCK = 1 << 20  # read, hash and write PATCH bodies by 1 MiB

_DIGITS = re.compile(r"[0-9]{1,19}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_META_KEY = re.compile(r"[!-~]+")  # printable ASCII without space (the comma is split on)


def tus_headers() -> dict[str, str]:
    """Headers every answer on ``/files/`` carries, errors included."""
    return {"Tus-Resumable": TUS_VERSION}


def _require_tus(ex: Exchange) -> None:
    if ex.header("Tus-Resumable") != TUS_VERSION:
        raise Problem(
            412,
            "tus-version-unsupported",
            f"Tus-Resumable: {TUS_VERSION} is required",
            headers={"Tus-Version": TUS_VERSION},
        )


def _non_negative(ex: Exchange, name: str, slug: str) -> int:
    raw = ex.header(name)
    if raw is None:
        raise Problem(400, slug, f"{name} is required")
    if not _DIGITS.fullmatch(raw):
        raise Problem(400, slug, f"{name} must be a non-negative integer")
    return int(raw)


def parse_metadata(raw: str) -> dict[str, str]:
    """tus ``Upload-Metadata``: comma-separated ``key base64(value)`` pairs (value optional)."""
    result: dict[str, str] = {}
    if not raw.strip():
        return result
    for pair in raw.split(","):
        parts = pair.strip().split(" ")
        if len(parts) not in (1, 2) or not _META_KEY.fullmatch(parts[0]):
            raise Problem(400, "invalid-metadata", "Upload-Metadata: 'key base64value' pairs")
        key = parts[0]
        if key in result:
            raise Problem(400, "invalid-metadata", f"Upload-Metadata: {key} given twice")
        try:
            value = base64.b64decode(parts[1], validate=True) if len(parts) == 2 else b""
            result[key] = value.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise Problem(
                400, "invalid-metadata", f"Upload-Metadata: {key} is not base64 of UTF-8"
            ) from error
    return result


def _existing(ctx: Context, upload_id: str) -> Upload:
    upload = ctx.storage.get_upload(upload_id)
    if upload is None:
        raise Problem(404, "upload-not-found", "no such upload")
    if upload.state == "terminated":
        raise Problem(410, "upload-terminated", "this upload was terminated")
    return upload


def options(ctx: Context, ex: Exchange) -> Response:
    return Response(
        204,
        headers={
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": TUS_EXTENSIONS,
            "Tus-Checksum-Algorithm": CHECKSUM_ALGORITHMS,
            "Tus-Max-Size": str(ctx.max_size),
        },
    )


def create(ctx: Context, ex: Exchange) -> Response:
    _require_tus(ex)
    if ex.header("Upload-Defer-Length") is not None:
        raise Problem(400, "invalid-upload-length", "Upload-Defer-Length is not supported")
    length = _non_negative(ex, "Upload-Length", "invalid-upload-length")
    if length > ctx.max_size:
        raise Problem(413, "upload-too-large", f"Upload-Length above Tus-Max-Size ({ctx.max_size})")
    if ex.content_length:
        raise Problem(400, "bad-request", "creation-with-upload is not supported: PATCH the body")
    metadata = parse_metadata(ex.header("Upload-Metadata") or "")
    missing: list[InvalidParam] = []
    submission_id = metadata.get("submission_id", "")
    if not submission_id:
        missing.append(InvalidParam("submission_id", "required in Upload-Metadata"))
    sha256 = metadata.get("sha256", "")
    if not _HEX64.fullmatch(sha256):
        missing.append(InvalidParam("sha256", "required: the whole file's lowercase hex sha256"))
    if missing:
        raise Problem(400, "invalid-metadata", "Upload-Metadata is incomplete", missing)
    upload = ctx.storage.create_upload(
        submission_id=submission_id,
        filename=metadata.get("filename", ""),
        length=length,
        sha256=sha256,
        metadata=ex.header("Upload-Metadata") or "",
    )
    if length == 0:  # already at its end: check it as a PATCH reaching the end would
        state = "complete" if hashlib.sha256().hexdigest() == sha256 else "corrupt"
        ctx.storage.advance(upload.id, 0, 0, state)
    return Response(201, headers={"Location": f"{ex.base_url}/files/{upload.id}"})


def head(ctx: Context, ex: Exchange, upload_id: str) -> Response:
    _require_tus(ex)
    upload = _existing(ctx, upload_id)
    headers = {
        "Upload-Offset": str(upload.offset),
        "Upload-Length": str(upload.length),
        "Cache-Control": "no-store",
    }
    if upload.metadata:
        headers["Upload-Metadata"] = upload.metadata
    return Response(200, headers=headers)


def _checksum(ex: Exchange) -> bytes:
    raw = ex.header("Upload-Checksum")
    if raw is None:
        raise Problem(400, "checksum-required", "Upload-Checksum: sha256 <base64> is required")
    algorithm, _, encoded = raw.partition(" ")
    if algorithm.lower() != "sha256":
        raise Problem(
            400, "checksum-algorithm-unsupported", f"only {CHECKSUM_ALGORITHMS} is supported"
        )
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        digest = b""
    if len(digest) != 32:
        raise Problem(400, "invalid-checksum", "Upload-Checksum: base64 of a 32-byte digest")
    return digest


def patch(ctx: Context, ex: Exchange, upload_id: str) -> Response:
    _require_tus(ex)
    _existing(ctx, upload_id)
    if ex.media_type() != OFFSET_STREAM:
        raise Problem(415, "unsupported-media-type", f"Content-Type must be {OFFSET_STREAM}")
    offset = _non_negative(ex, "Upload-Offset", "invalid-upload-offset")
    if ex.content_length is None:
        raise Problem(411, "length-required", "Content-Length is required")
    expected_digest = _checksum(ex)
    with ctx.upload_locked(upload_id):
        upload = _existing(ctx, upload_id)  # again: a DELETE may have won the lock
        if offset != upload.offset:
            raise Problem(
                409, "offset-mismatch", f"Upload-Offset {offset}, the upload is at {upload.offset}"
            )
        if offset + ex.content_length > upload.length:
            raise Problem(413, "upload-too-large", "the body goes past Upload-Length")
        new_offset = _append(ctx, ex, upload, expected_digest)
    return Response(204, headers={"Upload-Offset": str(new_offset)})


def _append(ctx: Context, ex: Exchange, upload: Upload, expected_digest: bytes) -> int:
    """Write, hash and fsync the body past the offset, then commit the new offset."""
    length = ex.remaining
    drop_after = ctx.faults.take_drop(upload.offset, length)
    to_read = length if drop_after is None else drop_after
    body_digest = hashlib.sha256()
    # From offset 0 the body's hash is the file's: hash once (the usual one-PATCH file).
    running = body_digest if upload.offset == 0 else ctx.running_hash(upload.id, upload.offset)
    buffer = memoryview(bytearray(BLOCK))
    handle = ctx.storage.open_at(upload.id, upload.offset)
    try:
        done = 0
        while done < to_read:
            got = ex.read_into(buffer[: min(BLOCK, to_read - done)])
            chunk = buffer[:got]
            body_digest.update(chunk)
            if running is not body_digest:
                running.update(chunk)
            handle.write(chunk)
            done += got
        if drop_after is not None:
            raise ConnectionDropped(f"drop fault after {drop_after} bytes")
        if body_digest.digest() != expected_digest:
            raise Problem(460, "checksum-mismatch", "the body does not match Upload-Checksum")
        fsync_file(handle)
    except BaseException:
        handle.truncate(upload.offset)  # nothing appended: the committed bytes stay as they were
        raise
    finally:
        handle.close()
    new_offset = upload.offset + length
    state = upload.state
    if new_offset == upload.length and length:
        state = "complete" if running.hexdigest() == upload.sha256 else "corrupt"
    if new_offset != upload.offset:
        ctx.storage.advance(upload.id, upload.offset, new_offset, state)
    if new_offset == upload.length:
        ctx.forget_hash(upload.id)
    else:
        ctx.keep_hash(upload.id, new_offset, running)
    return new_offset


def delete(ctx: Context, ex: Exchange, upload_id: str) -> Response:
    _require_tus(ex)
    _existing(ctx, upload_id)
    with ctx.upload_locked(upload_id):
        _existing(ctx, upload_id)
        ctx.storage.terminate(upload_id)
        ctx.forget_hash(upload_id)
    return Response(204)
