"""Sync under injected faults: the cache still equals the server, Retry-After is honoured,
a malformed page stops the account without moving its cursor, and SIGKILL loses nothing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from queuebench.accounts import ClientOptions, write_account
from queuebench.config import load_settings
from queuebench.store.engine import open_store
from queuebench.sync import sync_accounts
from tests.sync.helpers import (
    SYNC_NOW,
    USERS,
    add_account,
    assert_cache_equals,
    expected_zendesk,
    kill_sync_repeatedly,
    listed,
    sandbox,
)

FAST = ClientOptions(retry_base=0.02, retry_cap=0.2, max_attempts=8, timeout=5.0)


def _small_pages(name: str, server_url: str, page_size: int) -> None:
    write_account(
        name,
        {
            "vendor": "zendesk",
            "url": server_url,
            "user": USERS["zendesk"],
            "auth": "token",
            "page_size": page_size,
            "export_requests_per_minute": 600,
        },
    )


def _sync(options: ClientOptions = FAST) -> list:
    settings = load_settings()
    store = open_store(Path(os.environ["QUEUEBENCH_DATA_DIR"]))
    try:
        return asyncio.run(sync_accounts(store, settings, now=lambda: SYNC_NOW, options=options))
    finally:
        store.close()


def test_faults_leave_the_cache_equal_to_the_server_and_honour_retry_after() -> None:
    with sandbox("zendesk", tickets=60, deleted=2) as server:
        add_account("zd", "zendesk", server)
        _small_pages("zd", server.base_url, 7)
        faults = server.faults
        faults.add("rate_limit", path="/api/v2/incremental/*", after=1, times=3, retry_after=1)
        faults.add("error", path="/api/v2/*", status=503, probability=0.1, seed=3, times=None)
        faults.add("error", path="/api/v2/tickets/*", status=502, body="html", times=2, after=4)
        faults.add("reset", path="/api/v2/tickets/*", at=10, times=3, after=2)
        faults.add("malformed", path="/api/v2/incremental/*", variant="truncated", after=5)

        first = _sync()
        assert first[0].error is not None
        assert "Account 'zd'" in first[0].error
        assert "/api/v2/incremental/tickets/cursor.json" in first[0].error
        assert "not valid JSON" in first[0].error
        written_before = first[0].tickets
        assert written_before > 0

        second = _sync()
        assert second[0].error is None, second[0].error
        entries = server.requests.entries()
        statuses = [e.status for e in entries]
        assert statuses.count(429) == 3 and 503 in statuses and 502 in statuses
        for index, entry in enumerate(entries):
            if entry.status == 429:
                later = entries[index + 1]
                assert later.monotonic - entry.monotonic >= 1.0, (entry.seq, later.seq)
        assert_cache_equals(expected_zendesk(server, "zd"))


def test_sigkill_at_random_moments_then_rerun_gives_the_same_cache(tmp_path: Path) -> None:
    with sandbox("zendesk", tickets=60, deleted=2) as server:
        add_account("zd", "zendesk", server)
        _small_pages("zd", server.base_url, 3)
        server.faults.add("slow", path="/api/v2/*", delay=0.01, times=None)
        env = dict(
            os.environ,
            QUEUEBENCH_SECRET_ZD=server.credentials.secret,
            QUEUEBENCH_NOW=SYNC_NOW.isoformat(),
        )
        started = time.monotonic()
        kills, counts = kill_sync_repeatedly(server, env, seed="sigkill:zendesk")
        done = subprocess.run(
            [sys.executable, "-m", "queuebench", "sync"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        # Most kills landed mid-pull, between batches of a cache that kept growing.
        assert kills >= 12, (kills, counts)
        assert len(set(counts) - {0, max(counts)}) >= 4, counts
        assert time.monotonic() - started < 60
        expected = expected_zendesk(server, "zd")
        assert len(listed()) == len(expected)
        assert_cache_equals(expected)
