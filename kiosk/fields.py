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

if TYPE_CHECKING:
    from kiosk.demarche import Question


@dataclass(frozen=True)
class Checked:
    value: Any = None
    error: str | None = None

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


_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def _email(question: Question, raw: Any, today: dt.date) -> Checked:
    text = str(raw or "").strip()
    if not _EMAIL.fullmatch(text) or ".." in text:
        return Checked(
            error=_("Cette adresse e-mail n'est pas complète, par exemple prenom.nom@exemple.fr.")
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


FIELD_TYPES: dict[str, Checker] = {
    "text": _text,
    "choice": _choice,
    "yesno": _yes_no,
    "date": _date,
    "email": _email,
    "phone": _phone,
}


def check(question: Question, raw: Any, today: dt.date) -> Checked:
    return FIELD_TYPES[question.type](question, raw, today)
