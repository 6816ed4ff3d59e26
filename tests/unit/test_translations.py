"""The translations are complete and well formed, and no text reaches a screen without them.

- gettext's own ``msgfmt --check`` reads every ``.po`` file (syntax, header, brace formats);
- every French text of the code and of the bundled démarches is in the templates, and each
  language translates all of them with the same {placeholders};
- a text given to ``_()`` must be a literal (an f-string cannot be looked up).
The screens' side (no visible text that bypassed ``_()``) is tests/ui/test_languages.py.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import polib
import pytest

from kiosk import i18n
from kiosk.i18n_catalogs import (
    code_messages,
    po_path,
    problems_of,
    stale_templates,
    translated_languages,
)

PO_FILES = [po_path(code, domain) for code in translated_languages() for domain in i18n.DOMAINS]


def test_five_languages_with_arabic_right_to_left() -> None:
    assert set(i18n.LANGUAGES) >= {"fr", "en", "es", "ar"}
    assert len(i18n.LANGUAGES) >= 5
    assert [code for code, lang in i18n.LANGUAGES.items() if lang.right_to_left] == ["ar"]


@pytest.mark.parametrize("path", PO_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_msgfmt_accepts_the_file(path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    assert msgfmt is not None, "gettext's msgfmt is installed by the set-up"
    done = subprocess.run(
        [msgfmt, "--check", "--output-file=/dev/null", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_the_templates_list_every_text_of_the_code_and_the_demarches() -> None:
    assert list(stale_templates()) == []


@pytest.mark.parametrize("code", translated_languages())
@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_each_language_translates_every_text(code: str, domain: str) -> None:
    assert list(problems_of(code, domain)) == []


def test_a_missing_or_broken_translation_is_reported(tmp_path: Path) -> None:
    """The checks above can fail: an empty text, a lost placeholder, a fuzzy entry."""
    (tmp_path / "xx").mkdir()
    template = polib.POFile()
    for text in ("Bonjour", "Étape {index} sur {count}", "Merci"):
        template.append(polib.POEntry(msgid=text, msgstr=""))
    template.save(str(tmp_path / "kiosk.pot"))
    translation = polib.POFile()
    translation.append(polib.POEntry(msgid="Bonjour", msgstr=""))
    translation.append(polib.POEntry(msgid="Étape {index} sur {count}", msgstr="Step {index}"))
    translation.append(polib.POEntry(msgid="Merci", msgstr="Thanks", flags=["fuzzy"]))
    translation.save(str(tmp_path / "xx" / "kiosk.po"))
    problems = list(problems_of("xx", "kiosk", tmp_path))
    assert len(problems) == 3
    assert "not translated" in problems[0]
    assert "placeholders" in problems[1]
    assert "fuzzy" in problems[2]


def test_an_f_string_given_to_the_translation_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "ui" / "screen.py"
    source.parent.mkdir()
    source.write_text('name = "x"\ntitle = _(f"Bonjour {name}")\nok = _("Merci")\n')
    found = code_messages(tmp_path)
    assert list(found.places) == ["Merci"]
    assert found.problems == ["ui/screen.py:2: an f-string cannot be translated"]


def test_a_translation_shows_and_a_missing_one_falls_back_to_french() -> None:
    try:
        i18n.set_language("en")
        assert i18n._("Continuer") == "Continue"
        assert i18n._("Un texte qui n'existe pas") == "Un texte qui n'existe pas"
        assert i18n.source_of(i18n._("Continuer")) == "Continuer"
    finally:
        i18n.set_language("fr")
    assert i18n._("Continuer") == "Continuer"
