"""Start the real ``kiosk`` command as its systemd unit would, kill it, start it again.

Used by the crash test (tests/e2e/test_crash_restart.py) and the restart benchmark
(tests/bench/restart.py): both need a configured kiosk (simulated devices, its data directory
kept across runs) and the moment a start has painted the home screen, read from its JSON log.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.support.backend_key import SYNC_TOML

KIOSK = str(Path(sys.executable).with_name("kiosk"))


def write_config(directory: Path) -> Path:
    config = directory / "kiosk.toml"
    config.write_text(
        f'{SYNC_TOML}[kiosk]\nid = "borne-1"\ncode = "B7K"\ndata_dir = "{directory / "data"}"\n'
        "[ui]\nfullscreen = false\n",
        encoding="utf-8",
    )
    return config


class Running:
    """One kiosk process, its log events as they come."""

    def __init__(self, config: Path, home: Path, env: dict[str, str] | None = None) -> None:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(home), **(env or {})}
        self.process = subprocess.Popen(
            [KIOSK, "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.events: queue.Queue[dict[str, object]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            if line.startswith("{"):
                self.events.put(json.loads(line))

    def wait_for(self, event: str, timeout: float = 30.0) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {event} in {timeout} s")
            try:
                entry = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if entry.get("event") == event:
                return entry

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
