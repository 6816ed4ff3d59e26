"""The simulated card reader: events on the monitoring thread, ISO 7816 PIN semantics."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import pytest

from drivers import errors
from drivers.cardreader.interface import CardEvent, PinResult, PinStatus
from drivers.cardreader.simulated import SimulatedCardReader
from drivers.faults import FaultKnobs

READER = "Lecteur simulé"


class Recorder:
    """A listener that records each event with the thread it arrived on."""

    def __init__(self) -> None:
        self.events: queue.Queue[tuple[CardEvent, threading.Thread]] = queue.Queue()

    def __call__(self, event: CardEvent) -> None:
        self.events.put((event, threading.current_thread()))

    def next(self) -> CardEvent:
        event, _thread = self.next_with_thread()
        return event

    def next_with_thread(self) -> tuple[CardEvent, threading.Thread]:
        return self.events.get(timeout=2.0)

    def assert_silent(self) -> None:
        with pytest.raises(queue.Empty):
            self.events.get(timeout=0.1)


@pytest.fixture
def reader() -> Iterator[SimulatedCardReader]:
    sim = SimulatedCardReader()
    yield sim
    sim.stop()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def test_one_reader_is_listed(reader: SimulatedCardReader) -> None:
    assert reader.readers() == [READER]


def test_insert_and_remove_arrive_on_the_monitoring_thread(
    reader: SimulatedCardReader, recorder: Recorder
) -> None:
    reader.start(recorder)
    reader.insert("BADGE-42")
    event, thread = recorder.next_with_thread()
    assert event == CardEvent(READER, inserted=True, card_id="BADGE-42")
    assert thread is not threading.current_thread()
    reader.remove()
    assert recorder.next() == CardEvent(READER, inserted=False)
    reader.remove()  # empty reader: nothing happens
    recorder.assert_silent()


def test_card_present_before_start_is_reported(
    reader: SimulatedCardReader, recorder: Recorder
) -> None:
    reader.insert("BADGE-7")
    reader.start(recorder)
    assert recorder.next() == CardEvent(READER, inserted=True, card_id="BADGE-7")
    recorder.assert_silent()  # reported once, not also as an insertion


def test_swapping_cards_reports_removal_then_insertion(
    reader: SimulatedCardReader, recorder: Recorder
) -> None:
    reader.start(recorder)
    reader.insert("A")
    reader.insert("B")
    events = [recorder.next() for _ in range(3)]
    assert [(e.inserted, e.card_id) for e in events] == [(True, "A"), (False, None), (True, "B")]


def test_stop_joins_the_thread_and_silences_events(recorder: Recorder) -> None:
    reader = SimulatedCardReader()
    reader.start(recorder)
    reader.insert("A")  # queued before stop: still delivered
    reader.stop()
    assert not any(t.name == "cardreader-sim" for t in threading.enumerate())
    assert recorder.next().card_id == "A"
    reader.remove()
    reader.insert("C")
    recorder.assert_silent()  # nobody watches
    reader.stop()  # safe twice
    reader.start(recorder)  # it can watch again, and reports the card now present
    assert recorder.next() == CardEvent(READER, inserted=True, card_id="C")
    reader.stop()


def test_a_failing_listener_does_not_end_monitoring(reader: SimulatedCardReader) -> None:
    recorder = Recorder()
    calls = 0

    def flaky(event: CardEvent) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("listener bug")
        recorder(event)

    reader.start(flaky)
    reader.insert("A")
    reader.remove()
    assert recorder.next() == CardEvent(READER, inserted=False)


def test_pin_tries_follow_iso_7816(reader: SimulatedCardReader) -> None:
    reader.insert("A", pin="4321", tries=3)
    assert reader.verify_pin("0000") == PinResult(PinStatus.WRONG, tries_left=2)
    assert reader.verify_pin("1111") == PinResult(PinStatus.WRONG, tries_left=1)
    assert reader.verify_pin("4321") == PinResult(PinStatus.OK, tries_left=3)  # counter reset
    results = [reader.verify_pin("0000") for _ in range(3)]
    assert [r.tries_left for r in results] == [2, 1, 0]
    assert all(r.status is PinStatus.WRONG for r in results)  # 63C2, 63C1, 63C0
    assert reader.verify_pin("4321") == PinResult(PinStatus.BLOCKED, tries_left=0)  # 6983


def test_card_inserted_blocked(reader: SimulatedCardReader) -> None:
    reader.insert("A", tries=0)
    assert reader.verify_pin("1234").status is PinStatus.BLOCKED


def test_verify_without_card_is_a_card_error(reader: SimulatedCardReader) -> None:
    with pytest.raises(errors.CardError):
        reader.verify_pin("1234")


def test_unplugged_reader_lists_nothing_and_reports_nothing(recorder: Recorder) -> None:
    reader = SimulatedCardReader(FaultKnobs(unplugged=True))
    reader.insert("A")
    assert reader.readers() == []
    reader.start(recorder)
    reader.insert("B")
    recorder.assert_silent()
    with pytest.raises(errors.DeviceNotFound):
        reader.verify_pin("1234")
    reader.stop()


def test_one_shot_disconnect_on_verify(reader: SimulatedCardReader) -> None:
    reader.insert("A")
    reader.knobs.fail_next = "disconnected"
    with pytest.raises(errors.DeviceDisconnected):
        reader.verify_pin("1234")
    assert reader.verify_pin("1234").status is PinStatus.OK
