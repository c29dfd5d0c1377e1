"""`list --json` and `show --json` on the demo data honour the JSON contract and queue order."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

NOW = "2026-11-27T12:00:00Z"
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
KEYS = {
    "id", "account", "vendor", "remote_id", "display_key", "subject", "status", "priority",
    "requester", "organization", "assignee", "group", "created_at", "updated_at", "tags", "url",
    "sla", "next_breach_at",
}  # fmt: skip


def qb(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "queuebench", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def load_demo_cache(root: Path, tickets: int, seed: int) -> dict[str, str]:
    """``queuebench demo --no-tui`` into ``root``; the environment that names that cache."""
    env = {
        **os.environ,
        "QUEUEBENCH_DATA_DIR": str(root / "data"),
        "QUEUEBENCH_CONFIG_FILE": str(root / "config.toml"),
        "QUEUEBENCH_NOW": NOW,
    }
    result = qb("demo", "--no-tui", "--tickets", str(tickets), "--seed", str(seed), env=env)
    assert result.returncode == 0, result.stderr
    assert f"Loaded {tickets} tickets from 4 sandbox accounts" in result.stderr
    return env


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return load_demo_cache(tmp_path_factory.mktemp("demo"), 600, 11)


def parse(ts: str | None) -> datetime | None:
    return None if ts is None else datetime.fromisoformat(ts.replace("Z", "+00:00"))


def test_list_json_honours_the_contract(demo_env: dict[str, str]) -> None:
    result = qb("list", "--json", env=demo_env)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 600
    assert {r["vendor"] for r in rows} == {"zendesk", "jsm", "servicenow"}
    now = parse(NOW)
    for r in rows:
        assert set(r) == KEYS
        assert r["id"] == f"{r['account']}:{r['remote_id']}"
        assert isinstance(r["remote_id"], str)
        assert r["status"] in {"new", "open", "pending", "on_hold", "solved", "closed"}
        assert r["priority"] in {"P1", "P2", "P3", "P4", None}
        for field in ("created_at", "updated_at"):
            assert ISO_Z.match(r[field]), r[field]
        assert isinstance(r["tags"], list)
        assert r["url"].startswith("https://")
        running = []
        for t in r["sla"]:
            assert set(t) == {"metric", "breach_at", "stage", "source"}
            assert t["metric"] in {
                "first_response",
                "next_response",
                "resolution",
                "periodic_update",
            }
            assert t["stage"] in {"active", "paused", "achieved", "breached"}
            if t["breach_at"] is not None:
                assert ISO_Z.match(t["breach_at"])
                # Not achieved and past its instant: breached, whatever the vendor said.
                if t["stage"] != "achieved" and parse(t["breach_at"]) <= now:
                    assert t["stage"] == "breached"
                if t["stage"] in ("active", "breached"):
                    running.append(t["breach_at"])
        assert r["next_breach_at"] == (min(running, key=parse) if running else None)
    displays = {r["vendor"]: r["display_key"] for r in rows}
    assert displays["zendesk"].startswith("#")
    assert re.match(r"^SUP-\d+$", displays["jsm"])
    assert re.match(r"^INC\d{7}$", displays["servicenow"])
    assert any(r["priority"] is None for r in rows)
    assert {t["stage"] for r in rows for t in r["sla"]} == {
        "active",
        "paused",
        "achieved",
        "breached",
    }


def contract_key(r: dict) -> tuple:
    """The queue order exactly as the contract words it."""
    now = parse(NOW)
    nb = parse(r["next_breach_at"])
    prank = int(r["priority"][1]) if r["priority"] else 5
    updated = parse(r["updated_at"]).timestamp()
    if r["status"] in ("solved", "closed"):
        return (3, -updated)
    if nb is not None and nb <= now:
        return (0, nb.timestamp())  # breached: most overdue first
    if nb is not None:
        return (1, nb.timestamp())
    return (2, prank, updated)


def test_list_order_is_the_contract_order(demo_env: dict[str, str]) -> None:
    rows = json.loads(qb("list", "--json", env=demo_env).stdout)
    keys = [contract_key(r) for r in rows]
    assert keys == sorted(keys)
    groups = [k[0] for k in keys]
    assert groups[0] == 0 and groups[-1] == 3  # breached first, done last
    # The text table lists the same tickets in the same order.
    table = qb("list", "--limit", "40", env={**demo_env, "COLUMNS": "200"}).stdout.splitlines()
    assert table[0].startswith("SLA")
    key_col = table[0].index("KEY")
    shown = [line[key_col : key_col + 12].strip() for line in table[1:]]
    assert shown == [r["display_key"] for r in rows[:40]]


def test_filter_view_and_limit(demo_env: dict[str, str]) -> None:
    rows = json.loads(qb("list", "--json", "--filter", "vendor:jsm is:open", env=demo_env).stdout)
    assert rows and all(
        r["vendor"] == "jsm" and r["status"] not in ("solved", "closed") for r in rows
    )
    breached = json.loads(qb("list", "--json", "--view", "breached", env=demo_env).stdout)
    now = parse(NOW)
    assert breached and all(parse(r["next_breach_at"]) <= now for r in breached)
    assert len(json.loads(qb("list", "--json", "--limit", "7", env=demo_env).stdout)) == 7


def test_show_json_returns_every_comment(demo_env: dict[str, str]) -> None:
    from queuebench.sandbox.feed import iter_normalized
    from queuebench.sandbox.generator import generate

    now = parse(NOW)
    assert now is not None
    expected = {t.display_key: t for t in iter_normalized(generate(600, 11, now), now)}
    for key in ("SUP-3", "#4005", "INC0010007"):
        result = qb("show", key, "--json", env=demo_env)
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        ticket = expected[key]
        assert data["display_key"] == key
        assert data["description"] == ticket.description
        assert ticket.comments
        assert [(c["author"], c["public"], c["body"]) for c in data["comments"]] == [
            (c.author, c.public, c.body) for c in ticket.comments
        ]
        times = [c["created_at"] for c in data["comments"]]
        assert times == sorted(times)
    # Same case by its full id, and the human-readable form names the internal notes.
    data = json.loads(qb("show", "demo-jsm:10003", "--json", env=demo_env).stdout)
    assert data["display_key"] == "SUP-3"
    text = qb("show", "SUP-3", env=demo_env).stdout
    assert text.startswith("SUP-3  ")
    assert ("INTERNAL NOTE" in text) == any(not c.public for c in expected["SUP-3"].comments)
