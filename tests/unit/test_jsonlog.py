"""Structured logs: one JSON object per line, and no personal data, whatever the caller passes."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.jsonlog import ALLOWED_FIELDS, configure, log_event

NAME = "Zorglubova"
EMAIL = "ysolde.zorglubova@exemple.fr"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """configure() to a file; the root logger is put back as it was afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    path = tmp_path / "logs" / "kiosk.jsonl"
    configure("INFO", path)
    try:
        yield path
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            if handler not in saved_handlers:
                handler.close()
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)


def lines(path: Path) -> list[dict[str, Any]]:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_configure_creates_the_directory_and_writes_json_lines(log_file: Path) -> None:
    logger = logging.getLogger("kiosk.test")
    log_event(logger, "session.started", session_id="s-1", demarche_id="permis-perte-vol")
    log_event(logger, "receipt.failed", logging.WARNING, code="paper_out")
    [first, second] = lines(log_file)
    assert first["event"] == "session.started"
    assert first["level"] == "info"
    assert first["logger"] == "kiosk.test"
    assert first["session_id"] == "s-1"
    assert first["demarche_id"] == "permis-perte-vol"
    assert "dropped_fields" not in first
    assert "message" not in first  # events carry no free text
    assert second["level"] == "warning"
    assert second["code"] == "paper_out"
    for entry in (first, second):
        assert entry["ts"].endswith("Z")
        assert len(entry["ts"]) == len("2026-11-22T10:00:00.000Z")


def test_forbidden_fields_are_dropped_and_counted(log_file: Path) -> None:
    log_event(
        logging.getLogger("kiosk.test"),
        "answer.accepted",
        step_id="nom_naissance",
        value=NAME,
        nom=NAME,
        email=EMAIL,
    )
    text = log_file.read_text(encoding="utf-8")
    assert NAME not in text
    assert EMAIL not in text
    [entry] = lines(log_file)
    assert entry["step_id"] == "nom_naissance"
    assert entry["dropped_fields"] == 3
    assert not {"value", "nom", "email"} & set(entry)


def test_only_allowed_fields_are_ever_written(log_file: Path) -> None:
    fields: dict[str, Any] = {name: f"v-{name}" for name in ALLOWED_FIELDS}
    fields["prenoms"] = "Ysolde"
    log_event(logging.getLogger("kiosk.test"), "all.fields", **fields)
    [entry] = lines(log_file)
    assert set(entry) == {"ts", "level", "logger", "event", "dropped_fields"} | ALLOWED_FIELDS
    assert entry["dropped_fields"] == 1
    assert "Ysolde" not in log_file.read_text(encoding="utf-8")


def test_the_level_filters_events(log_file: Path) -> None:
    logger = logging.getLogger("kiosk.test")
    log_event(logger, "debug.event", logging.DEBUG)
    log_event(logger, "info.event")
    assert [e["event"] for e in lines(log_file)] == ["info.event"]


def test_library_messages_keep_their_text_and_errors_their_type_not_their_message(
    log_file: Path,
) -> None:
    logger = logging.getLogger("some.library")
    logger.warning("disk %s is slow", "sda")
    try:
        raise KeyError("Zorglubova")  # an exception message may quote personal data
    except KeyError:
        logger.exception("failed")
    [plain, failed] = lines(log_file)
    assert (plain["event"], plain["message"]) == ("message", "disk sda is slow")
    assert failed["error_type"] == "KeyError"
    assert failed["traceback"][-1].endswith(
        "in test_library_messages_keep_their_text_and_errors_their_type_not_their_message"
    )
    assert "Zorglubova" not in log_file.read_text(encoding="utf-8")


def test_non_ascii_and_non_json_values_are_written(log_file: Path) -> None:
    log_event(
        logging.getLogger("kiosk.test"),
        "catalog.disabled",
        reason="étape inconnue",
        file=Path("a.toml"),
    )
    [entry] = lines(log_file)
    assert entry["reason"] == "étape inconnue"
    assert entry["file"] == "a.toml"
    assert "étape" in log_file.read_text(encoding="utf-8")


def test_configure_again_replaces_the_handlers(log_file: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.jsonl"
    root = logging.getLogger()
    before = list(root.handlers)
    configure("WARNING", other)
    for handler in before:
        handler.close()
    assert len(root.handlers) == 2  # stderr and the new file
    log_event(logging.getLogger("kiosk.test"), "info.event")
    log_event(logging.getLogger("kiosk.test"), "warning.event", logging.WARNING)
    assert [e["event"] for e in lines(other)] == ["warning.event"]
    assert lines(log_file) == []
