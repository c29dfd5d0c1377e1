"""Shared pieces of the sync tests: sandbox servers on loopback, accounts, CLI runs, and the
expected cache computed from the server's own state through the vendor normalisers."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from queuebench.commands import cli
from queuebench.connectors import jsm, servicenow, zendesk
from queuebench.domain.contract import ticket_json
from queuebench.sandbox.server import ManualClock, RunningServer, start_server

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
"""The sandbox data is generated for this instant."""
SYNC_NOW = NOW + timedelta(minutes=5)
"""The instant the CLI runs at (QUEUEBENCH_NOW): past Zendesk's one-minute export holdback."""

USERS = {
    "zendesk": "maya.lindqvist@acme.example",
    "jsm": "maya.lindqvist@acme.example",
    "servicenow": "maya.lindqvist",
}


def run(*args: str, input: str | None = None, ok: bool = True) -> Result:
    """Run a queuebench command in-process (CliRunner); ``ok`` asserts exit status 0."""
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result


@contextmanager
def sandbox(
    vendor: str, *, tickets: int = 40, deleted: int = 0, seed: int = 7
) -> Iterator[RunningServer]:
    """A sandbox server on loopback whose clock stands at :data:`SYNC_NOW`."""
    clock = ManualClock(NOW)
    with start_server(
        vendor, tickets=tickets, clock=clock, now=NOW, deleted=deleted, seed=seed
    ) as server:
        clock.set(SYNC_NOW)
        yield server


def add_account(name: str, vendor: str, server: RunningServer, *extra: str) -> None:
    """``queuebench account add`` with the server's credentials on standard input."""
    run(
        "account",
        "add",
        name,
        "--vendor",
        vendor,
        "--url",
        server.base_url,
        "--user",
        USERS[vendor],
        *extra,
        input=server.credentials.secret + "\n",
    )


def listed() -> list[dict[str, Any]]:
    """``list --json``."""
    return json.loads(run("list", "--json").stdout)


def shown(key: str) -> dict[str, Any]:
    """``show KEY --json``."""
    return json.loads(run("show", key, "--json").stdout)


def expected_zendesk(server: RunningServer, account: str) -> dict[str, dict[str, Any]]:
    """The server's live tickets, with comments, as ``show --json`` must print them."""
    app = server.app
    directory = zendesk.build_directory(
        account,
        users=list(app.users.values()),
        organizations=list(app.organizations.values()),
        groups=list(app.groups.values()),
    )
    out = {}
    for raw in app.live_tickets():
        if raw["status"] == "deleted":
            continue
        ticket = zendesk.normalize_ticket(
            raw,
            account=account,
            base_url=server.base_url,
            directory=directory,
            comments=app.ticket_comments(raw["id"]),
            now=SYNC_NOW,
        )
        out[ticket.id] = ticket_json(ticket, SYNC_NOW)
    return out


def _server_get(server: RunningServer, path: str) -> Any:
    import httpx

    headers = server.credentials.headers()
    with httpx.Client(base_url=server.base_url, headers=headers) as client:
        response = client.get(path, params={"limit": 1000})
        response.raise_for_status()
        return response.json()


def expected_jsm(
    server: RunningServer, account: str, site: str | None = None
) -> dict[str, dict[str, Any]]:
    """The server's issues with comments and SLA, as ``show --json`` must print them (links at
    ``site``, by default the server)."""
    from queuebench.connectors.common import Directory

    out = {}
    for raw in server.app.live_issues():
        key = raw["key"]
        comments = _server_get(server, f"/rest/servicedeskapi/request/{key}/comment")["values"]
        sla = _server_get(server, f"/rest/servicedeskapi/request/{key}/sla")["values"]
        ticket = jsm.normalize_ticket(
            raw,
            account=account,
            base_url=site or server.base_url,
            directory=Directory(account),
            comments=comments,
            sla=sla,
            now=SYNC_NOW,
        )
        out[ticket.id] = ticket_json(ticket, SYNC_NOW)
    return out


def expected_servicenow(
    server: RunningServer, account: str, now: datetime = SYNC_NOW
) -> dict[str, dict[str, Any]]:
    """The server's live incidents with journal and ``task_sla`` rows, as ``show --json``
    prints them at ``now``."""
    app = server.app
    tables = app.tables
    directory = servicenow.build_directory(
        account,
        users=tables["sys_user"].live(),
        groups=tables["sys_user_group"].live(),
        companies=tables["core_company"].live(),
    )
    definitions = {row["sys_id"]: row for row in tables["contract_sla"].live()}
    out = {}
    for raw in app.live_incidents():
        ticket = servicenow.normalize_ticket(
            raw,
            account=account,
            base_url=server.base_url,
            directory=directory,
            comments=app.journal(raw["sys_id"]),
            sla=tables["task_sla"].index.get(raw["sys_id"], []),
            sla_definitions=definitions,
            now=now,
        )
        out[ticket.id] = ticket_json(ticket, now)
    return out


def deleted_ids(server: RunningServer, account: str) -> set[str]:
    """Ids of the tickets deleted at the (Zendesk) server."""
    return {
        f"{account}:{raw['id']}" for raw in server.app.live_tickets() if raw["status"] == "deleted"
    }


def cached_count() -> int:
    """How many tickets and names the cache holds (0 before it exists): a measure of how far
    a sync got."""
    import os
    import sqlite3
    from pathlib import Path

    path = Path(os.environ["QUEUEBENCH_DATA_DIR"]) / "queuebench.sqlite3"
    if not path.exists():
        return 0
    try:
        con = sqlite3.connect(path, timeout=5)
        try:
            return int(
                con.execute(
                    "SELECT (SELECT count(*) FROM ticket) + (SELECT count(*) FROM directory)"
                ).fetchone()[0]
            )
        finally:
            con.close()
    except sqlite3.Error:  # killed before the schema was created
        return 0


def kill_sync_repeatedly(
    server: RunningServer,
    env: dict[str, str],
    *,
    rounds: int = 20,
    seed: str = "sigkill",
    most_requests: int = 8,
) -> tuple[int, list[int]]:
    """Start ``queuebench sync`` ``rounds`` times and SIGKILL each at a random moment of its
    work: after 1 to ``most_requests`` of its requests reached the server, plus 0-30 ms (so
    kills also land between a reply and the commit of its batch).

    Returns how many runs were killed and :func:`cached_count` after each kill.
    """
    import random
    import signal
    import subprocess
    import sys
    import time

    rng = random.Random(seed)
    kills = 0
    counts: list[int] = []
    for _ in range(rounds):
        wanted = len(server.requests.entries()) + rng.randint(1, most_requests)
        proc = subprocess.Popen(
            [sys.executable, "-m", "queuebench", "sync"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while (
            len(server.requests.entries()) < wanted
            and proc.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.03))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
            proc.wait(timeout=30)
            counts.append(cached_count())
        proc.wait(timeout=30)
    return kills, counts


LIST_KEYS = (
    "id",
    "account",
    "vendor",
    "remote_id",
    "display_key",
    "subject",
    "status",
    "priority",
    "requester",
    "organization",
    "assignee",
    "group",
    "created_at",
    "updated_at",
    "tags",
    "url",
    "sla",
    "next_breach_at",
)


def assert_cache_equals(expected: dict[str, dict[str, Any]]) -> None:
    """``list --json`` and ``show --json`` match the expected tickets field for field."""
    for key, want in expected.items():
        assert shown(key) == want, key
    rows = listed()
    assert len(rows) == len({r["id"] for r in rows}), "a ticket is listed twice"
    assert {r["id"] for r in rows} == set(expected)
    for row in rows:
        assert row == {k: expected[row["id"]][k] for k in LIST_KEYS}, row["id"]


def assert_secret_nowhere(secret: str, root: Path, outputs: Iterable[str] = ()) -> None:
    """``secret`` is in no file of the data dir, not in the config file and in no output."""
    blob = secret.encode()
    for path in (root / "data").rglob("*"):
        if path.is_file():
            assert blob not in path.read_bytes(), path
    assert blob not in (root / "config" / "config.toml").read_bytes()
    assert all(secret not in out for out in outputs)


__all__ = [
    "NOW",
    "SYNC_NOW",
    "add_account",
    "assert_cache_equals",
    "assert_secret_nowhere",
    "cached_count",
    "deleted_ids",
    "expected_servicenow",
    "expected_zendesk",
    "jsm",
    "kill_sync_repeatedly",
    "listed",
    "run",
    "sandbox",
    "servicenow",
    "shown",
]
