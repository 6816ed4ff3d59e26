"""The kiosk speaks systemd's notification protocol: READY once the home screen is up and the
store and devices ready, WATCHDOG from the GUI thread's event loop, STOPPING on SIGTERM. A
real datagram socket stands for systemd's."""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

from tests.support.restart import Running, write_config


def test_ready_watchdog_and_stopping_reach_systemd(tmp_path: Path) -> None:
    address = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
        systemd.bind(str(address))
        systemd.settimeout(0.5)
        home = tmp_path / "home"
        home.mkdir()
        systemd_env = {"NOTIFY_SOCKET": str(address), "WATCHDOG_USEC": "400000"}
        kiosk = Running(write_config(tmp_path), home, systemd_env)
        received: list[str] = []
        try:
            kiosk.wait_for("kiosk.ready")
            deadline = time.monotonic() + 10
            while received.count("WATCHDOG=1") < 3 and time.monotonic() < deadline:
                try:
                    received.append(systemd.recv(256).decode())
                except TimeoutError:
                    continue
            kiosk.process.send_signal(signal.SIGTERM)
            assert kiosk.process.wait(15) == 0
            while True:
                try:
                    received.append(systemd.recv(256).decode())
                except TimeoutError:
                    break
        finally:
            kiosk.stop()
    assert "READY=1" in received
    assert received.count("WATCHDOG=1") >= 3  # every 200 ms: half of WatchdogSec
    assert received[-1] == "STOPPING=1"
