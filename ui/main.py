"""Starting the Qt side: application, window, input watch, crash recovery.

Start-up paints the home screen first, then assembles the application (store, devices, the
other screens) in the next turn of the event loop: an usager sees the kiosk as early as
possible, and a store that cannot open shows an out-of-service screen instead of a crash loop.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from kiosk import sdnotify
from kiosk.catalog import Catalog, catalog_dir, load_catalog
from kiosk.config import Config
from kiosk.jsonlog import log_event
from offline_cache.parsed_cache import ParsedFileCache
from ui.lockdown import KioskGuard
from ui.theme import apply_theme
from ui.window import KioskWindow

if TYPE_CHECKING:
    from kiosk.app import KioskApp

LOG = logging.getLogger("ui")
SIGNAL_POLL_MS = 300
CATALOG_CACHE = "catalog-cache.json"  # in the data directory
_INPUT_EVENTS = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.KeyPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.Wheel,
}


class InputWatch(QObject):
    """Any touch, click or key anywhere counts as presence for the idle timeout."""

    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS:
            self.window.user_activity()
        elif event.type() == QEvent.Type.ContextMenu:
            return True  # no context menus anywhere
        return False


def create_window(
    qt_app: QApplication, config: Config, catalog: Catalog, app: KioskApp | None = None
) -> KioskWindow:
    """The themed window on its home screen; attached to ``app`` when one is given."""
    apply_theme(qt_app)
    window = KioskWindow(config, catalog)
    qt_app.installEventFilter(InputWatch(window))
    # After InputWatch: the filter installed last sees events first, so a swallowed key is
    # neither acted on nor counted as the usager's presence.
    qt_app.installEventFilter(KioskGuard(window, fullscreen=config["ui.fullscreen"]))
    if config["ui.exit_pin_hash"]:
        from ui.it_exit import ItExit

        qt_app.installEventFilter(ItExit(window, config["ui.exit_pin_hash"]))
    window.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
    if app is not None:
        window.attach(app)
    return window


def window_for(app: KioskApp, qt_app: QApplication) -> KioskWindow:
    """The window of an already assembled application (tests, tools)."""
    return create_window(qt_app, app.config, app.catalog, app)


def _install_excepthook(window: KioskWindow) -> None:
    """An exception escaping a slot is a bug: recover to home, never show a traceback."""

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        try:
            window.recover(error.with_traceback(tb))
        except Exception:
            LOG.exception("recovery failed")

    sys.excepthook = hook


def _show(window: KioskWindow, config: Config) -> None:
    if config["ui.hide_cursor"]:  # a touch screen: a pointer would only stand in the way
        QApplication.setOverrideCursor(Qt.CursorShape.BlankCursor)
    if config["ui.fullscreen"]:
        window.setWindowFlags(
            Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.Window
        )
        window.showFullScreen()
    else:
        window.resize(1280, 800)
        window.show()


def _quit_on_signals(window: KioskWindow) -> QTimer:
    """SIGTERM (systemd stop) and SIGINT end the event loop cleanly: the store is closed and
    a demo's temporary data removed. Python runs signal handlers only between bytecodes, so
    a light timer wakes the interpreter while Qt waits in C++."""
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda _signum, _frame: window.quit())
    timer = QTimer()
    timer.timeout.connect(lambda: None)
    timer.start(SIGNAL_POLL_MS)
    return timer


def _feed_watchdog() -> QTimer | None:
    """systemd's watchdog, fed by the GUI thread's event loop: a frozen screen stops feeding
    it and the unit restarts the kiosk."""
    interval = sdnotify.watchdog_interval_s()
    if interval is None:
        return None
    timer = QTimer()
    timer.timeout.connect(lambda: sdnotify.notify("WATCHDOG=1"))
    timer.start(max(100, int(interval * 1000)))
    return timer


def run_ui(
    config: Config,
    control_socket: str | None = None,
    exit_after_paint: bool = False,
    exit_when_ready: bool = False,
) -> int:
    started = time.monotonic()
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qt_app, QApplication)
    catalog = load_catalog(catalog_dir(config), ParsedFileCache(config.data_dir / CATALOG_CACHE))
    window = create_window(qt_app, config, catalog)
    _install_excepthook(window)
    _show(window, config)
    closers: list[Callable[[], None]] = []  # what to close at exit (also keeps it alive)

    def since_start() -> int:
        return round((time.monotonic() - started) * 1000)

    def painted() -> None:
        log_event(LOG, "kiosk.painted", screen=window.current_screen, duration_ms=since_start())
        if exit_after_paint:
            window.quit()
            return
        QTimer.singleShot(0, assemble)

    def assemble() -> None:
        from kiosk.bootstrap import build_app
        from offline_cache import StoreError

        try:
            app_config = config
            if config.demo and not config["sync.backend_url"]:
                from kiosk.bootstrap import start_demo_backend

                app_config, receiver = start_demo_backend(config)
                closers.append(receiver.stop)
            app = build_app(app_config, catalog)
        except Exception as exc:
            code = exc.code if isinstance(exc, StoreError) else type(exc).__name__
            LOG.error("kiosk assembly failed", exc_info=exc)
            log_event(LOG, "kiosk.out_of_service", logging.ERROR, code=code)
            window.out_of_service()
            return
        if app.sync is not None:
            app.sync.start()
            closers.insert(0, app.sync.stop)  # first: it uses the store, which closes last
        closers.extend((app.devices.shutdown, app.store.close))
        window.attach(app)
        log_event(LOG, "kiosk.ready", duration_ms=since_start())
        sdnotify.notify("READY=1")
        if control_socket:
            from ui.control import ControlServer

            closers.insert(0, ControlServer(window, control_socket).close)
        if exit_when_ready:
            window.quit()

    # A zero-delay timer fires once the event loop has processed the first paint.
    QTimer.singleShot(0, painted)
    wakeup = _quit_on_signals(window)
    watchdog = _feed_watchdog()
    code = qt_app.exec()
    wakeup.stop()
    if watchdog is not None:
        watchdog.stop()
    sdnotify.notify("STOPPING=1")
    for close in closers:
        close()
    log_event(LOG, "kiosk.stopped", code=code)
    return int(code)
