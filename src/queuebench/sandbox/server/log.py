"""The request log of a sandbox server: what each client sent, when, and what it got back.

Entries keep the method, path, query, headers (the ``Authorization`` value replaced by its
scheme and user name — never the secret), the body (first 64 KiB, decoded as UTF-8 with
replacement), the server clock's time, wall-clock and monotonic arrival times, the status and
the fault that hit the request. Tests use it to assert what a client did, e.g. that no request
was sent before the previous answer's ``Retry-After`` had elapsed (compare ``monotonic``).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from queuebench.sandbox.server.core import SimRequest

__all__ = ["LoggedRequest", "RequestLog"]

BODY_LIMIT = 64 * 1024
ENTRY_LIMIT = 100_000
"""The log keeps the most recent entries only (a long benchmark must not grow without bound)."""
_REDACTED = {"authorization", "cookie", "proxy-authorization"}


@dataclass(slots=True)
class LoggedRequest:
    """One request the server received."""

    seq: int
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    auth: str | None
    """``"basic <user>"``, ``"bearer"``, another scheme, or ``None`` without the header."""
    body: str
    at: str
    """The server clock's time (ISO 8601) when the request arrived."""
    wall: float
    """``time.time()`` when the request arrived."""
    monotonic: float
    """``time.monotonic()`` when the request arrived (for timing assertions in-process)."""
    status: int | None = None
    fault: str | None = None

    def arg(self, name: str) -> str | None:
        """The first value of query parameter ``name``."""
        return next((v for k, v in self.query if k == name), None)

    def as_json(self) -> dict[str, Any]:
        """The entry as ``GET /__sim/requests`` returns it."""
        data = asdict(self)
        data["query"] = [list(pair) for pair in self.query]
        return data


class RequestLog:
    """Thread-safe log of a server's requests, newest :data:`ENTRY_LIMIT` kept (``/__sim/...``
    is not logged)."""

    def __init__(self) -> None:
        self._entries: deque[LoggedRequest] = deque(maxlen=ENTRY_LIMIT)
        self._lock = threading.Lock()
        self._seq = 0

    def begin(self, request: SimRequest, auth: str | None, now: datetime) -> LoggedRequest:
        """Record an arriving request (its status is filled in by :meth:`finish`)."""
        headers = {
            name: (_redact(value) if name in _REDACTED else value)
            for name, value in request.headers.items()
        }
        body = request.body[:BODY_LIMIT].decode("utf-8", errors="replace")
        with self._lock:
            self._seq += 1
            entry = LoggedRequest(
                seq=self._seq,
                method=request.method,
                path=request.path,
                query=list(request.query),
                headers=headers,
                auth=auth,
                body=body,
                at=now.isoformat(),
                wall=time.time(),
                monotonic=time.monotonic(),
            )
            self._entries.append(entry)
        return entry

    def finish(self, entry: LoggedRequest, status: int, fault: str | None) -> None:
        """Record the status sent and the fault that hit the request."""
        with self._lock:
            entry.status = status
            entry.fault = fault

    def entries(self, since: int = 0) -> list[LoggedRequest]:
        """Entries with ``seq > since``, oldest first."""
        with self._lock:
            return [e for e in self._entries if e.seq > since]

    def find(self, *, method: str | None = None, path: str | None = None) -> list[LoggedRequest]:
        """Entries with this method and/or exact path."""
        return [
            e
            for e in self.entries()
            if (method is None or e.method == method) and (path is None or e.path == path)
        ]

    def clear(self) -> None:
        """Forget every entry (sequence numbers keep counting)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[LoggedRequest]:
        return iter(self.entries())


def _redact(value: str) -> str:
    scheme, _, rest = value.partition(" ")
    return f"{scheme} <redacted>" if rest else "<redacted>"
