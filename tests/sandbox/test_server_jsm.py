"""The JSM sandbox server: enhanced JQL search, servicedeskapi comments and SLAs, writes, auth."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from queuebench.sandbox.server import ManualClock, RunningServer
from tests.sandbox.server_support import NOW, account, client, running, walk

SEARCH = "/rest/api/3/search/jql"
ORDERED = "project = SUP ORDER BY updated ASC, key ASC"


def _issues() -> list[dict[str, Any]]:
    return [raw.ticket for raw in account("demo-jsm")]


def _ms(stamp: str) -> int:
    return int(datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000)


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[RunningServer, ManualClock]]:
    """A read-only server for the module."""
    with running("jsm", "demo-jsm") as pair:
        yield pair


@pytest.fixture
def fresh() -> Iterator[tuple[RunningServer, ManualClock]]:
    """A server of its own, for tests that write."""
    with running("jsm", "demo-jsm") as pair:
        yield pair


def _search_all(c: httpx.Client, jql: str, *, post: bool, **extra: Any) -> list[dict[str, Any]]:
    def request(token: str | None) -> httpx.Response:
        if post:
            body = {"jql": jql, **extra}
            if token:
                body["nextPageToken"] = token
            return c.post(SEARCH, json=body)
        params = {"jql": jql, **extra}
        if token:
            params["nextPageToken"] = token
        return c.get(SEARCH, params=params)

    return walk(
        lambda: request(None),
        lambda page: request(page["nextPageToken"]) if "nextPageToken" in page else None,
    )


@pytest.mark.parametrize("post", [False, True], ids=["GET", "POST"])
def test_search_pages_return_every_issue_once_in_jql_order(shared, post: bool) -> None:
    server, _ = shared
    fields: Any = ["updated"] if post else "updated"
    with client(server) as c:
        pages = _search_all(c, ORDERED, post=post, maxResults=17, fields=fields)
    keys = [i["key"] for p in pages for i in p["issues"]]
    expected = sorted(_issues(), key=lambda i: (_ms(i["fields"]["updated"]), int(i["id"])))
    assert keys == [i["key"] for i in expected]
    assert len(keys) == len(set(keys)) == 120
    assert [len(p["issues"]) for p in pages] == [17] * 7 + [1]
    assert all(p["isLast"] is False and "nextPageToken" in p for p in pages[:-1])
    assert pages[-1]["isLast"] is True and "nextPageToken" not in pages[-1]
    assert set(pages[0]["issues"][0]) == {"expand", "id", "self", "key", "fields"}
    assert set(pages[0]["issues"][0]["fields"]) == {"updated"}


def test_default_fields_are_ids_only(shared) -> None:
    server, _ = shared
    with client(server) as c:
        page = c.get(SEARCH, params={"jql": ORDERED, "maxResults": 3}).json()
    assert page["issues"] == [
        {"id": i["id"]}
        for i in sorted(_issues(), key=lambda i: (_ms(i["fields"]["updated"]), int(i["id"])))[:3]
    ]


def test_updated_literal_is_read_in_the_api_users_time_zone(shared) -> None:
    server, _ = shared
    zone = ZoneInfo("Asia/Singapore")  # Maya's profile zone, shown by /myself
    cut = NOW - timedelta(days=3)
    literal = cut.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    jql = f'project = SUP AND updated >= "{literal}" ORDER BY updated ASC, key ASC'
    with client(server) as c:
        me = c.get("/rest/api/3/myself").json()
        pages = _search_all(c, jql, post=True, fields=["updated"], maxResults=100)
    bound = int(cut.replace(second=0).timestamp()) * 1000
    expected = [
        i["key"]
        for i in sorted(_issues(), key=lambda i: (_ms(i["fields"]["updated"]), int(i["id"])))
        if _ms(i["fields"]["updated"]) >= bound
    ]
    assert me["timeZone"] == "Asia/Singapore"
    assert [i["key"] for p in pages for i in p["issues"]] == expected
    assert 0 < len(expected) < 120


def test_key_in_and_status_filters(shared) -> None:
    server, _ = shared
    with client(server) as c:
        by_key = c.get(SEARCH, params={"jql": "key in (SUP-3, SUP-1) ORDER BY key ASC"}).json()
        resolved = c.get(
            SEARCH,
            params={
                "jql": "project = SUP AND status = Resolved ORDER BY key DESC",
                "maxResults": 100,
                "fields": "status",
            },
        ).json()
    assert [i["id"] for i in by_key["issues"]] == ["10001", "10003"]
    expected = sorted(
        (i["key"] for i in _issues() if i["fields"]["status"]["name"] == "Resolved"),
        key=lambda k: -int(k.split("-")[1]),
    )
    assert [i["key"] for i in resolved["issues"]] == expected


def test_jql_errors_are_400_error_collections(shared) -> None:
    server, _ = shared
    cases = {
        "project = NOPE": "The value 'NOPE' does not exist for the field 'project'.",
        "ORDER BY key": "Unbounded JQL queries are not allowed here. Please add a search "
        "restriction to your query.",
        "flavour = sweet": "Field 'flavour' does not exist or you do not have permission to "
        "view it.",
        'updated >= "yesterday"': "Date value 'yesterday' for field 'updated' is invalid. Valid "
        "formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or "
        "a period format e.g. '-5d', '4w 2d'.",
    }
    with client(server) as c:
        for jql, message in cases.items():
            response = c.get(SEARCH, params={"jql": jql})
            assert response.status_code == 400, jql
            assert response.json() == {"errorMessages": [message], "errors": {}}


def test_page_token_is_bound_to_its_query_and_expires(fresh) -> None:
    server, clock = fresh
    with client(server) as c:
        first = c.get(SEARCH, params={"jql": ORDERED, "maxResults": 10}).json()
        token = first["nextPageToken"]
        other_query = c.get(SEARCH, params={"jql": "project = SUP", "nextPageToken": token})
        garbage = c.get(SEARCH, params={"jql": ORDERED, "nextPageToken": "garbage!"})
        clock.advance(timedelta(days=7, seconds=1).total_seconds())
        expired = c.get(SEARCH, params={"jql": ORDERED, "nextPageToken": token})
    for response in (other_query, garbage, expired):
        assert response.status_code == 400
        assert response.json()["errorMessages"] == [
            "The provided next page token is invalid or expired."
        ]


def test_issue_updated_between_pages_is_returned_again_not_skipped(fresh) -> None:
    server, clock = fresh
    with client(server) as c:
        first = c.post(
            SEARCH, json={"jql": ORDERED, "maxResults": 10, "fields": ["updated"]}
        ).json()
        moved = first["issues"][0]["key"]
        clock.advance(60)
        c.post(
            f"/rest/servicedeskapi/request/{moved}/comment",
            json={"body": "Working on it.", "public": True},
        )
        rest = walk(
            lambda: c.post(
                SEARCH,
                json={
                    "jql": ORDERED,
                    "maxResults": 50,
                    "fields": ["updated"],
                    "nextPageToken": first["nextPageToken"],
                },
            ),
            lambda page: (
                c.post(
                    SEARCH,
                    json={
                        "jql": ORDERED,
                        "maxResults": 50,
                        "fields": ["updated"],
                        "nextPageToken": page["nextPageToken"],
                    },
                )
                if "nextPageToken" in page
                else None
            ),
        )
    tail = [i for p in rest for i in p["issues"]]
    assert tail[-1]["key"] == moved
    assert tail[-1]["fields"]["updated"] == "2026-11-20T14:31:00.000+0000"
    assert len(tail) == 111


def test_removed_search_endpoint_is_gone(shared) -> None:
    server, _ = shared
    with client(server) as c:
        response = c.get("/rest/api/3/search", params={"jql": ORDERED})
    assert response.status_code == 410
    assert "search/jql" in response.json()["errorMessages"][0]


# --- servicedeskapi ---------------------------------------------------------------------------


def test_comment_filters_and_paged_envelope(shared) -> None:
    server, _ = shared
    raw = account("demo-jsm").ticket(0)
    internal_ids = [c["id"] for c in raw.comments if not c["public"]]
    public_ids = [c["id"] for c in raw.comments if c["public"]]
    base = f"/rest/servicedeskapi/request/{raw.ticket['key']}/comment"
    with client(server) as c:
        internal = c.get(base, params={"public": "false"}).json()
        public = c.get(base, params={"internal": "false"}).json()
        paged = walk(
            lambda: c.get(base, params={"limit": 1}),
            lambda page: None if page["isLastPage"] else c.get(page["_links"]["next"]),
        )
    assert [v["id"] for v in internal["values"]] == internal_ids
    assert [v["id"] for v in public["values"]] == public_ids
    assert [v["id"] for p in paged for v in p["values"]] == [c["id"] for c in raw.comments]
    assert [p["start"] for p in paged] == list(range(len(raw.comments)))
    assert internal["_links"]["base"] == server.base_url


def test_internal_comment_post_and_public_is_required(fresh) -> None:
    server, clock = fresh
    clock.advance(90)
    with client(server) as c:
        missing = c.post("/rest/servicedeskapi/request/SUP-2/comment", json={"body": "hi"})
        created = c.post(
            "/rest/servicedeskapi/request/SUP-2/comment",
            json={"body": "Internal: checked IdP logs.", "public": False},
        )
        issue = c.get("/rest/api/3/issue/SUP-2", params={"fields": "updated"}).json()
        listed = c.get("/rest/servicedeskapi/request/SUP-2/comment", params={"public": "false"})
    assert missing.status_code == 400
    assert set(missing.json()) == {"errorMessage", "i18nErrorMessage"}
    assert created.status_code == 201
    comment = created.json()
    assert (comment["body"], comment["public"]) == ("Internal: checked IdP logs.", False)
    assert comment["author"]["displayName"] == "Maya Lindqvist"
    assert comment["created"]["iso8601"] == "2026-11-20T14:31:30+0000"
    assert issue["fields"]["updated"] == "2026-11-20T14:31:30.000+0000"
    assert listed.json()["values"][-1]["id"] == comment["id"]


def test_sla_cycles_advance_with_the_server_clock(fresh) -> None:
    server, clock = fresh
    raw = next(
        r
        for r in account("demo-jsm")
        if any(
            "ongoingCycle" in s
            and not s["ongoingCycle"]["paused"]
            and not s["ongoingCycle"]["breached"]
            and s["ongoingCycle"]["remainingTime"]["millis"] > 3_600_000
            for s in r.sla
        )
    )
    before = next(s for s in raw.sla if "ongoingCycle" in s and not s["ongoingCycle"]["breached"])
    clock.advance(1800)
    with client(server) as c:
        page = c.get(f"/rest/servicedeskapi/request/{raw.ticket['key']}/sla").json()
    after = next(v for v in page["values"] if v["id"] == before["id"])["ongoingCycle"]
    cycle = before["ongoingCycle"]
    assert after["elapsedTime"]["millis"] == cycle["elapsedTime"]["millis"] + 1_800_000
    assert after["remainingTime"]["millis"] == cycle["remainingTime"]["millis"] - 1_800_000
    assert after["breached"] is False


# --- platform writes ----------------------------------------------------------------------------


def test_transition_priority_and_assignee(fresh) -> None:
    server, _ = fresh
    issue = next(i for i in _issues() if i["fields"]["status"]["name"] == "In Progress")
    key = issue["key"]
    agent = next(
        u for u in account("demo-jsm").directory["users"] if u["displayName"] == "Tobias Wren"
    )
    with client(server) as c:
        offered = c.get(f"/rest/api/3/issue/{key}/transitions").json()["transitions"]
        resolve = next(t for t in offered if t["to"]["name"] == "Resolved")
        bad = c.post(f"/rest/api/3/issue/{key}/transitions", json={"transition": {"id": "999"}})
        done = c.post(
            f"/rest/api/3/issue/{key}/transitions", json={"transition": {"id": resolve["id"]}}
        )
        prio = c.put(f"/rest/api/3/issue/{key}", json={"fields": {"priority": {"name": "Highest"}}})
        bad_prio = c.put(f"/rest/api/3/issue/{key}", json={"fields": {"priority": {"id": "9"}}})
        assign = c.put(f"/rest/api/3/issue/{key}/assignee", json={"accountId": agent["accountId"]})
        shown = c.get(f"/rest/api/3/issue/{key}").json()["fields"]
        after = c.get(f"/rest/api/3/issue/{key}/transitions").json()["transitions"]
    assert "In Progress" not in [t["to"]["name"] for t in offered]
    assert bad.status_code == 400
    assert bad.json()["errorMessages"] == ["Transition id '999' is not valid for this issue."]
    assert (done.status_code, prio.status_code, assign.status_code) == (204, 204, 204)
    assert bad_prio.status_code == 400
    assert bad_prio.json()["errors"] == {"priority": "Specify a valid 'id' or 'name' for Priority"}
    assert shown["status"]["name"] == "Resolved"
    assert shown["status"]["statusCategory"]["key"] == "done"
    assert shown["resolution"]["name"] == "Done"
    assert shown["priority"]["id"] == "1"
    assert shown["assignee"]["accountId"] == agent["accountId"]
    assert sorted(t["name"] for t in after) == ["Close", "Reopen"]


def test_auth_and_401(shared) -> None:
    server, _ = shared
    url = f"{server.base_url}/rest/api/3/myself"
    ok = httpx.get(url, auth=("maya.lindqvist@acme.example", "sandbox-atlassian-api-token"))
    bearer = httpx.get(url, headers={"Authorization": "Bearer sandbox-atlassian-oauth-token"})
    wrong = httpx.get(url, auth=("maya.lindqvist@acme.example", "nope"))
    sd = httpx.get(f"{server.base_url}/rest/servicedeskapi/request/SUP-1/comment")
    assert ok.status_code == bearer.status_code == 200
    assert wrong.status_code == 401
    assert wrong.headers["X-Seraph-LoginReason"] == "AUTHENTICATED_FAILED"
    assert wrong.json() == {
        "errorMessages": ["Client must be authenticated to access this resource."],
        "errors": {},
    }
    assert sd.status_code == 401
    assert sd.json()["errorMessage"] == "Client must be authenticated to access this resource."
    assert wrong.headers["X-RateLimit-Limit"] == "350"


def test_unknown_issue_is_404_in_each_api_family(shared) -> None:
    server, _ = shared
    with client(server) as c:
        platform = c.get("/rest/api/3/issue/SUP-9999")
        desk = c.get("/rest/servicedeskapi/request/SUP-9999/sla")
    assert platform.status_code == desk.status_code == 404
    assert platform.json() == {
        "errorMessages": ["Issue does not exist or you do not have permission to see it."],
        "errors": {},
    }
    assert set(desk.json()) == {"errorMessage", "i18nErrorMessage"}


# OAuth 2.0 (3LO): accessible-resources and the gateway path --------------------------------

RESOURCES = "/oauth/token/accessible-resources"


def test_accessible_resources_lists_the_site_and_its_cloud_id_for_a_bearer_token(
    shared: tuple[RunningServer, ManualClock],
) -> None:
    server, _ = shared
    with client(server, bearer=True) as c:
        response = c.get(RESOURCES)
    assert response.status_code == 200
    (site,) = response.json()
    assert site["id"] == server.app.cloud_id
    assert site["url"] == "https://acme-support.atlassian.net"
    assert site["name"] == "acme-support"
    assert "read:jira-work" in site["scopes"] and site["avatarUrl"].startswith("https://")
    issued = server.app.issue_tokens()["access_token"]
    with httpx.Client(base_url=server.base_url) as c:
        got = c.get(RESOURCES, headers={"Authorization": f"Bearer {issued}"})
    assert [s["id"] for s in got.json()] == [server.app.cloud_id]


@pytest.mark.parametrize(
    "header",
    [None, "Bearer nope", "basic"],
    ids=["no auth", "bad token", "basic auth"],
)
def test_accessible_resources_refuses_anything_but_a_good_bearer_with_the_gateway_401(
    shared: tuple[RunningServer, ManualClock], header: str | None
) -> None:
    server, _ = shared
    if header == "basic":
        header = server.credentials.headers()["Authorization"]
    headers = {"Authorization": header} if header else {}
    with httpx.Client(base_url=server.base_url) as c:
        response = c.get(RESOURCES, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"code": 401, "message": "Unauthorized"}


def test_the_rest_api_is_served_under_the_gateway_path_of_its_cloud_id_only(
    shared: tuple[RunningServer, ManualClock],
) -> None:
    server, _ = shared
    prefix = f"/ex/jira/{server.app.cloud_id}"
    with client(server, bearer=True) as c:
        me = c.get(prefix + "/rest/api/3/myself")
        key = _issues()[0]["key"]
        comments = c.get(f"{prefix}/rest/servicedeskapi/request/{key}/comment", params={"limit": 1})
        other = c.get("/ex/jira/0000-not-this-site/rest/api/3/myself")
        root = c.get("/rest/api/3/myself")
    assert me.status_code == 200 and me.json() == root.json()
    # Paged links stay under the gateway path the client used.
    assert comments.json()["_links"]["self"].startswith(server.base_url + prefix + "/rest/")
    assert other.status_code == 404
    logged = [e.path for e in server.requests.find(path=prefix + "/rest/api/3/myself")]
    assert logged, "the request log keeps the gateway path as sent"
