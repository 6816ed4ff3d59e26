"""``python -m kiosk.receiver``: the reference receiver as a process (demo, bench, manual tests).

Prints exactly one line, ``listening on http://HOST:PORT``, once it accepts connections, so a
parent process can read the port chosen for ``--port 0``; logs one line per request on stderr
(method, path, status: no personal data); stops cleanly on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from kiosk.receiver.faults import Faults, FaultsError
from kiosk.receiver.server import Receiver

TOKEN_ENV = "KIOSK_RECEIVER_TOKEN"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk receiver",
        description="Récepteur de référence du contrat de dépôt (tests, démo, banc).",
    )
    parser.add_argument("--data", type=Path, required=True, help="dossier des données (SQLite)")
    parser.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8765, help="port (défaut 8765 ; 0 : un port libre)"
    )
    parser.add_argument(
        "--token", help=f"jeton de la borne (sinon la variable d'environnement {TOKEN_ENV})"
    )
    parser.add_argument(
        "--disabled-token",
        action="append",
        default=[],
        metavar="TOKEN",
        help="jeton d'une borne désactivée (répond 403) ; répétable",
    )
    parser.add_argument("--max-size", type=int, default=2**31, help="Tus-Max-Size en octets")
    parser.add_argument("--faults", help='pannes simulées, JSON (ex. {"delay_ms": 200})')
    parser.add_argument(
        "--control",
        action="store_true",
        help="routes /_control/ (pannes, statistiques), pour 127.0.0.1 seulement",
    )
    parser.add_argument("--log-level", default="INFO")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    token = args.token or os.environ.get(TOKEN_ENV, "")
    if not token:
        parser.error(f"a token is required: --token or {TOKEN_ENV}")
    faults = Faults()
    if args.faults:
        try:
            knobs = json.loads(args.faults)
            if not isinstance(knobs, dict):
                raise FaultsError("--faults: a JSON object of knobs")
            faults.replace(knobs)
        except (ValueError, FaultsError) as error:
            parser.error(f"--faults: {error}")
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    receiver = Receiver(
        args.data,
        token,
        host=args.host,
        port=args.port,
        max_size=args.max_size,
        disabled_tokens=args.disabled_token,
        control=args.control,
    )
    receiver.faults = faults
    try:
        receiver.start()
    except OSError as error:
        print(f"kiosk receiver: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    try:
        print(f"listening on {receiver.url}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        receiver.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
