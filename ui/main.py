"""Starting the Qt side: application, window, input watch, crash recovery."""

from __future__ import annotations

import logging
import sys
import time
from types import TracebackType

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from kiosk.app import KioskApp
from kiosk.jsonlog import log_event
from ui.theme import apply_theme
from ui.window import KioskWindow

LOG = logging.getLogger("ui")
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


def create_window(app: KioskApp, qt_app: QApplication) -> KioskWindow:
    apply_theme(qt_app)
    window = KioskWindow(app)
    qt_app.installEventFilter(InputWatch(window))
    window.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
    return window


def _install_excepthook(window: KioskWindow) -> None:
    """An exception escaping a slot is a bug: recover to home, never show a traceback."""

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        try:
            window.recover(error.with_traceback(tb))
        except Exception:
            LOG.exception("recovery failed")

    sys.excepthook = hook


def run_ui(app: KioskApp, control_socket: str | None = None, exit_after_paint: bool = False) -> int:
    started = time.monotonic()
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qt_app, QApplication)
    window = create_window(app, qt_app)
    _install_excepthook(window)
    if app.config["ui.fullscreen"]:
        window.setWindowFlags(
            Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.Window
        )
        window.showFullScreen()
    else:
        window.resize(1280, 800)
        window.show()
    server = None
    if control_socket:
        from ui.control import ControlServer

        server = ControlServer(window, control_socket)

    def painted() -> None:
        log_event(
            LOG,
            "kiosk.ready",
            screen=window.current_screen,
            duration_ms=round((time.monotonic() - started) * 1000),
        )
        if exit_after_paint:
            qt_app.quit()

    # A zero-delay timer fires once the event loop has processed the first paint.
    QTimer.singleShot(0, painted)
    code = qt_app.exec()
    if server is not None:
        server.close()
    app.devices.shutdown()
    app.store.close()
    log_event(LOG, "kiosk.stopped", code=code)
    return int(code)
