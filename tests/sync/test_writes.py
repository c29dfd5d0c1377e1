"""Status, priority and assignee writes reach each vendor's server as that vendor's own calls,
come back through the next sync, and a remote change in between is a visible conflict."""

from __future__ import annotations

import json
from typing import Any

import pytest

from queuebench.sandbox.server import RunningServer
from tests.sync.helpers import add_account, run, sandbox, shown

ME = "Maya Lindqvist"


def _open_ticket(vendor: str, server: RunningServer) -> tuple[str, dict[str, Any]]:
    """The cache key and server record of a ticket in the "open" state, not assigned to me."""
    app: Any = server.app
    if vendor == "zendesk":
        raw = next(t for t in app.live_tickets() if t["status"] == "open")
        return f"acct:{raw['id']}", raw
    if vendor == "jsm":
        raw = next(
            i
            for i in app.live_issues()
            if i["fields"]["status"]["name"] == "Waiting for support"
            and (i["fields"].get("assignee") or {}).get("displayName") != ME
        )
        return f"acct:{raw['id']}", raw
    raw = next(i for i in app.live_incidents() if i["state"] == "2")
    return f"acct:{raw['sys_id']}", raw


def _server_state(vendor: str, server: RunningServer, raw: dict[str, Any]) -> tuple[Any, ...]:
    """(status, priority, assignee) as the server holds them now, in the vendor's terms."""
    app: Any = server.app
    if vendor == "zendesk":
        ticket = app.tickets[raw["id"]]
        names = {u["id"]: u["name"] for u in app.users.values()}
        return ticket["status"], ticket["priority"], names.get(ticket["assignee_id"])
    if vendor == "jsm":
        fields = app.issues[raw["id"]]["fields"]
        return (
            fields["status"]["name"],
            (fields.get("priority") or {}).get("name"),
            (fields.get("assignee") or {}).get("displayName"),
        )
    row = app.tables["incident"].by_id[raw["sys_id"]]
    users = {u["sys_id"]: u["name"] for u in app.tables["sys_user"].rows}
    assigned = row["assigned_to"]["value"] if row["assigned_to"] else None
    return (
        (row["state"], row.get("hold_reason", "")),
        (row["impact"], row["urgency"], row["priority"]),
        users.get(assigned),
    )


WRITTEN = {
    "zendesk": ("pending", "urgent", ME),
    "jsm": ("Waiting for customer", "Highest", ME),
    "servicenow": (("3", "1"), ("1", "1", "1"), ME),
}
"""What ``set --status pending --priority P1 --assignee ME`` leaves on each server."""


def _writes(vendor: str, server: RunningServer, before: int) -> list[tuple[str, str, Any]]:
    return [
        (e.method, e.path, json.loads(e.body) if e.body else None)
        for e in server.requests.entries()[before:]
        if e.method != "GET"
    ]


@pytest.mark.parametrize("vendor", ["zendesk", "jsm", "servicenow"])
def test_status_priority_and_assignee_reach_the_vendor_and_come_back(vendor: str) -> None:
    with sandbox(vendor, tickets=30) as server:
        add_account("acct", vendor, server)
        run("sync")
        key, raw = _open_ticket(vendor, server)
        assert _server_state(vendor, server, raw) != WRITTEN[vendor]
        run("set", key, "--status", "pending", "--priority", "P1", "--assignee", ME)
        before = len(server.requests.entries())
        result = run("push")
        assert "3 sent, 0 failed, 0 conflict" in result.stderr, result.stderr
        writes = _writes(vendor, server, before)
        if vendor == "zendesk":
            path = f"/api/v2/tickets/{raw['id']}.json"
            bodies = [body["ticket"] for _, _, body in writes]
            assert [(m, p) for m, p, _ in writes] == [("PUT", path)] * 3
            assert [{k: v for k, v in b.items() if k != "updated_stamp"} for b in bodies] == [
                {"status": "pending", "safe_update": True},
                {"priority": "urgent", "safe_update": True},
                {"assignee_id": server.app.me["id"], "safe_update": True},  # type: ignore[attr-defined]
            ]
            # Each write is checked against the time the previous one of ours left.
            assert len({b["updated_stamp"] for b in bodies}) == 3
        elif vendor == "jsm":
            issue = raw["key"]
            assert writes == [
                ("POST", f"/rest/api/3/issue/{issue}/transitions", {"transition": {"id": "31"}}),
                (
                    "PUT",
                    f"/rest/api/3/issue/{issue}",
                    {"fields": {"priority": {"name": "Highest"}}},
                ),
                (
                    "PUT",
                    f"/rest/api/3/issue/{issue}/assignee",
                    {"accountId": server.app.me["accountId"]},  # type: ignore[attr-defined]
                ),
            ]
        else:
            path = f"/api/now/table/incident/{raw['sys_id']}"
            assert writes == [
                ("PATCH", path, {"state": "3", "hold_reason": "1"}),
                ("PATCH", path, {"impact": "1", "urgency": "1"}),
                ("PATCH", path, {"assigned_to": server.app.me["sys_id"]}),  # type: ignore[attr-defined]
            ]
        assert _server_state(vendor, server, raw) == WRITTEN[vendor]
        assert json.loads(run("outbox", "--json").stdout) == []

        server.clock.advance(120)
        run("sync")
        case = shown(key)
        # ServiceNow has one On Hold state for both kinds of waiting.
        status = "on_hold" if vendor == "servicenow" else "pending"
        assert (case["status"], case["priority"], case["assignee"]) == (status, "P1", ME)


@pytest.mark.parametrize("vendor", ["zendesk", "jsm", "servicenow"])
def test_a_remote_change_in_between_is_a_conflict_and_nothing_is_written(vendor: str) -> None:
    with sandbox(vendor, tickets=10) as server:
        add_account("acct", vendor, server)
        run("sync")
        key, raw = _open_ticket(vendor, server)
        state = _server_state(vendor, server, raw)
        run("set", key, "--status", "solved", "--priority", "P4")
        server.clock.advance(30)
        remote_id = raw.get("sys_id") or raw["id"]
        changes = {"servicenow": {"short_description": "x"}, "jsm": {"summary": "x"}}
        server.app.touch(remote_id, changes.get(vendor, {"subject": "x"}))  # type: ignore[attr-defined]
        before = len(server.requests.entries())
        result = run("push")
        assert "0 sent, 0 failed, 2 conflict" in result.stderr, result.stderr
        if vendor == "zendesk":  # the vendor refused it (409): nothing changed
            assert [e.status for e in server.requests.entries()[before:]] == [409, 409]
        else:  # the remote time was compared first: nothing was sent
            assert _writes(vendor, server, before) == []
        assert _server_state(vendor, server, raw) == state
        items = json.loads(run("outbox", "--json").stdout)
        assert [(i["action"], i["state"]) for i in items] == [
            ("status", "conflict"),
            ("priority", "conflict"),
        ]
        assert all("after you read it" in i["error"] for i in items)
