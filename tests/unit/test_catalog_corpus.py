"""A corpus of malformed démarche files, one mistake each: the catalog disables exactly them,
names the field and the reason, and still loads a good file next to them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.catalog import BUNDLED_DIR, Catalog, load_catalog

CORPUS = Path(__file__).resolve().parent / "catalog_corpus"
ROOT = Path(__file__).resolve().parents[2]
PERMIS_FILE = BUNDLED_DIR / "permis-perte-vol.toml"
LATIN1 = "25-latin1.toml"


@dataclass(frozen=True)
class Mistake:
    field: str  # the exact path reported
    reason: str  # a substring of the reason
    fix: tuple[str, str]  # replacing the last occurrence of [0] by [1] makes the file valid


EXPECTED: dict[str, Mistake] = {
    "01-toml-invalide.toml": Mistake(
        "(file)", "not valid TOML: ", ('label = "Votre nom\n', 'label = "Votre nom"\n')
    ),
    "02-format-inconnu.toml": Mistake(
        "format", "this kiosk reads format 1, not 2", ("format = 2", "format = 1")
    ),
    "03-id-manquant.toml": Mistake(
        "id", "missing", ("format = 1\n", 'format = 1\nid = "id-retrouve"\n')
    ),
    "04-id-majuscules.toml": Mistake(
        "id", "use lower-case letters, digits, - and _", ('"Permis Perdu"', '"permis-perdu"')
    ),
    "05-cle-racine-inconnue.toml": Mistake(
        "titre", "unknown key", ('titre = "Doublon du titre"\n', "")
    ),
    "06-etapes-vides.toml": Mistake(
        "steps",
        "a démarche needs at least one step",
        ("steps = []", 'steps = [{ id = "nom", type = "text", label = "Nom" }]'),
    ),
    "07-cle-etape-inconnue.toml": Mistake("steps[1].taille", "unknown key", ("taille = 3\n", "")),
    "08-type-inconnu.toml": Mistake(
        "steps[1].type",
        "unknown type 'signature' (known: text, choice,",
        ('type = "signature"', 'type = "text"'),
    ),
    "09-choix-sans-options.toml": Mistake(
        "steps[0].options",
        "a choice needs a non-empty list of options",
        ('type = "choice"\n', 'type = "choice"\noptions = [{ value = "a", label = "A" }]\n'),
    ),
    "10-option-en-double.toml": Mistake(
        "steps[0].options",
        "two options have the same value",
        ('value = "perte", label = "Je ne', 'value = "oubli", label = "Je ne'),
    ),
    "11-etape-en-double.toml": Mistake(
        "steps[2].id", "duplicate step id 'nom'", ('id = "nom"', 'id = "prenom"')
    ),
    "12-condition-sur-question-suivante.toml": Mistake(
        "steps[1].when.depose",
        "refers to no earlier question",
        ("when = { depose = true }\n", ""),
    ),
    "13-operateur-inconnu.toml": Mistake(
        "steps[1].when.motif.between",
        "unknown operator (known: not, contains, answered, age_below, age_at_least)",
        ('{ between = ["perte", "vol"] }', '["perte", "vol"]'),
    ),
    "14-age-sur-question-texte.toml": Mistake(
        "steps[2].when.nom.age_below",
        "only for a date question",
        ("{ age_below = 18 }", "{ answered = true }"),
    ),
    "15-valeur-hors-options.toml": Mistake(
        "steps[1].when.motif",
        "'incendie' is not an option of 'motif'",
        ('"incendie"', '"vol"'),
    ),
    "16-expression-invalide.toml": Mistake(
        "steps[1].pattern", "not a valid regular expression: ", ('"[A-Z"', '"[A-Z]+"')
    ),
    "17-longueurs-inversees.toml": Mistake(
        "steps[1].min_length",
        "lengths must be >= 0 and min_length <= max_length",
        ("min_length = 10", "min_length = 1"),
    ),
    "18-piece-sans-page.toml": Mistake(
        "steps[1].max_pages", "must be at least 1", ("max_pages = 0", "max_pages = 1")
    ),
    "19-borne-de-date.toml": Mistake(
        "steps[1].min_date", "use today, -18y, +30d or YYYY-MM-DD", ('"hier"', '"-120y"')
    ),
    "20-groupe-type-interdit.toml": Mistake(
        "steps[1].fields[1].type",
        "a group's question is one of text, date, email, phone, postal_code, choice, yesno",
        ('type = "address"', 'type = "postal_code"'),
    ),
    "21-regle-genre-inconnu.toml": Mistake(
        "rules[0].kind",
        "unknown kind 'majeur' (known: min_age, max_age, not_after, not_before, different)",
        ('kind = "majeur"', 'kind = "min_age"'),
    ),
    "22-regle-question-absente.toml": Mistake(
        "rules[0].field",
        "no question 'date_naissance' in this démarche",
        ('field = "date_naissance"', 'field = "naissance"'),
    ),
    "23-age-minimum-sur-texte.toml": Mistake(
        "rules[0].field", "'nom' is not a date", ('type = "text"', 'type = "date"')
    ),
    "24-regle-en-double.toml": Mistake(
        "rules[1].id", "duplicate rule id 'majeur'", ('id = "majeur"', 'id = "centenaire"')
    ),
    LATIN1: Mistake("(file)", "not UTF-8 text", ("", "")),  # fixed by re-encoding
    "26-oui-non-en-texte.toml": Mistake(
        "steps[2].when.mineur",
        "a yes/no answer is true or false",
        ('mineur = "oui"', "mineur = true"),
    ),
    "27-genre-etape-inconnu.toml": Mistake(
        "steps[1].kind",
        "must be 'question', 'piece' or 'photo'",
        ('kind = "document"', 'kind = "piece"'),
    ),
    "28-titre-manquant.toml": Mistake(
        "title", "missing", ('version = "2026.1"\n', 'version = "2026.1"\ntitle = "Titre"\n')
    ),
    "29-mauvais-type-de-valeur.toml": Mistake(
        "steps[1].required", "expected bool", ('required = "non"', "required = false")
    ),
    "30-comparaison-avec-un-texte.toml": Mistake(
        "rules[0].other", "'nom' is not a date", ('other = "nom"', 'other = "today"')
    ),
    "31-different-une-seule-question.toml": Mistake(
        "rules[0].fields",
        "at least two questions",
        ('fields = ["email"]', 'fields = ["email", "motif"]'),
    ),
    "32-condition-vide.toml": Mistake("steps[1].when", "empty condition", ("when = {}\n", "")),
    "33-deux-operateurs.toml": Mistake(
        "steps[1].when.motif",
        'one operator per question, e.g. { not = "vol" }',
        ('{ not = "perte", answered = true }', '{ not = "perte" }'),
    ),
    "34-bornes-inversees.toml": Mistake(
        "steps[1].min_value", "min_value > max_value", ("min_value = 9", "min_value = 1")
    ),
    "35-groupe-trop-petit.toml": Mistake(
        "steps[1].max_items",
        "max_items must be >= min_items",
        ("max_items = 2", "max_items = 5"),
    ),
    "36-condition-dans-un-groupe.toml": Mistake(
        "steps[1].fields[1].when", "not allowed inside a group", (", when = { role = true }", "")
    ),
    "37-age-hors-bornes.toml": Mistake(
        "steps[2].when.naissance.age_at_least",
        "an age in years, e.g. 18",
        ("age_at_least = 0", "age_at_least = 18"),
    ),
    "38-regle-annees-absurdes.toml": Mistake(
        "rules[0].years", "an age in years, e.g. 18", ("years = 200", "years = 18")
    ),
    "39-contains-sur-choix-simple.toml": Mistake(
        "steps[1].when.motif.contains",
        "only for a multichoice question",
        ('{ contains = "vol" }', '"vol"'),
    ),
    "40-egalite-sur-choix-multiple.toml": Mistake(
        "steps[1].when.categories",
        "a multichoice answer is not one value: use contains",
        ('{ categories = "C" }', '{ categories = { contains = "C" } }'),
    ),
    "41-different-meme-question.toml": Mistake(
        "rules[0].fields[1]",
        "'email' is named twice",
        ('fields = ["email", "email"]', 'fields = ["email", "motif"]'),
    ),
    "42-reponse-attendue-en-texte.toml": Mistake(
        "steps[2].when.nom.answered", "true or false", ('answered = "oui"', "answered = true")
    ),
}
NAMES = sorted(EXPECTED)


@pytest.fixture(scope="module")
def corpus() -> Catalog:
    return load_catalog(CORPUS)


def fixed_text(name: str) -> str:
    """The corpus file with its one mistake put right."""
    raw = (CORPUS / name).read_bytes()
    if name == LATIN1:
        return raw.decode("latin-1")
    text = raw.decode("utf-8")
    old, new = EXPECTED[name].fix
    assert old in text, f"{name}: the fix does not apply"
    before, _, after = text.rpartition(old)
    return before + new + after


def test_every_corpus_file_has_its_expectation() -> None:
    assert sorted(p.name for p in CORPUS.iterdir()) == NAMES
    assert len(NAMES) >= 18


def test_the_mistakes_are_all_different() -> None:
    assert len({(m.field, m.reason) for m in EXPECTED.values()}) == len(EXPECTED)


def test_the_latin1_file_really_is_not_utf8() -> None:
    raw = (CORPUS / LATIN1).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "Démarche d'essai" in raw.decode("latin-1")


def test_nothing_in_the_corpus_loads(corpus: Catalog) -> None:
    assert corpus.demarches == ()


def test_exactly_the_corpus_files_are_disabled_in_file_order(corpus: Catalog) -> None:
    assert [d.file for d in corpus.disabled] == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_each_file_is_refused_with_its_field_and_reason(corpus: Catalog, name: str) -> None:
    [entry] = [d for d in corpus.disabled if d.file == name]
    expected = EXPECTED[name]
    assert entry.field == expected.field
    assert expected.reason in entry.reason, entry.reason


@pytest.mark.parametrize("name", NAMES)
def test_with_its_one_mistake_put_right_the_file_loads(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text(fixed_text(name), encoding="utf-8")
    catalog = load_catalog(tmp_path)
    assert catalog.disabled == ()
    [demarche] = catalog.demarches
    assert demarche.version == "2026.1"


def test_a_valid_file_next_to_the_corpus_still_loads(tmp_path: Path, corpus: Catalog) -> None:
    for name in NAMES:
        shutil.copyfile(CORPUS / name, tmp_path / name)
    shutil.copyfile(PERMIS_FILE, tmp_path / PERMIS_FILE.name)
    catalog = load_catalog(tmp_path)
    assert [d.id for d in catalog.demarches] == ["permis-perte-vol"]
    permis = catalog.get("permis-perte-vol")
    assert permis.title == "Permis de conduire perdu ou volé"
    assert len(permis.steps) == len(load_catalog(BUNDLED_DIR).get("permis-perte-vol").steps)
    assert [r.id for r in permis.rules] == ["faits-apres-naissance"]
    assert catalog.disabled == corpus.disabled
    assert PERMIS_FILE.name not in {d.file for d in catalog.disabled}


def run_catalog_check(directory: Path) -> subprocess.CompletedProcess[str]:
    kiosk = Path(sys.executable).with_name("kiosk")
    assert kiosk.is_file(), f"no kiosk command next to {sys.executable}"
    return subprocess.run(
        [str(kiosk), "catalog", "check", str(directory)],
        cwd=ROOT,
        env={**os.environ, "PYTHONUTF8": "1"},
        capture_output=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def test_catalog_check_refuses_every_corpus_file_once() -> None:
    result = run_catalog_check(CORPUS)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    refused = [line for line in lines if line.startswith("REFUSÉ")]
    assert len(refused) == len(NAMES)
    for line, name in zip(refused, NAMES, strict=True):
        expected = EXPECTED[name]
        assert line.startswith(f"REFUSÉ  {name} : champ « {expected.field} » : "), line
        assert expected.reason in line
    assert not [line for line in lines if line.startswith("OK")]
    assert lines[-1] == f"0 démarche(s) valide(s), {len(NAMES)} refusée(s)."


def test_catalog_check_lists_the_good_file_next_to_the_corpus(tmp_path: Path) -> None:
    for name in NAMES:
        shutil.copyfile(CORPUS / name, tmp_path / name)
    shutil.copyfile(PERMIS_FILE, tmp_path / PERMIS_FILE.name)
    result = run_catalog_check(tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    permis = load_catalog(BUNDLED_DIR).get("permis-perte-vol")
    pieces = sum(step.kind == "piece" for step in permis.steps)
    assert [line for line in lines if line.startswith("OK")] == [
        f"OK      permis-perte-vol (version {permis.version}) : {len(permis.steps)} étapes "
        f"dont {pieces} pièces, {len(permis.rules)} règles"
    ]
    assert sum(line.startswith("REFUSÉ") for line in lines) == len(NAMES)
    assert lines[-1] == f"1 démarche(s) valide(s), {len(NAMES)} refusée(s)."
