"""The ``kiosk`` command's arguments, configuration and IT sub-commands, without a toolkit.

The console script is ``ui.launcher:main``, which passes ``main_with`` the function that
starts the screen: the core never imports the UI layer.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk import __version__
from kiosk.config import DEFAULT_CONFIG_PATH, Config, ConfigError, load_config, reference
from kiosk.jsonlog import configure, log_event

LOG = logging.getLogger("kiosk")


@dataclass(frozen=True)
class LaunchOptions:
    control_socket: str | None
    exit_after_paint: bool
    exit_when_ready: bool


StartUi = Callable[[Config, LaunchOptions], int]
_SUBCOMMANDS = (
    "sync",
    "receiver",
    "mediateur",
    "journal",
    "stats",
    "doctor",
    "enroll",
    "exit-pin",
    "session",
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Borne des points numériques.")
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument(
        "--config",
        type=Path,
        help=f"fichier de configuration TOML (défaut : {DEFAULT_CONFIG_PATH}, ignoré en démo)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="appareils simulés et données dans un dossier temporaire",
    )
    parser.add_argument("--log-file", type=Path, help="copie du journal JSON dans ce fichier")
    parser.add_argument(
        "--control-socket",
        help="(tests, démo seulement) canal de pilotage local pour les tests de bout en bout",
    )
    parser.add_argument(
        "--exit-after-paint",
        action="store_true",
        help="(mesures) quitter dès que l'accueil est affiché",
    )
    parser.add_argument(
        "--exit-when-ready",
        action="store_true",
        help="(mesures) quitter dès que la borne est prête (stockage et appareils ouverts)",
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=("run", "check-config", "config-reference", "catalog", *_SUBCOMMANDS),
        help="run (défaut) ; check-config : valider la configuration ; config-reference : "
        "lister toutes les clés ; catalog check [DOSSIER] : valider des fichiers de démarches ; "
        "sync --once | --status | --state NUMÉRO : la file d'envoi ; receiver --port P "
        "--data DOSSIER : le récepteur de référence (tests, démo) ; mediateur enroll | list | "
        "disable : les badges ; journal verify | show : le journal ; stats [--csv] : les "
        "statistiques ; doctor : vérifier toute la borne, une ligne par point ; enroll : "
        "enregistrer le jeton du service de dépôt et la clé des badges ; exit-pin : "
        "l'empreinte du code de sortie du service informatique ; session COMMANDE... : "
        "(unité systemd) lancer cage et la borne, statut 64 après la sortie du service "
        "informatique",
    )
    parser.add_argument("arguments", nargs="*", help=argparse.SUPPRESS)
    return parser


def _load(args: argparse.Namespace) -> Config:
    if args.demo:
        import tempfile  # only the demo needs it; start-up time matters

        data_dir = Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
        return load_config(args.config, demo=True, demo_data_dir=data_dir)
    return load_config(args.config or DEFAULT_CONFIG_PATH)


def main_with(start_ui: StartUi, argv: list[str] | None = None) -> int:
    try:
        return _main(start_ui, argv)
    except BrokenPipeError:  # `kiosk config-reference | head`: the reader left, not an error
        return 0


def _main(start_ui: StartUi, argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Sub-commands with options of their own ("sync --state NUMÉRO") get everything after
    # their name; the kiosk's own options (--config) come before it.
    split = next((i for i, word in enumerate(argv) if word in _SUBCOMMANDS), len(argv))
    own, extra = argv[: split + 1], argv[split + 1 :]
    args = _parser().parse_args(own)
    if args.command == "receiver":
        from kiosk.receiver.__main__ import main as receiver_main

        return receiver_main(extra)
    if args.command == "enroll":
        from kiosk.enroll import enroll_command

        return enroll_command(extra)
    if args.command == "session":
        from kiosk.cage_session import session_command

        return session_command(extra)
    if args.command == "exit-pin":
        from kiosk.staff_cli import exit_pin_command

        return exit_pin_command(extra)
    if args.command == "config-reference":
        print(reference())
        return 0
    if args.command == "catalog":
        return _catalog_command(args.arguments)
    try:
        config = _load(args)
    except ConfigError as exc:
        print(
            f"Configuration invalide : {exc.source} : clé « {exc.key} » : {exc.reason}",
            file=sys.stderr,
        )
        return 2
    if args.command == "check-config":
        return check_config(config)
    if args.command == "doctor":
        from kiosk.doctor import doctor

        logging.disable(logging.CRITICAL)  # the findings are printed, plainly
        return doctor(config)
    if args.command == "sync":
        from kiosk.sync.cli import sync_command

        configure(config["kiosk.log_level"], args.log_file)
        return sync_command(config, extra)
    if args.command in ("mediateur", "journal", "stats"):
        from kiosk import staff_cli

        commands = {
            "mediateur": staff_cli.mediateur_command,
            "journal": staff_cli.journal_command,
            "stats": staff_cli.stats_command,
        }
        return commands[args.command](config, extra)
    if args.control_socket and not config.demo:
        print("--control-socket n'est accepté qu'avec --demo.", file=sys.stderr)
        return 2
    configure(config["kiosk.log_level"], args.log_file)
    log_event(
        LOG, "kiosk.starting", version=__version__, demo=config.demo, path=str(config.data_dir)
    )
    try:
        return start_ui(
            config,
            LaunchOptions(args.control_socket, args.exit_after_paint, args.exit_when_ready),
        )
    finally:
        if config.demo:
            # The demo's data directory is temporary: its dossiers and receipts go with it.
            import shutil

            shutil.rmtree(config.data_dir, ignore_errors=True)


def _catalog_command(arguments: list[str]) -> int:
    if not arguments or arguments[0] != "check" or len(arguments) > 2:
        print("usage : kiosk catalog check [DOSSIER]", file=sys.stderr)
        return 2
    from kiosk.catalog import BUNDLED_DIR

    return check_catalog(Path(arguments[1]) if len(arguments) == 2 else BUNDLED_DIR)


def check_catalog(directory: Path) -> int:
    """For the people who write démarche files: every file, what it holds or what is wrong.
    Exit code 1 when a file is refused (the kiosk would hide that démarche)."""
    from kiosk.catalog import load_catalog
    from kiosk.demarche import PieceStep

    if not directory.is_dir():
        print(f"Dossier introuvable : {directory}", file=sys.stderr)
        return 2
    logging.disable(logging.CRITICAL)  # the findings are printed below, plainly
    try:
        catalog = load_catalog(directory)
    finally:
        logging.disable(logging.NOTSET)
    for demarche in catalog.demarches:
        pieces = sum(isinstance(step, PieceStep) for step in demarche.steps)
        print(
            f"OK      {demarche.id} (version {demarche.version}) : {len(demarche.steps)} étapes "
            f"dont {pieces} pièces, {len(demarche.rules)} règles"
        )
    for disabled in catalog.disabled:
        print(f"REFUSÉ  {disabled.file} : champ « {disabled.field} » : {disabled.reason}")
    print(f"{len(catalog.demarches)} démarche(s) valide(s), {len(catalog.disabled)} refusée(s).")
    return 1 if catalog.disabled or not catalog.demarches else 0


def check_config(config: Config) -> int:
    """What IT staff can check before restarting the kiosk: the file, the démarches, the
    data directory. One line per finding, and a non-zero exit code if the kiosk would not
    work as configured."""
    from kiosk.catalog import catalog_dir, load_catalog

    problems = 0
    print(f"Configuration valide : {config.source}")
    directory = catalog_dir(config)
    logging.disable(logging.CRITICAL)  # the findings are printed below, plainly
    try:
        catalog = load_catalog(directory)
    finally:
        logging.disable(logging.NOTSET)
    print(f"Démarches disponibles ({directory}) : {len(catalog.demarches)}")
    for disabled in catalog.disabled:
        problems += 1
        print(
            f"Démarche désactivée : {disabled.file} : champ « {disabled.field} » : "
            f"{disabled.reason}"
        )
    if not catalog.demarches:
        problems += 1
        print("Aucune démarche : la borne n'aurait rien à proposer.")
    if not _can_write_in(config.data_dir):
        problems += 1
        print(f"Dossier des données non accessible en écriture : {config.data_dir}")
    return 1 if problems else 0


def _can_write_in(directory: Path) -> bool:
    """Try it (permissions alone lie to root): a file in the directory, or in the nearest
    existing parent where the kiosk would create it."""
    import tempfile

    while not directory.exists() and directory != directory.parent:
        directory = directory.parent
    try:
        with tempfile.TemporaryFile(dir=directory):
            return True
    except OSError:
        return False
