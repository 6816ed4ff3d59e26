"""Plain values exchanged with the store: what the application seals and what it gets back."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class FileToSeal:
    """One file of a dossier, held in memory until it is sealed."""

    name: str  # safe file name chosen by the app, e.g. "piece-justificatif_identite-p1.jpg"
    media_type: str  # "image/jpeg", "application/json", ...
    data: bytes


@dataclass(frozen=True)
class SubmissionToSeal:
    """A finished dossier, as the application hands it over at "consent + seal"."""

    submission_id: str  # canonical uuid4 string, chosen by the app
    demarche_id: str
    demarche_version: str
    kiosk_id: str
    assisted: bool
    manifest: dict[str, object]  # JSON-serialisable; stored as the file "manifest.json"
    files: tuple[FileToSeal, ...]


@dataclass(frozen=True)
class StoredFile:
    """A sealed file on disk, with the size and SHA-256 recorded when it was sealed."""

    name: str
    media_type: str
    size: int
    sha256: str
    path: Path


@dataclass(frozen=True)
class SealedSubmission:
    """A dossier after sealing: immutable, numbered, its files in the spool."""

    submission_id: str
    dossier_number: str
    sequence: int
    demarche_id: str
    demarche_version: str
    kiosk_id: str
    assisted: bool
    sealed_at: str  # ISO 8601 UTC
    files: tuple[StoredFile, ...]  # the pièces in the order given, then manifest.json


class OutboxState(Enum):
    """Where a sealed dossier stands on its way to the backend.

    The database checks states against the ``outbox_states`` table: a new state is one migration
    that inserts a row there, plus a member here (a unit test keeps the two in step).
    """

    SEALED = "sealed"  # waiting for its first upload
    UPLOADING = "uploading"  # some files are (partly) at the backend
    COMMITTING = "committing"  # every file uploaded; the commit is not acknowledged yet
    ACKNOWLEDGED = "acknowledged"  # the backend has it; the local copy awaits its purge
    PURGED = "purged"  # the local files are gone; the row stays for the médiateur's queries
    QUARANTINED = "quarantined"  # the backend refused it: kept, shown, never sent again alone

    @property
    def pending(self) -> bool:
        """Still to be sent by the sync worker."""
        return self in (OutboxState.SEALED, OutboxState.UPLOADING, OutboxState.COMMITTING)


@dataclass(frozen=True)
class OutboxEntry:
    submission_id: str
    dossier_number: str
    state: OutboxState
    attempts: int
    next_attempt_at: str | None
    last_error: str | None
    updated_at: str
    sealed_at: str = ""
    acknowledged_at: str | None = None
    remote_state: str | None = None
