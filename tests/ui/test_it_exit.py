"""IT staff's hidden exit: five taps in the top-right corner, then the PIN whose argon2 hash
is in the configuration; the kiosk leaves the marker the unit's wrapper turns into the status
the unit does not restart (kiosk/cage_session.py), and ends with that status."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from kiosk.cage_session import IT_EXIT_STATUS, MARKER_NAME
from kiosk.cli import main_with
from tests.ui.conftest import Kiosk
from ui import driving
from ui.it_exit import ItExit

PIN = "73950418"


@pytest.fixture
def kiosk_with_exit(make_kiosk: Callable[..., Kiosk]) -> Iterator[Kiosk]:
    kiosk = make_kiosk()
    guard = ItExit(kiosk.window, PasswordHasher().hash(PIN))
    QApplication.instance().installEventFilter(guard)  # type: ignore[union-attr]
    yield kiosk
    QApplication.instance().removeEventFilter(guard)  # type: ignore[union-attr]


def tap_corner(kiosk: Kiosk, times: int) -> None:
    corner = QPoint(kiosk.window.width() - 10, 10)
    for _ in range(times):
        QTest.mouseClick(kiosk.window, Qt.MouseButton.LeftButton, pos=corner)


def type_pin(kiosk: Kiosk, pin: str) -> None:
    for digit in pin:
        driving.click(kiosk.window, f"assist-pin-{digit}")
    driving.click(kiosk.window, "assist-pin-ok")


def test_five_taps_and_the_pin_end_the_kiosk_for_it_staff(
    kiosk_with_exit: Kiosk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    runtime_dir = tmp_path / "run"
    runtime_dir.mkdir()
    monkeypatch.setenv("RUNTIME_DIRECTORY", str(runtime_dir))  # as the unit sets it
    window = kiosk_with_exit.window
    # Recorded, not done: a real QApplication.exit() would end the tests' own event loops.
    exits: list[int] = []
    monkeypatch.setattr(window, "quit", exits.append)
    tap_corner(kiosk_with_exit, 4)
    assert "it-exit-cancel" not in driving.enabled_buttons(window)  # four is not enough
    tap_corner(kiosk_with_exit, 1)
    assert "it-exit-cancel" in driving.enabled_buttons(window)
    type_pin(kiosk_with_exit, "12345678")
    assert exits == []  # a wrong code: nothing
    assert list(runtime_dir.iterdir()) == []
    type_pin(kiosk_with_exit, PIN)
    assert exits == [IT_EXIT_STATUS]
    assert list(runtime_dir.iterdir()) == [runtime_dir / MARKER_NAME]


def test_outside_systemd_the_exit_writes_nothing(
    kiosk_with_exit: Kiosk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("RUNTIME_DIRECTORY", raising=False)
    monkeypatch.chdir(tmp_path)
    exits: list[int] = []
    monkeypatch.setattr(kiosk_with_exit.window, "quit", exits.append)
    tap_corner(kiosk_with_exit, 5)
    type_pin(kiosk_with_exit, PIN)
    assert exits == [IT_EXIT_STATUS]
    assert list(tmp_path.rglob(MARKER_NAME)) == []


def test_taps_elsewhere_do_nothing(kiosk_with_exit: Kiosk) -> None:
    for _ in range(6):
        QTest.mouseClick(kiosk_with_exit.window, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    assert "it-exit-cancel" not in driving.enabled_buttons(kiosk_with_exit.window)


def test_the_command_gives_the_hash_line_never_the_pin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PIN + "\n"))
    assert main_with(lambda *_: 0, ["exit-pin", "--pin-stdin"]) == 0
    out = capsys.readouterr().out
    assert PIN not in out
    line = out.splitlines()[1]
    assert line.startswith('exit_pin_hash = "$argon2id$')
    assert PasswordHasher().verify(line.split('"')[1], PIN)
