"""Every control a person can act on has a name a screen reader can say: walked over every
screen of the demo journey, the médiateur's panel included."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QWidget,
)

from tests.support.journey import walk_to, walk_to_recap
from tests.ui.conftest import Kiosk
from tests.ui.test_assist import PIN, badge_in, enrol, type_pin
from ui import driving

INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox)


def unnamed(root: QWidget) -> list[str]:
    """The visible interactive widgets without an accessible name (a button's own text is
    its name for screen readers; a field needs an explicit one)."""
    found = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisible() or not isinstance(widget, INTERACTIVE):
            continue
        name = widget.accessibleName().strip()
        if not name and isinstance(widget, QAbstractButton):
            name = widget.text().strip()
        if not name:
            found.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return found


def test_every_control_of_the_journey_has_a_name(kiosk: Kiosk) -> None:
    problems: dict[str, list[str]] = {}

    def check(where: str) -> None:
        if missing := unnamed(kiosk.window):
            problems[where] = missing

    check("home")
    walk_to_recap(kiosk.driver, check)
    check("recap")
    driving.click(kiosk.window, "send")
    kiosk.driver.wait_until(lambda: kiosk.window.current_screen == "receipt")
    check("receipt")
    assert problems == {}


def test_the_mediateur_panel_controls_have_names(kiosk: Kiosk) -> None:
    enrol(kiosk)
    assist_ui = badge_in(kiosk, walk_to="email", pin=None)
    assert unnamed(kiosk.window) == []  # the PIN pad
    type_pin(kiosk, PIN)
    assert assist_ui.is_open
    assert unnamed(kiosk.window) == []  # the panel


def test_tab_goes_through_the_controls_in_reading_order(kiosk: Kiosk) -> None:
    """Top to bottom, then along each row: the settings, "Quitter", the day, month and year
    boxes, "Retour", "Continuer", and round again (a screen's boxes are made after its
    buttons: without an explicit order Tab would reach them last)."""
    walk_to(kiosk.driver, "date_faits")
    window = kiosk.window
    QApplication.processEvents()
    start = QApplication.focusWidget()
    assert start is not None and start.objectName() == "day"
    cycle = []
    for _ in range(30):
        widget = QApplication.focusWidget()
        assert widget is not None
        if cycle and widget is start:
            break
        cycle.append(widget)
        window.focusNextChild()
    names = [widget.objectName() for widget in cycle]
    assert names[:3] == ["day", "month", "year"]
    assert names[3:5] == ["back", "continue"]
    assert "quit" in names and "QScrollArea" not in " ".join(type(w).__name__ for w in cycle)

    def place(widget: QWidget) -> tuple[int, int]:
        centre = widget.mapTo(window, widget.rect().center())
        return (centre.y() // 40, centre.x())

    top = names.index("setting-listen") if "setting-listen" in names else names.index("quit")
    reading = cycle[top:] + cycle[:top]
    assert [place(w) for w in reading] == sorted(place(w) for w in reading)
