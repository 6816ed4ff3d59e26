"""Every error an usager can meet, mapped in one place to plain French and a next step.

Three kinds (see DESIGN.md, practice 4): user-facing problems say what to do; environment
problems (a device, the disk) say that a médiateur is alerted and what still works; bugs
never show details, the session is wiped and the kiosk returns home.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.errors import DeviceError
from kiosk.i18n import _


@dataclass(frozen=True)
class UserMessage:
    title: str
    body: str
    action: str  # the label of the button that dismisses the message
    pictogram: str = "info"  # name of an icon in assets/icons


_DEVICE_NAMES = {
    "scanner": "le scanner",
    "printer": "l'imprimante",
    "camera": "la caméra",
    "cardreader": "le lecteur de badge",
}


def _device_messages() -> dict[str, tuple[str, str]]:
    # Built at call time so the active translation applies.
    return {
        "feeder_empty": (
            _("Il n'y a pas de feuille dans le chargeur"),
            _("Posez vos feuilles dans le bac du haut, face écrite vers le haut, puis réessayez."),
        ),
        "paper_jam": (
            _("Une feuille est coincée"),
            _("N'essayez pas de la retirer vous-même : un médiateur va vous aider."),
        ),
        "cover_open": (
            _("Le capot est ouvert"),
            _("Fermez le capot, puis réessayez."),
        ),
        "paper_out": (
            _("L'imprimante n'a plus de papier"),
            _(
                "Votre dossier est bien enregistré. "
                "Un médiateur va remettre du papier et imprimer votre reçu."
            ),
        ),
        "busy": (
            _("L'appareil est occupé"),
            _("Patientez quelques secondes, puis réessayez."),
        ),
        "cancelled": (
            _("Opération annulée"),
            _("Vous pouvez recommencer quand vous voulez."),
        ),
    }


def for_device_error(error: DeviceError, family: str) -> UserMessage:
    """``family`` is the device family the caller used ("scanner", "printer"...): the error's
    own ``device`` is the driver's name for it, which means nothing to an usager."""
    known = _device_messages().get(error.code)
    if known is not None:
        return UserMessage(known[0], known[1], _("J'ai compris"), "device")
    device = _(_DEVICE_NAMES.get(family, "l'appareil"))
    return UserMessage(
        _("{device} ne répond pas").format(device=device).capitalize(),
        _("Un médiateur a été prévenu. Vous pouvez continuer ou lui demander de l'aide."),
        _("J'ai compris"),
        "device",
    )


def unreadable_scan() -> UserMessage:
    return UserMessage(
        _("La page n'est pas lisible"),
        _(
            "Vérifiez que le document est bien posé face contre la vitre, "
            "puis numérisez-le à nouveau."
        ),
        _("Numériser à nouveau"),
        "scan",
    )


def storage_failed() -> UserMessage:
    return UserMessage(
        _("Votre dossier n'a pas pu être enregistré"),
        _(
            "Rien n'est perdu : vos réponses sont toujours là. "
            "Appelez un médiateur, puis réessayez."
        ),
        _("Réessayer"),
        "error",
    )


def unexpected() -> UserMessage:
    return UserMessage(
        _("Un problème est survenu"),
        _("La borne va revenir à l'accueil. Un médiateur peut vous aider à recommencer."),
        _("Retour à l'accueil"),
        "error",
    )


def out_of_service() -> UserMessage:
    return UserMessage(
        _("La borne est momentanément indisponible"),
        _("Adressez-vous au médiateur numérique ou à l'accueil. Merci de votre compréhension."),
        "",
        "error",
    )
