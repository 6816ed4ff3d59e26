"""Translation hook for every user-visible string.

French is the source language. All text shown to an usager goes through ``_()`` so that
translations (and the check that no visible string bypasses them) plug in here without
touching the screens.
"""

from __future__ import annotations

from collections.abc import Mapping

_catalog: Mapping[str, str] = {}


def install(catalog: Mapping[str, str]) -> None:
    """Replace the active translation table (French source text -> translated text)."""
    global _catalog
    _catalog = dict(catalog)


def _(text: str) -> str:
    return _catalog.get(text, text)
