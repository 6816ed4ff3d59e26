"""Devices missing at start-up, plugged in later, unplugged and plugged back: the kiosk uses
them at their next use, without a restart. Real stacks: SANE's ``test`` backend (made absent
and present through its configuration and a restart of SANE), the loopback ESC/POS printer
stopped and restarted on the same port, a private cupsd started late, a camera's video file
that appears and disappears."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from drivers.camera.opencv_camera import OpenCVCamera
from drivers.cancel import CancelToken
from drivers.errors import DeviceDisconnected, DeviceNotFound
from drivers.printer.cups_queue import CupsQueue, JobState
from drivers.printer.escpos_printer import Connection, EscposPrinter
from drivers.printer.interface import ReceiptDocument, TextLine
from drivers.scanner import sane_scanner
from drivers.scanner.interface import ScanSettings, ScanSource
from drivers.scanner.sane_scanner import SaneScanner
from kiosk.bootstrap import build_app
from kiosk.config import build_config
from kiosk.devices import ABSENT, READY, UNUSED
from kiosk.status import device_lines
from tests.integration.test_opencv_camera import write_clip
from tests.support import journey
from tests.support.backend_key import SYNC_TABLE
from tests.support.escpos_server import FakeReceiptPrinter
from tests.support.inprocess import widget_driver
from ui import driving

FLATBED = ScanSettings(ScanSource.FLATBED, 75)


# -- SANE ----------------------------------------------------------------------------------


class SaneBench:
    """The SANE configuration of this test process (see conftest), as IT staff would change
    the machine: ``plug()`` lists the ``test`` backend in dll.conf, ``unplug()`` removes it."""

    def __init__(self, directory: Path) -> None:
        self.dll = directory / "dll.conf"
        self.test_conf = directory / "test.conf"

    def plug(self) -> None:
        self.dll.write_text("test\n", encoding="ascii")

    def unplug(self) -> None:
        self.dll.write_text("\n", encoding="ascii")

    def devices(self, count: int) -> None:
        """How many devices the test backend has (read at SANE's start); a colour picture,
        which the kiosk accepts as a page (its default, solid black, is refused)."""
        self.test_conf.write_text(
            f'number_of_devices {count}\ntest-picture "Color pattern"\n', encoding="ascii"
        )


@pytest.fixture
def sane_bench(sane_test_backend: Path) -> Iterator[SaneBench]:
    """The kiosk "starts" with no scanner: SANE restarted with no backend listed. Afterwards
    the configuration is put back and SANE restarted, for the tests that follow."""
    bench = SaneBench(sane_test_backend)
    saved = bench.dll.read_text(encoding="ascii")
    bench.unplug()
    assert sane_scanner._restart_sane(), "a SANE device is still open in this process"
    yield bench
    bench.dll.write_text(saved, encoding="ascii")
    bench.test_conf.unlink(missing_ok=True)
    assert sane_scanner._restart_sane()


def test_a_scanner_plugged_in_after_start_up_is_used_by_the_next_scan(
    sane_bench: SaneBench,
) -> None:
    scanner = SaneScanner("", rediscover_s=0)
    try:
        with pytest.raises(DeviceNotFound):
            scanner.scan(FLATBED, CancelToken())
        sane_bench.plug()
        [page] = scanner.scan(FLATBED, CancelToken())
        assert page.image.size > 0 and scanner.device_name == "test:0"
    finally:
        scanner.close()


def test_a_scanner_unplugged_then_plugged_back_works_again(sane_bench: SaneBench) -> None:
    sane_bench.plug()
    assert sane_scanner._restart_sane()  # the kiosk started with the scanner there
    scanner = SaneScanner("", rediscover_s=0)
    try:
        scanner.scan(FLATBED, CancelToken())
        # Unplugged in the middle of the next scan: the backend answers an I/O error.
        scanner._open().read_return_value = "SANE_STATUS_IO_ERROR"
        sane_bench.unplug()
        with pytest.raises(DeviceDisconnected):
            scanner.scan(FLATBED, CancelToken())
        assert not scanner.is_open  # the dead handle is not reused...
        with pytest.raises(DeviceNotFound):  # ...and SANE is asked again: nothing there
            scanner.scan(FLATBED, CancelToken())
        sane_bench.plug()
        [page] = scanner.scan(FLATBED, CancelToken())
        assert page.image.size > 0 and scanner.last_error is None
    finally:
        scanner.close()


def test_a_named_scanner_that_appears_later_is_opened_by_the_next_scan(
    sane_bench: SaneBench,
) -> None:
    sane_bench.plug()
    sane_bench.devices(1)  # test:1 does not exist yet
    assert sane_scanner._restart_sane()
    scanner = SaneScanner("test:1", rediscover_s=0)
    try:
        with pytest.raises(DeviceNotFound):
            scanner.scan(FLATBED, CancelToken())
        sane_bench.devices(2)
        [page] = scanner.scan(FLATBED, CancelToken())
        assert page.image.size > 0 and scanner.device_name == "test:1"
    finally:
        scanner.close()


def test_after_a_miss_sane_is_not_probed_again_before_the_hold_off(
    sane_bench: SaneBench, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sane

    probes: list[float] = []
    real_get_devices = sane.get_devices

    def counted(*args: Any) -> Any:
        probes.append(time.monotonic())
        return real_get_devices(*args)

    monkeypatch.setattr(sane, "get_devices", counted)
    now = [1000.0]
    scanner = SaneScanner("", rediscover_s=5.0, clock=lambda: now[0])
    try:
        with pytest.raises(DeviceNotFound):
            scanner.scan(FLATBED, CancelToken())
        assert len(probes) == 1
        sane_bench.plug()
        now[0] += 4.0  # a usager pressing "Scanner" again at once: answered without probing
        with pytest.raises(DeviceNotFound):
            scanner.scan(FLATBED, CancelToken())
        assert len(probes) == 1
        now[0] += 2.0  # the hold-off is over: looked for again, and found
        [page] = scanner.scan(FLATBED, CancelToken())
        assert len(probes) == 2 and page.image.size > 0
        scanner.scan(FLATBED, CancelToken())  # an open scanner is not looked for again
        assert len(probes) == 2
    finally:
        scanner.close()


@pytest.fixture
def kiosk_without_scanner(
    sane_bench: SaneBench, tmp_path: Path, qtbot: QtBot, qapp: Any
) -> Iterator[Any]:
    from ui.main import window_for

    raw = {
        "kiosk": {"id": "borne-1", "code": "B7K", "data_dir": str(tmp_path)},
        "sync": SYNC_TABLE,
        "ui": {"fullscreen": False},
        "scanner": {"backend": "sane", "device": "", "detect_orientation": False},
    }
    app = build_app(build_config(raw, "(test)"))
    window = window_for(app, qapp)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    yield window
    app.devices.shutdown()
    app.store.close()


def test_the_kiosk_started_without_scanner_offers_the_camera_then_uses_the_scanner_plugged_in(
    kiosk_without_scanner: Any, sane_bench: SaneBench, qtbot: QtBot
) -> None:
    window = kiosk_without_scanner
    assert window.stack.currentWidget() is window.home and window.home.isEnabled()
    driver = widget_driver(window, lambda predicate: qtbot.waitUntil(predicate, timeout=10_000))
    journey.walk_to(driver, "piece_identite")
    scanner = window.app.devices.scanner
    assert isinstance(scanner, SaneScanner)
    scanner.rediscover_s = 0  # not the 5 s hold-off of a real kiosk
    driver.click("scan")
    driver.wait_until(lambda: window.overlay.kind == "scan-error")
    # The "no scanner" path: the camera is offered, and stays offered on the screen.
    assert window.piece.camera_offered
    shown = " ".join(driving.visible_texts(window)).replace("\xa0", " ")
    assert "photographier le document avec la caméra" in shown
    driver.click("message-ok")
    assert window.app.devices.presence("scanner").state == ABSENT
    sane_bench.devices(2)  # the colour picture, once SANE restarts
    sane_bench.plug()  # IT staff plug the scanner in
    driver.click("scan")
    driver.wait_until(lambda: window.piece.page_count == 1 and not window.busy)
    assert window.app.devices.presence("scanner").state == READY


# -- the receipt printer ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


RECEIPT = ReceiptDocument((TextLine("Récépissé de dépôt"),))


def test_a_receipt_printer_switched_on_later_or_restarted_prints_the_next_receipt() -> None:
    from kiosk.devices import presence_of

    port = free_port()
    printer = EscposPrinter(Connection("network", "127.0.0.1", port), timeout_s=0.5)
    assert presence_of(printer).state == UNUSED
    with pytest.raises(DeviceNotFound):  # off when the kiosk started
        printer.print_receipt(RECEIPT)
    assert presence_of(printer).state == ABSENT
    for _round in range(2):  # switched on; then off and on again, on the same port
        with FakeReceiptPrinter(port=port) as fake:
            printer.print_receipt(RECEIPT)
            assert "Récépissé de dépôt" in fake.wait_for_cuts(1).text
            assert presence_of(printer).state == READY
        with pytest.raises(DeviceNotFound):
            printer.print_receipt(RECEIPT)


# -- the camera ------------------------------------------------------------------------------


def test_a_camera_that_appears_after_start_up_is_opened_at_its_next_use(tmp_path: Path) -> None:
    from kiosk.devices import presence_of

    video = tmp_path / "camera.avi"
    camera = OpenCVCamera(str(video))
    assert presence_of(camera).state == ABSENT
    with pytest.raises(DeviceNotFound):
        camera.open()
    for _round in range(2):  # plugged in; then unplugged and plugged back
        write_clip(video)
        assert presence_of(camera).state == READY
        camera.open()
        assert camera.read().image.size > 0
        camera.close()
        video.unlink()
        with pytest.raises(DeviceNotFound):
            camera.open()


# -- the A4 queue (CUPS) ---------------------------------------------------------------------


class PrivateCups:
    """A cupsd of its own on a loopback port, with a raw queue printing to /dev/null."""

    QUEUE = "KioskHotplug"

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="kiosk-cups-"))
        self.root.chmod(0o755)  # cupsd's helpers run as "lp"
        self.port = free_port()
        self.server = f"127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        for sub in ("spool", "cache", "state", "log", "tmp"):
            (self.root / sub).mkdir(mode=0o755)
        (self.root / "cupsd.conf").write_text(
            f"Listen {self.server}\nLogLevel warn\nBrowsing No\nWebInterface No\n"
            "DefaultAuthType None\n<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
            "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n",
            encoding="ascii",
        )
        (self.root / "cups-files.conf").write_text(
            "".join(
                f"{key} {self.root / sub}\n"
                for key, sub in (
                    ("RequestRoot", "spool"),
                    ("CacheDir", "cache"),
                    ("StateDir", "state"),
                    ("TempDir", "tmp"),
                    ("ErrorLog", "log/error_log"),
                    ("AccessLog", "log/access_log"),
                    ("PageLog", "log/page_log"),
                )
            )
            + f"ServerRoot {self.root}\nFileDevice Yes\nUser lp\nGroup lp\n",
            encoding="ascii",
        )

    def env(self) -> dict[str, str]:
        return {**os.environ, "CUPS_SERVER": self.server, "LC_ALL": "C"}

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "cupsd",
                "-f",
                "-c",
                str(self.root / "cupsd.conf"),
                "-s",
                str(self.root / "cups-files.conf"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while subprocess.run(["lpstat", "-r"], env=self.env(), capture_output=True).returncode:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the private cupsd did not start")
            time.sleep(0.05)

    def add_queue(self) -> None:
        subprocess.run(
            ["lpadmin", "-p", self.QUEUE, "-E", "-v", "file:///dev/null"],
            env=self.env(),
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def private_cups(monkeypatch: pytest.MonkeyPatch) -> Iterator[PrivateCups]:
    if shutil.which("cupsd") is None or os.geteuid() != 0:
        pytest.skip("needs cupsd, run as root (it drops to the lp user itself)")
    cups = PrivateCups()
    monkeypatch.setenv("CUPS_SERVER", cups.server)
    yield cups
    cups.stop()
    shutil.rmtree(cups.root, ignore_errors=True)


def test_an_a4_queue_started_late_or_restarted_takes_the_next_document(
    private_cups: PrivateCups,
) -> None:
    from kiosk.devices import presence_of

    queue = CupsQueue(PrivateCups.QUEUE, command_timeout_s=10)
    with pytest.raises(DeviceNotFound):  # no scheduler yet when the kiosk started
        queue.submit(b"%PDF-1.4\n", "kiosk-hotplug")
    assert presence_of(queue).state == ABSENT
    private_cups.start()
    private_cups.add_queue()
    for _round in range(2):  # started late; then stopped and started again
        job = queue.submit(b"%PDF-1.4\n", "kiosk-hotplug")
        assert queue.wait(job, timeout_s=20, poll_s=0.1) is JobState.COMPLETED
        assert presence_of(queue).state == READY
        private_cups.stop()
        with pytest.raises(DeviceNotFound):
            queue.submit(b"%PDF-1.4\n", "kiosk-hotplug")
        private_cups.start()


# -- the whole kiosk -------------------------------------------------------------------------


def test_the_kiosk_starts_with_every_device_missing_and_says_so_without_asking_them(
    sane_bench: SaneBench, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUPS_SERVER", f"127.0.0.1:{free_port()}")
    raw = {
        "kiosk": {"id": "borne-1", "code": "B7K", "data_dir": str(tmp_path)},
        "sync": SYNC_TABLE,
        "scanner": {"backend": "sane", "device": ""},
        "camera": {"backend": "opencv", "device": "/dev/video-kiosk-absent"},
        "printer": {
            "backend": "escpos",
            "connection": "network",
            "host": "127.0.0.1",
            "port": free_port(),
            "a4_queue": "KioskAbsent",
        },
    }
    started = time.monotonic()
    app = build_app(build_config(raw, "(test)"))
    try:
        assert time.monotonic() - started < 5  # no device was waited for
        lines = device_lines(app)
        assert "pas encore utilisé" in lines[0]  # the scanner: not probed at start-up
        assert "absent" in lines[1] and "/dev/video-kiosk-absent" in lines[1]
        with pytest.raises(DeviceNotFound):
            app.devices.run("printer", app.devices.printer.print_receipt, RECEIPT).result()
        assert "absent" in device_lines(app)[2]
    finally:
        app.devices.shutdown()
        app.store.close()
