"""What the médiateur reads under "État de la borne": devices and the queue, in French.

Only what the kiosk already knows (configuration, the badge reader's list, the outbox, how
each device's last use went, whether a camera's node exists): asking a scanner or a printer
for its state takes their worker and can take seconds, which a status screen must not.
Dossiers appear by number with their state and last error; never content. Receipts not
printed yet appear by dossier number, with their age and why; the printer's warnings after its
last receipt (paper near end, a state it cannot tell) are said too.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING

from kiosk.devices import ABSENT, FAULT, NONE, READY, UNUSED, Presence
from kiosk.i18n import _
from kiosk.print_queue import PAPER_NEAR_END, PRINTING, STATE_UNKNOWN, USAGER_LEFT
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
    config, devices = app.config, app.devices
    try:
        readers = devices.cardreader.readers()
    except Exception:  # a reader that cannot be listed is reported as such, never raised
        readers = []
    lines = [
        _("Scanner : {backend} ({source})").format(
            backend=config["scanner.backend"], source=config["scanner.source"]
        )
        + presence_text(devices.presence("scanner")),
        _("Caméra : {backend}").format(backend=config["camera.backend"])
        + presence_text(devices.presence("camera")),
    ]
    if devices.document_camera is not None:
        lines.append(_("Caméra document") + presence_text(devices.presence("document_camera")))
    lines.append(
        _("Imprimante de reçus : {backend}").format(backend=config["printer.backend"])
        + presence_text(devices.presence("printer"))
    )
    lines += printer_notice_lines(app)
    lines += [
        _("Imprimante A4 : {queue}").format(queue=config["printer.a4_queue"] or _("aucune"))
        + presence_text(devices.presence("a4")),
        _("Lecteur de badges : ") + (", ".join(readers) if readers else _("aucun lecteur trouvé")),
    ]
    return lines


def presence_text(presence: Presence, now: float | None = None) -> str:
    """— and what is known of the device, with how long ago it was seen that way."""
    words = {
        READY: _("prêt"),
        ABSENT: _("absent ou débranché"),
        FAULT: _("en défaut"),
        UNUSED: _("pas encore utilisé"),
    }
    if presence.state == NONE:
        return ""
    text = " — " + words.get(presence.state, presence.state)
    if presence.detail and presence.state != UNUSED:
        text += f" ({presence.detail})"
    if presence.at:
        minutes = max(0, round(((now or time.time()) - presence.at) / 60))
        text += " " + _("il y a {minutes} min").format(minutes=minutes)
    return text


def printer_notice_lines(app: KioskApp) -> list[str]:
    """What the receipt printer said after its last good receipt."""
    words = {
        PAPER_NEAR_END: _("Papier bientôt épuisé : prévoir un rouleau."),
        STATE_UNKNOWN: _(
            "État inconnu : l'imprimante ne dit pas si elle a du papier ; "
            "vérifiez que le dernier reçu est bien sorti."
        ),
    }
    return ["  " + words[notice] for notice in app.printer_notices if notice in words]


def receipt_lines(app: KioskApp, now: dt.datetime | None = None) -> list[str]:
    """The receipts not printed yet, the oldest first, with their age and why."""
    kept = app.kept_receipts()
    if not kept:
        return []
    moment = now or app.receipts.clock()
    lines = [_("Reçus non imprimés : {n}").format(n=len(kept))]
    for receipt in kept:
        lines.append(
            "  "
            + _("{number}, il y a {minutes} min ({reason})").format(
                number=receipt.dossier_number,
                minutes=receipt.age_minutes(moment),
                reason=reason_text(receipt.reason),
            )
        )
    return lines


def reason_text(code: str) -> str:
    """Why a receipt was not printed, in the médiateur's words."""
    words = {
        "paper_out": _("plus de papier"),
        "cover_open": _("capot ouvert"),
        "not_found": _("imprimante injoignable"),
        "disconnected": _("imprimante débranchée ou éteinte"),
        PRINTING: _("impression interrompue"),
        USAGER_LEFT: _("l'usager est parti avant l'impression"),
    }
    return words.get(code, code)


def queue_lines(app: KioskApp) -> list[str]:
    if app.sync is None:
        return ["Envoi des dossiers : non configuré.", *receipt_lines(app)]
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
    return lines + receipt_lines(app)


def dossiers_to_see(app: KioskApp) -> int:
    """Dossiers that need a person: stuck for too long, or refused by the backend."""
    if app.sync is None:
        return 0
    status = app.sync.status()
    return len(status.stuck) + sum(
        1
        for e in app.store.outbox()
        if e.state is OutboxState.QUARANTINED and e not in status.stuck
    )


def attention_count(app: KioskApp) -> int:
    """What needs a person: dossiers stuck or refused, receipts not printed, and a printer
    that warned after its last receipt (paper near end, state unknown)."""
    return dossiers_to_see(app) + len(app.kept_receipts()) + (1 if app.printer_notices else 0)


def attention_text(app: KioskApp) -> str:
    """The panel's first line when something needs a person ("" when nothing does)."""
    parts = []
    dossiers, receipts = dossiers_to_see(app), len(app.kept_receipts())
    if dossiers:
        parts.append(_("{n} dossier(s) à voir").format(n=dossiers))
    if receipts:
        parts.append(_("{n} reçu(s) non imprimé(s)").format(n=receipts))
    if PAPER_NEAR_END in app.printer_notices:
        parts.append(_("papier bientôt épuisé"))
    elif app.printer_notices:
        parts.append(_("état de l'imprimante inconnu"))
    if not parts:
        return ""
    return _("{items} : « État de la borne ».").format(items=", ".join(parts))
