"""The identity photo's controller: the camera's live guidance on the photo screen.

Frames come from the camera worker faster than a busy GUI may paint them: only the latest
view is kept and one delivery at a time is queued, so the preview never lags behind the
usager nor piles frames up in memory. The camera runs only while the photo screen is shown
and no photo is waiting for "Valider".
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from drivers.cancel import CancelToken
from drivers.errors import DeviceError, OperationCancelled
from kiosk.i18n import _
from kiosk.jsonlog import log_event
from kiosk.messages import for_device_error
from kiosk.pieces import PageImage

if TYPE_CHECKING:
    from kiosk.portrait_capture import LiveView, Portrait, PortraitCamera
    from kiosk.session import Session
    from ui.screens.photo import PhotoScreen
    from ui.window import KioskWindow

LOG = logging.getLogger("ui.photo")


class PhotoCapture(QObject):
    _view_ready = Signal(object)  # the cancel token of the view waiting in ``_latest``
    _photo_taken = Signal(object, object)  # (cancel token, Portrait)

    def __init__(self, window: KioskWindow, screen: PhotoScreen) -> None:
        super().__init__(window)
        self.window = window
        self.screen = screen
        self._cancel: CancelToken | None = None
        self._camera: PortraitCamera | None = None
        self._session: Session | None = None
        self._step_id = ""
        self._pending: PageImage | None = None  # taken, not yet accepted
        # A médiateur's override waiting for its photo: (reason, who), then what it let pass.
        self._override: tuple[str, str] | None = None
        self._pending_override: dict[str, object] | None = None
        self._lock = threading.Lock()
        self._latest: LiveView | None = None
        self._view_ready.connect(self._show_latest)
        self._photo_taken.connect(self._taken)
        screen.retake_requested.connect(self.retake)
        screen.accept_requested.connect(self.accept)

    def start(self) -> None:
        """The photo screen is shown without a photo: guide the usager live."""
        self.stop()
        session = self.window.app.session
        if session is None:
            return
        cancel = CancelToken()
        self._cancel, self._session, self._step_id = cancel, session, session.current
        # "Reprendre la photo": the accepted one stays valid until another is accepted.
        self.screen.show_live(has_photo=bool(session.pages(session.current)))
        camera, running = self.window.app.photograph_portrait(
            cancel,
            lambda view: self._offer(cancel, view),
            lambda portrait: self._photo_taken.emit(cancel, portrait),
        )
        self._camera = camera
        self.window.tasks.when_done(running, lambda _result: None, self._failed_for(cancel))

    def stop(self) -> None:
        """Release the camera (leaving the screen, the end of the session); a photo not
        accepted is forgotten, the last frame taken off the screen."""
        running = self._cancel is not None
        if self._cancel is not None:
            self._cancel.cancel()
        self._cancel = self._camera = None
        self._pending = None
        self._override = None
        with self._lock:
            self._latest = None
        if running and self.screen.live:
            self.screen.clear_live()

    def reset(self) -> None:
        self.stop()
        self._pending = None
        self._session = None
        self._override = self._pending_override = None

    # -- from the camera worker ----------------------------------------------------------
    def _offer(self, cancel: CancelToken, view: LiveView) -> None:
        with self._lock:
            queued = self._latest is not None
            self._latest = view
        if not queued:  # one delivery in flight at most: the GUI always paints the newest
            self._view_ready.emit(cancel)

    def _show_latest(self, cancel: CancelToken) -> None:
        with self._lock:
            view, self._latest = self._latest, None
        if view is None or cancel is not self._cancel or not self.screen.live:
            return
        if self._camera is not None:
            # A dialog over the view (Quitter, the idle warning): no countdown, no photo.
            self._camera.block(self.window.overlay.isVisible())
        frame = view.frame
        height, width = frame.shape[:2]
        image = QImage(frame.data, width, height, frame.strides[0], QImage.Format.Format_BGR888)
        instruction = view.analysis.instruction
        self.screen.show_view(image, _(instruction) if instruction else "", view.countdown)

    @property
    def live(self) -> bool:
        """The camera guides the usager now (a médiateur may take the photo anyway)."""
        return self._camera is not None and self._pending is None

    def take_anyway(self, reason: str, actor: str) -> None:
        """The médiateur's override: the next frame with a face is taken, whatever check
        fails; the reason and the failed checks are sealed with the dossier."""
        if self._camera is None:
            return
        self._override = (reason, actor)
        self._camera.take_anyway()

    def disarm_override(self) -> None:
        """The médiateur left before the photo was taken: no forced photo after them."""
        self._override = None
        if self._camera is not None:
            self._camera.disarm()

    def _taken(self, cancel: CancelToken, portrait: Portrait) -> None:
        if cancel is not self._cancel:
            return
        self._pending_override = None
        failed = [f.rule for f in portrait.analysis.findings if not f.ok]
        if self._override is not None and failed:
            reason, actor = self._override
            self._pending_override = {
                "step": self._step_id,
                "checks": failed,
                "reason": reason,
                "by": actor,
            }
        self._override = None
        page = PageImage(
            portrait.jpeg, portrait.thumbnail_jpeg, portrait.width, portrait.height, 300
        )
        self._pending = page
        self.screen.show_photo(page, accepted=False)
        log_event(LOG, "photo.taken", step_id=self._step_id)

    def _failed_for(self, cancel: CancelToken) -> Callable[[BaseException], None]:
        def failed(error: BaseException) -> None:
            if cancel is not self._cancel:
                return
            self.stop()
            if isinstance(error, OperationCancelled):
                return
            if isinstance(error, DeviceError):
                log_event(LOG, "device.error", logging.WARNING, device="camera", code=error.code)
                message = for_device_error(error, "camera")
            else:  # a bug: logged, and the usager keeps the session and a way to retry
                LOG.error("photo capture failed", exc_info=error)
                message = for_device_error(DeviceError("camera", type(error).__name__), "camera")
            self._show_accepted_or_retry()
            self.window.show_message("camera-error", message)

        return failed

    def _show_accepted_or_retry(self) -> None:
        session = self.window.app.session
        accepted = session.pages(self._step_id) if session is not None else []
        if accepted:
            self.screen.show_photo(accepted[0], accepted=True)
        else:
            self.screen.show_retry(_("La caméra ne répond pas."))

    # -- the usager's choices ------------------------------------------------------------
    def retake(self) -> None:
        self._pending = None
        session = self.window.app.session
        if self._camera is not None and session is not None:  # running, paused on the photo
            self._camera.resume()
            self.screen.show_live(has_photo=bool(session.pages(self._step_id)))
        else:  # an accepted photo, or a camera that failed: the camera was released
            self.start()

    def accept(self) -> None:
        session, page = self.window.app.session, self._pending
        if session is None or page is None or session is not self._session:
            return
        session.set_pages(self._step_id, [page])
        session.overrides[:] = [o for o in session.overrides if o["step"] != self._step_id]
        if self._pending_override is not None:
            session.overrides.append(self._pending_override)
            session.assisted = True
            if self.window.assist_ui is not None:
                checks, by = self._pending_override["checks"], self._pending_override["by"]
                assert isinstance(checks, list) and isinstance(by, str)
                self.window.assist_ui.journal_override(self._step_id, checks, by)
            self._pending_override = None
        self._pending = None
        self.stop()
        self.screen.show_photo(page, accepted=True)
        log_event(LOG, "photo.accepted", step_id=self._step_id)
