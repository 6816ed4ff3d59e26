"""Save a screenshot of every screen of the demo journey (run under Xvfb or offscreen).

    python -m tests.screenshots [output_dir] [--languages]

Walks the real window through the demo démarche with real clicks, and also captures the
idle warning, an input error, the quit confirmation, a receipt that could not print, and the
scan screen's states (the gauge, two pages with a blank one, no scanner, the camera). With
``--languages``, the journey's main screens again in every language at every text size, and
in high contrast (``<output_dir>/languages/<code>-<size>[-contrast]/``), for review.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from drivers.scanner.simulated import SimulatedScanner
from kiosk.app import KioskApp
from kiosk.i18n import LANGUAGES
from tests.support.inprocess import demo_app, pump_until, widget_driver
from tests.support.journey import Driver, open_demarche, walk_to, walk_to_recap
from tests.support.photo_demarche import photo_catalog, walk_to_photo
from ui import driving
from ui.main import window_for
from ui.theme import TEXT_SCALES
from ui.window import KioskWindow

SIZE = (1280, 800)


def _shoot(window: KioskWindow, out: Path, name: str) -> None:
    for _ in range(5):
        QApplication.processEvents()
    path = out / f"{name}.png"
    window.grab().save(str(path))
    print(path)


def _shoot_scanning(app: KioskApp, window: KioskWindow, driver: Driver, out: Path) -> None:
    """The scan screen's states: the gauge, two pages (one blank), no scanner, the camera."""
    scanner = app.devices.scanner
    assert isinstance(scanner, SimulatedScanner)
    faults = app.devices.faults["scanner"]
    walk_to(driver, "piece_identite")
    faults.delay_s = 2.0
    driving.click(window, "scan")
    pump_until(lambda: window.piece.progress.value() >= 40)
    _shoot(window, out, "scan-1-progress")
    pump_until(driver.scanned)
    faults.delay_s = 0.0
    scanner.bad_pages = {0: "blank"}
    driving.click(window, "add-page")
    pump_until(lambda: window.piece.page_count == 2 and not window.busy)
    _shoot(window, out, "scan-2-two-pages")
    driving.click(window, "delete:2")
    faults.unplugged = True
    driving.click(window, "add-page")
    pump_until(lambda: window.overlay.kind == "scan-error")
    _shoot(window, out, "scan-3-no-scanner")
    driving.click(window, "use-camera")
    pump_until(lambda: not window.piece.preview.pixmap().isNull())
    _shoot(window, out, "scan-4-camera")
    driving.click(window, "take-photo")
    pump_until(lambda: window.piece.page_count == 2 and not window.piece.camera_on)
    _shoot(window, out, "scan-5-photo-taken")
    faults.unplugged = False
    driving.click(window, "quit")
    driving.click(window, "confirm-quit")
    pump_until(lambda: window.current_screen == "home")


def _shoot_photo(qt_app: QApplication, out: Path) -> None:
    """The identity photo: guidance on the live view, then the photo to validate."""
    with tempfile.TemporaryDirectory(prefix="kiosk-shots-photo-") as data:
        catalog = photo_catalog(Path(data) / "catalog")
        app = demo_app(Path(data) / "data", kiosk={"catalog_dir": str(catalog)})
        window = window_for(app, qt_app)
        window.resize(*SIZE)
        window.show()
        walk_to_photo(widget_driver(window, pump_until))
        pump_until(lambda: window.photo.countdown.text() != "")
        _shoot(window, out, "photo-1-countdown")
        pump_until(lambda: window.photo.accept_button.isVisible())
        _shoot(window, out, "photo-2-taken")
        app.devices.shutdown()
        app.store.close()
        window.close()


def main() -> int:
    arguments = [a for a in sys.argv[1:] if a != "--languages"]
    out = Path(arguments[0] if arguments else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="kiosk-shots-") as data:
        app = demo_app(Path(data))
        window = window_for(app, qt_app)
        window.resize(*SIZE)
        window.show()
        driver = widget_driver(window, pump_until)
        _shoot_scanning(app, window, driver, out)
        _shoot_photo(qt_app, out)
        _shoot(window, out, "01-home")
        counter = iter(range(2, 100))
        driving.click(window, "family:permis")
        _shoot(window, out, f"{next(counter):02d}-family")
        driving.click(window, "demarche:permis-perte-vol")
        _shoot(window, out, f"{next(counter):02d}-intro")
        driving.click(window, "back")
        driving.click(window, "back")

        def on_step(step_id: str) -> None:
            _shoot(window, out, f"{next(counter):02d}-step-{step_id}")
            if step_id == "code_ephoto":
                driving.type_text(window, "input", "AB12CD34EF56GH78IJ90KL")
                driving.click(window, "continue")
                _shoot(window, out, f"{next(counter):02d}-step-ephoto-notice")
                driving.click(window, "message-ok")
                driving.click(window, "back")
            if step_id == "email":
                driving.type_text(window, "input", "pas-une-adresse")
                driving.click(window, "continue")
                _shoot(window, out, f"{next(counter):02d}-step-email-error")
            if step_id == "justificatif_domicile":
                driving.click(window, "scan")
                pump_until(driver.scanned)
                _shoot(window, out, f"{next(counter):02d}-step-{step_id}-scanned")

        walk_to_recap(driver, on_step)
        _shoot(window, out, f"{next(counter):02d}-recap")
        driving.click(window, "quit")
        _shoot(window, out, f"{next(counter):02d}-confirm-quit")
        driving.click(window, "cancel-quit")
        app.devices.faults["printer"].fail_next = "paper_out"
        driving.click(window, "send")
        pump_until(lambda: window.receipt.reprint.isVisible())  # the printing failed
        _shoot(window, out, f"{next(counter):02d}-receipt-paper-out")
        driving.click(window, "reprint")  # the fault was one-shot: this one prints
        pump_until(lambda: not window.receipt.reprint.isVisible() and not window.busy)
        _shoot(window, out, f"{next(counter):02d}-receipt-printed")
        driving.click(window, "finish")
        _shoot(window, out, f"{next(counter):02d}-wiped")
        # The idle warning, on a fresh session with a short timeout.
        app.idle.warning_after, app.idle.countdown = 0.5, 30
        pump_until(lambda: window.current_screen == "home")
        open_demarche(driver)
        pump_until(lambda: window.overlay.kind == "idle")
        _shoot(window, out, f"{next(counter):02d}-idle-warning")
        _shoot_assist(app, window, out, next(counter))
        app.devices.shutdown()
        app.store.close()
        if "--languages" in sys.argv[1:]:
            _shoot_languages(qt_app, Path(data) / "languages", out / "languages")
    return 0


LANGUAGE_STEPS = ("motif", "date_faits", "email", "piece_identite")


def _shoot_languages(qt_app: QApplication, data: Path, out: Path) -> None:
    """Home, list, intro, a choice, a date, an e-mail with its keyboard, a pièce, the
    récapitulatif and the receipt, in each language and text size (and high contrast)."""
    looks = [(code, size, False) for code in LANGUAGES for size in range(len(TEXT_SCALES))]
    looks += [("fr", 0, True), ("ar", 0, True)]
    for number, (code, size, contrast) in enumerate(looks):
        app = demo_app(data / str(number))
        window = window_for(app, qt_app)
        window.resize(*SIZE)
        window.show()
        driver = widget_driver(window, pump_until)
        folder = out / f"{code}-{size}{'-contrast' if contrast else ''}"
        folder.mkdir(parents=True, exist_ok=True)
        window.settings.set_language(code)
        for _ in range(size):
            window.settings.next_text_size()
        if contrast:
            window.settings.toggle_contrast()
        _shoot(window, folder, "1-home")
        driving.click(window, "family:permis")
        _shoot(window, folder, "2-family")
        driving.click(window, "demarche:permis-perte-vol")
        _shoot(window, folder, "3-intro")
        driving.click(window, "start")

        def on_step(step_id: str, folder: Path = folder, window: KioskWindow = window) -> None:
            if step_id in LANGUAGE_STEPS:
                _shoot(window, folder, f"4-{LANGUAGE_STEPS.index(step_id)}-{step_id}")

        walk_to_recap(driver, on_step, from_home=False)
        _shoot(window, folder, "5-recap")
        driving.click(window, "send")
        pump_until(lambda window=window: window.current_screen == "receipt" and not window.busy)
        _shoot(window, folder, "6-receipt")
        window.settings.reset()
        app.devices.shutdown()
        app.store.close()
        window.closing_allowed = True  # the kiosk's own windows refuse to close otherwise
        window.close()
        window.deleteLater()
        # Gone now, not at some later turn of a loop: a window left alive keeps its timers,
        # and its idle check would put the whole application back to French mid-walk.
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def _shoot_assist(app: KioskApp, window: KioskWindow, out: Path, first: int) -> None:
    """A médiateur badges in on an usager's session: PIN pad, panel, consent, banner."""
    from drivers.cardreader.simulated import SimulatedCardReader

    window.overlay.dismiss()
    app.idle.warning_after = 3600
    assert app.assist is not None
    app.assist.registry.enroll("Karim", "04A25F1B", "482913", dt.datetime.now(dt.UTC))
    reader = app.devices.cardreader
    assert isinstance(reader, SimulatedCardReader) and window.assist_ui is not None
    assist_ui = window.assist_ui
    reader.insert("04A25F1B", pin="482913")
    pump_until(lambda: assist_ui.panel.pin is not None)
    for digit in "4829":
        driving.click(window, f"assist-pin-{digit}")
    _shoot(window, out, f"{first:02d}-assist-pin")
    for digit in "13":
        driving.click(window, f"assist-pin-{digit}")
    driving.click(window, "assist-pin-ok")
    pump_until(lambda: assist_ui.is_open)
    _shoot(window, out, f"{first + 1:02d}-assist-panel")
    driving.click(window, "assist-steps")
    _shoot(window, out, f"{first + 4:02d}-assist-steps")
    driving.click(window, "assist-back")
    driving.click(window, "assist-takeover")
    _shoot(window, out, f"{first + 2:02d}-assist-consent")
    driving.click(window, "assist-consent-yes")
    _shoot(window, out, f"{first + 3:02d}-assist-banner")
    reader.remove()
    pump_until(lambda: not assist_ui.banner.isVisible())


if __name__ == "__main__":
    sys.exit(main())
