"""The usager's receipt (récépissé de dépôt), as a device-neutral document.

It proves the deposit and says how to follow the dossier. It carries no personal data
beyond what the usager needs on their own receipt: no name, no date of birth, no answers;
only the dossier number, the démarche, when and where, and which pièces were deposited.

It is written in the usager's language when the receipt printer can print it; otherwise
(Arabic, Turkish: letters no ESC/POS code page of the profile has) in French, the language of
the administration, while the screen says the same in the usager's language.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from drivers.printer.interface import Align, QrCode, ReceiptDocument, Separator, TextLine
from kiosk.demarche import Demarche, PhotoStep, PieceStep
from kiosk.i18n import _ as translate
from kiosk.i18n import source_of


def follow_link(base_url: str, dossier_number: str) -> str:
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}{urlencode({'dossier': dossier_number})}"


def build_receipt(
    *,
    demarche: Demarche,
    dossier_number: str,
    sealed_at: dt.datetime,
    site_name: str,
    kiosk_id: str,
    pieces: dict[str, int],
    follow_url: str,
    in_french: bool = False,
) -> ReceiptDocument:
    """``pieces`` maps each deposited pièce id to its page count; ``sealed_at`` is aware.
    ``in_french``: the kiosk's own texts in French whatever the usager's language (give the
    démarche in French too)."""
    local = sealed_at.astimezone()

    # The kiosk's texts go through this ``_``: a literal given to it is still found by the
    # translation templates' extraction (kiosk/i18n_catalogs.py).
    def _(text: str) -> str:
        translated = translate(text)
        return (source_of(translated) or translated) if in_french else translated

    blocks: list[TextLine | QrCode | Separator] = [
        TextLine(_("RÉPUBLIQUE FRANÇAISE"), bold=True, align=Align.CENTER),
        TextLine(site_name, align=Align.CENTER),
        Separator(),
        TextLine(_("Récépissé de dépôt"), bold=True, align=Align.CENTER),
        TextLine(demarche.title, align=Align.CENTER),
        Separator(),
        TextLine(_("Numéro de dossier"), align=Align.CENTER),
        TextLine(dossier_number, bold=True, large=True, align=Align.CENTER),
        TextLine(
            _("Déposé le {date} à {time}").format(
                date=local.strftime("%d/%m/%Y"), time=local.strftime("%H:%M")
            )
        ),
        TextLine(_("Borne : {kiosk}").format(kiosk=kiosk_id)),
        Separator(),
    ]
    deposited = [
        (step, pieces[step.id])
        for step in demarche.steps
        if isinstance(step, PieceStep) and pieces.get(step.id)
    ]
    if deposited:  # a démarche without pièces (a pré-demande) has no empty heading
        blocks.append(TextLine(_("Pièces déposées :"), bold=True))
        for step, count in deposited:
            if isinstance(step, PhotoStep):
                blocks.append(TextLine(f"- {step.label} ({_('photo')})"))
                continue
            pages = _("{n} page") if count == 1 else _("{n} pages")
            blocks.append(TextLine(f"- {step.label} ({pages.format(n=count)})"))
        blocks.append(Separator())
    if demarche.after:
        blocks.append(TextLine(_("Et maintenant ?"), bold=True))
        blocks.extend(TextLine(line) for line in demarche.after)
    link = follow_link(follow_url, dossier_number)
    blocks.append(QrCode(link, caption=_("Suivre mon dossier")))
    blocks.append(TextLine(_("Gardez ce reçu : il prouve votre dépôt."), align=Align.CENTER))
    return ReceiptDocument(tuple(blocks))
