"""Scanning one pièce: what to bring, a big "Numériser" button, the pages scanned."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.demarche import PieceStep
from kiosk.engine import Position
from kiosk.i18n import _
from kiosk.pieces import PageImage
from ui.screens.base import StepFrame
from ui.widgets import SPACING, button, clear_layout, label, restyle

THUMBNAIL_PX = 260


class PieceScreen(StepFrame):
    scan_requested = Signal()  # scan the pièce from the start (replaces the pages)
    page_action = Signal(str, int)  # ("enlarge" | "rotate" | "delete", page index)
    add_page_requested = Signal()  # scan one more page (recto-verso, several sheets)
    cancel_requested = Signal()

    def __init__(self) -> None:
        super().__init__("piece")
        self.title_label = label("", "question")
        self.easy_label = label("", "easy")
        self.examples_label = label("", "help")
        self.scan_button = button(_("Numériser le document"), "primary", "scan")
        self.scan_button.clicked.connect(self.scan_requested)
        self.add_button = button(_("Ajouter une page"), "primary", "add-page")
        self.add_button.clicked.connect(self.add_page_requested)
        self.cancel_button = button(_("Annuler"), "secondary", "cancel-scan")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.status_label = label("", "status")
        self.status_label.setObjectName("scan-status")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy indicator: the scanner does not report progress yet
        self.progress.setTextVisible(False)
        self.thumbnails = QWidget()
        self.thumbnail_row = QHBoxLayout(self.thumbnails)
        self.thumbnail_row.setContentsMargins(0, 0, 0, 0)
        self.thumbnail_row.setSpacing(SPACING)
        self.thumbnail_row.addStretch(1)
        self.max_pages = 1
        self.optional = False
        for widget in (self.title_label, self.easy_label, self.examples_label):
            self.body.addWidget(widget)
        # The buttons and the status on the left, the pages as they arrive on the right:
        # everything stays above the fold on an 800 px high screen.
        controls = QVBoxLayout()
        controls.setSpacing(SPACING)
        for action in (self.scan_button, self.add_button, self.cancel_button):
            controls.addWidget(action, 0, Qt.AlignmentFlag.AlignLeft)
        controls.addWidget(self.progress)
        controls.addWidget(self.status_label)
        controls.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(SPACING * 2)
        row.addLayout(controls, 1)
        row.addWidget(self.thumbnails, 1)
        self.body.addLayout(row)
        self.body.addStretch(1)

    def show_piece(
        self, title: str, piece: PieceStep, position: Position, pages: list[PageImage]
    ) -> None:
        self.header.set_step(title, position.index, position.count)
        self.title_label.setText(piece.label)
        self.easy_label.setText(
            piece.easy or _("Posez le document face contre la vitre du scanner.")
        )
        examples = "\n".join(f"• {example}" for example in piece.examples)
        self.examples_label.setText(_("Par exemple :") + "\n" + examples if examples else "")
        self.examples_label.setVisible(bool(examples))
        self.max_pages = piece.max_pages
        self.optional = not piece.required
        self.set_busy(False)
        self.show_pages(pages)

    def set_busy(self, busy: bool) -> None:
        """While the scanner works: only "Annuler" (and "Quitter") can be touched."""
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.scan_button.setVisible(not busy)
        self.add_button.setVisible(False)
        self.footer.setEnabled(not busy)
        if busy:
            self.status_label.setText(_("Numérisation en cours… Ne bougez pas le document."))

    def show_pages(self, pages: list[PageImage], status: str = "") -> None:
        clear_layout(self.thumbnail_row, keep_last=1)
        for number, page in enumerate(pages, start=1):
            height = THUMBNAIL_PX if len(pages) == 1 else THUMBNAIL_PX * 2 // 3
            column = self._page_column(number, page, height)
            self.thumbnail_row.insertWidget(number - 1, column)
            column.show()
        scanned = bool(pages)
        self.scan_button.setText(
            _("Recommencer la numérisation") if scanned else _("Numériser le document")
        )
        self.scan_button.setProperty("role", "secondary" if scanned else "primary")
        restyle(self.scan_button)
        self.add_button.setVisible(scanned and len(pages) < self.max_pages)
        self.footer.next.setEnabled(scanned or self.optional)
        if status:
            self.status_label.setText(status)
        elif scanned:
            text = (
                _("Document numérisé ({n} page). Vérifiez qu'il est lisible.")
                if len(pages) == 1
                else _("Document numérisé ({n} pages). Vérifiez qu'il est lisible.")
            )
            self.status_label.setText(text.format(n=len(pages)))
        elif self.optional:
            self.status_label.setText(
                _("Ce document n'est pas obligatoire : vous pouvez continuer sans lui.")
            )
        else:
            self.status_label.setText(_("Numérisez le document pour pouvoir continuer."))

    def _page_column(self, number: int, page: PageImage, height: int) -> QWidget:
        """A page's thumbnail (touch it to enlarge) and what can be done to it."""
        pixmap = QPixmap()
        pixmap.loadFromData(page.thumbnail_jpeg, "JPG")
        scaled = pixmap.scaledToHeight(height, Qt.TransformationMode.SmoothTransformation)
        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACING // 3)
        thumb = button("", "page", f"page:{number}")
        thumb.setIcon(QIcon(scaled))
        thumb.setIconSize(scaled.size())
        thumb.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        thumb.setAccessibleName(_("Page {n} : agrandir").format(n=number))
        layout.addWidget(thumb)
        actions = QHBoxLayout()  # side by side, under the page: all above the fold
        for action, text in (("rotate", _("Tourner")), ("delete", _("Supprimer"))):
            widget = button(text, "link", f"{action}:{number}")
            widget.setAccessibleName(f"{text} : " + _("page {n}").format(n=number))
            actions.addWidget(widget)
        layout.addLayout(actions)
        for widget in column.findChildren(QPushButton):
            widget.setProperty("page_index", number - 1)
            # A bound method, not a lambda: lambdas connected to short-lived buttons leak.
            widget.clicked.connect(self._page_clicked)
        return column

    def _page_clicked(self) -> None:
        sender = self.sender()
        if sender is None:
            return
        action = sender.objectName().split(":", 1)[0]
        self.page_action.emit(
            "enlarge" if action == "page" else action, int(sender.property("page_index"))
        )

    def clear(self) -> None:
        """Forget the last usager's pages (the widgets outlive the session)."""
        clear_layout(self.thumbnail_row, keep_last=1)
        self.status_label.clear()
