"""JSM and ServiceNow under injected faults (the Zendesk twins are in ``test_faults.py``): the
cache still equals the server, ``Retry-After`` is honoured, a malformed page stops the account
with an error naming account and endpoint, and SIGKILL at random moments loses nothing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from queuebench.accounts import ClientOptions, write_account
from queuebench.config import load_settings
from queuebench.sandbox.server import RunningServer
from queuebench.store.engine import open_store
from queuebench.sync import AccountReport, sync_accounts
from tests.sync.helpers import (
    SYNC_NOW,
    USERS,
    add_account,
    assert_cache_equals,
    expected_jsm,
    expected_servicenow,
    kill_sync_repeatedly,
    listed,
    sandbox,
)

FAST = ClientOptions(retry_base=0.02, retry_cap=0.2, max_attempts=8, timeout=5.0)


@dataclass(frozen=True)
class Case:
    """One vendor's routes to break and how to compute its expected cache."""

    vendor: str
    pages: str
    """The glob of the paged listing a sync walks (where 429s and the malformed page go)."""
    page_endpoint: str
    """How the error names that endpoint."""
    details: str
    """The glob of the per-ticket (or per-batch) detail calls."""
    everything: str
    expected: Callable[[RunningServer, str], dict[str, dict[str, Any]]]
    kill_within: int
    """Kill each run within this many requests (a clean sync takes about 8x as many)."""


CASES = {
    "jsm": Case(
        "jsm",
        "/rest/api/3/search/jql",
        "/rest/api/3/search/jql",
        "/rest/servicedeskapi/request/*",
        "/rest/*",
        expected_jsm,
        8,
    ),
    "servicenow": Case(
        "servicenow",
        "/api/now/table/incident",
        "/api/now/table/incident",
        "/api/now/table/sys_journal_field",
        "/api/now/*",
        expected_servicenow,
        16,
    ),
}


def _small_pages(vendor: str, url: str, page_size: int) -> None:
    write_account(
        "acct",
        {
            "vendor": vendor,
            "url": url,
            "user": USERS[vendor],
            "auth": "token" if vendor == "jsm" else "basic",
            "page_size": page_size,
            "requests_per_minute": 6000,
        },
    )


def _sync() -> list[AccountReport]:
    settings = load_settings()
    store = open_store(Path(os.environ["QUEUEBENCH_DATA_DIR"]))
    try:
        return asyncio.run(sync_accounts(store, settings, now=lambda: SYNC_NOW, options=FAST))
    finally:
        store.close()


@pytest.mark.parametrize("vendor", ["jsm", "servicenow"])
def test_faults_leave_the_cache_equal_to_the_server_and_honour_retry_after(vendor: str) -> None:
    case = CASES[vendor]
    with sandbox(vendor, tickets=30) as server:
        add_account("acct", vendor, server)
        _small_pages(vendor, server.base_url, 4)
        faults = server.faults
        faults.add("rate_limit", path=case.pages, after=1, times=3, retry_after=1)
        faults.add("error", path=case.everything, status=503, probability=0.1, seed=3, times=None)
        faults.add("error", path=case.details, status=502, body="html", times=2, after=3)
        faults.add("reset", path=case.details, at=10, times=3, after=1)
        faults.add("malformed", path=case.pages, variant="truncated", after=6)

        first = _sync()
        assert first[0].error is not None
        assert "Account 'acct'" in first[0].error
        assert case.page_endpoint in first[0].error and "not valid JSON" in first[0].error
        assert 0 < first[0].tickets < 30

        second = _sync()
        assert second[0].error is None, second[0].error
        entries = server.requests.entries()
        statuses = [e.status for e in entries]
        assert statuses.count(429) == 3 and 503 in statuses and 502 in statuses
        for index, entry in enumerate(entries):
            if entry.status == 429:
                later = entries[index + 1]
                assert later.monotonic - entry.monotonic >= 1.0, (entry.seq, later.seq)
        faults.clear()
        assert_cache_equals(case.expected(server, "acct"))


@pytest.mark.parametrize("vendor", ["jsm", "servicenow"])
def test_sigkill_at_random_moments_then_rerun_gives_the_same_cache(vendor: str) -> None:
    case = CASES[vendor]
    with sandbox(vendor, tickets=40, deleted=2) as server:
        add_account("acct", vendor, server)
        _small_pages(vendor, server.base_url, 3)
        server.faults.add("slow", path=case.everything, delay=0.01, times=None)
        env = dict(
            os.environ,
            QUEUEBENCH_SECRET_ACCT=server.credentials.secret,
            QUEUEBENCH_NOW=SYNC_NOW.isoformat(),
        )
        started = time.monotonic()
        kills, counts = kill_sync_repeatedly(
            server, env, seed=f"sigkill:{vendor}", most_requests=case.kill_within
        )
        done = subprocess.run(
            [sys.executable, "-m", "queuebench", "sync"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        server.faults.clear()
        expected = case.expected(server, "acct")
        # Most kills landed mid-pull, between batches of a cache that kept growing.
        assert kills >= 12, (kills, counts)
        assert len(set(counts) - {0, max(counts)}) >= 4, counts
        assert time.monotonic() - started < 60
        assert len(listed()) == len(expected)
        assert_cache_equals(expected)
