"""A démarche with an identity photo step, for the tests, screenshots and benchmarks of the
photo screen (no bundled démarche takes a kiosk photo: the ANTS ones need an e-photo code)."""

from __future__ import annotations

from pathlib import Path

from tests.support.journey import Driver

PHOTO_DEMARCHE = """
format = 1
id = "essai-photo"
version = "1"
family = "autre"
title = "Essai de photo d'identité"

[[steps]]
id = "nom"
type = "text"
label = "Votre nom"

[[steps]]
id = "photo"
kind = "photo"
label = "Votre photo d'identité"
"""


def photo_catalog(directory: Path) -> Path:
    """A catalog directory holding only the photo démarche."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "essai-photo.toml").write_text(PHOTO_DEMARCHE, encoding="utf-8")
    return directory


def walk_to_photo(driver: Driver) -> None:
    driver.click("family:autre")  # its only démarche: the kiosk goes straight to it
    driver.click("start")
    driver.type_text("input", "Martin")
    driver.click("continue")
