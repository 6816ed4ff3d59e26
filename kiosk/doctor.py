"""``kiosk doctor``: a misconfigured kiosk found with one command, not a visit.

One line per check, each with what to do when it fails: configuration, data directory and
disk space, the store and its journal, the démarches, each device (found and answering),
the backend (reached, its TLS certificate valid, the kiosk's credentials accepted), the
keyring, the clock. Each check runs with a time limit: a device that hangs is reported as
such, the doctor never hangs with it. Exit code 1 when anything failed.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from kiosk.config import Config

if TYPE_CHECKING:
    from kiosk.devices import Devices

CHECK_TIMEOUT_S = 15.0
MIN_FREE_BYTES = 500 * 1024 * 1024  # below this the spool of a day offline may not fit
WARN_FREE_BYTES = 2 * 1024 * 1024 * 1024
MAX_CLOCK_SKEW_S = 300.0  # dossier dates and TLS both need a clock within minutes
EARLIEST_SANE_YEAR = 2025
_KEYRING_ADVICE = "kiosk enroll (jeton du service de dépôt, clé des badges)"


@dataclass(frozen=True)
class Finding:
    status: str  # "OK", "ATTENTION" or "ÉCHEC"
    subject: str
    detail: str
    advice: str = ""

    def line(self) -> str:
        advice = f" → {self.advice}" if self.advice and self.status != "OK" else ""
        return f"{self.status:9s} {self.subject} : {self.detail}{advice}"


def ok(subject: str, detail: str) -> Finding:
    return Finding("OK", subject, detail)


def warn(subject: str, detail: str, advice: str) -> Finding:
    return Finding("ATTENTION", subject, detail, advice)


def fail(subject: str, detail: str, advice: str) -> Finding:
    return Finding("ÉCHEC", subject, detail, advice)


Check = Callable[[Config], list[Finding]]


def run_checks(config: Config, checks: list[tuple[str, Check]] | None = None) -> list[Finding]:
    """Every check, each on its own thread with ``CHECK_TIMEOUT_S``."""
    findings: list[Finding] = []
    for subject, check in checks or CHECKS:
        findings.extend(_bounded(subject, check, config))
    return findings


def _bounded(subject: str, check: Check, config: Config) -> list[Finding]:
    """One check on a daemon thread: a device that hangs is a finding, not a hung doctor."""
    outcome: list[list[Finding]] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(check(config))
        except Exception as exc:  # a check's bug is a finding, not a crash
            error.append(exc)

    thread = threading.Thread(target=run, name=f"doctor-{subject}", daemon=True)
    thread.start()
    thread.join(CHECK_TIMEOUT_S)
    if thread.is_alive():
        return [fail(subject, f"pas de réponse en {CHECK_TIMEOUT_S:.0f} s", "vérifier l'appareil")]
    if error:
        return [
            fail(subject, f"vérification impossible ({type(error[0]).__name__})", str(error[0]))
        ]
    return outcome[0]


def doctor(config: Config, print_line: Callable[[str], None] = print) -> int:
    findings = run_checks(config)
    for finding in findings:
        print_line(finding.line())
    failed = sum(f.status == "ÉCHEC" for f in findings)
    print_line(f"{len(findings)} vérification(s), {failed} échec(s).")
    return 1 if failed else 0


# -- the checks --------------------------------------------------------------------------


def check_data_dir(config: Config) -> list[Finding]:
    directory = config.data_dir
    probe = directory / ".doctor-probe"
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        return [
            fail(
                "Données",
                f"{directory} non inscriptible ({exc.strerror})",
                "créer le dossier, propriétaire l'utilisateur du service",
            )
        ]
    free = shutil.disk_usage(directory).free
    text = f"{directory}, {free / 1e9:.1f} Go libres"
    if free < MIN_FREE_BYTES:
        return [fail("Données", text, "libérer de la place : la file hors ligne n'y tiendrait pas")]
    if free < WARN_FREE_BYTES:
        return [warn("Données", text, "prévoir de la place (moins de 2 Go)")]
    return [ok("Données", text)]


def check_store(config: Config) -> list[Finding]:
    from offline_cache import Store, StoreError
    from offline_cache.encryption import encryptor
    from offline_cache.journal import Journal
    from offline_cache.models import OutboxState

    try:
        with Store.open(config.data_dir, encrypt=encryptor(config["sync.backend_public_key"])) as s:
            pending = sum(1 for e in s.outbox() if e.state.pending)
            quarantined = sum(1 for e in s.outbox() if e.state is OutboxState.QUARANTINED)
            broken = Journal(s).verify()
    except StoreError as exc:
        return [fail("Base locale", str(exc), "voir le journal ; restaurer une sauvegarde")]
    findings = [ok("Base locale", f"{pending} dossier(s) à envoyer, {quarantined} en quarantaine")]
    if quarantined:
        findings.append(
            warn("File d'envoi", f"{quarantined} en quarantaine", "kiosk sync --status")
        )
    findings.append(
        fail("Journal", broken[0], "le journal a été modifié : alerter la sécurité")
        if broken
        else ok("Journal", "chaîne intacte")
    )
    return findings


def check_catalog(config: Config) -> list[Finding]:
    from kiosk.catalog import catalog_dir, load_catalog

    catalog = load_catalog(catalog_dir(config))
    findings = [
        fail("Démarches", f"{d.file} : « {d.field} » : {d.reason}", "corriger ce fichier")
        for d in catalog.disabled
    ]
    if not catalog.demarches:
        return [*findings, fail("Démarches", "aucune", "vérifier kiosk.catalog_dir")]
    return [ok("Démarches", f"{len(catalog.demarches)} disponibles"), *findings]


def check_devices(config: Config) -> list[Finding]:
    from kiosk.devices import build_devices

    devices = build_devices(config, synchronous=True)
    findings: list[Finding] = []
    try:
        findings.append(_scanner(config, devices))
        findings += _cameras(config, devices)
        findings.append(_printer(config, devices))
        if devices.a4_queue is not None:
            findings.append(_a4(devices))
        findings.append(_badge_reader(config, devices))
    finally:
        devices.shutdown()
    return findings


def _scanner(config: Config, devices: Devices) -> Finding:
    from drivers.errors import DeviceError

    if config["scanner.backend"] != "sane":
        return warn("Scanner", "simulé", 'scanner.backend = "sane" sur une vraie borne')
    scanner = devices.scanner
    try:
        info = scanner.info()
    except DeviceError as exc:
        return fail("Scanner", str(exc), "brancher le scanner ; scanimage -L doit le lister")
    finally:
        scanner.close()
    return ok("Scanner", f"{info.name} ({info.vendor} {info.model})")


def _printer(config: Config, devices: Devices) -> Finding:
    from drivers.errors import DeviceError

    if config["printer.backend"] != "escpos":
        return warn("Imprimante", "simulée", 'printer.backend = "escpos" sur une vraie borne')
    from drivers.printer.interface import PrinterState

    advice = "allumer, brancher, vérifier printer.host / usb"
    try:
        status = devices.printer.status()
    except DeviceError as exc:
        return fail("Imprimante", str(exc), advice)
    detail = status.state.value + (f" ({status.detail})" if status.detail else "")
    if status.state is PrinterState.OFFLINE:  # not found is answered as OFFLINE, not raised
        return fail("Imprimante", detail, advice)
    if status.state in (PrinterState.PAPER_OUT, PrinterState.COVER_OPEN):
        return fail("Imprimante", detail, "remettre du papier, fermer le capot")
    if status.state is PrinterState.PAPER_NEAR_END:
        return warn("Imprimante", detail, "prévoir un rouleau de papier")
    if status.state is PrinterState.UNKNOWN:
        return warn("Imprimante", detail, "imprimer un ticket d'essai pour vérifier")
    return ok("Imprimante", detail)


def _cameras(config: Config, devices: Devices) -> list[Finding]:
    """The cameras' nodes, queried without streaming: the kiosk may be using them."""
    if config["camera.backend"] != "opencv":
        return []
    from drivers.camera.opencv_camera import OpenCVCamera, query_v4l2

    findings = []
    for subject, camera in (
        ("Caméra", devices.camera),
        ("Caméra document", devices.document_camera),
    ):
        if not isinstance(camera, OpenCVCamera):
            continue
        advice = "brancher la caméra ; v4l2-ctl --list-devices ; camera.device"
        if not camera.present():
            findings.append(fail(subject, f"{camera.node} absent", advice))
        elif not camera.live:
            findings.append(warn(subject, f"fichier vidéo {camera.node}", advice))
        else:
            try:
                card = query_v4l2(camera.node)
            except OSError as exc:
                findings.append(fail(subject, f"{camera.node} : {exc.strerror}", advice))
                continue
            if card.captures_video:
                findings.append(ok(subject, f"{card.card} ({camera.node})"))
            else:
                findings.append(fail(subject, f"{camera.node} ne donne pas d'images", advice))
    return findings


def _a4(devices: Devices) -> Finding:
    queue = devices.a4_queue
    assert queue is not None
    if queue.accepting():
        return ok("Imprimante A4", f"file {queue.queue} prête")
    return fail(
        "Imprimante A4",
        f"file {queue.queue} absente ou refusant les travaux",
        f"lpstat -p {queue.queue} ; cupsenable / cupsaccept",
    )


def _badge_reader(config: Config, devices: Devices) -> Finding:
    if config["cardreader.backend"] != "pcsc":
        return warn("Lecteur de badges", "simulé", 'cardreader.backend = "pcsc"')
    readers = devices.cardreader.readers()
    if not readers:
        return fail("Lecteur de badges", "aucun lecteur", "brancher le lecteur ; pcsc_scan -r")
    return ok("Lecteur de badges", ", ".join(readers))


def check_keyring(config: Config) -> list[Finding]:
    from kiosk.credentials import backend_token, badge_key

    findings = [
        ok("Identifiants", "jeton du service de dépôt présent")
        if backend_token()
        else fail("Identifiants", "aucun jeton du service de dépôt", _KEYRING_ADVICE)
    ]
    findings.append(
        ok("Clé des badges", "présente")
        if badge_key()
        else warn("Clé des badges", "absente : mode accompagnement désactivé", _KEYRING_ADVICE)
    )
    return findings


def check_backend(config: Config) -> list[Finding]:
    import requests

    from kiosk.credentials import backend_token
    from kiosk.sync.client import BackendClient
    from kiosk.sync.errors import SyncError, Unauthorized

    url = config["sync.backend_url"]
    if not url:
        return [fail("Service de dépôt", "non configuré", "sync.backend_url")]
    client = BackendClient(url, backend_token() or "", float(config["sync.timeout_s"]))
    try:
        client.capabilities()
        response = requests.head(url, timeout=10, allow_redirects=False)
    except Unauthorized as exc:
        return [fail("Service de dépôt", f"identifiants refusés ({exc})", _KEYRING_ADVICE)]
    except SyncError as exc:
        cause = exc.__cause__
        if isinstance(cause, requests.exceptions.SSLError):
            return [
                fail("Service de dépôt", "certificat TLS invalide", "vérifier l'horloge, le proxy")
            ]
        return [
            fail("Service de dépôt", str(exc), "vérifier le réseau, l'adresse, un portail captif")
        ]
    except requests.RequestException as exc:
        return [fail("Service de dépôt", type(exc).__name__, "vérifier le réseau")]
    finally:
        client.close()
    return [ok("Service de dépôt", f"{url} répond"), _clock(response.headers.get("Date"))]


def _clock(server_date: str | None) -> Finding:
    now = datetime.now(UTC)
    if now.year < EARLIEST_SANE_YEAR:
        return fail("Horloge", now.isoformat(timespec="seconds"), "régler l'heure (NTP)")
    if not server_date:
        return ok("Horloge", now.isoformat(timespec="seconds"))
    try:
        skew = abs((parsedate_to_datetime(server_date) - now).total_seconds())
    except (TypeError, ValueError):
        return ok("Horloge", now.isoformat(timespec="seconds"))
    if skew > MAX_CLOCK_SKEW_S:
        return fail("Horloge", f"écart de {skew:.0f} s avec le service", "activer NTP")
    return ok("Horloge", f"écart de {skew:.0f} s avec le service")


def check_config(config: Config) -> list[Finding]:
    return [ok("Configuration", f"{config.source} valide")]


CHECKS: list[tuple[str, Check]] = [
    ("Configuration", check_config),
    ("Données", check_data_dir),
    ("Base locale", check_store),
    ("Démarches", check_catalog),
    ("Appareils", check_devices),
    ("Identifiants", check_keyring),
    ("Service de dépôt", check_backend),
]
