"""The one error type the store raises, and the conversion of low-level errors into it.

``sqlite3`` and ``OSError`` exceptions never leave the package: they become a
:class:`StoreError` whose ``code`` is stable (the application's message table and the logs key
on it) and whose message says what happened in plain words. Messages carry ids and counts only,
never personal data.
"""

from __future__ import annotations

import errno
import sqlite3

# Primary SQLite result codes (the low byte of an extended code).
_SQLITE_CODES: dict[int, tuple[str, str]] = {
    5: ("busy", "the database is locked by another process"),
    6: ("busy", "the database table is locked"),
    8: ("read_only", "the database is read-only (file permissions or read-only file system)"),
    10: ("io_error", "disk input/output error"),
    11: ("corrupt", "the database file is corrupt"),
    13: ("disk_full", "the disk is full"),
    14: ("io_error", "the database file cannot be opened"),
    19: ("integrity", "a database constraint was violated"),
    26: ("corrupt", "the file is not a SQLite database (corrupt or overwritten)"),
}

_OS_CODES: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("disk_full", "the disk is full"),
    errno.EDQUOT: ("disk_full", "the disk quota is exceeded"),
    errno.EROFS: ("read_only", "the file system is read-only"),
    errno.EACCES: ("read_only", "permission denied"),
    errno.EPERM: ("read_only", "operation not permitted"),
    errno.EIO: ("io_error", "disk input/output error"),
}


class StoreError(Exception):
    """A store operation failed; nothing half-done was left behind.

    ``code`` is one of: ``invalid_submission``, ``already_sealed``, ``dossier_number_conflict``,
    ``number_function_failed``, ``newer_schema``, ``closed``, ``disk_full``, ``read_only``,
    ``corrupt``, ``busy``, ``io_error``, ``integrity``, ``store_error``.
    """

    def __init__(self, message: str, *, code: str = "store_error") -> None:
        super().__init__(message)
        self.code = code


def wrap_error(exc: BaseException, action: str) -> StoreError:
    """Convert ``exc`` into a :class:`StoreError` saying what ``action`` could not do and why."""
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, sqlite3.Error):
        primary = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        code, reason = _SQLITE_CODES.get(primary, ("store_error", "database error"))
        name = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
        return StoreError(f"{action}: {reason} ({name})", code=code)
    if isinstance(exc, OSError):
        code, reason = _OS_CODES.get(exc.errno or 0, ("io_error", exc.strerror or "OS error"))
        return StoreError(f"{action}: {reason} ({type(exc).__name__})", code=code)
    return StoreError(f"{action}: unexpected {type(exc).__name__}")
