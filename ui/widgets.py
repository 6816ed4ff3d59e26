"""Small building blocks shared by every screen, so all screens look and behave alike.

"Retour" is always bottom-left and "Continuer" bottom-right; "Quitter" is always in the
header. Styling is by the ``role`` property (assets/styles/kiosk.qss), never inline.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

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

from kiosk.i18n import _, is_right_to_left, source_of

MARGIN = 48
SPACING = 24


_NBSP = "\u00a0"


def french_spacing(text: str) -> str:
    """French typography: the space before « ? ! : ; » and inside « » never breaks, so a
    question mark is never left alone at the start of a line."""
    for mark in ("?", "!", ":", ";", "»"):
        text = text.replace(f" {mark}", f"{_NBSP}{mark}")
    return text.replace("« ", f"«{_NBSP}")


# Properties a widget keeps so that it can be shown again in another language: the French
# source of its text (when it came straight from ``_()``) and the arrow drawn beside it.
SOURCE = "i18n-source"
ARROW = "i18n-arrow"


class Label(QLabel):
    """A label that applies French typography to whatever text it is given, and remembers
    the source of a translated text (see ``retranslate``)."""

    def setText(self, text: str) -> None:
        self.setProperty(SOURCE, source_of(text))
        super().setText(french_spacing(text))

    def clear(self) -> None:
        self.setProperty(SOURCE, None)  # a cleared label stays empty in any language
        super().clear()


def label(text: str = "", role: str = "", wrap: bool = True) -> QLabel:
    widget = Label()
    widget.setText(text)
    if role:
        widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    return widget


def _arrowed(text: str, arrow: str) -> str:
    """``text`` with its arrow on the side the reading goes: "← Retour", "Continuer →", and
    mirrored for a right-to-left language ("Retour" then points right)."""
    if not arrow:
        return text
    back = arrow == "back"
    glyph = "→" if back == is_right_to_left() else "←"
    # Placed in logical order: the layout direction puts the "before" side on the right in RTL.
    return f"{glyph} {text}" if back else f"{text} {glyph}"


def set_button_text(widget: QPushButton, text: str) -> None:
    """A button's visible text and spoken name; the arrow (``arrow`` in ``button``) is kept."""
    widget.setProperty(SOURCE, source_of(text))
    widget.setText(french_spacing(_arrowed(text, str(widget.property(ARROW) or ""))))
    widget.setAccessibleName(text)


def button(text: str, role: str, name: str, arrow: str = "") -> QPushButton:
    """``arrow``: "back" or "next" for the journey's buttons (drawn per reading direction)."""
    widget = QPushButton()
    widget.setProperty(ARROW, arrow)
    set_button_text(widget, text)
    widget.setProperty("role", role)
    widget.setObjectName(name)
    widget.setCursor(Qt.CursorShape.PointingHandCursor)
    return widget


def retranslate(root: QWidget) -> None:
    """Show again, in the active language, every text under ``root`` that came straight from
    ``_()``. Texts composed at run time (with numbers, names) are not covered: their screens
    show them again (``KioskWindow.retranslate``)."""
    for widget in root.findChildren(QWidget):
        source = widget.property(SOURCE)
        if not source:
            continue
        if isinstance(widget, QPushButton):
            set_button_text(widget, _(source))
        elif isinstance(widget, QLabel):
            widget.setText(_(source))


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
    scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the finger scrolls it; Tab skips it
    QScroller.grabGesture(scroll.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    return scroll


def scroll_area_of(widget: QWidget) -> QScrollArea | None:
    """The scroll area ``widget`` is shown in, if any (its view may move it out of sight)."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


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


def in_layout_order(
    widget: QWidget, skip: Callable[[QWidget], bool] = lambda _widget: False
) -> Iterator[QWidget]:
    """``widget`` and its descendants in the order their layouts place them: top to bottom,
    and along a row in the layout's logical order, which is the reading order in French and
    in Arabic alike (Qt mirrors the geometry, not the order). Children outside any layout
    come after. Hidden subtrees, and those ``skip`` refuses, are left out."""
    yield widget
    children = widget.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
    layout = widget.layout()
    placed = _layout_widgets(layout) if layout is not None else []
    ordered = placed + [child for child in children if all(child is not p for p in placed)]
    for child in ordered:
        # A hidden widget hides its whole subtree (the stack's other screens among them).
        if child.isHidden() or skip(child):
            continue
        yield from in_layout_order(child, skip)


def _layout_widgets(layout: QLayout) -> list[QWidget]:
    found: list[QWidget] = []
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item is None:
            continue
        child, inner = item.widget(), item.layout()
        if child is not None:
            found.append(child)
        elif inner is not None:
            found += _layout_widgets(inner)
    return found


def order_focus(root: QWidget, skip: Callable[[QWidget], bool] = lambda _widget: False) -> None:
    """Tab goes through ``root``'s controls in reading order. Qt's default is the order the
    widgets were created in, and a screen fills its boxes after its buttons were made."""
    chain = [
        widget
        for widget in in_layout_order(root, skip)
        if widget is not root
        and widget.isEnabled()
        and widget.focusPolicy() & Qt.FocusPolicy.TabFocus == Qt.FocusPolicy.TabFocus
    ]
    for first, second in itertools.pairwise(chain):
        QWidget.setTabOrder(first, second)


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
        self.back = button(_("Retour"), "secondary", "back", arrow="back")
        self.next = button(next_text or _("Continuer"), "primary", "continue", arrow="next")
        self.back.clicked.connect(self.back_clicked)
        self.next.clicked.connect(self.next_clicked)
        layout.addWidget(self.back)
        layout.addStretch(1)
        layout.addWidget(self.next)
