"""The kiosk unit's main process (``kiosk session COMMAND...``): it runs cage with the kiosk
inside and carries IT staff's exit through cage.

IT staff's hidden exit (ui/it_exit.py) must leave the unit stopped: the unit lists status 64
in ``RestartPreventExitStatus=``. The kiosk is cage's client, and Debian 12's cage (0.1.4)
exits 0 whatever its client's status (cage-kiosk/cage#270), so the kiosk's own status never
reaches systemd. The kiosk therefore also leaves a marker file in the unit's
``RuntimeDirectory=`` (``$RUNTIME_DIRECTORY``, which cage passes on to it), and this wrapper,
once cage has ended, exits 64 when it finds one, otherwise with cage's own status.

- The marker is removed before cage starts: one left by an earlier run (the directory
  outlives a failed stop) never stops the kiosk.
- SIGTERM, SIGINT and SIGHUP are passed on to cage, which closes the kiosk's display; the
  wrapper waits for it, then ends the way cage did (killed by the same signal, or its status),
  so a ``systemctl stop`` stays a clean stop.
- Nothing else changes for systemd: the wrapper keeps its environment for cage and the kiosk
  (``NOTIFY_SOCKET``, ``WATCHDOG_USEC``, ``RUNTIME_DIRECTORY``), the kiosk sends READY=1 and
  feeds the watchdog as before (``NotifyAccess=all``: it is a descendant of the main
  process), and cage's and the kiosk's output goes to the same journal stream.

Outside systemd (no ``$RUNTIME_DIRECTORY``, as in development) the kiosk writes no marker.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

from kiosk.jsonlog import configure, log_event

LOG = logging.getLogger("kiosk.cage_session")
IT_EXIT_STATUS = 64
MARKER_NAME = "it-exit"
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
COMMAND_NOT_FOUND = 127  # as a shell says it


def marker_path(environ: Mapping[str, str] | None = None) -> Path | None:
    """Where the kiosk leaves IT staff's exit: in the first of the unit's runtime
    directories; None outside systemd."""
    runtime = (os.environ if environ is None else environ).get("RUNTIME_DIRECTORY", "")
    first = runtime.split(":")[0]
    return Path(first) / MARKER_NAME if first else None


def mark_it_exit(environ: Mapping[str, str] | None = None) -> bool:
    """The kiosk side, after IT staff's PIN: leave the marker for the wrapper. False (and
    nothing written) outside systemd or if it could not be written."""
    path = marker_path(environ)
    if path is None:
        return False
    try:
        path.write_bytes(b"")
    except OSError as exc:
        log_event(LOG, "kiosk.it_exit_unmarked", logging.ERROR, error_type=type(exc).__name__)
        return False
    return True


def _take_marker(path: Path | None) -> bool:
    """Remove the marker; True if there was one. One that cannot be removed counts as none:
    a marker that would stay would keep the kiosk stopped on every start."""
    if path is None:
        return False
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        log_event(LOG, "kiosk.session_marker_stuck", logging.ERROR, error_type=type(exc).__name__)
        return False
    return True


def run_session(command: list[str], environ: Mapping[str, str] | None = None) -> int:
    """Run ``command`` (cage and the kiosk) to its end and return the status the unit should
    see: 64 after IT staff's exit, else the command's return code (negative: the signal that
    ended it, as subprocess says it)."""
    marker = marker_path(environ)
    _take_marker(marker)  # a stale marker: the kiosk starts anyway
    child: subprocess.Popen[bytes] | None = None
    pending: list[int] = []

    def forward(signum: int, _frame: FrameType | None) -> None:
        if child is None:
            pending.append(signum)  # arrived while cage was being started
        elif child.returncode is None:
            child.send_signal(signum)

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED_SIGNALS}
    try:
        try:
            child = subprocess.Popen(command)
        except OSError as exc:
            error = type(exc).__name__
            log_event(LOG, "kiosk.session_not_started", logging.ERROR, error_type=error)
            return COMMAND_NOT_FOUND
        for signum in pending:
            child.send_signal(signum)
        status = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if _take_marker(marker):
        log_event(LOG, "kiosk.session_it_exit", code=IT_EXIT_STATUS)
        return IT_EXIT_STATUS
    log_event(LOG, "kiosk.session_ended", code=status)
    return status


def session_command(arguments: list[str]) -> int:
    """``kiosk session COMMAND...``, the unit's ExecStart."""
    if not arguments or arguments[0].startswith("-"):
        print("usage : kiosk session COMMANDE [ARGUMENTS...]", file=sys.stderr)
        return 2
    configure("INFO", None)
    status = run_session(arguments)
    if status < 0:
        _end_like(-status)
        return 128 - status  # the signal did not end this process (it was blocked)
    return status


def _end_like(signum: int) -> None:
    """End this process by ``signum``, as cage ended: systemd then sees a stop by SIGTERM
    (clean) rather than an exit status 143 (failed)."""
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
