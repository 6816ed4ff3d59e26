"""One sealed dossier's way to the backend: its files through tus, then the commit.

Every step the backend confirms is recorded in the outbox before the next one starts, so a
kiosk stopped at any instant (a crash, a power cut, SIGKILL) goes on from the last confirmed
byte: a file is created once and its URL kept, a resumed file starts with a HEAD and sends
only what the backend does not hold, and the commit carries the dossier's id as its
Idempotency-Key, so sending it again can never record the dossier twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from kiosk.sync.client import BackendClient, Receipt
from kiosk.sync.errors import ChunkDamaged, OffsetMismatch, UploadGone
from offline_cache.encryption import ENCRYPTED_SUFFIX, SCHEME
from offline_cache.models import MANIFEST_NAME, OutboxState, StoredFile
from offline_cache.outbox import Outbox, OutboxItem

Clock = Callable[[], datetime]
SEALED_MANIFEST = MANIFEST_NAME + ENCRYPTED_SUFFIX
# A file whose upload is lost again and again (the backend expiring it at once) is not
# retried forever within one attempt: the worker's backoff takes over.
MAX_RESTARTS = 3
DAMAGED_RESENDS = 2


def send(
    client: BackendClient, outbox: Outbox, submission_id: str, chunk_size: int, now: Clock
) -> Receipt:
    """Upload what is missing of this dossier, commit it and record the acknowledgement.

    Raises the ``kiosk.sync.errors`` the worker acts on; ``StoreError`` if the store fails.
    """
    item = outbox.item(submission_id)
    if item.entry.state in (OutboxState.SEALED, OutboxState.UPLOADING):
        for stored in item.files:
            _upload(client, outbox, item, stored, chunk_size, now)
        outbox.all_uploaded(submission_id, now())
        item = outbox.item(submission_id)
    receipt = client.commit(commit_body(item))
    outbox.acknowledged(submission_id, receipt.state, now())
    return receipt


def commit_body(item: OutboxItem) -> dict[str, Any]:
    """The commit's JSON: routing data and each file's digest and upload, no personal data
    (the answers are inside the encrypted manifest). Built only from what the outbox holds,
    so a retried commit is byte for byte the first one."""
    entry = item.entry
    return {
        "submission_id": entry.submission_id,
        "dossier_number": entry.dossier_number,
        "kiosk_id": item.kiosk_id,
        "demarche": {"id": item.demarche_id, "version": item.demarche_version},
        "assisted": item.assisted,
        "sealed_at": entry.sealed_at,
        "encryption": SCHEME,
        "files": [
            {
                "name": stored.name,
                "role": "manifest" if stored.name == SEALED_MANIFEST else "piece",
                "media_type": stored.media_type,
                "size": stored.size,
                "sha256": stored.sha256,
                "upload_url": item.uploads[stored.name].url,
            }
            for stored in item.files
        ],
    }


def _upload(
    client: BackendClient,
    outbox: Outbox,
    item: OutboxItem,
    stored: StoredFile,
    chunk_size: int,
    now: Clock,
) -> None:
    sid = item.entry.submission_id
    upload = item.uploads.get(stored.name)
    if upload is not None and upload.offset == stored.size:
        return  # the backend confirmed every byte already
    for _restart in range(MAX_RESTARTS):
        if upload is None:
            url = client.create_upload(
                stored.size,
                {"filename": stored.name, "submission_id": sid, "sha256": stored.sha256},
            )
            outbox.upload_created(sid, stored.name, url, now())
            offset = 0
        else:
            url = upload.url
            try:
                offset = client.offset(url)  # the backend's count is the truth
            except UploadGone:
                outbox.upload_lost(sid, stored.name)
                upload = None
                continue
        try:
            _send_from(client, outbox, sid, stored, url, offset, chunk_size)
            return
        except UploadGone:
            outbox.upload_lost(sid, stored.name)
            upload = None
    raise UploadGone(f"the backend lost {stored.name}'s upload {MAX_RESTARTS} times")


def _send_chunk(client: BackendClient, url: str, offset: int, chunk: bytes) -> int:
    """One chunk, sent again at once if it arrived damaged (460), up to ``DAMAGED_RESENDS``."""
    for _attempt in range(DAMAGED_RESENDS):
        try:
            return client.send_chunk(url, offset, chunk)
        except ChunkDamaged:
            continue
    return client.send_chunk(url, offset, chunk)


def _send_from(
    client: BackendClient,
    outbox: Outbox,
    submission_id: str,
    stored: StoredFile,
    url: str,
    offset: int,
    chunk_size: int,
) -> None:
    if offset > stored.size:  # not this file: remove it at the backend, start again
        client.terminate(url)
        raise UploadGone(f"the backend holds more of {stored.name} than it has")
    outbox.offset_confirmed(submission_id, stored.name, offset)
    with stored.path.open("rb") as source:
        while offset < stored.size:
            source.seek(offset)
            chunk = source.read(chunk_size)
            try:
                confirmed = _send_chunk(client, url, offset, chunk)
                if confirmed <= offset:
                    raise OffsetMismatch("a chunk accepted without progress")
            except OffsetMismatch:
                # Ask where the backend stands (our last 204 may have been lost on the way)
                # and go on from there, backwards too; no progress at all is for the backoff.
                confirmed = client.offset(url)
                if confirmed == offset:
                    raise
            offset = confirmed
            outbox.offset_confirmed(submission_id, stored.name, offset)
