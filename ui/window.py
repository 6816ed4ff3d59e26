"""The kiosk window: the screens, and the journey between them.

Screens only display and emit intents; this controller asks the core (``KioskApp``) to act
and decides which screen comes next. Slow work (scan, seal, print) runs on workers and comes
back through ``TaskRelay``, so the GUI thread never waits on a device or the disk.

The window is built in two stages so that the home screen is painted as early as possible:
``KioskWindow(config, catalog)`` needs only the configuration and the démarche titles;
``attach(app)`` then brings the store, the devices and the other screens (``ui.main`` calls
it right after the first paint; a tap in between waits in the event queue).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from drivers.errors import DeviceError
from kiosk.catalog import Catalog, Family
from kiosk.config import Config
from kiosk.demarche import Demarche, PhotoStep, PieceStep, Question
from kiosk.i18n import _
from kiosk.idle import IdlePhase
from kiosk.jsonlog import log_event
from kiosk.messages import (
    UserMessage,
    out_of_service,
    storage_failed,
    unexpected,
)
from ui.lockdown import clear_clipboard
from ui.overlay import Choice, Overlay
from ui.screens.home import HomeScreen
from ui.settings_bar import SettingsBar
from ui.tasks import TaskRelay
from ui.usager_settings import UsagerSettings
from ui.widgets import order_focus, retranslate

if TYPE_CHECKING:
    from kiosk.app import Deposit, KioskApp, PrintOutcome
    from kiosk.session import Session
    from offline_cache import SealedSubmission
    from ui.assist_panel import AssistUi
    from ui.voice import VoiceGuide

LOG = logging.getLogger("ui.window")
IDLE_POLL_MS = 250
WIPED_SCREEN_MS = 2500
ASSIST_IDLE_LIMIT_S = 300  # no touch for this long: the assist mode closes, the timeout resumes


class KioskWindow(QWidget):
    screen_changed = Signal(str)

    def __init__(self, config: Config, catalog: Catalog) -> None:
        super().__init__()
        self.setObjectName("window")
        self.config = config
        self._app: KioskApp | None = None
        self.tasks = TaskRelay(self)
        self._return_to_recap = False
        self.catalog = catalog
        self.home = HomeScreen(catalog.families(), config["kiosk.site_name"])
        self.home.family_chosen.connect(self.show_family)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.home)
        self._family: Family | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        # The usager's own settings, above every screen; back to the defaults at each end.
        self.settings = UsagerSettings(self)
        self.settings_bar = SettingsBar(self.settings, voice_available=False)
        self.settings_bar.language_requested.connect(self.choose_language)
        self.settings.language_changed.connect(self.retranslate)
        layout.addWidget(self.settings_bar)
        # The window is the screen's size, whatever a screen would like: a screen's minimum
        # (the receipt's, a long language's) must never push it wider or taller than the
        # display, which would drop full screen (the kiosk's screens scroll instead).
        self.stack.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        layout.addWidget(self.stack, 1)
        self.overlay = Overlay(self)
        self._idle_timer = self._timer(self._check_idle, single_shot=False)
        self._receipt_timer = self._timer(lambda: self.finish("finished"))
        self._deposit: Deposit | None = None
        self.assist_ui: AssistUi | None = None  # with the application, when it has a reader
        self.closing_allowed = False
        self._intro_demarche = ""
        self._wiped_timer = self._timer(self._next_usager)
        self.voice: VoiceGuide | None = None  # with the application (``attach``)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Nobody closes the kiosk from its window (Alt+F4 through a window manager, a
        close request): the process ends only through ``quit`` (SIGTERM from systemd, IT
        staff's exit), which allows it first. Qt 6 closes every window before quitting and
        cancels the quit if one refuses."""
        if self.closing_allowed:
            event.accept()
        else:
            event.ignore()

    def quit(self, code: int = 0) -> None:
        """End the kiosk process cleanly (the only way the window accepts to close); ``code``
        is the process's exit status (IT staff's exit uses one the unit does not restart)."""
        self.closing_allowed = True
        QApplication.exit(code)

    @property
    def app(self) -> KioskApp:
        if self._app is None:
            raise RuntimeError("the window is not attached to the application yet")
        return self._app

    def attach(self, app: KioskApp) -> None:
        """Second stage: the application is assembled; build the journey's screens."""
        self._app = app
        self._build_journey_screens()
        if app.assist is not None:
            from ui.assist_panel import AssistUi

            self.assist_ui = AssistUi(self, app.assist)
            layout = self.layout()
            if isinstance(layout, QVBoxLayout):
                layout.insertWidget(0, self.assist_ui.banner)
            self.assist_ui.start()
        self._start_voice()
        self._idle_timer.start(IDLE_POLL_MS)
        from ui.keyboard import install_keyboard  # needed with the journey, not for the home

        self.keyboard = install_keyboard(self)  # None when ui.onscreen_keyboard is off

    @property
    def has_deposit(self) -> bool:
        return self._deposit is not None

    # -- the usager's settings -------------------------------------------------------------
    def choose_language(self) -> None:
        from kiosk.i18n import LANGUAGES

        current = self.settings.language
        choices = [
            Choice(
                language.name,
                f"language:{code}",
                partial(self.settings.set_language, code),
                primary=code == current,
            )
            for code, language in LANGUAGES.items()
        ]
        choices.append(Choice(_("Fermer"), "language-close", lambda: None))
        self.overlay.present("language", _("Choisissez votre langue"), "", choices, stacked=True)

    def retranslate(self) -> None:
        """Everything on screen again in the language just chosen: the fixed texts by their
        source, the current screen by showing it again (answers typed but not yet sent kept)."""
        retranslate(self)
        self.home.show_families(self.catalog.families())
        self.settings_bar.refresh()
        if self.assist_ui is not None:
            self.assist_ui.retranslate()
        if self._app is None:
            return
        self.app.relabel_session()
        screen = self.current_screen
        if screen == "family" and self._family is not None:
            self.show_family(self._family.id)
        elif screen == "intro":
            self.show_intro(self._intro_demarche)
        elif screen == "question":
            self._question_again()
        elif screen in ("piece", "photo"):
            # Texts only: a scan or the camera under way goes on (showing the step again
            # would stop it), and the pages and their messages stay.
            session = self._session()
            step, title = session.current_step(), session.demarche.title
            if isinstance(step, PhotoStep):
                self.photo.relabel(title, step, session.position())
            elif isinstance(step, PieceStep):
                self.piece.relabel(title, step, session.position())
        elif screen == "recap":
            self.show_current()
        elif screen == "receipt":
            self.receipt.retranslate()

    def _question_again(self) -> None:
        """The question in the new language, with what was typed, and its error again (the
        usager may have changed the language precisely to read it)."""
        session = self._session()
        step = session.current_step()
        if not isinstance(step, Question):
            return
        typed = self.question.answer()
        had_error = self.question.error_label.isVisible()
        self.question.show_question(session.demarche.title, step, session.position(), typed)
        if had_error:
            self.question.show_error(session.check_answer(typed).error)

    def _start_voice(self) -> None:
        """The voice is wired once the application is assembled: finding the speech engine
        is not worth delaying the first paint of the home screen."""
        from ui.voice import VoiceGuide, build_speaker

        self.voice = VoiceGuide(self, build_speaker(self.config))
        self.settings_bar.set_voice_available(self.voice.available)
        self.voice.availability_changed.connect(self.settings_bar.set_voice_available)
        self.settings_bar.listen_requested.connect(self.voice.read_current)
        self.settings.language_changed.connect(self.voice.set_language)
        self.settings.voice_changed.connect(self._voice_switched)

    def _voice_switched(self, on: bool) -> None:
        if self.voice is not None:
            self.voice.enabled = on

    def _next_usager(self) -> None:
        """After the goodbye: the kiosk as the next person must find it."""
        self.settings.reset()
        self.show_screen(self.home)

    def show_message_text(self, kind: str, title: str, body: str) -> None:
        self.overlay.present(kind, title, body, [Choice(_("OK"), "message-ok", lambda: None, True)])

    def status_text(self) -> str:
        """The médiateur's view of the kiosk: devices, the queue to the backend, what is stuck."""
        from kiosk.status import device_lines, queue_lines

        return "\n".join([*device_lines(self.app), "", *queue_lines(self.app)])

    def out_of_service(self) -> None:
        """The application could not be assembled (store unusable): say so, take no démarche."""
        self.home.setEnabled(False)
        message = out_of_service()
        self.overlay.present("out-of-service", message.title, message.body, [])

    def _timer(self, action: Callable[[], None], single_shot: bool = True) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(single_shot)
        timer.timeout.connect(action)
        return timer

    def _build_journey_screens(self) -> None:
        # Imported here: these modules and their widgets are not needed to paint the home.
        from ui.photo_capture import PhotoCapture
        from ui.piece_scanning import PieceScanning
        from ui.screens.home import FamilyScreen
        from ui.screens.intro import IntroScreen
        from ui.screens.photo import PhotoScreen
        from ui.screens.piece import PieceScreen
        from ui.screens.question import QuestionScreen
        from ui.screens.recap import RecapScreen
        from ui.screens.receipt import ReceiptScreen
        from ui.screens.wiped import WipedScreen

        self.family = FamilyScreen()
        self.intro = IntroScreen()
        self.question = QuestionScreen()
        self.piece = PieceScreen()
        self.piece.scanner_source = self.config["scanner.source"]
        self.photo = PhotoScreen()
        self.recap = RecapScreen()
        self.receipt = ReceiptScreen()
        self.wiped = WipedScreen()
        for screen in (
            self.family,
            self.intro,
            self.question,
            self.piece,
            self.photo,
            self.recap,
            self.receipt,
            self.wiped,
        ):
            self.stack.addWidget(screen)
        self.family.demarche_chosen.connect(self.show_intro)
        self.family.back_requested.connect(lambda: self.show_screen(self.home))
        self.intro.footer.back_clicked.connect(self._back_from_intro)
        self.intro.start_requested.connect(lambda: self.start(self._intro_demarche))

        for frame in (self.question, self.piece, self.photo, self.recap):
            frame.header.quit_requested.connect(self.confirm_quit)
            frame.footer.back_clicked.connect(self.back)
        self.question.footer.next_clicked.connect(self.answer_current)
        self.piece.footer.next_clicked.connect(self.advance)
        self.scanning = PieceScanning(self, self.piece)
        self.photo.footer.next_clicked.connect(self.advance)
        self.photo_capture = PhotoCapture(self, self.photo)
        # The camera runs only while its screen is shown: leaving it releases the camera.
        self.screen_changed.connect(self._release_camera_off_photo)
        self.recap.edit_requested.connect(self.edit)
        self.recap.footer.next_clicked.connect(self.send)
        self.receipt.finish_requested.connect(lambda: self.finish("finished"))
        self.receipt.reprint_requested.connect(self.print_receipt)
        self.receipt.a4_available = self.app.devices.a4_queue is not None
        self.receipt.printer_profile = self.config["printer.profile"]
        self.receipt.print_a4_requested.connect(self.print_a4)

    # -- navigation ----------------------------------------------------------------------
    @property
    def current_screen(self) -> str:
        current = self.stack.currentWidget()
        return current.objectName() if current is not None else ""

    def show_screen(self, screen: QWidget) -> None:
        self.stack.setCurrentWidget(screen)
        order_focus(self, lambda widget: widget is self.overlay)
        self.screen_changed.emit(screen.objectName())

    def _release_camera_off_photo(self, screen: str) -> None:
        if screen != "photo":
            self.photo_capture.stop()

    def _session(self) -> Session:
        session = self.app.session
        if session is None:
            raise RuntimeError("no active session")
        return session

    def show_family(self, family_id: str) -> None:
        if self._app is None:
            return  # not assembled yet (a tap in the first few milliseconds)
        family = next(f for f in self.catalog.families() if f.id == family_id)
        if len(family.demarches) == 1:
            # A list of one is a screen and a tap for nothing: straight to what to bring,
            # and "Retour" there goes home.
            self._family = None
            self.show_intro(family.demarches[0].id)
            return
        self._family = family
        self.family.show_family(family)
        self.show_screen(self.family)

    def show_intro(self, demarche_id: str) -> None:
        self._intro_demarche = demarche_id
        self.intro.show_demarche(self.catalog.get(demarche_id))
        self.show_screen(self.intro)

    def _back_from_intro(self) -> None:
        self.show_screen(self.family if self._family is not None else self.home)

    def start(self, demarche_id: str) -> None:
        self._return_to_recap = False
        self.app.start_session(demarche_id)
        self.show_current()

    def show_current(self) -> None:
        # A scan or a live view belongs to its step: moving to another step ends it.
        self.scanning.stop()
        self.photo_capture.stop()
        session = self._session()
        step = session.current_step()
        title = session.demarche.title
        if step is None:
            problems = [rule.message for rule in session.broken_rules()]
            problems += [
                _("Il manque : {label}").format(label=missing.label)
                for missing in session.missing()
            ]
            self.recap.show_recap(title, session.recap(), tuple(problems))
            self.show_screen(self.recap)
            log_event(LOG, "screen.shown", screen="recap", session_id=session.id)
            return
        position = session.position()
        if isinstance(step, Question):
            self.question.show_question(title, step, position, session.answer_of(step.id))
            self.show_screen(self.question)
        elif isinstance(step, PhotoStep):
            photos = session.pages(step.id)
            self.photo.show_step(title, step, position, photos[0] if photos else None)
            self.show_screen(self.photo)
            if not photos:
                self.photo_capture.start()
        elif isinstance(step, PieceStep):
            self.piece.show_piece(title, step, position, session.pages(step.id))
            self.show_screen(self.piece)
        log_event(
            LOG,
            "screen.shown",
            screen=self.current_screen,
            session_id=session.id,
            step_id=step.id,
            step_index=position.index,
            step_count=position.count,
        )

    def answer_current(self) -> None:
        session = self._session()
        checked = session.answer(self.question.answer())
        if not checked.ok:
            self.question.show_error(checked.error)
            log_event(LOG, "answer.rejected", session_id=session.id, step_id=session.current)
            return
        if checked.notice:
            # Accepted, but the usager must know before going on (e.g. a single-use code).
            self.overlay.present(
                "notice",
                _("À savoir"),
                checked.notice,
                [Choice(_("J'ai compris"), "message-ok", self.advance, primary=True)],
            )
            return
        self.advance()

    def advance(self) -> None:
        from kiosk.session import RECAP  # loaded with the application, not before the home

        session = self._session()
        session.go_next()
        if self._return_to_recap:
            # Back from "Modifier": straight to what the change made necessary, or to the
            # récapitulatif, without walking again through the screens already answered.
            missing = session.missing()
            session.go_to(missing[0].id if missing else RECAP)
        self.show_current()

    def back(self) -> None:
        if self._session().go_back() is None:
            self.confirm_quit()
            return
        self.show_current()

    def edit(self, step_id: str) -> None:
        self._session().go_to(step_id)
        self._return_to_recap = True
        self.show_current()

    def confirm_quit(self) -> None:
        self.overlay.present(
            "confirm-quit",
            _("Voulez-vous abandonner cette démarche ?"),
            _("Vos réponses et vos documents seront effacés."),
            [
                Choice(_("Oui, abandonner"), "confirm-quit", lambda: self.finish("abandoned")),
                # The safe answer is the prominent one, and has the focus.
                Choice(_("Non, continuer"), "cancel-quit", lambda: None, primary=True),
            ],
        )

    def finish(self, reason: str) -> None:
        """End the session for any reason: wipe, clear every screen, say so, then home."""
        self._receipt_timer.stop()
        self.scanning.reset()
        self.photo_capture.reset()
        self._return_to_recap = False
        self._deposit = None
        self.overlay.dismiss()
        if self.assist_ui is not None:  # the next usager starts without the médiateur
            self.assist_ui.session_ended()
        if self.voice is not None:
            self.voice.stop()
        clear_clipboard()
        self.app.end_session(reason)
        # The screens outlive the session: nothing of this usager may stay in a widget.
        for screen in (self.question, self.piece, self.photo, self.recap, self.receipt):
            screen.clear()
        self.wiped.show_for(reason)
        self.show_screen(self.wiped)
        self._wiped_timer.start(WIPED_SCREEN_MS)

    # -- sealing and the receipt ---------------------------------------------------------
    def send(self) -> None:
        session = self._session()
        self.recap.footer.next.setEnabled(False)  # a second tap must not seal twice
        self.overlay.present(
            "busy", _("Enregistrement de votre dossier…"), _("Merci de patienter."), []
        )
        from kiosk.app import sealed_pieces

        # What the receipt lists, read now: if the usager leaves before the seal is done,
        # the session is wiped but the receipt is still made for the médiateur.
        demarche, pieces = session.demarche, sealed_pieces(session)
        self.tasks.when_done(
            self.app.seal(session),
            lambda sealed: self._sealed(session, sealed, demarche, pieces),
            lambda error: self._seal_failed(session, error),
        )

    def _sealed(
        self,
        session: Session,
        sealed: SealedSubmission,
        demarche: Demarche,
        pieces: dict[str, int],
    ) -> None:
        self.overlay.dismiss()
        if self.app.session is not session:
            # The usager left meanwhile: the dossier is safely in the outbox, and its receipt
            # waits for the médiateur, who can hand it over if the usager comes back.
            self.app.keep_receipt_for_later(sealed, demarche, pieces)
            return
        deposit = self.app.record_sealed(session, sealed)
        self._deposit = deposit
        self.receipt.show_deposit(deposit)
        self.show_screen(self.receipt)
        log_event(LOG, "screen.shown", screen="receipt", session_id=session.id)
        self.print_receipt()

    def _seal_failed(self, session: Session, error: BaseException) -> None:
        self.overlay.dismiss()
        if self.app.session is not session:
            return
        LOG.error("sealing failed", exc_info=error)
        self.recap.footer.next.setEnabled(True)
        self.show_message("seal-error", storage_failed())

    def print_receipt(self) -> None:
        """Print (or print again) the receipt of the dossier just sealed."""
        deposit, session = self._deposit, self._session()
        if deposit is None:
            return
        self._receipt_timer.stop()
        self.receipt.show_printing()

        def printing_crashed(error: BaseException) -> None:
            from kiosk.app import PrintOutcome  # loaded with the application

            crash = DeviceError("printer", type(error).__name__)
            self._printed(session, PrintOutcome(None, crash))

        self.tasks.when_done(
            self.app.print_receipt(deposit),
            lambda outcome: self._printed(session, outcome),
            printing_crashed,
        )

    def _printed(self, session: Session, outcome: PrintOutcome) -> None:
        if self.app.session is not session:
            return
        self.receipt.show_print_outcome(outcome)
        if outcome.error is None:
            self._receipt_timer.start(self.app.config["session.receipt_screen_s"] * 1000)
        # Not printed: the screen stays until "Terminer" (or the idle timeout), so the usager
        # can note the number or have it printed again once the médiateur has fixed it.

    def print_a4(self) -> None:
        """The récapitulatif on A4, recto verso, for the usager to keep."""
        from ui.a4 import A4Recap, recap_pdf  # Qt's PDF writer: loaded on first use
        from ui.screens.recap import shown

        deposit, session = self._deposit, self._session()
        if deposit is None:
            return
        sealed_at = dt.datetime.fromisoformat(deposit.sealed.sealed_at).astimezone()
        rows = tuple((line.step.label, shown(line)) for line in session.recap())
        recap = A4Recap(
            session.demarche.title,
            deposit.sealed.dossier_number,
            sealed_at.strftime(_("%d/%m/%Y à %H:%M")),
            self.config["kiosk.site_name"],
            rows,
        )
        self.receipt.show_a4(_("Impression du récapitulatif…"), done=False)
        # The screen waits for the sheet: it does not go home while it is being printed.
        self._receipt_timer.stop()

        def printed(state: object) -> None:
            if self.app.session is not session:
                return
            from drivers.printer.cups_queue import JobState

            if state is JobState.COMPLETED:
                self.receipt.show_a4(_("Le récapitulatif est imprimé."), done=True)
            else:
                self.receipt.show_a4(_("Le récapitulatif n'a pas été imprimé."), done=True)
            self._receipt_timer.start(self.app.config["session.receipt_screen_s"] * 1000)

        def failed(error: BaseException) -> None:
            if self.app.session is not session:
                return
            code = error.code if isinstance(error, DeviceError) else type(error).__name__
            log_event(LOG, "a4.failed", logging.WARNING, code=code)
            self.receipt.show_a4(
                _("Le récapitulatif n'a pas pu être imprimé : demandez au médiateur."), done=True
            )
            self._receipt_timer.start(self.app.config["session.receipt_screen_s"] * 1000)

        self.tasks.when_done(
            # The job's title stays in CUPS's history: no dossier number, no name in it.
            self.app.print_a4(recap_pdf(recap), f"recapitulatif-{uuid.uuid4().hex[:8]}"),
            printed,
            failed,
        )

    # -- messages, idle, recovery --------------------------------------------------------
    def show_message(self, kind: str, message: UserMessage) -> None:
        self.overlay.present(
            kind,
            message.title,
            message.body,
            [Choice(message.action, "message-ok", lambda: None, True)],
        )

    @property
    def busy(self) -> bool:
        return self.tasks.busy

    def _check_idle(self) -> None:
        # Waiting on a device still counts as idle: a stuck scanner or printer must never
        # keep an usager's data on screen (scans can be cancelled, receipts are optional).
        if self._app is None:
            return
        if self._app.session is None:
            self._check_idle_without_session()
            return
        if self.assist_ui is not None and self.assist_ui.is_open:
            # A médiateur at the kiosk: the timeout waits for them, but a badge forgotten in
            # the reader must not keep an usager's data on screen for good.
            if self.app.idle.idle_seconds() < ASSIST_IDLE_LIMIT_S:
                return
            self.assist_ui.close_for_inactivity()
        state = self.app.idle_state()
        if state.phase is IdlePhase.EXPIRED:
            log_event(LOG, "session.idle_expired", session_id=self._session().id)
            self.finish("idle")
        elif state.phase is IdlePhase.WARNING:
            self._warn_idle(state.seconds_left)
        elif self.overlay.kind == "idle":
            self.overlay.dismiss()

    def _check_idle_without_session(self) -> None:
        """Someone chose settings or a démarche's list and walked away: the kiosk goes back
        to its defaults, at the same pace as a session (never during the goodbye, which is
        said in the usager's language)."""
        if self._wiped_timer.isActive():
            return
        idle = self.app.idle.idle_seconds()
        warning = self.config["session.idle_warning_s"]
        if self.current_screen in ("family", "intro"):
            if idle >= warning + self.config["session.idle_countdown_s"]:
                self._next_usager()
        elif not self.settings.is_default and idle >= warning:
            self.settings.reset()

    def _warn_idle(self, seconds: int) -> None:
        left = (_("{n} seconde") if seconds == 1 else _("{n} secondes")).format(n=seconds)
        if self.current_screen == "receipt":
            body = _("Votre dossier est bien enregistré. L'écran revient à l'accueil dans {left}.")
        else:
            body = _("Sans action de votre part, la démarche sera effacée dans {left}.")
        body = body.format(left=left)
        if self.overlay.kind == "idle":
            self.overlay.update_body(body)
            return
        self.overlay.present(
            "idle",
            _("Êtes-vous toujours là ?"),
            body,
            [Choice(_("Je suis là, je continue"), "idle-stay", self.app.idle.touch, primary=True)],
        )

    def user_activity(self) -> None:
        if self._app is not None:
            self._app.idle.touch()

    def recover(self, error: BaseException) -> None:
        """A bug: log it with its context, wipe, tell the usager plainly, go home."""
        LOG.error("unexpected error", exc_info=error)
        message = unexpected()
        if self._app is not None and self._app.session is not None:
            self.finish("error")
        self.show_message("error", message)
