"""Dossier numbers an usager can read over the phone.

Format ``KKK-NNN-NNC``: the kiosk's 3-character code, 5 characters from the kiosk's own
sequence (scrambled so that consecutive dossiers do not look consecutive), and a check
character. The alphabet has no 0/O, 1/I/L or U, so nothing is ambiguous when read aloud
or handwritten. Uniqueness across kiosks comes from the kiosk code (unique in the fleet,
validated in the config) and, within a kiosk, from the sequence kept in the store.

The check character is Luhn mod N over the 29-character alphabet: it catches every
single-character error and every swap of two adjacent characters.
"""

from __future__ import annotations

from kiosk.config import KIOSK_CODE_ALPHABET

ALPHABET = KIOSK_CODE_ALPHABET
BASE = len(ALPHABET)  # 29, a prime
BODY_LENGTH = 5
SPACE = BASE**BODY_LENGTH  # 20,511,149 dossiers per kiosk
# An affine bijection on [0, SPACE): MULTIPLIER is coprime with 29**5 (not a multiple of 29).
MULTIPLIER = 7_919_317
OFFSET = 3_141_592


def _check_character(payload: str) -> str:
    factor = 2
    total = 0
    for char in reversed(payload):
        addend = factor * ALPHABET.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // BASE + addend % BASE
    return ALPHABET[(BASE - total % BASE) % BASE]


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
    if len(compact) != 3 + BODY_LENGTH + 1 or any(ch not in ALPHABET for ch in compact):
        return False
    return _check_character(compact[:-1]) == compact[-1]
