"""Sync benchmark: a full Zendesk sync over loopback HTTP against a bare client, same run.

    python bench/bench_sync.py [--tickets 50000] [--concurrency 8]

1. A Zendesk sandbox server with N tickets runs in its own process on 127.0.0.1 (so its
   work does not share our interpreter's GIL).
2. **Full sync**: ``sync_accounts`` into a fresh cache (the real connector, normalisers and
   store; per-ticket comment calls for every ticket that is not solved or closed). Rate
   ceilings are off: the sandbox has none, and the figure is about our own cost.
3. **Bare client**: the same pages with plain httpx — every export page (following the
   cursor) and the comment pages of the same tickets, at the same concurrency — each body
   read and JSON-decoded, nothing else.
4. **No-change incremental sync**: its request count (one request per resource is the aim).

Prints tickets/s for both, the ratio, and the request counts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
SERVE = """
import sys, time
from datetime import datetime, timedelta
from queuebench.sandbox.server import ManualClock, start_server
now = datetime.fromisoformat(sys.argv[2])
clock = ManualClock(now)
server = start_server("zendesk", tickets=int(sys.argv[1]), clock=clock, now=now)
clock.advance(600)
print(server.base_url, server.credentials.user, server.credentials.secret, flush=True)
sys.stdin.read()
server.stop()
"""


def _start_server(tickets: int) -> tuple[subprocess.Popen[str], str, str, str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(tickets), NOW.isoformat()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    base_url, user, secret = proc.stdout.readline().split()
    return proc, base_url, user.removesuffix("/token"), secret


async def _bare(base_url: str, user: str, secret: str, concurrency: int) -> tuple[int, int]:
    """Download the export and the open tickets' comments; returns (tickets, requests)."""
    import httpx

    auth = httpx.BasicAuth(f"{user}/token", secret)
    requests = 0
    async with httpx.AsyncClient(base_url=base_url, auth=auth, timeout=60) as client:
        params: dict[str, Any] = {
            "start_time": 0,
            "per_page": 1000,
            "include": "users,groups,organizations,slas",
        }
        open_ids: list[int] = []
        tickets = 0
        while True:
            response = await client.get("/api/v2/incremental/tickets/cursor.json", params=params)
            requests += 1
            page = json.loads(response.content)
            tickets += len(page["tickets"])
            open_ids += [
                t["id"]
                for t in page["tickets"]
                if t["status"] not in ("solved", "closed", "deleted")
            ]
            if page["end_of_stream"]:
                break
            params = {
                "cursor": page["after_cursor"],
                "per_page": 1000,
                "include": params["include"],
            }
        semaphore = asyncio.Semaphore(concurrency)

        async def comments(ticket_id: int) -> int:
            async with semaphore:
                url = f"/api/v2/tickets/{ticket_id}/comments.json"
                query: dict[str, Any] | None = {"page[size]": 100, "include": "users"}
                count = 0
                while True:
                    response = await client.get(url, params=query)
                    count += 1
                    page = json.loads(response.content)
                    nxt = page.get("links", {}).get("next")
                    if not page.get("meta", {}).get("has_more") or not nxt:
                        return count
                    url, query = nxt, None

        requests += sum(await asyncio.gather(*(comments(i) for i in open_ids)))
    return tickets, requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="queuebench-bench-sync-"))
    os.environ["QUEUEBENCH_CONFIG_FILE"] = str(tmp / "config.toml")
    os.environ["QUEUEBENCH_DATA_DIR"] = str(tmp / "data")
    started = time.perf_counter()
    proc, base_url, user, secret = _start_server(args.tickets)
    print(f"server with {args.tickets:,} tickets up in {time.perf_counter() - started:.1f} s")
    os.environ["QUEUEBENCH_SECRET_BENCH"] = secret
    try:
        from queuebench.accounts import ClientOptions, write_account
        from queuebench.config import load_settings
        from queuebench.store.engine import open_store
        from queuebench.sync import sync_accounts

        write_account(
            "bench",
            {
                "vendor": "zendesk",
                "url": base_url,
                "user": user,
                "auth": "token",
                "concurrency": args.concurrency,
            },
        )
        settings = load_settings()
        store = open_store(tmp / "data")
        options = ClientOptions(rate_limits=False)
        sync_now = NOW + timedelta(minutes=10)

        def clock() -> datetime:
            return sync_now

        t0 = time.perf_counter()
        (report,) = asyncio.run(sync_accounts(store, settings, now=clock, options=options))
        sync_s = time.perf_counter() - t0
        assert report.error is None, report.error

        t0 = time.perf_counter()
        bare_tickets, bare_requests = asyncio.run(_bare(base_url, user, secret, args.concurrency))
        bare_s = time.perf_counter() - t0

        (again,) = asyncio.run(sync_accounts(store, settings, now=clock, options=options))
        store.close()
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)

    print(
        f"full sync: {report.tickets:,} tickets, {report.requests:,} requests "
        f"({report.detailed:,} conversations) in {sync_s:.1f} s = "
        f"{report.tickets / sync_s:,.0f} tickets/s"
    )
    print(
        f"bare client: {bare_tickets:,} tickets, {bare_requests:,} requests in {bare_s:.1f} s = "
        f"{bare_tickets / bare_s:,.0f} tickets/s"
    )
    print(f"ratio (sync time / bare time): {sync_s / bare_s:.2f}x")
    print(f"no-change incremental sync: {again.requests} request(s), {again.tickets} tickets")
    python = sys.version.split()[0]
    print(f"measured {datetime.now(UTC):%Y-%m-%d} on {os.cpu_count()} CPUs, Python {python}")


if __name__ == "__main__":
    main()
