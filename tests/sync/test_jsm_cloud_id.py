"""JSM over OAuth 2.0 (3LO): ``account add`` with the site URL finds the cloud id, API calls go
through ``/ex/jira/{cloudId}``, ticket links point at the site. Against the sandbox on loopback."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

from queuebench.sandbox.server import RunningServer
from tests.conftest import MemoryKeyring
from tests.sync.helpers import assert_cache_equals, expected_jsm, listed, run, sandbox

CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-client-secret"
SITE = "https://acme-support.atlassian.net"
RESOURCES = "/oauth/token/accessible-resources"


def config() -> dict[str, Any]:
    path = Path(os.environ["QUEUEBENCH_CONFIG_FILE"])
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def add_jsm(
    server: RunningServer, url: str, secrets: dict[str, str], *extra: str, ok: bool = True
) -> Any:
    """``account add jira --vendor jsm --url URL --auth oauth`` against the sandbox."""
    return run(
        "account",
        "add",
        "jira",
        *("--vendor", "jsm", "--url", url, "--auth", "oauth", "--client-id", CLIENT_ID),
        *("--token-url", server.base_url + "/oauth/token", *extra),
        input=json.dumps(secrets),
        ok=ok,
    )


def refresh_only(server: RunningServer) -> dict[str, str]:
    """Secrets with a refresh token and no access token: add must renew before it asks."""
    grant = server.app.issue_tokens()
    return {"refresh_token": grant["refresh_token"], "client_secret": CLIENT_SECRET}


def test_site_url_finds_the_cloud_id_then_sync_goes_through_the_gateway_with_site_links(
    memory_keyring: MemoryKeyring,
) -> None:
    with sandbox("jsm", tickets=12) as server:
        cloud = server.app.cloud_id
        # Case and a trailing slash do not matter; only a refresh token is given.
        secrets = refresh_only(server)
        added = add_jsm(
            server, "https://ACME-Support.atlassian.net/", secrets, "--api-url", server.base_url
        )
        text = Path(os.environ["QUEUEBENCH_CONFIG_FILE"]).read_text(encoding="utf-8")
        assert all(secret not in text for secret in secrets.values())
        assert f"cloud id {cloud}" in added.stdout
        account = config()["accounts"]["jira"]
        assert account["url"] == SITE
        assert account["cloud_id"] == cloud
        assert account["api_url"] == server.base_url
        first = [(e.method, e.path, e.status) for e in server.requests.entries()]
        assert first == [("POST", "/oauth/token", 200), ("GET", RESOURCES, 200)]
        # The access token the refresh returned is the one stored (the refresh token rotated).
        assert memory_keyring.secrets[("queuebench", "jira#refresh_token")]
        server.requests.clear()

        result = run("sync")
        assert "12 tickets written" in result.stderr
        paths = [e.path for e in server.requests.entries()]
        assert paths and all(p.startswith(f"/ex/jira/{cloud}/rest/") for p in paths), paths
        assert_cache_equals(expected_jsm(server, "jira", site=SITE))
        rows = listed()
        assert len(rows) == 12
        assert {r["url"] for r in rows} == {f"{SITE}/browse/{r['display_key']}" for r in rows}


def test_a_site_the_token_cannot_reach_is_one_paragraph_listing_its_sites_and_writes_nothing(
    memory_keyring: MemoryKeyring,
) -> None:
    with sandbox("jsm", tickets=3) as server:
        server.app.sites.append(server.app.resource("0f0e-other", "https://acme-it.atlassian.net"))
        grant = server.app.issue_tokens()
        failed = add_jsm(
            server,
            "https://globex.atlassian.net",
            {"access_token": grant["access_token"], "refresh_token": grant["refresh_token"]},
            "--api-url",
            server.base_url,
            ok=False,
        )
    assert failed.exit_code == 2
    message = failed.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert "cannot reach the Jira site https://globex.atlassian.net" in message
    assert f"{SITE}, https://acme-it.atlassian.net" in message
    assert "Run the command again with --url set to one of those sites" in message
    assert "Nothing was written to the config file." in message
    assert grant["access_token"] not in message and grant["refresh_token"] not in message
    assert config() == {}
    # It had an access token: nothing was renewed, so nothing went to the keyring either.
    assert memory_keyring.secrets == {}


def test_after_a_refused_site_the_renewed_tokens_are_kept_and_the_next_add_uses_them(
    memory_keyring: MemoryKeyring,
) -> None:
    with sandbox("jsm", tickets=3) as server:
        secrets = refresh_only(server)
        api = ("--api-url", server.base_url)
        failed = add_jsm(server, "https://globex.atlassian.net", secrets, *api, ok=False)
        assert "the renewed tokens are in the OS keyring" in failed.stderr
        assert config() == {}
        renewed = memory_keyring.secrets[("queuebench", "jira#refresh_token")]
        assert renewed != secrets["refresh_token"]
        # The refresh token given is spent; the run again gives no tokens and uses the kept ones.
        add_jsm(server, SITE, {}, *api)
        assert config()["accounts"]["jira"]["cloud_id"] == server.app.cloud_id
        assert run("sync").exit_code == 0
        assert listed()[0]["url"].startswith(f"{SITE}/browse/SUP-")


def test_a_token_the_gateway_refuses_ends_in_one_paragraph_and_writes_nothing() -> None:
    with sandbox("jsm", tickets=3) as server:
        failed = add_jsm(
            server, SITE, {"access_token": "not-a-token"}, "--api-url", server.base_url, ok=False
        )
        entries = server.requests.find(path=RESOURCES)
    assert [e.status for e in entries] == [401]
    message = failed.stderr.strip()
    assert failed.exit_code == 2 and "\n" not in message and "Traceback" not in message
    assert "queuebench account add jira" in message and "not-a-token" not in message
    assert message.endswith("Nothing was written to the config file.")
    assert config() == {}


def test_the_gateway_url_form_still_works_and_links_point_at_the_site() -> None:
    with sandbox("jsm", tickets=8) as server:
        cloud = server.app.cloud_id
        grant = server.app.issue_tokens()
        add_jsm(
            server, f"{server.base_url}/ex/jira/{cloud}", {"access_token": grant["access_token"]}
        )
        account = config()["accounts"]["jira"]
        assert (account["url"], account["cloud_id"]) == (SITE, cloud)
        assert account["api_url"] == server.base_url
        server.requests.clear()
        run("sync")
        assert all(e.path.startswith(f"/ex/jira/{cloud}/") for e in server.requests.entries())
        assert_cache_equals(expected_jsm(server, "jira", site=SITE))


def test_the_gateway_url_form_keeps_its_url_when_the_token_does_not_list_the_site() -> None:
    with sandbox("jsm", tickets=4) as server:
        server.app.sites.clear()
        cloud = server.app.cloud_id
        gateway = f"{server.base_url}/ex/jira/{cloud}"
        grant = server.app.issue_tokens()
        added = add_jsm(server, gateway, {"access_token": grant["access_token"]})
        assert "ticket links point at" in added.stderr
        assert config()["accounts"]["jira"]["url"] == gateway
        assert "cloud_id" not in config()["accounts"]["jira"]
        run("sync")
        assert {r["url"] for r in listed()} == {
            f"{gateway}/browse/{r['display_key']}" for r in listed()
        }
