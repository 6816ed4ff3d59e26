"""Reading démarche files strictly: every error names the field's path and says why."""

from __future__ import annotations

import re
from typing import Any

FORMAT_VERSION = 1
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")


class DemarcheFormatError(Exception):
    """A démarche file that cannot be used; ``field`` is a path like ``steps[3].options``."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class TableReader:
    """Reads one table, remembering its path for errors and rejecting unknown keys."""

    def __init__(self, table: Any, path: str) -> None:
        if not isinstance(table, dict):
            raise DemarcheFormatError(path or "(file)", "expected a table")
        self.table: dict[str, Any] = table
        self.path = path
        self.used: set[str] = set()

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str, kind: type, default: Any = None, required: bool = False) -> Any:
        self.used.add(key)
        if key not in self.table:
            if required:
                raise DemarcheFormatError(self.where(key), "missing")
            return default
        value = self.table[key]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            raise DemarcheFormatError(self.where(key), f"expected {kind.__name__}")
        if isinstance(value, str) and required and not value.strip():
            raise DemarcheFormatError(self.where(key), "must not be empty")
        return value

    def identifier(self, key: str) -> str:
        value: str = self.get(key, str, required=True)
        if not ID_PATTERN.fullmatch(value):
            raise DemarcheFormatError(self.where(key), "use lower-case letters, digits, - and _")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        values = self.get(key, list, default=[])
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise DemarcheFormatError(f"{self.where(key)}[{index}]", "expected str")
        return tuple(values)

    def done(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise DemarcheFormatError(self.where(unknown[0]), "unknown key")
