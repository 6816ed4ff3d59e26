"""IT staff's hidden way out: five taps in the top-right corner within three seconds, then a
PIN checked against the argon2 hash in ``ui.exit_pin_hash``.

The kiosk then leaves IT staff's exit marker in the unit's runtime directory and ends with
``IT_EXIT_STATUS``, which the unit lists in ``RestartPreventExitStatus=``. cage does not pass
its client's status on, so the unit's main process (``kiosk session``, kiosk/cage_session.py)
turns the marker into that status after cage ends: systemd does not start the kiosk again,
the machine's console is free for maintenance until the service is started again (or the
machine restarts). An usager who finds the corner meets a code pad and nothing else; wrong
codes are logged.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint
from PySide6.QtGui import QMouseEvent

from kiosk.cage_session import IT_EXIT_STATUS, mark_it_exit
from kiosk.i18n import _
from kiosk.jsonlog import log_event
from ui.assist_panel import AssistPanel
from ui.overlay import Choice

if TYPE_CHECKING:
    from ui.window import KioskWindow

LOG = logging.getLogger("ui.it_exit")
CORNER_PX = 80
TAPS = 5
WITHIN_S = 3.0


class ItExit(QObject):
    def __init__(self, window: KioskWindow, pin_hash: str) -> None:
        super().__init__(window)
        self.window = window
        self._hash = pin_hash
        self._taps: list[float] = []
        self.panel = AssistPanel(window)
        self.panel.setObjectName("it-exit-panel")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            self._tap(event.globalPosition().toPoint())
        return False

    def _tap(self, where: QPoint) -> None:
        local = self.window.mapFromGlobal(where)
        if local.y() > CORNER_PX or local.x() < self.window.width() - CORNER_PX:
            return
        now = time.monotonic()
        self._taps = [t for t in self._taps if now - t < WITHIN_S] + [now]
        if len(self._taps) >= TAPS:
            self._taps.clear()
            self._ask()

    def _ask(self) -> None:
        self.panel.present(_("Service informatique"), _("Code de sortie :"))
        self.panel.add_pin_pad(self._submit)
        self.panel.add_actions([Choice(_("Annuler"), "it-exit-cancel", self.panel.hide)])

    def _submit(self) -> None:
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        if self.panel.pin is None:
            return
        pin = self.panel.pin.text()
        self.panel.pin.clear()
        try:
            PasswordHasher().verify(self._hash, pin)
        except (VerificationError, InvalidHashError):
            log_event(LOG, "kiosk.it_exit_refused", logging.WARNING)
            self.panel.message.setText(_("Code incorrect."))
            return
        # Only now, the PIN verified: the marker keeps the whole unit stopped.
        log_event(LOG, "kiosk.it_exit", state="marked" if mark_it_exit() else "unmarked")
        self.panel.hide()
        self.window.quit(IT_EXIT_STATUS)
