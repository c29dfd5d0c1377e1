"""ServiceNow: account add + sync against the sandbox server over loopback fill the cache
exactly; deleted incidents leave the cache; an up-to-date instance costs one request per
resource."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from queuebench.accounts import ClientOptions, write_account
from queuebench.config import load_settings
from queuebench.sandbox.server import transport
from queuebench.store.engine import open_store
from queuebench.sync import sync_accounts
from tests.sync.helpers import (
    SYNC_NOW,
    add_account,
    assert_cache_equals,
    expected_servicenow,
    listed,
    run,
    sandbox,
    shown,
)

INCIDENTS = "/api/now/table/incident"


def _id_query(entry: Any) -> str | None:
    """``scan`` for a page of the id scan, ``IN <ids>`` for a deletion check, else None."""
    if entry.path != INCIDENTS or entry.arg("sysparm_fields") != "sys_id":
        return None
    query = entry.arg("sysparm_query") or ""
    return f"IN {query.removeprefix('sys_idIN')}" if query.startswith("sys_idIN") else "scan"


def test_servicenow_full_incremental_and_deleted_incidents(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with sandbox("servicenow", tickets=30, deleted=2) as server:
        add_account("snow", "servicenow", server)
        result = run("sync")
        assert "snow: 28 tickets written" in result.stderr
        expected = expected_servicenow(server, "snow")
        assert len(expected) == 28
        assert_cache_equals(expected)
        # Journal authors are names (sys_created_by is a user_name), HTML work notes are text.
        journal = server.app.tables["sys_journal_field"].rows
        html_note = next(r for r in journal if r["value"].startswith("[code]"))
        case = shown(f"snow:{html_note['element_id']}")
        note = next(c for c in case["comments"] if "Double encoding" in c["body"])
        assert "<p>" not in note["body"] and "[code]" not in note["body"]
        assert note["public"] is False and " " in note["author"] and "." not in note["author"]

        # A remote edit (unicode, no priority) and a deletion, then an incremental sync.
        live = server.app.live_incidents()
        edited, gone = live[0]["sys_id"], live[1]["sys_id"]
        server.clock.advance(60)
        server.app.touch(edited, {"short_description": "Ärger mit SSO — 設定 🔐", "priority": ""})
        server.app.delete(gone)
        server.clock.advance(60)
        before = len(server.requests.entries())
        result = run("sync")
        sent = server.requests.entries()[before:]
        assert not [e for e in sent if e.arg("sysparm_fields") == "sys_id"]
        assert shown(f"snow:{edited}")["subject"] == "Ärger mit SSO — 設定 🔐"
        assert shown(f"snow:{edited}")["priority"] is None
        # No deletion feed: the deleted incident stays until the daily id check.
        assert f"snow:{gone}" in {r["id"] for r in listed()}

        later = SYNC_NOW + timedelta(hours=25)
        monkeypatch.setenv("QUEUEBENCH_NOW", later.isoformat())
        server.clock.set(later)
        before = len(server.requests.entries())
        result = run("sync")
        assert "1 deleted" in result.stderr
        sent = server.requests.entries()[before:]
        # One page of ids, then the empty page that ends the scan; then the one id missing
        # from it is confirmed gone.
        assert [_id_query(e) for e in sent if _id_query(e)] == ["scan", "scan", f"IN {gone}"]
        expected = expected_servicenow(server, "snow", later)
        assert f"snow:{gone}" not in expected and len(expected) == 27
        assert_cache_equals(expected)
        # The check runs once a day, not on every sync.
        before = len(server.requests.entries())
        run("sync")
        assert len(server.requests.entries()) - before == 5


def test_servicenow_full_sync_drops_incidents_deleted_meanwhile_without_a_scan() -> None:
    with sandbox("servicenow", tickets=12) as server:
        add_account("snow", "servicenow", server)
        run("sync")
        gone = server.app.live_incidents()[3]["sys_id"]
        server.app.delete(gone)
        before = len(server.requests.entries())
        result = run("sync", "--full")
        assert "1 deleted" in result.stderr
        sent = server.requests.entries()[before:]
        # The full pull met every incident: no scan, only the confirmation.
        assert [_id_query(e) for e in sent if _id_query(e)] == [f"IN {gone}"]
        assert f"snow:{gone}" not in {r["id"] for r in listed()}
        assert_cache_equals(expected_servicenow(server, "snow"))


def test_servicenow_up_to_date_costs_one_request_per_resource() -> None:
    with sandbox("servicenow", tickets=10) as server:
        add_account("snow", "servicenow", server)
        run("sync")
        before = len(server.requests.entries())
        result = run("sync")
        sent = server.requests.entries()[before:]
        assert [e.path.rsplit("/", 1)[-1] for e in sent] == [
            "sys_user",
            "sys_user_group",
            "core_company",
            "contract_sla",
            "incident",
        ]
        assert "0 tickets written" in result.stderr


def test_servicenow_internal_note_is_a_work_note_and_a_remote_change_is_a_conflict() -> None:
    with sandbox("servicenow", tickets=10) as server:
        add_account("snow", "servicenow", server)
        run("sync")
        first, second = server.app.live_incidents()[:2]
        run("note", f"snow:{first['sys_id']}", "--internal", "Escalated — siehe Ticket 設定")
        run("note", f"snow:{second['sys_id']}", "--public", "We are on it.")
        server.clock.advance(30)
        server.app.touch(second["sys_id"], {"short_description": "changed remotely"})
        run("push")
        patches = server.requests.find(method="PATCH")
        assert [(p.path, json.loads(p.body)) for p in patches] == [
            (f"{INCIDENTS}/{first['sys_id']}", {"work_notes": "Escalated — siehe Ticket 設定"})
        ]
        items = json.loads(run("outbox", "--json").stdout)
        assert [(i["state"], i["action"]) for i in items] == [("conflict", "reply_public")]
        assert "changed in ServiceNow after you read it" in items[0]["error"]
        notes = server.app.journal(first["sys_id"])
        assert (notes[-1]["element"], notes[-1]["value"]) == (
            "work_notes",
            "Escalated — siehe Ticket 設定",
        )
        # The incident's own journal field stays empty on read, as on an instance.
        assert server.app.tables["incident"].by_id[first["sys_id"]].get("work_notes", "") == ""
        server.clock.advance(60)
        run("sync")
        comments = shown(f"snow:{first['sys_id']}")["comments"]
        assert [(c["body"], c["public"]) for c in comments].count(
            ("Escalated — siehe Ticket 設定", False)
        ) == 1


class _EditsWhilePaging(httpx.AsyncBaseTransport):
    """The sandbox in-process, with someone editing incidents between our incident pages."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.inner = transport(server.app)
        self.pages = 0
        self.edited: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path == INCIDENTS and "sysparm_fields" not in request.url.params:
            self.pages += 1
            if self.pages in (2, 3):
                # Rows already read are updated: they move to the end of the ordered result,
                # which shifts every row not yet read one place back.
                self.server.clock.advance(1)
                rows = sorted(
                    self.server.app.live_incidents(),
                    key=lambda r: (r["sys_updated_on"], r["sys_id"]),
                )
                for row in rows[:2]:  # the two read first
                    self.server.app.touch(
                        row["sys_id"], {"short_description": f"edit {self.pages}"}
                    )
                    self.edited.append(row["sys_id"])
        return response


def test_incidents_edited_while_we_page_are_neither_skipped_nor_doubled() -> None:
    with sandbox("servicenow", tickets=40) as server:
        add_account("snow", "servicenow", server)
        write_account(
            "snow",
            {"vendor": "servicenow", "url": server.base_url, "user": "maya.lindqvist",
             "auth": "basic", "page_size": 6},
        )  # fmt: skip
        shifting = _EditsWhilePaging(server)
        store = open_store(Path(os.environ["QUEUEBENCH_DATA_DIR"]))
        try:
            (report,) = asyncio.run(
                sync_accounts(
                    store,
                    load_settings(),
                    now=lambda: SYNC_NOW,
                    options=ClientOptions(transport=shifting),
                )
            )
        finally:
            store.close()
        assert report.error is None, report.error
        assert shifting.pages > 3 and len(shifting.edited) == 4
        expected = expected_servicenow(server, "snow")
        assert len(expected) == 40
        assert_cache_equals(expected)
        assert {shown(f"snow:{i}")["subject"] for i in shifting.edited} <= {"edit 2", "edit 3"}
