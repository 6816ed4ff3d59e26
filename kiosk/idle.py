"""Idle timeout with a visible warning, independent of any clock source or toolkit.

The UI calls ``touch()`` on every input and polls ``state()`` a few times a second. After
``warning_after`` seconds without input the phase becomes WARNING with a countdown; after
``countdown`` more seconds it becomes EXPIRED and the session must be wiped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class IdlePhase(Enum):
    ACTIVE = "active"
    WARNING = "warning"
    EXPIRED = "expired"


@dataclass(frozen=True)
class IdleState:
    phase: IdlePhase
    seconds_left: int  # before expiry; meaningful in WARNING


class IdleMonitor:
    def __init__(
        self,
        warning_after: float,
        countdown: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.warning_after = warning_after
        self.countdown = countdown
        self._clock = clock
        self._last_input = clock()

    def touch(self) -> None:
        self._last_input = self._clock()

    def idle_seconds(self) -> float:
        return self._clock() - self._last_input

    def state(self) -> IdleState:
        idle = self._clock() - self._last_input
        left = self.warning_after + self.countdown - idle
        if left <= 0:
            return IdleState(IdlePhase.EXPIRED, 0)
        if idle >= self.warning_after:
            return IdleState(IdlePhase.WARNING, math.ceil(left))
        return IdleState(IdlePhase.ACTIVE, math.ceil(left))
