"""A cache of parsed source files (the démarche catalog), keyed by the files' content.

Parsing TOML in pure Python costs about 2 ms per démarche file at every start of the kiosk;
the parsed tables, kept as JSON (parsed in C), cost a tenth of that. The key is the SHA-256 of
the file's bytes, so an edited file is always parsed again, whatever its dates say. The cache
is only ever an optimisation: any problem reading or writing it is ignored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

LOG = logging.getLogger("offline_cache")


class ParsedFileCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, Any] = {}
        self._used: set[str] = set()
        self._changed = False
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            loaded = {}
        if isinstance(loaded, dict):
            self._entries = loaded

    @staticmethod
    def key(content: bytes) -> str:
        return hashlib.sha256(content).hexdigest()

    def get(self, content: bytes) -> Any | None:
        key = self.key(content)
        if key in self._entries:
            self._used.add(key)
            return self._entries[key]
        return None

    def put(self, content: bytes, parsed: Any) -> None:
        try:
            json.dumps(parsed)
        except (TypeError, ValueError):
            return  # e.g. TOML dates: not cached, parsed again next time
        key = self.key(content)
        self._entries[key] = parsed
        self._used.add(key)
        self._changed = True

    def save(self) -> None:
        """Write the entries used by this load (older ones are dropped), atomically."""
        kept = {key: value for key, value in self._entries.items() if key in self._used}
        if not self._changed and len(kept) == len(self._entries):
            return
        temporary = self.path.with_name(self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            temporary.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError as exc:
            LOG.warning("catalog cache not written: %s", exc.strerror)
        self._entries = kept
        self._changed = False
