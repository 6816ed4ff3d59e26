"""Driving the window by what is on screen: shared by the control channel, tests and tools.

Widgets are found by objectName among the visible, enabled ones, so whatever drives the
kiosk this way can only do what a person could do by touching the screen.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QWidget


def visible_widget(root: QWidget, name: str) -> QWidget:
    for widget in root.findChildren(QWidget, name):
        if widget.isVisible():
            return widget
    raise LookupError(f"no visible widget named {name!r}")


def click(root: QWidget, name: str) -> None:
    widget = visible_widget(root, name)
    if not isinstance(widget, QAbstractButton) or not widget.isEnabled():
        raise LookupError(f"{name!r} is not an enabled button")
    widget.click()


def type_text(root: QWidget, name: str, text: str) -> None:
    widget = visible_widget(root, name)
    if not isinstance(widget, QLineEdit):
        raise LookupError(f"{name!r} is not a text box")
    widget.setFocus()
    widget.setText(text)


def visible_texts(root: QWidget) -> list[str]:
    """Every text a person can read on screen: labels and button captions."""
    widgets: list[QLabel | QAbstractButton] = [
        *root.findChildren(QLabel),
        *root.findChildren(QAbstractButton),
    ]
    # Non-breaking spaces (French typography) read as spaces.
    return [w.text().replace("\u00a0", " ") for w in widgets if w.isVisible() and w.text()]


def enabled_buttons(root: QWidget) -> list[str]:
    return [
        w.objectName()
        for w in root.findChildren(QAbstractButton)
        if w.isVisible() and w.isEnabled() and w.objectName()
    ]


def describe(root: QWidget) -> dict[str, Any]:
    return {"texts": visible_texts(root), "buttons": enabled_buttons(root)}
