"""JSM: account add + sync against the sandbox server over loopback fill the cache exactly."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.sync.helpers import (
    SYNC_NOW,
    add_account,
    assert_cache_equals,
    expected_jsm,
    listed,
    run,
    sandbox,
    shown,
)


def test_jsm_full_incremental_and_internal_note() -> None:
    with sandbox("jsm", tickets=30) as server:
        add_account("jira", "jsm", server)
        run("sync")
        expected = expected_jsm(server, "jira")
        assert len(expected) == 30
        assert_cache_equals(expected)
        # Descriptions arrive as Atlassian Document Format and are cached as Markdown.
        adf = next(
            i for i in server.app.live_issues() if isinstance(i["fields"]["description"], dict)
        )
        text = shown(f"jira:{adf['id']}")["description"]
        assert text and not text.lstrip().startswith("{") and '"type"' not in text

        issue = server.app.live_issues()[0]
        server.app.touch(issue["id"], {"summary": "Ärger mit SSO — 設定", "priority": None})
        server.clock.advance(120)
        before = len(server.requests.entries())
        run("sync")
        searches = [
            e for e in server.requests.entries()[before:] if e.path == "/rest/api/3/search/jql"
        ]
        assert len(searches) == 1
        assert_cache_equals(expected_jsm(server, "jira"))
        assert shown(f"jira:{issue['id']}")["priority"] is None

        before = len(server.requests.entries())
        result = run("sync")
        assert len(server.requests.entries()) - before == 1
        assert "0 tickets written" in result.stderr

        key = f"jira:{issue['id']}"
        run("note", key, "--internal", "Internal: escalated to identity team")
        run("push")
        posts = server.requests.find(
            method="POST", path=f"/rest/servicedeskapi/request/{issue['key']}/comment"
        )
        assert [json.loads(p.body) for p in posts] == [
            {"body": "Internal: escalated to identity team", "public": False}
        ]
        assert json.loads(run("outbox", "--json").stdout) == []
        server.clock.advance(120)
        run("sync")
        comments = shown(key)["comments"]
        assert ("Internal: escalated to identity team", False) in [
            (c["body"], c["public"]) for c in comments
        ]


def test_jsm_remote_change_gives_conflict() -> None:
    with sandbox("jsm", tickets=10) as server:
        add_account("jira", "jsm", server)
        run("sync")
        issue = server.app.live_issues()[0]
        run("note", f"jira:{issue['id']}", "--internal", "note")
        server.clock.advance(60)
        server.app.touch(issue["id"], {"summary": "changed remotely"})
        run("push")
        items = json.loads(run("outbox", "--json").stdout)
        assert [i["state"] for i in items] == ["conflict"]
        assert server.requests.find(method="POST") == []


def test_jsm_deleted_issues_leave_the_cache_after_the_daily_check_or_a_full_sync(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with sandbox("jsm", tickets=12) as server:
        add_account("jira", "jsm", server)
        run("sync")
        first, second = server.app.live_issues()[2:4]
        server.app.delete(first["id"])
        server.clock.advance(120)
        run("sync")
        # Search reports no deletions: the issue stays until the daily id check.
        assert f"jira:{first['id']}" in {r["id"] for r in listed()}

        later = SYNC_NOW + timedelta(hours=25)
        monkeypatch.setenv("QUEUEBENCH_NOW", later.isoformat())
        server.clock.set(later)
        before = len(server.requests.entries())
        result = run("sync")
        assert "1 deleted" in result.stderr
        searches = [
            e.arg("jql")
            for e in server.requests.entries()[before:]
            if e.path == "/rest/api/3/search/jql" and e.arg("fields") == "id"
        ]
        assert searches == [
            'updated >= "1970-01-01 00:00" ORDER BY key ASC',
            f"id in ({first['id']}) ORDER BY key ASC",
        ]
        assert f"jira:{first['id']}" not in {r["id"] for r in listed()}

        server.app.delete(second["id"])
        result = run("sync", "--full")
        assert "1 deleted" in result.stderr
        assert len(listed()) == 10
