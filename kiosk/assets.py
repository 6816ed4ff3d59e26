"""Where the kiosk's data files are: the ``assets`` directory (démarches, style sheet,
pictures, translations, fonts).

It sits beside the packages both in a source checkout and in an installed wheel (which
carries it as package data, see pyproject.toml), so one path serves both.
``drivers/camera/portrait_scene.py`` computes the same path itself: drivers never import
``kiosk``.
"""

from __future__ import annotations

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"


def asset_path(*parts: str) -> Path:
    """``asset_path("styles", "kiosk.qss")``: a file or directory under ``assets/``."""
    return ASSETS_DIR.joinpath(*parts)
