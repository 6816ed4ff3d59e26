"""After sealing: the dossier number, the receipt (printed or not), the way to finish."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from drivers.printer.interface import QrCode
from kiosk.app import Deposit
from kiosk.i18n import _
from kiosk.messages import for_device_error
from ui.qr import qr_pixmap
from ui.widgets import MARGIN, SPACING, button, label


class ReceiptScreen(QWidget):
    finish_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("receipt")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        layout.setSpacing(MARGIN)
        left = QVBoxLayout()
        left.setSpacing(SPACING)
        left.addWidget(label(_("Votre dossier est enregistré."), "title"))
        left.addWidget(label(_("Votre numéro de dossier :"), "easy"))
        self.number = label("", "number")
        self.number.setObjectName("dossier-number")
        self.number.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
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
            label(_("Vous pouvez aussi photographier ce code pour suivre votre dossier."), "help"),
            1,
        )
        left.addLayout(qr_row)
        left.addStretch(1)
        self.finish = button(_("Terminer"), "primary", "finish")
        self.finish.clicked.connect(self.finish_requested)
        left.addWidget(self.finish, 0, Qt.AlignmentFlag.AlignLeft)
        self.ticket = label("", "ticket")
        self.ticket.setObjectName("ticket")
        self.ticket.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.ticket.setMinimumWidth(420)
        layout.addLayout(left, 3)
        layout.addWidget(self.ticket, 2)

    def show_deposit(self, deposit: Deposit) -> None:
        self.number.setText(deposit.sealed.dossier_number)
        self.ticket.setText(deposit.receipt.plain_text())
        link = next((b.data for b in deposit.receipt.blocks if isinstance(b, QrCode)), "")
        self.qr.setPixmap(
            qr_pixmap(link, 200) if link else qr_pixmap(deposit.sealed.dossier_number, 200)
        )
        if deposit.print_error is None:
            self.print_status.setText(
                _("Prenez votre reçu dans l'imprimante : il prouve votre dépôt.")
            )
            self.print_error.hide()
        else:
            message = for_device_error(deposit.print_error, "printer")
            self.print_status.setText(
                _("Notez votre numéro de dossier : le reçu n'a pas pu être imprimé.")
            )
            self.print_error.setText(f"{message.title}. {message.body}")
            self.print_error.show()
