"""A thread-safe cancellation token shared by long device operations."""

from __future__ import annotations

import threading


class CancelToken:
    """Set from any thread; polled by the worker between pages, frames or chunks."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; return True early if cancelled meanwhile."""
        return self._event.wait(seconds)
