"""Devices that come and go, as the kiosk sees them: building the devices touches none of
them, what the médiateur reads follows each device's last use (or a simulator's knobs), and
``kiosk doctor`` fails on a receipt printer, a camera or an A4 queue that is not there."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.errors import DeviceNotFound, PaperJam
from drivers.printer.cups_queue import CupsQueue
from drivers.printer.escpos_printer import Connection, EscposPrinter
from drivers.scanner.sane_scanner import SaneScanner
from kiosk.app import KioskApp
from kiosk.bootstrap import build_app
from kiosk.config import build_config
from kiosk.devices import ABSENT, FAULT, NONE, READY, UNUSED, Presence, build_devices, presence_of
from kiosk.doctor import check_devices
from kiosk.status import device_lines, presence_text
from tests.support.backend_key import SYNC_TABLE


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def real_config(tmp_path: Path, **tables: dict[str, Any]) -> Any:
    raw: dict[str, Any] = {
        "kiosk": {"id": "borne-1", "code": "B7K", "data_dir": str(tmp_path)},
        "sync": SYNC_TABLE,
        "scanner": {"backend": "sane", "device": "absent:0"},
        "camera": {"backend": "opencv", "device": str(tmp_path / "no-video0")},
        "printer": {
            "backend": "escpos",
            "connection": "network",
            "host": "127.0.0.1",
            "port": closed_port(),
            "a4_queue": "KioskNoSuchQueue",
        },
        **tables,
    }
    return build_config(raw, "(test)")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[KioskApp]:
    config = build_config({"sync": SYNC_TABLE}, "(test)", demo=True, demo_data_dir=tmp_path)
    app = build_app(config, synchronous_devices=True)
    yield app
    app.devices.shutdown()
    app.store.close()


def test_building_real_devices_that_are_all_missing_touches_none_of_them(tmp_path: Path) -> None:
    started = time.monotonic()
    devices = build_devices(real_config(tmp_path))
    try:
        assert time.monotonic() - started < 1.0
        scanner = devices.scanner
        assert isinstance(scanner, SaneScanner) and not scanner.is_open
        assert devices.presence("scanner").state == UNUSED  # not even SANE was asked
        assert devices.presence("printer").state == UNUSED
        assert devices.presence("a4").state == UNUSED
        assert devices.presence("camera").state == ABSENT  # a stat of its node, no more
        assert devices.presence("document_camera").state == NONE
    finally:
        devices.shutdown()


def test_the_last_use_of_a_device_is_what_the_mediateur_reads(tmp_path: Path) -> None:
    printer = EscposPrinter(Connection("network", "127.0.0.1", closed_port()), timeout_s=0.5)
    assert presence_of(printer) == Presence(UNUSED)
    printer.status()  # nobody listens: offline, not raised
    seen = presence_of(printer)
    assert seen.state == ABSENT and seen.at > 0
    queue = CupsQueue("KioskNoSuchQueue")
    queue.last_error, queue.last_used = PaperJam("a4-printer"), time.time()
    assert presence_of(queue).state == FAULT
    queue.last_error = None
    assert presence_of(queue).state == READY


def test_simulators_are_read_from_their_knobs(demo: KioskApp) -> None:
    knobs = demo.devices.faults["scanner"]
    assert demo.devices.presence("scanner").state == READY
    knobs.unplugged = True
    assert demo.devices.presence("scanner").state == ABSENT
    assert "absent ou débranché" in device_lines(demo)[0]
    knobs.unplugged = False  # plugged back: read again at once
    assert "prêt" in device_lines(demo)[0]
    demo.devices.faults["printer"].sticky = "paper_out"
    line = next(line for line in device_lines(demo) if line.startswith("Imprimante de reçus"))
    assert "en défaut (paper_out)" in line


def test_the_status_says_how_long_ago_a_device_was_seen() -> None:
    assert presence_text(Presence(NONE)) == ""
    assert presence_text(Presence(UNUSED)) == " — pas encore utilisé"
    text = presence_text(Presence(ABSENT, "no /dev/video0", at=1000.0), now=1000.0 + 180)
    assert text == " — absent ou débranché (no /dev/video0) il y a 3 min"


def test_a_simulated_scanner_unplugged_then_plugged_back_scans_again(demo: KioskApp) -> None:
    from drivers.cancel import CancelToken
    from drivers.scanner.interface import ScanSettings

    knobs = demo.devices.faults["scanner"]
    knobs.unplugged = True
    with pytest.raises(DeviceNotFound):
        demo.devices.run(
            "scanner", demo.devices.scanner.scan, ScanSettings(), CancelToken()
        ).result()
    knobs.unplugged = False
    pages = demo.devices.run(
        "scanner", demo.devices.scanner.scan, ScanSettings(), CancelToken()
    ).result()
    assert len(pages) == 1


def test_the_doctor_fails_on_a_receipt_printer_camera_or_a4_queue_that_is_not_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUPS_SERVER", f"127.0.0.1:{closed_port()}")  # no scheduler there
    # The simulated scanner: SANE started here would keep /etc/sane.d for the whole process.
    config = real_config(
        tmp_path, scanner={"backend": "simulated"}, cardreader={"backend": "simulated"}
    )
    found = {f.subject: f for f in check_devices(config)}
    assert found["Imprimante"].status == "ÉCHEC"  # offline was reported as OK before
    assert found["Caméra"].status == "ÉCHEC" and "no-video0" in found["Caméra"].detail
    assert found["Imprimante A4"].status == "ÉCHEC"
    assert "cupsenable" in found["Imprimante A4"].line()
