"""The short confirmation that the usager's data is gone."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.i18n import _
from ui.widgets import label


class WipedScreen(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("wiped")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for text, role in (
            (_("Vos données ont été effacées."), "title"),
            (_("Merci et à bientôt !"), "easy"),
        ):
            widget = label(text, role)
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(widget)
        layout.addStretch(1)
