"""What the sandbox *servers* send must match what the vendors send.

``test_spec_conformance.py`` checks the generated records; this module checks whole responses —
envelopes, pagination keys, error bodies, headers — against the vendors' own material in
``tests/fixtures/specs`` (recorded Zendesk responses, the Jira platform and JSM OpenAPI schemas,
ServiceNow's documentation pages). If a connector and the sandbox ever agreed on a shape the
vendor does not send, one of these fails.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import httpx
import pytest

from queuebench.sandbox.server import ManualClock, RunningServer
from tests.sandbox import spec_support as specs
from tests.sandbox.server_support import account, client, running

INCREMENTAL = "TicketsIncrementalTest.test_get_values.json"
PAGINATION = "TestTicketsPagination.test_values.json"
UPDATE = "TestTicketCreateUpdateDelete.test_single_object_update-update-single.json"
NOT_FOUND = (
    "TestTicketCreateUpdateDelete.test_single_update_raises_recordnotfoundexception-"
    "recordnotfound-update.json"
)


def _recorded_headers(name: str) -> list[dict[str, list[str]]]:
    cassette = json.loads((specs.SPECS / "zendesk" / name).read_text(encoding="utf-8"))
    return [i["response"]["headers"] for i in cassette["http_interactions"]]


@cache
def _schemas(*names: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for name in names:
        merged.update(specs.openapi_schemas(name))
    return merged


PLATFORM = ("spec_jira_platform.schemas.json", "spec_jira_platform_server.schemas.json")
SERVICE_DESK = (
    "spec_service_management.schemas.json",
    "spec_service_management_server.schemas.json",
)


def _conforms(value: Any, schema: str, spec: tuple[str, ...]) -> None:
    schemas = _schemas(*spec)
    problems = specs.check_schema(value, schemas[schema], schemas, schema)
    assert not problems, problems[:5]


# --- Zendesk ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zendesk() -> Iterator[tuple[RunningServer, ManualClock]]:
    with running("zendesk", "demo-zendesk") as (server, clock):
        clock.advance(120)
        yield server, clock


def test_zendesk_export_pages_have_the_recorded_keys(zendesk) -> None:
    server, _ = zendesk
    time_based, cursor_based = specs.zendesk_recorded_bodies(INCREMENTAL)[:2]
    with client(server) as c:
        cursor_page = c.get(
            "/api/v2/incremental/tickets/cursor.json", params={"start_time": 0, "per_page": 5}
        )
        time_page = c.get(
            "/api/v2/incremental/tickets.json", params={"start_time": 0, "per_page": 5}
        )
    assert set(cursor_page.json()) == set(cursor_based)
    assert set(time_page.json()) == set(time_based)
    recorded_ticket = set(cursor_based["tickets"][0])
    recorded_any = set().union(*(set(t) for t in specs.zendesk_recorded_tickets()))
    for ticket in cursor_page.json()["tickets"] + time_page.json()["tickets"]:
        assert recorded_ticket <= set(ticket)
        assert set(ticket) <= recorded_any
    # The decoded cursor has the recorded layout.
    import base64

    recorded_cursor = base64.b64decode(cursor_based["after_cursor"]).decode()
    ours = base64.b64decode(cursor_page.json()["after_cursor"]).decode()
    shape = re.compile(r"^\d+\.0\|\|\d+\|$")
    assert shape.match(recorded_cursor) and shape.match(ours)


def test_zendesk_headers_match_the_recorded_responses(zendesk) -> None:
    server, _ = zendesk
    recorded = {k.lower() for k in _recorded_headers(INCREMENTAL)[1]}
    with client(server) as c:
        response = c.get("/api/v2/incremental/tickets/cursor.json", params={"start_time": 0})
    ours = set(response.headers)
    rate = {"x-rate-limit", "x-rate-limit-remaining", "ratelimit-limit", "ratelimit-remaining"}
    rate.add("ratelimit-reset")
    assert rate <= recorded and rate <= ours
    assert response.headers["content-type"] == _recorded_headers(INCREMENTAL)[1]["Content-Type"][0]


def test_zendesk_list_envelopes_match_the_recorded_cursor_and_offset_pages(zendesk) -> None:
    server, _ = zendesk
    bodies = specs.zendesk_recorded_bodies(PAGINATION)
    cursor = next(b for b in bodies if "meta" in b)
    offset = next(b for b in bodies if "next_page" in b)
    with client(server) as c:
        comments_cursor = c.get("/api/v2/tickets/4001/comments.json", params={"page[size]": 2})
        comments_offset = c.get("/api/v2/tickets/4001/comments.json")
        tickets_cursor = c.get("/api/v2/tickets.json", params={"page[size]": 2})
    renamed = {("comments" if k == "tickets" else k) for k in cursor}
    assert set(comments_cursor.json()) == renamed
    assert set(tickets_cursor.json()) == set(cursor)
    for page in (comments_cursor.json(), tickets_cursor.json()):
        assert set(page["meta"]) == set(cursor["meta"])
        assert set(page["links"]) == set(cursor["links"])
        assert "page%5Bafter%5D=" in page["links"]["next"]
    assert set(comments_offset.json()) == {("comments" if k == "tickets" else k) for k in offset}
    assert "zendesk-ratelimit-tickets-index" in tickets_cursor.headers


def test_zendesk_update_response_matches_the_recorded_put(zendesk) -> None:
    _server, _ = zendesk
    recorded = specs.zendesk_recorded_bodies(UPDATE)[0]
    with running("zendesk", "demo-zendesk") as (own, _), client(own) as c:
        reply = c.put(
            "/api/v2/tickets/4002.json",
            json={"ticket": {"subject": "New subject", "comment": {"body": "x", "public": False}}},
        ).json()
    assert set(reply) == set(recorded)
    assert set(recorded["ticket"]) <= set(reply["ticket"])
    assert "generated_timestamp" not in reply["ticket"]
    audit, recorded_audit = reply["audit"], recorded["audit"]
    assert set(audit) == set(recorded_audit)
    assert set(audit["metadata"]) == set(recorded_audit["metadata"])
    assert set(audit["metadata"]["system"]) <= set(recorded_audit["metadata"]["system"])
    assert audit["via"] == recorded_audit["via"]
    change = next(e for e in audit["events"] if e["type"] == "Change")
    assert set(change) == set(recorded_audit["events"][0])
    comment = next(e for e in audit["events"] if e["type"] == "Comment")
    recorded_comment_keys = set().union(*(set(c) for c in specs.zendesk_recorded_comments()))
    assert set(comment) <= recorded_comment_keys


def test_zendesk_not_found_body_is_the_recorded_one(zendesk) -> None:
    server, _ = zendesk
    recorded = specs.zendesk_recorded_bodies(NOT_FOUND)[0]
    with client(server) as c:
        put = c.put("/api/v2/tickets/9223372036854775807.json", json={"ticket": {"subject": "x"}})
        get = c.get("/api/v2/tickets/1.json")
    assert put.status_code == get.status_code == 404
    assert put.json() == get.json() == recorded


def test_zendesk_sideloaded_users_use_documented_keys(zendesk) -> None:
    server, _ = zendesk
    user_keys = specs.yaml_example_item_keys(
        "incremental-openapi-original.yml", "TimeBasedExportIncrementalUsersResponse", "users"
    )
    with client(server) as c:
        page = c.get(
            "/api/v2/incremental/tickets/cursor.json",
            params={"start_time": 0, "include": "users,organizations"},
        ).json()
    assert page["users"]
    for user in page["users"]:
        assert set(user) <= user_keys


# --- JSM ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def jsm() -> Iterator[tuple[RunningServer, ManualClock]]:
    with running("jsm", "demo-jsm") as pair:
        yield pair


def test_jsm_search_pages_are_search_and_reconcile_results(jsm) -> None:
    server, _ = jsm
    jql = "project = SUP ORDER BY updated ASC, key ASC"
    with client(server) as c:
        first = c.post(
            "/rest/api/3/search/jql", json={"jql": jql, "fields": ["*all"], "maxResults": 100}
        ).json()
        last = c.post(
            "/rest/api/3/search/jql",
            json={"jql": jql, "fields": ["*all"], "nextPageToken": first["nextPageToken"]},
        ).json()
        ids = c.get("/rest/api/3/search/jql", params={"jql": jql, "maxResults": 5}).json()
    for page in (first, last, ids):
        _conforms(page, "SearchAndReconcileResults", PLATFORM)
    assert "nextPageToken" not in last and last["isLast"] is True
    assert set(first["issues"][0]["fields"]) == set(account("demo-jsm").ticket(0).ticket["fields"])


def test_jsm_issue_transitions_myself_and_errors_match_the_platform_schemas(jsm) -> None:
    server, _ = jsm
    with client(server) as c:
        issue = c.get("/rest/api/3/issue/SUP-4").json()
        transitions = c.get("/rest/api/3/issue/SUP-4/transitions").json()
        me = c.get("/rest/api/3/myself").json()
        bad_jql = c.get("/rest/api/3/search/jql", params={"jql": "project = NOPE"})
        missing = c.get("/rest/api/3/issue/SUP-99999")
    unauthenticated = httpx.get(f"{server.base_url}/rest/api/3/myself")
    _conforms(issue, "IssueBean", PLATFORM)
    _conforms(transitions, "Transitions", PLATFORM)
    assert transitions["transitions"]
    _conforms(me, "User", PLATFORM)
    for response in (bad_jql, missing, unauthenticated):
        _conforms(response.json(), "ErrorCollection", PLATFORM)


def test_jsm_servicedeskapi_pages_and_errors_match_the_jsm_schemas(jsm) -> None:
    _server, _clock = jsm
    raw = next(r for r in account("demo-jsm") if r.sla and len(r.comments) > 2)
    key = raw.ticket["key"]
    with running("jsm", "demo-jsm") as (own, own_clock):
        own_clock.advance(3600)
        with client(own) as c:
            comments = c.get(f"/rest/servicedeskapi/request/{key}/comment", params={"limit": 2})
            slas = c.get(f"/rest/servicedeskapi/request/{key}/sla")
            desks = c.get("/rest/servicedeskapi/servicedesk")
            created = c.post(
                f"/rest/servicedeskapi/request/{key}/comment", json={"body": "n", "public": False}
            )
            no_public = c.post(f"/rest/servicedeskapi/request/{key}/comment", json={"body": "n"})
            missing = c.get("/rest/servicedeskapi/request/SUP-99999/sla")
    _conforms(comments.json(), "PagedDTOCommentDTO", SERVICE_DESK)
    assert comments.json()["_links"]["next"].startswith(own.base_url)
    _conforms(slas.json(), "PagedDTOSlaInformationDTO", SERVICE_DESK)
    _conforms(desks.json(), "PagedDTOServiceDeskDTO", SERVICE_DESK)
    _conforms(created.json(), "CommentDTO", SERVICE_DESK)
    dto = specs.openapi_schemas("spec_service_management.schemas.json")["DateDTO"]
    assert set(created.json()["created"]) == set(dto["properties"])
    for response in (no_public, missing):
        _conforms(response.json(), "ErrorResponse", SERVICE_DESK)
        assert set(response.json()) == {"errorMessage", "i18nErrorMessage"}


# --- ServiceNow ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def snow() -> Iterator[tuple[RunningServer, ManualClock]]:
    with running("servicenow", "demo-snow") as pair:
        yield pair


def _sn(server: RunningServer) -> httpx.Client:
    c = client(server)
    c.headers["Accept"] = "application/json"
    return c


def test_servicenow_result_envelope_and_documented_incident_keys(snow) -> None:
    server, _ = snow
    documented = set().union(*(set(r) for r in specs.servicenow_doc_incidents()))
    with _sn(server) as c:
        listed = c.get("/api/now/table/incident", params={"sysparm_limit": 20})
        one = c.get(f"/api/now/table/incident/{listed.json()['result'][0]['sys_id']}")
    assert set(listed.json()) == {"result"} and set(one.json()) == {"result"}
    for row in [*listed.json()["result"], one.json()["result"]]:
        assert set(row) <= documented, sorted(set(row) - documented)
        for key, value in row.items():
            assert isinstance(value, str) or (
                isinstance(value, dict) and set(value) == {"link", "value"}
            ), (key, value)


def test_servicenow_link_header_follows_the_documented_layout(snow) -> None:
    server, _ = snow
    with _sn(server) as c:
        middle = c.get(
            "/api/now/table/incident", params={"sysparm_limit": 10, "sysparm_offset": 40}
        )
    links = re.findall(r"<([^>]+)>;rel=\"([a-z]+)\"", middle.headers["link"])
    assert [rel for _, rel in links] == ["next", "prev", "first", "last"]
    documented = re.compile(r"[?&]sysparm_offset=\d+&sysparm_limit=\d+$")
    assert all(documented.search(url) for url, _ in links)
    assert dict((rel, url) for url, rel in links)["last"].endswith(
        "sysparm_offset=90&sysparm_limit=10"
    )
    assert middle.headers["x-total-count"] == "100"


def test_servicenow_journal_rows_have_the_recorded_keys_even_when_written(snow) -> None:
    _server, _ = snow
    recorded = json.loads(
        (specs.SPECS / "servicenow" / "recorded_sys_journal_field.json").read_text("utf-8")
    )["result"][0]
    incident = account("demo-snow").ticket(3).remote_id
    with running("servicenow", "demo-snow") as (own, _), _sn(own) as c:
        c.patch(f"/api/now/table/incident/{incident}", json={"work_notes": "checked"})
        rows = c.get(
            "/api/now/table/sys_journal_field",
            params={"sysparm_query": f"element_id={incident}"},
        ).json()["result"]
    assert rows[-1]["value"] == "checked"
    for row in rows:
        assert set(row) == set(recorded)
        assert all(isinstance(v, str) for v in row.values())


def test_servicenow_error_bodies_have_the_documented_envelope(snow) -> None:
    _server, _ = snow
    documented = next(
        b
        for b in specs.servicenow_doc_json_blocks("inbound-REST-API-rate-limiting.md")
        if "error" in b
    )
    with running("servicenow", "demo-snow") as (own, _):
        own.faults.add("rate_limit", retry_after=7)
        with _sn(own) as c:
            throttled = c.get("/api/now/table/incident")
            missing = c.get("/api/now/table/incident/0123456789abcdef0123456789abcdef")
        unauthenticated = httpx.get(
            f"{own.base_url}/api/now/table/incident", headers={"Accept": "application/json"}
        )
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    assert throttled.json()["error"]["message"] == documented["error"]["message"]
    assert re.fullmatch(
        r"Rate limit of \d+ requests per hour for Table API exceeded",
        throttled.json()["error"]["detail"],
    )
    for response in (throttled, missing, unauthenticated):
        body = response.json()
        assert set(body) == set(documented) == {"error", "status"}
        assert set(body["error"]) == set(documented["error"])
        assert body["status"] == documented["status"] == "failure"
    for header in ("X-RateLimit-Limit", "X-RateLimit-Reset", "X-RateLimit-Rule"):
        assert header in throttled.headers


def test_servicenow_task_sla_stages_are_documented(snow) -> None:
    server, _ = snow
    stages = specs.servicenow_task_sla_stages()
    with _sn(server) as c:
        rows = c.get("/api/now/table/task_sla").json()["result"]
    assert rows and {r["stage"] for r in rows} <= stages
