"""`kiosk --demo` as a separate process, driven through its test-only control channel.

This is the product as IT staff start it: the console script, the config loading, the JSON
log on stderr, the real event loop and worker threads.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import journey
from tests.support.backend_key import SYNC_TOML
from tests.support.journey import Driver, walk_to_recap

# The console script itself, as IT staff run it (installed next to the interpreter).
KIOSK = [str(Path(sys.executable).with_name("kiosk"))]


class Control:
    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(15)
        self.sock.connect(str(path))
        self.reader = self.sock.makefile("r", encoding="utf-8")

    def send(self, **command: Any) -> dict[str, Any]:
        self.sock.sendall((json.dumps(command) + "\n").encode())
        reply: dict[str, Any] = json.loads(self.reader.readline())
        if not reply.get("ok"):
            raise AssertionError(f"{command}: {reply.get('error')}")
        return reply

    def state(self) -> dict[str, Any]:
        return self.send(cmd="state")

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; last state: {self.state()}")
            time.sleep(0.05)

    def driver(self) -> Driver:
        def scanned() -> bool:
            state = self.state()
            return not state["busy"] and any(
                t.startswith("Document numérisé") for t in state["texts"]
            )

        return Driver(
            click=lambda name: self.send(cmd="click", name=name) and None,
            type_text=lambda name, text: self.send(cmd="type", name=name, text=text) and None,
            wait_until=self.wait_until,
            scanned=scanned,
        )


def demo_env(tmp_path: Path) -> dict[str, str]:
    """Offscreen, with every file the kiosk or a library writes (temporary files, caches
    under HOME) inside ``tmp_path``, where the tests look for them."""
    home = tmp_path / "home"
    home.mkdir()
    return {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "TMPDIR": str(tmp_path),
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
    }


@pytest.fixture
def demo_kiosk(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Control]]:
    socket_path = tmp_path / "control.sock"
    env = demo_env(tmp_path)
    process = subprocess.Popen(
        [*KIOSK, "--demo", "--control-socket", str(socket_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 30
    while not socket_path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"kiosk did not start: {process.communicate()[1][-2000:]}")
        time.sleep(0.05)
    control = Control(socket_path)
    yield process, control
    if process.poll() is None:
        process.kill()
        process.wait()


def read_log(process: subprocess.Popen[str]) -> list[dict[str, Any]]:
    _, stderr = process.communicate(timeout=15)
    entries = []
    for line in stderr.splitlines():
        if line.startswith("{"):
            entries.append(json.loads(line))
    return entries


def test_demo_kiosk_files_a_dossier_and_logs_it_without_personal_data(
    demo_kiosk: tuple[subprocess.Popen[str], Control], tmp_path: Path
) -> None:
    process, control = demo_kiosk
    control.wait_until(lambda: control.state()["screen"] == "home")
    walk_to_recap(control.driver())
    assert control.state()["screen"] == "recap"
    control.send(cmd="click", name="send")
    control.wait_until(lambda: control.state()["screen"] == "receipt")
    number_texts = [t for t in control.state()["texts"] if t.startswith("DEM-") and len(t) == 11]
    assert len(number_texts) == 1
    number = number_texts[0]
    control.send(cmd="click", name="finish")
    control.wait_until(lambda: control.state()["screen"] == "home", timeout=10)
    # The demo's data went to a temporary directory: the dossier was sealed there, sent to the
    # demo's own receiver at once and, acknowledged, purged from the kiosk (retention 0)...
    [data_dir] = list(tmp_path.glob("kiosk-demo-*"))
    received = data_dir / "demo-backend" / "receiver.sqlite3"

    def arrived() -> list[str]:
        with contextlib.closing(sqlite3.connect(received)) as db:
            return [row[0] for row in db.execute("SELECT dossier_number FROM submissions")]

    control.wait_until(lambda: received.exists() and arrived() == [number], timeout=20)
    control.wait_until(lambda: not any((data_dir / "spool").iterdir()), timeout=10)
    assert len(list((data_dir / "printer").glob("*.escpos"))) == 1
    control.send(cmd="quit")
    assert process.wait(timeout=15) == 0
    assert not data_dir.exists()  # ...and goes with the demo

    log = read_log(process)
    events = [entry["event"] for entry in log]
    for expected in (
        "kiosk.starting",
        "kiosk.ready",
        "session.started",
        "piece.scanned",
        "session.sealed",
        "receipt.printed",
        "session.ended",
        "kiosk.stopped",
    ):
        assert expected in events, expected
    assert events.count("piece.scanned") == 2
    sealed = next(e for e in log if e["event"] == "session.sealed")
    assert sealed["dossier_number"] == number and sealed["demarche_id"] == journey.DEMARCHE
    ended = next(e for e in log if e["event"] == "session.ended")
    assert ended["reason"] == "finished" and ended["state"] == "sealed"
    raw = json.dumps(log, ensure_ascii=False)
    for personal in (
        journey.NOM,
        journey.PRENOMS,
        journey.EMAIL,
        "1962",
        journey.EPHOTO,
        journey.TIMBRE,
    ):
        assert personal not in raw, f"personal data in the log: {personal}"


def test_bad_config_stops_the_start_with_file_key_and_reason(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[session]\nidle_warning_s = "long"\n', encoding="utf-8")
    result = subprocess.run(
        [*KIOSK, "--config", str(config)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert str(config) in result.stderr and "session.idle_warning_s" in result.stderr
    assert "type attendu : int" in result.stderr
    assert "Traceback" not in result.stderr


def test_control_channel_is_refused_outside_demo(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'{SYNC_TOML}[kiosk]\nid = "borne-1"\ncode = "B7K"\ndata_dir = "{tmp_path / "data"}"\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [*KIOSK, "--config", str(config), "--control-socket", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "--demo" in result.stderr


def test_an_unusable_data_directory_shows_out_of_service_not_a_dead_home(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'{SYNC_TOML}[kiosk]\nid = "borne-1"\ncode = "B7K"\ndata_dir = "/proc/nope"\n'
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    process = subprocess.Popen(
        [*KIOSK, "--config", str(config)], stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stderr is not None
        events = []
        deadline = time.monotonic() + 20
        while "kiosk.out_of_service" not in events and time.monotonic() < deadline:
            line = process.stderr.readline()
            if line.startswith("{"):
                events.append(json.loads(line)["event"])
        assert events[:1] == ["kiosk.starting"]
        assert "kiosk.painted" in events and "kiosk.out_of_service" in events
        assert "kiosk.ready" not in events
        assert process.poll() is None  # still up, showing the out-of-service screen
    finally:
        process.kill()
        process.wait()


def test_sigterm_stops_the_kiosk_cleanly_and_removes_the_demo_data(tmp_path: Path) -> None:
    env = demo_env(tmp_path)
    process = subprocess.Popen([*KIOSK, "--demo"], stderr=subprocess.PIPE, text=True, env=env)
    assert process.stderr is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # wait until the store and devices are open
        line = process.stderr.readline()
        if '"kiosk.ready"' in line:
            break
    [data_dir] = list(tmp_path.glob("kiosk-demo-*"))
    process.terminate()  # what systemd does on stop
    _, rest = process.communicate(timeout=15)
    assert process.returncode == 0
    assert '"kiosk.stopped"' in rest
    assert not data_dir.exists()


def test_after_a_session_nothing_of_the_usager_is_left_on_disk_or_in_the_logs(
    demo_kiosk: tuple[subprocess.Popen[str], Control], tmp_path: Path
) -> None:
    """The wipe, verified: the usager's distinctive answers are searched for in every file
    the kiosk wrote (its data directory, temporary files, caches under HOME) and in its log."""
    process, control = demo_kiosk
    control.wait_until(lambda: control.state()["screen"] == "home")
    walk_to_recap(control.driver())
    control.send(cmd="click", name="send")
    control.wait_until(lambda: control.state()["screen"] == "receipt")
    control.send(cmd="click", name="finish")
    control.wait_until(lambda: control.state()["screen"] == "home", timeout=10)
    [data_dir] = list(tmp_path.glob("kiosk-demo-*"))
    # Sent to the demo's backend and purged: the whole way of a dossier has run.
    control.wait_until(lambda: not any((data_dir / "spool").iterdir()), timeout=20)
    distinctive = [
        journey.NOM,
        journey.PRENOMS,
        journey.EMAIL,
        journey.PHONE,
        journey.TIMBRE,
        journey.EPHOTO,
    ]
    needles = {n.encode() for text in distinctive for n in (text, text.upper(), text.lower())}
    needles |= {text.encode("utf-16-le") for text in distinctive}  # Qt's own string format
    written = [p for p in tmp_path.rglob("*") if p.is_file() and not p.is_socket()]
    # The walk sees what matters: the store, the printed receipt, the encrypted uploads.
    names = {str(p.relative_to(data_dir)) for p in written if data_dir in p.parents}
    assert "kiosk.sqlite3" in names
    assert any(n.startswith("printer/") for n in names)
    assert any(n.startswith("demo-backend/uploads/") for n in names)
    for path in written:
        content = path.read_bytes()
        found = [n for n in needles if n in content]
        assert not found, f"{path.relative_to(tmp_path)} holds {found}"
    control.send(cmd="quit")
    _, stderr = process.communicate(timeout=15)
    for needle in needles:
        assert needle.decode("utf-8", "ignore") not in stderr
