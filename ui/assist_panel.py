"""The médiateur's side of the kiosk: the badge reader's events, the PIN pad, the panel.

The panel is drawn over the usager's screen, never in its place: the session stays as it
was underneath. While the médiateur is in, a banner tells the usager who is helping. Badge
events come from the reader's thread and are handed to the GUI thread through a queued
signal; taking the badge out locks at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from drivers.cardreader.interface import CardEvent
from kiosk.assist import AssistMode, AssistState
from kiosk.i18n import _
from kiosk.messages import for_device_error
from kiosk.session import SessionState
from ui.overlay import Choice
from ui.widgets import MARGIN, SPACING, button, clear_layout, label, scrolling

if TYPE_CHECKING:
    from kiosk.app import PrintOutcome
    from ui.window import KioskWindow

LOG = logging.getLogger("ui.assist")
MAX_UNSCROLLED = 8  # actions that fit a 1280 x 800 screen in two columns
MIN_REASON = 5  # characters: a written reason, not a click


class AssistPanel(QWidget):
    """Covers the window; shows the PIN pad, then the médiateur's actions."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("assist-panel")
        self.setProperty("role", "overlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        frame = QFrame()
        frame.setProperty("role", "dialog")
        frame.setMinimumWidth(720)
        frame.setMaximumWidth(960)
        self.inner = QVBoxLayout(frame)
        self.inner.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        self.inner.setSpacing(SPACING)
        self.title = label("", "question")
        self.message = label("", "easy")
        self.message.setObjectName("assist-message")
        self.body = QVBoxLayout()
        self.body.setSpacing(SPACING)
        self.inner.addWidget(self.title)
        self.inner.addWidget(self.message)
        self.inner.addLayout(self.body)
        outer.addWidget(frame)
        parent.installEventFilter(self)
        self.pin: QLineEdit | None = None
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Resize:
            self._cover()
        return False

    def _cover(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())

    def present(self, title: str, message: str) -> None:
        self.title.setText(title)
        self.message.setText(message)
        clear_layout(self.body)
        self.pin = None
        self._cover()
        self.show()
        self.raise_()

    def add_pin_pad(self, on_submit: Callable[[], None]) -> None:
        """A code box and its own keys (the on-screen keyboard stays away from it)."""
        self.pin = QLineEdit()
        self.pin.setObjectName("assist-pin")
        self.pin.setProperty("keyboard", "none")  # the pad below is its keyboard
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setAccessibleName(_("Code du médiateur"))
        self.pin.setMaxLength(12)
        self.pin.returnPressed.connect(on_submit)
        self.body.addWidget(self.pin)
        grid = QGridLayout()
        grid.setSpacing(SPACING)
        self.body.addLayout(grid)  # first: the keys get their parent as they are added
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"]
        for index, key in enumerate(keys):
            if key == "⌫":
                widget = button(_("Effacer"), "secondary", "assist-pin-erase")
                widget.clicked.connect(self._erase_digit)
            elif key == "OK":
                widget = button(_("Valider"), "primary", "assist-pin-ok")
                widget.clicked.connect(on_submit)
            else:
                widget = button(key, "secondary", f"assist-pin-{key}")
                widget.clicked.connect(lambda _checked=False, k=key: self._type_digit(k))
            grid.addWidget(widget, index // 3, index % 3)
            widget.show()  # added to a panel that may already be visible
        self.pin.show()
        self.pin.setFocus()

    def _type_digit(self, key: str) -> None:
        if self.pin is not None:
            self.pin.insert(key)

    def _erase_digit(self) -> None:
        if self.pin is not None:
            self.pin.backspace()

    def add_actions(self, actions: list[Choice]) -> None:
        """One column for a few actions, two when there are more (the panel must fit a
        1280 x 800 screen without scrolling)."""
        grid = QGridLayout()
        grid.setSpacing(SPACING)
        if len(actions) > MAX_UNSCROLLED:  # a long démarche's steps: they scroll
            area = scrolling(grid)
            area.setMinimumHeight(440)
            self.body.addWidget(area)
            area.show()
        else:
            self.body.addLayout(grid)
        columns = 1 if len(actions) <= 4 else 2
        for index, choice in enumerate(actions):
            widget = button(choice.text, "primary" if choice.primary else "secondary", choice.name)
            widget.clicked.connect(lambda _checked=False, act=choice.action: act())
            grid.addWidget(widget, index // columns, index % columns)
            widget.show()  # added to a panel that may already be visible


class AssistBanner(QFrame):
    """What the usager sees while a médiateur is in: who, and a way to the panel."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("assist-banner")
        self.setProperty("role", "header")
        row = QHBoxLayout(self)
        row.setContentsMargins(MARGIN, 8, MARGIN, 8)
        self.text = label("", "warning")
        self.text.setObjectName("assist-banner-text")
        self.open_panel = button(_("Panneau médiateur"), "link", "assist-open-panel")
        row.addWidget(self.text, 1)
        row.addWidget(self.open_panel)
        self.hide()


class AssistUi(QObject):
    """Binds the reader, the core's ``AssistMode`` and the window together."""

    card_event = Signal(object)  # CardEvent, emitted on the reader's thread

    def __init__(self, window: KioskWindow, mode: AssistMode) -> None:
        super().__init__(window)
        self.window = window
        self.mode = mode
        self.panel = AssistPanel(window)
        self.banner = AssistBanner()
        self.banner.open_panel.clicked.connect(self.show_actions)
        self.card_event.connect(self._on_card)  # queued: the reader's thread never touches Qt
        self._reader: str | None = None  # the reader holding the médiateur's badge
        self._checking = False  # a PIN is being checked on the reader's worker
        mode.subscribe(self._state_changed)

    @property
    def checking(self) -> bool:
        """A PIN is being checked (on the badge reader's worker)."""
        return self._checking

    @property
    def is_open(self) -> bool:
        return self.mode.state is AssistState.OPEN

    def start(self) -> None:
        try:
            self.window.app.devices.cardreader.start(self.card_event.emit)
        except Exception as exc:  # no reader: the kiosk works, without the assist mode
            LOG.warning("badge reader not started: %s", type(exc).__name__)

    # -- the badge -----------------------------------------------------------------------

    def _on_card(self, event: CardEvent) -> None:
        # With several readers, only the one holding the médiateur's badge counts: a card put
        # into another one neither closes nor opens anything.
        if self._reader is not None and event.reader != self._reader:
            return
        if event.inserted:
            self.mode.badge_inserted(event.card_id)
            if self.mode.state is AssistState.LOCKED:
                self.window.show_message_text(
                    "assist-refused",
                    _("Badge non reconnu"),
                    _("Ce badge n'est pas enrôlé sur cette borne."),
                )
            else:
                self._reader = event.reader
        else:
            self._reader = None
            self.mode.badge_removed()

    def _state_changed(self, state: AssistState) -> None:
        session = self.window.app.session
        if self.window.overlay.kind == "assist-consent":
            self.window.overlay.dismiss()  # asked for a médiateur who is no longer the one
        if state is not AssistState.OPEN:
            self.window.photo_capture.disarm_override()
            if session is not None:
                session.actor = "usager"  # whatever comes next is the usager's
        if state is AssistState.LOCKED:
            self.panel.hide()
            self.banner.hide()
        elif state is AssistState.AWAITING_PIN:
            self.banner.hide()
            self._show_pin()
        else:
            self.show_actions()

    # -- the PIN -------------------------------------------------------------------------

    def _show_pin(self) -> None:
        name = self.mode.mediateur.display_name if self.mode.mediateur else ""
        self.panel.present(
            _("Mode accompagnement"),
            _("Bonjour {name}. Tapez votre code.").format(name=name),
        )
        self.panel.add_pin_pad(self._submit)

    def _submit(self) -> None:
        """The PIN is checked on the badge reader's worker (argon2 and the card take ~150 ms):
        the screen stays responsive and a badge taken out meanwhile still locks at once."""
        if self.panel.pin is None or self._checking:
            return
        pin = self.panel.pin.text()
        self.panel.pin.clear()
        refused = self.mode.pin_gate()
        mediateur = self.mode.mediateur
        if refused is not None or mediateur is None:
            self.panel.message.setText(refused.message if refused else "")
            return
        self._checking = True
        self.panel.message.setText(_("Vérification du code…"))
        checking = self.window.app.devices.run("cardreader", self.mode.check_pin, mediateur, pin)

        def checked(problem: str) -> None:
            self._checking = False
            answer = self.mode.settle_pin(mediateur, problem)
            if not answer.accepted and self.panel.pin is not None:
                self.panel.message.setText(answer.message)

        def failed(error: BaseException) -> None:
            self._checking = False
            LOG.error("PIN check failed", exc_info=error)
            self.panel.message.setText(_("Le code n'a pas pu être vérifié : réessayez."))

        self.window.tasks.when_done(checking, checked, failed)

    # -- the médiateur's actions ---------------------------------------------------------

    def show_actions(self) -> None:
        if self.mode.state is not AssistState.OPEN or self.mode.mediateur is None:
            return
        window, session = self.window, self.window.app.session
        from kiosk.status import attention_text

        self.panel.present(
            _("Mode accompagnement : {name}").format(name=self.mode.mediateur.display_name),
            attention_text(window.app)
            or _("La démarche de l'usager reste telle quelle en dessous."),
        )
        actions = [Choice(_("Masquer le panneau"), "assist-hide", self._hide_panel, True)]
        if session is not None:
            actions.append(Choice(_("Remplir avec l'usager"), "assist-takeover", self._ask_consent))
            if session.state is SessionState.ACTIVE:
                actions.append(Choice(_("Revenir à une étape"), "assist-steps", self._show_steps))
            actions.append(Choice(_("Terminer la session de l'usager"), "assist-end", self._end))
        taken_over = session is not None and session.actor == self.mode.actor
        if taken_over and window.current_screen == "photo" and window.photo_capture.live:
            actions.append(
                Choice(_("Prendre la photo malgré un contrôle"), "assist-override", self._override)
            )
        if window.has_deposit:
            actions.append(Choice(_("Réimprimer le reçu"), "assist-reprint", self._reprint))
        kept = len(window.app.kept_receipts())
        if kept:
            actions.append(
                Choice(
                    _("Reçus non imprimés ({n})").format(n=kept),
                    "assist-kept-receipts",
                    self._show_kept_receipts,
                )
            )
        actions.append(Choice(_("État de la borne"), "assist-status", self._show_status))
        actions.append(Choice(_("Quitter le mode accompagnement"), "assist-close", self._close))
        self.panel.add_actions(actions)

    def _hide_panel(self) -> None:
        self.panel.hide()
        if self.mode.mediateur is not None:
            self._say_who_helps()
            self.banner.show()

    def _say_who_helps(self) -> None:
        if self.mode.mediateur is not None:
            self.banner.text.setText(
                _("{name}, médiateur numérique, est avec vous.").format(
                    name=self.mode.mediateur.display_name
                )
            )

    def retranslate(self) -> None:
        """The usager chose another language: the banner says who helps in it."""
        if self.banner.isVisible():
            self._say_who_helps()

    def _journal(self, action: str, **detail: object) -> None:
        self.mode.journal.append(action, self.mode.actor, dt.datetime.now(dt.UTC), **detail)

    def _ask_consent(self) -> None:
        session, mediateur = self.window.app.session, self.mode.mediateur
        if session is None or mediateur is None:
            return
        self.panel.hide()

        def accepted() -> None:
            still_there = self.mode.state is AssistState.OPEN and self.mode.mediateur is mediateur
            if self.window.app.session is not session or not still_there:
                return
            session.assisted = True
            session.actor = self.mode.actor
            self._journal("assist.takeover", demarche=session.demarche.id)
            self._hide_panel()

        def refused() -> None:
            self._journal("assist.consent_refused", demarche=session.demarche.id)
            self.show_actions()

        self.window.overlay.present(
            "assist-consent",
            _("Acceptez-vous de l'aide ?"),
            _(
                "{name}, médiateur numérique, propose de remplir votre démarche « {title} » "
                "avec vous. Ses réponses seront marquées comme saisies par le médiateur."
            ).format(name=mediateur.display_name, title=session.demarche.title),
            [
                Choice(_("Non merci"), "assist-consent-no", refused),
                Choice(_("Oui, j'accepte"), "assist-consent-yes", accepted, primary=True),
            ],
        )

    def _override(self) -> None:
        """A check the usager cannot meet (medical glasses, a child...): the médiateur writes
        why, and the next photo with a face is taken anyway."""
        self.panel.present(
            _("Prendre la photo malgré un contrôle"),
            _("Écrivez pourquoi (conservé avec le dossier) :"),
        )
        reason = QLineEdit()
        reason.setObjectName("assist-override-reason")
        reason.setAccessibleName(_("Raison"))
        reason.setMaxLength(200)
        self.panel.body.addWidget(reason)
        reason.show()
        reason.setFocus()

        def confirm() -> None:
            text = reason.text().strip()
            if len(text) < MIN_REASON:
                self.panel.message.setText(_("Écrivez une raison d'au moins 5 caractères."))
                return
            self.window.photo_capture.take_anyway(text, self.mode.actor)
            self.panel.hide()

        self.panel.add_actions(
            [
                Choice(_("Prendre la photo"), "assist-override-confirm", confirm, True),
                Choice(_("Retour"), "assist-back", self.show_actions),
            ]
        )

    def journal_override(self, step_id: str, checks: list[object], by: str) -> None:
        """Journaled under the médiateur who decided, even if the usager validates the photo
        after the badge is out."""
        session = self.window.app.session
        self.mode.journal.append(
            "assist.override",
            by,
            dt.datetime.now(dt.UTC),
            demarche=session.demarche.id if session else "",
            step=step_id,
            checks=":".join(str(c) for c in checks),
        )

    def session_ended(self) -> None:
        """The usager's session ends: the next usager starts without the médiateur's mode,
        panel or banner (the PIN is asked again if the badge is still in)."""
        if self.mode.state is AssistState.OPEN:
            self.mode.close("session_ended")
        self.panel.hide()
        self.banner.hide()

    def _show_steps(self) -> None:
        """Every step the démarche asks of this usager so far, to go back to any of them."""
        session = self.window.app.session
        if session is None or session.state is not SessionState.ACTIVE:
            return
        self.panel.present(_("Revenir à une étape"), _("Les réponses déjà données sont gardées."))
        steps = session.engine.applicable_steps(session.answers)
        reached = [step.id for step in steps]
        upto = reached.index(session.current) + 1 if session.current in reached else len(steps)
        choices = [
            Choice(step.label, f"assist-step:{step.id}", partial(self._go_to, step.id))
            for step in steps[:upto]
        ]
        self.panel.add_actions([*choices, Choice(_("Retour"), "assist-back", self.show_actions)])

    def _go_to(self, step_id: str) -> None:
        session = self.window.app.session
        if session is None or session.state is not SessionState.ACTIVE:
            return
        session.go_to(step_id)
        self._journal("assist.step_back", demarche=session.demarche.id, step=step_id)
        self.panel.hide()
        self.window.show_current()

    def _reprint(self) -> None:
        self._journal("assist.reprint")
        self._reprint_current()

    def _reprint_current(self) -> None:
        """The receipt of the usager still on the receipt screen, which shows the outcome."""
        self.panel.hide()
        self.window.print_receipt()

    def _end(self) -> None:
        session = self.window.app.session
        if session is not None:
            self._journal("assist.session_ended", demarche=session.demarche.id)
        self.panel.hide()
        self.window.finish("ended_by_mediateur")

    def _close(self) -> None:
        self.mode.close("closed")
        self.panel.hide()
        self.banner.hide()

    def close_for_inactivity(self) -> None:
        """Nobody touched the kiosk for minutes with the mode open: close it (the PIN is
        asked again), so the usager's idle timeout applies again."""
        self.mode.close("inactivity")
        self.panel.hide()
        self.banner.hide()

    def _show_status(self) -> None:
        self.panel.present(_("État de la borne"), self.window.status_text())
        actions = [Choice(_("Retour"), "assist-back", self.show_actions, True)]
        if self.window.app.kept_receipts():
            actions.append(
                Choice(_("Réimprimer les reçus"), "assist-kept-receipts", self._show_kept_receipts)
            )
        self.panel.add_actions(actions)

    # -- receipts not printed ------------------------------------------------------------

    def _show_kept_receipts(self, news: str = "") -> None:
        """The receipts the printer did not take, any usager's, each with its own reprint;
        ``news``: how the last reprint went."""
        from kiosk.status import receipt_lines

        lines = receipt_lines(self.window.app)
        text = "\n".join(lines[1:]) if lines else _("Tous les reçus ont été imprimés.")
        self.panel.present(_("Reçus non imprimés"), f"{news}\n{text}" if news else text)
        choices = [
            Choice(
                _("Réimprimer {number}").format(number=kept.dossier_number),
                f"assist-reprint-kept:{kept.dossier_number}",
                partial(self._reprint_kept, kept.submission_id, kept.dossier_number),
            )
            for kept in self.window.app.kept_receipts()
        ]
        self.panel.add_actions([*choices, Choice(_("Retour"), "assist-back", self.show_actions)])

    def _reprint_kept(self, submission_id: str, number: str) -> None:
        """Print a kept receipt on the printer's worker; the panel says how it went."""
        app = self.window.app
        self._journal("assist.reprint", dossier=number)
        session = app.session
        if session is not None and session.id == submission_id and self.window.has_deposit:
            self._reprint_current()  # the usager is on the receipt screen: it follows
            return
        printing = app.reprint_kept(submission_id)
        if printing is None:
            self._show_kept_receipts(
                _("Le reçu {number} n'est plus en attente.").format(number=number)
            )
            return
        # Listed again without it while it prints: a second tap cannot send it twice.
        self._show_kept_receipts(_("Impression du reçu {number}…").format(number=number))
        mediateur = self.mode.mediateur

        def report(news: str) -> None:
            still_here = self.mode.state is AssistState.OPEN and self.mode.mediateur is mediateur
            # Only over the list it came from: the médiateur may have moved on meanwhile.
            listing = self.panel.title.text() == _("Reçus non imprimés")
            if still_here and self.panel.isVisible() and listing:
                self._show_kept_receipts(news)

        def printed(outcome: PrintOutcome) -> None:
            if outcome.error is None:
                report(_("Reçu {number} imprimé.").format(number=number))
                return
            message = for_device_error(outcome.error, "printer")
            report(
                _("Reçu {number} non imprimé : {reason}").format(
                    number=number, reason=message.title
                )
            )

        def crashed(error: BaseException) -> None:
            LOG.error("reprint failed", exc_info=error)
            report(_("Reçu {number} non imprimé.").format(number=number))

        self.window.tasks.when_done(printing, printed, crashed)

    def stop(self) -> None:
        self.window.app.devices.cardreader.stop()
