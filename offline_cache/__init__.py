"""The durable local store: sealed dossiers, their files and the outbox (SQLite, WAL); and
the cache of the parsed démarche catalog.

Standard library only: nothing here imports ``kiosk``, ``ui``, ``drivers`` or PySide6.
The names below load on first use, so that the catalog cache (needed before the first paint)
does not pull in SQLite.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_WHERE = {
    "StoreError": "offline_cache.errors",
    "FileToSeal": "offline_cache.models",
    "OutboxEntry": "offline_cache.models",
    "OutboxState": "offline_cache.models",
    "SealedSubmission": "offline_cache.models",
    "StoredFile": "offline_cache.models",
    "SubmissionToSeal": "offline_cache.models",
    "Store": "offline_cache.store",
}

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


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'offline_cache' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
