"""The carte grise, identité and association démarches: which pièces each branch asks for,
which rules the answers break, and what the usager may type."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kiosk.catalog import BUNDLED_DIR, load_catalog
from kiosk.demarche import Demarche, PieceStep, Question
from kiosk.engine import FormEngine

TODAY = dt.date(2026, 11, 22)
CATALOG = load_catalog(BUNDLED_DIR)

FAMILIES = {
    "carte-grise-duplicata": "carte-grise",
    "carte-grise-changement-adresse": "carte-grise",
    "carte-grise-cession": "carte-grise",
    "carte-grise-changement-titulaire": "carte-grise",
    "identite-predemande": "identite",
    "association-creation": "association",
    "association-modification": "association",
    "association-dissolution": "association",
}


def engine_for(demarche_id: str) -> FormEngine:
    return FormEngine(CATALOG.get(demarche_id), today=lambda: TODAY)


def pieces(demarche_id: str, answers: dict[str, Any]) -> list[str]:
    engine = engine_for(demarche_id)
    return [s.id for s in engine.applicable_steps(answers) if s.kind == "piece"]


def broken(demarche_id: str, answers: dict[str, Any]) -> list[str]:
    return [r.id for r in engine_for(demarche_id).broken_rules(answers)]


# --- every file ----------------------------------------------------------------------------


def test_none_of_these_files_is_disabled() -> None:
    names = {d.file for d in CATALOG.disabled}
    assert sorted(n for n in names if not n.startswith("permis-")) == []
    assert sorted(d.id for d in CATALOG.demarches if d.id in FAMILIES) == sorted(FAMILIES)


@pytest.mark.parametrize("demarche_id", sorted(FAMILIES))
def test_the_header_follows_the_brief(demarche_id: str) -> None:
    demarche: Demarche = CATALOG.get(demarche_id)
    assert demarche.family == FAMILIES[demarche_id]
    assert demarche.version.startswith("2026.")
    assert 0 < len(demarche.title) <= 45
    assert demarche.summary.endswith(".") and demarche.summary.count(". ") == 0
    assert 2 <= len(demarche.after) <= 4
    assert demarche.bring
    for step in demarche.steps:
        assert step.easy, step.id
        if isinstance(step, PieceStep):
            assert step.examples, step.id
            assert bool(step.applies_text) == (step.when is not None), step.id
    for rule in demarche.rules:
        assert rule.message.endswith("."), rule.id


# --- carte grise : duplicata ---------------------------------------------------------------

DUPLICATA: dict[str, Any] = {
    "motif": "perte",
    "immatriculation": "AB-123-CD",
    "date_evenement": "2026-11-01",
    "type_vehicule": "vp",
    "date_premiere_immat": "2015-03-10",
    "demandeur": "titulaire",
    "nom_naissance": "Martin",
    "prenoms": "Claire",
    "date_naissance": "1970-05-04",
    "email": "claire.martin@exemple.fr",
    "telephone": "06 12 34 56 78",
}


@pytest.mark.parametrize(
    ("changes", "expected_pieces", "expected_rules"),
    [
        pytest.param({}, ["piece_identite", "controle_technique"], [], id="perte-voiture"),
        pytest.param(
            {
                "motif": "vol",
                "date_declaration_vol": "2026-11-02",
                "type_vehicule": "l",
                "date_premiere_immat": "2019-03-01",
            },
            ["piece_identite", "declaration_vol", "controle_technique_l"],
            [],
            id="vol-moto-ancienne",
        ),
        pytest.param(
            {"motif": "deterioration", "date_premiere_immat": "2024-01-10"},
            ["piece_identite", "carte_grise_abimee"],
            [],
            id="abimee-voiture-recente",
        ),
        pytest.param(
            {"date_premiere_immat": "2022-11-22"},
            ["piece_identite", "controle_technique"],
            [],
            id="voiture-4-ans-ce-jour",
        ),
        pytest.param(
            {"date_premiere_immat": "2022-11-23"}, ["piece_identite"], [], id="voiture-4-ans-demain"
        ),
        pytest.param(
            {"type_vehicule": "rem", "date_premiere_immat": "1990-01-01"},
            ["piece_identite"],
            [],
            id="remorque",
        ),
        pytest.param(
            {
                "motif": "vol",
                "date_evenement": "2026-11-10",
                "date_declaration_vol": "2026-11-09",
                "type_vehicule": "autre",
                "demandeur": "mandataire",
                "titulaire_nom": "Location Rhône SAS",
            },
            ["piece_identite", "mandat", "identite_titulaire", "declaration_vol"],
            ["declaration-apres-vol"],
            id="vol-mandataire-dates-inversees",
        ),
        pytest.param(
            {
                "type_vehicule": "l",
                "date_premiere_immat": "2022-06-01",
                "demandeur": "parent",
                "titulaire_nom": "Martin Léo",
                "tit_date_naissance": "2009-05-01",
            },
            ["piece_identite", "identite_titulaire", "justificatif_domicile"],
            [],
            id="parent-cyclomoteur-recent",
        ),
        pytest.param(
            {
                "demandeur": "parent",
                "titulaire_nom": "Martin Léo",
                "tit_date_naissance": "2005-05-01",
                "date_naissance": "2010-01-01",
            },
            ["piece_identite", "identite_titulaire", "justificatif_domicile", "controle_technique"],
            ["majeur", "titulaire-mineur"],
            id="titulaire-majeur-demandeur-mineur",
        ),
        pytest.param(
            # Back from vol to perte: the stale declaration date is pruned, so is its rule.
            {"date_evenement": "2026-11-10", "date_declaration_vol": "2026-11-09"},
            ["piece_identite", "controle_technique"],
            [],
            id="reponse-perimee-ignoree",
        ),
    ],
)
def test_duplicata(
    changes: dict[str, Any], expected_pieces: list[str], expected_rules: list[str]
) -> None:
    answers = {**DUPLICATA, **changes}
    assert pieces("carte-grise-duplicata", answers) == expected_pieces
    assert broken("carte-grise-duplicata", answers) == expected_rules


# --- carte grise : changement d'adresse ----------------------------------------------------

ADRESSE: dict[str, Any] = {
    "immatriculation": "GH-456-JK",
    "date_demenagement": "2026-11-05",
    "nouvelle_adresse": {
        "numero": "12",
        "voie": "rue des Lilas",
        "complement": "",
        "code_postal": "69003",
        "commune": "Lyon",
    },
    "heberge": False,
    "demandeur": "titulaire",
    "nom_naissance": "Nguyễn",
    "prenoms": "Thi Lan",
    "date_naissance": "1995-02-11",
    "email": "thilan.nguyen@exemple.fr",
    "telephone": "07 98 76 54 32",
}
HEBERGEMENT = ["attestation_hebergement", "identite_hebergeant", "justificatif_domicile_hebergeant"]


@pytest.mark.parametrize(
    ("changes", "expected_pieces", "expected_rules"),
    [
        pytest.param({}, ["justificatif_domicile"], [], id="titulaire-logement"),
        pytest.param({"heberge": True}, HEBERGEMENT, [], id="titulaire-heberge"),
        pytest.param(
            {"demandeur": "mandataire", "titulaire_nom": "Nguyễn Văn Minh"},
            ["justificatif_domicile", "piece_identite", "mandat", "identite_titulaire"],
            [],
            id="mandataire",
        ),
        pytest.param(
            {
                "heberge": True,
                "demandeur": "parent",
                "titulaire_nom": "Nguyễn Bảo",
                "tit_date_naissance": "2008-12-01",
            },
            [*HEBERGEMENT, "piece_identite", "identite_titulaire"],
            [],
            id="parent-heberge",
        ),
        pytest.param(
            {"date_demenagement": "1990-06-01"},
            ["justificatif_domicile"],
            ["demenagement-apres-naissance"],
            id="demenagement-avant-naissance",
        ),
        pytest.param(
            {
                "date_demenagement": "1990-06-01",
                "demandeur": "mandataire",
                "titulaire_nom": "Nguyễn Văn Minh",
            },
            ["justificatif_domicile", "piece_identite", "mandat", "identite_titulaire"],
            [],
            id="mandataire-plus-jeune-que-le-demenagement",
        ),
        pytest.param(
            {"date_naissance": "2009-11-23"}, ["justificatif_domicile"], ["majeur"], id="mineur"
        ),
        pytest.param({"date_naissance": "2008-11-22"}, ["justificatif_domicile"], [], id="18-ans"),
    ],
)
def test_changement_adresse(
    changes: dict[str, Any], expected_pieces: list[str], expected_rules: list[str]
) -> None:
    answers = {**ADRESSE, **changes}
    assert pieces("carte-grise-changement-adresse", answers) == expected_pieces
    assert broken("carte-grise-changement-adresse", answers) == expected_rules


# --- carte grise : cession -----------------------------------------------------------------

CESSION: dict[str, Any] = {
    "immatriculation": "AB-123-CD",
    "type_cession": "vente",
    "date_cession": "2026-11-20",
    "heure_cession": "14:30",
    "kilometrage": 85000,
    "acq_nom": "Durand",
    "acq_prenoms": "Paul",
    "acq_date_naissance": "1988-09-09",
    "acq_adresse": {
        "numero": "3",
        "voie": "place Bellecour",
        "complement": "",
        "code_postal": "69002",
        "commune": "Lyon",
    },
    "acq_email": "paul.durand@exemple.fr",
    "engagement": "confirme",
    "demandeur": "titulaire",
    "nom_naissance": "Martin",
    "prenoms": "Claire",
    "date_naissance": "1970-05-04",
    "email": "claire.martin@exemple.fr",
    "telephone": "06 12 34 56 78",
}
PARTICULIER = ["acq_nom", "acq_prenoms", "acq_date_naissance", "acq_adresse", "acq_email"]
ENTREPRISE = ["acq_raison_sociale", "acq_siret", "acq_adresse"]


@pytest.mark.parametrize(
    ("changes", "expected_buyer", "expected_pieces", "expected_rules"),
    [
        pytest.param({}, PARTICULIER, [], [], id="vente-particulier"),
        pytest.param(
            {"acq_email": "Claire.Martin@exemple.fr"},
            PARTICULIER,
            [],
            ["emails-differents"],
            id="meme-email",
        ),
        pytest.param(
            {"type_cession": "don", "date_cession": "1980-01-01"},
            PARTICULIER,
            [],
            ["cession-apres-naissance-acheteur"],
            id="don-avant-naissance-acheteur",
        ),
        pytest.param(
            # The buyer's e-mail is stale (the buyer is now a garage): no rule on it.
            {
                "type_cession": "professionnel",
                "acq_email": "claire.martin@exemple.fr",
                "demandeur": "mandataire",
                "titulaire_nom": "Martin Claire",
            },
            ENTREPRISE,
            ["piece_identite", "mandat", "identite_titulaire"],
            [],
            id="garage-mandataire",
        ),
        pytest.param(
            {"type_cession": "destruction"},
            ["acq_raison_sociale", "acq_siret", "vhu_agrement", "acq_adresse"],
            [],
            [],
            id="casse",
        ),
        pytest.param(
            {
                "demandeur": "parent",
                "titulaire_nom": "Martin Léo",
                "tit_date_naissance": "2006-01-01",
                "date_naissance": "2012-01-01",
            },
            PARTICULIER,
            ["piece_identite", "identite_titulaire"],
            ["majeur", "titulaire-mineur"],
            id="parent-titulaire-majeur",
        ),
    ],
)
def test_cession(
    changes: dict[str, Any],
    expected_buyer: list[str],
    expected_pieces: list[str],
    expected_rules: list[str],
) -> None:
    answers = {**CESSION, **changes}
    steps = engine_for("carte-grise-cession").applicable_steps(answers)
    assert [s.id for s in steps if s.id.startswith(("acq_", "vhu_"))] == expected_buyer
    assert pieces("carte-grise-cession", answers) == expected_pieces
    assert broken("carte-grise-cession", answers) == expected_rules


# --- carte grise : changement de titulaire -------------------------------------------------

TITULAIRE: dict[str, Any] = {
    "vendeur_type": "particulier",
    "code_cession": "A1B2C3D4E5F",
    "immatriculation": "AB-123-CD",
    "date_achat": "2026-11-20",
    "type_vehicule": "vp",
    "date_premiere_immat": "2018-04-02",
    "demandeur": "titulaire",
    "nom_naissance": "Durand",
    "prenoms": "Paul",
    "date_naissance": "1988-09-09",
    "adresse": {
        "numero": "3",
        "voie": "place Bellecour",
        "complement": "",
        "code_postal": "69002",
        "commune": "Lyon",
    },
    "heberge": False,
    "cotitulaire": False,
    "engagement": "confirme",
    "email": "paul.durand@exemple.fr",
    "telephone": "06 11 22 33 44",
}


@pytest.mark.parametrize(
    ("changes", "expected_pieces", "expected_rules"),
    [
        pytest.param(
            {},
            ["carte_grise_barree", "justificatif_domicile", "controle_technique"],
            [],
            id="voiture-particulier",
        ),
        pytest.param(
            {
                "vendeur_type": "pro",
                "type_vehicule": "l",
                "date_premiere_immat": "2020-06-01",
                "heberge": True,
            },
            ["carte_grise_barree", *HEBERGEMENT, "controle_technique_l"],
            [],
            id="moto-garage-heberge",
        ),
        pytest.param(
            {
                "type_vehicule": "l",
                "date_premiere_immat": "2023-03-01",
                "demandeur": "mandataire",
                "titulaire_nom": "Durand Lucie",
            },
            [
                "carte_grise_barree",
                "justificatif_domicile",
                "piece_identite",
                "mandat",
                "identite_titulaire",
            ],
            [],
            id="scooter-recent-mandataire",
        ),
        pytest.param(
            {"type_vehicule": "rem", "date_premiere_immat": "2000-01-01"},
            ["carte_grise_barree", "justificatif_domicile"],
            [],
            id="caravane",
        ),
        pytest.param(
            {"date_achat": "2018-04-01"},
            ["carte_grise_barree", "justificatif_domicile", "controle_technique"],
            ["achat-apres-immatriculation"],
            id="achat-avant-immatriculation",
        ),
        pytest.param(
            {
                "demandeur": "parent",
                "titulaire_nom": "Durand Léa",
                "tit_date_naissance": "2008-11-22",
            },
            [
                "carte_grise_barree",
                "justificatif_domicile",
                "controle_technique",
                "piece_identite",
                "identite_titulaire",
            ],
            ["titulaire-mineur"],
            id="enfant-de-18-ans-ce-jour",
        ),
    ],
)
def test_changement_titulaire(
    changes: dict[str, Any], expected_pieces: list[str], expected_rules: list[str]
) -> None:
    answers = {**TITULAIRE, **changes}
    assert pieces("carte-grise-changement-titulaire", answers) == expected_pieces
    assert broken("carte-grise-changement-titulaire", answers) == expected_rules


def test_the_code_de_cession_and_the_cotitulaires_are_asked_only_when_they_apply() -> None:
    engine = engine_for("carte-grise-changement-titulaire")
    asked = {s.id for s in engine.applicable_steps(TITULAIRE)}
    assert "code_cession" in asked and "cotitulaires" not in asked
    changed = {**TITULAIRE, "vendeur_type": "pro", "cotitulaire": True}
    asked = {s.id for s in engine.applicable_steps(changed)}
    assert "code_cession" not in asked and "cotitulaires" in asked


# --- identité : pré-demande ----------------------------------------------------------------

PREDEMANDE: dict[str, Any] = {
    "titre": "cni",
    "motif": "premiere",
    "pour_qui": "moi",
    "nom_naissance": "Benali",
    "prenoms": "Yasmine",
    "sexe": "f",
    "date_naissance": "1990-07-14",
    "lieu_naissance": "Villeurbanne, Rhône, France",
    "taille": 165,
    "adresse": {
        "numero": "8",
        "voie": "cours Émile Zola",
        "complement": "",
        "code_postal": "69100",
        "commune": "Villeurbanne",
    },
    "parents": [
        {
            "nom": "Benali",
            "prenoms": "Karim",
            "date_naissance": "1960-01-01",
            "lieu_naissance": "Oran, Algérie",
        }
    ],
    "telephone": "06 12 34 56 78",
    "email": "yasmine.benali@exemple.fr",
}
CONDITIONAL = ["couleur_yeux", "rl_lien", "rl_nom", "timbre_fiscal", "timbre_fiscal_cni"]


@pytest.mark.parametrize(
    ("changes", "expected_conditional", "expected_rules"),
    [
        pytest.param({}, [], [], id="cni-premiere-gratuite"),
        pytest.param(
            {"titre": "passeport", "motif": "renouvellement"},
            ["couleur_yeux", "timbre_fiscal"],
            [],
            id="passeport",
        ),
        pytest.param({"motif": "vol"}, ["timbre_fiscal_cni"], [], id="cni-volee"),
        pytest.param(
            {"titre": "les_deux", "motif": "perte"},
            ["couleur_yeux", "timbre_fiscal", "timbre_fiscal_cni"],
            [],
            id="les-deux-perdus",
        ),
        pytest.param(
            {"pour_qui": "enfant", "date_naissance": "2015-03-03"},
            ["rl_lien", "rl_nom"],
            [],
            id="enfant",
        ),
        pytest.param(
            {"date_naissance": "2010-01-01"}, [], ["demandeur-majeur"], id="mineur-pour-lui-meme"
        ),
        pytest.param(
            {"pour_qui": "enfant", "date_naissance": "2008-11-22"},
            ["rl_lien", "rl_nom"],
            ["enfant-mineur"],
            id="enfant-de-18-ans-ce-jour",
        ),
    ],
)
def test_predemande(
    changes: dict[str, Any], expected_conditional: list[str], expected_rules: list[str]
) -> None:
    answers = {**PREDEMANDE, **changes}
    steps = engine_for("identite-predemande").applicable_steps(answers)
    assert [s.id for s in steps if s.id in CONDITIONAL] == expected_conditional
    # Nothing is scanned: the mairie asks for the originals.
    assert pieces("identite-predemande", answers) == []
    assert broken("identite-predemande", answers) == expected_rules


# --- associations --------------------------------------------------------------------------

DIRIGEANTS = [
    {
        "nom": "Lefèvre",
        "prenoms": "Anne",
        "fonction": "president",
        "profession": "Infirmière",
        "nationalite": "Française",
        "domicile": "4 rue Garibaldi 69006 Lyon",
    },
    {
        "nom": "Diallo",
        "prenoms": "Moussa",
        "fonction": "tresorier",
        "profession": "Retraité",
        "nationalite": "Sénégalaise",
        "domicile": "10 avenue Jean Jaurès 69007 Lyon",
    },
]
CREATION: dict[str, Any] = {
    "siege_cp": "69006",
    "titre": "Les Jardins partagés du 6e",
    "objet": "Créer et entretenir des jardins partagés dans le quartier.",
    "siege_adresse": {
        "numero": "4",
        "voie": "rue Garibaldi",
        "complement": "",
        "code_postal": "69006",
        "commune": "Lyon",
    },
    "gestion_differente": False,
    "date_ag_constitutive": "2026-10-15",
    "dirigeants": DIRIGEANTS,
    "dirigeant_mineur": "non",
    "union_federation": False,
    "email_asso": "contact@jardins6.fr",
    "declarant_role": "dirigeant",
    "nom_naissance": "Lefèvre",
    "prenoms": "Anne",
    "telephone": "06 12 34 56 78",
    "sans_date_naissance": "confirme",
}


@pytest.mark.parametrize(
    ("changes", "expected_pieces", "expected_rules"),
    [
        pytest.param({}, ["statuts", "pv_constitutive"], [], id="simple"),
        pytest.param(
            {"dirigeant_mineur": "16_17", "date_ag_constitutive": "2026-11-22"},
            ["statuts", "pv_constitutive"],
            [],
            id="dirigeant-de-16-ans-reunion-ce-jour",
        ),
        pytest.param(
            {
                "dirigeant_mineur": "moins_16",
                "union_federation": True,
                "declarant_role": "mandataire",
            },
            ["statuts", "pv_constitutive", "liste_membres_union", "mandat", "accord_parental"],
            [],
            id="union-mandataire-dirigeant-de-moins-de-16-ans",
        ),
        pytest.param(
            {"date_ag_constitutive": "2026-11-23"},
            ["statuts", "pv_constitutive"],
            ["creation-passee"],
            id="reunion-dans-le-futur",
        ),
    ],
)
def test_association_creation(
    changes: dict[str, Any], expected_pieces: list[str], expected_rules: list[str]
) -> None:
    answers = {**CREATION, **changes}
    assert pieces("association-creation", answers) == expected_pieces
    assert broken("association-creation", answers) == expected_rules


MODIFICATION: dict[str, Any] = {
    "rna": "W691234567",
    "titre_actuel": "Les Jardins partagés du 6e",
    "siege_cp": "69006",
    "types_modif": ["dirigeants"],
    "date_decision": "2026-10-01",
    "dirigeants": DIRIGEANTS,
    "dirigeant_mineur": "non",
    "email_asso": "contact@jardins6.fr",
    "declarant_role": "dirigeant",
    "nom_naissance": "Lefèvre",
    "prenoms": "Anne",
    "telephone": "06 12 34 56 78",
    "sans_date_naissance": "confirme",
}


@pytest.mark.parametrize(
    ("changes", "expected_pieces", "expected_rules"),
    [
        pytest.param({}, ["pv_decision"], [], id="dirigeants"),
        pytest.param(
            {"types_modif": ["siege"], "publication_joafe": True},
            ["pv_decision", "statuts_a_jour"],
            [],
            id="siege",
        ),
        pytest.param(
            # The stale answer about a minor dirigeant no longer applies.
            {"types_modif": ["adresse_gestion"], "dirigeant_mineur": "moins_16"},
            ["pv_decision"],
            [],
            id="adresse-de-gestion",
        ),
        pytest.param(
            {
                "types_modif": ["dirigeants", "titre"],
                "nouveau_titre": "LES JARDINS PARTAGÉS DU 6E",
                "dirigeant_mineur": "moins_16",
                "declarant_role": "mandataire",
            },
            ["pv_decision", "statuts_a_jour", "mandat", "accord_parental"],
            ["nouveau-nom-different"],
            id="nom-identique-mandataire-mineur",
        ),
        pytest.param(
            {"types_modif": ["titre"], "nouveau_titre": "Jardins et vergers du 6e"},
            ["pv_decision", "statuts_a_jour"],
            [],
            id="nouveau-nom",
        ),
        pytest.param(
            {"date_decision": "2027-01-01"}, ["pv_decision"], ["decision-passee"], id="futur"
        ),
    ],
)
def test_association_modification(
    changes: dict[str, Any], expected_pieces: list[str], expected_rules: list[str]
) -> None:
    answers = {**MODIFICATION, **changes}
    assert pieces("association-modification", answers) == expected_pieces
    assert broken("association-modification", answers) == expected_rules


def test_the_joafe_question_comes_only_with_a_published_change() -> None:
    engine = engine_for("association-modification")

    def asked(types: list[str]) -> bool:
        steps = engine.applicable_steps({**MODIFICATION, "types_modif": types})
        return "publication_joafe" in [s.id for s in steps]

    assert [asked(t) for t in (["dirigeants"], ["statuts"], ["objet"], ["siege"])] == [
        False,
        False,
        True,
        True,
    ]


DISSOLUTION: dict[str, Any] = {
    "rna": "W691234567",
    "titre_actuel": "Les Jardins partagés du 6e",
    "siege_cp": "69006",
    "type_dissolution": "volontaire",
    "date_ag": "2026-11-10",
    "liquidateurs": [
        {
            "nom": "Diallo",
            "prenoms": "Moussa",
            "qualite": "dirigeant",
            "domicile": "10 avenue Jean Jaurès 69007 Lyon",
        }
    ],
    "devolution_type": "association",
    "devolution_beneficiaire": "Les Jardins de la Croix-Rousse",
    "publication_joafe": True,
    "email_asso": "contact@jardins6.fr",
    "declarant_role": "dirigeant",
    "nom_naissance": "Diallo",
    "prenoms": "Moussa",
    "telephone": "07 11 22 33 44",
}


@pytest.mark.parametrize(
    ("changes", "expected_pieces", "expected_rules"),
    [
        pytest.param({}, ["pv_dissolution"], [], id="dirigeant"),
        pytest.param(
            {"declarant_role": "mandataire"}, ["pv_dissolution", "mandat"], [], id="mandataire"
        ),
        pytest.param(
            {"date_ag": "2026-11-23"}, ["pv_dissolution"], ["assemblee-passee"], id="futur"
        ),
    ],
)
def test_association_dissolution(
    changes: dict[str, Any], expected_pieces: list[str], expected_rules: list[str]
) -> None:
    answers = {**DISSOLUTION, **changes}
    assert pieces("association-dissolution", answers) == expected_pieces
    assert broken("association-dissolution", answers) == expected_rules


def test_sharing_the_assets_between_members_is_not_offered() -> None:
    question = CATALOG.get("association-dissolution").step("devolution_type")
    assert isinstance(question, Question)
    values = [o.value for o in question.options]
    assert values == ["association", "collectivite", "fondation", "rien"]


# --- what the usager types -----------------------------------------------------------------

ADDRESS = {
    "numero": "12",
    "voie": "rue des  Lilas",
    "complement": "",
    "code_postal": "69 003",
    "commune": "Lyon",
}

ACCEPTED = [
    ("carte-grise-duplicata", "immatriculation", "ab 123 cd", "AB-123-CD"),
    ("carte-grise-duplicata", "immatriculation", "1234ab69", "1234 AB 69"),
    ("carte-grise-duplicata", "date_evenement", "", None),
    ("carte-grise-duplicata", "date_declaration_vol", "2/11/2026", "2026-11-02"),
    ("carte-grise-duplicata", "date_premiere_immat", "10.03.2015", "2015-03-10"),
    ("carte-grise-duplicata", "nom_naissance", "N'Diaye-Le Gall", "N'Diaye-Le Gall"),
    ("carte-grise-duplicata", "email", "claire.martin@exemple.fr", "claire.martin@exemple.fr"),
    ("carte-grise-duplicata", "telephone", "+33 6 12 34 56 78", "06 12 34 56 78"),
    ("carte-grise-changement-adresse", "nouvelle_adresse", ADDRESS, None),
    ("carte-grise-changement-adresse", "heberge", "non", False),
    ("carte-grise-cession", "numero_formule", "", None),
    ("carte-grise-cession", "numero_formule", "2013AB12345", "2013AB12345"),
    ("carte-grise-cession", "heure_cession", "14:30", "14:30"),
    ("carte-grise-cession", "heure_cession", "9h05", "9h05"),
    ("carte-grise-cession", "kilometrage", "85 000", 85000),
    ("carte-grise-cession", "acq_siret", "123 456 789 00012", "123 456 789 00012"),
    ("carte-grise-cession", "acq_email", "", None),
    ("carte-grise-cession", "engagement", "confirme", "confirme"),
    ("carte-grise-changement-titulaire", "code_cession", "A1B2C3D4E5F", "A1B2C3D4E5F"),
    ("carte-grise-changement-titulaire", "date_achat", "20/11/2026", "2026-11-20"),
    (
        "carte-grise-changement-titulaire",
        "cotitulaires",
        [{"nom": "Durand", "prenoms": "Lucie", "date_naissance": "03/04/1990"}],
        [{"nom": "Durand", "prenoms": "Lucie", "date_naissance": "1990-04-03"}],
    ),
    ("identite-predemande", "nom_usage", "", None),
    ("identite-predemande", "taille", "165", 165),
    ("identite-predemande", "timbre_fiscal", "1234 5678 9012 3456", "1234567890123456"),
    ("identite-predemande", "timbre_fiscal_cni", "", None),
    ("identite-predemande", "code_ephoto", "ab12 cd34 ef56 gh78 ij90 kl", "AB12CD34EF56GH78IJ90KL"),
    ("identite-predemande", "code_ephoto", "", None),
    ("association-creation", "siege_cp", "69006", "69006"),
    ("association-creation", "siege_cp", "20000", "20000"),
    ("association-creation", "siege_cp", "97400", "97400"),
    ("association-creation", "titre", "Les Amis du Vieux-Lyon « Éclat »", None),
    ("association-creation", "email_asso", "contact@jardins6.fr", "contact@jardins6.fr"),
    ("association-creation", "date_ag_constitutive", "15/10/2026", "2026-10-15"),
    ("association-creation", "sans_date_naissance", "confirme", "confirme"),
    ("association-modification", "rna", "W691234567", "W691234567"),
    ("association-modification", "rna", "w 691 234 567", "w 691 234 567"),
    ("association-modification", "types_modif", ["titre", "dirigeants"], ["dirigeants", "titre"]),
    ("association-dissolution", "date_ag", "10/11/2026", "2026-11-10"),
]


@pytest.mark.parametrize(("demarche_id", "question_id", "raw", "value"), ACCEPTED)
def test_realistic_answers_are_accepted(
    demarche_id: str, question_id: str, raw: Any, value: Any
) -> None:
    engine = engine_for(demarche_id)
    question = engine.demarche.step(question_id)
    assert isinstance(question, Question)
    checked = engine.validate(question, raw)
    assert checked.ok, checked.error
    if value is not None or raw == "":
        assert checked.value == value


def test_a_group_of_dirigeants_is_accepted_with_its_checked_values() -> None:
    engine = engine_for("association-creation")
    question = engine.demarche.step("dirigeants")
    assert isinstance(question, Question)
    checked = engine.validate(question, DIRIGEANTS)
    assert checked.ok and checked.value == DIRIGEANTS


REFUSED = [
    ("carte-grise-duplicata", "immatriculation", "AB-000-CD", "plaque"),
    ("carte-grise-duplicata", "date_declaration_vol", "23/11/2026", "La date doit être passée"),
    ("carte-grise-duplicata", "email", "famille.martin@exemple.fr", "partagée"),
    ("carte-grise-changement-adresse", "date_demenagement", "01/12/2026", "après le déménagement"),
    ("carte-grise-cession", "date_cession", "23/11/2026", "ne peut pas être dans le futur"),
    ("carte-grise-cession", "heure_cession", "25:00", "par exemple 14:30"),
    ("carte-grise-cession", "acq_siret", "1234567890123", "14 chiffres"),
    ("carte-grise-cession", "engagement", "non", "Choisissez"),
    ("carte-grise-cession", "kilometrage", "3000000", "entre 0 et 2 000 000"),
    ("identite-predemande", "taille", "1,65", "Indiquez un nombre"),
    ("identite-predemande", "taille", "17", "Vérifiez la taille"),
    ("identite-predemande", "timbre_fiscal", "12345", "16 chiffres"),
    ("association-creation", "siege_cp", "57000", "Moselle"),
    ("association-creation", "siege_cp", "67100", "tribunal"),
    ("association-creation", "siege_cp", "68100", "tribunal"),
    ("association-creation", "siege_cp", "00100", "Vérifiez le code postal"),
    ("association-creation", "titre", "Ассоциация друзей", "alphabet latin"),
    ("association-creation", "dirigeants", DIRIGEANTS[:1], "au moins 2"),
    ("association-creation", "date_ag_constitutive", "01/01/2010", "moins de 10 ans"),
    ("association-modification", "rna", "691234567", "commence par W"),
    ("association-modification", "types_modif", [], "au moins une"),
    ("association-dissolution", "liquidateurs", [{"nom": "Diallo"}], "1. Prénoms"),
]


@pytest.mark.parametrize(("demarche_id", "question_id", "raw", "message_part"), REFUSED)
def test_wrong_answers_are_refused_with_a_message(
    demarche_id: str, question_id: str, raw: Any, message_part: str
) -> None:
    engine = engine_for(demarche_id)
    question = engine.demarche.step(question_id)
    assert isinstance(question, Question)
    checked = engine.validate(question, raw)
    assert not checked.ok
    assert message_part in (checked.error or "")
