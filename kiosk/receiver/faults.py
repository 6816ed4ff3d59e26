"""Fault injection: the network and backend misbehaviours the kiosk's sync client must survive.

The knobs are changed at runtime (tests, the demo, ``PUT /_control/faults``) while requests are
being served, so every read-modify-write (a rule's remaining ``times``, the random sequence)
happens under one lock. Knobs are plain JSON values so the three ways of setting them (Python,
``--faults``, the control route) share one validation.

``status``
    list of ``{"method", "path_prefix", "code", "times", "retry_after"}``: matching requests
    get that status as problem+json without being processed.
``drop``
    ``{"at_offset": k, "times": n}``: a PATCH whose range covers file offset ``k`` reads the
    body up to ``k`` then loses the connection; ``{"after_bytes": b, "times": n}``: the next
    ``n`` PATCHes lose it after ``b`` body bytes. A list of such rules is accepted too.
``commit_drop``
    the next ``n`` successful commit answers (first or replayed) are lost: the submission is
    stored, then the connection is cut, so the client's retry gets a replay.
``delay_ms``
    added before every response.
``portal``
    every request gets a captive portal's HTML page.
``unauthorized``
    every request gets 401.
``random_500_rate`` and ``seed``
    that share of requests gets 500, drawn from a seeded sequence (reproducible runs).

``times`` defaults to 1; ``-1`` keeps the rule until the knobs are cleared.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from kiosk.receiver.problems import Problem, status_problem

KNOBS = (
    "status",
    "drop",
    "commit_drop",
    "delay_ms",
    "portal",
    "unauthorized",
    "random_500_rate",
    "seed",
)
METHODS = ("GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS", "PUT", "*")

PORTAL_HTML = b"<html><body>Portail Wi-Fi : acceptez les conditions</body></html>"


class FaultsError(ValueError):
    """A knob with a wrong name or value."""


@dataclass
class StatusRule:
    method: str
    path_prefix: str
    code: int
    times: int
    retry_after: int | str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path_prefix": self.path_prefix,
            "code": self.code,
            "times": self.times,
            "retry_after": self.retry_after,
        }


@dataclass
class DropRule:
    at_offset: int | None
    after_bytes: int | None
    times: int

    def to_json(self) -> dict[str, Any]:
        key = "at_offset" if self.at_offset is not None else "after_bytes"
        value = self.at_offset if self.at_offset is not None else self.after_bytes
        return {key: value, "times": self.times}

    def bytes_before_drop(self, offset: int, length: int) -> int | None:
        """How many body bytes of a PATCH at ``offset`` carrying ``length`` bytes to read."""
        if self.at_offset is not None:
            if offset <= self.at_offset < offset + length:
                return self.at_offset - offset
            return None
        assert self.after_bytes is not None
        return min(self.after_bytes, length)


def _int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FaultsError(f"{name}: an integer >= {minimum} is expected")
    return value


def _times(value: Any, name: str) -> int:
    times = _int(value, name, -1)
    if times == 0:
        raise FaultsError(f"{name}: 0 would never apply; use a positive count or -1")
    return times


def _status_rule(raw: Any) -> StatusRule:
    if not isinstance(raw, Mapping):
        raise FaultsError("status: each rule is an object")
    unknown = set(raw) - {"method", "path_prefix", "code", "times", "retry_after"}
    if unknown:
        raise FaultsError(f"status: unknown keys {sorted(unknown)}")
    method = str(raw.get("method", "*")).upper()
    if method not in METHODS:
        raise FaultsError(f"status.method: one of {METHODS}")
    prefix = raw.get("path_prefix", "/")
    if not isinstance(prefix, str) or not prefix.startswith("/"):
        raise FaultsError("status.path_prefix: a path starting with /")
    code = _int(raw.get("code", 500), "status.code", 100)
    if code > 599:
        raise FaultsError("status.code: an HTTP status code")
    retry_after = raw.get("retry_after")
    if retry_after is not None and not isinstance(retry_after, str):
        retry_after = _int(retry_after, "status.retry_after", 0)
    return StatusRule(
        method, prefix, code, _times(raw.get("times", 1), "status.times"), retry_after
    )


def _drop_rule(raw: Any) -> DropRule:
    if not isinstance(raw, Mapping):
        raise FaultsError("drop: each rule is an object")
    unknown = set(raw) - {"at_offset", "after_bytes", "times"}
    if unknown:
        raise FaultsError(f"drop: unknown keys {sorted(unknown)}")
    if ("at_offset" in raw) == ("after_bytes" in raw):
        raise FaultsError("drop: exactly one of at_offset and after_bytes")
    at = _int(raw["at_offset"], "drop.at_offset", 0) if "at_offset" in raw else None
    after = _int(raw["after_bytes"], "drop.after_bytes", 0) if "after_bytes" in raw else None
    return DropRule(at, after, _times(raw.get("times", 1), "drop.times"))


class Faults:
    """The current knobs of one receiver; every method is thread-safe."""

    def __init__(self, knobs: Mapping[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self._status: list[StatusRule] = []
        self._drops: list[DropRule] = []
        self._commit_drop = 0
        self._delay_ms = 0.0
        self._portal = False
        self._unauthorized = False
        self._random_rate = 0.0
        self._seed = 0
        self._random = random.Random(0)
        if knobs:
            self.set(**knobs)

    # -- changing the knobs -------------------------------------------------------------------

    def set(self, **knobs: Any) -> None:
        """Change the named knobs, leave the others as they are.

        Everything is validated before anything changes, so a wrong knob leaves the
        previous state intact (the control route answers 400 in that case).
        """
        unknown = set(knobs) - set(KNOBS)
        if unknown:
            raise FaultsError(f"unknown knobs {sorted(unknown)}; known: {list(KNOBS)}")
        parsed: dict[str, Any] = {}
        if "status" in knobs:
            rules = knobs["status"]
            if not isinstance(rules, list):
                rules = [rules]
            parsed["status"] = [_status_rule(r) for r in rules]
        if "drop" in knobs:
            drops = knobs["drop"]
            if drops is None:
                drops = []
            elif not isinstance(drops, list):
                drops = [drops]
            parsed["drop"] = [_drop_rule(d) for d in drops]
        if "commit_drop" in knobs:
            parsed["commit_drop"] = _int(knobs["commit_drop"], "commit_drop", 0)
        if "delay_ms" in knobs:
            delay = knobs["delay_ms"]
            if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
                raise FaultsError("delay_ms: a number >= 0")
            parsed["delay_ms"] = float(delay)
        for flag in ("portal", "unauthorized"):
            if flag in knobs:
                if not isinstance(knobs[flag], bool):
                    raise FaultsError(f"{flag}: true or false")
                parsed[flag] = knobs[flag]
        if "random_500_rate" in knobs:
            rate = knobs["random_500_rate"]
            ok = isinstance(rate, int | float) and not isinstance(rate, bool) and 0 <= rate <= 1
            if not ok:
                raise FaultsError("random_500_rate: a number between 0 and 1")
            parsed["random_500_rate"] = float(rate)
        if "seed" in knobs:
            if isinstance(knobs["seed"], bool) or not isinstance(knobs["seed"], int):
                raise FaultsError("seed: an integer")
            parsed["seed"] = knobs["seed"]
        with self._lock:
            self._status = parsed.get("status", self._status)
            self._drops = parsed.get("drop", self._drops)
            self._commit_drop = parsed.get("commit_drop", self._commit_drop)
            self._delay_ms = parsed.get("delay_ms", self._delay_ms)
            self._portal = parsed.get("portal", self._portal)
            self._unauthorized = parsed.get("unauthorized", self._unauthorized)
            self._random_rate = parsed.get("random_500_rate", self._random_rate)
            self._seed = parsed.get("seed", self._seed)
            if "random_500_rate" in parsed or "seed" in parsed:
                # A fresh sequence each time: the same knobs give the same run.
                self._random = random.Random(self._seed)

    def clear(self) -> None:
        """Back to a well-behaved server."""
        self.replace({})

    def replace(self, knobs: Mapping[str, Any]) -> None:
        """Replace every knob (those not given are reset): ``PUT /_control/faults``."""
        defaults: dict[str, Any] = {
            "status": [],
            "drop": [],
            "commit_drop": 0,
            "delay_ms": 0,
            "portal": False,
            "unauthorized": False,
            "random_500_rate": 0,
            "seed": 0,
        }
        self.set(**{**defaults, **knobs})

    def snapshot(self) -> dict[str, Any]:
        """The current knobs as JSON, remaining ``times`` included."""
        with self._lock:
            return {
                "status": [r.to_json() for r in self._status],
                "drop": [d.to_json() for d in self._drops],
                "commit_drop": self._commit_drop,
                "delay_ms": self._delay_ms,
                "portal": self._portal,
                "unauthorized": self._unauthorized,
                "random_500_rate": self._random_rate,
                "seed": self._seed,
            }

    # -- consulted by the server --------------------------------------------------------------

    @property
    def delay_seconds(self) -> float:
        with self._lock:
            return self._delay_ms / 1000.0

    def intercept(self, method: str, path: str) -> Problem | Literal["portal"] | None:
        """What answers this request instead of the contract, if anything.

        Consumes one ``times`` of the first matching status rule and one draw of the random
        sequence (only while ``random_500_rate`` is above 0, so the sequence is the same
        whatever the other knobs did).
        """
        with self._lock:
            if self._portal:
                return "portal"
            if self._unauthorized:
                return status_problem(401, "injected fault: unauthorized")
            for rule in self._status:
                if rule.method in ("*", method) and path.startswith(rule.path_prefix):
                    self._consume(self._status, rule)
                    return status_problem(
                        rule.code, f"injected fault: {rule.code}", rule.retry_after
                    )
            if self._random_rate > 0 and self._random.random() < self._random_rate:
                return status_problem(500, "injected fault: random 500")
        return None

    def take_drop(self, offset: int, length: int) -> int | None:
        """Body bytes to read before losing the connection of this PATCH, or None."""
        with self._lock:
            for rule in self._drops:
                before = rule.bytes_before_drop(offset, length)
                if before is not None:
                    self._consume(self._drops, rule)
                    return before
        return None

    def take_commit_drop(self) -> bool:
        """Whether to lose the connection after storing this commit."""
        with self._lock:
            if self._commit_drop > 0:
                self._commit_drop -= 1
                return True
        return False

    @staticmethod
    def _consume(rules: list[Any], rule: StatusRule | DropRule) -> None:
        if rule.times > 0:
            rule.times -= 1
            if rule.times == 0:
                rules.remove(rule)
