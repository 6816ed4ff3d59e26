"""Field types: what each one accepts, what it rejects, and the value it keeps."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kiosk.demarche import Option, Question
from kiosk.fields import FIELD_TYPES, Checked, check, resolve_date_bound
from tests.support.questions import question

TODAY = dt.date(2026, 11, 22)


def accepted(q: Question, raw: Any, today: dt.date = TODAY) -> Any:
    result = check(q, raw, today)
    assert result.ok, f"{raw!r} rejected: {result.error}"
    assert result.error is None
    return result.value


def rejected(q: Question, raw: Any, today: dt.date = TODAY) -> str:
    result = check(q, raw, today)
    assert not result.ok, f"{raw!r} accepted as {result.value!r}"
    assert result.value is None
    assert result.error
    return result.error


def test_checked_is_ok_only_without_error() -> None:
    assert Checked("x").ok
    assert Checked(None).ok
    assert not Checked(error="non").ok


def test_the_registry_knows_every_type() -> None:
    assert set(FIELD_TYPES) == {
        "text",
        "choice",
        "multichoice",
        "yesno",
        "date",
        "number",
        "email",
        "phone",
        "postal_code",
        "address",
        "neph",
        "plate",
        "vin",
        "timbre_fiscal",
        "ephoto",
        "group",
    }


# --- text ----------------------------------------------------------------------------------


def test_text_is_trimmed_and_inner_spaces_collapsed() -> None:
    assert accepted(question("text"), "  Jean   Pierre \t") == "Jean Pierre"


@pytest.mark.parametrize("raw", ["", "   ", None, "\n\t"])
def test_empty_text_is_rejected(raw: Any) -> None:
    assert rejected(question("text"), raw) == "Cette réponse est obligatoire."


def test_text_min_length_boundary() -> None:
    q = question("text", min_length=3)
    assert accepted(q, "abc") == "abc"
    assert rejected(q, "ab") == "La réponse est trop courte."
    assert rejected(q, "  ab   ") == "La réponse est trop courte."  # counted after trimming


def test_text_max_length_boundary() -> None:
    q = question("text", max_length=5)
    assert accepted(q, "abcde") == "abcde"
    assert rejected(q, "abcdef") == "La réponse est trop longue."
    assert accepted(q, "  ab   cd ") == "ab cd"


def test_text_pattern_must_match_the_whole_answer() -> None:
    q = question("text", pattern="[0-9]{16}", pattern_message="16 chiffres.")
    assert accepted(q, "1234567890123456") == "1234567890123456"
    assert rejected(q, "123456789012345") == "16 chiffres."
    assert rejected(q, "12345678901234567") == "16 chiffres."
    assert rejected(q, "x1234567890123456") == "16 chiffres."


def test_text_pattern_without_message_has_a_generic_one() -> None:
    assert rejected(question("text", pattern="[a-z]+"), "ABC") == "Le format n'est pas le bon."


def test_the_name_pattern_of_the_permis_demarche() -> None:
    from kiosk.catalog import BUNDLED_DIR, load_catalog

    q = load_catalog(BUNDLED_DIR).get("permis-perte-vol").step("nom_naissance")
    assert isinstance(q, Question)
    for name in ("N'Diaye-Lefèvre", "Éloïse", "Cœur", "Łukasz", "Nguyễn", "Le Floc’h", "Ōta"):
        assert accepted(q, name) == name
    for bad in ("Dupont2", "Dupont;", "-Dupont", "x" * 81, "_"):
        rejected(q, bad)


# --- date ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("14/07/1990", "1990-07-14"),
        ("1-7-1990", "1990-07-01"),
        ("01.07.1990", "1990-07-01"),
        (" 14 07 1990 ", "1990-07-14"),
        ("14 / 7 / 1990", "1990-07-14"),
        ("29/02/2024", "2024-02-29"),
        (dt.date(1990, 7, 14), "1990-07-14"),
    ],
)
def test_a_date_is_read_day_first_and_kept_as_iso(raw: Any, iso: str) -> None:
    assert accepted(question("date"), raw) == iso


@pytest.mark.parametrize(
    "raw", ["31/02/2020", "29/02/2023", "00/01/2000", "12/13/2000", "32/1/2000"]
)
def test_an_impossible_date_says_so(raw: str) -> None:
    assert rejected(question("date"), raw) == (
        "Cette date n'existe pas. Vérifiez le jour et le mois."
    )


@pytest.mark.parametrize(
    "raw", ["", None, "14/07/90", "1990-07-14", "14071990", "14/07", "le 14 juillet", "141/07/1990"]
)
def test_an_unreadable_date_shows_an_example(raw: Any) -> None:
    assert "14/07/1990" in rejected(question("date"), raw)


def test_a_birth_date_is_between_120_and_14_years_ago() -> None:
    q = question("date", min_date="-120y", max_date="-14y")
    assert accepted(q, "22/11/2012") == "2012-11-22"  # 14 today
    assert rejected(q, "23/11/2012") == "Cette date est trop récente."  # 14 tomorrow
    assert accepted(q, "22/11/1906") == "1906-11-22"
    assert rejected(q, "21/11/1906") == "Cette date est trop ancienne."


def test_a_date_up_to_today_with_the_demarche_message() -> None:
    q = question("date", min_date="-30y", max_date="today", range_message="Date passée.")
    assert accepted(q, "22/11/2026") == "2026-11-22"
    assert rejected(q, "23/11/2026") == "Date passée."
    assert rejected(q, "21/11/1996") == "Date passée."
    assert accepted(q, "22/11/1996") == "1996-11-22"


def test_the_date_range_follows_the_given_today() -> None:
    q = question("date", max_date="today")
    assert rejected(q, "01/01/2030") == "Cette date est trop récente."
    assert accepted(q, "01/01/2030", today=dt.date(2030, 1, 1)) == "2030-01-01"


@pytest.mark.parametrize(
    ("bound", "today", "expected"),
    [
        ("today", dt.date(2026, 11, 22), dt.date(2026, 11, 22)),
        ("-14y", dt.date(2026, 11, 22), dt.date(2012, 11, 22)),
        ("+1y", dt.date(2026, 11, 22), dt.date(2027, 11, 22)),
        ("-30d", dt.date(2026, 3, 1), dt.date(2026, 1, 30)),
        ("+30d", dt.date(2026, 12, 15), dt.date(2027, 1, 14)),
        ("2020-02-29", dt.date(2026, 11, 22), dt.date(2020, 2, 29)),
        # 29 February: the same day when the target year is a leap year, else the 28th.
        ("-18y", dt.date(2024, 2, 29), dt.date(2006, 2, 28)),
        ("-4y", dt.date(2024, 2, 29), dt.date(2020, 2, 29)),
        ("+1y", dt.date(2024, 2, 29), dt.date(2025, 2, 28)),
        ("-1y", dt.date(2025, 2, 28), dt.date(2024, 2, 28)),
    ],
)
def test_resolve_date_bound(bound: str, today: dt.date, expected: dt.date) -> None:
    assert resolve_date_bound(bound, today) == expected


@pytest.mark.parametrize("bound", ["yesterday", "-14", "14y", "-14m", "2020-02-30", ""])
def test_resolve_date_bound_rejects_what_it_cannot_read(bound: str) -> None:
    with pytest.raises(ValueError):
        resolve_date_bound(bound, TODAY)


def test_on_29_february_a_year_bound_falls_back_to_the_28th() -> None:
    q = question("date", max_date="-14y")
    leap_day = dt.date(2024, 2, 29)  # "-14y" is 28/02/2010: 2010 has no 29 February
    assert accepted(q, "28/02/2010", today=leap_day) == "2010-02-28"
    assert rejected(q, "01/03/2010", today=leap_day) == "Cette date est trop récente."
    # Born on 29/02/2008: not yet 14 on 28/02/2022, 14 on 01/03/2022.
    rejected(q, "29/02/2008", today=dt.date(2022, 2, 28))
    assert accepted(q, "29/02/2008", today=dt.date(2022, 3, 1)) == "2008-02-29"


# --- email ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("prenom.nom@exemple.fr", "prenom.nom@exemple.fr"),
        ("  Prenom.Nom@Exemple.FR ", "prenom.nom@exemple.fr"),
        ("a+tag@mail.example.org", "a+tag@mail.example.org"),
        ("o'brien@exemple-fr.eu", "o'brien@exemple-fr.eu"),
    ],
)
def test_a_complete_email_is_kept_in_lower_case(raw: str, kept: str) -> None:
    assert accepted(question("email"), raw) == kept


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        "prenom.nom",
        "prenom.nom@",
        "@exemple.fr",
        "prenom.nom@exemple",
        "prenom..nom@exemple.fr",
        "prenom.nom@exemple..fr",
        "prenom nom@exemple.fr",
        "prenom@nom@exemple.fr",
        "prenom.nom@exemple.fr.",
    ],
)
def test_an_incomplete_email_is_rejected_with_an_example(raw: Any) -> None:
    assert "prenom.nom@exemple.fr" in rejected(question("email"), raw)


# --- phone ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "0612345678",
        "06 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "+33612345678",
        "+33 6 12 34 56 78",
        " +33 6.12.34.56.78 ",
    ],
)
def test_a_french_mobile_number_is_kept_in_pairs(raw: str) -> None:
    assert accepted(question("phone"), raw) == "06 12 34 56 78"


def test_07_numbers_are_mobiles_too() -> None:
    assert accepted(question("phone"), "+33 7 00 11 22 33") == "07 00 11 22 33"


@pytest.mark.parametrize(
    "raw",
    [
        "0123456789",  # landline
        "0912345678",
        "+33123456789",
        "061234567",  # 9 digits
        "06123456789",  # 11 digits
        "+32612345678",  # Belgium
        "6 12 34 56 78",
        "06 12 34 56 7a",
        "",
        None,
    ],
)
def test_anything_but_a_french_mobile_is_rejected(raw: Any) -> None:
    assert "06 ou 07" in rejected(question("phone"), raw)


# --- yes/no and choice ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"), [(True, True), ("oui", True), (False, False), ("non", False)]
)
def test_yes_no(raw: Any, value: bool) -> None:
    assert accepted(question("yesno"), raw) is value


@pytest.mark.parametrize("raw", [None, "", "peut-être", "yes", "o"])
def test_yes_no_rejects_anything_else(raw: Any) -> None:
    assert rejected(question("yesno"), raw) == "Répondez oui ou non."


def test_choice_accepts_only_an_option_value() -> None:
    q = question(
        "choice", options=(Option("perte", "Je l'ai perdu"), Option("vol", "On me l'a volé"))
    )
    assert accepted(q, "perte") == "perte"
    assert accepted(q, "vol") == "vol"
    for raw in ("Je l'ai perdu", "PERTE", "", None, "autre"):
        assert rejected(q, raw) == "Choisissez une des réponses proposées."


# --- reading back --------------------------------------------------------------------------


def test_display_reads_an_answer_back_to_the_usager() -> None:
    choice = question("choice", options=(Option("perte", "Je l'ai perdu"),))
    assert choice.display("perte") == "Je l'ai perdu"
    assert question("yesno").display(True) == "Oui"
    assert question("yesno").display(False) == "Non"
    assert question("date").display("1990-07-14") == "14/07/1990"
    assert question("text").display("Zorglub") == "Zorglub"


@pytest.mark.parametrize("raw", [1, 0, "1", "yes", None])
def test_yes_no_takes_only_yes_or_no(raw: Any) -> None:
    assert rejected(question("yesno"), raw) == "Répondez oui ou non."


@pytest.mark.parametrize("raw", ["٠٦١٢٣٤٥٦٧٨", "０６１２３４５６７８"])
def test_a_phone_in_other_digit_systems_is_rejected(raw: str) -> None:
    rejected(question("phone"), raw)


def test_a_date_in_other_digit_systems_is_rejected() -> None:
    rejected(question("date"), "١٤/٠٧/١٩٩٠")


def test_an_optional_field_of_a_group_may_stay_empty() -> None:
    nom = question("text")
    lieu = Question(
        id="lieu",
        kind="question",
        label="Lieu",
        easy="",
        help="",
        when=None,
        required=False,
        type="text",
    )
    group = question("group", fields=(nom, lieu), min_items=1)
    assert accepted(group, [{"q": "Dupont", "lieu": "  "}]) == [{"q": "Dupont", "lieu": None}]
    assert "Question" in rejected(group, [{"q": "", "lieu": "Lyon"}])  # the required one stays
