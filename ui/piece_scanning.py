"""Scanning a pièce on its screen: the scan, the pages as they arrive, and page actions.

The core scans on the scanner's worker and calls back there for each page and each step of
progress; the signals below carry those to the GUI thread (queued connections). Every
callback carries the scan's cancel token: anything from a scan that was cancelled, timed out
or belongs to a session that is gone is dropped.

A page is put into the session as soon as it arrives, so a paper jam on sheet 4 keeps sheets
1 to 3. "Recommencer" replaces the old pages only once the first new one is there: a
cancelled or failed new scan leaves the usager's pages as they were.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QSize, QTimer, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

from drivers.cancel import CancelToken
from drivers.errors import (
    DeviceDisconnected,
    DeviceError,
    DeviceNotFound,
    DeviceTimeout,
    OperationCancelled,
)
from kiosk.i18n import _
from kiosk.jsonlog import log_event
from kiosk.messages import UserMessage, for_device_error, page_over_limit, unreadable_scan
from kiosk.page_processing import UnusableReason
from kiosk.pieces import PageImage, PageOverLimit, UnreadableImage
from ui.overlay import Choice

if TYPE_CHECKING:
    from kiosk.camera_capture import DocumentCamera
    from kiosk.scanning import ScanOutcome
    from kiosk.session import Session
    from ui.screens.piece import PieceScreen
    from ui.window import KioskWindow

LOG = logging.getLogger("ui.scanning")
# A scan that has not come back by then is given up (the usager can try again or call the
# médiateur); real drivers time out on their own well before. Each page that arrives restarts
# it, so a long feeder batch is never cut short.
SCAN_TIMEOUT_MS = 60_000


@dataclass
class _Scan:
    """One scan in progress: where its pages go in the pièce's list."""

    session: Session
    piece_id: str
    cancel: CancelToken
    insert_at: int  # where the next arriving page goes
    replaces: int  # how many old pages the first arriving page replaces
    before: list[PageImage]  # the pièce's pages when the scan started, for "Annuler"
    limit: int | None = None  # pages wanted ("Refaire": one), the rest of a batch is ignored
    side: str = ""  # "Refaire" a verso: only a verso may take its place
    arrived: int = 0  # pages kept so far
    over_limit: int = 0  # pages beyond the pièce's maximum, not kept

    @property
    def position(self) -> tuple[int, int]:
        """(where the scan puts its pages, how many it replaces): to start it again."""
        return self.insert_at - self.arrived, self.replaces


class PieceScanning(QObject):
    _page_arrived = Signal(object, object)  # (cancel token, PageImage), from the worker
    _progress = Signal(object, int, float)  # (cancel token, page index, share)
    _preview = Signal(object, object)  # (cancel token, small BGR frame), from the camera

    def __init__(self, window: KioskWindow, screen: PieceScreen) -> None:
        super().__init__(window)
        self.window = window
        self.screen = screen
        self._scan: _Scan | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._timed_out)
        self._camera: DocumentCamera | None = None
        self._camera_for: Session | None = None  # the usager who chose the camera
        # Where the scan that failed for want of a scanner was putting its page(s).
        self._camera_position: tuple[int, int, int | None] | None = None
        self._page_arrived.connect(self._arrived)
        self._progress.connect(self._progressed)
        self._preview.connect(self._previewed)
        screen.photo_requested.connect(self.photograph)
        screen.take_photo_requested.connect(self.take_photo)
        screen.scan_requested.connect(self.scan_again)
        screen.add_page_requested.connect(self.add_page)
        screen.cancel_requested.connect(self.cancel)
        screen.page_action.connect(self.page_action)

    # -- starting and stopping -----------------------------------------------------------
    def scan_again(self) -> None:
        """Scan the pièce from the start: the new pages replace all the old ones."""
        self._start(insert_at=0, replaces=len(self._pages()))

    def add_page(self) -> None:
        self._start(insert_at=len(self._pages()), replaces=0)

    def rescan(self, index: int) -> None:
        """Scan one page again: the first page of the same side takes its place."""
        side = self._pages()[index].side
        self._start(insert_at=index, replaces=1, limit=1, side=side)

    def _new_scan(self, insert_at: int, replaces: int, limit: int | None, side: str) -> _Scan:
        self.stop()
        self._camera_position = None
        session = self._session()
        pages = session.pages(session.current)
        scan = _Scan(session, session.current, CancelToken(), insert_at, replaces, pages, limit)
        scan.side = side
        self._scan = scan
        return scan

    def _start(
        self, insert_at: int, replaces: int, limit: int | None = None, side: str = ""
    ) -> None:
        if self._camera_for is self._session():
            self._start_camera(insert_at, replaces, limit)
            return
        scan = self._new_scan(insert_at, replaces, limit, side)
        cancel = scan.cancel
        self.screen.set_busy(True)
        self._timer.start(SCAN_TIMEOUT_MS)
        self.window.tasks.when_done(
            self.window.app.scan(
                scan.piece_id,
                cancel,
                on_page=lambda page: self._page_arrived.emit(cancel, page),
                on_progress=lambda index, share: self._progress.emit(cancel, index, share),
            ),
            lambda outcome: self._finished(scan, outcome),
            lambda error: self._failed(scan, error),
        )

    def stop(self) -> bool:
        """Cancel the scan in progress, if any (the late results are dropped)."""
        self._timer.stop()
        self._camera = None
        scan, self._scan = self._scan, None
        if scan is None:
            return False
        scan.cancel.cancel()
        return True

    def reset(self) -> None:
        """The session ends: stop any scan or live view, forget the usager's choice."""
        self.stop()
        self._camera_for = None
        self._camera_position = None

    def cancel(self) -> None:
        """The usager's "Annuler": the screen is usable at once, with the pages as they were
        before this scan (a new scan that replaced them is undone)."""
        scan = self._scan
        if not self.stop() or scan is None:
            return
        if scan.arrived and self.window.app.session is scan.session:
            scan.session.set_pages(scan.piece_id, scan.before)
        self._show(_("Numérisation annulée."))

    def _current(self, cancel: CancelToken) -> _Scan | None:
        """The scan ``cancel`` belongs to, if it is still the one under way on its pièce."""
        scan = self._scan
        if scan is None or scan.cancel is not cancel:
            return None
        session = self.window.app.session
        if session is not scan.session or session.current != scan.piece_id:
            return None
        return scan

    # -- results -------------------------------------------------------------------------
    def _progressed(self, cancel: CancelToken, index: int, share: float) -> None:
        scan = self._current(cancel)
        if scan is not None:
            self._timer.start(SCAN_TIMEOUT_MS)  # a page that is moving is not a hung scanner
            # Numbered as the page will be in the pièce, not as the scanner counts sheets.
            self.screen.show_progress(scan.insert_at + 1, share)

    def _arrived(self, cancel: CancelToken, page: PageImage) -> None:
        scan = self._current(cancel)
        if scan is not None:
            self._place(scan, page)

    def _place(self, scan: _Scan, page: PageImage) -> bool:
        """Put an arriving page where the scan's pages go; False if it was not kept."""
        if scan.side and page.side != scan.side:
            return False  # "Refaire" a recto in duplex: its verso is not wanted
        self._timer.start(SCAN_TIMEOUT_MS)
        pages = scan.session.pages(scan.piece_id)
        replaced = scan.replaces if scan.arrived == 0 else 0
        if len(pages) - replaced >= self._max_pages(scan):
            scan.over_limit += 1
            return False
        pages[scan.insert_at : scan.insert_at + replaced] = [page]
        scan.insert_at += 1
        scan.arrived += 1
        scan.session.set_pages(scan.piece_id, pages)
        self.screen.show_pages(pages, _("Page {n} reçue…").format(n=scan.insert_at))
        if scan.limit is not None and scan.arrived >= scan.limit:
            self.stop()  # the rest of the batch is not wanted
            self._show(_("Page {n} refaite.").format(n=scan.insert_at))
        return True

    def _finished(self, scan: _Scan, outcome: ScanOutcome) -> None:
        if self._current(scan.cancel) is None:
            return
        self.stop()
        texts = []
        dropped = outcome.blank_backs_dropped
        if dropped:
            text = (
                _("{n} verso vierge retiré.") if dropped == 1 else _("{n} versos vierges retirés.")
            )
            texts.append(text.format(n=dropped))
        if outcome.unreadable:
            # Numbered as the scanner delivered them: the usager finds the sheet in the pile.
            numbers = ", ".join(str(n) for n in outcome.unreadable)
            text = (
                _("La feuille n° {numbers} n'a pas pu être lue : numérisez-la à nouveau.")
                if len(outcome.unreadable) == 1
                else _(
                    "Les feuilles n° {numbers} n'ont pas pu être lues : numérisez-les à nouveau."
                )
            )
            texts.append(text.format(numbers=numbers))
        if scan.over_limit:
            most = self._max_pages(scan)
            text = (
                _("Ce document compte une seule page : les pages en trop sont écartées.")
                if most == 1
                else _("Ce document compte au plus {max} pages : les pages en trop sont écartées.")
            )
            texts.append(text.format(max=most))
        self._show(" ".join(texts))

    def _failed(self, scan: _Scan, error: BaseException) -> None:
        if self._current(scan.cancel) is None:
            return
        self.stop()
        self._show()
        if isinstance(error, PageOverLimit):
            log_event(LOG, "page.over_limit", logging.ERROR, piece_id=scan.piece_id)
            self.window.show_message("scan-error", page_over_limit())
        elif isinstance(error, UnreadableImage):
            self.window.show_message("scan-error", unreadable_scan())
        elif isinstance(error, OperationCancelled):
            pass  # cancelled from elsewhere (the session ended): nothing to say
        elif isinstance(error, DeviceError):
            device = "camera" if self._camera_for is scan.session else "scanner"
            log_event(LOG, "device.error", logging.WARNING, device=device, code=error.code)
            message = for_device_error(error, device)
            if device == "scanner" and self._camera_allowed(error):
                self._camera_position = (*scan.position, scan.limit)
                self._offer_camera(message)
            else:
                self.window.show_message("scan-error", message)
        else:
            self.window.recover(error)

    # -- the camera, when there is no scanner ----------------------------------------------
    def _camera_allowed(self, error: DeviceError) -> bool:
        missing = isinstance(error, DeviceNotFound | DeviceDisconnected)
        return missing and bool(self.window.app.config["scanner.camera_fallback"])

    def _offer_camera(self, message: UserMessage) -> None:
        self.screen.camera_offered = True
        self._show()
        self.window.overlay.present(
            "scan-error",
            message.title,
            message.body + " " + _("Vous pouvez aussi photographier le document avec la caméra."),
            [
                Choice(_("Photographier le document"), "use-camera", self.photograph, True),
                Choice(message.action, "message-ok", lambda: None),
            ],
        )

    def photograph(self) -> None:
        """The usager chose the camera: it is used for this pièce and the next ones. The
        photo goes where the scan that failed was putting its page ("Refaire" page 1...)."""
        self._camera_for = self._session()
        self.screen.camera_chosen = True
        position, self._camera_position = self._camera_position, None
        if position is None:
            self._start(insert_at=len(self._pages()), replaces=0)
        else:
            self._start(*position)

    def _start_camera(self, insert_at: int, replaces: int, limit: int | None) -> None:
        scan = self._new_scan(insert_at, replaces, limit, "")
        cancel = scan.cancel
        camera, running = self.window.app.photograph_document(
            scan.piece_id, cancel, lambda frame: self._preview.emit(cancel, frame)
        )
        self._camera = camera
        self.screen.show_camera(True)
        self.window.tasks.when_done(
            running, lambda _result: None, lambda error: self._failed(scan, error)
        )

    def _previewed(self, cancel: CancelToken, frame: Any) -> None:
        if self._current(cancel) is None:
            return
        height, width = frame.shape[:2]
        image = QImage(frame.data, width, height, frame.strides[0], QImage.Format.Format_BGR888)
        self.screen.show_preview(image)  # scaled into a new pixmap: the frame is not kept

    def take_photo(self) -> None:
        scan, camera = self._scan, self._camera
        if scan is None or camera is None:
            return
        self.screen.set_taking()
        self.window.tasks.when_done(
            camera.capture(),
            lambda page: self._photographed(scan, page),
            lambda error: self._photo_failed(scan, error),
        )

    def _photographed(self, scan: _Scan, page: PageImage) -> None:
        if self._current(scan.cancel) is None:
            return
        kept = self._place(scan, page)
        self.stop()  # the camera is released; "Ajouter une page" turns it on again
        if kept:
            self._show(_("Photo prise. Vérifiez qu'elle est lisible."))
        else:
            self._show(_("Ce document a déjà toutes ses pages : supprimez-en une d'abord."))

    def _photo_failed(self, scan: _Scan, error: BaseException) -> None:
        if self._current(scan.cancel) is None:
            return
        if not isinstance(error, UnreadableImage):
            self._failed(scan, error)
            return
        # The live view goes on: the usager moves the document and tries again.
        self.screen.show_camera(True)
        blurred = str(error).startswith(UnusableReason.BLURRY.value)
        self.screen.status_label.setText(
            _("La photo est floue. Ne bougez pas le document, puis reprenez la photo.")
            if blurred
            else _(
                "Le document n'est pas entièrement visible. Posez-le bien à plat, en entier "
                "sous la caméra, puis reprenez la photo."
            )
        )

    def _timed_out(self) -> None:
        if self.stop():
            log_event(LOG, "device.error", logging.WARNING, device="scanner", code="timeout")
            self._show()
            self.window.show_message(
                "scan-error", for_device_error(DeviceTimeout("scanner"), "scanner")
            )

    # -- page actions --------------------------------------------------------------------
    def page_action(self, action: str, index: int) -> None:
        """Enlarge, turn, scan again, delete or move one page of the current pièce."""
        session = self._session()
        piece_id = session.current
        pages = session.pages(piece_id)
        if not 0 <= index < len(pages):
            return
        if action == "delete":
            del pages[index]
        elif action in ("earlier", "later"):
            other = index - 1 if action == "earlier" else index + 1
            if not 0 <= other < len(pages):
                return
            pages[index], pages[other] = pages[other], pages[index]
        elif action == "rescan":
            self.rescan(index)
            return
        elif action == "rotate":
            page = pages[index]
            self.window.tasks.when_done(
                self.window.app.rotate(page, piece_id),
                lambda turned: self._rotated(session, piece_id, page, turned),
                self.window.recover,
            )
            return
        elif action == "enlarge":
            self._enlarge(pages[index], index)
            return
        session.set_pages(piece_id, pages)
        self.screen.show_pages(pages)

    def _rotated(self, session: Session, piece_id: str, page: PageImage, turned: PageImage) -> None:
        if self.window.app.session is not session:
            return
        pages = session.pages(piece_id)
        # Found by identity, not by index: the usager may have moved pages meanwhile.
        index = next((i for i, p in enumerate(pages) if p is page), -1)
        if index < 0:
            return
        pages[index] = turned
        session.set_pages(piece_id, pages)
        if session.current == piece_id:
            self.screen.show_pages(pages)

    def _enlarge(self, page: PageImage, index: int) -> None:
        # Decoded at screen size by the JPEG reader itself: quick, and never a full page in
        # memory on the GUI thread.
        data = QByteArray(page.jpeg)
        buffer = QBuffer(data)  # both kept alive while the reader reads
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        reader = QImageReader(buffer, QByteArray(b"jpg"))
        height = max(200, self.window.height() - 320)
        reader.setScaledSize(QSize(round(page.width * height / page.height), height))
        self.window.overlay.present(
            "page",
            _("Page {n}").format(n=index + 1),
            "",
            [Choice(_("Fermer"), "close-page", lambda: None, primary=True)],
            image=QPixmap.fromImage(reader.read()),
        )

    # -- helpers -------------------------------------------------------------------------
    def _session(self) -> Session:
        session = self.window.app.session
        if session is None:
            raise RuntimeError("no active session")
        return session

    def _pages(self) -> list[PageImage]:
        session = self._session()
        return session.pages(session.current)

    @staticmethod
    def _max_pages(scan: _Scan) -> int:
        from kiosk.demarche import PieceStep

        step = scan.session.demarche.step(scan.piece_id)
        return step.max_pages if isinstance(step, PieceStep) else 1

    def _show(self, status: str = "") -> None:
        self.screen.set_busy(False)
        session = self.window.app.session
        if session is not None:
            self.screen.show_pages(session.pages(session.current), status)
