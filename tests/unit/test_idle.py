"""The idle monitor with a hand-driven clock: active, warning with a countdown, expired."""

from __future__ import annotations

import pytest

from kiosk.idle import IdleMonitor, IdlePhase, IdleState


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def monitor(clock: FakeClock) -> IdleMonitor:
    return IdleMonitor(warning_after=90, countdown=30, clock=clock)


def at(monitor: IdleMonitor, clock: FakeClock, idle: float) -> IdleState:
    clock.now = 1000.0 + idle
    return monitor.state()


def test_active_until_warning_after(monitor: IdleMonitor, clock: FakeClock) -> None:
    assert at(monitor, clock, 0).phase is IdlePhase.ACTIVE
    assert at(monitor, clock, 89.99).phase is IdlePhase.ACTIVE


@pytest.mark.parametrize(
    ("idle", "seconds_left"),
    [(90, 30), (90.2, 30), (90.999, 30), (91, 29), (100.5, 20), (119, 1), (119.999, 1)],
)
def test_warning_counts_down_whole_seconds_rounded_up(
    monitor: IdleMonitor, clock: FakeClock, idle: float, seconds_left: int
) -> None:
    assert at(monitor, clock, idle) == IdleState(IdlePhase.WARNING, seconds_left)


@pytest.mark.parametrize("idle", [120, 120.001, 3600])
def test_expired_at_the_end_of_the_countdown(
    monitor: IdleMonitor, clock: FakeClock, idle: float
) -> None:
    assert at(monitor, clock, idle) == IdleState(IdlePhase.EXPIRED, 0)


def test_touch_starts_over(monitor: IdleMonitor, clock: FakeClock) -> None:
    clock.advance(100)
    assert monitor.state().phase is IdlePhase.WARNING
    monitor.touch()
    assert monitor.state().phase is IdlePhase.ACTIVE
    clock.advance(89)
    assert monitor.state().phase is IdlePhase.ACTIVE
    clock.advance(1)
    assert monitor.state() == IdleState(IdlePhase.WARNING, 30)


def test_touch_does_not_revive_by_itself_but_restarts_after_expiry(
    monitor: IdleMonitor, clock: FakeClock
) -> None:
    clock.advance(500)
    assert monitor.state().phase is IdlePhase.EXPIRED
    assert monitor.state().phase is IdlePhase.EXPIRED  # reading does not reset
    monitor.touch()
    assert monitor.state().phase is IdlePhase.ACTIVE


def test_the_monitor_starts_counting_when_created(clock: FakeClock) -> None:
    clock.advance(10_000)
    monitor = IdleMonitor(warning_after=10, countdown=5, clock=clock)
    assert monitor.state().phase is IdlePhase.ACTIVE
    clock.advance(12)
    assert monitor.state() == IdleState(IdlePhase.WARNING, 3)
    clock.advance(3)
    assert monitor.state() == IdleState(IdlePhase.EXPIRED, 0)
