"""A crash, as the unit sees it: the kiosk is killed with SIGKILL while it runs, started again
as ``Restart=always`` would, and is back on the home screen with its outbox intact."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

from offline_cache import FileToSeal, Store, SubmissionToSeal
from tests.support.backend_key import encrypt
from tests.support.restart import Running, write_config


def test_killed_then_restarted_the_kiosk_is_home_with_its_outbox_intact(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    data = tmp_path / "data"
    with Store.open(data, encrypt=encrypt) as store:  # a dossier waiting for the network
        sealed = store.seal(
            SubmissionToSeal(
                str(uuid.uuid4()),
                "permis-perte-vol",
                "1",
                "borne-1",
                False,
                {"answers": {}},
                (FileToSeal("piece-identite-p1.jpg", "image/jpeg", b"\xff\xd8page"),),
            ),
            lambda seq: f"B7K-{seq:06d}",
        )
    first = Running(config, home)
    try:
        first.wait_for("kiosk.ready")
        first.kill()  # SIGKILL: no clean-up at all
    finally:
        first.stop()
    again = Running(config, home)
    try:
        painted = again.wait_for("kiosk.painted")
        assert painted["screen"] == "home"
        again.wait_for("kiosk.ready")
    finally:
        again.stop()
    with Store.open(data, encrypt=encrypt) as store:
        assert [e.submission_id for e in store.outbox()] == [sealed.submission_id]
        assert store.verify(sealed.submission_id) == []
    db = sqlite3.connect(data / "kiosk.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
