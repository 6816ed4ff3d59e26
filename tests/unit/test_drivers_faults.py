"""Shared fault knobs, and the promise that simulators import cheaply."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from drivers import errors
from drivers.cancel import CancelToken
from drivers.faults import FAULT_ERRORS, FaultKnobs, fault_error


def test_every_fault_code_maps_to_the_class_carrying_it() -> None:
    assert FAULT_ERRORS["paper_out"] is errors.PaperOut
    assert FAULT_ERRORS["feeder_empty"] is errors.FeederEmpty
    assert FAULT_ERRORS["disconnected"] is errors.DeviceDisconnected
    assert all(cls.code == code for code, cls in FAULT_ERRORS.items())
    assert "cancelled" not in FAULT_ERRORS  # cancelling is not a device fault


def test_fault_error_builds_the_typed_error() -> None:
    error = fault_error("paper_jam", "Scanner X", "page 2")
    assert isinstance(error, errors.PaperJam)
    assert (error.device, error.detail, error.code) == ("Scanner X", "page 2", "paper_jam")


def test_unknown_fault_code_is_refused() -> None:
    with pytest.raises(ValueError, match="paper_jamm"):
        fault_error("paper_jamm", "x")


def test_fail_next_is_consumed_once_sticky_stays() -> None:
    knobs = FaultKnobs(fail_next="busy")
    assert knobs.take() == "busy"
    assert knobs.take() == ""
    knobs.sticky = "paper_out"
    assert [knobs.take(), knobs.take()] == ["paper_out", "paper_out"]


def test_fail_next_that_does_not_apply_stays_armed() -> None:
    knobs = FaultKnobs(fail_next="feeder_empty")
    assert knobs.take(lambda code: code != "feeder_empty") == ""
    assert knobs.fail_next == "feeder_empty"
    assert knobs.take() == "feeder_empty"


def test_check_present_raises_not_found_when_unplugged() -> None:
    FaultKnobs().check_present("dev")
    with pytest.raises(errors.DeviceNotFound):
        FaultKnobs(unplugged=True).check_present("dev")


def test_wait_delay_is_cut_short_by_cancel() -> None:
    knobs, cancel = FaultKnobs(delay_s=5.0), CancelToken()
    threading.Timer(0.05, cancel.cancel).start()
    start = time.monotonic()
    assert knobs.wait_delay(cancel) is True
    assert time.monotonic() - start < 1.0


def test_wait_delay_sleeps_in_full_without_cancel() -> None:
    start = time.monotonic()
    assert FaultKnobs(delay_s=0.05).wait_delay() is False
    assert time.monotonic() - start >= 0.045


def test_simulators_import_without_numpy_cv2_or_escpos() -> None:
    # Start-up time matters on the kiosk: these heavy imports must wait for first use.
    code = (
        "import sys\n"
        "import drivers.scanner.simulated, drivers.camera.simulated\n"
        "import drivers.printer.simulated, drivers.cardreader.simulated\n"
        "print(sorted(m for m in ('numpy', 'cv2', 'escpos') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert out.stdout.strip() == "[]"
