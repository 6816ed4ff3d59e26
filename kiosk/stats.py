"""Statistics for the préfecture's reports: one row per finished session, no personal data.

A row holds the day, the démarche, how the session ended, whether a médiateur helped and
whether the receipt was printed; nothing that could single out an usager (no time of day, no
duration, no dossier number). ``kiosk stats`` prints the counts or writes them as CSV.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from offline_cache.store import Store

# How a session ended, from the reason the screen gives ``KioskApp.end_session``.
OUTCOMES = {"deposited", "abandoned", "timed_out", "interrupted"}
CSV_HEADER = ("jour", "demarche", "issue", "accompagne", "recu_imprime", "sessions")


def outcome_of(reason: str, sealed: bool) -> str:
    if sealed:
        return "deposited"
    if reason == "idle":
        return "timed_out"
    return "abandoned" if reason in ("abandoned", "finished") else "interrupted"


@dataclass(frozen=True)
class StatsRow:
    day: str
    demarche_id: str
    outcome: str
    assisted: bool
    printed: bool
    sessions: int


class SessionStats:
    def __init__(self, store: Store) -> None:
        self.store = store

    def record(
        self, day: date, demarche_id: str, outcome: str, assisted: bool, printed: bool
    ) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome}")
        with self.store.transaction("cannot record the statistics") as conn:
            conn.execute(
                "INSERT INTO session_stats (day, demarche_id, outcome, assisted, printed) "
                "VALUES (?, ?, ?, ?, ?)",
                (day.isoformat(), demarche_id, outcome, int(assisted), int(printed)),
            )

    def rows(self, since: date | None = None, until: date | None = None) -> list[StatsRow]:
        """Counts per day, démarche, outcome, assisted, printed; ``until`` included."""
        with self.store.reading("cannot read the statistics") as conn:
            found = conn.execute(
                "SELECT day, demarche_id, outcome, assisted, printed, count(*) "
                "FROM session_stats WHERE day >= ? AND day <= ? "
                "GROUP BY day, demarche_id, outcome, assisted, printed "
                "ORDER BY day, demarche_id, outcome, assisted, printed",
                ((since or date.min).isoformat(), (until or date.max).isoformat()),
            ).fetchall()
        return [
            StatsRow(str(d), str(m), str(o), bool(a), bool(p), int(n)) for d, m, o, a, p, n in found
        ]

    def csv_text(self, since: date | None = None, until: date | None = None) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for row in self.rows(since, until):
            writer.writerow(
                (
                    row.day,
                    row.demarche_id,
                    row.outcome,
                    int(row.assisted),
                    int(row.printed),
                    row.sessions,
                )
            )
        return out.getvalue()
