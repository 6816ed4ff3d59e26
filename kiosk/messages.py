"""Every error an usager can meet, mapped in one place to plain French and a next step.

Three kinds (see DESIGN.md, practice 4): user-facing problems say what to do; environment
problems (a device, the disk) say what still works and to call the médiateur, who is in the
room (an alert to the médiateur's own screen comes with the assist mode); bugs never show
details, the session is wiped and the kiosk returns home.
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


def _device_names() -> dict[str, str]:
    return {
        "scanner": _("Le scanner"),
        "printer": _("L'imprimante"),
        "camera": _("La caméra"),
        "cardreader": _("Le lecteur de badge"),
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
            _("N'essayez pas de la retirer vous-même : appelez le médiateur."),
        ),
        "cover_open": (
            _("Le capot est ouvert"),
            _("Fermez le capot, puis réessayez."),
        ),
        "paper_out": (
            _("L'imprimante n'a plus de papier"),
            _(
                "Votre dossier est bien enregistré. Appelez le médiateur : "
                "quand il aura remis du papier, touchez « Imprimer à nouveau »."
            ),
        ),
        "busy": (
            _("L'appareil est occupé"),
            _("Patientez quelques secondes, puis réessayez."),
        ),
        "timeout": (
            _("L'appareil ne répond pas"),
            _("Réessayez dans un instant. Si cela recommence, appelez le médiateur."),
        ),
    }


def for_device_error(error: DeviceError, family: str) -> UserMessage:
    """``family`` is the device family the caller used ("scanner", "printer"...): the error's
    own ``device`` is the driver's name for it, which means nothing to an usager."""
    known = _device_messages().get(error.code)
    if known is not None:
        return UserMessage(known[0], known[1], _("J'ai compris"))
    device = _device_names().get(family, _("L'appareil"))
    return UserMessage(
        _("{device} ne répond pas").format(device=device),
        _("Vos réponses sont gardées. Appelez le médiateur : il peut vous aider."),
        _("J'ai compris"),
    )


def unreadable_scan() -> UserMessage:
    return UserMessage(
        _("La page n'est pas lisible"),
        _(
            "Vérifiez que le document est bien posé, la face à numériser du bon côté, "
            "puis numérisez-le à nouveau."
        ),
        _("Numériser à nouveau"),
    )


def page_over_limit() -> UserMessage:
    return UserMessage(
        _("Ce document est trop lourd pour être envoyé"),
        _(
            "La borne ne peut pas le réduire assez sans le rendre illisible. Vos réponses "
            "sont gardées. Appelez le médiateur."
        ),
        _("J'ai compris"),
    )


def storage_failed() -> UserMessage:
    return UserMessage(
        _("Votre dossier n'a pas pu être enregistré"),
        _(
            "Rien n'est perdu : vos réponses sont toujours là. "
            "Appelez le médiateur, puis réessayez."
        ),
        _("J'ai compris"),
    )


def unexpected() -> UserMessage:
    return UserMessage(
        _("Un problème est survenu"),
        _("La borne revient à l'accueil. Le médiateur peut vous aider à recommencer."),
        _("J'ai compris"),
    )


def out_of_service() -> UserMessage:
    return UserMessage(
        _("La borne est momentanément indisponible"),
        _("Adressez-vous au médiateur numérique ou à l'accueil. Merci de votre compréhension."),
        "",
    )
