"""Shared helpers for the sandbox server tests: one data set, clocks, clients, page walks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any

import httpx

from queuebench.sandbox.generator import AccountDataset, SandboxDataset, generate
from queuebench.sandbox.server import ManualClock, RunningServer, start_server

NOW = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
"""The instant the test data set is generated for."""

TICKETS = 400
SEED = 5
MAX_PAGES = 500
"""Every pagination loop in the tests stops here, so a server bug cannot hang the suite."""


@cache
def dataset() -> SandboxDataset:
    """The one data set every server test serves (materialised once per process)."""
    return generate(TICKETS, seed=SEED, now=NOW)


def account(name: str) -> AccountDataset:
    """One account of :func:`dataset`."""
    return dataset()[name]


@contextmanager
def running(
    vendor: str, name: str, *, clock: ManualClock | None = None, **options: Any
) -> Iterator[tuple[RunningServer, ManualClock]]:
    """A loopback server over ``name`` with a manual clock at :data:`NOW`; stopped on exit."""
    clock = clock or ManualClock(NOW)
    server = start_server(vendor, account(name), clock=clock, **options)
    try:
        yield server, clock
    finally:
        server.stop()


def client(server: RunningServer, *, bearer: bool = False, timeout: float = 10.0) -> httpx.Client:
    """An httpx client authenticated with the server's demo credentials."""
    return httpx.Client(
        base_url=server.base_url,
        headers=server.credentials.headers(bearer=bearer),
        timeout=timeout,
    )


def walk(
    first: Callable[[], httpx.Response],
    following: Callable[[dict[str, Any]], httpx.Response | None],
) -> list[dict[str, Any]]:
    """Pages from ``first()`` then ``following(previous_page)`` until it returns ``None``."""
    pages = []
    response = first()
    for _ in range(MAX_PAGES):
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append(page)
        next_response = following(page)
        if next_response is None:
            return pages
        response = next_response
    raise AssertionError(f"more than {MAX_PAGES} pages")
