"""Dossier numbers: readable, unique per kiosk, and guarded by a check character."""

from __future__ import annotations

import re

import pytest

from kiosk.dossier_number import (
    ALPHABET,
    SPACE,
    _compose,
    _permute,
    is_valid,
    make_dossier_number,
    normalise,
)

FORMAT = re.compile(f"[{ALPHABET}]{{3}}-[{ALPHABET}]{{3}}-[{ALPHABET}]{{3}}")
SAMPLE = [make_dossier_number(code, seq) for code in ("DEM", "Z2Z") for seq in range(1, 400)]


def test_the_alphabet_has_no_ambiguous_character() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 30
    assert not set("0O1ILU") & set(ALPHABET)
    assert set(ALPHABET) <= set("23456789ABCDEFGHJKMNPQRSTVWXYZ")


def test_the_format_is_kiosk_code_then_two_groups_of_three() -> None:
    number = make_dossier_number("DEM", 1)
    assert FORMAT.fullmatch(number), number
    assert number.startswith("DEM-")
    for number in SAMPLE:
        assert FORMAT.fullmatch(number), number


def test_the_first_100000_numbers_of_a_kiosk_are_distinct_and_not_consecutive() -> None:
    numbers = [make_dossier_number("DEM", seq) for seq in range(1, 100_001)]
    assert len(set(numbers)) == len(numbers)
    bodies = {n[4:10] for n in numbers}  # without the check character, still distinct
    assert len(bodies) == len(numbers)
    first, second = numbers[0], numbers[1]
    assert sum(a != b for a, b in zip(first, second, strict=True)) >= 2


def test_different_kiosks_never_share_a_number() -> None:
    dem = {make_dossier_number("DEM", seq) for seq in range(1, 5001)}
    b7k = {make_dossier_number("B7K", seq) for seq in range(1, 5001)}
    dek = {make_dossier_number("DEK", seq) for seq in range(1, 5001)}
    assert not dem & b7k
    assert not dem & dek
    assert not b7k & dek


def test_the_sequence_is_deterministic() -> None:
    assert make_dossier_number("DEM", 42) == make_dossier_number("DEM", 42)
    assert make_dossier_number("DEM", 42) != make_dossier_number("DEM", 43)


@pytest.mark.parametrize("sequence", [0, -1, SPACE, SPACE + 1])
def test_an_out_of_range_sequence_raises(sequence: int) -> None:
    with pytest.raises(ValueError):
        make_dossier_number("DEM", sequence)


def test_the_last_sequence_is_still_a_number() -> None:
    assert is_valid(make_dossier_number("DEM", SPACE - 1))


def test_every_generated_number_is_valid() -> None:
    for number in SAMPLE:
        assert is_valid(number), number


def test_is_valid_accepts_what_a_person_would_type() -> None:
    number = make_dossier_number("DEM", 7)
    compact = normalise(number)
    assert len(compact) == 9 and "-" not in compact
    assert is_valid(compact)
    assert is_valid(number.lower())
    assert is_valid(" " + number.replace("-", " ") + " ")
    assert normalise("dem-abc 23z") == "DEMABC23Z"


@pytest.mark.parametrize(
    "text", ["", "DEM", "DEM-ABC-DE", "DEM-ABC-DEFG", "DEM-AB0-DEF", "ÉEM-ABC-DEF"]
)
def test_is_valid_rejects_malformed_text(text: str) -> None:
    assert not is_valid(text)


def test_every_single_character_substitution_is_caught() -> None:
    for number in SAMPLE:
        compact = normalise(number)
        for position in range(len(compact)):
            for char in ALPHABET:
                if char != compact[position]:
                    wrong = compact[:position] + char + compact[position + 1 :]
                    assert not is_valid(wrong), (number, wrong)


def test_every_adjacent_transposition_is_caught() -> None:
    swaps = 0
    for number in SAMPLE:
        compact = normalise(number)
        for position in range(len(compact) - 1):
            a, b = compact[position], compact[position + 1]
            if a != b:
                swapped = compact[:position] + b + a + compact[position + 2 :]
                assert not is_valid(swapped), (number, swapped)
                swaps += 1
    assert swaps > 5_000


def test_the_check_scheme_holds_for_every_pair_of_characters() -> None:
    # Why the promise holds for every number, not only the sample: the characters form a group
    # and the per-position permutation is anti-symmetric (x * p(y) != y * p(x) for x != y).
    symbols = range(len(ALPHABET))
    identity = 0
    assert all(_compose(identity, x) == x == _compose(x, identity) for x in symbols)
    assert all(
        _compose(_compose(x, y), z) == _compose(x, _compose(y, z))
        for x in symbols
        for y in symbols
        for z in symbols
    )
    assert all(any(_compose(x, y) == identity for y in symbols) for x in symbols)
    assert sorted(_permute(x) for x in symbols) == list(symbols)
    for x in symbols:
        for y in symbols:
            if x != y:
                assert _compose(x, _permute(y)) != _compose(y, _permute(x)), (x, y)


def test_transpositions_of_the_first_and_last_characters_are_caught() -> None:
    # Luhn mod N misses exactly these pairs ("2" and "Z": values 0 and 29); build them on purpose.
    for body in ("2Z2Z2", "Z2Z2Z", "22ZZ2"):
        for code in ("2ZA", "Z2A", "AZ2"):
            payload = code + body
            check = next(c for c in ALPHABET if is_valid(payload + c))
            compact = payload + check
            for position in range(8):
                a, b = compact[position], compact[position + 1]
                if a != b:
                    swapped = compact[:position] + b + a + compact[position + 2 :]
                    assert not is_valid(swapped), (compact, swapped)


def test_exactly_one_check_character_fits_a_payload() -> None:
    for payload in ("DEM2Z2Z2", "DEMABCDE", "ZZZZZZZZ", "22222222"):
        assert sum(is_valid(payload + c) for c in ALPHABET) == 1
