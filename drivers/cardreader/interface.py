"""Card reader interface: médiateur badges on a PC/SC reader."""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class PinStatus(Enum):
    OK = "ok"
    WRONG = "wrong"
    BLOCKED = "blocked"
    NOT_SUPPORTED = "not_supported"


@dataclass(frozen=True)
class PinResult:
    status: PinStatus
    tries_left: int | None = None  # None when the card does not say


@dataclass(frozen=True)
class CardEvent:
    """A card inserted into or removed from a reader."""

    reader: str
    inserted: bool
    card_id: str | None = None  # identifier read from the card, when inserted


CardListener = Callable[[CardEvent], None]


class CardReader(abc.ABC):
    """A smart-card reader. Events arrive on the reader's own monitoring thread."""

    @abc.abstractmethod
    def readers(self) -> list[str]:
        """Names of the readers currently attached (may be empty)."""

    @abc.abstractmethod
    def start(self, listener: CardListener) -> None:
        """Start watching for insertions and removals; a card already present is reported."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop watching; safe to call more than once."""

    @abc.abstractmethod
    def verify_pin(self, pin: str) -> PinResult:
        """Verify ``pin`` on the card currently inserted (ISO 7816 VERIFY where supported)."""
