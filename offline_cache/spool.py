"""Durable, private files on disk: the spool of sealed dossiers.

Every file is written to a temporary name, fsynced, then ``os.replace``d into place, and the
directory is fsynced, so after a power cut a file is either absent or complete. Files are created
``0600`` and directories ``0700``: the spool holds personal data on a shared machine.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
STAGING_PREFIX = ".staging-"
_CHUNK = 1 << 20


def is_submission_id(name: str) -> bool:
    """True if ``name`` is a canonical (lower-case, hyphenated) UUID string."""
    try:
        return str(uuid.UUID(name)) == name
    except ValueError:
        return False


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) if needed and make it ``0700``."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)  # mkdir's mode is filtered by the umask


def fsync_dir(path: Path) -> None:
    """Make the creations, renames and removals inside ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file(directory: Path, name: str, data: bytes) -> None:
    """Write ``directory/name`` atomically and durably, mode ``0600``.

    The caller fsyncs ``directory`` once after writing all its files.
    """
    temp = directory / f".{name}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
    fd = os.open(temp, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # the umask could have removed bits; never add any
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, directory / name)


def remove(path: Path) -> bool:
    """Remove a file, a symlink or a whole directory tree; return False if it was not there."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        path.unlink(missing_ok=True)
        return True
    if path.is_dir():
        shutil.rmtree(path)
        return True
    return False


def digest(path: Path) -> tuple[int, str]:
    """Size in bytes and hex SHA-256 of a file, read in chunks."""
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return size, sha.hexdigest()
