"""The real window on the real application (demo devices, store on disk), offscreen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
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
        kiosk.app.devices.shutdown()
        kiosk.app.store.close()


@pytest.fixture
def kiosk(make_kiosk: Callable[..., Kiosk]) -> Kiosk:
    return make_kiosk()
