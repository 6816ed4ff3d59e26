"""Speaker interface: say a text in a language, stop, and tell whether speech is possible.

Speaking is an output device like the printer: slow (seconds), sometimes absent (no engine, no
sound card), and never allowed to hold the caller. ``say`` and ``stop`` return at once; the
words come out on the speaker's own thread or process. A speaker that cannot speak says so
through ``available`` (the kiosk then hides its "listen" control) and stays silent: an usager
never sees an error because of the voice.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable

AvailabilityListener = Callable[[bool], None]


class Speaker(abc.ABC):
    """Reads texts aloud, one at a time: a new ``say`` cuts the previous one short."""

    def __init__(self) -> None:
        self._listeners: list[AvailabilityListener] = []
        self._listeners_lock = threading.Lock()

    @property
    @abc.abstractmethod
    def available(self) -> bool:
        """Whether speech can be heard (False: ``say`` does nothing)."""

    @abc.abstractmethod
    def say(self, text: str, language: str) -> None:
        """Start reading ``text`` in ``language`` (a code: "fr", "ar"...), stopping whatever is
        being read. Returns at once."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop reading now; safe to call when nothing is being read."""

    def close(self) -> None:
        """Stop and release the engine (at the end of the process); safe to call twice."""
        self.stop()

    def watch_availability(self, listener: AvailabilityListener) -> None:
        """Call ``listener(available)`` when the engine turns out to be unusable (it may be
        called on the speaker's own thread)."""
        with self._listeners_lock:
            self._listeners.append(listener)

    def _announce(self, available: bool) -> None:
        with self._listeners_lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(available)


class SilentSpeaker(Speaker):
    """No speech engine (none installed, or voice turned off by the operator)."""

    @property
    def available(self) -> bool:
        return False

    def say(self, text: str, language: str) -> None:
        pass

    def stop(self) -> None:
        pass
