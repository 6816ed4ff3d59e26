"""French administrative identifiers, phone numbers, dates and e-mail addresses: what is
accepted whatever the spelling, how it is written back, and what is refused."""

from __future__ import annotations

import datetime as dt
import string
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kiosk.fields import check
from kiosk.identifiers import (
    looks_shared,
    normalise_ephoto,
    normalise_neph,
    normalise_plate,
    normalise_postal_code,
    normalise_timbre_fiscal,
    normalise_vin,
)
from tests.support.questions import question

TODAY = dt.date(2026, 11, 22)
# No example database: the tests leave nothing behind in the working tree.
FAST = settings(max_examples=200, deadline=None, database=None)  # round trips
SOME = settings(max_examples=100, deadline=None, database=None)  # refusals

DIGITS = string.digits
SIV_LETTERS = "".join(c for c in string.ascii_uppercase if c not in "IOU")
VIN_CHARACTERS = string.digits + "".join(c for c in string.ascii_uppercase if c not in "IOQ")


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text(DIGITS, min_size=n, max_size=n)


@st.composite
def spelled(
    draw: st.DrawFn,
    text: str,
    separators: tuple[str, ...] = ("", "", " ", "-"),
    any_case: bool = False,
) -> str:
    """``text`` as an usager might type it: separators between characters (two kinds, at
    random places), any case, spaces around. Few draws: bit masks, not one draw per character."""
    n = len(text)
    first, second = draw(st.sampled_from(separators)), draw(st.sampled_from(separators))
    where = draw(st.integers(0, 2**n - 1))  # bit i: a separator after character i
    which = draw(st.integers(0, 2**n - 1))  # bit i: that separator is the second kind
    if any_case:
        lower = draw(st.integers(0, 2**n - 1))  # bit i: character i in lower case
        text = "".join(c.lower() if lower >> i & 1 else c.upper() for i, c in enumerate(text))
    out = "".join(
        c + ((second if which >> i & 1 else first) if where >> i & 1 and i < n - 1 else "")
        for i, c in enumerate(text)
    )
    edges = draw(st.sampled_from(("", " ")))
    return edges + out + edges


# --- postal codes --------------------------------------------------------------------------

MAINLAND = [f"{n:02d}" for n in range(1, 96) if n != 20]


@FAST
@given(st.data(), st.sampled_from([*MAINLAND, "97", "98"]), digits(3))
def test_a_postal_code_of_a_real_departement_is_accepted(
    data: st.DataObject, prefix: str, rest: str
) -> None:
    code = prefix + rest
    typed = data.draw(spelled(code, separators=("", "", " ", "-", ".")))
    assert normalise_postal_code(typed) == code


@SOME
@given(st.sampled_from("0126"), digits(2))
def test_a_corsican_postal_code_is_200_201_202_or_206(third: str, rest: str) -> None:
    code = "20" + third + rest
    assert normalise_postal_code(code) == code


@SOME
@given(st.sampled_from("345789"), digits(2))
def test_other_corsican_postal_codes_do_not_exist(third: str, rest: str) -> None:
    assert normalise_postal_code("20" + third + rest) is None


@SOME
@given(st.sampled_from(["00", "96"]), digits(3))
def test_postal_codes_00_and_96_do_not_exist(prefix: str, rest: str) -> None:
    assert normalise_postal_code(prefix + rest) is None


@SOME
@given(st.one_of(st.text(DIGITS, max_size=4), st.text(DIGITS, min_size=6, max_size=10)))
def test_a_postal_code_has_five_digits(code: str) -> None:
    assert normalise_postal_code(code) is None


@SOME
@given(digits(5), st.integers(0, 4), st.sampled_from("AbZé٣"))
def test_a_postal_code_has_only_digits(code: str, position: int, intruder: str) -> None:
    assert normalise_postal_code(code[:position] + intruder + code[position + 1 :]) is None


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("69003", "69003"),
        (" 69 003 ", "69003"),
        ("75.001", "75001"),
        ("01000", "01000"),
        ("95880", "95880"),
        ("20000", "20000"),
        ("20190", "20190"),
        ("20200", "20200"),
        ("20600", "20600"),
        ("97400", "97400"),
        ("98000", "98000"),
    ],
)
def test_postal_code_examples(typed: str, kept: str) -> None:
    assert normalise_postal_code(typed) == kept


@pytest.mark.parametrize(
    "typed", ["00100", "96000", "20300", "20900", "2A004", "6900", "690030", "", "abcde"]
)
def test_postal_codes_refused(typed: str) -> None:
    assert normalise_postal_code(typed) is None


# --- NEPH ----------------------------------------------------------------------------------


@FAST
@given(st.data(), digits(12))
def test_a_neph_is_twelve_digits_whatever_the_spacing(data: st.DataObject, neph: str) -> None:
    assert normalise_neph(data.draw(spelled(neph))) == neph


@SOME
@given(st.one_of(st.text(DIGITS, max_size=11), st.text(DIGITS, min_size=13, max_size=20)))
def test_a_neph_of_another_length_is_refused(neph: str) -> None:
    assert normalise_neph(neph) is None


@SOME
@given(digits(12), st.integers(0, 11), st.sampled_from("AxO+*"))
def test_a_neph_with_a_letter_is_refused(neph: str, position: int, intruder: str) -> None:
    assert normalise_neph(neph[:position] + intruder + neph[position + 1 :]) is None


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("123456789012", "123456789012"),
        ("1234 5678 9012", "123456789012"),
        ("12-34-56-78-90-12", "123456789012"),
    ],
)
def test_neph_examples(typed: str, kept: str) -> None:
    assert normalise_neph(typed) == kept


# --- plates --------------------------------------------------------------------------------

PAIRS = st.text(SIV_LETTERS, min_size=2, max_size=2)
PLATE_SEPARATORS = ("", "", " ", "-", ".", "/", "_", "  ")


@FAST
@given(st.data(), PAIRS, st.integers(1, 999), PAIRS)
def test_a_siv_plate_is_written_ab_123_cd(
    data: st.DataObject, first: str, number: int, last: str
) -> None:
    assume(first != "SS" and last not in ("SS", "WW"))
    plate = f"{first}{number:03d}{last}"
    typed = data.draw(spelled(plate, separators=PLATE_SEPARATORS, any_case=True))
    assert normalise_plate(typed) == f"{first}-{number:03d}-{last}"


@SOME
@given(PAIRS, PAIRS)
def test_a_siv_plate_numbered_000_is_refused(first: str, last: str) -> None:
    assert normalise_plate(f"{first}-000-{last}") is None


@SOME
@given(PAIRS, st.integers(1, 999), PAIRS, st.integers(0, 3), st.sampled_from("IOUiou"))
def test_a_siv_plate_never_has_i_o_or_u(
    first: str, number: int, last: str, position: int, letter: str
) -> None:
    letters = list(first + last)
    letters[position] = letter
    plate = f"{letters[0]}{letters[1]}-{number:03d}-{letters[2]}{letters[3]}"
    assert normalise_plate(plate) is None


@SOME
@given(PAIRS, st.integers(1, 999))
def test_ss_never_starts_a_plate_and_ss_or_ww_never_end_it(pair: str, number: int) -> None:
    assert normalise_plate(f"SS-{number:03d}-{pair}") is None
    assert normalise_plate(f"{pair}-{number:03d}-SS") is None
    assert normalise_plate(f"{pair}-{number:03d}-WW") is None


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("AB-123-CD", "AB-123-CD"),
        ("ab 123 cd", "AB-123-CD"),
        ("ab123cd", "AB-123-CD"),
        (" Ab.123/cD ", "AB-123-CD"),
        ("WW-123-AB", "WW-123-AB"),  # a temporary plate
        ("AB-001-SA", "AB-001-SA"),
        ("ZZ-999-ZZ", "ZZ-999-ZZ"),
    ],
)
def test_siv_plate_examples(typed: str, kept: str) -> None:
    assert normalise_plate(typed) == kept


@pytest.mark.parametrize(
    "typed",
    [
        "AB-000-CD",
        "SS-123-AB",
        "AB-123-SS",
        "AB-123-WW",
        "AI-123-CD",
        "AB-123-CO",
        "UB-123-CD",
        "AB-12-CD",
        "AB-1234-CD",
        "A-123-CD",
        "ABC-123-CD",
        "AB-123-C",
        "",
    ],
)
def test_siv_plates_refused(typed: str) -> None:
    assert normalise_plate(typed) is None


FNI_DEPARTEMENTS = (
    [f"{n:02d}" for n in range(1, 96)] + ["2A", "2B"] + [str(n) for n in range(971, 977)]
)


@FAST
@given(
    st.data(),
    st.integers(1, 9999),
    st.text(string.ascii_uppercase, min_size=1, max_size=3),
    st.sampled_from(FNI_DEPARTEMENTS),
)
def test_an_fni_plate_is_written_with_single_spaces(
    data: st.DataObject, number: int, letters: str, departement: str
) -> None:
    plate = f"{number}{letters}{departement}"
    typed = data.draw(spelled(plate, separators=("", "", " ", "  ", "-"), any_case=True))
    assert normalise_plate(typed) == f"{number} {letters} {departement}"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("1234 AB 69", "1234 AB 69"),
        ("1234AB69", "1234 AB 69"),
        ("1234-ab-69", "1234 AB 69"),
        ("  1234   AB   69 ", "1234 AB 69"),
        ("123 ABC 2A", "123 ABC 2A"),
        ("45 x 2b", "45 X 2B"),
        ("9 ZZ 971", "9 ZZ 971"),
        ("1234 AB 976", "1234 AB 976"),
        ("1 A 01", "1 A 01"),
        ("9999 ZZZ 95", "9999 ZZZ 95"),
    ],
)
def test_fni_plate_examples(typed: str, kept: str) -> None:
    assert normalise_plate(typed) == kept


@pytest.mark.parametrize(
    "typed",
    [
        "0 AB 69",
        "1234 AB 96",
        "1234 AB 00",
        "1234 AB 977",
        "1234 AB 2C",
        "12345 AB 69",
        "1234 ABCD 69",
        "1234 69",
    ],
)
def test_fni_plates_refused(typed: str) -> None:
    assert normalise_plate(typed) is None


# --- VIN -----------------------------------------------------------------------------------

VINS = st.text(VIN_CHARACTERS, min_size=17, max_size=17)


@FAST
@given(st.data(), VINS)
def test_a_vin_is_17_characters_without_i_o_q(data: st.DataObject, vin: str) -> None:
    typed = data.draw(spelled(vin, separators=("", "", "", " "), any_case=True))
    assert normalise_vin(typed) == vin


@SOME
@given(st.one_of(st.text(VIN_CHARACTERS, max_size=16), st.text(VIN_CHARACTERS, min_size=18)))
def test_a_vin_of_another_length_is_refused(vin: str) -> None:
    assert normalise_vin(vin) is None


@SOME
@given(VINS, st.integers(0, 16), st.sampled_from("IOQioq"))
def test_a_vin_with_i_o_or_q_is_refused(vin: str, position: int, letter: str) -> None:
    assert normalise_vin(vin[:position] + letter + vin[position + 1 :]) is None


def test_vin_examples() -> None:
    assert normalise_vin("vf1 ab000 123456789") == "VF1AB000123456789"
    assert normalise_vin("VF1AB00012345678") is None
    assert normalise_vin("VF1AB0001234567890") is None
    assert normalise_vin("VF1AB000I23456789") is None


# --- timbre fiscal and e-photo -------------------------------------------------------------


@FAST
@given(st.data(), digits(16))
def test_a_timbre_fiscal_is_16_digits(data: st.DataObject, number: str) -> None:
    assert normalise_timbre_fiscal(data.draw(spelled(number))) == number


@SOME
@given(st.one_of(st.text(DIGITS, max_size=15), st.text(DIGITS, min_size=17, max_size=30)))
def test_a_timbre_fiscal_of_another_length_is_refused(number: str) -> None:
    assert normalise_timbre_fiscal(number) is None


def test_a_timbre_fiscal_with_a_letter_is_refused() -> None:
    assert normalise_timbre_fiscal("123456789012345A") is None
    assert normalise_timbre_fiscal("1234 5678 9012 3456") == "1234567890123456"


ALPHANUMERIC = string.ascii_letters + string.digits


@FAST
@given(st.data(), st.text(ALPHANUMERIC, min_size=22, max_size=22))
def test_an_ephoto_code_is_22_letters_and_digits_in_upper_case(
    data: st.DataObject, code: str
) -> None:
    typed = data.draw(spelled(code, separators=("", "", "", " ", "-")))
    assert normalise_ephoto(typed) == code.upper()


@SOME
@given(
    st.one_of(st.text(ALPHANUMERIC, max_size=21), st.text(ALPHANUMERIC, min_size=23, max_size=40))
)
def test_an_ephoto_code_of_another_length_is_refused(code: str) -> None:
    assert normalise_ephoto(code) is None


@pytest.mark.parametrize("intruder", ["*", "é", "+", "@"])
def test_an_ephoto_code_with_another_character_is_refused(intruder: str) -> None:
    assert normalise_ephoto("AB12CD34EF56GH78IJ90K" + intruder) is None


def test_the_ephoto_field_accepts_with_a_single_use_notice() -> None:
    result = check(question("ephoto"), "ab12cd34ef56gh78ij90kl", TODAY)
    assert result.value == "AB12CD34EF56GH78IJ90KL"
    assert (
        result.notice == "Ce code photo ne sert qu'une seule fois : gardez-le pour cette démarche."
    )


# --- French mobile phone -------------------------------------------------------------------

PHONE_ERROR = "Indiquez un numéro de portable français à 10 chiffres, commençant par 06 ou 07."


@st.composite
def phone_spelling(draw: st.DrawFn, national: str) -> str:
    """``national`` ("0612345678") as typed: grouped by pairs or not, with spaces, dots or
    dashes, or in the +33 form."""
    separator = draw(st.sampled_from(["", " ", ".", "-", "  "]))
    if draw(st.booleans()):
        body = national[1:]
        rest = separator.join(body[i : i + 2] for i in range(1, 9, 2))
        return f"+33{draw(st.sampled_from(['', ' ']))}{body[0]}{separator}{rest}"
    return separator.join(national[i : i + 2] for i in range(0, 10, 2))


@FAST
@given(st.data(), st.sampled_from("67"), digits(8))
def test_a_french_mobile_number_is_written_by_pairs(
    data: st.DataObject, kind: str, rest: str
) -> None:
    national = "0" + kind + rest
    typed = data.draw(phone_spelling(national))
    result = check(question("phone"), typed, TODAY)
    assert result.value == " ".join(national[i : i + 2] for i in range(0, 10, 2))
    assert result.error is None


@SOME
@given(st.sampled_from("1234589"), digits(8))
def test_a_number_that_is_not_a_mobile_is_refused(kind: str, rest: str) -> None:
    result = check(question("phone"), "0" + kind + rest, TODAY)
    assert result.value is None
    assert result.error == PHONE_ERROR


@pytest.mark.parametrize(
    "typed",
    [
        "06 12 34 56 7",
        "06 12 34 56 789",
        "+33 06 12 34 56 78",
        "+44 6 12 34 56 78",
        "06 12 34 56 7a",
        "",
        None,
    ],
)
def test_phone_numbers_refused(typed: Any) -> None:
    assert check(question("phone"), typed, TODAY).error == PHONE_ERROR


@pytest.mark.parametrize(
    "typed",
    [
        "0612345678",
        "06 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "+33612345678",
        "+33 6 12 34 56 78",
        " 06 12 34 56 78 ",
    ],
)
def test_phone_examples(typed: str) -> None:
    assert check(question("phone"), typed, TODAY).value == "06 12 34 56 78"


# --- dates ---------------------------------------------------------------------------------

DATE_ERROR = "Cette date n'existe pas. Vérifiez le jour et le mois."


@FAST
@given(
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
    st.sampled_from(["/", ".", "-", " ", " / "]),
    st.booleans(),
)
def test_a_valid_date_is_kept_in_iso_form(when: dt.date, separator: str, padded: bool) -> None:
    day, month = (f"{when.day:02d}", f"{when.month:02d}") if padded else (when.day, when.month)
    typed = f"{day}{separator}{month}{separator}{when.year}"
    result = check(question("date"), typed, TODAY)
    assert result.value == when.isoformat()
    assert result.error is None


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@SOME
@given(
    st.integers(1900, 2100),
    st.sampled_from(
        [(2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31), (1, 32), (1, 0), (0, 1), (13, 1)]
    ),
)
def test_an_impossible_date_is_refused(year: int, month_day: tuple[int, int]) -> None:
    month, day = month_day
    result = check(question("date"), f"{day:02d}/{month:02d}/{year}", TODAY)
    assert result.value is None
    assert result.error == DATE_ERROR


@SOME
@given(st.integers(1900, 2100))
def test_29_february_exists_only_in_leap_years(year: int) -> None:
    result = check(question("date"), f"29/02/{year}", TODAY)
    if _leap(year):
        assert result.value == f"{year}-02-29"
    else:
        assert result.error == DATE_ERROR


def test_a_date_in_another_shape_is_refused_with_an_example() -> None:
    for typed in ["2020-01-01", "1/1/20", "01/01", "le 1er janvier", ""]:
        assert check(question("date"), typed, TODAY).error == (
            "Indiquez le jour, le mois et l'année, par exemple 14/07/1990."
        )


# --- e-mail --------------------------------------------------------------------------------

ATOM = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8)
SHARED_MESSAGE = (
    "Cette adresse semble partagée (famille, entreprise, service). Il faut une adresse à vous "
    "seul(e) : le médiateur peut vous aider à en créer une."
)


@st.composite
def emails(draw: st.DrawFn) -> str:
    local = ".".join(draw(st.lists(ATOM, min_size=1, max_size=3)))
    labels = draw(st.lists(ATOM, min_size=1, max_size=2))
    tld = draw(st.text(string.ascii_lowercase, min_size=2, max_size=4))
    address = f"{local}@{'.'.join(labels)}.{tld}"
    upper = draw(st.integers(0, 2 ** len(address) - 1))  # bit i: character i in upper case
    return "".join(c.upper() if upper >> i & 1 else c for i, c in enumerate(address))


@FAST
@given(emails())
def test_a_simple_email_is_kept_in_lower_case(address: str) -> None:
    result = check(question("email"), f" {address} ", TODAY)
    assert result.value == address.lower()


@SOME
@given(emails())
def test_an_individual_email_is_refused_exactly_when_it_looks_shared(address: str) -> None:
    result = check(question("email", individual=True), address, TODAY)
    if looks_shared(address):
        assert result.value is None
        assert result.error == SHARED_MESSAGE
    else:
        assert result.value == address.lower()


@pytest.mark.parametrize(
    "address",
    [
        ".jean@exemple.fr",
        "jean.@exemple.fr",
        "jean..dupont@exemple.fr",
        "jean@-exemple.fr",
        "jean@exemple-.fr",
        "jean@exemple",
        "jean@.exemple.fr",
        "jean dupont@exemple.fr",
        "@exemple.fr",
    ],
)
def test_an_incomplete_email_is_refused(address: str) -> None:
    result = check(question("email"), address, TODAY)
    assert result.value is None
    assert result.error == (
        "Cette adresse e-mail n'est pas complète, par exemple prenom.nom@exemple.fr."
    )


SHARED = [
    "contact@garage-dupont.fr",
    "info@exemple.fr",
    "infos@exemple.fr",
    "Contact2@exemple.fr",
    "accueil.mairie@exemple.fr",
    "secretariat-ecole@exemple.fr",
    "noreply@exemple.fr",
    "famille.dupont@exemple.fr",
    "dupont.famille@exemple.fr",
    "famille@exemple.fr",
    "jean.et.marie@exemple.fr",
    "jean-et-marie@exemple.fr",
    "Jean_And_Marie@exemple.fr",
    "parents.martin@exemple.fr",
]
PERSONAL = [
    "prenom.nom@exemple.fr",
    "p.nom2@exemple.fr",
    "jean.dupont@exemple.fr",
    "etienne.martin@exemple.fr",
    "marie.bureau@exemple.fr",
    "annette.leroy@exemple.fr",
    "jeannette@exemple.fr",
    "informaticien.paul@exemple.fr",
]


@pytest.mark.parametrize("address", SHARED)
def test_role_and_household_addresses_look_shared(address: str) -> None:
    assert looks_shared(address) is True
    result = check(question("email", individual=True), address, TODAY)
    assert result.value is None
    assert result.error == SHARED_MESSAGE
    assert check(question("email"), address, TODAY).value == address.lower()


@pytest.mark.parametrize("address", PERSONAL)
def test_personal_addresses_do_not_look_shared(address: str) -> None:
    assert looks_shared(address) is False
    assert check(question("email", individual=True), address, TODAY).value == address
