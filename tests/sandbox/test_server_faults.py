"""Fault injection, the request log, the control API and the in-process front ends."""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

from queuebench.sandbox.server import (
    LoggedRequest,
    ManualClock,
    RunningServer,
    VendorApp,
    asgi_app,
    make_app,
    transport,
)
from tests.sandbox.server_support import NOW, account, client, running

TICKET = "/api/v2/tickets/4001.json"
EXPORT = "/api/v2/incremental/tickets/cursor.json"


@pytest.fixture
def zd() -> Iterator[RunningServer]:
    """A Zendesk server of its own (faults are per server)."""
    with running("zendesk", "demo-zendesk") as (server, _):
        yield server


def _inprocess(vendor: str, name: str) -> tuple[httpx.Client, VendorApp]:
    app = make_app(vendor, account(name), clock=ManualClock(NOW))
    c = httpx.Client(
        transport=transport(app),
        base_url="https://sandbox.example",
        headers={**app.credentials.headers(), "Accept": "application/json"},
    )
    return c, app


# --- kinds --------------------------------------------------------------------------------------


def test_rate_limit_for_the_next_n_requests(zd: RunningServer) -> None:
    zd.faults.add("rate_limit", path="/api/v2/tickets/*", times=2, retry_after=3)
    with client(zd) as c:
        responses = [c.get(TICKET) for _ in range(3)]
    assert [r.status_code for r in responses] == [429, 429, 200]
    assert responses[0].headers["Retry-After"] == "3"
    assert responses[0].headers["x-rate-limit-remaining"] == "0"
    assert responses[0].json()["error"] == "APIRateLimitExceeded"
    assert [(e.status, e.fault) for e in zd.requests.entries()] == [
        (429, "rate_limit"),
        (429, "rate_limit"),
        (200, None),
    ]


@pytest.mark.parametrize(
    ("vendor", "name", "path", "headers", "body"),
    [
        (
            "jsm",
            "demo-jsm",
            "/rest/api/3/issue/SUP-1",
            {"RateLimit-Reason": "jira-burst-based", "X-RateLimit-Reset": "2026-11-20T14:30Z"},
            {"errorMessages": ["Rate limit exceeded."], "errors": {}},
        ),
        (
            "servicenow",
            "demo-snow",
            "/api/now/table/incident",
            {"X-RateLimit-Limit": "5000"},
            {
                "error": {
                    "message": "Rate limit exceeded",
                    "detail": "Rate limit of 5000 requests per hour for Table API exceeded",
                },
                "status": "failure",
            },
        ),
    ],
)
def test_each_vendor_throttles_in_its_own_shape(
    vendor: str, name: str, path: str, headers: dict[str, str], body: dict[str, Any]
) -> None:
    c, app = _inprocess(vendor, name)
    with c:
        app.faults.add("rate_limit", retry_after=1)
        response = c.get(path)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    for key, value in headers.items():
        assert response.headers[key] == value
    assert response.json() == body


def test_rate_limiter_mode_counts_a_window(zd: RunningServer) -> None:
    zd.faults.add("rate_limit", path=EXPORT, limit=2, window=60, times=None)
    with client(zd) as c:
        statuses = [c.get(EXPORT, params={"start_time": 0}) for _ in range(4)]
        other = c.get(TICKET)
    assert [r.status_code for r in statuses] == [200, 200, 429, 429]
    assert 55 <= int(statuses[2].headers["Retry-After"]) <= 60
    assert other.status_code == 200


def test_server_errors_with_json_and_html_bodies(zd: RunningServer) -> None:
    zd.faults.add("error", status=503, body="html", retry_after=2)
    zd.faults.add("error", status=500)
    with client(zd) as c:
        html = c.get(TICKET)
        plain = c.get(TICKET)
        fine = c.get(TICKET)
    assert html.status_code == 503
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>503 Service Temporarily Unavailable</title>" in html.text
    assert html.headers["Retry-After"] == "2"
    assert plain.status_code == 500
    assert plain.json() == {
        "error": "InternalError",
        "description": "Something went wrong, please try again later.",
    }
    assert fine.status_code == 200


def test_slow_and_drip_deliver_the_normal_body_late(zd: RunningServer) -> None:
    with client(zd) as c:
        normal = c.get(TICKET).content
        zd.faults.add("slow", delay=0.3)
        started = time.monotonic()
        slow = c.get(TICKET)
        slow_took = time.monotonic() - started
        zd.faults.add("drip", chunk=len(normal) // 4 + 1, interval=0.1)
        started = time.monotonic()
        drip = c.get(TICKET)
        drip_took = time.monotonic() - started
    assert slow.content == normal and slow_took >= 0.3
    assert drip.content == normal and drip_took >= 0.4


def test_stall_times_the_client_out_and_the_server_keeps_serving(zd: RunningServer) -> None:
    zd.faults.add("stall", delay=30)
    with client(zd, timeout=0.3) as c:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            c.get(TICKET)
        assert time.monotonic() - started < 5
    with client(zd) as c:
        assert c.get(TICKET).status_code == 200
    assert [e.fault for e in zd.requests.entries()] == ["stall", None]


def test_reset_mid_body_and_before_the_response(zd: RunningServer) -> None:
    zd.faults.add("reset", at=100)
    zd.faults.add("reset", at=-1)
    with client(zd) as c:
        with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
            c.get(TICKET)
        with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
            c.get(TICKET)
        assert c.get(TICKET).status_code == 200


def test_reset_in_process_raises_read_error_while_reading_the_body() -> None:
    c, app = _inprocess("zendesk", "demo-zendesk")
    with c:
        app.faults.add("reset", at=10)
        with c.stream("GET", TICKET) as response:
            assert response.status_code == 200
            with pytest.raises(httpx.ReadError):
                response.read()


@pytest.mark.parametrize(
    ("variant", "check"),
    [
        ("truncated", lambda r, full: full.startswith(r.content) and len(r.content) < len(full)),
        ("invalid_utf8", lambda r, full: b"\xff\xfe" in r.content),
        ("html", lambda r, full: r.headers["content-type"].startswith("text/html")),
        ("empty", lambda r, full: r.content == b""),
        ("garbage", lambda r, full: r.content.startswith(b'{"tickets": [ {"id": 1,,')),
    ],
)
def test_malformed_bodies(zd: RunningServer, variant: str, check: Any) -> None:
    with client(zd) as c:
        full = c.get(TICKET).content
        zd.faults.add("malformed", variant=variant)
        response = c.get(TICKET)
    assert response.status_code == 200
    assert check(response, full)
    with pytest.raises((json.JSONDecodeError, UnicodeDecodeError)):
        json.loads(response.content)


def test_servicenow_error_inside_a_200() -> None:
    c, app = _inprocess("servicenow", "demo-snow")
    with c:
        app.faults.add("malformed", variant="error_in_200")
        response = c.get("/api/now/table/incident")
    assert response.status_code == 200
    assert response.json()["status"] == "failure"
    assert "result" not in response.json()


def test_bad_cursor_and_dropped_headers() -> None:
    c, app = _inprocess("servicenow", "demo-snow")
    with c:
        app.faults.add("drop_header", headers=["Link"])
        dropped = c.get("/api/now/table/incident", params={"sysparm_limit": 10})
        kept = c.get("/api/now/table/incident", params={"sysparm_limit": 10})
    assert "link" not in dropped.headers and dropped.headers["x-total-count"] == "100"
    assert "link" in kept.headers
    c, jsm = _inprocess("jsm", "demo-jsm")
    with c:
        jsm.faults.add("bad_cursor", status=410)
        expired = c.get("/rest/api/3/search/jql", params={"jql": "project = SUP"})
    assert expired.status_code == 410
    assert expired.json()["errorMessages"] == [
        "The provided next page token is invalid or expired."
    ]


# --- selection ----------------------------------------------------------------------------------


def test_probability_is_seeded_and_after_skips_the_first_requests(zd: RunningServer) -> None:
    zd.faults.add("error", status=502, probability=0.3, seed=9, times=None, path=TICKET)
    with client(zd) as c:
        hits = [c.get(TICKET).status_code == 502 for _ in range(20)]
    rng = random.Random(9)
    assert hits == [rng.random() < 0.3 for _ in range(20)]
    assert 0 < sum(hits) < 20
    zd.faults.clear()
    zd.faults.add("error", status=500, after=2, times=1)
    with client(zd) as c:
        statuses = [c.get(TICKET).status_code for _ in range(4)]
    assert statuses == [200, 200, 500, 200]


def test_method_and_path_patterns(zd: RunningServer) -> None:
    zd.faults.add("error", status=503, method="PUT", path="/api/v2/tickets/*", times=None)
    with client(zd) as c:
        read = c.get(TICKET)
        write = c.put(TICKET, json={"ticket": {"priority": "high"}})
        other = c.get("/api/v2/users/me.json")
    assert (read.status_code, write.status_code, other.status_code) == (200, 503, 200)
    assert zd.app.tickets[4001]["priority"] != "high"


# --- request log --------------------------------------------------------------------------------


def _retry_after_violations(entries: list[LoggedRequest], retry: dict[int, int]) -> list[int]:
    """Sequence numbers of requests sent before the previous 429's Retry-After elapsed."""
    bad = []
    for before, after in itertools.pairwise(entries):
        wait = retry.get(before.seq)
        if wait is not None and after.monotonic - before.monotonic < wait:
            bad.append(after.seq)
    return bad


def test_request_log_proves_retry_after_was_honoured(zd: RunningServer) -> None:
    zd.faults.add("rate_limit", retry_after=1, times=1)
    retry: dict[int, int] = {}
    with client(zd) as c:
        for _ in range(3):
            response = c.get(TICKET)
            if response.status_code != 429:
                break
            retry[zd.requests.entries()[-1].seq] = int(response.headers["Retry-After"])
            time.sleep(int(response.headers["Retry-After"]))
    entries = zd.requests.entries()
    assert [e.status for e in entries] == [429, 200]
    assert _retry_after_violations(entries, retry) == []
    # The same check catches an impatient client.
    zd.requests.clear()
    zd.faults.add("rate_limit", retry_after=5, times=1)
    with client(zd) as c:
        c.get(TICKET)
        c.get(TICKET)
    impatient = zd.requests.entries()
    assert _retry_after_violations(impatient, {impatient[0].seq: 5}) == [impatient[1].seq]


def test_request_log_keeps_what_was_sent_but_never_the_secret(zd: RunningServer) -> None:
    zd.clock.advance(42)
    with client(zd) as c:
        c.put(TICKET, params={"x": "1"}, json={"ticket": {"priority": "low"}})
    with client(zd, bearer=True) as c:
        c.get(EXPORT, params={"start_time": 0, "per_page": 5})
    httpx.get(f"{zd.base_url}/__sim/info")
    entries = zd.requests.entries()
    assert [(e.method, e.path) for e in entries] == [("PUT", TICKET), ("GET", EXPORT)]
    put, get = entries
    assert put.query == [("x", "1")]
    assert json.loads(put.body) == {"ticket": {"priority": "low"}}
    assert put.auth == "basic maya.lindqvist@acme.example/token"
    assert put.headers["authorization"] == "Basic <redacted>"
    assert put.at == "2026-11-20T14:30:42+00:00"
    assert put.status == 200
    assert get.auth == "bearer" and get.arg("per_page") == "5"
    dumped = json.dumps([e.as_json() for e in entries])
    assert "sandbox-zendesk-api-token" not in dumped
    assert "sandbox-zendesk-oauth-token" not in dumped


# --- control API --------------------------------------------------------------------------------


def test_control_api_over_http(zd: RunningServer) -> None:
    sim = f"{zd.base_url}/__sim"
    added = httpx.post(
        f"{sim}/faults",
        json=[
            {"kind": "rate_limit", "path": "/api/v2/tickets/*", "retry_after": 4},
            {"kind": "error", "status": 502, "method": "PUT", "times": 3},
        ],
    )
    assert added.status_code == 201
    ids = [f["id"] for f in added.json()["faults"]]
    with client(zd) as c:
        throttled = c.get(TICKET)
    listed = httpx.get(f"{sim}/faults").json()["faults"]
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "4"
    assert [(f["kind"], f["hits"]) for f in listed] == [("rate_limit", 1), ("error", 0)]
    assert httpx.delete(f"{sim}/faults/{ids[1]}").status_code == 204
    assert [f["id"] for f in httpx.get(f"{sim}/faults").json()["faults"]] == [ids[0]]
    assert httpx.delete(f"{sim}/faults").status_code == 204
    assert httpx.post(f"{sim}/faults", json={"kind": "explode"}).status_code == 400

    log = httpx.get(f"{sim}/requests").json()["requests"]
    assert [(e["method"], e["path"], e["status"], e["fault"]) for e in log] == [
        ("GET", TICKET, 429, "rate_limit")
    ]
    assert httpx.get(f"{sim}/requests", params={"since": log[0]["seq"]}).json()["requests"] == []
    assert httpx.delete(f"{sim}/requests").status_code == 204

    now = httpx.post(f"{sim}/clock", json={"advance": 90}).json()["now"]
    assert now == "2026-11-20T14:31:30+00:00"
    touched = httpx.post(f"{sim}/tickets/4001/touch", json={"priority": "urgent"}).json()
    assert (touched["ticket"]["priority"], touched["ticket"]["updated_at"]) == (
        "urgent",
        "2026-11-20T14:31:30Z",
    )
    assert httpx.delete(f"{sim}/tickets/4002").status_code == 204
    assert httpx.delete(f"{sim}/tickets/4002").status_code == 404

    info = httpx.get(f"{sim}/info").json()
    assert (info["vendor"], info["account"], info["tickets"], info["deleted"]) == (
        "zendesk",
        "demo-zendesk",
        140,
        1,
    )
    assert info["credentials"]["basic_username"] == "maya.lindqvist@acme.example/token"

    rotated = httpx.post(f"{sim}/auth", json={"bearer": "rotated-token"})
    assert rotated.status_code == 200
    old = httpx.get(
        f"{zd.base_url}{TICKET}", headers={"Authorization": "Bearer sandbox-zendesk-oauth-token"}
    )
    new = httpx.get(f"{zd.base_url}{TICKET}", headers={"Authorization": "Bearer rotated-token"})
    assert (old.status_code, new.status_code) == (401, 200)
    assert all(not e.path.startswith("/__sim") for e in zd.requests.entries())


# --- front ends ---------------------------------------------------------------------------------


def test_in_process_sync_async_and_asgi_give_the_loopback_answer(zd: RunningServer) -> None:
    params = {"start_time": 0, "per_page": 30, "include": "users"}
    with client(zd) as c:
        loop_page = c.get(EXPORT, params=params).json()
    app = make_app("zendesk", account("demo-zendesk"), clock=ManualClock(NOW))
    headers = app.credentials.headers()
    with httpx.Client(
        transport=transport(app), base_url="https://acme.zendesk.com", headers=headers
    ) as c:
        sync_page = c.get(EXPORT, params=params).json()

    async def fetch() -> tuple[dict[str, Any], dict[str, Any]]:
        async with httpx.AsyncClient(
            transport=transport(app), base_url="https://acme.zendesk.com", headers=headers
        ) as ac:
            via_transport = (await ac.get(EXPORT, params=params)).json()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=asgi_app(app)),
            base_url="https://acme.zendesk.com",
            headers=headers,
        ) as ac:
            via_asgi = (await ac.get(EXPORT, params=params)).json()
        return via_transport, via_asgi

    async_page, asgi_page = anyio.run(fetch)
    for page in (sync_page, async_page, asgi_page):
        assert page["tickets"] == loop_page["tickets"]
        assert page["users"] == loop_page["users"]
        assert page["after_cursor"] == loop_page["after_cursor"]
        assert page["after_url"].startswith("https://acme.zendesk.com/api/v2/incremental/")
    assert len(app.requests) == 3


def test_in_process_stall_becomes_a_read_timeout_after_the_clients_timeout() -> None:
    app = make_app("zendesk", account("demo-zendesk"), clock=ManualClock(NOW))
    app.faults.add("stall", delay=3600)
    with httpx.Client(
        transport=transport(app), base_url="https://x.example", headers=app.credentials.headers()
    ) as c:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            c.get(TICKET, timeout=0.2)
    assert 0.2 <= time.monotonic() - started < 2


def test_stop_does_not_wait_for_a_stalled_connection() -> None:
    with running("zendesk", "demo-zendesk") as (server, _):
        server.faults.add("stall", delay=3600)
        errors: list[BaseException] = []

        def call() -> None:
            try:
                with client(server, timeout=30) as c:
                    c.get(TICKET)
            except httpx.HTTPError as exc:
                errors.append(exc)

        worker = threading.Thread(target=call)
        worker.start()
        for _ in range(100):
            if len(server.requests):
                break
            time.sleep(0.01)
        started = time.monotonic()
        server.stop()
        stopped_in = time.monotonic() - started
        worker.join(timeout=10)
    assert stopped_in < 3
    assert not worker.is_alive()
    assert len(errors) == 1
