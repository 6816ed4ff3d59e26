"""The démarche file format: a strict parser, and a catalog that disables only broken files."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from kiosk.catalog import BUNDLED_DIR, Catalog, DisabledDemarche, load_catalog
from kiosk.conditions import Clause, Condition
from kiosk.demarche import (
    Demarche,
    DemarcheFormatError,
    PieceStep,
    Question,
    parse_demarche,
)

TODAY = dt.date(2026, 11, 22)


# --- the parser, on plain data -------------------------------------------------------------

BASE: dict[str, Any] = {
    "format": 1,
    "id": "essai",
    "version": "2026.1",
    "title": "Une démarche d'essai",
    "steps": [
        {
            "id": "motif",
            "type": "choice",
            "label": "Pourquoi ?",
            "options": [{"value": "perte", "label": "Perdu"}, {"value": "vol", "label": "Volé"}],
        },
        {"id": "nom", "type": "text", "label": "Votre nom"},
        {"id": "plainte", "kind": "piece", "label": "La plainte", "when": {"motif": "vol"}},
    ],
}


def data(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    raw.update(changes)
    return raw


def with_step(index: int, **changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    raw["steps"][index].update(changes)
    return raw


def without(raw: dict[str, Any], key: str, index: int | None = None) -> dict[str, Any]:
    table = raw if index is None else raw["steps"][index]
    del table[key]
    return raw


def format_error(raw: dict[str, Any]) -> DemarcheFormatError:
    with pytest.raises(DemarcheFormatError) as caught:
        parse_demarche(raw)
    return caught.value


def test_a_valid_demarche_is_parsed_with_its_defaults() -> None:
    demarche = parse_demarche(data())
    assert (demarche.id, demarche.version, demarche.title) == ("essai", "2026.1", BASE["title"])
    assert (demarche.summary, demarche.family, demarche.after) == ("", "autre", ())
    assert [s.id for s in demarche.steps] == ["motif", "nom", "plainte"]
    motif, nom, plainte = demarche.steps
    assert isinstance(motif, Question) and motif.type == "choice"
    assert [o.value for o in motif.options] == ["perte", "vol"]
    assert isinstance(nom, Question)
    assert (nom.required, nom.min_length, nom.max_length, nom.pattern) == (True, 0, 0, "")
    assert nom.when is None
    assert isinstance(plainte, PieceStep)
    assert (plainte.kind, plainte.max_pages, plainte.examples) == ("piece", 4, ())
    assert plainte.when == Condition((Clause("motif", "in", ("vol",)),))
    assert demarche.step("nom") is nom
    with pytest.raises(KeyError):
        demarche.step("absent")


def test_the_file_limit_is_2_mb_unless_the_demarche_says_otherwise() -> None:
    assert parse_demarche(data()).max_file_bytes == 2_000_000
    assert parse_demarche(data(max_file_kb=5000)).max_file_bytes == 5_000_000


def test_a_condition_may_list_several_values() -> None:
    demarche = parse_demarche(with_step(2, when={"motif": ["perte", "vol"]}))
    step = demarche.step("plainte")
    assert step.applies({"motif": "perte"}, TODAY)
    assert step.applies({"motif": "vol"}, TODAY)
    assert not step.applies({}, TODAY)
    assert not step.applies({"motif": "autre"}, TODAY)


@pytest.mark.parametrize(
    ("raw", "field", "reason"),
    [
        (without(data(), "format"), "format", "missing"),
        (data(format="1"), "format", "expected int"),
        (data(format=2), "format", "this kiosk reads format 1, not 2"),
        (data(format=True), "format", "expected int"),
        (data(id="Essai Démarche"), "id", "lower-case"),
        (without(data(), "title"), "title", "missing"),
        (data(title="  "), "title", "must not be empty"),
        (data(steps=[]), "steps", "at least one step"),
        (data(steps={"id": "x"}), "steps", "expected list"),
        (data(colour="bleu"), "colour", "unknown key"),
        (data(steps=["motif"]), "steps[0]", "expected a table"),
        (with_step(1, colour="bleu"), "steps[1].colour", "unknown key"),
        (with_step(1, type="nope"), "steps[1].type", "unknown type 'nope'"),
        (without(with_step(1), "type", 1), "steps[1].type", "missing"),
        (with_step(1, kind="video"), "steps[1].kind", "must be 'question', 'piece' or 'photo'"),
        (with_step(1, id="motif"), "steps[1].id", "duplicate step id 'motif'"),
        (with_step(1, id="Nom"), "steps[1].id", "lower-case"),
        (without(with_step(1), "label", 1), "steps[1].label", "missing"),
        (with_step(1, required="oui"), "steps[1].required", "expected bool"),
        (with_step(1, min_length="3"), "steps[1].min_length", "expected int"),
        (with_step(1, pattern="[0-9"), "steps[1].pattern", "not a valid regular expression"),
        (with_step(1, min_date="hier"), "steps[1].min_date", "use today"),
        (with_step(1, max_date="2020-02-30"), "steps[1].max_date", "use today"),
        (with_step(1, min_date="-99999999d"), "steps[1].min_date", "use today"),
        (with_step(1, options=[]), "steps[1].options", "unknown key"),
        (with_step(1, max_pages=2), "steps[1].max_pages", "unknown key"),
        (with_step(1, min_length=5, max_length=3), "steps[1].min_length", "min_length"),
        (with_step(1, max_length=-1), "steps[1].min_length", ">= 0"),
        (without(with_step(0), "options", 0), "steps[0].options", "non-empty list of options"),
        (with_step(0, options=[]), "steps[0].options", "non-empty list of options"),
        (with_step(0, options="perte, vol"), "steps[0].options", "expected list"),
        (
            with_step(0, options=[{"value": "a", "label": "A"}, {"value": "a", "label": "B"}]),
            "steps[0].options",
            "same value",
        ),
        (with_step(0, options=[{"value": "a"}]), "steps[0].options[0].label", "missing"),
        (
            with_step(0, options=[{"value": "a", "label": "A", "icon": "x"}]),
            "steps[0].options[0].icon",
            "unknown key",
        ),
        (data(max_file_kb=100), "max_file_kb", "between 300 and 50000"),
        (data(max_file_kb=80_000), "max_file_kb", "between 300 and 50000"),
        (data(max_file_kb="2 Mo"), "max_file_kb", "expected int"),
        (with_step(2, type="text"), "steps[2].type", "unknown key"),
        (with_step(2, max_pages=0), "steps[2].max_pages", "at least 1"),
        (with_step(2, max_pages=True), "steps[2].max_pages", "expected int"),
        (with_step(2, examples="CNI"), "steps[2].examples", "expected list"),
        (with_step(2, when="motif = vol"), "steps[2].when", "expected dict"),
        (with_step(2, when={}), "steps[2].when", "empty condition"),
        (with_step(2, when={"motif": "incendie"}), "steps[2].when.motif", "not an option"),
        (with_step(2, when={"motif": ["vol", "x"]}), "steps[2].when.motif", "'x' is not an option"),
        (with_step(2, when={"inconnu": "x"}), "steps[2].when.inconnu", "no earlier question"),
        (with_step(0, when={"nom": "x"}), "steps[0].when.nom", "no earlier question"),
        (with_step(1, when={"nom": "x"}), "steps[1].when.nom", "no earlier question"),
    ],
)
def test_a_broken_demarche_names_the_field_and_the_reason(
    raw: dict[str, Any], field: str, reason: str
) -> None:
    error = format_error(raw)
    assert error.field == field
    assert reason in error.reason
    assert str(error) == f"{field}: {error.reason}"


def test_a_condition_on_a_piece_is_refused() -> None:
    raw = data()
    raw["steps"].append({"id": "nom2", "type": "text", "label": "x", "when": {"plainte": "x"}})
    error = format_error(raw)
    assert (error.field, error.reason) == ("steps[3].when.plainte", "refers to no earlier question")


def test_a_condition_on_a_later_step_is_refused() -> None:
    raw = data()
    raw["steps"].insert(1, {"id": "avant", "type": "text", "label": "x", "when": {"apres": "oui"}})
    raw["steps"].append({"id": "apres", "type": "yesno", "label": "y"})
    error = format_error(raw)
    assert error.field == "steps[1].when.apres"
    assert "no earlier question" in error.reason


# --- the bundled catalog -------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    return load_catalog(BUNDLED_DIR)


def test_the_bundled_catalog_loads_without_a_disabled_demarche(bundled: Catalog) -> None:
    assert bundled.disabled == ()
    files = sorted(BUNDLED_DIR.glob("*.toml"))
    assert files, BUNDLED_DIR
    assert len(bundled.demarches) == len(files)


def test_the_permis_demarche_is_as_written(bundled: Catalog) -> None:
    demarche = bundled.get("permis-perte-vol")
    assert isinstance(demarche, Demarche)
    assert demarche.title == "Permis de conduire perdu ou volé"
    assert demarche.family == "permis"
    assert len(demarche.after) == 5
    questions = [s.id for s in demarche.steps if isinstance(s, Question)]
    pieces = [s.id for s in demarche.steps if isinstance(s, PieceStep)]
    assert questions == [
        "motif",
        "date_faits",
        "nom_naissance",
        "prenoms",
        "date_naissance",
        "rl_nom",
        "rl_prenoms",
        "email",
        "telephone",
        "code_ephoto",
        "timbre_fiscal",
    ]
    assert pieces == [
        "piece_identite",
        "justificatif_domicile",
        "declaration_vol",
        "piece_identite_rl",
    ]
    # 25 € for a loss or a theft alike (service-public F34118): the timbre is always asked.
    assert demarche.step("timbre_fiscal").when is None
    assert demarche.step("declaration_vol").when == Condition((Clause("motif", "in", ("vol",)),))
    minor = Condition((Clause("date_naissance", "age_below", (18,)),))
    assert demarche.step("rl_nom").when == minor == demarche.step("piece_identite_rl").when
    declaration = demarche.step("declaration_vol")
    assert isinstance(declaration, PieceStep) and declaration.max_pages == 3
    with pytest.raises(KeyError):
        bundled.get("carte-grise")


# --- a directory with broken files ---------------------------------------------------------


def demarche_toml(demarche_id: str, steps: str = "", top: str = "") -> str:
    return (
        f'format = 1\nid = "{demarche_id}"\nversion = "1"\ntitle = "Titre de {demarche_id}"\n'
        f"{top}\n"
        '[[steps]]\nid = "motif"\ntype = "choice"\nlabel = "Motif"\n'
        'options = [{ value = "a", label = "A" }, { value = "b", label = "B" }]\n\n'
        '[[steps]]\nid = "nom"\ntype = "text"\nlabel = "Nom"\n' + steps
    )


BROKEN_FILES = {
    "invalid-toml.toml": ('format = 1\nid = "x\n', "(file)", "not valid TOML"),
    "unknown-key.toml": (
        demarche_toml(
            "unknown-key", '\n[[steps]]\nid = "age"\ntype = "text"\nlabel = "x"\nsize = 3\n'
        ),
        "steps[2].size",
        "unknown key",
    ),
    "unknown-type.toml": (
        demarche_toml("unknown-type", '\n[[steps]]\nid = "age"\ntype = "nope"\nlabel = "x"\n'),
        "steps[2].type",
        "unknown type 'nope'",
    ),
    "when-later.toml": (
        demarche_toml(
            "when-later",
            '\n[[steps]]\nid = "avant"\ntype = "text"\nlabel = "x"\nwhen = { apres = "oui" }\n'
            '\n[[steps]]\nid = "apres"\ntype = "text"\nlabel = "y"\n',
        ),
        "steps[2].when.apres",
        "refers to no earlier question",
    ),
    "when-unknown.toml": (
        demarche_toml(
            "when-unknown",
            '\n[[steps]]\nid = "doc"\nkind = "piece"\nlabel = "x"\nwhen = { fantome = "a" }\n',
        ),
        "steps[2].when.fantome",
        "refers to no earlier question",
    ),
    "choice-no-options.toml": (
        demarche_toml("choice-no-options", '\n[[steps]]\nid = "c"\ntype = "choice"\nlabel = "x"\n'),
        "steps[2].options",
        "non-empty list of options",
    ),
    "duplicate-step.toml": (
        demarche_toml("duplicate-step", '\n[[steps]]\nid = "nom"\ntype = "text"\nlabel = "x"\n'),
        "steps[2].id",
        "duplicate step id 'nom'",
    ),
    "bad-regex.toml": (
        demarche_toml(
            "bad-regex", '\n[[steps]]\nid = "code"\ntype = "text"\nlabel = "x"\npattern = "(ab"\n'
        ),
        "steps[2].pattern",
        "not a valid regular expression",
    ),
    "wrong-format.toml": (
        demarche_toml("wrong-format").replace("format = 1", "format = 2"),
        "format",
        "this kiosk reads format 1, not 2",
    ),
    "zz-same-id.toml": (demarche_toml("bonne"), "id", "'bonne' is already defined"),
}


@pytest.fixture
def broken_catalog(tmp_path: Path) -> Catalog:
    (tmp_path / "bonne.toml").write_text(demarche_toml("bonne"), encoding="utf-8")
    for name, (text, _field, _reason) in BROKEN_FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("pas une démarche", encoding="utf-8")
    return load_catalog(tmp_path)


def test_only_the_good_file_loads(broken_catalog: Catalog) -> None:
    assert [d.id for d in broken_catalog.demarches] == ["bonne"]
    assert broken_catalog.get("bonne").title == "Titre de bonne"
    assert [s.id for s in broken_catalog.get("bonne").steps] == ["motif", "nom"]


def test_exactly_the_broken_files_are_disabled(broken_catalog: Catalog) -> None:
    assert sorted(d.file for d in broken_catalog.disabled) == sorted(BROKEN_FILES)


@pytest.mark.parametrize("name", sorted(BROKEN_FILES))
def test_each_disabled_file_says_where_and_why(broken_catalog: Catalog, name: str) -> None:
    _text, field, reason = BROKEN_FILES[name]
    [entry] = [d for d in broken_catalog.disabled if d.file == name]
    assert entry.field == field
    assert reason in entry.reason


def test_the_first_file_of_an_id_wins(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(demarche_toml("meme"), encoding="utf-8")
    (tmp_path / "b.toml").write_text(
        demarche_toml("meme").replace("Titre de meme", "Autre titre"), encoding="utf-8"
    )
    catalog = load_catalog(tmp_path)
    assert catalog.get("meme").title == "Titre de meme"
    assert [d.file for d in catalog.disabled] == ["b.toml"]


def test_an_unreadable_or_non_utf8_file_is_disabled(tmp_path: Path) -> None:
    (tmp_path / "bonne.toml").write_text(demarche_toml("bonne"), encoding="utf-8")
    (tmp_path / "latin1.toml").write_bytes(demarche_toml("latin").encode("latin-1") + b"# \xe9\n")
    (tmp_path / "dossier.toml").mkdir()  # read_text fails with an OSError
    catalog = load_catalog(tmp_path)
    assert [d.id for d in catalog.demarches] == ["bonne"]
    disabled = {d.file: d for d in catalog.disabled}
    assert disabled["latin1.toml"] == DisabledDemarche("latin1.toml", "(file)", "not UTF-8 text")
    assert disabled["dossier.toml"].field == "(file)"
    assert disabled["dossier.toml"].reason.startswith("cannot read")


def test_an_empty_directory_gives_an_empty_catalog(tmp_path: Path) -> None:
    assert load_catalog(tmp_path) == Catalog((), ())
