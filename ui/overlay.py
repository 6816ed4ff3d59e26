"""An in-window modal panel for confirmations, errors, the idle countdown and waits.

Drawn inside the kiosk window (never a native dialog: those can escape full screen and
offer file pickers). It covers the whole window, so nothing behind it can be touched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ui.widgets import MARGIN, SPACING, button, clear_layout, label


@dataclass(frozen=True)
class Choice:
    text: str
    name: str
    action: Callable[[], None]
    primary: bool = False


class Overlay(QWidget):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("overlay")
        self.setProperty("role", "overlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.panel = QFrame()
        self.panel.setProperty("role", "dialog")
        self.panel.setMaximumWidth(900)
        self.panel.setMinimumWidth(640)
        inner = QVBoxLayout(self.panel)
        inner.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        inner.setSpacing(SPACING)
        self.title = label("", "question")
        self.title.setObjectName("overlay-title")
        self.body = label("", "easy")
        self.body.setObjectName("overlay-body")
        self.image = QLabel()
        self.image.setObjectName("overlay-image")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(SPACING)
        self.grid = QGridLayout()  # the choices of a list, two a row
        self.grid.setSpacing(SPACING)
        inner.addWidget(self.title)
        inner.addWidget(self.body)
        inner.addWidget(self.image)
        inner.addLayout(self.grid)
        inner.addLayout(self.buttons)
        outer.addWidget(self.panel)
        self.kind = ""
        self._choices: dict[str, Choice] = {}
        parent.installEventFilter(self)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Resize:
            self._cover_parent()
        return False

    def _cover_parent(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())

    def present(
        self,
        kind: str,
        title: str,
        body: str,
        choices: list[Choice],
        image: QPixmap | None = None,
        stacked: bool = False,
    ) -> None:
        """Show the panel; ``kind`` names what is shown ("idle", "confirm-quit", "error"...).
        ``stacked``: the choices in a grid, two a row (a list to pick from, not a question);
        the last one (the way out) stays alone at the bottom."""
        self.kind = kind
        self.title.setText(title)
        self.body.setText(body)
        self.body.setVisible(bool(body))
        self.image.setPixmap(image if image is not None else QPixmap())
        self.image.setVisible(image is not None)
        clear_layout(self.buttons)
        clear_layout(self.grid)
        self._choices.clear()
        self.buttons.addStretch(1)
        last = None
        for index, choice in enumerate(choices):
            last = button(choice.text, "primary" if choice.primary else "secondary", choice.name)
            self._choices[choice.name] = choice
            # A bound method, not a lambda: lambdas connected to short-lived buttons leak.
            last.clicked.connect(self._clicked)
            if stacked and index < len(choices) - 1:
                self.grid.addWidget(last, index // 2, index % 2)
            else:
                self.buttons.addWidget(last)
            last.show()
        self._cover_parent()
        self.show()
        self.raise_()
        if last is not None:
            last.setFocus()

    def update_body(self, body: str) -> None:
        self.body.setText(body)

    def _clicked(self) -> None:
        sender = self.sender()
        choice = self._choices.get(sender.objectName()) if sender is not None else None
        if choice is not None:
            self.dismiss()
            choice.action()

    def dismiss(self) -> None:
        self.kind = ""
        self.hide()
