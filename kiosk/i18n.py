"""Translation of every user-visible string, and the kiosk's languages.

French is the source language: each French text is its own key (gettext's msgid). The
translations are gettext ``.po`` files under ``assets/i18n/<code>/``: ``kiosk.po`` for the
application's own texts, ``demarches.po`` for the texts of the bundled démarche files. They are
read as shipped (polib), so a translator's edit needs no build step; ``msgfmt --check`` and
the completeness check run in the tests (tests/unit/test_translations.py).

An usager picks the language on any screen; it applies to the whole kiosk (one usager at a
time) and goes back to French when the session ends. A text missing from a catalog shows in
French rather than not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kiosk.assets import asset_path

LOG = logging.getLogger("kiosk.i18n")
I18N_DIR = asset_path("i18n")
DOMAINS = ("kiosk", "demarches")
SOURCE_LANGUAGE = "fr"


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in the language itself: an usager looks for the name they can read
    right_to_left: bool = False
    espeak_voice: str = ""  # the speech engine's voice for this language


# Turkish: Turkey is among the first nationalities of foreign residents in France who deal with
# a préfecture, and Turkish is not covered by the other languages offered.
LANGUAGES: dict[str, Language] = {
    language.code: language
    for language in (
        Language("fr", "Français", espeak_voice="fr"),
        Language("en", "English", espeak_voice="en"),
        Language("es", "Español", espeak_voice="es"),
        Language("ar", "العربية", right_to_left=True, espeak_voice="ar"),
        Language("tr", "Türkçe", espeak_voice="tr"),
    )
}

_catalog: Mapping[str, str] = {}
_language = SOURCE_LANGUAGE
_loaded: dict[str, dict[str, str]] = {}


def install(catalog: Mapping[str, str]) -> None:
    """Replace the active translation table (French source text -> translated text)."""
    global _catalog
    _catalog = dict(catalog)


class Msg(str):
    """A translated text that remembers its French source, so that a widget showing it can be
    translated again when the usager picks another language. Anything built from it
    (``format``, concatenation) is a plain ``str``: such texts are shown again by their screen
    instead."""

    source: str

    def __new__(cls, text: str, source: str) -> Msg:
        message = super().__new__(cls, text)
        message.source = source
        return message


def _(text: str) -> str:
    return Msg(_catalog.get(text, text), text)


def source_of(text: str) -> str | None:
    """The French source of a text ``_()`` returned, or None for any other text."""
    return text.source if isinstance(text, Msg) else None


def language() -> str:
    return _language


def is_right_to_left() -> bool:
    return LANGUAGES[_language].right_to_left


def read_catalog(code: str, directory: Path = I18N_DIR) -> dict[str, str]:
    """Every translated text of one language, from all its domains. Untranslated and fuzzy
    entries are left out: their French source shows instead."""
    import polib  # only when a language other than French is chosen

    table: dict[str, str] = {}
    for domain in DOMAINS:
        path = directory / code / f"{domain}.po"
        if not path.is_file():
            LOG.warning("no %s translation for %s: French is shown", domain, code)
            continue
        for entry in polib.pofile(str(path)):
            if entry.msgstr and not entry.fuzzy and not entry.obsolete:
                table[entry.msgid] = entry.msgstr
    return table


def set_language(code: str) -> None:
    """Make ``code`` the active language (the screens show it at their next render)."""
    global _language
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {code!r}")
    if code == SOURCE_LANGUAGE:
        install({})
    else:
        if code not in _loaded:
            _loaded[code] = read_catalog(code)
        install(_loaded[code])
    _language = code
