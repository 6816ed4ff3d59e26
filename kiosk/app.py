"""The application service: sessions, scanning, sealing and the receipt, without a toolkit.

The UI calls these methods and subscribes to events; it never reaches into drivers or the
store itself. Slow work returns a ``Future`` that completes on a worker thread.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drivers.cancel import CancelToken
from drivers.errors import DeviceError
from drivers.printer.cups_queue import JobState
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
from offline_cache import FileToSeal, SealedSubmission, Store, SubmissionToSeal

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
    """One attempt at printing a receipt: what was sent, or why it could not be."""

    printed: PrintResult | None
    error: DeviceError | None


SessionListener = Callable[[str, Session], None]  # (event, session): "started" | "ended"


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
        # Only the pièces that are sealed: pages of a pièce whose step no longer applies (the
        # usager changed an earlier answer) stay out of the dossier, so off the receipt too.
        pieces = {
            step.id: len(session.pages(step.id))
            for step in session.engine.applicable_steps(session.answers)
            if isinstance(step, PieceStep)
        }
        return Deposit(sealed, self._receipt(session.demarche, sealed, pieces))

    def print_receipt(self, deposit: Deposit) -> Future[PrintOutcome]:
        """Print on the printer's worker; never fails: a problem comes back as ``error``."""
        outcome: Future[PrintOutcome] = Future()
        printing = self.devices.run("printer", self.devices.printer.print_receipt, deposit.receipt)
        printing.add_done_callback(
            lambda done: outcome.set_result(self._printed(deposit.sealed, done))
        )
        return outcome

    def _receipt(
        self, demarche: Demarche, sealed: SealedSubmission, pieces: dict[str, int]
    ) -> ReceiptDocument:
        return build_receipt(
            demarche=demarche,
            dossier_number=sealed.dossier_number,
            sealed_at=dt.datetime.fromisoformat(sealed.sealed_at),
            site_name=self.config["kiosk.site_name"],
            kiosk_id=self.config["kiosk.id"],
            pieces=pieces,
            follow_url=self.config["receipt.follow_url"],
        )

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

    def _printed(self, sealed: SealedSubmission, printing: Future[PrintResult]) -> PrintOutcome:
        error = printing.exception()
        if error is None:
            log_event(LOG, "receipt.printed", submission_id=sealed.submission_id)
            session = self.session
            if session is not None and session.id == sealed.submission_id:
                session.receipt_printed = True
            return PrintOutcome(printing.result(), None)
        if not isinstance(error, DeviceError):
            # A bug in a driver must not turn a sealed dossier into an error screen.
            LOG.error("receipt printing crashed", exc_info=error)
            error = DeviceError("printer", type(error).__name__)
        log_event(
            LOG,
            "receipt.failed",
            logging.WARNING,
            submission_id=sealed.submission_id,
            code=error.code,
        )
        return PrintOutcome(None, error)
