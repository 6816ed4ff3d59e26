"""Finding text that does not fit: labels cut at the bottom, buttons narrower than their
text, widgets drawn over each other. Measured from the widgets' geometry and their fonts'
metrics, on whatever is visible in a window."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from ui.widgets import scroll_area_of


def _shown(widget: QWidget, root: QWidget) -> bool:
    return widget.isVisible() and widget.window() is root.window()


def clipped_texts(root: QWidget) -> list[str]:
    """Every visible label or button under ``root`` whose text needs more room than it has."""
    problems = []
    for widget in root.findChildren(QWidget):
        if not _shown(widget, root) or widget.width() <= 0:
            continue
        name = widget.objectName() or type(widget).__name__
        if isinstance(widget, QLabel) and widget.text() and widget.pixmap().isNull():
            rect = widget.contentsRect()
            margin = widget.margin() * 2
            if widget.wordWrap():
                needed = widget.heightForWidth(widget.width())
                if needed > widget.height() + 1:
                    problems.append(
                        f"label {name} {widget.text()[:40]!r}: needs {needed} px high, "
                        f"has {widget.height()}"
                    )
            else:
                needed = widget.fontMetrics().horizontalAdvance(widget.text()) + margin
                if needed > rect.width() + 1 and not _scrolls_sideways(widget):
                    problems.append(
                        f"label {name} {widget.text()[:40]!r}: needs {needed} px wide, "
                        f"has {rect.width()}"
                    )
        elif isinstance(widget, QAbstractButton) and widget.text():
            hint = widget.sizeHint()
            if hint.width() > widget.width() + 1 or hint.height() > widget.height() + 1:
                problems.append(
                    f"button {name} {widget.text()[:40]!r}: needs {hint.width()}x"
                    f"{hint.height()}, has {widget.width()}x{widget.height()}"
                )
    return problems


def _scrolls_sideways(widget: QWidget) -> bool:
    return scroll_area_of(widget) is not None


def overlapping(root: QWidget) -> list[str]:
    """Visible sibling labels and buttons whose rectangles intersect (text over text)."""
    problems = []
    kinds = (QLabel, QAbstractButton)
    for parent in [root, *root.findChildren(QWidget)]:
        if not _shown(parent, root):
            continue
        children = [
            child for child in parent.children() if isinstance(child, kinds) and _shown(child, root)
        ]
        for index, first in enumerate(children):
            for second in children[index + 1 :]:
                overlap = first.geometry().intersected(second.geometry())
                if overlap.width() > 2 and overlap.height() > 2:
                    problems.append(
                        f"{first.objectName() or type(first).__name__} and "
                        f"{second.objectName() or type(second).__name__} overlap"
                    )
    return problems


MIN_TARGET_PX = 48
MIN_GAP_PX = 8


def small_targets(root: QWidget) -> list[str]:
    """Visible buttons smaller than a fingertip (48 px) or closer than 8 px to another one."""
    buttons = [
        widget
        for widget in root.findChildren(QAbstractButton)
        if _shown(widget, root) and widget.isEnabled()
    ]
    problems = []
    for widget in buttons:
        if min(widget.width(), widget.height()) < MIN_TARGET_PX:
            problems.append(
                f"{widget.objectName() or widget.text()[:20]!r} is {widget.width()}x"
                f"{widget.height()} px"
            )
    # What can be touched: a button half scrolled out of its view is only its visible part.
    rects = [
        (w, region.translated(w.mapTo(root, w.rect().topLeft())))
        for w in buttons
        if not (region := w.visibleRegion().boundingRect()).isEmpty()
    ]
    for index, (first, one) in enumerate(rects):
        for second, other in rects[index + 1 :]:
            if first.isAncestorOf(second) or second.isAncestorOf(first):
                continue
            margin = MIN_GAP_PX // 2
            if one.adjusted(-margin, -margin, margin, margin).intersects(
                other.adjusted(-margin, -margin, margin, margin)
            ):
                problems.append(
                    f"{first.objectName()!r} and {second.objectName()!r} are closer than "
                    f"{MIN_GAP_PX} px"
                )
    return problems


def in_corner(root: QWidget, corner_px: int) -> list[str]:
    """Visible buttons reaching into the window's top-right corner (IT staff's hidden exit)."""
    corner = root.rect().adjusted(root.width() - corner_px, 0, 0, 0)
    corner.setHeight(corner_px)
    return [
        f"{widget.objectName()!r} reaches into the top-right corner"
        for widget in root.findChildren(QAbstractButton)
        if _shown(widget, root)
        and widget.rect().translated(widget.mapTo(root, widget.rect().topLeft())).intersects(corner)
    ]
