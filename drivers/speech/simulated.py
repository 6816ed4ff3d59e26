"""A speaker that records what it is asked to say, for ``--demo``-free tests of the UI's wiring.

The engines themselves are tested for real (tests/unit/test_speech.py runs espeak-ng); this one
lets a UI test check *when* and *what* the kiosk reads without timing an audio process.

Fault knob: ``fail()`` makes it unavailable, as an engine that could not start.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from drivers.speech.interface import Speaker


@dataclass(frozen=True)
class Utterance:
    text: str
    language: str


class RecordingSpeaker(Speaker):
    def __init__(self, available: bool = True) -> None:
        super().__init__()
        self._available = available
        self._lock = threading.Lock()
        self.said: list[Utterance] = []
        self.stops = 0
        self.speaking: Utterance | None = None  # the last utterance not stopped since

    @property
    def available(self) -> bool:
        return self._available

    def say(self, text: str, language: str) -> None:
        if not self._available:
            return
        with self._lock:
            utterance = Utterance(text, language)
            self.said.append(utterance)
            self.speaking = utterance

    def stop(self) -> None:
        with self._lock:
            self.stops += 1
            self.speaking = None

    def fail(self) -> None:
        """The engine stops working (its process could not start)."""
        self._available = False
        self.stop()
        self._announce(False)
