"""The application service end to end, without a toolkit: answer, scan, seal, print, wipe.

Real simulators, real store, synchronous device workers (``synchronous_devices=True``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from drivers.cancel import CancelToken
from drivers.errors import PaperOut
from drivers.scanner.interface import ScanSettings, ScanSource
from drivers.scanner.simulated import SimulatedScanner
from kiosk.app import Deposit, KioskApp, PrintOutcome
from kiosk.bootstrap import build_app, start_demo_backend
from kiosk.config import build_config
from kiosk.demarche import PieceStep
from kiosk.dossier_number import is_valid
from kiosk.idle import IdlePhase
from kiosk.pdf import PdfPage, jpegs_to_pdf
from kiosk.pieces import encode_page, rotate_page
from kiosk.session import RECAP, Session, SessionClosed, SessionState
from kiosk.stats import SessionStats
from kiosk.status import attention_count, device_lines, queue_lines
from offline_cache import OutboxState, StoreError
from offline_cache.journal import Journal
from offline_cache.outbox import Outbox
from tests.support.backend_key import opened

DEMARCHE = "permis-perte-vol"
NOM = "Zorglubova"
FACTS = dt.date.today() - dt.timedelta(days=10)

# (step, what the usager types, what is kept); the "perte" path.
PERTE: list[tuple[str, str, Any]] = [
    ("motif", "perte", "perte"),
    ("date_faits", FACTS.strftime("%d/%m/%Y"), FACTS.isoformat()),
    ("nom_naissance", NOM, NOM),
    ("prenoms", "Ysolde Marie", "Ysolde Marie"),
    ("date_naissance", "14/07/1962", "1962-07-14"),
    ("email", "ysolde.zorglubova@exemple.fr", "ysolde.zorglubova@exemple.fr"),
    ("telephone", "06 12 34 56 78", "06 12 34 56 78"),
    ("code_ephoto", "AB12CD34EF56GH78IJ90KL", "AB12CD34EF56GH78IJ90KL"),
    ("timbre_fiscal", "1234567890123456", "1234567890123456"),
]
PIECES = ["piece_identite", "justificatif_domicile"]
EXPECTED_ANSWERS = {step: kept for step, _typed, kept in PERTE}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@contextlib.contextmanager
def demo_kiosk(data_dir: Path, settings: dict[str, Any]) -> Iterator[KioskApp]:
    """The demo application with its devices run inline, closed afterwards."""
    config = build_config(settings, "t", demo=True, demo_data_dir=data_dir)
    kiosk = build_app(config, synchronous_devices=True)
    try:
        yield kiosk
    finally:
        kiosk.end_session("test")
        kiosk.devices.shutdown()
        kiosk.store.close()


@pytest.fixture
def app(data_dir: Path) -> Iterator[KioskApp]:
    settings = {
        "scanner": {"resolution_dpi": 150},
        "kiosk": {"site_name": "Sous-préfecture d'essai"},
    }
    with demo_kiosk(data_dir, settings) as kiosk:
        yield kiosk


def answer(session: Session, path: list[tuple[str, str, Any]]) -> None:
    for step_id, typed, _kept in path:
        session.go_to(step_id)
        result = session.answer(typed)
        assert result.ok, (step_id, result.error)


def scan(app: KioskApp, session: Session, piece_id: str) -> None:
    pages = app.scan(piece_id, CancelToken()).result().pages
    assert len(pages) == 1
    assert pages[0].jpeg.startswith(b"\xff\xd8")
    session.set_pages(piece_id, list(pages))


def complete_perte(app: KioskApp) -> Session:
    session = app.start_session(DEMARCHE)
    for step_id, typed, _kept in PERTE:
        assert session.current == step_id
        assert session.answer(typed).ok
        session.go_next()
    for piece_id in PIECES:
        assert session.current == piece_id
        scan(app, session, piece_id)
        session.go_next()
    assert session.current == RECAP
    assert session.missing() == []
    return session


def spool_of(data_dir: Path, session: Session) -> Path:
    return data_dir / "spool" / session.id


def date_years_ago(years: int) -> str:
    today = dt.date.today()
    return today.replace(year=today.year - years, day=min(today.day, 28)).strftime("%d/%m/%Y")


def deposit_and_print(app: KioskApp, session: Session) -> tuple[Deposit, PrintOutcome]:
    """What the window does: seal (store worker), record it, then print (printer worker)."""
    deposit = app.record_sealed(session, app.seal(session).result())
    return deposit, app.print_receipt(deposit).result()


def receipts(data_dir: Path) -> list[Path]:
    directory = data_dir / "printer"
    return sorted(directory.glob("receipt-*.escpos")) if directory.exists() else []


# --- the happy path ------------------------------------------------------------------------


def test_a_perte_deposit_seals_once_and_prints_the_receipt(app: KioskApp, data_dir: Path) -> None:
    session = complete_perte(app)
    deposit, printing = deposit_and_print(app, session)

    assert isinstance(deposit, Deposit)
    assert printing.error is None
    assert session.state is SessionState.SEALED
    sealed = deposit.sealed
    assert sealed.submission_id == session.id
    assert sealed.demarche_id == DEMARCHE
    assert sealed.sequence == 1
    assert sealed.dossier_number.startswith("DEM-")
    assert is_valid(sealed.dossier_number)

    [entry] = app.store.outbox()
    assert (entry.submission_id, entry.dossier_number) == (session.id, sealed.dossier_number)
    assert entry.state is OutboxState.SEALED

    spool = spool_of(data_dir, session)
    assert sorted(p.name for p in spool.iterdir()) == [
        "manifest.json.age",
        "piece-justificatif_domicile-p1.jpg.age",
        "piece-piece_identite-p1.jpg.age",
    ]
    for piece_id in PIECES:
        jpeg = opened(spool / f"piece-{piece_id}-p1.jpg.age")
        assert jpeg.startswith(b"\xff\xd8") and jpeg == session.pages(piece_id)[0].jpeg
    assert app.store.verify(session.id) == []

    manifest = json.loads(opened(spool / "manifest.json.age"))
    assert manifest["answers"] == EXPECTED_ANSWERS
    assert manifest["demarche"] == {"id": DEMARCHE, "version": app.catalog.get(DEMARCHE).version}
    assert manifest["submission_id"] == session.id
    assert manifest["kiosk_id"] == app.config["kiosk.id"]
    assert manifest["pieces"] == [
        {"id": "piece_identite", "files": ["piece-piece_identite-p1.jpg"]},
        {"id": "justificatif_domicile", "files": ["piece-justificatif_domicile-p1.jpg"]},
    ]
    assert set(manifest["answered_by"]) == set(EXPECTED_ANSWERS)

    [printed_file] = receipts(data_dir)
    assert printing.printed is not None
    assert printed_file.read_bytes() == printing.printed.data
    assert sealed.dossier_number.encode("ascii") in printing.printed.data
    assert NOM.encode("ascii") not in printing.printed.data
    text = deposit.receipt.plain_text()
    assert sealed.dossier_number in text
    assert "Sous-préfecture d'essai" in text
    assert "- Votre pièce d'identité (1 page)" in text
    for _step, _typed, kept in PERTE[1:]:
        assert str(kept) not in text


def test_the_journey_touches_the_idle_monitor(app: KioskApp) -> None:
    app.start_session(DEMARCHE)
    assert app.idle_state().phase is IdlePhase.ACTIVE


# --- printing fails ------------------------------------------------------------------------


def test_paper_out_still_completes_the_deposit(app: KioskApp, data_dir: Path) -> None:
    app.devices.faults["printer"].sticky = "paper_out"
    session = complete_perte(app)
    deposit, printing = deposit_and_print(app, session)

    assert isinstance(printing.error, PaperOut)
    assert printing.error.code == "paper_out"
    assert printing.printed is None
    assert deposit.sealed.dossier_number in deposit.receipt.plain_text()  # for a reprint
    assert session.state is SessionState.SEALED
    assert [e.submission_id for e in app.store.outbox()] == [session.id]
    assert deposit.sealed.sequence == 1
    assert receipts(data_dir) == []
    app.devices.faults["printer"].sticky = ""  # the médiateur puts paper back: print again
    again = app.print_receipt(deposit).result()
    assert again.error is None and len(receipts(data_dir)) == 1
    assert len(app.store.outbox()) == 1  # reprinting never reseals


def test_a_printer_crash_is_reported_as_a_device_error(
    app: KioskApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(receipt: object) -> None:
        raise RuntimeError("driver bug")

    monkeypatch.setattr(app.devices.printer, "print_receipt", crash)
    session = complete_perte(app)
    _deposit, printing = deposit_and_print(app, session)
    assert printing.error is not None
    assert (printing.error.device, printing.error.code) == ("printer", "device_error")
    assert len(app.store.outbox()) == 1


# --- what must not happen ------------------------------------------------------------------


def test_a_second_deposit_of_the_same_session_fails(app: KioskApp, data_dir: Path) -> None:
    session = complete_perte(app)
    first, _printing = deposit_and_print(app, session)
    with pytest.raises(StoreError) as caught:
        app.seal(session).result()
    assert caught.value.code == "already_sealed"
    [entry] = app.store.outbox()
    assert entry.dossier_number == first.sealed.dossier_number
    assert len(receipts(data_dir)) == 1
    assert session.state is SessionState.SEALED


def test_an_incomplete_session_cannot_be_sealed(app: KioskApp, data_dir: Path) -> None:
    session = app.start_session(DEMARCHE)
    answer(session, PERTE[:3])
    with pytest.raises(ValueError, match="incomplete: prenoms"):
        app.submission_for(session)
    with pytest.raises(ValueError):
        app.seal(session)
    assert app.store.outbox() == []
    assert session.state is SessionState.ACTIVE

    answer(session, PERTE)
    scan(app, session, "piece_identite")
    with pytest.raises(ValueError, match="incomplete: justificatif_domicile"):
        app.submission_for(session)
    assert not spool_of(data_dir, session).exists()


def test_a_piece_of_a_step_that_no_longer_applies_is_neither_sealed_nor_printed(
    app: KioskApp, data_dir: Path
) -> None:
    session = app.start_session(DEMARCHE)
    answer(session, [("motif", "vol", "vol"), *PERTE[1:8]])
    for piece_id in [*PIECES, "declaration_vol"]:
        scan(app, session, piece_id)
    session.go_to("motif")
    assert session.answer("perte").ok  # the usager changes their mind
    answer(session, PERTE[8:])

    deposit, _printing = deposit_and_print(app, session)
    spool = spool_of(data_dir, session)
    assert not any("declaration_vol" in p.name for p in spool.iterdir())
    manifest = json.loads(opened(spool / "manifest.json.age"))
    assert [p["id"] for p in manifest["pieces"]] == PIECES
    assert manifest["answers"]["motif"] == "perte"
    assert "déclaration de vol" not in deposit.receipt.plain_text()


def test_the_submission_snapshot_drops_answers_that_no_longer_apply(app: KioskApp) -> None:
    session = app.start_session(DEMARCHE)
    answer(session, PERTE)
    session.go_to("motif")
    assert session.answer("vol").ok
    for piece_id in [*PIECES, "declaration_vol"]:
        scan(app, session, piece_id)
    session.go_to("date_naissance")  # a minor's représentant légal, then an adult after all
    assert session.answer(date_years_ago(17)).ok
    session.go_to("rl_nom")
    assert session.answer("Zorglubov").ok
    session.go_to("date_naissance")
    assert session.answer("14/07/1962").ok
    submission = app.submission_for(session)
    answers = submission.manifest["answers"]
    assert isinstance(answers, dict)
    assert "rl_nom" not in answers
    assert answers["motif"] == "vol"
    assert [f.name for f in submission.files] == [
        "piece-piece_identite-p1.jpg",
        "piece-justificatif_domicile-p1.jpg",
        "piece-declaration_vol-p1.jpg",
    ]


# --- the session lifecycle -----------------------------------------------------------------


def test_end_session_wipes_and_clears_the_current_session(app: KioskApp) -> None:
    events: list[tuple[str, str]] = []
    app.subscribe(lambda event, session: events.append((event, session.id)))
    session = app.start_session(DEMARCHE)
    assert app.session is session
    answer(session, PERTE[:3])
    scan(app, session, "piece_identite")

    app.end_session("abandoned")
    assert app.session is None
    assert session.state is SessionState.WIPED
    assert session.answers == {}
    assert session.pages("piece_identite") == []
    with pytest.raises(SessionClosed):
        session.answer("perte")
    assert events == [("started", session.id), ("ended", session.id)]
    app.end_session("again")  # nothing to end: no event
    assert len(events) == 2


def test_a_sealed_session_is_wiped_at_the_end_too(app: KioskApp) -> None:
    session = complete_perte(app)
    deposit_and_print(app, session)
    app.end_session("finished")
    assert session.state is SessionState.WIPED
    assert app.session is None
    assert len(app.store.outbox()) == 1  # the sealed dossier stays in the outbox


def test_starting_a_session_replaces_and_wipes_the_previous_one(app: KioskApp) -> None:
    first = app.start_session(DEMARCHE)
    answer(first, PERTE[:2])
    second = app.start_session(DEMARCHE)
    assert app.session is second
    assert second.id != first.id
    assert first.state is SessionState.WIPED
    assert second.answers == {}


def test_an_unknown_demarche_starts_nothing(app: KioskApp) -> None:
    with pytest.raises(KeyError):
        app.start_session("carte-grise")
    assert app.session is None


def test_no_answer_reaches_the_logs(app: KioskApp, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    session = complete_perte(app)
    deposit_and_print(app, session)
    app.end_session("finished")
    events = [getattr(r, "kiosk_event", None) for r in caplog.records]
    assert {"session.started", "piece.scanned", "session.sealed", "session.ended"} <= set(events)
    secrets = [str(kept) for _step, _typed, kept in PERTE[1:]]
    for record in caplog.records:
        written = record.getMessage() + repr(vars(record))
        for secret in secrets:
            assert secret not in written, (record.name, secret)


@pytest.fixture
def pdf_app(data_dir: Path) -> Iterator[KioskApp]:
    """The demo kiosk sealing each pièce as one PDF."""
    with demo_kiosk(data_dir, {"scanner": {"output": "pdf"}, "ui": {"fullscreen": False}}) as kiosk:
        yield kiosk


def test_a_full_piece_turned_and_sealed_as_pdf_stays_within_the_file_limit(
    pdf_app: KioskApp,
) -> None:
    # A limit just above what two 300-dpi pages need at best quality: each page is squeezed
    # into its share, and turning one must not undo that.
    session = pdf_app.start_session(DEMARCHE)
    piece = session.demarche.step("piece_identite")
    assert isinstance(piece, PieceStep)
    tight = replace(session.demarche, max_file_bytes=700_000)
    share = pdf_app.page_budget(tight, piece)
    pages = [
        encode_page(page, share)
        for page in SimulatedScanner(feeder_pages=piece.max_pages).scan(
            ScanSettings(ScanSource.FEEDER, 300), CancelToken()
        )
    ]
    assert all(len(page.jpeg) <= share for page in pages)
    turned = rotate_page(pages[0], share)
    assert len(turned.jpeg) <= share < len(rotate_page(pages[0], 10_000_000).jpeg)
    document = jpegs_to_pdf([PdfPage(p.jpeg, p.resolution_dpi) for p in [turned, *pages[1:]]])
    assert len(document) <= tight.max_file_bytes


def test_a_piece_can_be_sealed_as_one_pdf(pdf_app: KioskApp, data_dir: Path) -> None:
    session = complete_perte(pdf_app)
    deposit, _printing = deposit_and_print(pdf_app, session)
    names = sorted(f.name for f in deposit.sealed.files)
    assert names == [
        "manifest.json.age",
        "piece-justificatif_domicile.pdf.age",
        "piece-piece_identite.pdf.age",
    ]
    identity = next(f for f in deposit.sealed.files if f.name == "piece-piece_identite.pdf.age")
    document = opened(identity.path)
    assert document.startswith(b"%PDF-1.4")
    # The scanned page is inside, byte for byte: no re-compression.
    [page] = session.pages("piece_identite")
    assert page.jpeg in document
    manifest = json.loads(opened(spool_of(data_dir, session) / "manifest.json.age"))
    assert {"id": "piece_identite", "files": ["piece-piece_identite.pdf"]} in manifest["pieces"]


# --- on to the backend ----------------------------------------------------------------------


def test_a_sealed_dossier_goes_to_the_demo_backend_as_soon_as_it_is_sealed(
    data_dir: Path,
) -> None:
    config = build_config({}, "t", demo=True, demo_data_dir=data_dir)
    config, receiver = start_demo_backend(config)
    kiosk = build_app(config, synchronous_devices=True)
    assert kiosk.sync is not None
    kiosk.sync.start()
    try:
        session = complete_perte(kiosk)
        sealed = kiosk.seal(session).result()  # the seal wakes the worker: no waiting a minute
        deadline = time.monotonic() + 20
        while not receiver.submissions():
            assert time.monotonic() < deadline, "the dossier did not reach the backend"
            time.sleep(0.05)
        [arrived] = receiver.submissions()
        assert arrived["submission_id"] == sealed.submission_id
        assert arrived["dossier_number"] == sealed.dossier_number
    finally:
        kiosk.sync.stop()
        kiosk.end_session("test")
        kiosk.devices.shutdown()
        kiosk.store.close()
        receiver.stop()


def test_each_finished_session_is_counted_without_personal_data(app: KioskApp) -> None:
    session = complete_perte(app)
    deposit_and_print(app, session)
    app.end_session("finished")
    app.start_session(DEMARCHE)
    app.end_session("idle")
    ended = [e for e in Journal(app.store).entries() if e.action == "session.ended"]
    assert [e.detail["outcome"] for e in ended] == ["deposited", "timed_out"]
    assert all(
        e.actor == "kiosk" and set(e.detail) == {"demarche", "outcome", "assisted"} for e in ended
    )
    rows = SessionStats(app.store).rows()
    today = dt.date.today().isoformat()
    assert [(r.day, r.demarche_id, r.outcome, r.assisted, r.printed, r.sessions) for r in rows] == [
        (today, DEMARCHE, "deposited", False, True, 1),
        (today, DEMARCHE, "timed_out", False, False, 1),
    ]


T_NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def test_the_mediateur_status_names_devices_and_dossiers_to_look_at(app: KioskApp) -> None:
    session = complete_perte(app)
    deposit, _printing = deposit_and_print(app, session)
    assert attention_count(app) == 0
    Outbox(app.store).quarantine(deposit.sealed.submission_id, "HTTP 422 upload-mismatch", T_NOW)
    assert attention_count(app) == 1
    lines = queue_lines(app)
    problem = next(line for line in lines if line.startswith("À voir"))
    assert deposit.sealed.dossier_number in problem and "HTTP 422 upload-mismatch" in problem
    assert any(line.startswith("Lecteur de badges : ") for line in device_lines(app))
