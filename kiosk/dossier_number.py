"""Dossier numbers an usager can read over the phone.

Format ``KKK-NNN-NNC``: the kiosk's 3-character code, 5 characters from the kiosk's own
sequence (scrambled so that consecutive dossiers do not look consecutive), and a check
character. The alphabet has no 0/O, 1/I/L or U, so nothing is ambiguous when read aloud
or handwritten. Uniqueness across kiosks comes from the kiosk code (unique in the fleet,
validated in the config) and, within a kiosk, from the sequence kept in the store.

The check character is Verhoeff's scheme over the 30-character alphabet: each character
stands for one of the 30 symmetries of a 15-gon (the dihedral group D15), the character at
position k is first permuted k times by an anti-symmetric permutation, and the product of the
nine must be the identity. It catches every single-character error and every swap of two
adjacent characters (Luhn mod N cannot: with an even alphabet it let "2Z" <-> "Z2" through).
"""

from __future__ import annotations

from kiosk.config import KIOSK_CODE_ALPHABET

ALPHABET = KIOSK_CODE_ALPHABET
BASE = len(ALPHABET)  # 30
BODY_LENGTH = 5
SPACE = BASE**BODY_LENGTH  # 24,300,000 dossiers per kiosk
# An affine bijection on [0, SPACE): MULTIPLIER is coprime with 30**5 (no factor 2, 3 or 5).
MULTIPLIER = 7_919_317
OFFSET = 3_141_592


_HALF = BASE // 2  # D15: symbol a * 15 + i is the symmetry s^a r^i (reflection^a rotation^i)
_LENGTH = 3 + BODY_LENGTH + 1  # kiosk code, body, check character


def _compose(x: int, y: int) -> int:
    """The product x * y in D15 (r^i s = s r^-i)."""
    a, i = divmod(x, _HALF)
    b, j = divmod(y, _HALF)
    return (a ^ b) * _HALF + ((j - i if b else i + j) % _HALF)


def _permute(x: int) -> int:
    """r^i -> r^2i, s r^i -> s r^(i+1): anti-symmetric (x * p(y) != y * p(x) when x != y),
    which is what makes every swap of two adjacent characters change the product."""
    a, i = divmod(x, _HALF)
    return a * _HALF + ((i + 1 if a else 2 * i) % _HALF)


_PRODUCT = [[_compose(x, y) for y in range(BASE)] for x in range(BASE)]
_PERMUTED = [list(range(BASE))]  # _PERMUTED[k][x]: the permutation applied k times to x
for _ in range(_LENGTH - 1):
    _PERMUTED.append([_permute(x) for x in _PERMUTED[-1]])


def _check_character(payload: str) -> str:
    product = 0  # the identity
    for position, char in enumerate(payload):
        product = _PRODUCT[product][_PERMUTED[position][ALPHABET.index(char)]]
    closing = _PRODUCT[product].index(0)  # the one y with product * y = identity
    return ALPHABET[_PERMUTED[len(payload)].index(closing)]


def _encode(value: int) -> str:
    chars = []
    for _ in range(BODY_LENGTH):
        value, digit = divmod(value, BASE)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def make_dossier_number(kiosk_code: str, sequence: int) -> str:
    """The dossier number of the kiosk's ``sequence``-th sealed dossier (1-based)."""
    if not 1 <= sequence < SPACE:
        raise ValueError(f"sequence {sequence} outside 1..{SPACE - 1}")
    body = _encode((sequence * MULTIPLIER + OFFSET) % SPACE)
    payload = kiosk_code + body
    full = payload + _check_character(payload)
    return f"{full[0:3]}-{full[3:6]}-{full[6:9]}"


def normalise(text: str) -> str:
    """What a person typed or read out: upper-case, separators and spaces removed."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def is_valid(text: str) -> bool:
    compact = normalise(text)
    if len(compact) != _LENGTH or any(ch not in ALPHABET for ch in compact):
        return False
    return _check_character(compact[:-1]) == compact[-1]
