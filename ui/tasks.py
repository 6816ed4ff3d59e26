"""Bringing worker results back to the GUI thread.

Core methods return ``concurrent.futures.Future`` objects completed on worker threads. A
``Relay`` lives on the GUI thread; emitting its signal from a worker is delivered as a
queued call, so the callbacks below always run on the GUI thread and may touch widgets.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

T = TypeVar("T")


class _Relay(QObject):
    finished = Signal(object)


class TaskRelay:
    """Relays are children of ``owner``: a result that arrives after the owner is gone (a
    window closed while a printer was still working) is dropped by Qt, not delivered to
    widgets that no longer exist."""

    def __init__(self, owner: QObject) -> None:
        self._owner = owner
        self._pending: set[_Relay] = set()

    def when_done(
        self,
        future: Future[T],
        on_result: Callable[[T], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        relay = _Relay(self._owner)
        self._pending.add(relay)

        def deliver(done: Future[Any]) -> None:
            self._pending.discard(relay)
            # The connection holds this closure and the closure holds the relay: a cycle the
            # garbage collector cannot see through Qt. Break it, or every task leaks.
            relay.finished.disconnect(deliver)
            relay.deleteLater()
            error = done.exception()
            if error is None:
                on_result(done.result())
            else:
                on_error(error)

        relay.finished.connect(deliver)

        def forward(done: Future[Any]) -> None:  # on the worker thread
            # RuntimeError: the owner (and so the relay) is gone; nobody waits for this result.
            with contextlib.suppress(RuntimeError):
                relay.finished.emit(done)

        future.add_done_callback(forward)

    @property
    def busy(self) -> bool:
        return bool(self._pending)
