"""Outbox write-back, conflicts, wrong secrets and secret hygiene against the sandbox servers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.sync.helpers import (
    add_account,
    assert_secret_nowhere,
    expected_zendesk,
    listed,
    run,
    sandbox,
    shown,
)


def _open_ticket(server: object) -> dict:
    live = server.app.live_tickets()  # type: ignore[attr-defined]
    return next(t for t in live if t["status"] in ("open", "new"))


def test_zendesk_internal_note_queued_offline_reaches_the_server_as_private_comment() -> None:
    with sandbox("zendesk", tickets=20) as server:
        add_account("zd", "zendesk", server)
        run("sync")
        ticket = _open_ticket(server)
        key = f"zd:{ticket['id']}"
        before = len(server.app.ticket_comments(ticket["id"]))
        # The vendor is unreachable (its proxy answers 503): the note waits, nothing is dropped.
        server.faults.add("error", path="/api/v2/tickets/*", method="PUT", status=503, times=3)
        run("note", key, "--internal", "Checked the SAML trace — clock skew 6 min")
        pushed = run("push", ok=False)
        items = json.loads(run("outbox", "--json").stdout)
        assert [(i["state"], i["action"]) for i in items] == [("pending", "note_internal")]
        assert server.app.ticket_comments(ticket["id"])[before:] == []
        assert pushed.exit_code == 0
        server.faults.clear()
        run("push")
        assert json.loads(run("outbox", "--json").stdout) == []
        added = server.app.ticket_comments(ticket["id"])[before:]
        assert [(c["body"], c["public"]) for c in added] == [
            ("Checked the SAML trace — clock skew 6 min", False)
        ]
        writes = server.requests.find(method="PUT")
        body = json.loads(writes[-1].body)["ticket"]
        assert body["safe_update"] is True
        assert body["updated_stamp"] == ticket["updated_at"]
        server.clock.advance(120)  # the export holds back the last minute
        run("sync")
        notes = [(c["body"], c["public"]) for c in shown(key)["comments"]]
        assert notes.count(("Checked the SAML trace — clock skew 6 min", False)) == 1


def test_zendesk_remote_change_between_gives_a_visible_conflict_and_keeps_the_note() -> None:
    with sandbox("zendesk", tickets=20) as server:
        add_account("zd", "zendesk", server)
        run("sync")
        ticket = _open_ticket(server)
        key = f"zd:{ticket['id']}"
        before = len(server.app.ticket_comments(ticket["id"]))
        run("note", key, "--public", "We are on it.")
        server.clock.advance(30)
        server.app.touch(ticket["id"], {"status": "pending"})
        result = run("push", ok=False)
        assert result.exit_code == 0
        items = json.loads(run("outbox", "--json").stdout)
        assert [i["state"] for i in items] == ["conflict"]
        assert "changed in Zendesk after you read it" in items[0]["error"]
        assert server.app.ticket_comments(ticket["id"])[before:] == []
        # The user decides to send it anyway.
        run("outbox", "--retry", str(items[0]["id"]))
        run("push")
        added = server.app.ticket_comments(ticket["id"])[before:]
        assert [(c["body"], c["public"]) for c in added] == [("We are on it.", True)]


def test_wrong_secret_gives_401_naming_the_account_and_leaves_cache() -> None:
    with sandbox("zendesk", tickets=15) as server:
        add_account("zd", "zendesk", server)
        run("sync")
        rows = listed()
        run(
            "account",
            "add",
            "zd",
            "--vendor",
            "zendesk",
            "--url",
            server.base_url,
            "--user",
            "maya.lindqvist@acme.example",
            input="wrong-token-123\n",
        )
        server.app.touch(_open_ticket(server)["id"], {"subject": "changed"})
        server.clock.advance(120)
        result = run("sync", ok=False)
        assert result.exit_code == 1
        assert "Account 'zd' could not sign in to zendesk" in result.stderr
        assert "HTTP 401" in result.stderr
        assert "queuebench account add zd --vendor zendesk" in result.stderr
        assert "wrong-token-123" not in result.stderr + result.stdout
        assert listed() == rows
        listing = json.loads(run("account", "list", "--json").stdout)
        assert "HTTP 401" in listing[0]["error"]


def test_no_secret_in_data_dir_config_or_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_seen: list[str] = []
    with sandbox("zendesk", tickets=15) as server:
        secret = server.credentials.secret
        secret_seen.append(secret)
        outputs = []
        add_account("zd", "zendesk", server)
        for args in (("sync",), ("account", "test", "zd"), ("account", "list"), ("list",)):
            r = run(*args)
            outputs.append(r.stdout + r.stderr)
        server.faults.add("error", path="/api/v2/incremental/*", status=500, times=10)
        r = run("sync", ok=False)
        outputs.append(r.stdout + r.stderr)
    assert_secret_nowhere(secret, tmp_path, outputs)
    assert "secret" not in os.environ.get("QUEUEBENCH_SECRET_ZD", "")


def test_account_add_keeps_other_settings_and_comments(tmp_path: Path) -> None:
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('# my settings\n[user]\nnames = ["Dana"]  # me\n', encoding="utf-8")
    run(
        "account",
        "add",
        "acme",
        "--vendor",
        "servicenow",
        "--url",
        "https://acme.service-now.com",
        "--user",
        "dana",
        input="pw\n",
    )
    text = config.read_text(encoding="utf-8")
    assert text.startswith('# my settings\n[user]\nnames = ["Dana"]  # me\n')
    assert '[accounts.acme]\nvendor = "servicenow"' in text
    assert "pw" not in text.replace("url", "")
    run("account", "remove", "acme")
    assert config.read_text(encoding="utf-8") == '# my settings\n[user]\nnames = ["Dana"]  # me\n'


def test_zendesk_token_auth_warns_about_retirement() -> None:
    result = run(
        "account",
        "add",
        "zd",
        "--vendor",
        "zendesk",
        "--url",
        "https://acme.zendesk.com",
        "--user",
        "a@b.example",
        input="t\n",
    )
    assert "2027-04-30" in result.stderr and "OAuth" in result.stderr
    result = run(
        "account",
        "add",
        "zd2",
        "--vendor",
        "zendesk",
        "--url",
        "https://acme.zendesk.com",
        "--auth",
        "oauth",
        input="t\n",
    )
    assert "2027-04-30" not in result.stderr


def test_oauth_bearer_account_syncs() -> None:
    with sandbox("zendesk", tickets=10) as server:
        run(
            "account",
            "add",
            "zd",
            "--vendor",
            "zendesk",
            "--url",
            server.base_url,
            "--auth",
            "oauth",
            input=server.credentials.bearer + "\n",
        )
        run("sync")
        assert len(listed()) == len(expected_zendesk(server, "zd"))
        assert {e.auth for e in server.requests.entries()} == {"bearer"}
