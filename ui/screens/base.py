"""The frame shared by step screens: header, scrollable body, footer."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.widgets import MARGIN, SPACING, Footer, Header, scrolling


class StepFrame(QWidget):
    def __init__(self, name: str, next_text: str | None = None) -> None:
        super().__init__()
        self.setObjectName(name)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.header = Header()
        self.footer = Footer(next_text)
        self.body = QVBoxLayout()
        self.body.setContentsMargins(MARGIN, MARGIN // 2, MARGIN, SPACING)
        self.body.setSpacing(SPACING)
        outer.addWidget(self.header)
        outer.addWidget(scrolling(self.body), 1)
        outer.addWidget(self.footer)
