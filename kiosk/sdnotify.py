"""systemd's notification protocol (sd_notify), without a dependency: READY, WATCHDOG,
STOPPING sent as datagrams to ``$NOTIFY_SOCKET``.

The kiosk's unit uses ``Type=notify`` and ``WatchdogSec=``: the watchdog is fed from the GUI
thread's event loop, so a frozen screen (a deadlock, a device call that never returns on the
wrong thread) stops feeding it and systemd restarts the kiosk back onto its home screen.
Outside systemd (no ``$NOTIFY_SOCKET``) every call does nothing.
"""

from __future__ import annotations

import os
import socket


def _address() -> str | None:
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return None
    return "\0" + address[1:] if address.startswith("@") else address  # abstract namespace


def notify(state: str) -> bool:
    """Send ``state`` ("READY=1", "WATCHDOG=1"...); False when not under systemd or if the
    message could not be sent (never an exception: the kiosk runs on without it)."""
    address = _address()
    if address is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(state.encode("utf-8"), address)
        return True
    except OSError:
        return False


def watchdog_interval_s() -> float | None:
    """Half of systemd's watchdog period, as sd_watchdog_enabled advises; None if off."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 1_000_000 / 2
