"""Structured logs as JSON lines, without personal data.

Events are logged with ``log_event(logger, "event.name", field=value, ...)``. Only the field
names in ``ALLOWED_FIELDS`` are written; anything else is dropped and counted, so a careless
call can never leak an answer, a name or a file into the journal. Free-text messages are
not logged for events: the event name says what happened.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

ALLOWED_FIELDS = frozenset(
    {
        "session_id",
        "submission_id",
        "dossier_number",
        "demarche_id",
        "demarche_version",
        "step_id",
        "step_index",
        "step_count",
        "piece_id",
        "pages",
        "screen",
        "reason",
        "code",
        "device",
        "state",
        "file",
        "field",
        "count",
        "duration_ms",
        "seconds_left",
        "assisted",
        "valid",
        "version",
        "demo",
        "error_type",
        "path",
        "attempts",
        "delay_s",
    }
)

_EVENT_ATTR = "kiosk_event"
_FIELDS_ATTR = "kiosk_fields"


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    kept = {k: v for k, v in fields.items() if k in ALLOWED_FIELDS}
    dropped = len(fields) - len(kept)
    if dropped:
        kept["dropped_fields"] = dropped
    logger.log(level, event, extra={_EVENT_ATTR: event, _FIELDS_ATTR: kept})


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": getattr(record, _EVENT_ATTR, "message"),
        }
        entry.update(getattr(record, _FIELDS_ATTR, {}))
        if not hasattr(record, _EVENT_ATTR):
            # Library messages (store recovery...) keep their text; they carry no usager
            # data because the application never formats answers into messages.
            entry["message"] = record.getMessage()
        if record.exc_info and record.exc_info[0] is not None:
            entry["error_type"] = record.exc_info[0].__name__
            entry["traceback"] = _frames(record.exc_info[2])
        return json.dumps(entry, ensure_ascii=False, default=str)


def _frames(tb: TracebackType | None) -> list[str]:
    """Where the error happened, frame by frame, without the exception's message: a message
    may quote a value (``KeyError('Dupont')``), and values are personal data."""
    return [f"{f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(tb)]


def configure(level: str, log_file: Path | None) -> None:
    """Send JSON lines to stderr (journald in production) and optionally to a file."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    formatter = JsonLineFormatter()
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(level)
