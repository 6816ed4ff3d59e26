"""French administrative identifiers: what each looks like, checked and written one way.

Pure functions, no toolkit: ``normalise_*`` returns the identifier as the administration
writes it, or ``None`` when what was typed cannot be one. The usager may type spaces, dashes,
dots and lower case; they are forgiven, the shape is not.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s.\-_/]+")


def _compact(text: str) -> str:
    return _SEPARATORS.sub("", text).upper()


def normalise_postal_code(text: str) -> str | None:
    """Five digits of a real département: 01–95 (20 for Corse), 97x overseas, 98x Monaco
    and the Pacific. 00xxx and 96xxx do not exist."""
    code = _compact(text)
    if not re.fullmatch(r"[0-9]{5}", code):
        return None
    prefix = int(code[:2])
    if prefix == 0 or prefix == 96 or (prefix == 20 and code[2] not in "0126"):
        return None
    return code


def normalise_neph(text: str) -> str | None:
    """The NEPH (numéro d'enregistrement préfectoral harmonisé): 12 digits."""
    neph = _compact(text)
    return neph if re.fullmatch(r"[0-9]{12}", neph) else None


# SIV plates (since 2009): AA-123-AA. I, O and U are never used (mistaken for 1, 0 and V),
# "SS" and "WW" never start or end a plate (WW is for temporary plates: WW-123-AA is valid
# at the start only), and 000 is not a number.
_SIV_LETTER = "ABCDEFGHJKLMNPQRSTVWXYZ"
_SIV = re.compile(rf"([{_SIV_LETTER}]{{2}})([0-9]{{3}})([{_SIV_LETTER}]{{2}})")
# FNI plates (before 2009): 1 to 4 digits, 1 to 3 letters, the département (2A/2B, 971-976).
_FNI = re.compile(r"([0-9]{1,4})([A-Z]{1,3})(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])")


def normalise_plate(text: str) -> str | None:
    compact = _compact(text)
    siv = _SIV.fullmatch(compact)
    if siv is not None:
        first, number, last = siv.groups()
        if number == "000" or first == "SS" or last in ("SS", "WW"):
            return None
        return f"{first}-{number}-{last}"
    fni = _FNI.fullmatch(compact)
    if fni is not None and int(fni.group(1)) > 0:
        return " ".join(fni.groups())
    return None


def normalise_vin(text: str) -> str | None:
    """The vehicle identification number (case E of the carte grise): 17 characters, digits
    and letters except I, O and Q (ISO 3779)."""
    vin = _compact(text)
    return vin if re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", vin) else None


def normalise_timbre_fiscal(text: str) -> str | None:
    """The number of a timbre fiscal dématérialisé: 16 digits."""
    number = _compact(text)
    return number if re.fullmatch(r"[0-9]{16}", number) else None


def normalise_ephoto(text: str) -> str | None:
    """The ANTS e-photo code printed by an approved booth or photographer: 22 letters and
    digits. It can be used only once."""
    code = _compact(text)
    return code if re.fullmatch(r"[A-Z0-9]{22}", code) else None


# Local parts that name a role or a household, not a person: ANTS rejects a dossier whose
# e-mail address is shared (seed 004, FAQ 8/9).
_SHARED_LOCAL_PARTS = re.compile(
    r"(contact|info|infos|accueil|admin|administration|secretariat|secretaire|direction|"
    r"bureau|office|service|commercial|compta|comptabilite|gestion|mairie|ecole|"
    r"autoecole|auto-ecole|association|asso|famille|family|parents|noreply|no-reply)"
    r"([._-].*|[0-9]*)",
)
_SHARED_WORDS = re.compile(r"(^|[._-])(et|and|famille|family|parents)([._-]|$)")


def looks_shared(email: str) -> bool:
    """An address that belongs to a role, a company or a household rather than to one person."""
    local = email.split("@", 1)[0].lower()
    return bool(_SHARED_LOCAL_PARTS.fullmatch(local) or _SHARED_WORDS.search(local))
