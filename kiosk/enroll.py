"""``kiosk enroll``: IT staff put the kiosk's secrets where the service finds them.

The backend token (given by the préfecture) and the badge key (random, made here once) are
written as systemd credentials encrypted with ``systemd-creds`` (the machine's key, and its
TPM when there is one), into ``/etc/point-numerique/credentials/``; the unit hands them to the
kiosk alone (``LoadCredentialEncrypted=``). On a machine without ``systemd-creds`` they go to
the system keyring instead. Never in clear in a file, never on the command line (the token is
read from the terminal or standard input).

A new badge key makes every enrolled badge unknown (their keyed hashes change): the existing
one is kept unless ``--new-badge-key`` is asked for.
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from kiosk.credentials import BACKEND_TOKEN, BADGE_KEY, SERVICE

DEFAULT_DIR = Path("/etc/point-numerique/credentials")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk enroll", description="Secrets de la borne.")
    parser.add_argument("--token-stdin", action="store_true", help="lire le jeton sur l'entrée")
    parser.add_argument("--new-badge-key", action="store_true", help="refaire la clé des badges")
    parser.add_argument("--credentials-dir", type=Path, default=DEFAULT_DIR)
    return parser


def enroll_command(arguments: list[str]) -> int:
    args = _parser().parse_args(arguments)
    token = (
        sys.stdin.readline().strip()
        if args.token_stdin
        else getpass.getpass("Jeton du service de dépôt : ").strip()
    )
    if not token:
        print("Jeton vide : rien n'est changé.", file=sys.stderr)
        return 2
    if shutil.which("systemd-creds"):
        return _to_systemd_credentials(args.credentials_dir, token, args.new_badge_key)
    return _to_keyring(token, args.new_badge_key)


def _to_systemd_credentials(directory: Path, token: str, new_badge_key: bool) -> int:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    _encrypt(directory, BACKEND_TOKEN, token)
    badge = directory / f"{BADGE_KEY}.cred"
    kept = badge.exists() and not new_badge_key
    if not kept:
        _encrypt(directory, BADGE_KEY, secrets.token_hex(32))
    print(f"Jeton enregistré : {directory / f'{BACKEND_TOKEN}.cred'} (chiffré, systemd-creds)")
    print("Clé des badges " + ("conservée." if kept else f"créée : {badge}"))
    print("Dans l'unité du service :")
    for name in (BACKEND_TOKEN, BADGE_KEY):
        print(f"  LoadCredentialEncrypted={name}:{directory / f'{name}.cred'}")
    return 0


def _encrypt(directory: Path, name: str, secret: str) -> None:
    target = directory / f"{name}.cred"
    temporary = directory / f".{name}.cred.tmp"
    # The secret goes through a pipe, never a file or the command line.
    subprocess.run(
        ["systemd-creds", "encrypt", f"--name={name}", "-", str(temporary)],
        input=secret.encode("utf-8"),
        check=True,
        stderr=subprocess.DEVNULL,
    )
    os.chmod(temporary, 0o600)
    os.replace(temporary, target)


def _to_keyring(token: str, new_badge_key: bool) -> int:
    import keyring

    keyring.set_password(SERVICE, BACKEND_TOKEN, token)
    kept = keyring.get_password(SERVICE, BADGE_KEY) is not None and not new_badge_key
    if not kept:
        keyring.set_password(SERVICE, BADGE_KEY, secrets.token_hex(32))
    print(f"Jeton enregistré dans le trousseau ({keyring.get_keyring().name}).")
    print("Clé des badges " + ("conservée." if kept else "créée."))
    return 0
