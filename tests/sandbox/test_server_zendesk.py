"""The Zendesk sandbox server: incremental export, comments, writes, auth, headers."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from queuebench.sandbox.server import ManualClock, RunningServer
from tests.sandbox.server_support import NOW, account, client, running, walk

EXPORT = "/api/v2/incremental/tickets/cursor.json"
NOW_S = int(NOW.timestamp())


def _tickets(name: str = "demo-zendesk") -> list[dict[str, Any]]:
    return [raw.ticket for raw in account(name)]


@pytest.fixture(scope="module")
def settled() -> Iterator[tuple[RunningServer, ManualClock]]:
    """A read-only server whose clock is 2 minutes past the data set's "now"."""
    with running("zendesk", "demo-zendesk") as (server, clock):
        clock.advance(120)
        yield server, clock


@pytest.fixture
def fresh() -> Iterator[tuple[RunningServer, ManualClock]]:
    """A server of its own (for tests that write or move the clock)."""
    with running("zendesk", "demo-zendesk") as pair:
        yield pair


def _export_all(c: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    first = {"start_time": 0, **params}
    return walk(
        lambda: c.get(EXPORT, params=first),
        lambda page: (
            None
            if page["end_of_stream"]
            else c.get(EXPORT, params={"cursor": page["after_cursor"], **params})
        ),
    )


# --- incremental export ---------------------------------------------------------------------


def test_cursor_walk_returns_every_ticket_once_in_generated_timestamp_order(settled) -> None:
    server, _ = settled
    with client(server) as c:
        pages = _export_all(c, per_page=7)
    got = [t["id"] for page in pages for t in page["tickets"]]
    expected = [
        t["id"] for t in sorted(_tickets(), key=lambda t: (t["generated_timestamp"], t["id"]))
    ]
    assert got == expected
    assert len(got) == len(set(got)) == 140
    assert [len(p["tickets"]) for p in pages[:-1]] == [7] * (len(pages) - 1)
    assert pages[-1]["end_of_stream"] is True
    assert all(p["end_of_stream"] is False for p in pages[:-1])


def test_cursor_encodes_the_last_generated_timestamp_and_id(settled) -> None:
    server, _ = settled
    with client(server) as c:
        page = c.get(EXPORT, params={"start_time": 0, "per_page": 3}).json()
    last = page["tickets"][-1]
    decoded = base64.b64decode(page["after_cursor"]).decode()
    assert decoded == f"{last['generated_timestamp']}.0||{last['id']}|"
    assert page["before_cursor"] is None and page["before_url"] is None
    assert page["after_url"].startswith(f"{server.base_url}{EXPORT}?cursor=")
    assert "per_page=3" in page["after_url"]


def test_changes_of_the_last_minute_wait_for_the_next_poll(fresh) -> None:
    server, clock = fresh
    recent = sorted(
        (t["generated_timestamp"], t["id"])
        for t in _tickets()
        if t["generated_timestamp"] > NOW_S - 60
    )
    assert recent, "the data set should have tickets updated in its last minute"
    with client(server) as c:
        pages = _export_all(c, per_page=50)
        first_ids = {t["id"] for p in pages for t in p["tickets"]}
        assert first_ids.isdisjoint(i for _, i in recent)
        assert len(first_ids) == 140 - len(recent)
        cursor = pages[-1]["after_cursor"]
        again = c.get(EXPORT, params={"cursor": cursor}).json()
        assert again["tickets"] == [] and again["end_of_stream"] is True
        assert again["after_cursor"] == cursor
        clock.advance(61)
        later = c.get(EXPORT, params={"cursor": cursor}).json()
    assert [(t["generated_timestamp"], t["id"]) for t in later["tickets"]] == recent
    assert later["end_of_stream"] is True


def test_start_time_selects_by_generated_timestamp(settled) -> None:
    server, _ = settled
    stamps = sorted(t["generated_timestamp"] for t in _tickets())
    start = stamps[100]
    with client(server) as c:
        pages = _export_all(c, start_time=start)
    got = [t["generated_timestamp"] for p in pages for t in p["tickets"]]
    assert got == [s for s in stamps if s >= start]


def test_sideloads_users_groups_organizations_and_slas_only_when_included(settled) -> None:
    server, _ = settled
    with client(server) as c:
        plain = c.get(EXPORT, params={"start_time": 0, "per_page": 20}).json()
        loaded = c.get(
            EXPORT,
            params={"start_time": 0, "per_page": 20, "include": "users,groups,organizations,slas"},
        ).json()
    assert set(plain) == {
        "tickets",
        "after_url",
        "before_url",
        "after_cursor",
        "before_cursor",
        "end_of_stream",
    }
    assert all("slas" not in t for t in plain["tickets"])
    tickets = loaded["tickets"]
    assert all(set(t["slas"]) == {"policy_metrics"} for t in tickets)
    wanted_users = {
        t[k] for t in tickets for k in ("requester_id", "submitter_id", "assignee_id") if t[k]
    }
    assert {u["id"] for u in loaded["users"]} == wanted_users
    assert {g["id"] for g in loaded["groups"]} == {t["group_id"] for t in tickets if t["group_id"]}
    assert {o["id"] for o in loaded["organizations"]} == {
        t["organization_id"] for t in tickets if t["organization_id"]
    }


def test_sla_remaining_time_follows_the_server_clock(settled) -> None:
    server, _ = settled
    generated = {t["id"]: t for t in _tickets()}
    with client(server) as c:
        pages = _export_all(c, include="slas")
    checked = 0
    for page in pages:
        for ticket in page["tickets"]:
            for entry, before in zip(
                ticket["slas"]["policy_metrics"],
                generated[ticket["id"]]["slas"]["policy_metrics"],
                strict=True,
            ):
                assert entry["stage"] == before["stage"]
                if "minutes" in before and abs(before["minutes"]) > 5:
                    # Two minutes later, a minute-scale countdown is two minutes shorter.
                    assert entry["minutes"] == int(
                        (int(_epoch(before["breach_at"])) - NOW_S - 120) / 60
                    )
                    checked += 1
    assert checked > 0


def _epoch(stamp: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())


def test_team_plan_has_no_slas_even_when_asked() -> None:
    with running("zendesk", "demo-zendesk-team") as (server, clock):
        clock.advance(120)
        with client(server) as c:
            page = c.get(EXPORT, params={"start_time": 0, "include": "slas"}).json()
    assert len(page["tickets"]) == 40
    assert all("slas" not in t for t in page["tickets"])


def test_deleted_tickets_stay_in_the_export_with_status_deleted() -> None:
    with running("zendesk", "demo-zendesk", deleted=3, seed=11) as (server, clock):
        clock.advance(120)
        with client(server) as c:
            pages = _export_all(c)
            deleted = [t for p in pages for t in p["tickets"] if t["status"] == "deleted"]
            assert len(deleted) == 3
            assert len({t["id"] for p in pages for t in p["tickets"]}) == 140
            assert c.get(f"/api/v2/tickets/{deleted[0]['id']}.json").status_code == 404
            kept = _export_all(c, exclude_deleted="true")
            assert {t["id"] for p in kept for t in p["tickets"]}.isdisjoint(
                t["id"] for t in deleted
            )
            live = c.delete("/api/v2/tickets/4001.json")
            assert live.status_code == 204
            clock.advance(61)
            tail = c.get(EXPORT, params={"cursor": pages[-1]["after_cursor"]}).json()
    assert [(t["id"], t["status"]) for t in tail["tickets"]] == [(4001, "deleted")]


def test_time_based_export_keeps_equal_timestamps_together(fresh) -> None:
    server, clock = fresh
    clock.advance(10)
    server.app.touch(4003)
    server.app.touch(4002)
    clock.advance(61)
    stamp = NOW_S + 10
    with client(server) as c:
        page = c.get(
            "/api/v2/incremental/tickets.json", params={"start_time": stamp, "per_page": 1}
        ).json()
    assert [t["id"] for t in page["tickets"]] == [4002, 4003]
    assert page["count"] == 2
    assert page["end_time"] == stamp
    assert page["end_of_stream"] is True
    assert page["next_page"].endswith(f"start_time={stamp}")


def test_missing_start_time_and_bad_cursor_are_client_errors(settled) -> None:
    server, _ = settled
    with client(server) as c:
        missing = c.get(EXPORT)
        bad = c.get(EXPORT, params={"cursor": "not-a-cursor"})
    assert missing.status_code == 400
    assert missing.json()["error"] == "InvalidPaginationParameter"
    assert bad.status_code == 400
    assert bad.json() == {
        "error": "InvalidPaginationParameter",
        "description": "The cursor is invalid or has expired. Restart from a start_time.",
    }


# --- tickets and comments ----------------------------------------------------------------------


def test_show_ticket_has_no_generated_timestamp_and_404_is_record_not_found(settled) -> None:
    server, _ = settled
    with client(server) as c:
        shown = c.get("/api/v2/tickets/4005.json").json()["ticket"]
        missing = c.get("/api/v2/tickets/999999.json")
    expected = dict(_tickets()[4])
    del expected["generated_timestamp"], expected["slas"]
    assert shown == expected
    assert missing.status_code == 404
    assert missing.json() == {"error": "RecordNotFound", "description": "Not found"}


def test_comment_cursor_pages_cover_the_conversation_in_order(settled) -> None:
    server, _ = settled
    raw = account("demo-zendesk").ticket(0)
    path = f"/api/v2/tickets/{raw.remote_id}/comments.json"
    with client(server) as c:
        pages = walk(
            lambda: c.get(path, params={"page[size]": 2}),
            lambda page: c.get(page["links"]["next"]) if page["meta"]["has_more"] else None,
        )
        newest_first = c.get(path, params={"page[size]": 100, "sort": "-created_at"}).json()
        too_big = c.get(path, params={"page[size]": 101})
    assert [c["id"] for p in pages for c in p["comments"]] == [c["id"] for c in raw.comments]
    assert pages[-1]["meta"]["has_more"] is False
    assert pages[-1]["links"]["next"] is not None
    assert [c["id"] for c in newest_first["comments"]] == [c["id"] for c in raw.comments][::-1]
    assert too_big.status_code == 400


def test_comments_without_page_size_use_offset_pagination(settled) -> None:
    server, _ = settled
    raw = account("demo-zendesk").ticket(1)
    with client(server) as c:
        page = c.get(f"/api/v2/tickets/{raw.remote_id}/comments.json").json()
    assert set(page) == {"comments", "next_page", "previous_page", "count"}
    assert page["count"] == len(raw.comments)
    assert page["next_page"] is None


# --- writes -----------------------------------------------------------------------------------


def test_internal_note_is_a_private_comment_and_moves_the_ticket_in_the_export(fresh) -> None:
    server, clock = fresh
    clock.advance(300)
    with client(server) as c:
        before = c.get("/api/v2/tickets/4010.json").json()["ticket"]
        reply = c.put(
            "/api/v2/tickets/4010.json",
            json={
                "ticket": {
                    "comment": {"body": "Checked the logs.", "public": False},
                    "safe_update": True,
                    "updated_stamp": before["updated_at"],
                }
            },
        )
        assert reply.status_code == 200, reply.text
        after = reply.json()["ticket"]
        comments = c.get("/api/v2/tickets/4010/comments.json", params={"page[size]": 100}).json()
        clock.advance(61)
        page = c.get(EXPORT, params={"start_time": NOW_S + 300}).json()
    now = NOW_S + 300
    assert after["updated_at"] == "2026-11-20T14:35:00Z"
    assert after["updated_at"] != before["updated_at"]
    last = comments["comments"][-1]
    assert (last["body"], last["public"], last["created_at"]) == (
        "Checked the logs.",
        False,
        "2026-11-20T14:35:00Z",
    )
    assert last["author_id"] == 361_400_900_003  # Maya, the authenticated agent
    assert [(t["id"], t["generated_timestamp"]) for t in page["tickets"]] == [(4010, now)]
    audit = reply.json()["audit"]
    assert audit["events"][0]["type"] == "Comment" and audit["events"][0]["public"] is False


def test_stale_updated_stamp_is_a_409_and_changes_nothing(fresh) -> None:
    server, clock = fresh
    with client(server) as c:
        before = c.get("/api/v2/tickets/4011.json").json()["ticket"]
        clock.advance(30)
        server.app.touch(4011)  # someone else edits the ticket
        conflict = c.put(
            "/api/v2/tickets/4011.json",
            json={
                "ticket": {
                    "status": "pending",
                    "comment": {"body": "lost?", "public": False},
                    "safe_update": "true",
                    "updated_stamp": before["updated_at"],
                }
            },
        )
        after = c.get("/api/v2/tickets/4011.json").json()["ticket"]
        comments = c.get("/api/v2/tickets/4011/comments.json").json()
    assert conflict.status_code == 409
    assert conflict.json()["error"] == "UpdateConflict"
    assert after["status"] == before["status"]
    assert after["updated_at"] == "2026-11-20T14:30:30Z"
    assert "lost?" not in [c["body"] for c in comments["comments"]]


def test_status_priority_and_assignee_change_with_audit_events(fresh) -> None:
    server, _ = fresh
    ticket = next(t for t in _tickets() if t["status"] == "open" and t["priority"] != "urgent")
    agent = 361_400_900_010  # Tobias Wren
    with client(server) as c:
        reply = c.put(
            f"/api/v2/tickets/{ticket['id']}.json",
            json={"ticket": {"status": "hold", "priority": "urgent", "assignee_id": agent}},
        )
        shown = c.get(f"/api/v2/tickets/{ticket['id']}.json").json()["ticket"]
    assert reply.status_code == 200
    assert (shown["status"], shown["priority"], shown["assignee_id"]) == ("hold", "urgent", agent)
    changes = {
        e["field_name"]: (e["previous_value"], e["value"]) for e in reply.json()["audit"]["events"]
    }
    assert changes["status"] == ("open", "hold")
    assert changes["priority"] == (ticket["priority"], "urgent")


def test_invalid_values_and_closed_tickets_are_422_record_invalid(fresh) -> None:
    server, _ = fresh
    closed = next(t for t in _tickets() if t["status"] == "closed")
    with client(server) as c:
        bad_status = c.put("/api/v2/tickets/4001.json", json={"ticket": {"status": "done"}})
        on_closed = c.put(
            f"/api/v2/tickets/{closed['id']}.json",
            json={"ticket": {"comment": {"body": "reopen?"}}},
        )
    assert bad_status.status_code == 422
    assert bad_status.json() == {
        "error": "RecordInvalid",
        "description": "Record validation errors",
        "details": {
            "status": [{"description": "Status: done is not valid", "error": "InvalidValue"}]
        },
    }
    assert on_closed.status_code == 422
    assert on_closed.json()["details"]["status"][0]["description"] == (
        "Status: closed prevents ticket update"
    )


# --- auth and headers ---------------------------------------------------------------------------


def test_auth_formats_and_401_bodies(settled) -> None:
    server, _ = settled
    url = f"{server.base_url}/api/v2/users/me.json"
    email = server.credentials.user
    token = server.credentials.secret
    ok_basic = httpx.get(url, auth=(f"{email}/token", token))
    ok_bearer = httpx.get(url, headers={"Authorization": "Bearer sandbox-zendesk-oauth-token"})
    no_token_suffix = httpx.get(url, auth=(email, token))
    missing = httpx.get(url)
    bad_bearer = httpx.get(url, headers={"Authorization": "Bearer nope"})
    assert ok_basic.status_code == ok_bearer.status_code == 200
    assert ok_basic.json()["user"]["email"] == "maya.lindqvist@acme.example"
    for response in (no_token_suffix, missing):
        assert response.status_code == 401
        assert response.json() == {"error": "Couldn't authenticate you"}
    assert bad_bearer.status_code == 401
    assert bad_bearer.json()["error"] == "invalid_token"


def test_rate_limit_headers_are_on_every_response(settled) -> None:
    server, _ = settled
    with client(server) as c:
        responses = [
            c.get("/api/v2/tickets/4001.json"),
            c.get("/api/v2/tickets/1.json"),
            c.get("/api/v2/nowhere"),
            httpx.get(f"{server.base_url}/api/v2/tickets/4001.json"),
        ]
    assert [r.status_code for r in responses] == [200, 404, 404, 401]
    for response in responses:
        assert response.headers["x-rate-limit"] == "700"
        assert response.headers["ratelimit-limit"] == "700"
        assert 0 <= int(response.headers["x-rate-limit-remaining"]) < 700
        assert 1 <= int(response.headers["ratelimit-reset"]) <= 60
    remaining = [int(r.headers["ratelimit-remaining"]) for r in responses]
    assert remaining == sorted(remaining, reverse=True)
