"""``kiosk sync``: the queue for IT staff, without the screen.

``--once`` sends what is due and says what happened; ``--status`` shows the queue from the
local store alone (no network); ``--state NUMÉRO`` asks the backend about one dossier;
``--release NUMÉRO`` sends a quarantined dossier again from its first file.
Output in French, like every operator message; ids and dossier numbers only, never answers.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from kiosk.config import Config
from kiosk.status import LINKS, STATES
from kiosk.sync.errors import SyncError
from kiosk.sync.worker import SyncStatus, SyncWorker, sync_worker
from offline_cache import Store, StoreError
from offline_cache.encryption import encryptor
from offline_cache.models import OutboxEntry, OutboxState


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk sync", description="File d'envoi des dossiers.")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--once", action="store_true", help="envoyer maintenant ce qui est dû")
    action.add_argument("--status", action="store_true", help="état de la file (sans réseau)")
    action.add_argument("--state", metavar="NUMÉRO", help="état d'un dossier auprès du service")
    action.add_argument(
        "--release",
        metavar="NUMÉRO",
        help="renvoyer depuis le début un dossier en quarantaine (la cause une fois réglée)",
    )
    return parser


def sync_command(config: Config, arguments: list[str]) -> int:
    args = _parser().parse_args(arguments)
    try:
        store = Store.open(config.data_dir, encrypt=encryptor(config["sync.backend_public_key"]))
    except StoreError as exc:
        print(f"File d'envoi illisible : {exc}", file=sys.stderr)
        return 2
    with store:
        worker = sync_worker(store, config)
        if args.status:
            _print_status(worker.status())
            return 0
        if args.state:
            return _print_remote_state(worker, store, args.state)
        if args.release:
            return _release(worker, store, args.release)
        report = worker.run_once()
        if report.busy:
            print("Un envoi est déjà en cours (la borne elle-même) : rien à faire ici.")
            return 0
        status = worker.status()
        print(
            f"Envoyés : {len(report.sent)} ; à réessayer : {len(report.retried)} ; "
            f"en quarantaine : {len(report.quarantined)} ; effacés : {len(report.purged)}"
        )
        print(f"Service de dépôt : {LINKS.get(status.link, status.link)} {status.detail}".rstrip())
        waiting = sum(n for state, n in status.counts.items() if state.pending)
        return 1 if waiting and status.link != "online" else 0


def _print_status(status: SyncStatus) -> None:
    print(f"Service de dépôt : {LINKS.get(status.link, status.link)} {status.detail}".rstrip())
    if status.last_contact_at:
        print(f"Dernier contact : {status.last_contact_at}")
    for state, label in STATES.items():
        print(f"  {status.counts.get(state, 0):5d}  {label}")
    for entry in status.stuck:
        print(
            f"BLOQUÉ  {entry.dossier_number}  scellé {entry.sealed_at}  état {entry.state.value}"
            f"  {entry.attempts} essai(s)  {entry.last_error or ''}".rstrip()
        )


def _find(store: Store, wanted: str) -> OutboxEntry | None:
    """The dossier by its number (what the usager reads out) or its id."""
    entry = next((e for e in store.outbox() if wanted in (e.dossier_number, e.submission_id)), None)
    if entry is None:
        print(f"Dossier inconnu de cette borne : {wanted}", file=sys.stderr)
    return entry


def _release(worker: SyncWorker, store: Store, wanted: str) -> int:
    entry = _find(store, wanted)
    if entry is None:
        return 2
    if entry.state is not OutboxState.QUARANTINED:
        print(f"Dossier {entry.dossier_number} : pas en quarantaine ({entry.state.value}).")
        return 2
    worker.outbox.release(entry.submission_id, datetime.now(UTC))
    print(f"Dossier {entry.dossier_number} : sera renvoyé depuis le début au prochain envoi.")
    return 0


def _print_remote_state(worker: SyncWorker, store: Store, wanted: str) -> int:
    entry = _find(store, wanted)
    if entry is None:
        return 2
    print(f"Dossier {entry.dossier_number} : sur la borne, {entry.state.value}")
    try:
        remote = worker.remote_state(entry.submission_id)
    except SyncError as exc:
        print(f"Service de dépôt injoignable : {exc}", file=sys.stderr)
        return 1
    if remote is None:
        print("Le service de dépôt ne le connaît pas (encore).")
    else:
        print(f"Au service de dépôt : {remote.state} (reçu {remote.received_at})")
    return 0
