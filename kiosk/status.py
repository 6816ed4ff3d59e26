"""What the médiateur reads under "État de la borne": devices and the queue, in French.

Only what the kiosk already knows (configuration, the badge reader's list, the outbox): asking
a scanner or a printer for its state takes their worker and can take seconds, which a status
screen must not. Dossiers appear by number with their state and last error; never content.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from offline_cache.models import OutboxState

if TYPE_CHECKING:
    from kiosk.app import KioskApp

# The words for the link to the backend and the outbox states, shared by the médiateur's
# panel and ``kiosk sync --status``.
LINKS = {
    "not_configured": "aucun service de dépôt configuré (sync.backend_url)",
    "not_enrolled": "identifiants de la borne absents du trousseau",
    "unknown": "pas encore contacté",
    "online": "joignable",
    "offline": "injoignable",
    "paused": "file suspendue : identifiants refusés",
}
STATES = {
    OutboxState.SEALED: "scellés, en attente",
    OutboxState.UPLOADING: "en cours d'envoi",
    OutboxState.COMMITTING: "envoyés, accusé attendu",
    OutboxState.ACKNOWLEDGED: "accusés reçus (copie locale conservée)",
    OutboxState.PURGED: "accusés reçus et effacés de la borne",
    OutboxState.QUARANTINED: "refusés par le service (en quarantaine)",
}


def device_lines(app: KioskApp) -> list[str]:
    config = app.config
    try:
        readers = app.devices.cardreader.readers()
    except Exception:  # a reader that cannot be listed is reported as such, never raised
        readers = []
    return [
        f"Scanner : {config['scanner.backend']} ({config['scanner.source']})",
        f"Caméra : {config['camera.backend']}",
        f"Imprimante de reçus : {config['printer.backend']}",
        f"Imprimante A4 : {config['printer.a4_queue'] or 'aucune'}",
        "Lecteur de badges : " + (", ".join(readers) if readers else "aucun lecteur trouvé"),
    ]


def queue_lines(app: KioskApp) -> list[str]:
    if app.sync is None:
        return ["Envoi des dossiers : non configuré."]
    status = app.sync.status()
    detail = f" ({status.detail})" if status.detail else ""
    lines = [f"Service de dépôt : {LINKS.get(status.link, status.link)}{detail}"]
    lines += [f"  {count} {STATES[state]}" for state, count in status.counts.items() if count]
    problems = {e.submission_id: e for e in status.stuck}
    for entry in app.store.outbox():
        if entry.state is OutboxState.QUARANTINED:
            problems[entry.submission_id] = entry
    for entry in problems.values():
        lines.append(
            f"À voir : {entry.dossier_number}, {STATES.get(entry.state, entry.state.value)}, "
            f"{entry.attempts} essai(s) {entry.last_error or ''}".rstrip()
        )
    return lines


def attention_count(app: KioskApp) -> int:
    """Dossiers that need a person: stuck for too long, or refused by the backend."""
    if app.sync is None:
        return 0
    status = app.sync.status()
    return len(status.stuck) + sum(
        1
        for e in app.store.outbox()
        if e.state is OutboxState.QUARANTINED and e not in status.stuck
    )
