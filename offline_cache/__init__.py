"""The durable local store: sealed dossiers, their files and the outbox (SQLite, WAL).

Standard library only: nothing here imports ``kiosk``, ``ui``, ``drivers`` or PySide6.
"""

from offline_cache.errors import StoreError
from offline_cache.models import (
    FileToSeal,
    OutboxEntry,
    OutboxState,
    SealedSubmission,
    StoredFile,
    SubmissionToSeal,
)
from offline_cache.store import Store

__all__ = [
    "FileToSeal",
    "OutboxEntry",
    "OutboxState",
    "SealedSubmission",
    "Store",
    "StoreError",
    "StoredFile",
    "SubmissionToSeal",
]
