"""IT staff commands around the assist mode: médiateurs, the journal, the statistics.

    kiosk mediateur enroll --name Karim --badge 04A25F1B7780   (PIN asked twice, not echoed)
    kiosk mediateur list | disable M-7K2Q
    kiosk journal verify | show [--since N]
    kiosk stats [--from AAAA-MM-JJ] [--to AAAA-MM-JJ] [--csv]

Messages in French, like every operator message. The PIN is read from the terminal (or one
line of standard input with ``--pin-stdin``, for enrolment scripts), never from the command
line, where ``ps`` and the shell history would keep it.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from kiosk.config import Config
from kiosk.credentials import badge_key
from kiosk.mediateurs import EnrolmentError, MediateurRegistry
from kiosk.stats import SessionStats
from offline_cache import Store, StoreError
from offline_cache.encryption import encryptor
from offline_cache.journal import Journal


@contextmanager
def _store(config: Config) -> Iterator[Store]:
    with Store.open(config.data_dir, encrypt=encryptor(config["sync.backend_public_key"])) as s:
        yield s


def mediateur_command(config: Config, arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kiosk mediateur", description="Médiateurs enrôlés.")
    actions = parser.add_subparsers(dest="action", required=True)
    enroll = actions.add_parser("enroll", help="enrôler un badge")
    enroll.add_argument("--name", required=True, help="prénom affiché à l'usager (ex. Karim)")
    enroll.add_argument("--badge", required=True, help="identifiant du badge (hexadécimal)")
    enroll.add_argument("--pin-stdin", action="store_true", help="lire le PIN sur l'entrée")
    actions.add_parser("list", help="lister les médiateurs")
    disable = actions.add_parser("disable", help="retirer un badge")
    disable.add_argument("mediateur_id")
    args = parser.parse_args(arguments)
    try:
        key = badge_key()
        if key is None:
            print(
                "Clé des badges absente du trousseau (borne-point-numerique / badge-key, "
                "64 caractères hexadécimaux) : à installer avec les identifiants de la borne.",
                file=sys.stderr,
            )
            return 2
        with _store(config) as store:
            registry = MediateurRegistry(store, key)
            if args.action == "list":
                for m in registry.all():
                    state = "retiré" if m.disabled else "actif"
                    print(f"{m.mediateur_id}  {m.display_name}  enrôlé {m.enrolled_at}  {state}")
                return 0
            if args.action == "disable":
                if registry.disable(args.mediateur_id, datetime.now(UTC)):
                    print(f"{args.mediateur_id} : badge retiré.")
                    return 0
                print(f"{args.mediateur_id} : inconnu ou déjà retiré.", file=sys.stderr)
                return 2
            pin = _read_pin(args.pin_stdin)
            if pin is None:
                return 2
            mediateur = registry.enroll(args.name, args.badge, pin, datetime.now(UTC))
            print(f"{mediateur.mediateur_id} : {mediateur.display_name} enrôlé(e).")
            return 0
    except EnrolmentError as exc:
        print(f"Enrôlement refusé : {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"Données de la borne illisibles : {exc}", file=sys.stderr)
        return 2


def _read_pin(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().strip()
    first = getpass.getpass("Code PIN du médiateur : ")
    if getpass.getpass("Encore une fois : ") != first:
        print("Les deux codes diffèrent.", file=sys.stderr)
        return None
    return first


def journal_command(config: Config, arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kiosk journal", description="Journal de la borne.")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("verify", help="vérifier la chaîne de l'ensemble du journal")
    show = actions.add_parser("show", help="afficher les entrées")
    show.add_argument("--since", type=int, default=0, help="après l'entrée n° N")
    args = parser.parse_args(arguments)
    with _store(config) as store:
        journal = Journal(store)
        if args.action == "show":
            for e in journal.entries(args.since):
                details = " ".join(f"{k}={v}" for k, v in sorted(e.detail.items()))
                print(f"{e.seq:6d}  {e.at}  {e.actor:8s}  {e.action}  {details}".rstrip())
            return 0
        problems = journal.verify()
        seq, head = journal.head()
        for problem in problems:
            print(f"ROMPU  {problem}")
        if problems:
            print(f"Journal altéré : {len(problems)} rupture(s) sur {seq} entrée(s).")
            return 1
        print(f"Journal intact : {seq} entrée(s), dernière empreinte {head}.")
        return 0


def stats_command(config: Config, arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kiosk stats", description="Statistiques d'usage.")
    parser.add_argument("--from", dest="since", type=date.fromisoformat, help="AAAA-MM-JJ")
    parser.add_argument("--to", dest="until", type=date.fromisoformat, help="AAAA-MM-JJ inclus")
    parser.add_argument("--csv", action="store_true", help="au format CSV (tableur)")
    args = parser.parse_args(arguments)
    with _store(config) as store:
        stats = SessionStats(store)
        if args.csv:
            sys.stdout.write(stats.csv_text(args.since, args.until))
            return 0
        rows = stats.rows(args.since, args.until)
        for row in rows:
            flags = ("accompagné" if row.assisted else "seul") + (
                ", reçu imprimé" if row.printed else ""
            )
            print(f"{row.day}  {row.demarche_id}  {row.outcome}  ({flags}) : {row.sessions}")
        print(f"Total : {sum(r.sessions for r in rows)} session(s).")
        return 0


def exit_pin_command(arguments: list[str]) -> int:
    """The line to put in kiosk.toml for IT staff's hidden exit: the PIN's argon2 hash only."""
    parser = argparse.ArgumentParser(prog="kiosk exit-pin", description="Code de sortie.")
    parser.add_argument("--pin-stdin", action="store_true", help="lire le code sur l'entrée")
    args = parser.parse_args(arguments)
    pin = _read_pin(args.pin_stdin)
    if pin is None or not pin.isdigit() or not 6 <= len(pin) <= 12:
        print("Code refusé : 6 à 12 chiffres.", file=sys.stderr)
        return 2
    from argon2 import PasswordHasher

    print("[ui]")
    print(f'exit_pin_hash = "{PasswordHasher().hash(pin)}"')
    return 0
