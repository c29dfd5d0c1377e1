"""All three vendors at once: one `sync` fills the cache from three sandbox servers, internal
notes queued while the vendors refuse writes reach each as its own internal-note call, a wrong
secret names the account, and no secret lands in the data dir, the config or a log record."""

from __future__ import annotations

import json
import logging
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.sync.helpers import (
    add_account,
    assert_cache_equals,
    expected_jsm,
    expected_servicenow,
    expected_zendesk,
    listed,
    run,
    sandbox,
    shown,
)

WRITES = {"zendesk": "/api/v2/tickets/*", "jsm": "/rest/servicedeskapi/*", "servicenow": "/api/*"}
WRITE_METHODS = {"zendesk": "PUT", "jsm": "POST", "servicenow": "PATCH"}


def test_one_sync_fills_the_cache_from_three_vendors_and_internal_notes_reach_each(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with ExitStack() as stack:
        servers = {
            vendor: stack.enter_context(sandbox(vendor, tickets=12, deleted=1))
            for vendor in ("zendesk", "jsm", "servicenow")
        }
        names = {"zendesk": "zd", "jsm": "jira", "servicenow": "snow"}
        for vendor, server in servers.items():
            add_account(names[vendor], vendor, server)
        result = run("sync")
        assert sorted(line.split(":")[0] for line in result.stderr.splitlines()) == [
            "jira",
            "snow",
            "zd",
        ]
        expected = {
            **expected_zendesk(servers["zendesk"], "zd"),
            **expected_jsm(servers["jsm"], "jira"),
            **expected_servicenow(servers["servicenow"], "snow"),
        }
        assert len(expected) == 33  # 12 each, one deleted at each vendor
        assert_cache_equals(expected)

        # Every vendor refuses writes for now (503): the notes wait, nothing is dropped.
        zd = next(t for t in servers["zendesk"].app.live_tickets() if t["status"] == "open")
        jira = servers["jsm"].app.live_issues()[0]
        snow = servers["servicenow"].app.live_incidents()[0]
        targets = {
            "zendesk": f"zd:{zd['id']}",
            "jsm": f"jira:{jira['id']}",
            "servicenow": f"snow:{snow['sys_id']}",
        }
        for vendor, server in servers.items():
            server.faults.add(
                "error", path=WRITES[vendor], method=WRITE_METHODS[vendor], status=503, times=None
            )
            run("note", targets[vendor], "--internal", f"Internal — {vendor} 設定")
        run("push")
        items = json.loads(run("outbox", "--json").stdout)
        assert sorted((i["account"], i["state"]) for i in items) == [
            ("jira", "pending"),
            ("snow", "pending"),
            ("zd", "pending"),
        ]
        for server in servers.values():
            server.faults.clear()
        run("push")
        assert json.loads(run("outbox", "--json").stdout) == []
        sent = {
            vendor: [
                (e.method, e.path, json.loads(e.body))
                for e in server.requests.entries()
                if e.method != "GET" and e.status in (200, 201)
            ]
            for vendor, server in servers.items()
        }
        assert sent["zendesk"] == [
            (
                "PUT",
                f"/api/v2/tickets/{zd['id']}.json",
                {
                    "ticket": {
                        "comment": {"body": "Internal — zendesk 設定", "public": False},
                        "safe_update": True,
                        "updated_stamp": zd["updated_at"],
                    }
                },
            )
        ]
        assert sent["jsm"] == [
            (
                "POST",
                f"/rest/servicedeskapi/request/{jira['key']}/comment",
                {"body": "Internal — jsm 設定", "public": False},
            )
        ]
        assert sent["servicenow"] == [
            (
                "PATCH",
                f"/api/now/table/incident/{snow['sys_id']}",
                {"work_notes": "Internal — servicenow 設定"},
            )
        ]
        # The push re-read the conversations it wrote to: each note shows in its case at once,
        # without another sync.
        for vendor, key in targets.items():
            notes = [(c["body"], c["public"]) for c in shown(key)["comments"]]
            assert notes.count((f"Internal — {vendor} 設定", False)) == 1, vendor
        secrets = [s.credentials.secret for s in servers.values()]

    for secret in secrets:
        blob = secret.encode()
        for path in (tmp_path / "data").rglob("*"):
            if path.is_file():
                assert blob not in path.read_bytes(), path
        assert blob not in (tmp_path / "config" / "config.toml").read_bytes()
        assert not [r for r in caplog.records if secret in r.getMessage()]
    assert any(r.name == "queuebench.http" for r in caplog.records)  # the client did log


@pytest.mark.parametrize(("vendor", "name"), [("jsm", "jira"), ("servicenow", "snow")])
def test_wrong_secret_gives_401_naming_the_account_and_leaves_the_cache(
    vendor: str, name: str
) -> None:
    with sandbox(vendor, tickets=8) as server:
        add_account(name, vendor, server)
        run("sync")
        rows = listed()
        run(  # the same account, now with a wrong secret
            "account",
            "add",
            name,
            "--vendor",
            vendor,
            "--url",
            server.base_url,
            "--user",
            server.credentials.user,
            input="wrong-secret-123\n",
        )
        server.clock.advance(120)
        result = run("sync", ok=False)
        assert result.exit_code == 1
        assert f"Account '{name}' could not sign in to {vendor}" in result.stderr
        assert "HTTP 401" in result.stderr
        assert f"queuebench account add {name} --vendor {vendor}" in result.stderr
        assert "wrong-secret-123" not in result.stderr + result.stdout
        assert listed() == rows
        listing = json.loads(run("account", "list", "--json").stdout)
        assert "HTTP 401" in listing[0]["error"]
