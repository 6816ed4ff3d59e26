"""Receipt printing: from "sealed" (``KioskApp.print_receipt`` called with the deposit) to the
last byte received by an ESC/POS printer on 127.0.0.1, through the real driver (status
before, the receipt, status after). Reference, same run: the same bytes sent on a bare socket.
"""

from __future__ import annotations

import socket
import statistics
import sys
import tempfile
import time

from kiosk.bootstrap import build_app
from kiosk.config import build_config
from tests.support.backend_key import SYNC_TABLE
from tests.support.escpos_server import FakeReceiptPrinter
from tests.unit.test_app import complete_perte

RUNS = 15
CUT = b"\x1dV"
TARGET_MS = 300.0


def main() -> int:
    with tempfile.TemporaryDirectory() as data, FakeReceiptPrinter() as fake:
        config = build_config(
            {
                "kiosk": {"id": "borne-1", "code": "B7K", "data_dir": data},
                "sync": SYNC_TABLE,
                "scanner": {"resolution_dpi": 150, "detect_orientation": False},
                "printer": {"backend": "escpos", "host": fake.host, "port": fake.port},
            },
            "(bench)",
        )
        app = build_app(config, synchronous_devices=True)
        session = complete_perte(app)
        deposit = app.record_sealed(session, app.seal(session).result())
        app.print_receipt(deposit).result()  # warm-up: python-escpos's profile database
        fake.wait_for_cuts(1)
        samples, raw = [], []
        for run in range(2, RUNS + 2):
            started = time.perf_counter()
            outcome = app.print_receipt(deposit).result()
            # The cut (GS V) is the receipt's last command: counted cheaply, not parsed.
            fake.wait_for(lambda received, n=run: received.count(CUT) >= n)
            samples.append((time.perf_counter() - started) * 1000)
            assert outcome.error is None and outcome.printed is not None
        data = outcome.printed.data
        for _ in range(RUNS):
            before = len(fake.received)
            started = time.perf_counter()
            with socket.create_connection((fake.host, fake.port)) as link:
                link.sendall(data)
            fake.wait_for(lambda received, b=before: len(received) >= b + len(data))
            raw.append((time.perf_counter() - started) * 1000)
        app.end_session("bench")
        app.devices.shutdown()
        app.store.close()
    median, reference = statistics.median(samples), statistics.median(raw)
    verdict = "OK" if median <= TARGET_MS else "OVER TARGET"
    print(
        f"receipt, sealed to last byte on a loopback ESC/POS printer (median of {RUNS}): "
        f"{median:.1f} ms, same bytes on a bare socket {reference:.1f} ms, ratio "
        f"{median / reference:.1f}x; target <= {TARGET_MS:.0f} ms {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
