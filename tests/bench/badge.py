"""Badge removal: from ``VirtualBadge.remove()`` to the removal event delivered by
``PcscCardReader`` (the assist mode locks on that event), through the real pcscd and vpcd.
Reference, same removals in the same run: a bare SCardGetStatusChange loop on the same reader.
Both wait for pcscd's own presence poll (about 400 ms with vpcd), so removals are spread over
its phase and the median is compared.
"""

from __future__ import annotations

import queue
import random
import statistics
import sys
import threading
import time

from smartcard import scard

from drivers.cardreader.interface import CardEvent
from drivers.cardreader.pcsc_reader import PcscCardReader
from tests.support.virtual_badge import PORTS, VirtualBadge

RUNS = 20
TARGET_MS = 500.0
READER = "Virtual PCD 00 01"
UID = bytes.fromhex("04B1C2D3E4F506")
TIMEOUT_S = 5.0


class BareLoop:
    """SCardGetStatusChange on ``READER``, nothing else: when pcscd says present or empty."""

    def __init__(self) -> None:
        hresult, self.context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise SystemExit(f"pcscd unreachable ({scard.SCardGetErrorMessage(hresult)})")
        self.changes: queue.Queue[tuple[float, bool]] = queue.Queue()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        state = scard.SCARD_STATE_UNAWARE
        while not self.stopping.is_set():
            hresult, states = scard.SCardGetStatusChange(self.context, 1000, [(READER, state)])
            if hresult == scard.SCARD_S_SUCCESS:
                seen_at = time.perf_counter()
                state = states[0][1] & ~scard.SCARD_STATE_CHANGED
                self.changes.put((seen_at, bool(state & scard.SCARD_STATE_PRESENT)))
            elif hresult not in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
                raise SystemExit(f"reference loop: {scard.SCardGetErrorMessage(hresult)}")

    def wait(self, present: bool) -> float:
        while True:
            seen_at, now_present = self.changes.get(timeout=TIMEOUT_S)
            if now_present == present:
                return seen_at

    def close(self) -> None:
        self.stopping.set()
        scard.SCardCancel(self.context)
        self.thread.join()
        scard.SCardReleaseContext(self.context)


def wait_event(events: queue.Queue[tuple[float, CardEvent]], inserted: bool) -> float:
    while True:
        seen_at, event = events.get(timeout=TIMEOUT_S)
        if event.inserted == inserted:
            return seen_at


def main() -> int:
    if READER not in PcscCardReader().readers():
        print(f"badge: no {READER!r} (pcscd with vsmartcard-vpcd): run packaging/dev/setup.sh")
        return 1
    events: queue.Queue[tuple[float, CardEvent]] = queue.Queue()
    reader = PcscCardReader(READER)
    reader.start(lambda event: events.put((time.perf_counter(), event)))
    reference = BareLoop()
    badge = VirtualBadge(UID, port=PORTS[READER])
    phases = random.Random(20)  # the same spread over pcscd's poll in every run of the bench
    samples, raw = [], []
    try:
        for run in range(RUNS + 1):  # run 0 warms up (first connection, first id read)
            badge.insert()
            wait_event(events, inserted=True)
            reference.wait(present=True)
            time.sleep(phases.uniform(0.0, 0.4))
            removed_at = time.perf_counter()
            badge.remove()
            driver_ms = (wait_event(events, inserted=False) - removed_at) * 1000
            bare_ms = (reference.wait(present=False) - removed_at) * 1000
            if run:
                samples.append(driver_ms)
                raw.append(bare_ms)
    finally:
        badge.remove()
        reader.stop()
        reference.close()
    median, bare = statistics.median(samples), statistics.median(raw)
    verdict = "OK" if median <= TARGET_MS else "OVER TARGET"
    print(
        f"badge removal to the removal event through pcscd + vpcd (median of {RUNS}): "
        f"{median:.0f} ms (max {max(samples):.0f}), bare SCardGetStatusChange loop {bare:.0f} ms, "
        f"difference {median - bare:+.1f} ms; target <= {TARGET_MS:.0f} ms {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
