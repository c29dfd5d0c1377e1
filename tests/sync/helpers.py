"""Shared pieces of the sync tests: sandbox servers on loopback, accounts, CLI runs, and the
expected cache computed from the server's own state through the vendor normalisers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
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


def expected_jsm(server: RunningServer, account: str) -> dict[str, dict[str, Any]]:
    """The server's issues with comments and SLA, as ``show --json`` must print them."""
    from queuebench.connectors.common import Directory

    out = {}
    for raw in server.app.live_issues():
        key = raw["key"]
        comments = _server_get(server, f"/rest/servicedeskapi/request/{key}/comment")["values"]
        sla = _server_get(server, f"/rest/servicedeskapi/request/{key}/sla")["values"]
        ticket = jsm.normalize_ticket(
            raw,
            account=account,
            base_url=server.base_url,
            directory=Directory(account),
            comments=comments,
            sla=sla,
            now=SYNC_NOW,
        )
        out[ticket.id] = ticket_json(ticket, SYNC_NOW)
    return out


def deleted_ids(server: RunningServer, account: str) -> set[str]:
    """Ids of the tickets deleted at the (Zendesk) server."""
    return {
        f"{account}:{raw['id']}" for raw in server.app.live_tickets() if raw["status"] == "deleted"
    }


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


__all__ = [
    "NOW",
    "SYNC_NOW",
    "add_account",
    "assert_cache_equals",
    "deleted_ids",
    "expected_zendesk",
    "jsm",
    "listed",
    "run",
    "sandbox",
    "servicenow",
    "shown",
]
