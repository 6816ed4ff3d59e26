"""The reference receiver: the préfecture backend contract (docs/backend-api.md) on one machine.

A faithful, small implementation of the contract the kiosk's sync client talks to: capability
check, tus 1.0.0 uploads (creation, checksum, termination), the idempotent commit and the
submission state, with bearer auth and problem+json errors. Standard library only (HTTP server,
SQLite), so tests, the bench and the demo run it on 127.0.0.1 with no other service; its fault
knobs (``Faults``) reproduce what the client must survive: dropped connections, 5xx, a captive
portal, a revoked token.

    with Receiver(tmp_path, token="t") as receiver:
        receiver.faults.set(drop={"at_offset": 1000})
        ...  # point the client at receiver.url
        receiver.submissions()
"""

from kiosk.receiver.faults import Faults, FaultsError
from kiosk.receiver.server import Receiver

__all__ = ["Faults", "FaultsError", "Receiver"]
