"""The real window on the real application (demo devices, store on disk), offscreen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.app import KioskApp
from tests.support.inprocess import demo_app, widget_driver
from tests.support.journey import Driver
from ui.main import window_for
from ui.window import KioskWindow


@dataclass
class Kiosk:
    app: KioskApp
    window: KioskWindow
    driver: Driver
    data_dir: Path


@pytest.fixture
def make_kiosk(qtbot: QtBot, qapp: object, tmp_path: Path) -> Iterator[Callable[..., Kiosk]]:
    built: list[Kiosk] = []

    def make(**settings: dict[str, object]) -> Kiosk:
        data_dir = tmp_path / f"data{len(built)}"
        app = demo_app(data_dir, **settings)
        window = window_for(app, qapp)  # type: ignore[arg-type]
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        driver = widget_driver(window, lambda predicate: qtbot.waitUntil(predicate, timeout=10_000))
        kiosk = Kiosk(app, window, driver, data_dir)
        built.append(kiosk)
        return kiosk

    yield make
    for kiosk in built:
        # Language, text size and contrast are the whole application's: the next test
        # starts with the kiosk's defaults, as the next usager does.
        kiosk.window.settings.reset()
        kiosk.app.devices.shutdown()
        kiosk.app.store.close()


@pytest.fixture
def kiosk(make_kiosk: Callable[..., Kiosk]) -> Kiosk:
    return make_kiosk()


@pytest.fixture(autouse=True)
def dispose_windows() -> Iterator[None]:
    """Each test's window really goes: a kiosk window refuses to close, and every window left
    behind is restyled and refocused with the next ones, slowing each test after it."""
    yield
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, KioskWindow):
            # Hidden and deleted, not closed: closing the last window would end the
            # application's run for the tests after this one.
            widget.hide()
            widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
