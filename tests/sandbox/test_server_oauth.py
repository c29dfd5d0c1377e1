"""The sandbox token endpoints: grants, rotation, expiry on the server clock, the vendor 401s."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from queuebench.sandbox.server import ManualClock, RunningServer
from tests.sandbox.server_support import running

CLIENT = {"client_id": "sandbox-client", "client_secret": "sandbox-client-secret"}
# vendor, account, token path, body as JSON (else a form), a cheap authenticated GET
VENDORS = {
    "zendesk": ("demo-zendesk", "/oauth/tokens", True, "/api/v2/users/me.json"),
    "jsm": ("demo-jsm", "/oauth/token", True, "/rest/api/3/myself"),
    "servicenow": ("demo-snow", "/oauth_token.do", False, "/api/now/table/sys_user"),
}


@pytest.fixture(params=sorted(VENDORS))
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, RunningServer, ManualClock]]:
    vendor = request.param
    with running(vendor, VENDORS[vendor][0]) as (srv, clock):
        yield vendor, srv, clock


def _token(vendor: str, srv: RunningServer, **fields: str) -> httpx.Response:
    _, path, as_json, _ = VENDORS[vendor]
    body = {**CLIENT, "grant_type": "refresh_token", **fields}
    if as_json:
        return httpx.post(srv.base_url + path, json=body)
    return httpx.post(srv.base_url + path, data=body)


def _get(vendor: str, srv: RunningServer, access: str) -> httpx.Response:
    return httpx.get(
        srv.base_url + VENDORS[vendor][3],
        params={"sysparm_limit": "1"} if vendor == "servicenow" else None,
        headers={"Authorization": f"Bearer {access}", "Accept": "application/json"},
    )


def test_an_issued_token_works_until_its_lifetime_ends_then_gets_the_vendor_401(server) -> None:
    vendor, srv, clock = server
    srv.app.token_lifetime = 600
    grant = srv.app.issue_tokens()
    assert grant["expires_in"] == 600
    assert _get(vendor, srv, grant["access_token"]).status_code == 200
    clock.advance(599)
    assert _get(vendor, srv, grant["access_token"]).status_code == 200
    clock.advance(2)
    expired = _get(vendor, srv, grant["access_token"])
    assert expired.status_code == 401
    body = expired.json()
    expected: dict[str, Any] = {
        "zendesk": {"error": "invalid_token"},
        "jsm": {"errorMessages": ["Client must be authenticated to access this resource."]},
        "servicenow": {"error": {"message": "User Not Authenticated"}},
    }[vendor]
    for key, value in expected.items():
        if isinstance(value, dict):
            assert body[key]["message"] == value["message"]
        else:
            assert body[key] == value
    # The fixed demo bearer keeps working: nothing that used it breaks.
    assert _get(vendor, srv, srv.credentials.bearer).status_code == 200
    assert [e.auth for e in srv.requests.entries()][-2:] == ["bearer", "bearer"]


def test_refresh_grant_answers_in_the_vendor_shape_and_rotates_where_the_vendor_does(
    server,
) -> None:
    vendor, srv, _ = server
    first = srv.app.issue_tokens()
    response = _token(vendor, srv, refresh_token=first["refresh_token"])
    assert response.status_code == 200
    body = response.json()
    keys = {
        "zendesk": {
            "access_token",
            "refresh_token",
            "token_type",
            "scope",
            "expires_in",
            "refresh_token_expires_in",
        },
        "jsm": {"access_token", "refresh_token", "expires_in", "scope", "token_type"},
        "servicenow": {"scope", "token_type", "expires_in", "refresh_token", "access_token"},
    }[vendor]
    assert set(body) == keys
    assert body["expires_in"] == {"zendesk": 1800, "jsm": 3600, "servicenow": 1799}[vendor]
    assert body["access_token"] != first["access_token"]
    assert _get(vendor, srv, body["access_token"]).status_code == 200
    again = _token(vendor, srv, refresh_token=first["refresh_token"])
    if vendor == "servicenow":  # not rotated: the same refresh token comes back and still works
        assert body["refresh_token"] == first["refresh_token"]
        assert again.status_code == 200
    else:  # rotated: the old one is used up
        assert body["refresh_token"] != first["refresh_token"]
        assert again.status_code == {"zendesk": 400, "jsm": 403}[vendor]
        assert again.json()["error"] == "invalid_grant"
    # Zendesk's refresh also revokes the previous access token.
    old_status = _get(vendor, srv, first["access_token"]).status_code
    assert old_status == (401 if vendor == "zendesk" else 200)


def test_wrong_client_and_revoked_grants_are_refused(server) -> None:
    vendor, srv, _ = server
    grant = srv.app.issue_tokens()
    wrong = _token(vendor, srv, refresh_token=grant["refresh_token"], client_secret="nope")
    assert wrong.status_code == 401
    srv.app.revoke_tokens()
    revoked = _token(vendor, srv, refresh_token=grant["refresh_token"])
    assert revoked.status_code == {"zendesk": 400, "jsm": 403, "servicenow": 401}[vendor]
    assert _get(vendor, srv, grant["access_token"]).status_code == 401


def test_servicenow_password_grant_issues_a_refreshable_token() -> None:
    with running("servicenow", "demo-snow") as (srv, _):
        form = {
            **CLIENT,
            "grant_type": "password",
            "username": "maya.lindqvist",
            "password": "sandbox-servicenow-password",
        }
        granted = httpx.post(f"{srv.base_url}/oauth_token.do", data=form)
        denied = httpx.post(f"{srv.base_url}/oauth_token.do", data={**form, "password": "no"})
        assert granted.status_code == 200
        assert granted.json()["token_type"] == "Bearer"
        assert _get("servicenow", srv, granted.json()["access_token"]).status_code == 200
        assert denied.status_code == 401
        assert denied.json() == {"error_description": "access_denied", "error": "server_error"}


def test_expire_token_fault_expires_issued_tokens_at_the_chosen_request() -> None:
    with running("zendesk", "demo-zendesk") as (srv, _):
        grant = srv.app.issue_tokens()
        srv.faults.add("expire_token", path="/api/v2/users/*", after=1)
        assert _get("zendesk", srv, grant["access_token"]).status_code == 200
        assert _get("zendesk", srv, grant["access_token"]).status_code == 401
        assert [e.fault for e in srv.requests.entries()] == [None, "expire_token"]
        fresh = _token("zendesk", srv, refresh_token=grant["refresh_token"]).json()
        assert _get("zendesk", srv, fresh["access_token"]).status_code == 200


def test_control_api_sets_lifetime_issues_and_revokes() -> None:
    with running("jsm", "demo-jsm") as (srv, _):
        control = srv.base_url + "/__sim/oauth"
        answer = httpx.post(control, json={"lifetime": 120, "issue": True}).json()
        assert answer["lifetime"] == 120
        assert answer["grant"]["expires_in"] == 120
        assert _get("jsm", srv, answer["grant"]["access_token"]).status_code == 200
        assert httpx.post(control, json={"expire": True}).status_code == 200
        assert _get("jsm", srv, answer["grant"]["access_token"]).status_code == 401
        assert httpx.post(control, json={"revoke": True}).status_code == 200
        refused = _token("jsm", srv, refresh_token=answer["grant"]["refresh_token"])
        assert refused.status_code == 403
        assert httpx.post(control, json={"bogus": 1}).status_code == 400
        info = httpx.get(srv.base_url + "/__sim/info").json()
        assert info["oauth_client"] == CLIENT
        assert info["token_lifetime"] == 120
