"""Operator configuration: one declared schema, read from a TOML file.

Every key has a type, a default and a description (the schema below is the documentation:
``kiosk config-reference`` prints it). An unknown key or a bad value stops the start with the
file, the key and the reason, because a kiosk that silently ignores a typo runs for months
with the wrong setting.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offline_cache.encryption import is_recipient

DEFAULT_CONFIG_PATH = Path("/etc/point-numerique/kiosk.toml")

SCANNER_BACKENDS = ("simulated", "sane")
CAMERA_BACKENDS = ("simulated", "opencv")
PRINTER_BACKENDS = ("simulated", "escpos")
CARDREADER_BACKENDS = ("simulated", "pcsc")
VOICE_ENGINES = ("auto", "espeak-ng", "qt", "off")
KIOSK_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


WHOLE_FILE = "(fichier)"  # the "key" of an error about the file itself


class ConfigError(Exception):
    """A configuration problem, phrased for the IT staff who edit the file."""

    def __init__(self, source: str, key: str, reason: str) -> None:
        self.source = source
        self.key = key
        self.reason = reason
        super().__init__(f"{source}: {key}: {reason}")


@dataclass(frozen=True)
class Validator:
    """A rule on a value: ``allowed`` says it to people, ``reason`` checks it."""

    allowed: str
    reason: Callable[[Any], str | None]  # a reason when the value is bad, else None


# A key with this default has none: it must be set in the file (the demo has its own value).
REQUIRED = None
# The demo's and the tests' backend key. Its private half is in tests/support/backend_key.py:
# a kiosk configured with it protects nothing, so only the demo may default to it.
DEMO_BACKEND_PUBLIC_KEY = "age1vvj7f7tktfr5255tx2wldsndjcx5gjp20a03errkm4fepay85y3q9kggrn"


@dataclass(frozen=True)
class Setting:
    key: str
    type: type
    default: Any
    description: str
    check: Validator | None = None
    demo_default: Any = None  # the value the demo uses for a REQUIRED key


def _shown(value: Any) -> str:
    return repr(value) if value == "" else str(value)


def _one_of(*allowed: str) -> Validator:
    listed = ", ".join(_shown(a) for a in allowed)

    def reason(value: Any) -> str | None:
        return None if value in allowed else f"valeurs permises : {listed}"

    return Validator(listed, reason)


def _range(low: float, high: float) -> Validator:
    def reason(value: Any) -> str | None:
        return None if low <= value <= high else f"doit être entre {low} et {high}"

    return Validator(f"de {low} à {high}", reason)


def _kiosk_code_reason(value: Any) -> str | None:
    if re.fullmatch(f"[{KIOSK_CODE_ALPHABET}]{{3}}", value):
        return None
    return f"3 caractères parmi {KIOSK_CODE_ALPHABET} (ni 0, O, 1, I, L, U)"


def _identifier_reason(value: Any) -> str | None:
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", value):
        return None
    return "lettres, chiffres, « . », « _ » ou « - », 64 caractères au plus"


def _backend_url_reason(value: Any) -> str | None:
    if value == "" or re.fullmatch(r"https://[^\s/?#]+(/[^\s?#]*)?", value):
        return None
    # Plain HTTP only on the loopback: the demo's and the tests' local receiver.
    if re.fullmatch(r"http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/[^\s?#]*)?", value):
        return None
    return "une adresse https:// (http:// seulement vers 127.0.0.1)"


def _argon2_reason(value: Any) -> str | None:
    if value == "" or value.startswith("$argon2id$"):
        return None
    return "une empreinte argon2id (kiosk exit-pin), jamais le code lui-même"


def _age_recipient_reason(value: Any) -> str | None:
    return None if is_recipient(value) else "une clé publique age : « age1 » suivi de 58 caractères"


SCHEMA: tuple[Setting, ...] = (
    Setting(
        "kiosk.id",
        str,
        REQUIRED,
        "Identifiant unique de la borne dans le parc (envoyé avec chaque dossier). Obligatoire.",
        Validator("ex. pref-69-lyon-pn1", _identifier_reason),
        demo_default="demo-kiosk",
    ),
    Setting(
        "kiosk.code",
        str,
        REQUIRED,
        "Code de 3 caractères propre à la borne, en tête de chaque numéro de dossier ; "
        "unique dans le parc, attribué par le service informatique. Obligatoire.",
        Validator(f"3 caractères parmi {KIOSK_CODE_ALPHABET}", _kiosk_code_reason),
        demo_default="DEM",
    ),
    Setting("kiosk.site_name", str, "Point numérique", "Nom du lieu imprimé sur le reçu."),
    Setting("kiosk.data_dir", str, "/var/lib/point-numerique", "Dossier des données locales."),
    Setting(
        "kiosk.catalog_dir",
        str,
        "",
        "Dossier des fichiers de démarches ; vide = celles livrées avec la borne.",
    ),
    Setting(
        "kiosk.log_level", str, "INFO", "Niveau du journal.", _one_of("DEBUG", "INFO", "WARNING")
    ),
    Setting(
        "session.idle_warning_s",
        int,
        90,
        "Secondes sans action avant l'avertissement « Êtes-vous toujours là ? ».",
        _range(10, 3600),
    ),
    Setting(
        "session.idle_countdown_s",
        int,
        30,
        "Durée du compte à rebours visible avant l'effacement de la session.",
        _range(5, 600),
    ),
    Setting(
        "session.receipt_screen_s",
        int,
        60,
        "Secondes d'affichage de l'écran du reçu avant le retour à l'accueil.",
        _range(5, 600),
    ),
    Setting(
        "receipt.follow_url",
        str,
        "https://permisdeconduire.ants.gouv.fr",
        "Adresse de suivi imprimée et mise dans le QR code du reçu.",
    ),
    Setting(
        "ui.fullscreen",
        bool,
        True,
        "Plein écran sans décoration (désactiver pour le développement).",
    ),
    Setting(
        "ui.hide_cursor",
        bool,
        False,
        "Masquer le pointeur de la souris (écrans tactiles).",
    ),
    Setting(
        "ui.onscreen_keyboard",
        bool,
        True,
        "Clavier à l'écran en bas de la fenêtre quand une case à remplir est touchée "
        "(désactiver sur une borne équipée d'un vrai clavier).",
    ),
    Setting(
        "ui.exit_pin_hash",
        str,
        "",
        "Empreinte argon2 du code de sortie du service informatique (kiosk exit-pin la "
        "donne) ; vide = pas de sortie cachée.",
        Validator("vide ou $argon2id$…", _argon2_reason),
    ),
    Setting(
        "voice.engine",
        str,
        "auto",
        "Voix qui lit les consignes à l'usager : « espeak-ng » (paquet espeak-ng), « qt » "
        "(QtTextToSpeech, paquet PySide6-Addons, via speech-dispatcher), « auto » (espeak-ng, "
        "sinon Qt, sinon rien) ou « off » (pas de voix ; le bouton « Écouter » est masqué).",
        _one_of(*VOICE_ENGINES),
    ),
    Setting(
        "voice.rate",
        int,
        140,
        "Débit de la voix en mots par minute (175 = débit normal d'espeak-ng ; plus lent, la "
        "consigne est plus facile à suivre).",
        _range(80, 450),
    ),
    Setting("scanner.backend", str, "simulated", "Pilote du scanner.", _one_of(*SCANNER_BACKENDS)),
    Setting(
        "scanner.device",
        str,
        "",
        "Scanner SANE à utiliser (nom donné par `scanimage -L`, ex. « epson2:libusb:001:004 ») ; "
        "vide = le premier trouvé.",
    ),
    Setting(
        "scanner.source",
        str,
        "flatbed",
        "Où l'usager pose ses documents : « flatbed » (la vitre), « feeder » (le chargeur, "
        "recto seul) ou « duplex » (le chargeur, recto et verso ; les versos vierges sont "
        "retirés).",
        _one_of("flatbed", "feeder", "duplex"),
    ),
    Setting(
        "scanner.detect_orientation",
        bool,
        True,
        "Remettre à l'endroit une page posée à l'envers ou de côté (Tesseract, paquet "
        "tesseract-ocr ; sans lui, l'usager tourne la page lui-même).",
    ),
    Setting(
        "scanner.camera_fallback",
        bool,
        True,
        "Sans scanner (absent ou débranché), proposer de photographier le document avec la caméra.",
    ),
    Setting(
        "scanner.output",
        str,
        "jpeg",
        "Fichiers des pièces scellées : « jpeg » (un fichier par page) ou « pdf » (un PDF par "
        "pièce, les pages JPEG incluses sans recompression).",
        _one_of("jpeg", "pdf"),
    ),
    Setting(
        "scanner.resolution_dpi",
        int,
        300,
        "Résolution de numérisation des pièces.",
        _range(150, 600),
    ),
    Setting("camera.backend", str, "simulated", "Pilote de la caméra.", _one_of(*CAMERA_BACKENDS)),
    Setting(
        "camera.device",
        str,
        "0",
        "Caméra face à l'usager (photo d'identité) : numéro V4L2 (« 0 ») ou, mieux, le lien "
        "stable /dev/v4l/by-id/usb-…-video-index0 (le numéro peut changer après un "
        "débranchement).",
    ),
    Setting(
        "camera.document_device",
        str,
        "",
        "Caméra de documents (au-dessus du bureau), si la borne en a une ; vide = la caméra "
        "face à l'usager photographie aussi les documents.",
    ),
    Setting(
        "printer.backend",
        str,
        "simulated",
        "Pilote de l'imprimante à tickets : « escpos » pour une vraie imprimante ESC/POS.",
        _one_of(*PRINTER_BACKENDS),
    ),
    Setting(
        "printer.connection",
        str,
        "network",
        "Liaison de l'imprimante ESC/POS : « network » (port 9100), « usb » ou « serial ».",
        _one_of("network", "usb", "serial"),
    ),
    Setting("printer.host", str, "", "Adresse IP ou nom de l'imprimante réseau."),
    Setting("printer.port", int, 9100, "Port de l'imprimante réseau.", _range(1, 65535)),
    Setting(
        "printer.usb_vendor_id",
        int,
        0x04B8,
        "Imprimante USB : identifiant du fabricant (lsusb ; 0x04b8 = Epson).",
        _range(0, 0xFFFF),
    ),
    Setting(
        "printer.usb_product_id",
        int,
        0x0202,
        "Imprimante USB : identifiant du modèle (lsusb ; 0x0202 = TM-T88).",
        _range(0, 0xFFFF),
    ),
    Setting("printer.serial_device", str, "/dev/ttyS0", "Imprimante série : le périphérique."),
    Setting(
        "printer.a4_queue",
        str,
        "",
        "File d'impression CUPS pour les documents A4 (récapitulatif, recto verso) ; vide = "
        "pas d'impression A4 (lpstat -a donne les noms).",
    ),
    Setting(
        "printer.profile",
        str,
        "TM-T88V",
        "Profil python-escpos du modèle (pages de code, largeur, QR code natif).",
    ),
    Setting(
        "printer.pending_receipt_hours",
        int,
        4,
        "Heures pendant lesquelles un reçu non imprimé (plus de papier...) reste gardé pour "
        "que le médiateur le réimprime ; effacé ensuite.",
        _range(1, 72),
    ),
    Setting(
        "cardreader.backend",
        str,
        "simulated",
        "Pilote du lecteur de badges : pcsc (lecteur PC/SC, pcscd) ou simulated.",
        _one_of(*CARDREADER_BACKENDS),
    ),
    Setting(
        "cardreader.reader",
        str,
        "",
        "Partie du nom du lecteur à utiliser (pcsc_scan -r) ; vide = tous les lecteurs.",
    ),
    Setting(
        "assist.max_pin_failures",
        int,
        3,
        "Codes PIN faux d'affilée avant que le badge soit refusé un moment.",
        _range(1, 10),
    ),
    Setting(
        "assist.lockout_s",
        int,
        30,
        "Durée du premier refus après trop de codes faux (doublée à chaque nouveau refus).",
        _range(5, 3600),
    ),
    Setting(
        "sync.backend_url",
        str,
        "",
        "Adresse du service de dépôt de la préfecture (https://…) ; vide = les dossiers "
        "restent dans la file locale. La démo utilise son propre récepteur local.",
        Validator("https://… ou http://127.0.0.1:…", _backend_url_reason),
    ),
    Setting(
        "sync.backend_public_key",
        str,
        REQUIRED,
        "Clé publique age (age1…) du service de dépôt : chaque dossier scellé lui est chiffré, "
        "la borne ne peut pas le relire. Obligatoire.",
        Validator("age1… (58 caractères après age1)", _age_recipient_reason),
        demo_default=DEMO_BACKEND_PUBLIC_KEY,
    ),
    Setting(
        "sync.chunk_mb",
        int,
        8,
        "Taille des morceaux envoyés (Mo) : après une coupure, au plus un morceau est renvoyé.",
        _range(1, 64),
    ),
    Setting(
        "sync.parallel_uploads",
        int,
        2,
        "Dossiers envoyés en même temps, chacun sur sa connexion.",
        _range(1, 8),
    ),
    Setting(
        "sync.timeout_s",
        int,
        30,
        "Délai d'attente d'une réponse du service de dépôt (secondes).",
        _range(3, 600),
    ),
    Setting(
        "sync.retry_base_s",
        int,
        5,
        "Premier délai avant de réessayer un dossier refusé temporairement (doublé ensuite, "
        "tiré au hasard en dessous de ce plafond).",
        _range(1, 3600),
    ),
    Setting(
        "sync.retry_cap_s",
        int,
        900,
        "Délai maximal entre deux essais d'un même dossier (secondes).",
        _range(10, 86400),
    ),
    Setting(
        "sync.probe_interval_s",
        int,
        15,
        "Hors ligne : intervalle entre deux vérifications que le service est de nouveau "
        "joignable ; la file repart aussitôt qu'il l'est.",
        _range(1, 3600),
    ),
    Setting(
        "sync.stuck_alert_min",
        int,
        240,
        "Un dossier non accusé reçu après ce délai (minutes) est signalé au médiateur.",
        _range(1, 100000),
    ),
    Setting(
        "sync.retention_days",
        int,
        0,
        "Jours de conservation de la copie locale chiffrée après l'accusé de réception.",
        _range(0, 365),
    ),
    Setting(
        "simulator.delay_s",
        float,
        0.0,
        "Appareils simulés : latence ajoutée à chaque opération (démonstration, tests).",
        _range(0.0, 30.0),
    ),
    Setting(
        "simulator.printer_fault",
        str,
        "",
        "Imprimante simulée : panne permanente (« paper_out », « cover_open ») ou vide.",
        _one_of("", "paper_out", "cover_open"),
    ),
    Setting(
        "simulator.scanner_unplugged",
        bool,
        False,
        "Scanner simulé débranché.",
    ),
)

SETTINGS: dict[str, Setting] = {s.key: s for s in SCHEMA}


@dataclass(frozen=True)
class Config:
    """Validated settings, addressed by dotted key: ``config["session.idle_warning_s"]``."""

    values: Mapping[str, Any]
    source: str
    demo: bool = False

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def data_dir(self) -> Path:
        return Path(self.values["kiosk.data_dir"])


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{key}."))
        else:
            flat[key] = value
    return flat


def _coerce(setting: Setting, value: Any, source: str) -> Any:
    expected = setting.type
    # TOML has real types; bool is an int subclass in Python, so check it first.
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if (isinstance(value, bool) and expected is not bool) or not isinstance(value, expected):
        raise ConfigError(
            source,
            setting.key,
            f"type attendu : {expected.__name__}, reçu : {type(value).__name__} {value!r}",
        )
    if setting.check is not None:
        reason = setting.check.reason(value)
        if reason:
            raise ConfigError(source, setting.key, f"{reason} (reçu : {value!r})")
    return value


def build_config(
    raw: Mapping[str, Any],
    source: str,
    demo: bool = False,
    demo_data_dir: Path | None = None,
) -> Config:
    """Validate ``raw`` (nested tables as read from TOML) against the schema.

    ``demo`` forces every device to its simulator and the data into ``demo_data_dir``, so a
    demo can never touch a real queue or a real device.
    """
    values = {s.key: s.default for s in SCHEMA}
    for key, value in _flatten(raw).items():
        setting = SETTINGS.get(key)
        if setting is None:
            raise ConfigError(source, key, "clé inconnue (voir `kiosk config-reference`)")
        values[key] = _coerce(setting, value, source)
    for setting in SCHEMA:
        if values[setting.key] is REQUIRED:
            if not demo:
                raise ConfigError(source, setting.key, "obligatoire : à renseigner dans le fichier")
            values[setting.key] = setting.demo_default
    if demo:
        for family in ("scanner", "camera", "printer", "cardreader"):
            values[f"{family}.backend"] = "simulated"
        if demo_data_dir is not None:
            values["kiosk.data_dir"] = str(demo_data_dir)
    return Config(values=values, source=source, demo=demo)


def load_config(path: Path | None, demo: bool = False, demo_data_dir: Path | None = None) -> Config:
    """Read the operator file (``None``: defaults only, for the demo) and validate it."""
    raw: dict[str, Any] = {}
    source = "(defaults)"
    if path is not None:
        source = str(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(source, WHOLE_FILE, "fichier introuvable") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(source, WHOLE_FILE, f"fichier illisible : {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(source, WHOLE_FILE, f"TOML invalide : {exc}") from None
    return build_config(raw, source, demo, demo_data_dir)


def reference() -> str:
    """The schema as text, for `kiosk config-reference` and the docs."""
    lines = []
    for s in SCHEMA:
        default = "aucun : obligatoire" if s.default is REQUIRED else repr(s.default)
        allowed = f" ; valeurs : {s.check.allowed}" if s.check is not None else ""
        lines.append(f"{s.key} ({s.type.__name__}, défaut {default}{allowed})\n    {s.description}")
    return "\n".join(lines)
