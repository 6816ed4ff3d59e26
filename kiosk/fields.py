"""Field types: turn what an usager entered into a checked value, or say what is wrong.

Each checker returns ``Checked(value)`` or ``Checked(error=...)`` with a message written for
the usager (plain French, what to do). Field types are a registry so the catalog can name
them in data and reject unknown ones when a démarche file is loaded.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk.i18n import _
from kiosk.identifiers import (
    looks_shared,
    normalise_ephoto,
    normalise_neph,
    normalise_plate,
    normalise_postal_code,
    normalise_timbre_fiscal,
    normalise_vin,
)

if TYPE_CHECKING:
    from kiosk.demarche import Question


@dataclass(frozen=True)
class Checked:
    value: Any = None
    error: str | None = None
    notice: str | None = None  # accepted, but the usager must know (e.g. a single-use code)

    @property
    def ok(self) -> bool:
        return self.error is None


Checker = Callable[["Question", Any, dt.date], Checked]


def _text(question: Question, raw: Any, today: dt.date) -> Checked:
    text = " ".join(str(raw or "").split())
    if not text:
        return Checked(error=_("Cette réponse est obligatoire."))
    if question.min_length and len(text) < question.min_length:
        return Checked(error=_("La réponse est trop courte."))
    if question.max_length and len(text) > question.max_length:
        return Checked(error=_("La réponse est trop longue."))
    if question.pattern and not re.fullmatch(question.pattern, text):
        return Checked(error=question.pattern_message or _("Le format n'est pas le bon."))
    return Checked(text)


def _choice(question: Question, raw: Any, today: dt.date) -> Checked:
    values = [option.value for option in question.options]
    if raw not in values:
        return Checked(error=_("Choisissez une des réponses proposées."))
    return Checked(raw)


def _yes_no(question: Question, raw: Any, today: dt.date) -> Checked:
    # ``is``, not ``in``: 1 == True in Python, and 1 is not an answer to a yes/no question.
    if raw is True or raw == "oui":
        return Checked(True)
    if raw is False or raw == "non":
        return Checked(False)
    return Checked(error=_("Répondez oui ou non."))


def resolve_date_bound(bound: str, today: dt.date) -> dt.date:
    """``today``, ``-18y``, ``-120y``, ``+1y``, ``-30d`` or an ISO date."""
    if bound == "today":
        return today
    match = re.fullmatch(r"([+-])([0-9]+)([yd])", bound)
    if match is None:
        return dt.date.fromisoformat(bound)
    sign = 1 if match.group(1) == "+" else -1
    amount = int(match.group(2)) * sign
    if match.group(3) == "d":
        return today + dt.timedelta(days=amount)
    try:
        return today.replace(year=today.year + amount)
    except ValueError:  # 29 February in a non-leap year
        return today.replace(year=today.year + amount, day=28)


def _date(question: Question, raw: Any, today: dt.date) -> Checked:
    if isinstance(raw, dt.date):
        value = raw
    else:
        match = re.fullmatch(
            # [0-9], not \d: \d also matches Arabic-Indic and other digits int() accepts.
            r"\s*([0-9]{1,2})\s*[/.\- ]\s*([0-9]{1,2})\s*[/.\- ]\s*([0-9]{4})\s*",
            str(raw or ""),
        )
        if match is None:
            return Checked(error=_("Indiquez le jour, le mois et l'année, par exemple 14/07/1990."))
        day, month, year = (int(g) for g in match.groups())
        try:
            value = dt.date(year, month, day)
        except ValueError:
            return Checked(error=_("Cette date n'existe pas. Vérifiez le jour et le mois."))
    if question.min_date and value < resolve_date_bound(question.min_date, today):
        return Checked(error=question.range_message or _("Cette date est trop ancienne."))
    if question.max_date and value > resolve_date_bound(question.max_date, today):
        return Checked(error=question.range_message or _("Cette date est trop récente."))
    return Checked(value.isoformat())


# Dot-separated atoms before the @ (no leading, trailing or double dot), and domain labels
# that neither start nor end with a hyphen.
_EMAIL_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_EMAIL_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_EMAIL_ATOM}(\.{_EMAIL_ATOM})*@{_EMAIL_LABEL}(\.{_EMAIL_LABEL})+")


def _email(question: Question, raw: Any, today: dt.date) -> Checked:
    text = str(raw or "").strip()
    if not _EMAIL.fullmatch(text) or ".." in text:
        return Checked(
            error=_("Cette adresse e-mail n'est pas complète, par exemple prenom.nom@exemple.fr.")
        )
    if question.individual and looks_shared(text):
        return Checked(
            error=_(
                "Cette adresse semble partagée (famille, entreprise, service). Il faut une "
                "adresse à vous seul(e) : le médiateur peut vous aider à en créer une."
            )
        )
    return Checked(text.lower())


def _phone(question: Question, raw: Any, today: dt.date) -> Checked:
    digits = re.sub(r"[\s.\-]", "", str(raw or ""))
    if digits.startswith("+33"):
        digits = "0" + digits[3:]
    if not re.fullmatch(r"0[67][0-9]{8}", digits):
        return Checked(
            error=_(
                "Indiquez un numéro de portable français à 10 chiffres, commençant par 06 ou 07."
            )
        )
    return Checked(" ".join(digits[i : i + 2] for i in range(0, 10, 2)))


def _multichoice(question: Question, raw: Any, today: dt.date) -> Checked:
    values = [option.value for option in question.options]
    chosen = list(raw) if isinstance(raw, list | tuple) else []
    if not chosen:
        return Checked(error=_("Choisissez au moins une réponse."))
    if any(value not in values for value in chosen):
        return Checked(error=_("Choisissez parmi les réponses proposées."))
    return Checked([value for value in values if value in chosen])  # the catalog's order


def _number(question: Question, raw: Any, today: dt.date) -> Checked:
    text = str(raw if raw is not None else "").strip().replace(" ", "")
    if not re.fullmatch(r"[0-9]+", text):
        return Checked(error=_("Indiquez un nombre, avec des chiffres seulement."))
    value = int(text)
    low, high = question.min_value, question.max_value
    if (low is not None and value < low) or (high is not None and value > high):
        return Checked(
            error=question.range_message
            or _("Indiquez un nombre entre {low} et {high}.").format(low=low, high=high)
        )
    return Checked(value)


def _identifier(normalise: Callable[[str], str | None], message: str, notice: str = "") -> Checker:
    """A field type for an administrative identifier: its normaliser and what to say."""

    def checker(question: Question, raw: Any, today: dt.date) -> Checked:
        value = normalise(str(raw or ""))
        if value is None:
            return Checked(error=_(message))
        return Checked(value, notice=_(notice) if notice else None)

    return checker


_ADDRESS_PARTS = ("numero", "voie", "complement", "code_postal", "commune")


def _address(question: Question, raw: Any, today: dt.date) -> Checked:
    parts = raw if isinstance(raw, dict) else {}
    cleaned = {key: " ".join(str(parts.get(key) or "").split()) for key in _ADDRESS_PARTS}
    if not cleaned["voie"] or not cleaned["commune"]:
        return Checked(error=_("Indiquez au moins la rue et la commune."))
    postal = normalise_postal_code(cleaned["code_postal"])
    if postal is None:
        return Checked(error=_("Le code postal fait 5 chiffres, par exemple 69003."))
    cleaned["code_postal"] = postal
    if len(cleaned["numero"]) > 10 or any(len(v) > 120 for v in cleaned.values()):
        return Checked(error=_("Une partie de l'adresse est trop longue."))
    return Checked(cleaned)


def _group(question: Question, raw: Any, today: dt.date) -> Checked:
    """A repeated group (e.g. an association's dirigeants): a list of entries, each a table
    answering the group's own questions."""
    entries = list(raw) if isinstance(raw, list | tuple) else []
    if len(entries) < max(question.min_items, 1):
        return Checked(
            error=_("Indiquez au moins {n} personne(s).").format(n=max(question.min_items, 1))
        )
    if question.max_items and len(entries) > question.max_items:
        return Checked(error=_("Indiquez au plus {n} personnes.").format(n=question.max_items))
    kept: list[dict[str, Any]] = []
    for number, entry in enumerate(entries, start=1):
        values = entry if isinstance(entry, dict) else {}
        row: dict[str, Any] = {}
        for field in question.fields:
            raw_value = values.get(field.id)
            blank = raw_value is None or (isinstance(raw_value, str) and not raw_value.strip())
            if blank and not field.required:  # e.g. a parent's birthplace nobody knows
                row[field.id] = None
                continue
            checked = check(field, raw_value, today)
            if not checked.ok:
                return Checked(error=f"{number}. {field.label} : {checked.error}")
            row[field.id] = checked.value
        kept.append(row)
    return Checked(kept)


FIELD_TYPES: dict[str, Checker] = {
    "text": _text,
    "choice": _choice,
    "multichoice": _multichoice,
    "yesno": _yes_no,
    "date": _date,
    "number": _number,
    "email": _email,
    "phone": _phone,
    "postal_code": _identifier(
        normalise_postal_code, "Le code postal fait 5 chiffres, par exemple 69003."
    ),
    "address": _address,
    "neph": _identifier(
        normalise_neph,
        "Le numéro NEPH fait 12 chiffres. Il est sur votre permis ou votre attestation "
        "d'inscription.",
    ),
    "plate": _identifier(
        normalise_plate,
        "Écrivez le numéro comme sur la plaque, par exemple AB-123-CD (ou 1234 AB 69 pour "
        "une ancienne plaque).",
    ),
    "vin": _identifier(
        normalise_vin,
        "Le numéro d'identification (case E de la carte grise) fait 17 lettres et chiffres, "
        "sans I, O ni Q.",
    ),
    "timbre_fiscal": _identifier(
        normalise_timbre_fiscal, "Le numéro du timbre fiscal fait 16 chiffres."
    ),
    "ephoto": _identifier(
        normalise_ephoto,
        "Le code photo fait 22 lettres et chiffres. Il est écrit sur la planche de photos.",
        notice="Ce code photo ne sert qu'une seule fois : gardez-le pour cette démarche.",
    ),
    "group": _group,
}


def check(question: Question, raw: Any, today: dt.date) -> Checked:
    return FIELD_TYPES[question.type](question, raw, today)
