"""A kept demo cache without its servers: `note` and `push` say plainly that the demo accounts
are offline sandbox accounts and keep the writes; a later `queuebench demo` on the same cache
serves the same data set again, so they apply to the tickets they were written on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.test_demo_contract import load_demo_cache, qb

LATER = "2026-11-28T09:30:00Z"


@pytest.fixture
def demo_env(tmp_path: Path) -> dict[str, str]:
    return load_demo_cache(tmp_path, 150, 3)


def outbox(env: dict[str, str]) -> list[tuple[str, str, str]]:
    result = qb("outbox", "--json", env=env)
    assert result.returncode == 0, result.stderr
    return [(e["account"], e["action"], e["state"]) for e in json.loads(result.stdout)]


def test_note_and_push_on_an_offline_demo_cache_say_so_and_keep_the_write(
    demo_env: dict[str, str],
) -> None:
    key = json.loads(qb("list", "--json", "--filter", "vendor:jsm is:open", env=demo_env).stdout)[
        0
    ]["display_key"]
    queued = qb("note", key, "--internal", "Checked the trace", env=demo_env)
    assert queued.returncode == 0, queued.stderr
    assert queued.stdout.startswith(f"Queued #1 for {key} (note_internal). 1 write waits in ")
    assert "demo-jsm, a sandbox account of `queuebench demo`" in queued.stdout
    assert "sync or `queuebench push`" not in queued.stdout

    pushed = qb("push", env=demo_env)
    assert pushed.returncode == 0, pushed.stderr
    assert pushed.stderr.strip() == (
        "1 write waits in the outbox for demo-jsm, a sandbox account of `queuebench demo`. "
        "Their servers run only inside the demo's queue, which sends the outbox itself: run "
        "`queuebench demo` on this cache (same QUEUEBENCH_DATA_DIR). They are kept."
    )
    assert "Nothing to push" not in pushed.stderr
    assert outbox(demo_env) == [("demo-jsm", "note_internal", "pending")]


def test_demo_again_on_the_same_cache_serves_the_same_data_set(demo_env: dict[str, str]) -> None:
    before = json.loads(qb("list", "--json", env=demo_env).stdout)
    later = {**demo_env, "QUEUEBENCH_NOW": LATER}
    again = qb("demo", "--no-tui", "--tickets", "150", "--seed", "3", env=later)
    assert again.returncode == 0, again.stderr
    assert "already holds this data set (same --seed and --tickets, generated 2026-11-27 12:00" in (
        again.stderr
    )
    after = json.loads(qb("list", "--json", env=later).stdout)
    # Nothing moved: the servers were generated for the first load's instant, not LATER.
    assert [(r["id"], r["updated_at"]) for r in after] == [
        (r["id"], r["updated_at"]) for r in before
    ]

    other = qb("demo", "--no-tui", "--tickets", "150", "--seed", "4", env=later)
    assert other.returncode == 0, other.stderr
    # Another data set is loaded as such, not continued.
    assert "\nLoaded " in other.stderr and "already holds" not in other.stderr
