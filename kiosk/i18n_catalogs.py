"""The translation files: what must be translated, and whether each language has it all.

Two templates (``assets/i18n/<domain>.pot``) list the French texts:

- ``kiosk``: every literal passed to ``_()`` in the application's code, found by reading the
  code (``ast``), so a text added to a screen is in the template at the next ``extract``;
- ``demarches``: every text of the bundled démarche files that an usager sees, found by
  translating each démarche through a recording table (the same code the kiosk uses to show
  it), so the two lists cannot drift apart.

``python -m kiosk.i18n_catalogs extract`` rewrites the templates and merges them into each
language's ``.po`` (new texts empty, translations kept); ``check`` lists what is missing or
malformed and fails if anything is. The tests run ``check`` and gettext's own ``msgfmt``.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kiosk import i18n

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("kiosk", "ui", "drivers", "offline_cache")
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


@dataclass
class Messages:
    """French texts to translate, each with where it comes from."""

    places: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, text: str, place: str) -> None:
        if text.strip():
            self.places.setdefault(text, []).append(place)


def code_messages(root: Path = ROOT) -> Messages:
    """The literal texts given to ``_()`` in the code. A ``_()`` of anything else (an f-string,
    a variable) cannot be extracted: it is a problem unless it translates data that has its
    own template (a démarche's texts)."""
    found = Messages()
    for directory in CODE_DIRS:
        for path in sorted((root / directory).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"), relative)
            for node in ast.walk(tree):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "_"
                    and node.args
                ):
                    continue
                argument = node.args[0]
                place = f"{relative}:{node.lineno}"
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    found.add(argument.value, place)
                elif isinstance(argument, ast.JoinedStr):
                    found.problems.append(f"{place}: an f-string cannot be translated")
    return found


class _Recorder(dict[str, str]):
    """A translation table that remembers every text it is asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        self.asked.append(key)
        return default


def demarche_messages(directory: Path | None = None) -> Messages:
    """The texts an usager sees in the démarche files of ``directory`` (the bundled ones)."""
    from kiosk.catalog import BUNDLED_DIR, load_catalog
    from kiosk.demarche import translated

    catalog = load_catalog(directory or BUNDLED_DIR)
    found = Messages()
    for problem in catalog.disabled:
        found.problems.append(f"{problem.file}: {problem.field}: {problem.reason}")
    recorder = _Recorder()
    previous = i18n._catalog
    i18n._catalog = recorder
    try:
        for demarche in catalog.demarches:
            recorder.asked.clear()
            translated(demarche)
            for text in recorder.asked:
                found.add(text, f"assets/demarches/{demarche.id}.toml")
    finally:
        i18n._catalog = previous
    return found


def extracted(domain: str) -> Messages:
    return code_messages() if domain == "kiosk" else demarche_messages()


def template_path(domain: str, directory: Path = i18n.I18N_DIR) -> Path:
    return directory / f"{domain}.pot"


def po_path(code: str, domain: str, directory: Path = i18n.I18N_DIR) -> Path:
    return directory / code / f"{domain}.po"


def translated_languages() -> list[str]:
    return [code for code in i18n.LANGUAGES if code != i18n.SOURCE_LANGUAGE]


def _header(language: str = "") -> dict[str, str]:
    header = {
        "Project-Id-Version": "borne-point-numerique",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    if language:
        header["Language"] = language
    return header


def write_template(domain: str, messages: Messages, directory: Path = i18n.I18N_DIR) -> Path:
    import polib

    template = polib.POFile(wrapwidth=100)
    template.metadata = _header()
    for text, places in messages.places.items():
        flags = ["python-brace-format"] if PLACEHOLDER.search(text) else []
        occurrences = [(place.rsplit(":", 1)[0], "") for place in dict.fromkeys(places)]
        template.append(
            polib.POEntry(msgid=text, msgstr="", flags=flags, occurrences=occurrences[:3])
        )
    path = template_path(domain, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    template.save(str(path))
    return path


def merge(code: str, domain: str, directory: Path = i18n.I18N_DIR) -> Path:
    """Bring a language's file in line with the template: new texts empty, gone texts
    dropped, translations kept."""
    import polib

    template = polib.pofile(str(template_path(domain, directory)))
    path = po_path(code, domain, directory)
    if path.is_file():
        translation = polib.pofile(str(path), wrapwidth=100)
    else:
        translation = polib.POFile(wrapwidth=100)
        translation.metadata = _header(code)
    translation.merge(template)
    for entry in translation.obsolete_entries():
        translation.remove(entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    translation.save(str(path))
    return path


def problems_of(code: str, domain: str, directory: Path = i18n.I18N_DIR) -> Iterator[str]:
    """What is missing or wrong in one language's file, against the template."""
    import polib

    path = po_path(code, domain, directory)
    if not path.is_file():
        yield f"{path.relative_to(directory)}: missing"
        return
    try:
        translation = polib.pofile(str(path))
    except (OSError, ValueError) as exc:
        yield f"{path.relative_to(directory)}: unreadable: {exc}"
        return
    entries: Mapping[str, polib.POEntry] = {e.msgid: e for e in translation if not e.obsolete}
    for source in polib.pofile(str(template_path(domain, directory))):
        entry = entries.get(source.msgid)
        where = f"{code}/{domain}.po: {source.msgid[:60]!r}"
        if entry is None:
            yield f"{where}: not in the file (run extract)"
        elif not entry.msgstr.strip():
            yield f"{where}: not translated"
        elif entry.fuzzy:
            yield f"{where}: marked fuzzy (to be reviewed)"
        elif sorted(PLACEHOLDER.findall(entry.msgstr)) != sorted(PLACEHOLDER.findall(source.msgid)):
            yield f"{where}: the {{placeholders}} differ from the French"


def stale_templates(directory: Path = i18n.I18N_DIR) -> Iterator[str]:
    """Templates that no longer match the code or the démarche files."""
    import polib

    for domain in i18n.DOMAINS:
        messages = extracted(domain)
        yield from messages.problems
        path = template_path(domain, directory)
        if not path.is_file():
            yield f"{domain}.pot: missing (run extract)"
            continue
        listed = {entry.msgid for entry in polib.pofile(str(path))}
        for text in sorted(set(messages.places) - listed):
            yield f"{domain}.pot: {text[:60]!r} is not listed (run extract)"
        for text in sorted(listed - set(messages.places)):
            yield f"{domain}.pot: {text[:60]!r} is no longer used (run extract)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.i18n_catalogs")
    parser.add_argument("command", choices=("extract", "check"))
    args = parser.parse_args(argv)
    if args.command == "extract":
        for domain in i18n.DOMAINS:
            messages = extracted(domain)
            for problem in messages.problems:
                print(f"PROBLÈME {problem}", file=sys.stderr)
            print(write_template(domain, messages).relative_to(ROOT))
            for code in translated_languages():
                print(merge(code, domain).relative_to(ROOT))
        return 0
    problems = list(stale_templates())
    for code in translated_languages():
        for domain in i18n.DOMAINS:
            problems.extend(problems_of(code, domain))
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problème(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
