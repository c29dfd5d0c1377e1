"""The demo syncs from the sandbox servers through the real connectors, and the cache it makes
equals, field for field, the one its fast path (the normalisers alone) makes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from queuebench.config import load_settings
from queuebench.domain.contract import ticket_json
from queuebench.sandbox.demo import load_demo
from queuebench.sla_config import sla_setup
from queuebench.store.engine import open_store
from queuebench.store.queries import get_ticket

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _load(path: Path, *, sync: bool | None) -> tuple[Any, dict[str, dict[str, Any]]]:
    store = open_store(path)
    try:
        steps: list[int] = []
        summary = load_demo(
            store,
            tickets=160,
            seed=5,
            now=NOW,
            progress=steps.append,
            sla=sla_setup(load_settings()),
            sync=sync,
        )
        assert sum(steps) == 160
        with store.read() as con:
            ids = [r[0] for r in con.execute("SELECT id FROM ticket ORDER BY id")]
            cases = {i: ticket_json(get_ticket(con, i), NOW) for i in ids}
    finally:
        store.close()
    return summary, cases


def test_demo_syncs_through_the_connectors_and_equals_the_fast_path(tmp_path: Path) -> None:
    synced, via_servers = _load(tmp_path / "synced", sync=None)  # 160 tickets: the servers
    direct, fast = _load(tmp_path / "direct", sync=False)
    assert synced.synced and not direct.synced
    # Every ticket's conversation is fetched (closed ones too): at least one call per Zendesk
    # and JSM ticket on top of the listing pages.
    assert synced.requests > 160 and direct.requests == 0
    assert synced.tickets == direct.tickets == 160
    assert len(via_servers) == 160
    assert all(case["conversation_cached"] for case in via_servers.values())
    assert {c["vendor"] for c in via_servers.values()} == {"zendesk", "jsm", "servicenow"}
    # Computed clocks for the account whose plan has no vendor SLA came through the sync too.
    team = [c for c in via_servers.values() if c["account"] == "demo-zendesk-team"]
    assert any(t["source"] == "computed" for c in team for t in c["sla"])
    assert via_servers == fast
