"""Receipts the printer did not take: kept on disk, listed for the médiateur, reprinted once,
purged after ``printer.pending_receipt_hours``. Real simulators, real store on disk,
synchronous device workers."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.printer.interface import PrinterState
from drivers.printer.simulated import SimulatedPrinter
from kiosk.app import KioskApp
from kiosk.print_queue import PRINTING, document_from_json, document_json
from kiosk.status import attention_count, attention_text, device_lines, queue_lines
from offline_cache import Store
from offline_cache.journal import Journal
from offline_cache.migrations import MIGRATIONS, SCHEMA_VERSION, migrate
from offline_cache.pending_receipts import PendingReceipts
from tests.support.backend_key import encrypt
from tests.unit.test_app import complete_perte, demo_kiosk, deposit_and_print, receipts

SETTINGS = {"scanner": {"resolution_dpi": 150}, "printer": {"pending_receipt_hours": 4}}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def app(data_dir: Path) -> Iterator[KioskApp]:
    with demo_kiosk(data_dir, SETTINGS) as kiosk:
        yield kiosk


def journal_of(app: KioskApp) -> list[tuple[str, dict[str, object]]]:
    return [(e.action, e.detail) for e in Journal(app.store).entries()]


def printer_of(app: KioskApp) -> SimulatedPrinter:
    printer = app.devices.printer
    assert isinstance(printer, SimulatedPrinter)
    return printer


def test_the_store_migrates_an_old_database_to_the_receipt_queue(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "kiosk.sqlite3", isolation_level=None)
    migrate(conn, MIGRATIONS[:4])  # a kiosk of the previous version
    conn.close()
    with Store.open(tmp_path, encrypt=encrypt) as store:
        assert store.schema_version() == SCHEMA_VERSION == 5
        assert PendingReceipts(store).all() == []


def test_only_a_sealed_dossier_s_receipt_and_only_json_is_kept(app: KioskApp) -> None:
    rows = PendingReceipts(app.store)
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(Exception, match="keep the receipt"):
        rows.begin("00000000-0000-4000-8000-000000000000", "{}", now)
    session = complete_perte(app)
    deposit, _outcome = deposit_and_print(app, session)
    with pytest.raises(Exception, match="keep the receipt"):
        rows.begin(deposit.sealed.submission_id, "not json", now)
    with pytest.raises(Exception, match="not a code"):
        rows.failed(deposit.sealed.submission_id, "Plus de papier !", now)


def test_a_receipt_is_kept_exactly_as_it_would_print(app: KioskApp) -> None:
    session = complete_perte(app)
    deposit, _outcome = deposit_and_print(app, session)
    again = document_from_json(document_json(deposit.receipt))
    assert again == deposit.receipt
    assert printer_of(app).render(again) == printer_of(app).render(deposit.receipt)
    with pytest.raises(ValueError):
        document_from_json('{"format": 99, "blocks": []}')


def test_a_printed_receipt_leaves_nothing_behind(app: KioskApp) -> None:
    session = complete_perte(app)
    _deposit, outcome = deposit_and_print(app, session)
    assert outcome.error is None and not outcome.kept
    assert PendingReceipts(app.store).all() == [] and app.kept_receipts() == []
    assert attention_count(app) == 0 and attention_text(app) == ""
    assert not any(action.startswith("receipt.") for action, _ in journal_of(app))


def test_paper_out_keeps_the_receipt_alerts_and_the_reprint_prints_it_once(
    app: KioskApp, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app.devices.faults["printer"].sticky = "paper_out"
    session = complete_perte(app)
    with caplog.at_level(logging.WARNING, logger="kiosk.app"):
        deposit, outcome = deposit_and_print(app, session)
    number = deposit.sealed.dossier_number
    assert outcome.error is not None and outcome.kept
    assert any(r.getMessage() == "receipt.failed" for r in caplog.records)
    app.end_session("finished")  # the usager leaves without a ticket

    [kept] = app.kept_receipts()
    assert (kept.dossier_number, kept.reason, kept.attempts) == (number, "paper_out", 1)
    assert attention_count(app) == 1
    assert attention_text(app) == "1 reçu(s) non imprimé(s) : « État de la borne »."
    lines = queue_lines(app)
    assert "Reçus non imprimés : 1" in lines
    assert f"  {number}, il y a 0 min (plus de papier)" in lines
    assert ("receipt.failed", {"dossier": number, "code": "paper_out", "kept": True}) in (
        journal_of(app)
    )

    app.devices.faults["printer"].sticky = ""  # the médiateur puts a roll in
    printing = app.reprint_kept(kept.submission_id)
    assert printing is not None
    again = printing.result()
    assert again.error is None and not again.kept
    assert len(receipts(data_dir)) == 1  # printed once
    assert app.kept_receipts() == [] and attention_count(app) == 0
    assert app.reprint_kept(kept.submission_id) is None  # nothing left to print twice
    assert len(receipts(data_dir)) == 1
    assert ("receipt.reprinted", {"dossier": number, "attempts": 2}) in journal_of(app)
    assert len(app.store.outbox()) == 1  # sealed once, whatever the printer did


def test_a_kept_receipt_survives_a_restart(data_dir: Path) -> None:
    with demo_kiosk(data_dir, SETTINGS) as first:
        first.devices.faults["printer"].sticky = "cover_open"
        deposit, outcome = deposit_and_print(first, complete_perte(first))
        assert outcome.kept
    with demo_kiosk(data_dir, SETTINGS) as second:  # the kiosk restarted (power cut, update)
        [kept] = second.kept_receipts()
        assert (kept.dossier_number, kept.reason) == (deposit.sealed.dossier_number, "cover_open")
        printing = second.reprint_kept(kept.submission_id)
        assert printing is not None and printing.result().error is None
        assert second.kept_receipts() == []
        assert len(receipts(data_dir)) == 1
        assert second.store.outbox()[0].dossier_number == deposit.sealed.dossier_number


def test_a_kiosk_stopped_mid_print_keeps_the_receipt(data_dir: Path) -> None:
    """Kept before it is sent: a crash between the two leaves it for the médiateur."""
    with demo_kiosk(data_dir, SETTINGS) as first:
        deposit, _outcome = deposit_and_print(first, complete_perte(first))
        first.receipts.begin(deposit.sealed.submission_id, deposit.receipt)  # then the crash
    with demo_kiosk(data_dir, SETTINGS) as second:
        [kept] = second.kept_receipts()
        assert kept.reason == PRINTING
        assert "(impression interrompue)" in queue_lines(second)[-1]


def test_a_kept_receipt_is_purged_after_the_configured_hours(app: KioskApp, data_dir: Path) -> None:
    app.devices.faults["printer"].sticky = "paper_out"
    deposit, _outcome = deposit_and_print(app, complete_perte(app))
    app.end_session("finished")
    start = dt.datetime.now(dt.UTC)
    app.receipts.clock = lambda: start + dt.timedelta(hours=3, minutes=59)
    [kept] = app.kept_receipts()
    assert f"  {deposit.sealed.dossier_number}, il y a 239 min (plus de papier)" in (
        queue_lines(app)
    )
    app.receipts.clock = lambda: start + dt.timedelta(hours=4, minutes=1)
    assert app.kept_receipts() == []
    assert PendingReceipts(app.store).all() == []  # gone from the disk, not only hidden
    assert app.reprint_kept(kept.submission_id) is None
    expired = ("receipt.expired", {"dossier": deposit.sealed.dossier_number, "code": "paper_out"})
    assert expired in journal_of(app)
    assert len(app.store.outbox()) == 1  # the dossier itself is untouched


def test_paper_near_end_prints_quietly_and_tells_the_mediateur(app: KioskApp) -> None:
    printer_of(app).paper_near_end = True
    _deposit, outcome = deposit_and_print(app, complete_perte(app))
    assert outcome.error is None and outcome.printed is not None
    assert attention_count(app) == 1
    assert attention_text(app) == "papier bientôt épuisé : « État de la borne »."
    assert "  Papier bientôt épuisé : prévoir un rouleau." in device_lines(app)
    printer_of(app).paper_near_end = False  # a new roll: the next receipt clears it
    deposit_and_print(app, complete_perte(app))
    assert attention_count(app) == 0


def test_a_printer_that_cannot_tell_its_state_is_said_to_the_mediateur(
    app: KioskApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    printer = printer_of(app)
    sent = printer.print_receipt

    def blind(document: object) -> object:
        result = sent(document)  # type: ignore[arg-type]
        return type(result)(result.data, result.status_after, (PrinterState.UNKNOWN.value,))

    monkeypatch.setattr(printer, "print_receipt", blind)
    _deposit, outcome = deposit_and_print(app, complete_perte(app))
    assert outcome.error is None
    assert attention_text(app) == "état de l'imprimante inconnu : « État de la borne »."
    assert any(line.startswith("  État inconnu") for line in device_lines(app))


def test_a_receipt_being_printed_is_neither_listed_nor_sent_twice(
    app: KioskApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.devices.faults["printer"].sticky = "paper_out"
    deposit, _outcome = deposit_and_print(app, complete_perte(app))
    app.devices.faults["printer"].sticky = ""
    printer = printer_of(app)
    sent = printer.print_receipt
    seen: list[object] = []

    def while_printing(document: object) -> object:
        # What the médiateur's panel would see while the usager's retry is at the printer.
        seen.extend([app.kept_receipts(), app.reprint_kept(deposit.sealed.submission_id)])
        return sent(document)  # type: ignore[arg-type]

    monkeypatch.setattr(printer, "print_receipt", while_printing)
    assert app.print_receipt(deposit).result().error is None
    assert seen == [[], None]
    assert app.kept_receipts() == []
