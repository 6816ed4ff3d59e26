"""After sealing: the dossier number, the receipt (printed or not), the way to finish."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from drivers.printer.interface import QrCode
from kiosk.i18n import _
from kiosk.messages import for_device_error
from ui.qr import qr_pixmap
from ui.widgets import MARGIN, SPACING, button, label, scrolling

if TYPE_CHECKING:
    from kiosk.app import Deposit, PrintOutcome


class ReceiptScreen(QWidget):
    finish_requested = Signal()
    reprint_requested = Signal()
    print_a4_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("receipt")
        self._outcome: PrintOutcome | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        layout.setSpacing(MARGIN)
        # The number, the print's outcome and the QR code scroll if a long error message
        # needs the room; the buttons under them never move.
        left = QVBoxLayout()
        left.setSpacing(SPACING)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(label(_("Votre dossier est enregistré."), "title"))
        left.addWidget(label(_("Votre numéro de dossier :"), "easy"))
        self.number = label("", "number")
        self.number.setObjectName("dossier-number")
        left.addWidget(self.number)
        self.print_status = label("", "easy")
        self.print_status.setObjectName("print-status")
        left.addWidget(self.print_status)
        self.print_error = label("", "error")
        self.print_error.setObjectName("print-error")
        left.addWidget(self.print_error)
        qr_row = QHBoxLayout()
        self.qr = QLabel()
        self.qr.setObjectName("qr")
        qr_row.addWidget(self.qr)
        qr_row.addWidget(
            label(_("Vous pouvez aussi photographier ce code : il contient votre numéro."), "help"),
            1,
        )
        left.addLayout(qr_row)
        self.a4_status = label("", "help")
        self.a4_status.setObjectName("a4-status")
        left.addWidget(self.a4_status)
        left.addStretch(1)
        column = QVBoxLayout()
        column.setSpacing(SPACING)
        column.addWidget(scrolling(left), 1)
        buttons = QHBoxLayout()
        self.reprint = button(_("Imprimer à nouveau"), "secondary", "reprint")
        self.reprint.clicked.connect(self.reprint_requested)
        self.print_a4 = button(_("Imprimer le récapitulatif (A4)"), "secondary", "print-a4")
        self.print_a4.clicked.connect(self.print_a4_requested)
        self.print_a4.hide()  # shown when the kiosk has an A4 printer
        self.a4_available = False
        self.printer_profile = "TM-T88V"  # the ticket printer's model: set from the config
        self.finish = button(_("Terminer"), "primary", "finish")
        self.finish.clicked.connect(self.finish_requested)
        buttons.addWidget(self.reprint)
        buttons.addWidget(self.print_a4)
        buttons.addStretch(1)
        buttons.addWidget(self.finish)
        column.addLayout(buttons)
        self.ticket = label("", "ticket")
        self.ticket.setObjectName("ticket")
        self.ticket.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(column, 3)
        # A long receipt is taller than the screen: it scrolls under the finger, it never
        # pushes the window beyond the screen.
        ticket_column = QVBoxLayout()
        ticket_column.setContentsMargins(0, 0, 0, 0)
        ticket_column.addWidget(self.ticket)
        self.ticket_scroll = scrolling(ticket_column)
        self.ticket_scroll.setMinimumWidth(440)
        layout.addWidget(self.ticket_scroll, 2)

    def show_deposit(self, deposit: Deposit) -> None:
        """The number first, at once: printing comes after and may fail or hang."""
        self.number.setText(deposit.sealed.dossier_number)
        # The receipt's text until it is printed, then the ticket as printed; its text stays
        # the label's description, for screen readers (an image says nothing to them).
        text = deposit.receipt.plain_text()
        self.ticket.setText(text)
        self.ticket.setAccessibleDescription(text)
        link = next((b.data for b in deposit.receipt.blocks if isinstance(b, QrCode)), "")
        self.qr.setPixmap(qr_pixmap(link or deposit.sealed.dossier_number, 200))
        self.a4_status.clear()
        self.print_a4.setVisible(self.a4_available)
        self.print_a4.setEnabled(True)
        self.show_printing()

    def show_printing(self) -> None:
        self._outcome = None
        self.print_status.setText(_("Impression de votre reçu…"))
        self.print_error.hide()
        self.reprint.hide()

    def show_print_outcome(self, outcome: PrintOutcome) -> None:
        self._outcome = outcome
        if outcome.printed is not None:
            # Loaded at the first receipt (python-escpos is in memory once it has printed).
            from drivers.printer.escpos_layout import columns_of
            from ui.receipt_image import receipt_pixmap

            data = outcome.printed.data
            self.ticket.setPixmap(receipt_pixmap(data, columns_of(self.printer_profile)))
        if outcome.error is None:
            self.print_status.setText(
                _("Prenez votre reçu dans l'imprimante : il prouve votre dépôt.")
            )
            self.print_error.hide()
            self.reprint.hide()
            return
        message = for_device_error(outcome.error, "printer")
        self.print_status.setText(
            _("Le reçu n'a pas pu être imprimé : notez votre numéro de dossier.")
        )
        text = f"{message.title}. {message.body}"
        if outcome.kept:  # the médiateur sees it in the panel and can print it later
            text += " " + _("Le médiateur peut aussi imprimer votre reçu plus tard.")
        self.print_error.setText(text)
        self.print_error.show()
        self.reprint.show()

    def retranslate(self) -> None:
        """The print error is composed from parts: compose it again in the new language."""
        if self._outcome is not None and self._outcome.error is not None:
            self.show_print_outcome(self._outcome)

    def show_a4(self, text: str, done: bool) -> None:
        """Where the A4 récapitulatif is: printing (the button waits), printed, or failed."""
        self.a4_status.setText(text)
        self.print_a4.setEnabled(done)

    def clear(self) -> None:
        """Forget the last usager's number and receipt (the widgets outlive the session)."""
        for widget in (
            self.number,
            self.ticket,
            self.print_status,
            self.print_error,
            self.a4_status,
        ):
            widget.clear()
        self.ticket.setAccessibleDescription("")
        self.qr.clear()
        self._outcome = None
