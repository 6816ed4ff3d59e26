"""What can go wrong when talking to the backend, by what the sync worker does about it."""

from __future__ import annotations


class SyncError(Exception):
    """Base class. ``str(error)`` is a short reason fit for the logs and the médiateur: status
    codes and problem types only, never a dossier's content."""


class BackendUnreachable(SyncError):
    """No answer, or not the backend's (a captive portal or a proxy answering in its place):
    the whole queue waits for the network and retries as soon as the backend answers."""


class RetryLater(SyncError):
    """The backend is there but cannot take this now (5xx, 429, a request in progress, a
    chunk damaged on the way): this dossier is retried after a backoff, the others go on."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class ChunkDamaged(RetryLater):
    """460: the chunk did not arrive as sent (its checksum failed); nothing of it was kept.
    Sent again at once, a few times, before the backoff takes over."""


class Unauthorized(SyncError):
    """401 or 403: the kiosk's credentials are refused. Every dossier would be refused the
    same way, so the whole queue pauses until the credentials work again."""


class Rejected(SyncError):
    """The backend refuses this dossier for good (a validation error): it is quarantined, kept
    and shown to the médiateur, and the rest of the queue goes on."""


class UploadGone(SyncError):
    """The backend no longer knows a file's upload (expired): that file starts again."""


class OffsetMismatch(SyncError):
    """The backend holds another offset than the one sent (409): ask it and go on from there."""
