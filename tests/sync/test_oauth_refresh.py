"""OAuth accounts renew their access tokens: against the sandbox token endpoints on loopback."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from queuebench.sandbox.server import RunningServer
from tests.conftest import MemoryKeyring
from tests.sync.helpers import (
    assert_cache_equals,
    assert_secret_nowhere,
    expected_jsm,
    expected_servicenow,
    expected_zendesk,
    listed,
    run,
    sandbox,
)

CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-client-secret"
TOKEN_PATH = {"zendesk": "/oauth/tokens", "jsm": "/oauth/token", "servicenow": "/oauth_token.do"}


def account_add(name: str, vendor: str, url: str, *options: str, **run_kw: Any) -> Any:
    """``queuebench account add NAME --vendor V --url URL OPTIONS...``."""
    return run("account", "add", name, "--vendor", vendor, "--url", url, *options, **run_kw)


def add_oauth(name: str, vendor: str, server: RunningServer, secrets: dict[str, str]) -> Any:
    """``account add --auth oauth`` with the secrets as a JSON object on standard input."""
    token_url = server.base_url + TOKEN_PATH[vendor]
    return account_add(
        name,
        vendor,
        server.base_url,
        *("--auth", "oauth", "--client-id", CLIENT_ID, "--token-url", token_url),
        input=json.dumps(secrets),
    )


def add_refreshable(name: str, vendor: str, server: RunningServer) -> dict[str, Any]:
    """An account holding a token pair the server issued (plus the client secret)."""
    grant = server.app.issue_tokens()
    add_oauth(
        name,
        vendor,
        server,
        {
            "access_token": grant["access_token"],
            "refresh_token": grant["refresh_token"],
            "client_secret": CLIENT_SECRET,
        },
    )
    return grant


def stored(keyring: MemoryKeyring, entry: str) -> str | None:
    return keyring.secrets.get(("queuebench", entry))


def token_posts(server: RunningServer, vendor: str) -> list[Any]:
    return server.requests.find(method="POST", path=TOKEN_PATH[vendor])


def test_jsm_token_expiring_mid_sync_is_renewed_once_and_the_cache_is_complete(
    memory_keyring: MemoryKeyring,
) -> None:
    with sandbox("jsm", tickets=30) as server:
        grant = add_refreshable("jira", "jsm", server)
        # The access token runs out during the per-ticket calls (comments and SLA, run
        # concurrently): several get 401 at once, one refresh serves them all.
        server.faults.add("expire_token", path="/rest/servicedeskapi/request/*", after=6)
        result = run("sync")
        assert "30 tickets written" in result.stderr
        assert_cache_equals(expected_jsm(server, "jira"))
        posts = token_posts(server, "jsm")
        assert [p.status for p in posts] == [200]
        body = json.loads(posts[0].body)
        assert body == {
            "grant_type": "refresh_token",
            "client_id": CLIENT_ID,
            "refresh_token": grant["refresh_token"],
            "client_secret": CLIENT_SECRET,
        }
        statuses = [e.status for e in server.requests.entries() if e.path != TOKEN_PATH["jsm"]]
        assert statuses.count(401) >= 1
        assert statuses[-1] == 200
        # Atlassian rotated the refresh token: the new one is in the keyring, the old is dead.
        new_refresh = stored(memory_keyring, "jira#refresh_token")
        assert new_refresh not in (None, grant["refresh_token"])
        access = json.loads(stored(memory_keyring, "jira") or "{}")
        assert access["access_token"] not in (grant["access_token"], None)
        assert abs(access["expires_at"] - (time.time() + 3600)) < 120
        with pytest.raises(KeyError):
            server.app.refresh_grant(grant["refresh_token"])
        # The next run starts from the saved tokens without a new refresh.
        server.clock.advance(120)
        run("sync")
        assert len(token_posts(server, "jsm")) == 1


def test_zendesk_401_then_one_refresh_then_the_same_request_again(
    memory_keyring: MemoryKeyring,
) -> None:
    with sandbox("zendesk", tickets=10) as server:
        grant = add_refreshable("zd", "zendesk", server)
        server.app.expire_tokens()  # expired at the server; the client does not know when
        run("sync")
        entries = server.requests.entries()
        assert [(e.method, e.path, e.status) for e in entries[:3]] == [
            ("GET", "/api/v2/incremental/tickets/cursor.json", 401),
            ("POST", "/oauth/tokens", 200),
            ("GET", "/api/v2/incremental/tickets/cursor.json", 200),
        ]
        assert entries[0].query == entries[2].query
        assert len(listed()) == len(expected_zendesk(server, "zd"))
        new_refresh = stored(memory_keyring, "zd#refresh_token")
        assert new_refresh not in (None, grant["refresh_token"])
        assert stored(memory_keyring, "zd#client_secret") == CLIENT_SECRET


def test_concurrent_calls_with_an_expired_token_share_one_refresh() -> None:
    from queuebench.accounts import make_connector
    from queuebench.cli import _settings, now_utc

    with sandbox("zendesk", tickets=10) as server:
        add_refreshable("zd", "zendesk", server)
        server.app.expire_tokens()

        async def burst() -> list[Any]:
            connector = make_connector(_settings(), "zd", now=now_utc)
            client = connector.client  # type: ignore[attr-defined]
            try:
                calls = [lambda: client.get("/api/v2/users/me.json") for _ in range(8)]
                return await client.gather(calls)
            finally:
                await connector.aclose()

        answers = asyncio.run(burst())
        assert len(answers) == 8 and all(a["user"]["id"] for a in answers)
        entries = server.requests.entries()
        assert len(token_posts(server, "zendesk")) == 1
        me = [e.status for e in entries if e.path == "/api/v2/users/me.json"]
        assert sorted(me) == [200] * 8 + [401] * 4  # concurrency 4: four went out stale


def test_a_token_about_to_expire_is_renewed_before_it_is_sent(
    memory_keyring: MemoryKeyring,
) -> None:
    with sandbox("jsm", tickets=5) as server:
        grant = server.app.issue_tokens()
        secrets = {
            "access_token": grant["access_token"],
            "refresh_token": grant["refresh_token"],
            "client_secret": CLIENT_SECRET,
        }
        add_oauth("jira", "jsm", server, secrets)
        # What a previous run saved: a token that expires in 30 s (inside the renewal margin).
        memory_keyring.set_password(
            "queuebench",
            "jira",
            json.dumps({"access_token": grant["access_token"], "expires_at": time.time() + 30}),
        )
        result = run("account", "test", "jira")
        assert "The OAuth access token was renewed" in result.stdout
        assert "saved in the OS keyring" in result.stdout
        entries = server.requests.entries()
        assert [(e.path, e.status) for e in entries] == [
            ("/oauth/token", 200),
            ("/rest/api/3/myself", 200),
        ]


def test_revoked_refresh_token_ends_in_one_paragraph_and_leaves_the_cache() -> None:
    with sandbox("jsm", tickets=12) as server:
        add_refreshable("jira", "jsm", server)
        run("sync")
        rows = listed()
        server.app.revoke_tokens()
        server.app.touch(server.app.live_issues()[0]["id"], {"summary": "changed remotely"})
        server.clock.advance(120)
        result = run("sync", ok=False)
        assert result.exit_code == 1
        message = result.stderr.strip()
        assert message.count("\n") == 0, message
        assert message.startswith("jira: Account 'jira' could not renew its OAuth access token")
        assert "HTTP 403: invalid_grant — Unknown or invalid refresh token." in message
        fix = (
            f"`queuebench account add jira --vendor jsm --url {server.base_url} --auth oauth "
            f"--client-id {CLIENT_ID} --token-url {server.base_url}/oauth/token`"
        )
        assert fix in message
        assert "Traceback" not in result.stderr + result.stdout
        assert listed() == rows
        assert len(token_posts(server, "jsm")) == 1  # refused once, not retried per request
        listing = json.loads(run("account", "list", "--json").stdout)
        assert "could not renew its OAuth access token" in listing[0]["error"]
        tested = run("account", "test", "jira", ok=False)
        assert tested.exit_code == 2
        assert "could not renew its OAuth access token" in tested.stderr


def test_plain_bearer_that_expired_says_to_add_again_or_give_a_refresh_token() -> None:
    with sandbox("zendesk", tickets=5) as server:
        grant = server.app.issue_tokens()
        account_add(
            "zd",
            "zendesk",
            server.base_url,
            "--auth",
            "oauth",
            input=grant["access_token"] + "\n",
        )
        run("sync")
        server.app.expire_tokens()
        result = run("sync", ok=False)
        assert result.exit_code == 1
        assert "token expired" in result.stderr
        assert f"`queuebench account add zd --vendor zendesk --url {server.base_url}" in (
            result.stderr
        )
        assert "refresh token and --client-id" in result.stderr
        assert grant["access_token"] not in result.stderr
        assert token_posts(server, "zendesk") == []


def test_servicenow_password_grant_then_renewal_when_the_instance_expires_it(
    memory_keyring: MemoryKeyring,
) -> None:
    password = "sandbox-servicenow-password"
    with sandbox("servicenow", tickets=10) as server:
        options = ("--user", "maya.lindqvist", "--auth", "oauth", "--client-id", CLIENT_ID)

        def password_grant(name: str, password: str, ok: bool = True) -> Any:
            secrets = {"client_secret": CLIENT_SECRET, "password": password}
            return account_add(
                name, "servicenow", server.base_url, *options, input=json.dumps(secrets), ok=ok
            )

        added = password_grant("snow", password)
        assert "renews the access token by itself" in added.stdout
        grant_post = token_posts(server, "servicenow")[0]
        assert "grant_type=password" in grant_post.body
        assert password not in {v for v in memory_keyring.secrets.values()}
        assert stored(memory_keyring, "snow#client_secret") == CLIENT_SECRET
        first_refresh = stored(memory_keyring, "snow#refresh_token")
        run("sync")
        server.clock.advance(1800)  # the instance's 1799 s are over
        server.app.touch(server.app.live_incidents()[0]["sys_id"], {"short_description": "x"})
        run("sync")
        assert_cache_equals(expected_servicenow(server, "snow"))
        posts = token_posts(server, "servicenow")
        assert ["grant_type=refresh_token" in p.body for p in posts] == [False, True]
        # ServiceNow does not rotate refresh tokens: the same one is kept.
        assert stored(memory_keyring, "snow#refresh_token") == first_refresh
        wrong = password_grant("snow2", "wrong-pass-77", ok=False)
        assert wrong.exit_code == 2
        assert "ServiceNow refused the password grant for account 'snow2'" in wrong.stderr
        assert "wrong-pass-77" not in wrong.stderr + wrong.stdout
        assert stored(memory_keyring, "snow2") is None


def test_tokens_from_the_environment_renew_in_memory_only(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sandbox("jsm", tickets=5) as server:
        grant = add_refreshable("jira", "jsm", server)
        memory_keyring.secrets.clear()
        second = server.app.issue_tokens()
        env = {"refresh_token": second["refresh_token"], "client_secret": CLIENT_SECRET}
        monkeypatch.setenv("QUEUEBENCH_SECRET_JIRA", json.dumps(env))
        result = run("account", "test", "jira")
        assert "kept for this run only" in result.stdout
        assert memory_keyring.secrets == {}
        assert grant["refresh_token"] not in result.stdout


def test_account_add_refuses_a_refresh_token_without_client_id() -> None:
    result = account_add(
        "zd",
        "zendesk",
        "https://acme.zendesk.com",
        "--auth",
        "oauth",
        input=json.dumps({"refresh_token": "rt-123"}),
        ok=False,
    )
    assert result.exit_code == 2
    assert "--client-id is needed for account 'zd'" in result.stderr
    assert "rt-123" not in result.stderr
    bad = account_add(
        "zd",
        "zendesk",
        "https://acme.zendesk.com",
        "--auth",
        "oauth",
        "--client-id",
        CLIENT_ID,
        input='{"refresh_token": "rt-123", "api_key": "k-9"}',
        ok=False,
    )
    assert "unknown keys api_key" in bad.stderr
    assert "rt-123" not in bad.stderr and "k-9" not in bad.stderr


def test_no_oauth_secret_in_data_dir_config_output_or_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, memory_keyring: MemoryKeyring
) -> None:
    caplog.set_level(logging.DEBUG)
    outputs: list[str] = []
    with sandbox("jsm", tickets=12) as server:
        grant = add_refreshable("jira", "jsm", server)
        server.faults.add("expire_token", path="/rest/servicedeskapi/request/*", after=3)
        for args in (("sync",), ("account", "list"), ("list",)):
            r = run(*args)
            outputs.append(r.stdout + r.stderr)
        server.app.expire_tokens()
        r = run("account", "test", "jira")
        outputs.append(r.stdout + r.stderr)
        renewed = [json.loads(p.body) for p in token_posts(server, "jsm")]
        answers = [e for e in server.requests.entries() if e.path == "/oauth/token"]
        assert len(renewed) == len(answers) == 2
        server.app.revoke_tokens()
        server.app.expire_tokens()
        r = run("sync", ok=False)
        outputs.append(r.stdout + r.stderr)
    secrets = {grant["access_token"], grant["refresh_token"], CLIENT_SECRET}
    secrets |= {b["refresh_token"] for b in renewed}
    secrets |= {v for v in memory_keyring.secrets.values() if not v.startswith("{")}
    secrets |= {json.loads(v)["access_token"] for v in memory_keyring.secrets.values() if "{" in v}
    assert len(secrets) >= 6
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in secrets:
        assert_secret_nowhere(secret, tmp_path, outputs)
        assert secret not in logged
    assert "could not renew its OAuth access token" in outputs[-1]
