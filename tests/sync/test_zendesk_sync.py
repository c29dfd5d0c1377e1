"""Zendesk: account add + sync against the sandbox server over loopback fill the cache exactly."""

from __future__ import annotations

from tests.sync.helpers import (
    add_account,
    assert_cache_equals,
    deleted_ids,
    expected_zendesk,
    listed,
    run,
    sandbox,
    shown,
)


def test_full_then_incremental_sync_equals_server() -> None:
    with sandbox("zendesk", tickets=40, deleted=3) as server:
        add_account("zd", "zendesk", server)
        result = run("sync")
        assert "zd: 37 tickets written, 0 deleted" not in result.stderr
        expected = expected_zendesk(server, "zd")
        assert len(expected) == 37
        # Deleted tickets never reach the cache.
        assert not deleted_ids(server, "zd") & {r["id"] for r in listed()}
        assert_cache_equals(expected)

        # A remote change and a deletion, then an incremental sync.
        live = [t for t in server.app.live_tickets() if t["status"] != "deleted"]
        server.app.touch(
            live[0]["id"], {"subject": "Ünïcode 変更 — edited remotely", "priority": None}
        )
        server.app.delete(live[1]["id"])
        server.clock.advance(120)
        before = len(server.requests.entries())
        result = run("sync")
        sent = server.requests.entries()[before:]
        exports = [e for e in sent if e.path.startswith("/api/v2/incremental/")]
        assert len(exports) == 1
        assert "1 deleted" in result.stderr
        expected = expected_zendesk(server, "zd")
        assert f"zd:{live[1]['id']}" not in expected
        assert expected[f"zd:{live[0]['id']}"]["subject"] == "Ünïcode 変更 — edited remotely"
        assert expected[f"zd:{live[0]['id']}"]["priority"] is None
        assert_cache_equals(expected)


def test_up_to_date_account_costs_one_request() -> None:
    with sandbox("zendesk", tickets=20) as server:
        add_account("zd", "zendesk", server)
        run("sync")
        before = len(server.requests.entries())
        result = run("sync")
        assert len(server.requests.entries()) - before == 1
        assert "0 tickets written" in result.stderr and "1 requests" in result.stderr


def test_closed_ticket_conversation_fetched_on_demand_by_show() -> None:
    with sandbox("zendesk", tickets=40) as server:
        add_account("zd", "zendesk", server)
        run("sync")
        done = [t for t in server.app.live_tickets() if t["status"] in ("solved", "closed")]
        assert done
        key = f"zd:{done[0]['id']}"
        comment_calls = [
            e
            for e in server.requests.entries()
            if e.path.endswith(f"/{done[0]['id']}/comments.json")
        ]
        assert comment_calls == []  # not fetched by the sync: the ticket is closed
        case = shown(key)
        assert case["conversation_cached"] is True
        assert case == expected_zendesk(server, "zd")[key]
