"""Loading the démarche files of a directory into a catalog.

A malformed file never stops the kiosk: its démarche is disabled and the problem is kept
(file, field, reason) for the log, the médiateur and ``kiosk doctor``.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from kiosk.assets import asset_path
from kiosk.config import Config
from kiosk.demarche import Demarche, DemarcheFormatError, parse_demarche, translated
from kiosk.i18n import _
from kiosk.jsonlog import log_event
from offline_cache.parsed_cache import ParsedFileCache

LOG = logging.getLogger("kiosk.catalog")
BUNDLED_DIR = asset_path("demarches")


@dataclass(frozen=True)
class DisabledDemarche:
    file: str
    field: str
    reason: str


@dataclass(frozen=True)
class Catalog:
    demarches: tuple[Demarche, ...]
    disabled: tuple[DisabledDemarche, ...]

    def get(self, demarche_id: str) -> Demarche:
        """The démarche in the active language (what an usager sees and what is sealed)."""
        for demarche in self.demarches:
            if demarche.id == demarche_id:
                return translated(demarche)
        raise KeyError(demarche_id)

    def source(self, demarche_id: str) -> Demarche:
        """The démarche as written in its file, in French."""
        for demarche in self.demarches:
            if demarche.id == demarche_id:
                return demarche
        raise KeyError(demarche_id)

    def families(self) -> list[Family]:
        """The families that have démarches, in the order of FAMILIES, then any other."""
        known = list(_family_texts())
        present = sorted(
            {d.family for d in self.demarches},
            key=lambda f: (known.index(f), "") if f in known else (len(known), f),
        )
        return [
            Family(
                family,
                *_family_texts().get(family, _family_texts()["autre"]),
                tuple(
                    sorted(
                        (_listed(d) for d in self.demarches if d.family == family),
                        key=lambda d: (d.rank, d.title),
                    )
                ),
            )
            for family in present
        ]


def _listed(demarche: Demarche) -> Demarche:
    """What a list of démarches shows (title, summary) in the active language. The whole
    démarche is translated by ``Catalog.get`` when one is opened: translating every step of
    every démarche for a list of titles cost ~5 ms before the first paint and at each tap."""
    return replace(demarche, title=_(demarche.title), summary=_(demarche.summary))


@dataclass(frozen=True)
class Family:
    id: str
    title: str
    summary: str
    demarches: tuple[Demarche, ...]


def _family_texts() -> dict[str, tuple[str, str]]:
    # Built at call time so the active translation applies.
    return {
        "permis": (_("Permis de conduire"), _("Perte, vol, renouvellement, examen, catégorie…")),
        "carte-grise": (
            _("Carte grise"),
            _("Duplicata, changement d'adresse, vente ou achat d'un véhicule"),
        ),
        "identite": (
            _("Carte d'identité et passeport"),
            _("Pré-demande en ligne, avant le rendez-vous en mairie"),
        ),
        "association": (_("Associations"), _("Créer, modifier ou dissoudre une association")),
        "autre": (_("Autres démarches"), ""),
    }


def _load_file(path: Path, cache: ParsedFileCache | None) -> Demarche:
    content = path.read_bytes()
    data = cache.get(content) if cache is not None else None
    if data is None:
        try:
            data = tomllib.loads(content.decode("utf-8"))
        except UnicodeDecodeError:
            raise DemarcheFormatError("(file)", "not UTF-8 text") from None
        except tomllib.TOMLDecodeError as exc:
            raise DemarcheFormatError("(file)", f"not valid TOML: {exc}") from None
        if cache is not None:
            cache.put(content, data)
    # Validated every time: the cache saves parsing, never checking.
    return parse_demarche(data)


def catalog_dir(config: Config) -> Path:
    """The configured démarche directory, or the démarches shipped with the kiosk."""
    return Path(config["kiosk.catalog_dir"] or BUNDLED_DIR)


def load_catalog(directory: Path, cache: ParsedFileCache | None = None) -> Catalog:
    """Every démarche file of ``directory``; ``cache`` (optional) spares parsing unchanged
    files again at the next start."""
    demarches: dict[str, Demarche] = {}
    disabled: list[DisabledDemarche] = []
    if not directory.is_dir():
        log_event(LOG, "catalog.missing", logging.ERROR, path=str(directory))
    files: dict[str, str] = {}  # démarche id -> the file that defines it
    for path in sorted(directory.glob("*.toml")):
        try:
            demarche = _load_file(path, cache)
            if demarche.id in demarches:
                raise DemarcheFormatError(
                    "id", f"{demarche.id!r} is already defined by {files[demarche.id]}"
                )
        except DemarcheFormatError as exc:
            disabled.append(DisabledDemarche(path.name, exc.field, exc.reason))
            log_event(
                LOG,
                "catalog.disabled",
                logging.WARNING,
                file=path.name,
                field=exc.field,
                reason=exc.reason,
            )
            continue
        except OSError as exc:
            disabled.append(DisabledDemarche(path.name, "(file)", f"cannot read: {exc.strerror}"))
            log_event(
                LOG,
                "catalog.disabled",
                logging.WARNING,
                file=path.name,
                field="(file)",
                reason="unreadable",
            )
            continue
        demarches[demarche.id] = demarche
        files[demarche.id] = path.name
    if cache is not None:
        cache.save()
    level = logging.INFO if demarches else logging.ERROR  # a kiosk with nothing to offer
    log_event(LOG, "catalog.loaded", level, count=len(demarches), path=str(directory))
    return Catalog(tuple(demarches.values()), tuple(disabled))
