"""The kiosk's receipt queue on an ESC/POS printer listening on 127.0.0.1
(tests/support/escpos_server): python-escpos's Network printer, real sockets, the store on disk.

A paper-out keeps the receipt across the end of the session and a restart of the kiosk; the
médiateur's reprint then prints it once. Paper near end and a printer that never answers its
state requests print, and are told to the médiateur."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.app import KioskApp
from kiosk.bootstrap import build_app
from kiosk.config import build_config
from kiosk.doctor import check_devices
from kiosk.status import attention_count, attention_text, device_lines, queue_lines
from offline_cache.journal import Journal
from tests.support.backend_key import SYNC_TABLE
from tests.support.escpos_server import FakeReceiptPrinter
from tests.unit.test_app import complete_perte, deposit_and_print


@pytest.fixture
def fake() -> Iterator[FakeReceiptPrinter]:
    with FakeReceiptPrinter() as printer:
        yield printer


@contextlib.contextmanager
def kiosk(fake: FakeReceiptPrinter, data_dir: Path) -> Iterator[KioskApp]:
    config = build_config(
        {
            "kiosk": {"id": "borne-1", "code": "B7K", "data_dir": str(data_dir)},
            "sync": SYNC_TABLE,
            "scanner": {"resolution_dpi": 150, "detect_orientation": False},
            "printer": {
                "backend": "escpos",
                "host": fake.host,
                "port": fake.port,
                "pending_receipt_hours": 2,
            },
        },
        "(test)",
    )
    app = build_app(config, synchronous_devices=True)
    try:
        yield app
    finally:
        app.end_session("test")
        app.devices.shutdown()
        app.store.close()


def test_paper_out_then_a_restart_then_the_mediateur_s_reprint_prints_once(
    fake: FakeReceiptPrinter, tmp_path: Path
) -> None:
    fake.paper = "out"
    with kiosk(fake, tmp_path) as first:
        deposit, outcome = deposit_and_print(first, complete_perte(first))
        assert outcome.error is not None and outcome.error.code == "paper_out" and outcome.kept
        first.end_session("finished")
    number = deposit.sealed.dossier_number
    assert fake.parsed().cuts == 0  # nothing was sent to a printer without paper

    fake.paper = "ok"  # a roll is put in while the kiosk restarts
    with kiosk(fake, tmp_path) as second:
        [kept] = second.kept_receipts()
        assert kept.dossier_number == number and attention_count(second) == 1
        printing = second.reprint_kept(kept.submission_id)
        assert printing is not None and printing.result().error is None
        parsed = fake.wait_for_cuts()
        assert number in parsed.lines and parsed.line(number).large
        assert "Récépissé de dépôt" in parsed.lines
        assert second.kept_receipts() == [] and second.reprint_kept(kept.submission_id) is None
        assert len(second.store.outbox()) == 1  # sealed once
        actions = [(e.action, e.detail.get("dossier")) for e in Journal(second.store).entries()]
        assert ("receipt.failed", number) in actions and ("receipt.reprinted", number) in actions
    assert fake.parsed().cuts == 1  # printed exactly once


def test_paper_near_end_prints_and_the_mediateur_is_told(
    fake: FakeReceiptPrinter, tmp_path: Path
) -> None:
    fake.paper = "near_end"
    with kiosk(fake, tmp_path) as app:
        _deposit, outcome = deposit_and_print(app, complete_perte(app))
        assert outcome.error is None and not outcome.kept
        assert fake.wait_for_cuts().cuts == 1
        assert app.kept_receipts() == []
        assert "papier bientôt épuisé" in attention_text(app)
        assert "  Papier bientôt épuisé : prévoir un rouleau." in device_lines(app)


def test_a_printer_that_never_answers_its_state_prints_and_the_doubt_is_told(
    fake: FakeReceiptPrinter, tmp_path: Path
) -> None:
    fake.silent = True
    with kiosk(fake, tmp_path) as app:
        app.devices.printer.timeout_s = 0.3  # type: ignore[attr-defined]
        _deposit, outcome = deposit_and_print(app, complete_perte(app))
        assert outcome.error is None
        assert fake.wait_for_cuts().cuts == 1
        assert "état de l'imprimante inconnu" in attention_text(app)
        assert any(line.startswith("  État inconnu") for line in device_lines(app))
        assert not any(line.startswith("Reçus non imprimés") for line in queue_lines(app))


@pytest.mark.parametrize(
    ("knob", "detail"), [("near_end", "paper_near_end"), ("silent", "unknown")]
)
def test_kiosk_doctor_warns_of_paper_near_end_and_an_unknown_state(
    fake: FakeReceiptPrinter, tmp_path: Path, knob: str, detail: str
) -> None:
    if knob == "silent":
        fake.silent = True
    else:
        fake.paper = "near_end"
    with kiosk(fake, tmp_path) as app:
        [printer] = [f for f in check_devices(app.config) if f.subject == "Imprimante"]
    assert printer.status == "ATTENTION" and printer.detail.startswith(detail)
