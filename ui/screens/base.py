"""The frame shared by step screens: header, scrollable body, footer."""

from __future__ import annotations

from PySide6.QtWidgets import QScrollArea, QScroller, QVBoxLayout, QWidget

from ui.widgets import MARGIN, SPACING, Footer, Header


class StepFrame(QWidget):
    def __init__(self, name: str, next_text: str | None = None) -> None:
        super().__init__()
        self.setObjectName(name)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.header = Header()
        self.footer = Footer(next_text)
        content = QWidget()
        content.setObjectName("scroll-body")
        self.body = QVBoxLayout(content)
        self.body.setContentsMargins(MARGIN, MARGIN // 2, MARGIN, SPACING)
        self.body.setSpacing(SPACING)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        # Drag with a finger to scroll, as on a phone: there is no mouse wheel at a kiosk.
        QScroller.grabGesture(
            scroll.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture
        )
        outer.addWidget(self.header)
        outer.addWidget(scroll, 1)
        outer.addWidget(self.footer)
