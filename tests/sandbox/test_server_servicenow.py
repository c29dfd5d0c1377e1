"""The ServiceNow sandbox server: Table API paging, encoded queries, journal writes, auth."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from queuebench.sandbox.server import ManualClock, RunningServer
from tests.sandbox.server_support import account, client, running, walk

INCIDENTS = "/api/now/table/incident"
WATERMARK = "sys_updated_on>=2026-11-10 00:00:00^ORDERBYsys_updated_on"


def _incidents() -> list[dict[str, Any]]:
    return [raw.ticket for raw in account("demo-snow")]


def _links(header: str | None) -> dict[str, str]:
    if not header:
        return {}
    return {rel: url for url, rel in re.findall(r'<([^>]+)>;rel="([a-z]+)"', header)}


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[RunningServer, ManualClock]]:
    """A read-only server for the module."""
    with running("servicenow", "demo-snow") as pair:
        yield pair


@pytest.fixture
def fresh() -> Iterator[tuple[RunningServer, ManualClock]]:
    """A server of its own, for tests that write."""
    with running("servicenow", "demo-snow") as pair:
        yield pair


def _sn(server: RunningServer) -> httpx.Client:
    c = client(server)
    c.headers["Accept"] = "application/json"
    return c


def test_offset_paging_with_link_headers_returns_every_row_once(shared) -> None:
    server, _ = shared
    with _sn(server) as c:
        responses: list[httpx.Response] = []

        def first() -> httpx.Response:
            responses.append(
                c.get(INCIDENTS, params={"sysparm_query": WATERMARK, "sysparm_limit": 9})
            )
            return responses[-1]

        def following(page: dict[str, Any]) -> httpx.Response | None:
            nxt = _links(responses[-1].headers.get("link")).get("next")
            if nxt is None:
                return None
            responses.append(c.get(nxt))
            return responses[-1]

        pages = walk(first, following)
    got = [r["number"] for p in pages for r in p["result"]]
    expected = [
        i["number"]
        for i in sorted(_incidents(), key=lambda i: i["sys_updated_on"])
        if i["sys_updated_on"] >= "2026-11-10 00:00:00"
    ]
    assert got == expected
    assert len(got) == len(set(got)) > 9
    assert {r.headers["x-total-count"] for r in responses} == {str(len(expected))}
    first_links = _links(responses[0].headers["link"])
    assert set(first_links) == {"first", "next", "last"}
    assert "sysparm_offset=9" in first_links["next"]
    assert set(_links(responses[-1].headers["link"])) == {"first", "prev", "last"}


def test_single_page_has_no_link_header_and_values_are_strings(shared) -> None:
    server, _ = shared
    with _sn(server) as c:
        response = c.get(INCIDENTS, params={"sysparm_limit": 1000})
    assert "link" not in response.headers
    rows = response.json()["result"]
    assert len(rows) == 100
    for row in rows:
        for key, value in row.items():
            assert isinstance(value, str) or set(value) == {"link", "value"}, (key, value)


def test_encoded_query_subset(shared) -> None:
    server, _ = shared
    incidents = _incidents()
    sample = incidents[7]
    with _sn(server) as c:

        def numbers(query: str) -> list[str]:
            response = c.get(INCIDENTS, params={"sysparm_query": query, "sysparm_fields": "number"})
            assert response.status_code == 200, response.text
            return [r["number"] for r in response.json()["result"]]

        assert numbers(f"number={sample['number']}") == [sample["number"]]
        assert numbers("stateIN6,7^ORDERBYnumber") == sorted(
            i["number"] for i in incidents if i["state"] in ("6", "7")
        )
        assert numbers("priority=1^ORstate=8^ORDERBYDESCnumber") == sorted(
            (i["number"] for i in incidents if i["priority"] == "1" or i["state"] == "8"),
            reverse=True,
        )
        assert numbers("active=true^assigned_toISEMPTY^ORDERBYnumber") == sorted(
            i["number"] for i in incidents if i["active"] == "true" and i["assigned_to"] == ""
        )
        assert numbers(
            "sys_updated_on>=javascript:gs.dateGenerate('2026-11-19','00:00:00')^ORDERBYnumber"
        ) == sorted(i["number"] for i in incidents if i["sys_updated_on"] >= "2026-11-19 00:00:00")
        # An unknown field is ignored (the query widens), as on an instance.
        assert len(numbers("no_such_field=1")) == 100


def test_unknown_fields_give_no_rows_when_the_instance_says_so(fresh) -> None:
    server, _ = fresh
    server.app.invalid_query_returns_no_rows = True
    with _sn(server) as c:
        response = c.get(INCIDENTS, params={"sysparm_query": "no_such_field=1"})
    assert response.json() == {"result": []}
    assert response.headers["x-total-count"] == "0"


def test_journal_and_task_sla_by_task(shared) -> None:
    server, _ = shared
    raw = next(r for r in account("demo-snow") if r.sla and len(r.comments) > 2)
    with _sn(server) as c:
        journal = c.get(
            "/api/now/table/sys_journal_field",
            params={
                "sysparm_query": f"element_id={raw.remote_id}^elementINwork_notes,comments"
                "^ORDERBYsys_created_on"
            },
        ).json()["result"]
        slas = c.get(
            "/api/now/table/task_sla", params={"sysparm_query": f"task={raw.remote_id}"}
        ).json()["result"]
        walked = c.get(
            "/api/now/table/task_sla",
            params={"sysparm_query": f"task.number={raw.ticket['number']}"},
        ).json()["result"]
    assert journal == sorted(raw.comments, key=lambda r: r["sys_created_on"])
    assert slas == raw.sla
    assert walked == raw.sla


def test_display_values_and_reference_links(shared) -> None:
    server, _ = shared
    raw = next(r for r in account("demo-snow") if r.ticket["assigned_to"])
    users = {u["sys_id"]: u for u in account("demo-snow").directory["sys_user"]}
    assignee = users[raw.ticket["assigned_to"]["value"]]
    fields = "number,state,assigned_to,assigned_to.name"
    with _sn(server) as c:
        shown = c.get(
            f"{INCIDENTS}/{raw.remote_id}",
            params={"sysparm_display_value": "true", "sysparm_fields": fields},
        ).json()["result"]
        both = c.get(
            f"{INCIDENTS}/{raw.remote_id}",
            params={"sysparm_display_value": "all", "sysparm_fields": "state,assigned_to"},
        ).json()["result"]
        bare = c.get(
            f"{INCIDENTS}/{raw.remote_id}",
            params={"sysparm_exclude_reference_link": "true", "sysparm_fields": "assigned_to"},
        ).json()["result"]
    states = {"1": "New", "2": "In Progress", "3": "On Hold", "6": "Resolved", "7": "Closed"}
    states["8"] = "Canceled"
    assert shown["state"] == states[raw.ticket["state"]]
    assert shown["assigned_to"] == {
        "display_value": assignee["name"],
        "link": raw.ticket["assigned_to"]["link"],
    }
    assert shown["assigned_to.name"] == assignee["name"]
    assert both["state"] == {
        "display_value": states[raw.ticket["state"]],
        "value": raw.ticket["state"],
    }
    assert both["assigned_to"]["value"] == assignee["sys_id"]
    assert bare == {"assigned_to": assignee["sys_id"]}


def test_patch_work_notes_creates_a_journal_row_and_bumps_the_record(fresh) -> None:
    server, clock = fresh
    raw = next(r for r in account("demo-snow") if r.ticket["state"] == "2")
    clock.advance(45)
    with _sn(server) as c:
        reply = c.patch(
            f"{INCIDENTS}/{raw.remote_id}",
            json={"work_notes": "Escalated to identity team.", "urgency": "1", "impact": "1"},
        )
        journal = c.get(
            "/api/now/table/sys_journal_field",
            params={"sysparm_query": f"element_id={raw.remote_id}^ORDERBYsys_created_on"},
        ).json()["result"]
        changed = c.get(
            INCIDENTS, params={"sysparm_query": "sys_updated_on>=2026-11-20 14:30:45"}
        ).json()["result"]
    assert reply.status_code == 200
    result = reply.json()["result"]
    assert result["work_notes"] == "" and result["comments"] == ""
    assert result["sys_updated_on"] == "2026-11-20 14:30:45"
    assert result["sys_mod_count"] == str(int(raw.ticket["sys_mod_count"]) + 1)
    assert result["sys_updated_by"] == "maya.lindqvist"
    assert (result["impact"], result["urgency"], result["priority"]) == ("1", "1", "1")
    note = journal[-1]
    assert {k: note[k] for k in ("element", "element_id", "name", "value", "sys_created_by")} == {
        "element": "work_notes",
        "element_id": raw.remote_id,
        "name": "incident",
        "value": "Escalated to identity team.",
        "sys_created_by": "maya.lindqvist",
    }
    assert note["sys_created_on"] == "2026-11-20 14:30:45"
    assert len(journal) == len(raw.comments) + 1
    assert [r["sys_id"] for r in changed] == [raw.remote_id]


def test_state_comments_and_assignment_by_display_value(fresh) -> None:
    server, _ = fresh
    raw = next(r for r in account("demo-snow") if r.ticket["state"] == "1")
    with _sn(server) as c:
        reply = c.patch(
            f"{INCIDENTS}/{raw.remote_id}",
            params={"sysparm_input_display_value": "true"},
            json={"state": "6", "comments": "Fixed, please confirm.", "assigned_to": "Tobias Wren"},
        )
        journal = server.app.journal(raw.remote_id)
    result = reply.json()["result"]
    tobias = next(
        u for u in account("demo-snow").directory["sys_user"] if u["name"] == "Tobias Wren"
    )
    assert result["state"] == "6" and result["incident_state"] == "6"
    assert result["resolved_at"] == "2026-11-20 14:30:00"
    assert result["assigned_to"]["value"] == tobias["sys_id"]
    assert (journal[-1]["element"], journal[-1]["value"]) == ("comments", "Fixed, please confirm.")


def test_rows_shift_between_offset_pages_when_records_change(fresh) -> None:
    server, clock = fresh
    query = {"sysparm_query": WATERMARK, "sysparm_limit": 5, "sysparm_fields": "sys_id,number"}
    with _sn(server) as c:
        first = c.get(INCIDENTS, params=query).json()["result"]
        clock.advance(10)
        c.patch(f"{INCIDENTS}/{first[0]['sys_id']}", json={"work_notes": "moved"})
        second = c.get(INCIDENTS, params={**query, "sysparm_offset": 5}).json()["result"]
        unmoved = c.get(INCIDENTS, params={**query, "sysparm_offset": 4}).json()["result"]
    # The updated row jumped to the end: what was row 6 is now row 5, and offset 5 skips it.
    assert second[0]["number"] != unmoved[0]["number"]
    assert unmoved[0]["number"] not in [r["number"] for r in first + second]


def test_errors_and_auth(shared) -> None:
    server, _ = shared
    url = server.base_url
    with _sn(server) as c:
        bad_table = c.get("/api/now/table/incidentx")
        missing = c.get(f"{INCIDENTS}/0123456789abcdef0123456789abcdef")
        v1_empty = c.get("/api/now/v1/table/incident", params={"sysparm_query": "number=NONE"})
        v2_empty = c.get("/api/now/v2/table/incident", params={"sysparm_query": "number=NONE"})
        not_json = c.patch(
            f"{INCIDENTS}/{_incidents()[0]['sys_id']}",
            content=b"{oops",
            headers={"Content-Type": "application/json"},
        )
        readonly = c.patch(
            f"/api/now/table/sys_user/{account('demo-snow').directory['sys_user'][0]['sys_id']}",
            json={"name": "x"},
        )
    no_accept = httpx.get(
        f"{url}{INCIDENTS}", auth=server.credentials.basic_auth(), headers={"Accept": ""}
    )
    anonymous = httpx.get(f"{url}{INCIDENTS}", headers={"Accept": "application/json"})
    bearer = httpx.get(
        f"{url}{INCIDENTS}",
        params={"sysparm_limit": 1},
        headers={
            "Accept": "application/json",
            "Authorization": "Bearer sandbox-servicenow-oauth-token",
        },
    )
    assert bad_table.status_code == 400
    assert bad_table.json() == {
        "error": {"message": "Invalid table incidentx", "detail": None},
        "status": "failure",
    }
    assert missing.status_code == 404
    assert missing.json() == {
        "error": {
            "message": "No Record found",
            "detail": "Record doesn't exist or ACL restricts the record retrieval",
        },
        "status": "failure",
    }
    assert v1_empty.status_code == 404 and v2_empty.json() == {"result": []}
    assert not_json.status_code == 400
    assert not_json.json()["error"]["detail"] == "The payload is not valid JSON."
    assert readonly.status_code == 403
    assert no_accept.status_code == 400
    assert anonymous.status_code == 401
    assert anonymous.json() == {
        "error": {
            "message": "User Not Authenticated",
            "detail": "Required to provide Auth information",
        },
        "status": "failure",
    }
    assert bearer.status_code == 200
    for response in (bad_table, anonymous, bearer):
        assert response.headers["X-RateLimit-Limit"] == "5000"
        assert response.headers["X-RateLimit-Rule"]
        assert int(response.headers["X-RateLimit-Reset"]) > 1_795_000_000
