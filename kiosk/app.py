"""The application service: sessions, scanning, sealing and the receipt, without a toolkit.

The UI calls these methods and subscribes to events; it never reaches into drivers or the
store itself. Slow work returns a ``Future`` that completes on a worker thread.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drivers.cancel import CancelToken
from drivers.errors import DeviceError
from drivers.printer.cups_queue import JobState
from drivers.printer.escpos_layout import fits_code_page
from drivers.printer.interface import PrintResult, ReceiptDocument
from drivers.scanner.interface import ProgressCallback, ScanSettings, ScanSource
from kiosk.catalog import Catalog
from kiosk.config import Config
from kiosk.demarche import Demarche, PieceStep
from kiosk.devices import Devices
from kiosk.dossier_number import make_dossier_number
from kiosk.idle import IdleMonitor, IdleState
from kiosk.jsonlog import log_event
from kiosk.pdf import PdfPage, jpegs_to_pdf
from kiosk.pieces import PageImage, rotate_page
from kiosk.print_queue import (
    PAPER_NEAR_END,
    STATE_UNKNOWN,
    USAGER_LEFT,
    KeptReceipt,
    ReceiptQueue,
)
from kiosk.receipt import build_receipt
from kiosk.scanning import PageSink, ScanOutcome, scan_piece

if TYPE_CHECKING:
    from kiosk.assist import AssistMode
    from kiosk.camera_capture import DocumentCamera, PreviewSink
    from kiosk.page_processing import Orienter
    from kiosk.portrait_capture import LiveView, Portrait, PortraitCamera
    from kiosk.sync.worker import SyncWorker
    from offline_cache.journal import Journal
from kiosk.session import Session, SessionState
from kiosk.stats import SessionStats, outcome_of
from offline_cache import FileToSeal, SealedSubmission, Store, StoreError, SubmissionToSeal

LOG = logging.getLogger("kiosk.app")
MANIFEST_FORMAT = 1
A4_JOB_TIMEOUT_S = 120.0  # a job still queued then waits for the médiateur (paper, jam)
# A PDF's own structure around its JPEGs: ~1 KB per page, and headroom.
PDF_OVERHEAD_BYTES = 16_000


@dataclass(frozen=True)
class Deposit:
    """A sealed dossier and the usager's receipt for it."""

    sealed: SealedSubmission
    receipt: ReceiptDocument


@dataclass(frozen=True)
class PrintOutcome:
    """One attempt at printing a receipt: what was sent, or why it could not be; ``kept``:
    not printed, and kept for the médiateur to print later."""

    printed: PrintResult | None
    error: DeviceError | None
    kept: bool = False


SessionListener = Callable[[str, Session], None]  # (event, session): "started" | "ended"


def sealed_pieces(session: Session) -> dict[str, int]:
    """Page counts of the pièces a seal takes: pages of a pièce whose step no longer applies
    (the usager changed an earlier answer) stay out of the dossier, so off the receipt too."""
    return {
        step.id: len(session.pages(step.id))
        for step in session.engine.applicable_steps(session.answers)
        if isinstance(step, PieceStep)
    }


class KioskApp:
    def __init__(self, config: Config, catalog: Catalog, store: Store, devices: Devices) -> None:
        self.config = config
        self.catalog = catalog
        self.store = store
        self.devices = devices
        self.session: Session | None = None
        self.idle = IdleMonitor(
            config["session.idle_warning_s"], config["session.idle_countdown_s"]
        )
        self._listeners: list[SessionListener] = []
        # Set by the bootstrap: told to look at the queue as soon as a dossier is sealed.
        self.sync: SyncWorker | None = None
        self.stats: SessionStats | None = None  # set by the bootstrap too
        self.assist: AssistMode | None = None  # the médiateur's mode, with a badge reader
        self.journal: Journal | None = None  # the hash-chained journal (no personal data)
        # Receipts not printed yet, on disk, for the médiateur; and the printer's warnings
        # after its last good print (paper near end, state unknown), for the médiateur too.
        self.receipts = ReceiptQueue(store, config["printer.pending_receipt_hours"])
        self.printer_notices: tuple[str, ...] = ()
        # Receipts sent and not answered yet (submission id: how many times).
        self._in_printer: dict[str, int] = {}
        self._in_printer_lock = threading.Lock()

    def subscribe(self, listener: SessionListener) -> None:
        self._listeners.append(listener)

    def _emit(self, event: str, session: Session) -> None:
        for listener in list(self._listeners):
            listener(event, session)

    # -- session lifecycle -----------------------------------------------------------------
    def start_session(self, demarche_id: str) -> Session:
        if self.session is not None:
            self.end_session("replaced")
        demarche = self.catalog.get(demarche_id)
        session = Session(demarche)
        self.session = session
        self.idle.touch()
        log_event(LOG, "session.started", session_id=session.id, demarche_id=demarche.id)
        self._emit("started", session)
        return session

    def relabel_session(self) -> None:
        """Show the current démarche in the active language (the usager changed it)."""
        if self.session is not None:
            self.session.relabel(self.catalog.get(self.session.demarche.id))

    def end_session(self, reason: str) -> None:
        """Wipe the current session, whatever the reason (finished, abandoned, idle, error)."""
        session = self.session
        if session is None:
            return
        self.session = None
        sealed = session.state is SessionState.SEALED
        duration = (dt.datetime.now(dt.UTC) - session.started_at).total_seconds()
        session.wipe()
        self._count(session, reason, sealed)
        log_event(
            LOG,
            "session.ended",
            session_id=session.id,
            reason=reason,
            state="sealed" if sealed else "unsealed",
            duration_ms=round(duration * 1000),
        )
        self._emit("ended", session)

    def _count(self, session: Session, reason: str, sealed: bool) -> None:
        """One row of statistics and one line of journal; a failure there is logged, never
        the usager's problem."""
        outcome = outcome_of(reason, sealed)
        try:
            if self.stats is not None:
                self.stats.record(
                    dt.date.today(),
                    session.demarche.id,
                    outcome,
                    session.assisted,
                    session.receipt_printed,
                )
            if self.journal is not None:
                self.journal.append(
                    "session.ended",
                    "kiosk",
                    dt.datetime.now(dt.UTC),
                    demarche=session.demarche.id,
                    outcome=outcome,
                    assisted=session.assisted,
                )
        except Exception as exc:
            LOG.error("statistics or journal not recorded", exc_info=exc)

    def idle_state(self) -> IdleState:
        return self.idle.state()

    # -- scanning --------------------------------------------------------------------------
    def scan(
        self,
        piece_id: str,
        cancel: CancelToken,
        on_page: PageSink | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Future[ScanOutcome]:
        """Scan a pièce of the current démarche on the scanner's worker, where its pages are
        processed too; ``on_page`` and ``on_progress`` are called there as the scan goes."""
        session, piece = self._current_piece(piece_id)
        settings = ScanSettings(
            source=ScanSource(self.config["scanner.source"]),
            resolution_dpi=self.config["scanner.resolution_dpi"],
        )
        max_bytes = self.page_budget(session.demarche, piece)
        orient = self._orienter()

        def work() -> ScanOutcome:
            started = time.monotonic()
            outcome = scan_piece(
                self.devices.scanner,
                settings,
                cancel,
                max_bytes=max_bytes,
                orient=orient,
                on_page=on_page,
                on_progress=on_progress,
            )
            log_event(
                LOG,
                "piece.scanned",
                piece_id=piece_id,
                pages=len(outcome.pages),
                count=outcome.blank_backs_dropped,
                duration_ms=round((time.monotonic() - started) * 1000),
            )
            return outcome

        return self.devices.run("scanner", work)

    def photograph_document(
        self, piece_id: str, cancel: CancelToken, on_preview: PreviewSink
    ) -> tuple[DocumentCamera, Future[None]]:
        """Run the camera's live view on its worker until ``cancel``; ask the returned
        ``DocumentCamera`` for a photo of the document (when there is no scanner)."""
        from kiosk.camera_capture import DocumentCamera

        session, piece = self._current_piece(piece_id)
        camera = DocumentCamera(
            self.devices.camera_for_documents,
            cancel,
            on_preview,
            max_bytes=self.page_budget(session.demarche, piece),
            orient=self._orienter(),
        )
        return camera, self.devices.run_until_cancelled("camera", camera.run, cancel)

    def photograph_portrait(
        self,
        cancel: CancelToken,
        on_view: Callable[[LiveView], None],
        on_photo: Callable[[Portrait], None],
    ) -> tuple[PortraitCamera, Future[None]]:
        """Run the identity photo's live guidance on the camera worker until ``cancel``."""
        from kiosk.portrait_capture import PortraitCamera

        camera = PortraitCamera(self.devices.camera, cancel, on_view, on_photo)
        return camera, self.devices.run_until_cancelled("camera", camera.run, cancel)

    def _current_piece(self, piece_id: str) -> tuple[Session, PieceStep]:
        session = self.session
        if session is None:
            raise RuntimeError("no session")
        piece = session.demarche.step(piece_id)
        if not isinstance(piece, PieceStep):
            raise ValueError(f"not a pièce: {piece_id}")
        return session, piece

    def _orienter(self) -> Orienter | None:
        if not self.config["scanner.detect_orientation"]:
            return None
        from kiosk.orientation import detect_rotation

        return detect_rotation

    def page_budget(self, demarche: Demarche, piece: PieceStep) -> int:
        """The most bytes one page may take: the démarche's file limit, shared by the pièce's
        pages when they are sealed together as one PDF (less room for the PDF's own bytes)."""
        if self.config["scanner.output"] == "pdf":
            return (demarche.max_file_bytes - PDF_OVERHEAD_BYTES) // piece.max_pages
        return demarche.max_file_bytes

    def rotate(self, page: PageImage, piece_id: str) -> Future[PageImage]:
        """Turn a scanned page of a pièce a quarter clockwise, within the pièce's page
        budget, off the GUI thread."""
        session, piece = self._current_piece(piece_id)
        return self.devices.run(
            "scanner", rotate_page, page, self.page_budget(session.demarche, piece)
        )

    # -- sealing and receipt ---------------------------------------------------------------
    def submission_for(self, session: Session) -> SubmissionToSeal:
        """Snapshot the session as an immutable dossier (call on the GUI thread)."""
        missing = session.missing()
        if missing:
            raise ValueError(f"incomplete: {missing[0].id}")
        broken = session.broken_rules()
        if broken:  # an earlier answer changed after the rule was checked
            raise ValueError(f"rule broken: {broken[0].id}")
        files: list[FileToSeal] = []
        pieces = []
        for step in session.engine.applicable_steps(session.answers):
            if not isinstance(step, PieceStep):
                continue
            sealed = self._piece_files(step.id, session.pages(step.id))
            files.extend(sealed)
            pieces.append({"id": step.id, "files": [f.name for f in sealed]})
        manifest: dict[str, object] = {
            "format": MANIFEST_FORMAT,
            "submission_id": session.id,
            "demarche": {"id": session.demarche.id, "version": session.demarche.version},
            "kiosk_id": self.config["kiosk.id"],
            "assisted": session.assisted,
            "started_at": session.started_at.isoformat(),
            "answers": session.answers,
            "answered_by": session.answered_by,
            "overrides": list(session.overrides),
            "pieces": pieces,
        }
        # Fail here, on the GUI thread with the session intact, rather than in the store.
        json.dumps(manifest)
        return SubmissionToSeal(
            submission_id=session.id,
            demarche_id=session.demarche.id,
            demarche_version=session.demarche.version,
            kiosk_id=self.config["kiosk.id"],
            assisted=session.assisted,
            manifest=manifest,
            files=tuple(files),
        )

    def _piece_files(self, piece_id: str, pages: list[PageImage]) -> list[FileToSeal]:
        """A pièce's pages as sealed files: one JPEG per page, or one PDF for the pièce."""
        if not pages:
            return []
        if self.config["scanner.output"] == "pdf":
            document = jpegs_to_pdf([PdfPage(p.jpeg, p.resolution_dpi) for p in pages])
            return [FileToSeal(f"piece-{piece_id}.pdf", "application/pdf", document)]
        return [
            FileToSeal(f"piece-{piece_id}-p{number}.jpg", "image/jpeg", page.jpeg)
            for number, page in enumerate(pages, start=1)
        ]

    def seal(self, session: Session) -> Future[SealedSubmission]:
        """Seal the dossier on the store's worker: files and outbox row in one transaction.

        Nothing else happens there: the session is marked sealed and the receipt built by
        ``record_sealed`` on the caller's thread, and printed by ``print_receipt`` after.
        """
        submission = self.submission_for(session)
        code = self.config["kiosk.code"]
        sealing = self.devices.run(
            "store",
            self.store.seal,
            submission,
            lambda seq: make_dossier_number(code, seq),
            # Keyed by the code the numbers are made of: renaming a kiosk keeps its sequence.
            f"dossier_sequence:{code}",
        )

        def settled(done: Future[SealedSubmission]) -> None:
            error = done.exception()
            if error is None:
                if self.sync is not None:
                    self.sync.wake()  # off to the backend now, if the network allows
                return
            log_event(
                LOG,
                "session.seal_failed",
                logging.ERROR,
                session_id=session.id,
                error_type=type(error).__name__,
            )

        sealing.add_done_callback(settled)
        return sealing

    def record_sealed(self, session: Session, sealed: SealedSubmission) -> Deposit:
        """The dossier is committed: mark the session sealed and build the usager's receipt."""
        if session.state is SessionState.ACTIVE:
            session.mark_sealed()
        log_event(
            LOG,
            "session.sealed",
            session_id=session.id,
            submission_id=sealed.submission_id,
            dossier_number=sealed.dossier_number,
            demarche_id=sealed.demarche_id,
        )
        return Deposit(sealed, self._receipt(session.demarche, sealed, sealed_pieces(session)))

    def keep_receipt_for_later(
        self, sealed: SealedSubmission, demarche: Demarche, pieces: dict[str, int]
    ) -> Future[None]:
        """The usager left while their dossier was being sealed (idle, abandon): nobody is
        there to take the receipt, so it goes straight to the médiateur's kept receipts."""
        receipt = self._receipt(demarche, sealed, pieces)  # in the language of the session

        def keep() -> None:
            self.receipts.begin(sealed.submission_id, receipt)
            self.receipts.failed(sealed.submission_id, USAGER_LEFT)
            log_event(
                LOG,
                "receipt.failed",
                logging.WARNING,
                submission_id=sealed.submission_id,
                dossier_number=sealed.dossier_number,
                code=USAGER_LEFT,
            )
            self._journal("receipt.failed", dossier=sealed.dossier_number, code=USAGER_LEFT)

        return self.devices.run("printer", keep)

    def print_receipt(self, deposit: Deposit) -> Future[PrintOutcome]:
        """Print on the printer's worker; never fails: a problem comes back as ``error``.
        Until the printer has taken it, the receipt is kept on disk (``self.receipts``)."""
        sealed = deposit.sealed
        return self._print(sealed.submission_id, sealed.dossier_number, deposit.receipt)

    def reprint_kept(self, submission_id: str) -> Future[PrintOutcome] | None:
        """Print a receipt kept after a failure, whichever session it was (the médiateur's
        panel); None when it is no longer waiting (printed meanwhile, too old, or being
        printed right now: a second copy would come out)."""
        with self._in_printer_lock:
            if submission_id in self._in_printer:
                return None
        try:
            found = self.receipts.document(submission_id)
        except (StoreError, ValueError) as exc:
            LOG.error("kept receipt unreadable", exc_info=exc)
            return None
        if found is None:
            return None
        kept, document = found
        return self._print(kept.submission_id, kept.dossier_number, document)

    def kept_receipts(self) -> list[KeptReceipt]:
        """The receipts waiting for the printer (the one being printed now left out), once the
        ones kept for too long are purged. Never raises: a status screen calls it."""
        try:
            self._purge_kept_receipts()
            waiting = self.receipts.waiting()
        except StoreError as exc:
            LOG.error("kept receipts unreadable", exc_info=exc)
            return []
        with self._in_printer_lock:
            busy = set(self._in_printer)
        return [kept for kept in waiting if kept.submission_id not in busy]

    def _purge_kept_receipts(self) -> None:
        for kept in self.receipts.purge():
            log_event(
                LOG,
                "receipt.expired",
                logging.WARNING,
                submission_id=kept.submission_id,
                dossier_number=kept.dossier_number,
                reason=kept.reason,
            )
            self._journal("receipt.expired", dossier=kept.dossier_number, code=kept.reason)

    def _journal(self, action: str, **detail: object) -> None:
        """A printing event in the journal (codes only); never the usager's problem."""
        if self.journal is None:
            return
        try:
            self.journal.append(action, "kiosk", dt.datetime.now(dt.UTC), **detail)
        except Exception as exc:
            LOG.error("journal not written", exc_info=exc)

    def _print(
        self, submission_id: str, dossier_number: str, document: ReceiptDocument
    ) -> Future[PrintOutcome]:
        outcome: Future[PrintOutcome] = Future()
        with self._in_printer_lock:
            self._in_printer[submission_id] = self._in_printer.get(submission_id, 0) + 1
        kept = [False]  # set on the worker: the receipt is on disk before it is sent

        def work() -> PrintResult:
            try:
                self._purge_kept_receipts()
            except StoreError as exc:  # tried again at the next look or print
                LOG.error("kept receipts not purged", exc_info=exc)
            try:
                self.receipts.begin(submission_id, document)
                kept[0] = True
            except StoreError as exc:  # a full disk must not keep the usager's ticket back
                LOG.error("receipt not kept before printing", exc_info=exc)
            return self.devices.printer.print_receipt(document)

        def settled(done: Future[PrintResult]) -> None:
            try:
                result = self._printed(submission_id, dossier_number, kept[0], done)
            except BaseException as exc:  # whoever waits is told, never left waiting
                outcome.set_exception(exc)
                return
            finally:
                with self._in_printer_lock:
                    self._in_printer[submission_id] -= 1
                    if not self._in_printer[submission_id]:
                        del self._in_printer[submission_id]
            outcome.set_result(result)

        self.devices.run("printer", work).add_done_callback(settled)
        return outcome

    def _receipt(
        self, demarche: Demarche, sealed: SealedSubmission, pieces: dict[str, int]
    ) -> ReceiptDocument:
        def receipt(demarche: Demarche, in_french: bool) -> ReceiptDocument:
            return build_receipt(
                demarche=demarche,
                dossier_number=sealed.dossier_number,
                sealed_at=dt.datetime.fromisoformat(sealed.sealed_at),
                site_name=self.config["kiosk.site_name"],
                kiosk_id=self.config["kiosk.id"],
                pieces=pieces,
                follow_url=self.config["receipt.follow_url"],
                in_french=in_french,
            )

        shown = receipt(demarche, in_french=False)
        if fits_code_page(shown.plain_text()):
            return shown
        # The printer cannot print this language's letters: the receipt is in French.
        return receipt(self.catalog.source(demarche.id), in_french=True)

    def print_a4(self, pdf: bytes, title: str) -> Future[JobState]:
        """Print an A4 document recto verso through CUPS and follow the job to its end, on
        the printer's worker (the ticket printer's receipt is never delayed by it: it was
        printed before)."""
        queue = self.devices.a4_queue
        if queue is None:
            raise RuntimeError("no A4 queue configured")

        def work() -> JobState:
            job = queue.submit(pdf, title, duplex=True)
            try:
                state = queue.wait(job, timeout_s=A4_JOB_TIMEOUT_S)
            except DeviceError:
                # Not printed now: withdrawn, or it would come out later for someone else.
                queue.cancel(job)
                raise
            queue.purge(job)
            log_event(LOG, "a4.printed", state=state.value)
            return state

        # Its own worker: a job waiting for paper must never hold up a ticket receipt.
        return self.devices.run("a4", work)

    def _printed(
        self, submission_id: str, number: str, kept: bool, printing: Future[PrintResult]
    ) -> PrintOutcome:
        """On the printer's worker: forget the kept receipt once printed, or say why not."""
        error = printing.exception()
        if error is None:
            result = printing.result()
            attempts = self._forget_printed(submission_id) if kept else 1
            log_event(LOG, "receipt.printed", submission_id=submission_id, attempts=attempts)
            if attempts > 1:  # printed after a failure: the médiateur's or the usager's retry
                self._journal("receipt.reprinted", dossier=number, attempts=attempts)
            self._note_printer(result)
            session = self.session
            if session is not None and session.id == submission_id:
                session.receipt_printed = True
            return PrintOutcome(result, None)
        if not isinstance(error, DeviceError):
            # A bug in a driver must not turn a sealed dossier into an error screen.
            LOG.error("receipt printing crashed", exc_info=error)
            error = DeviceError("printer", type(error).__name__)
        self.printer_notices = ()  # the failure itself says what the printer needs
        if kept:
            try:
                self.receipts.failed(submission_id, error.code)
            except StoreError as exc:
                LOG.error("receipt failure not noted", exc_info=exc)
        log_event(
            LOG,
            "receipt.failed",
            logging.WARNING,
            submission_id=submission_id,
            dossier_number=number,
            code=error.code,
            state="kept" if kept else "lost",
        )
        self._journal("receipt.failed", dossier=number, code=error.code, kept=kept)
        return PrintOutcome(None, error, kept)

    def _forget_printed(self, submission_id: str) -> int:
        """The printer took the receipt: off the queue; how many times it was sent."""
        try:
            kept = self.receipts.printed(submission_id)
        except StoreError as exc:  # left in the queue: purged with age, reprinting is harmless
            LOG.error("printed receipt not removed from the queue", exc_info=exc)
            return 1
        return kept.attempts if kept is not None else 1

    def _note_printer(self, result: PrintResult) -> None:
        """Printed, but the printer needs a person soon (paper near end) or cannot tell its
        state: nothing for the usager, a line for the médiateur and the logs."""
        notices = tuple(w for w in result.warnings if w in (PAPER_NEAR_END, STATE_UNKNOWN))
        for notice in notices:
            log_event(LOG, "printer.warning", logging.WARNING, device="printer", code=notice)
        self.printer_notices = notices
