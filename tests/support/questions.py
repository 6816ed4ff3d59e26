"""A bare question of a given type, for the tests of field types and validators."""

from __future__ import annotations

from typing import Any

from kiosk.demarche import Question


def question(field_type: str, **attributes: Any) -> Question:
    return Question(
        id="q",
        kind="question",
        label="Question",
        easy="",
        help="",
        when=None,
        required=True,
        type=field_type,
        **attributes,
    )
