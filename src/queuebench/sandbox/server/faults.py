"""Fault injection for the sandbox servers: what goes wrong, on which requests, how often.

A :class:`Fault` names a kind, which requests it may hit (``method`` and a glob ``path``
pattern such as ``/api/v2/incremental/*``), and when: it lets the first ``after`` matching
requests through, then hits ``times`` of them (``None``: every one), each with ``probability``
(a seeded RNG, so a run is repeatable). The first active fault that hits a request wins.

Kinds (parameters in brackets):

==============  ===================================================================================
``rate_limit``  429 with the vendor's headers and body and ``Retry-After`` [``retry_after`` s,
                default 2]. With ``limit`` and ``window`` it is a real limiter instead: ``limit``
                requests per ``window`` seconds pass, the rest get 429 with ``Retry-After`` = the
                time left in the window.
``error``       ``status`` (default 500) with the vendor's JSON error body, or with ``body="html"``
                a proxy's HTML page [``retry_after`` optional].
``bad_cursor``  the vendor's invalid/expired-cursor error [``status``, default 400].
``slow``        the normal response after ``delay`` seconds (default 2).
``drip``        the normal response, its body ``chunk`` bytes every ``interval`` seconds.
``stall``       nothing at all for ``delay`` seconds (default 3600), then the connection closes.
``reset``       headers and the first ``at`` body bytes (default half; ``-1``: nothing), then a
                TCP reset.
``malformed``   a 200-ish body that is not what it should be: ``variant`` ``truncated``
                (default), ``garbage``, ``invalid_utf8``, ``html`` (200 text/html), ``empty``,
                ``error_in_200`` (ServiceNow's ``200 {"error": ...}``).
``drop_header`` the normal response without the ``headers`` listed (e.g. ``["Link"]``).
``expire_token`` every OAuth access token the server issued expires just before this request is
                authenticated (as if their lifetime ran out at that moment); the request then
                goes on as usual (a 401 when it carries such a token).
==============  ===================================================================================

``rate_limit``, ``error`` and ``bad_cursor`` answer instead of the handler (no state changes);
the other kinds run the handler first, so a write that is then reset or stalled did happen —
as with a real server whose reply is lost.
"""

from __future__ import annotations

import fnmatch
import itertools
import math
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FAULT_KINDS", "Fault", "FaultController"]

FAULT_KINDS = (
    "rate_limit",
    "error",
    "bad_cursor",
    "slow",
    "drip",
    "stall",
    "reset",
    "malformed",
    "drop_header",
    "expire_token",
)
"""Every fault kind, in the order the docs list them."""

_MALFORMED = ("truncated", "garbage", "invalid_utf8", "html", "empty", "error_in_200")

_IDS = itertools.count(1)


@dataclass(slots=True)
class Fault:
    """One configured fault (see the module docstring for kinds and parameters)."""

    kind: str
    path: str = "*"
    method: str | None = None
    times: int | None = 1
    after: int = 0
    probability: float = 1.0
    seed: int = 0
    retry_after: float | None = None
    status: int | None = None
    body: str = "json"
    delay: float | None = None
    chunk: int | None = None
    interval: float | None = None
    at: int | None = None
    variant: str | None = None
    headers: list[str] | None = None
    limit: int | None = None
    window: float | None = None
    id: int = field(default_factory=lambda: next(_IDS))
    seen: int = 0
    hits: int = 0
    _rng: random.Random = field(init=False, repr=False)
    _window_start: float = field(init=False, repr=False, default=0.0)
    _window_count: int = field(init=False, repr=False, default=0)
    _retry: int = field(init=False, repr=False, default=0)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; kinds: {', '.join(FAULT_KINDS)}")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        if self.kind == "malformed" and (self.variant or "truncated") not in _MALFORMED:
            raise ValueError(f"unknown malformed variant {self.variant!r}; one of {_MALFORMED}")
        if self.body not in ("json", "html"):
            raise ValueError("body must be 'json' or 'html'")
        if self.kind == "rate_limit" and (self.limit is None) != (self.window is None):
            raise ValueError("a rate limiter needs both limit and window")
        if self.method is not None:
            self.method = self.method.upper()
        self._rng = random.Random(self.seed)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        """A fault from the control API's JSON (unknown keys are an error)."""
        allowed = {
            "kind",
            "path",
            "method",
            "times",
            "after",
            "probability",
            "seed",
            "retry_after",
            "status",
            "body",
            "delay",
            "chunk",
            "interval",
            "at",
            "variant",
            "headers",
            "limit",
            "window",
        }
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        if "kind" not in data:
            raise ValueError("a fault needs a kind")
        return cls(**data)

    def as_json(self) -> dict[str, Any]:
        """The fault as the control API reports it (with ``seen`` and ``hits`` counters)."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind, "path": self.path}
        for name in (
            "method",
            "times",
            "after",
            "probability",
            "seed",
            "retry_after",
            "status",
            "body",
            "delay",
            "chunk",
            "interval",
            "at",
            "variant",
            "headers",
            "limit",
            "window",
        ):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out["seen"] = self.seen
        out["hits"] = self.hits
        return out

    @property
    def exhausted(self) -> bool:
        """Whether the fault has hit all the requests it was meant to."""
        return self.times is not None and self.hits >= self.times

    def matches(self, method: str, path: str) -> bool:
        """Whether a request is one this fault may hit."""
        if self.method is not None and self.method != method:
            return False
        return fnmatch.fnmatchcase(path, self.path)

    def retry_after_now(self) -> int:
        """The ``Retry-After`` seconds of the 429 this fault is answering right now."""
        if self.limit is not None:
            return self._retry
        return math.ceil(self.retry_after if self.retry_after is not None else 2)

    def _limiter_hits(self) -> bool:
        assert self.limit is not None and self.window is not None
        now = time.monotonic()
        if self._window_count == 0 or now - self._window_start >= self.window:
            self._window_start = now
            self._window_count = 0
        self._window_count += 1
        if self._window_count <= self.limit:
            return False
        self._retry = max(1, math.ceil(self._window_start + self.window - now))
        return True

    def consider(self) -> bool:
        """Count one matching request; whether the fault hits it."""
        self.seen += 1
        if self.exhausted:
            return False
        if self.kind == "rate_limit" and self.limit is not None:
            hit = self._limiter_hits()
        else:
            if self.seen <= self.after:
                return False
            hit = self.probability >= 1.0 or self._rng.random() < self.probability
        if hit:
            self.hits += 1
        return hit


class FaultController:
    """The active faults of one server (thread-safe). Python tests and ``/__sim/faults`` use it.

    >>> faults.add("rate_limit", path="/api/v2/incremental/*", times=2, retry_after=3)
    >>> faults.add("error", status=503, body="html", probability=0.1, times=None, seed=4)
    """

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, kind: str, **params: Any) -> Fault:
        """Configure a fault (see the module docstring) and return it."""
        fault = Fault(kind=kind, **params)
        with self._lock:
            self._faults.append(fault)
        return fault

    def add_fault(self, fault: Fault) -> Fault:
        """Add an already-built :class:`Fault`."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault_id: int) -> bool:
        """Remove one fault by id; whether it existed."""
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def list(self) -> list[Fault]:
        """The configured faults, in order."""
        with self._lock:
            return list(self._faults)

    def pick(self, method: str, path: str) -> Fault | None:
        """The fault that hits this request, if any (faults are considered in order)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path) and fault.consider():
                    return fault
        return None
