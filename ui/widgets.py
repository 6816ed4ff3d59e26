"""Small building blocks shared by every screen, so all screens look and behave alike.

"Retour" is always bottom-left and "Continuer" bottom-right; "Quitter" is always in the
header. Styling is by the ``role`` property (assets/styles/kiosk.qss), never inline.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QScroller,
    QSizePolicy,
    QWidget,
)

from kiosk.i18n import _

MARGIN = 48
SPACING = 24


_NBSP = "\u00a0"


def french_spacing(text: str) -> str:
    """French typography: the space before « ? ! : ; » and inside « » never breaks, so a
    question mark is never left alone at the start of a line."""
    for mark in ("?", "!", ":", ";", "»"):
        text = text.replace(f" {mark}", f"{_NBSP}{mark}")
    return text.replace("« ", f"«{_NBSP}")


class Label(QLabel):
    """A label that applies French typography to whatever text it is given."""

    def setText(self, text: str) -> None:
        super().setText(french_spacing(text))


def label(text: str = "", role: str = "", wrap: bool = True) -> QLabel:
    widget = Label()
    widget.setText(text)
    if role:
        widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    return widget


def button(text: str, role: str, name: str) -> QPushButton:
    widget = QPushButton(french_spacing(text))
    widget.setProperty("role", role)
    widget.setObjectName(name)
    widget.setCursor(Qt.CursorShape.PointingHandCursor)
    widget.setAccessibleName(text)
    return widget


def discard(widget: QWidget) -> None:
    """Hide now, delete at the next event-loop turn (deleting inside a slot is unsafe)."""
    widget.hide()
    widget.deleteLater()


def scrolling(layout: QLayout) -> QScrollArea:
    """``layout`` in a scroll area that follows the finger, as on a phone: there is no mouse
    wheel at a kiosk."""
    content = QWidget()
    content.setObjectName("scroll-body")
    content.setLayout(layout)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    # Screens are laid out for the width: a sideways scroll is never the way to reach
    # something at a kiosk (nobody looks for it), so it is not offered.
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(content)
    QScroller.grabGesture(scroll.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    return scroll


def clear_layout(layout: QLayout, keep_last: int = 0) -> None:
    """Remove and delete the layout's widgets, keeping the last ``keep_last`` items (a stretch)."""
    while layout.count() > keep_last:
        item = layout.takeAt(0)
        if item is None:
            continue
        widget, inner = item.widget(), item.layout()
        if widget is not None:
            discard(widget)
        elif inner is not None:  # a nested layout's widgets would stay on screen otherwise
            clear_layout(inner)
            inner.deleteLater()


def restyle(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


class Header(QWidget):
    """Démarche title, "Étape n sur m", and the way out."""

    quit_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setProperty("role", "header")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(MARGIN, 12, MARGIN, 12)
        self.title = label("", "header-title", wrap=False)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.progress = label("", "progress", wrap=False)
        self.quit = button(_("Quitter"), "secondary", "quit")
        self.quit.clicked.connect(self.quit_requested)
        layout.addWidget(self.title, 1)
        layout.addWidget(self.progress)
        layout.addSpacing(SPACING)
        layout.addWidget(self.quit)

    def set_step(self, title: str, index: int, count: int) -> None:
        self.title.setText(title)
        self.progress.setText(
            _("Étape {index} sur {count}").format(index=index, count=count) if index else ""
        )


class Footer(QWidget):
    back_clicked = Signal()
    next_clicked = Signal()

    def __init__(self, next_text: str | None = None) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(MARGIN, 12, MARGIN, 24)
        self.back = button("← " + _("Retour"), "secondary", "back")
        self.next = button((next_text or _("Continuer")) + " →", "primary", "continue")
        self.back.clicked.connect(self.back_clicked)
        self.next.clicked.connect(self.next_clicked)
        layout.addWidget(self.back)
        layout.addStretch(1)
        layout.addWidget(self.next)
