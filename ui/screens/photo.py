"""The identity photo: a live mirror with an oval guide, one instruction at a time, a
countdown, then the photo with "Recommencer" and "Valider"."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.demarche import PhotoStep
from kiosk.engine import Position
from kiosk.i18n import _
from kiosk.pieces import PageImage
from ui.screens.base import StepFrame
from ui.widgets import SPACING, button, label, set_button_text

PREVIEW_SIZE = QSize(640, 360)
PHOTO_HEIGHT = 360
# The oval the head should fill, as shares of the preview: centred, 70-80 % of a 45 mm
# photo's height is the head, and the photo is cut from the middle of the frame.
OVAL = (0.5, 0.47, 0.26, 0.78)  # centre x, centre y, width, height
GUIDE_WAITING = QColor("#ffffff")
GUIDE_OK = QColor("#18753c")  # DSFR success green


class PhotoScreen(StepFrame):
    retake_requested = Signal()
    accept_requested = Signal()

    def __init__(self) -> None:
        super().__init__("photo")
        self.title_label = label("", "question")
        self.easy_label = label("", "easy")
        self.preview = QLabel()
        self.preview.setObjectName("photo-preview")
        self.preview.setFixedSize(PREVIEW_SIZE)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.instruction = label("", "question")
        self.instruction.setObjectName("photo-instruction")
        self.countdown = label("", "number")
        self.countdown.setObjectName("photo-countdown")
        self.status_label = label("", "status")
        self.status_label.setObjectName("photo-status")
        self.retake_button = button(_("Recommencer"), "secondary", "retake")
        self.retake_button.clicked.connect(self.retake_requested)
        self.accept_button = button(_("Valider cette photo"), "primary", "accept-photo")
        self.accept_button.clicked.connect(self.accept_requested)
        self.body.addWidget(self.title_label)
        self.body.addWidget(self.easy_label)
        row = QHBoxLayout()
        row.setSpacing(SPACING)
        row.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignTop)
        side = QVBoxLayout()
        side.setSpacing(SPACING)
        for widget in (self.instruction, self.countdown, self.status_label):
            side.addWidget(widget)
        actions = QHBoxLayout()  # side by side: both stay above the fold
        actions.setSpacing(SPACING)
        actions.addWidget(self.accept_button)
        actions.addWidget(self.retake_button)
        actions.addStretch(1)
        side.addLayout(actions)
        side.addStretch(1)
        side_widget = QWidget()
        side_widget.setLayout(side)
        row.addWidget(side_widget, 1)
        self.body.addLayout(row)
        self.body.addStretch(1)
        self.live = False

    def show_step(
        self, title: str, step: PhotoStep, position: Position, photo: PageImage | None
    ) -> None:
        self.relabel(title, step, position)
        if photo is None:
            self.show_live()
        else:
            self.show_photo(photo, accepted=True)

    def relabel(self, title: str, step: PhotoStep, position: Position) -> None:
        """The step's texts in the active language; the live view goes on untouched."""
        self.header.set_step(title, position.index, position.count)
        self.title_label.setText(step.label)
        self.easy_label.setText(
            step.easy or _("Regardez la caméra. Suivez les indications : la photo se prend seule.")
        )

    def show_live(self, has_photo: bool = False) -> None:
        """Guidance: the mirror, what to do, and nothing to touch (``has_photo``: one was
        accepted before, "Continuer" keeps it)."""
        self.live = True
        self.preview.clear()
        self.instruction.setText(_("Placez votre visage dans l'ovale."))
        self.countdown.clear()
        self.status_label.setText(
            _("Votre photo précédente est gardée si vous touchez « Continuer ».")
            if has_photo
            else ""
        )
        self.accept_button.hide()
        self.retake_button.hide()
        self.footer.next.setEnabled(has_photo)

    def clear_live(self) -> None:
        """The live view is over: no frame of the usager stays on screen."""
        self.preview.clear()
        self.countdown.clear()

    def show_retry(self, problem: str) -> None:
        """The camera failed and no photo was accepted: say so, offer to try again."""
        self.live = False
        self.clear_live()
        self.instruction.setText(problem)
        self.status_label.clear()
        self.accept_button.hide()
        set_button_text(self.retake_button, _("Réessayer"))
        self.retake_button.show()
        self.footer.next.setEnabled(False)

    def show_view(self, frame: QImage, instruction: str, countdown: int | None) -> None:
        pixmap = QPixmap.fromImage(frame).scaled(
            PREVIEW_SIZE,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation,
        )
        ready = not instruction
        _draw_oval(pixmap, GUIDE_OK if ready else GUIDE_WAITING)
        self.preview.setPixmap(pixmap)
        self.instruction.setText(instruction or _("Parfait, ne bougez plus."))
        self.countdown.setText(str(countdown) if countdown else "")

    def show_photo(self, photo: PageImage, accepted: bool) -> None:
        """The 35 x 45 photo: to accept or to take again (or, accepted, to go on)."""
        self.live = False
        pixmap = QPixmap()
        pixmap.loadFromData(photo.thumbnail_jpeg, "JPG")
        self.preview.setPixmap(
            pixmap.scaledToHeight(PHOTO_HEIGHT, Qt.TransformationMode.SmoothTransformation)
        )
        self.countdown.clear()
        self.accept_button.setVisible(not accepted)
        self.retake_button.show()
        set_button_text(
            self.retake_button, _("Reprendre la photo") if accepted else _("Recommencer")
        )
        self.footer.next.setEnabled(accepted)
        if accepted:
            self.instruction.setText(_("Votre photo est gardée pour votre dossier."))
            self.status_label.setText(_("Touchez « Continuer » pour passer à la suite."))
        else:
            self.instruction.setText(_("Votre photo vous convient ?"))
            self.status_label.setText(
                _("Le visage doit être net, bien éclairé, sans reflet, la bouche fermée.")
            )

    def show_problem(self, text: str) -> None:
        self.status_label.setText(text)

    def clear(self) -> None:
        """Nothing of the usager's face stays in a widget after the session."""
        self.preview.clear()
        self.instruction.clear()
        self.countdown.clear()
        self.status_label.clear()


def _draw_oval(pixmap: QPixmap, colour: QColor) -> None:
    width, height = pixmap.width(), pixmap.height()
    centre_x, centre_y, oval_w, oval_h = OVAL
    rect = QRectF(
        (centre_x - oval_w / 2) * width,
        (centre_y - oval_h / 2) * height,
        oval_w * width,
        oval_h * height,
    )
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(
        QPen(colour, 5, Qt.PenStyle.DashLine if colour == GUIDE_WAITING else Qt.PenStyle.SolidLine)
    )
    painter.drawEllipse(rect)
    painter.end()
