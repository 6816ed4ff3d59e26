"""The permis démarches shipped with the kiosk: which pièces and which rules each set of answers
leads to, branch by branch, with answers typed as an usager would type them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from kiosk.catalog import BUNDLED_DIR, load_catalog
from kiosk.demarche import Demarche, PieceStep, Question
from kiosk.engine import FormEngine

TODAY = dt.date(2026, 11, 22)
CATALOG = load_catalog(BUNDLED_DIR)
PERMIS_IDS = [
    "permis-deterioration",
    "permis-expiration",
    "permis-prorogation-poids-lourd",
    "permis-etat-civil",
    "permis-extension-categorie",
    "permis-fabrication",
    "permis-inscription-examen",
    "permis-diplome-professionnel",
]

# Ages on TODAY (22/11/2026).
BORN_1990 = "14/07/1990"  # 36
BORN_AGE_22 = "01/03/2004"
BORN_AGE_20 = "05/03/2006"
BORN_AGE_19 = "30/06/2007"
BORN_AGE_17 = "03/02/2009"
BORN_AGE_16 = "10/05/2010"
BORN_AGE_15 = "01/01/2011"
BORN_AGE_14 = "10/10/2012"

# The questions every démarche asks about the person, as typed at the kiosk.
PERSON: dict[str, Any] = {
    "nom_naissance": "Zorglubova",
    "prenoms": "Ysolde Marie",
    "date_naissance": BORN_1990,
    "email": "ysolde.zorglubova@exemple.fr",
    "telephone": "06 12 34 56 78",
    "code_ephoto": "ab12 cd34 ef56 gh78 ij90 kl",
    "heberge": "non",
}
REPRESENTANT = {"rl_nom": "Zorglubov", "rl_prenoms": "Boris Ivan"}


def person(born: str = BORN_1990, *, representant: bool = True, **more: Any) -> dict[str, Any]:
    """The answers of a person born on ``born``; a minor also names a représentant légal,
    unless the démarche has none (``representant=False``)."""
    raw = {**PERSON, "date_naissance": born, **more}
    if representant and dt.date.fromisoformat(_iso(born)) > TODAY.replace(year=TODAY.year - 18):
        raw.update(REPRESENTANT)
    return raw


def _iso(typed: str) -> str:
    day, month, year = typed.split("/")
    return f"{year}-{month}-{day}"


@dataclass(frozen=True)
class Case:
    demarche: str
    name: str
    raw: dict[str, Any]
    pieces: list[str]
    broken: list[str] = field(default_factory=list)


ID_DOM = ["piece_identite", "justificatif_domicile"]
ID_DOM_HEB = [*ID_DOM, "attestation_hebergement"]
MINOR = [*ID_DOM_HEB, "piece_identite_rl"]  # a minor living with a parent

CASES = [
    # --- détérioration ----------------------------------------------------------------------
    Case(
        "permis-deterioration",
        "adulte, voiture",
        person(a_categorie_lourde="non"),
        ["permis_abime", *ID_DOM],
    ),
    Case(
        "permis-deterioration",
        "poids lourd avec avis médical, hébergé",
        person(a_categorie_lourde="oui", avis_medical_fourni="oui", heberge="oui"),
        ["permis_abime", "avis_medical", *ID_DOM_HEB],
    ),
    Case(
        "permis-deterioration",
        "poids lourd sans avis médical",
        person(a_categorie_lourde="oui", avis_medical_fourni="non"),
        ["permis_abime", *ID_DOM],
    ),
    Case(
        "permis-deterioration",
        "mineur",
        person(BORN_AGE_17, a_categorie_lourde="non", heberge="oui"),
        ["permis_abime", *MINOR],
    ),
    # --- fin de validité --------------------------------------------------------------------
    Case(
        "permis-expiration",
        "fin de validité proche",
        person(date_fin_titre="15/03/2027", validite_medicale_limitee="non"),
        ["permis_actuel", *ID_DOM],
    ),
    Case(
        "permis-expiration",
        "durée limitée par un médecin, déjà passée",
        person(date_fin_titre="01/06/2025", validite_medicale_limitee="oui"),
        ["permis_actuel", "avis_medical", *ID_DOM],
    ),
    Case(
        "permis-expiration",
        "mineur à durée limitée",
        person(
            BORN_AGE_17, date_fin_titre="31/12/2026", validite_medicale_limitee="oui", heberge="oui"
        ),
        ["permis_actuel", "avis_medical", *MINOR],
    ),
    # --- prorogation poids lourd ------------------------------------------------------------
    Case(
        "permis-prorogation-poids-lourd",
        "camion",
        person(categories_a_proroger=["C", "CE"], date_avis_medical="02/11/2026"),
        ["avis_medical", "permis_actuel", *ID_DOM],
    ),
    Case(
        "permis-prorogation-poids-lourd",
        "bus, hébergé",
        person(categories_a_proroger=["D"], date_avis_medical="15/10/2025", heberge="oui"),
        ["avis_medical", "permis_actuel", *ID_DOM_HEB],
    ),
    # --- changement d'état civil ------------------------------------------------------------
    Case(
        "permis-etat-civil",
        "nouveau nom de famille",
        person(nature_changement="nom", ancien_nom="Dupont", date_changement="12/05/2026"),
        ["preuve_changement", "permis_actuel", *ID_DOM],
    ),
    Case(
        "permis-etat-civil",
        "nom de famille inchangé",
        person(nature_changement="nom", ancien_nom="ZORGLUBOVA", date_changement="12/05/2026"),
        ["preuve_changement", "permis_actuel", *ID_DOM],
        ["nom-different"],
    ),
    Case(
        "permis-etat-civil",
        "prénom : mêmes prénoms, changement avant la naissance",
        person(
            nature_changement="prenom",
            ancien_nom="Zorglubova",
            ancien_prenoms="ysolde  marie",
            date_changement="01/01/1980",
        ),
        ["preuve_changement", "permis_actuel", *ID_DOM],
        ["changement-apres-naissance", "prenoms-differents"],
    ),
    Case(
        "permis-etat-civil",
        "prénom changé",
        person(
            nature_changement="prenom",
            ancien_nom="Zorglubova",
            ancien_prenoms="Ysolde",
            date_changement="03/09/2024",
        ),
        ["preuve_changement", "permis_actuel", *ID_DOM],
    ),
    Case(
        "permis-etat-civil",
        "mineure, nom d'usage retiré (laissé vide)",
        person(
            BORN_AGE_17,
            nature_changement="nom_usage",
            ancien_nom="Zorglubova",
            date_changement="20/10/2026",
            nom_usage="",
            heberge="oui",
        ),
        ["preuve_changement", "permis_actuel", *MINOR],
    ),
    Case(
        "permis-etat-civil",
        "nom d'usage après un mariage",
        person(
            nature_changement="nom_usage",
            ancien_nom="Zorglubova",
            date_changement="20/06/2026",
            nom_usage="Martin-Zorglubova",
        ),
        ["preuve_changement", "permis_actuel", *ID_DOM],
    ),
    # --- premier permis ---------------------------------------------------------------------
    Case(
        "permis-fabrication",
        "adulte, B sans conduite accompagnée",
        person(
            categorie_obtenue="B",
            formation_aac="non",
            visite_medicale_requise="non",
            neph="1703 9210 0012",
        ),
        ["cepc", *ID_DOM],
    ),
    Case(
        "permis-fabrication",
        "mineur de 17 ans, B en conduite accompagnée",
        person(
            BORN_AGE_17,
            categorie_obtenue="B",
            formation_aac="oui",
            visite_medicale_requise="non",
            neph="170392100012",
            heberge="oui",
        ),
        ["cepc", "assr", "livret_aac", *MINOR],
    ),
    Case(
        "permis-fabrication",
        "B à 16 ans",
        person(
            BORN_AGE_16,
            categorie_obtenue="B",
            formation_aac="oui",
            visite_medicale_requise="non",
            neph="170392100012",
            heberge="oui",
        ),
        ["cepc", "assr", "livret_aac", *MINOR],
        ["age-minimum-b"],
    ),
    Case(
        "permis-fabrication",
        "A2 à 20 ans, avec avis médical",
        person(
            BORN_AGE_20,
            categorie_obtenue="A2",
            visite_medicale_requise="oui",
            neph="170392100012",
        ),
        ["cepc", "assr", "avis_medical", *ID_DOM],
    ),
    Case(
        "permis-fabrication",
        "A2 à 17 ans",
        person(
            BORN_AGE_17,
            categorie_obtenue="A2",
            visite_medicale_requise="non",
            neph="170392100012",
            heberge="oui",
        ),
        ["cepc", "assr", *MINOR],
        ["age-minimum-a2"],
    ),
    Case(
        "permis-fabrication",
        "AM à 15 ans : attestation de formation, pas de CEPC",
        person(
            BORN_AGE_15,
            categorie_obtenue="AM",
            visite_medicale_requise="non",
            neph="170392100012",
            heberge="oui",
        ),
        ["attestation_formation_am", "assr", *MINOR],
    ),
    Case(
        "permis-fabrication",
        "A1 à 15 ans",
        person(
            BORN_AGE_15,
            categorie_obtenue="A1",
            visite_medicale_requise="non",
            neph="170392100012",
            heberge="oui",
        ),
        ["cepc", "assr", *MINOR],
        ["age-minimum-a1-b1"],
    ),
    Case(
        "permis-fabrication",
        "B1 à 22 ans : plus d'ASSR",
        person(
            BORN_AGE_22,
            categorie_obtenue="B1",
            visite_medicale_requise="non",
            neph="170392100012",
        ),
        ["cepc", *ID_DOM],
    ),
    # --- extension de catégorie -------------------------------------------------------------
    Case(
        "permis-extension-categorie",
        "camion C après examen",
        person(type_obtention="examen", categorie_obtenue="C", neph="170392100012"),
        ["cepc", "permis_actuel", "avis_medical", *ID_DOM],
    ),
    Case(
        "permis-extension-categorie",
        "remorque BE, sans avis médical",
        person(
            type_obtention="examen",
            categorie_obtenue="BE",
            visite_medicale_requise="non",
            neph="170392100012",
        ),
        ["cepc", "permis_actuel", *ID_DOM],
    ),
    Case(
        "permis-extension-categorie",
        "moto A2 avec avis médical",
        person(
            type_obtention="examen",
            categorie_obtenue="A2",
            visite_medicale_requise="oui",
            neph="170392100012",
        ),
        ["cepc", "permis_actuel", "avis_medical_sante", *ID_DOM],
    ),
    Case(
        "permis-extension-categorie",
        "formation A à 19 ans",
        person(
            BORN_AGE_19,
            type_obtention="formation",
            formation_suivie="a_progressif",
            visite_medicale_requise="non",
            neph="170392100012",
        ),
        ["attestation_formation", "permis_actuel", *ID_DOM],
        ["age-minimum-a-formation"],
    ),
    Case(
        "permis-extension-categorie",
        "formation B96",
        person(
            type_obtention="formation",
            formation_suivie="b96",
            visite_medicale_requise="non",
            neph="170392100012",
        ),
        ["attestation_formation", "permis_actuel", *ID_DOM],
    ),
    Case(
        "permis-extension-categorie",
        "moto A par examen à 19 ans",
        person(
            BORN_AGE_19,
            type_obtention="examen",
            categorie_obtenue="A",
            visite_medicale_requise="non",
            neph="170392100012",
        ),
        ["cepc", "permis_actuel", *ID_DOM],
        ["age-minimum-a"],
    ),
    Case(
        "permis-extension-categorie",
        "bus D à 20 ans",
        person(BORN_AGE_20, type_obtention="examen", categorie_obtenue="D", neph="170392100012"),
        ["cepc", "permis_actuel", "avis_medical", *ID_DOM],
        ["age-minimum-d"],
    ),
    Case(
        "permis-extension-categorie",
        "camion C1 à 17 ans",
        person(
            BORN_AGE_17,
            type_obtention="examen",
            categorie_obtenue="C1",
            neph="170392100012",
            heberge="oui",
        ),
        ["cepc", "permis_actuel", "avis_medical", *MINOR],
        ["age-minimum-18"],
    ),
    Case(
        "permis-extension-categorie",
        "B à 16 ans après un A1",
        person(
            BORN_AGE_16,
            type_obtention="examen",
            categorie_obtenue="B",
            visite_medicale_requise="non",
            neph="170392100012",
            heberge="oui",
        ),
        ["cepc", "permis_actuel", *MINOR],
        ["age-minimum-b"],
    ),
    Case(
        "permis-extension-categorie",
        "A1 à 15 ans",
        person(
            BORN_AGE_15,
            type_obtention="examen",
            categorie_obtenue="A1",
            visite_medicale_requise="non",
            neph="170392100012",
            heberge="oui",
        ),
        ["cepc", "permis_actuel", *MINOR],
        ["age-minimum-16"],
    ),
    # --- inscription à l'examen -------------------------------------------------------------
    Case(
        "permis-inscription-examen",
        "premier permis B à 19 ans",
        person(
            BORN_AGE_19,
            type_inscription="premiere",
            groupe="voiture",
            categories_voiture=["B"],
            formule="traditionnelle",
            sante=["lunettes"],
        ),
        [*ID_DOM, "service_national"],
    ),
    Case(
        "permis-inscription-examen",
        "conduite accompagnée à 15 ans",
        person(
            BORN_AGE_15,
            type_inscription="premiere",
            groupe="voiture",
            categories_voiture=["B"],
            formule="aac",
            sante=["aucune"],
            heberge="oui",
        ),
        [*MINOR, "service_national"],
    ),
    Case(
        "permis-inscription-examen",
        "sans conduite accompagnée à 15 ans",
        person(
            BORN_AGE_15,
            type_inscription="premiere",
            groupe="voiture",
            categories_voiture=["B"],
            formule="traditionnelle",
            sante=["aucune"],
            heberge="oui",
        ),
        [*MINOR, "service_national"],
        ["age-minimum-sans-aac"],
    ),
    Case(
        "permis-inscription-examen",
        "conduite accompagnée à 14 ans",
        person(
            BORN_AGE_14,
            type_inscription="premiere",
            groupe="voiture",
            categories_voiture=["B"],
            formule="aac",
            sante=["aucune"],
            heberge="oui",
        ),
        [*MINOR, "service_national"],
        ["age-minimum"],
    ),
    Case(
        "permis-inscription-examen",
        "moto A1 à 14 ans",
        person(
            BORN_AGE_14,
            type_inscription="premiere",
            groupe="moto",
            categories_moto=["A1"],
            sante=["aucune"],
            heberge="oui",
        ),
        [*MINOR, "service_national"],
        ["age-minimum", "age-minimum-sans-aac"],
    ),
    Case(
        "permis-inscription-examen",
        "moto A1 à 16 ans",
        person(
            BORN_AGE_16,
            type_inscription="premiere",
            groupe="moto",
            categories_moto=["A1"],
            sante=["aucune"],
            heberge="oui",
        ),
        [*MINOR, "service_national"],
    ),
    Case(
        "permis-inscription-examen",
        "extension camion avec une maladie déclarée",
        person(
            type_inscription="extension",
            neph="170392100012",
            groupe="lourd",
            categories_lourd=["C", "CE"],
            sante=["maladie"],
        ),
        [*ID_DOM, "avis_medical"],
    ),
    Case(
        "permis-inscription-examen",
        "extension moto avec une maladie déclarée",
        person(
            type_inscription="extension",
            neph="170392100012",
            groupe="moto",
            categories_moto=["A2"],
            sante=["lunettes", "maladie"],
        ),
        [*ID_DOM, "avis_medical_sante"],
    ),
    Case(
        "permis-inscription-examen",
        "retour au permis après invalidation",
        person(
            type_inscription="retour",
            motif_retour="invalidation",
            neph="170392100012",
            groupe="voiture",
            categories_voiture=["B"],
            formule="traditionnelle",
            sante=["pension"],
        ),
        [*ID_DOM, "avis_medical_retour", "tests_psychotechniques", "lettre_invalidation"],
    ),
    Case(
        "permis-inscription-examen",
        "retour au permis camion après annulation, hébergé",
        person(
            type_inscription="retour",
            motif_retour="annulation",
            neph="170392100012",
            groupe="lourd",
            categories_lourd=["C"],
            sante=["aucune"],
            heberge="oui",
        ),
        [*ID_DOM_HEB, "avis_medical", "tests_psychotechniques", "decision_annulation"],
    ),
    # --- diplôme professionnel --------------------------------------------------------------
    Case(
        "permis-diplome-professionnel",
        "CAP conducteur routier à 19 ans, sans NEPH",
        person(
            BORN_AGE_19,
            diplome="cap_crm",
            date_diplome="04/07/2026",
            categories_demandees=["B", "C", "CE"],
            neph="",
        ),
        ["diplome_conducteur", "avis_medical", *ID_DOM],
    ),
    Case(
        "permis-diplome-professionnel",
        "CAP déménageur à 17 ans",
        person(
            BORN_AGE_17,
            representant=False,
            diplome="cap_demenageur",
            date_diplome="04/07/2026",
            categories_demandees=["B", "BE"],
            neph="170392100012",
            heberge="oui",
        ),
        ["diplome_conducteur", *ID_DOM_HEB],
        ["age-minimum"],
    ),
    Case(
        "permis-diplome-professionnel",
        "titre voyageurs à 20 ans",
        person(
            BORN_AGE_20,
            diplome="tp_voyageurs",
            date_diplome="15/09/2026",
            categories_demandees=["D"],
            neph="170392100012",
        ),
        ["diplome_conducteur", "avis_medical", *ID_DOM],
        ["age-minimum-voyageurs"],
    ),
    Case(
        "permis-diplome-professionnel",
        "date du diplôme avant la naissance",
        person(
            diplome="tp_marchandises",
            date_diplome="01/06/1985",
            categories_demandees=["C"],
            neph="170392100012",
        ),
        ["diplome_conducteur", "avis_medical", *ID_DOM],
        ["diplome-apres-naissance"],
    ),
]


def engine_for(demarche_id: str) -> FormEngine:
    return FormEngine(CATALOG.get(demarche_id), today=lambda: TODAY)


def answer(engine: FormEngine, raw: dict[str, Any]) -> dict[str, Any]:
    """Go through the démarche as the kiosk does: each question that applies, in order, is
    answered with its typed value, which must be accepted."""
    answers: dict[str, Any] = {}
    asked: list[str] = []
    for step in engine.demarche.steps:
        applicable = {s.id for s in engine.applicable_steps(answers)}
        if step.id not in applicable or not isinstance(step, Question):
            continue
        assert step.id in raw, f"no answer for the question {step.id!r}"
        checked = engine.validate(step, raw[step.id])
        assert checked.ok, f"{step.id} = {raw[step.id]!r}: {checked.error}"
        asked.append(step.id)
        if checked.value is not None:
            answers[step.id] = checked.value
    assert sorted(asked) == sorted(raw), "answers given to questions that do not apply"
    return answers


@pytest.mark.parametrize("case", CASES, ids=[f"{c.demarche}: {c.name}" for c in CASES])
def test_answers_lead_to_exactly_these_pieces_and_rules(case: Case) -> None:
    engine = engine_for(case.demarche)
    answers = answer(engine, case.raw)
    pieces = [s.id for s in engine.applicable_steps(answers) if s.kind == "piece"]
    assert pieces == case.pieces
    assert [r.id for r in engine.broken_rules(answers)] == case.broken


@pytest.mark.parametrize("demarche_id", PERMIS_IDS)
def test_every_rule_and_every_piece_is_reached_by_a_case(demarche_id: str) -> None:
    demarche = CATALOG.get(demarche_id)
    cases = [c for c in CASES if c.demarche == demarche_id]
    assert any(not c.broken for c in cases), "no case without a broken rule"
    assert {r for c in cases for r in c.broken} == {r.id for r in demarche.rules}
    pieces = {s.id for s in demarche.steps if isinstance(s, PieceStep)}
    assert {p for c in cases for p in c.pieces} == pieces


@pytest.mark.parametrize("demarche_id", PERMIS_IDS)
def test_the_demarche_is_presented_as_the_kiosk_expects(demarche_id: str) -> None:
    demarche: Demarche = CATALOG.get(demarche_id)
    assert demarche.family == "permis" and demarche.version.startswith("2026.")
    assert demarche.title.startswith("Permis") and len(demarche.title) <= 45
    assert demarche.summary.endswith(".") and demarche.summary.count(". ") == 0
    assert demarche.bring
    assert 2 <= len(demarche.after) <= 4
    assert not any("ANTS" in line and "numéro" in line for line in demarche.after)
    for step in demarche.steps:
        assert step.label and step.easy, step.id
        if isinstance(step, PieceStep):
            assert step.examples, step.id
            assert bool(step.applies_text) == (step.when is not None), step.id
        if step.id in ("piece_identite", "piece_identite_rl", "justificatif_domicile"):
            assert isinstance(step, PieceStep) and step.max_pages == 2


def test_the_common_questions_are_those_of_the_perte_vol_demarche() -> None:
    reference = CATALOG.get("permis-perte-vol")
    for demarche_id in PERMIS_IDS:
        demarche = CATALOG.get(demarche_id)
        for step_id in ("prenoms", "date_naissance", "email", "telephone", "piece_identite"):
            mine, theirs = demarche.step(step_id), reference.step(step_id)
            assert (mine.kind, mine.label, mine.easy) == (theirs.kind, theirs.label, theirs.easy)
        email = demarche.step("email")
        assert isinstance(email, Question) and email.individual
        ephoto = demarche.step("code_ephoto")
        assert isinstance(ephoto, Question) and ephoto.type == "ephoto"
        assert demarche.step("nom_naissance").label == reference.step("nom_naissance").label


@pytest.mark.parametrize("demarche_id", PERMIS_IDS)
def test_no_date_in_the_future_is_accepted(demarche_id: str) -> None:
    engine = engine_for(demarche_id)
    dates = [s for s in engine.demarche.steps if isinstance(s, Question) and s.type == "date"]
    assert dates
    for question in dates:
        if question.id == "date_fin_titre":  # the end of validity may be ahead
            assert engine.validate(question, "15/03/2030").ok
            continue
        assert not engine.validate(question, "23/11/2026").ok, question.id


def test_a_minor_names_a_representant_legal_only_where_a_minor_may_apply() -> None:
    with_rl = {
        d for d in PERMIS_IDS if any(s.id == "piece_identite_rl" for s in CATALOG.get(d).steps)
    }
    assert with_rl == set(PERMIS_IDS) - {
        "permis-prorogation-poids-lourd",  # a minor cannot hold C or D
        "permis-diplome-professionnel",  # refused under 18 by a rule
    }
    adult_only = engine_for("permis-prorogation-poids-lourd")
    birth = adult_only.demarche.step("date_naissance")
    assert isinstance(birth, Question)
    assert not adult_only.validate(birth, BORN_AGE_17).ok


def test_a_shared_email_address_is_refused() -> None:
    engine = engine_for("permis-inscription-examen")
    email = engine.demarche.step("email")
    assert isinstance(email, Question)
    assert not engine.validate(email, "famille.zorglubov@exemple.fr").ok
    assert engine.validate(email, "ysolde.zorglubova@exemple.fr").ok
