"""A test-only control channel: drive the real widgets from another process.

Accepted only with ``--demo`` (the CLI refuses it otherwise). One JSON object per line:
``{"cmd": "state"}``, ``{"cmd": "click", "name": ...}``, ``{"cmd": "type", "name": ...,
"text": ...}``, ``{"cmd": "quit"}``. Widgets are found by objectName among the visible ones,
so a test can only do what a person could do on screen.
"""

from __future__ import annotations

import json
import os
from typing import Any

from PySide6.QtNetwork import QLocalServer, QLocalSocket

from ui.driving import click, describe, type_text
from ui.window import KioskWindow


class ControlServer:
    def __init__(self, window: KioskWindow, path: str) -> None:
        self.window = window
        if os.path.exists(path):
            os.unlink(path)
        self.server = QLocalServer()
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not self.server.listen(path):
            raise RuntimeError(f"control socket: {self.server.errorString()}")
        self.server.newConnection.connect(self._accept)
        self._clients: list[QLocalSocket] = []

    def close(self) -> None:
        self.server.close()

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            client = self.server.nextPendingConnection()
            self._clients.append(client)
            client.readyRead.connect(lambda c=client: self._read(c))
            client.disconnected.connect(lambda c=client: self._clients.remove(c))

    def _read(self, client: QLocalSocket) -> None:
        while client.canReadLine():
            line = bytes(client.readLine().data()).decode("utf-8")
            try:
                reply = self.handle(json.loads(line))
            except Exception as exc:
                reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            client.write((json.dumps(reply, ensure_ascii=False) + "\n").encode("utf-8"))
            client.flush()

    def handle(self, command: dict[str, Any]) -> dict[str, Any]:
        cmd = command.get("cmd")
        if cmd == "state":
            return {
                "ok": True,
                "screen": self.window.current_screen,
                "overlay": self.window.overlay.kind,
                "busy": self.window.busy,
                **describe(self.window),
            }
        if cmd == "click":
            click(self.window, command["name"])
        elif cmd == "type":
            type_text(self.window, command["name"], command["text"])
        elif cmd == "quit":
            self.window.quit()
        else:
            raise ValueError(f"unknown command {cmd!r}")
        return {"ok": True}
