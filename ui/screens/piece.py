"""Scanning one pièce: what to bring, a big "Numériser" button, the pages scanned."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.demarche import PieceStep
from kiosk.engine import Position
from kiosk.i18n import _
from kiosk.pictograms import pictogram_for_piece
from kiosk.pieces import PageImage
from ui.pictograms import PictogramLabel
from ui.screens.base import StepFrame
from ui.widgets import SPACING, button, clear_layout, label, restyle, set_button_text

THUMBNAIL_PX = 260
PREVIEW_SIZE = QSize(560, 420)
CONTROLS_MAX_WIDTH = 460
A4_RATIO = 297 / 210
PICTOGRAM_PX = 96


class PieceScreen(StepFrame):
    scan_requested = Signal()  # scan the pièce from the start (replaces the pages)
    # (action, page index); actions: "enlarge", "rotate", "rescan", "delete", "earlier", "later"
    page_action = Signal(str, int)
    add_page_requested = Signal()  # scan one more page (recto-verso, several sheets)
    cancel_requested = Signal()
    photo_requested = Signal()  # no scanner: photograph the document with the camera
    take_photo_requested = Signal()

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
        self.photo_button = button(_("Photographier le document"), "secondary", "photo")
        self.photo_button.clicked.connect(self.photo_requested)
        self.take_button = button(_("Prendre la photo"), "primary", "take-photo")
        self.take_button.clicked.connect(self.take_photo_requested)
        self.camera_offered = False
        self.camera_chosen = False  # the usager chose the camera: no scanner this session
        self.camera_on = False
        self.busy = False
        self.scanner_source = "flatbed"  # where documents go: set from the configuration
        # The camera's live view takes the place of the pages while it is on.
        self.preview = QLabel()
        self.preview.setObjectName("camera-preview")
        self.preview.setFixedSize(PREVIEW_SIZE)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setProperty("role", "preview")
        self.preview.hide()
        self.status_label = label("", "status")
        self.status_label.setObjectName("scan-status")
        self.progress = QProgressBar()
        self.progress.setObjectName("scan-progress")
        self.progress.setRange(0, 0)  # "busy" until the scanner reports how far it is
        self.progress.setTextVisible(False)
        self.progress_label = label("", "progress")
        self.progress_label.setObjectName("scan-progress-text")
        self.thumbnails = QWidget()
        # Two pages per row, each with its buttons beside it: four pages stay above the fold.
        self.page_grid = QGridLayout(self.thumbnails)
        self.page_grid.setContentsMargins(0, 0, 0, 0)
        self.page_grid.setSpacing(SPACING // 2)
        self.page_grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.max_pages = 1
        self.optional = False
        self._easy = ""
        # What the paper looks like, beside its name and instruction (as high as both, so
        # the pages stay above the fold): found on the table without reading.
        self.pictogram = PictogramLabel("", PICTOGRAM_PX)
        texts = QVBoxLayout()
        texts.setContentsMargins(0, 0, 0, 0)
        texts.setSpacing(SPACING)
        for widget in (self.title_label, self.easy_label):
            texts.addWidget(widget)
        heading = QHBoxLayout()
        heading.setSpacing(SPACING)
        heading.addWidget(self.pictogram, 0, Qt.AlignmentFlag.AlignTop)
        heading.addLayout(texts, 1)
        self.body.addLayout(heading)
        # The examples, the buttons and the status on the left, the pages as they arrive on
        # the right: two pages and their buttons stay above the fold on an 800 px screen.
        controls = QVBoxLayout()
        controls.setSpacing(SPACING)
        controls.addWidget(self.examples_label)
        for action in (
            self.scan_button,
            self.take_button,
            self.add_button,
            self.photo_button,
            self.cancel_button,
        ):
            controls.addWidget(action, 0, Qt.AlignmentFlag.AlignLeft)
        controls.addWidget(self.progress_label)
        controls.addWidget(self.progress)
        controls.addWidget(self.status_label)
        controls.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(SPACING)
        controls.setContentsMargins(0, 0, 0, 0)
        left = QWidget()
        left.setLayout(controls)
        left.setMaximumWidth(CONTROLS_MAX_WIDTH)
        row.addWidget(left, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.thumbnails, 1)
        row.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignTop)
        row.addStretch(0)
        self.body.addLayout(row)
        self.body.addStretch(1)

    def show_piece(
        self, title: str, piece: PieceStep, position: Position, pages: list[PageImage]
    ) -> None:
        self.relabel(title, piece, position)
        self.max_pages = piece.max_pages
        self.optional = not piece.required
        self.set_busy(False)
        self.show_pages(pages)

    def relabel(self, title: str, piece: PieceStep, position: Position) -> None:
        """The texts of the pièce (in the active language), the pages and a scan under way
        left as they are: a language chosen in the middle of a scan applies at once."""
        self.header.set_step(title, position.index, position.count)
        self.title_label.setText(piece.label)
        self.pictogram.set_pictogram(pictogram_for_piece(piece.id, piece.label))
        if self.camera_chosen:  # no scanner for this usager: the camera's instructions
            self._easy = _("Le document sera photographié avec la caméra.")
        else:
            self._easy = piece.easy or self._default_easy()
        examples = "\n".join(f"• {example}" for example in piece.examples)
        self.examples_label.setText(_("Par exemple :") + "\n" + examples if examples else "")
        self.examples_label.setVisible(bool(examples) and not self.camera_on)
        self.easy_label.setText(self._camera_easy() if self.camera_on else self._easy)

    @staticmethod
    def _camera_easy() -> str:
        return _("Posez le document à plat sous la caméra, en entier, sans le tenir.")

    def _default_easy(self) -> str:
        if self.scanner_source == "flatbed":
            return _("Posez le document face contre la vitre du scanner.")
        return _("Posez les feuilles dans le chargeur du scanner.")

    def show_camera(self, on: bool) -> None:
        """The live view and "Prendre la photo" instead of the pages and the scan buttons."""
        self.camera_on = on
        # The scanner's instructions make no sense under the camera: the camera's own, on top.
        self.easy_label.setText(self._camera_easy() if on else self._easy)
        self.examples_label.setVisible(not on and bool(self.examples_label.text()))
        self.preview.setVisible(on)
        self.preview.clear()
        self.thumbnails.setVisible(not on)
        self.take_button.setVisible(on)
        self.take_button.setEnabled(True)
        self.cancel_button.setVisible(on)
        self.progress.setVisible(False)
        self.progress_label.setVisible(False)
        self.footer.setEnabled(not on)
        self.scan_button.setVisible(not on)
        for action in (self.add_button, self.photo_button):
            action.setVisible(False)
        if on:
            self.status_label.setText(
                _("Quand le document est net à l'écran, touchez « Prendre la photo ».")
            )

    def show_preview(self, frame: QImage) -> None:
        self.preview.setPixmap(
            QPixmap.fromImage(frame).scaled(
                PREVIEW_SIZE,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.FastTransformation,
            )
        )

    def set_taking(self) -> None:
        self.take_button.setEnabled(False)
        self.status_label.setText(_("Photo en cours… Ne bougez pas le document."))

    def set_busy(self, busy: bool) -> None:
        """While the scanner works: only "Annuler" (and "Quitter") can be touched."""
        self.busy = busy
        self.take_button.setVisible(False)
        self.photo_button.setVisible(False)
        self.progress.setVisible(busy)
        self.progress_label.setVisible(busy)
        self.progress.setRange(0, 0)
        self.progress_label.setText(_("Le scanner démarre…"))
        self.cancel_button.setVisible(busy)
        self.scan_button.setVisible(not busy)
        self.add_button.setVisible(False)
        self.footer.setEnabled(not busy)
        self.thumbnails.setEnabled(not busy)  # pages are shown as they come, not changed
        if busy:
            self.status_label.setText(_("Numérisation en cours… Ne bougez pas le document."))

    def show_progress(self, page_number: int, share: float) -> None:
        """How far the scanner is in reading page ``page_number`` (from 1)."""
        self.progress.setRange(0, 100)
        self.progress.setValue(round(share * 100))
        if share >= 1.0:  # read: now cropped, straightened, turned upright (up to ~1 s)
            text = _("Page {n} : mise en forme…").format(n=page_number)
        else:
            text = _("Page {n} : {percent} %").format(n=page_number, percent=round(share * 100))
        self.progress_label.setText(text)

    def show_pages(self, pages: list[PageImage], status: str = "") -> None:
        clear_layout(self.page_grid)
        for number, page in enumerate(pages, start=1):
            height = THUMBNAIL_PX if len(pages) <= 2 else THUMBNAIL_PX * 2 // 3
            cell = self._page_cell(number, page, height, len(pages))
            self.page_grid.addWidget(cell, (number - 1) // 2, (number - 1) % 2)
            cell.show()
        scanned = bool(pages)
        set_button_text(
            self.scan_button,
            _("Recommencer la numérisation") if scanned else _("Numériser le document"),
        )
        self.scan_button.setProperty("role", "secondary" if scanned else "primary")
        restyle(self.scan_button)
        if self.camera_on:
            self.show_camera(False)
        room = len(pages) < self.max_pages and not self.busy  # nothing new while scanning
        self.add_button.setVisible(scanned and room)
        self.photo_button.setVisible(self.camera_offered and room)
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

    @property
    def page_count(self) -> int:
        return self.page_grid.count()

    def _page_cell(self, number: int, page: PageImage, height: int, count: int) -> QWidget:
        """A page's name, its thumbnail (touch it to enlarge) and, beside it, what can be
        done to it: turn it, scan it again, delete it, move it before or after its neighbour."""
        pixmap = QPixmap()
        pixmap.loadFromData(page.thumbnail_jpeg, "JPG")
        # Fitted in a portrait A4 box: a page lying sideways is as wide, not wider.
        box = QSize(round(height / A4_RATIO), height)
        scaled = pixmap.scaled(
            box, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        cell = QWidget()
        row = QHBoxLayout(cell)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(SPACING // 3)
        picture = QVBoxLayout()
        name = _("Page {n} (verso)") if page.side == "back" else _("Page {n}")
        picture.addWidget(label(name.format(n=number), "progress", wrap=False))
        thumb = button("", "page", f"page:{number}")
        thumb.setIcon(QIcon(scaled))
        thumb.setIconSize(scaled.size())
        thumb.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        thumb.setAccessibleName(_("Page {n} : agrandir").format(n=number))
        picture.addWidget(thumb)
        if page.blank:
            warning = label(_("Page blanche ?"), "warning", wrap=False)
            warning.setObjectName(f"blank:{number}")
            picture.addWidget(warning)
        picture.addStretch(1)
        row.addLayout(picture)
        actions = QVBoxLayout()
        actions.setSpacing(0)
        page_actions = [
            ("rotate", _("Tourner"), _("Tourner la page {n}")),
            ("rescan", _("Refaire"), _("Numériser à nouveau la page {n}")),
            ("delete", _("Supprimer"), _("Supprimer la page {n}")),
        ]
        if number > 1:
            page_actions.append(("earlier", _("◀ Avant"), _("Mettre la page {n} plus tôt")))
        if number < count:
            page_actions.append(("later", _("Après ▶"), _("Mettre la page {n} plus loin")))
        for action, text, spoken in page_actions:
            widget = button(text, "page-action", f"{action}:{number}")
            widget.setAccessibleName(spoken.format(n=number))
            actions.addWidget(widget, 0, Qt.AlignmentFlag.AlignLeft)
        actions.addStretch(1)
        row.addLayout(actions)
        for widget in cell.findChildren(QPushButton):
            widget.setProperty("page_index", number - 1)
            # A bound method, not a lambda: lambdas connected to short-lived buttons leak.
            widget.clicked.connect(self._page_clicked)
        return cell

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
        clear_layout(self.page_grid)
        self.status_label.clear()
        self.preview.clear()  # the last camera frame may show the usager's document
        self.camera_offered = self.camera_chosen = False
