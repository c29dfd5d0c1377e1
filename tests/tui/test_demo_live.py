"""The demo's TUI with its sandbox servers live: background sync and the case screen's writes
reach the in-process servers through the real connectors. And the same cache without servers
(a later plain `queuebench`, or a demo above 10,000 tickets) says so once, plainly, and keeps
what is queued."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

from queuebench.app import QueuebenchApp, make_app
from queuebench.config import Settings, load_settings
from queuebench.sandbox.demo import DEMO_ME, load_demo
from queuebench.sandbox.live import LiveSandbox
from queuebench.screens.case import CaseScreen
from queuebench.screens.queue import QueueScreen
from queuebench.sla_config import sla_setup
from queuebench.store.engine import Store, open_store
from queuebench.widgets.sync_bar import SyncBar
from tests.tui.conftest import SIZE, settle
from tests.tui.test_sync_tui import outbox_lines, queue_from_case, wait_until

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
ACCOUNTS = ("demo-zendesk", "demo-jsm", "demo-snow", "demo-zendesk-team")
NOTE = "Rolled back 14:02; monitoring"


def demo_settings(*, background: bool = True) -> Settings:
    return msgspec.convert(
        {
            "user": {"names": [DEMO_ME]},
            "alerts": {"enabled": False},
            "sync": {"background": background, "interval_seconds": 300},
        },
        Settings,
    )


def demo_store(path: Path, *, keep_servers: bool, sync: bool | None = None) -> Any:
    store = open_store(path)
    summary = load_demo(
        store,
        tickets=120,
        seed=7,
        now=NOW,
        sla=sla_setup(load_settings()),
        keep_servers=keep_servers,
        sync=sync,
    )
    return store, summary


@pytest.fixture
def live_demo(tmp_path: Path) -> Iterator[tuple[Store, LiveSandbox]]:
    store, summary = demo_store(tmp_path / "demo", keep_servers=True)
    assert summary.live is not None and summary.live.names == ACCOUNTS
    yield store, summary.live
    store.close()


@pytest.fixture
def offline_demo(tmp_path: Path) -> Iterator[Store]:
    """A demo cache whose servers are gone (``queuebench demo --no-tui``, then ``queuebench``)."""
    store, summary = demo_store(tmp_path / "demo", keep_servers=False)
    assert summary.live is None and summary.synced
    yield store
    store.close()


@pytest.fixture
def big_demo(tmp_path: Path) -> Iterator[Store]:
    """The fast path (the normalisers, no servers) as above 10,000 tickets, on a small set."""
    store, summary = demo_store(tmp_path / "demo", keep_servers=True, sync=False)
    assert summary.live is None and not summary.synced
    yield store
    store.close()


def open_ticket(store: Store, account: str) -> tuple[str, str]:
    """(id, remote id) of an open ticket of ``account``."""
    with store.read() as con:
        row = con.execute(
            "SELECT id, remote_id FROM ticket WHERE account = ? AND status = 'open' "
            "ORDER BY id LIMIT 1",
            [account],
        ).fetchone()
    return row[0], row[1]


def bar_text(app: QueuebenchApp) -> str:
    queue = app.screen_stack[1]
    assert isinstance(queue, QueueScreen)
    return str(queue.query_one(SyncBar).render())


def internal_note_on_server(live: LiveSandbox, account: str, remote_id: str) -> tuple[Any, Any]:
    """The vendor's internal-note write in the server's request log, and the note as the
    server now holds it."""
    app: Any = live.app(account)
    writes = [e for e in app.requests.entries() if e.method in ("PUT", "POST", "PATCH")]
    if account == "demo-zendesk":
        (write,) = [e for e in writes if e.path.startswith(f"/api/v2/tickets/{remote_id}")]
        comment = json.loads(write.body)["ticket"]["comment"]
        sent = (comment["body"], comment["public"])
        held = app.ticket_comments(remote_id)[-1]
        return sent, (held["body"], held["public"])
    if account == "demo-jsm":
        key = next(i["key"] for i in app.live_issues() if i["id"] == remote_id)
        (write,) = [
            e
            for e in writes
            if re.fullmatch(rf"/rest/servicedeskapi/request/({key}|{remote_id})/comment", e.path)
        ]
        body = json.loads(write.body)
        held = app.comments[remote_id][-1]
        return (body["body"], body["public"]), (held["body"], held["public"])
    (write,) = [e for e in writes if e.path.endswith(f"/incident/{remote_id}")]
    body = json.loads(write.body)
    held = app.journal(remote_id)[-1]
    return (body.get("work_notes"), "comments" in body), (held["value"], held["element"])


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        ("demo-zendesk", ((NOTE, False), (NOTE, False))),
        ("demo-jsm", ((NOTE, False), (NOTE, False))),
        ("demo-snow", ((NOTE, False), (NOTE, "work_notes"))),
    ],
)
async def test_an_internal_note_from_the_case_reaches_the_live_sandbox_server(
    live_demo: tuple[Store, LiveSandbox], account: str, expected: Any
) -> None:
    store, live = live_demo
    ticket_id, remote_id = open_ticket(store, account)
    app = make_app(demo_settings(), store, clock=lambda: NOW, source=live)
    async with app.run_test(size=SIZE) as pilot:
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        bar = queue.query_one(SyncBar)
        await wait_until(pilot, lambda: bar.runs >= 1, "the first background run")
        # Every demo account is synced from its server, each shown on the line.
        assert bar_text(app) == " · ".join(f"{a} synced just now" for a in ACCOUNTS)
        queue.open_case(ticket_id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CaseScreen)
        notes_before = len(screen.query(".entry.internal"))
        await queue_from_case(pilot, screen, "n", NOTE)
        assert outbox_lines(screen)[0][:1] == ["#1"]
        # No waiting for the 300-second interval: the queued write starts a run.
        await wait_until(
            pilot,
            lambda: outbox_lines(screen) == [["#1", "SENT", "note_internal"]],
            "the note to show as sent",
        )
        # The push read the conversation back: the note is in the open case, as internal.
        await wait_until(
            pilot,
            lambda: len(screen.query(".entry.internal")) == notes_before + 1,
            "the sent note in the conversation",
        )
        assert screen.ticket is not None and screen.ticket.comments is not None
        assert [(c.body.strip(), c.public) for c in screen.ticket.comments][-1] == (NOTE, False)
        assert bar.runs == 2
        # A run that changed other tickets only: the case is re-read but not redrawn.
        first_entry = screen.query(".entry").first()
        screen.post_message(SyncBar.Synced(True))
        await settle(pilot)
        assert screen.query(".entry").first() is first_entry
    assert internal_note_on_server(live, account, remote_id) == expected


async def test_the_same_cache_without_servers_says_once_that_the_demo_is_offline(
    offline_demo: Store,
) -> None:
    store = offline_demo
    ticket_id, _ = open_ticket(store, "demo-jsm")
    app = make_app(demo_settings(), store, clock=lambda: NOW)  # a plain `queuebench`
    offline = (
        "demo-zendesk, demo-jsm, demo-snow, demo-zendesk-team: sandbox accounts, offline here "
        "(their servers run only inside `queuebench demo`), so background sync is off for them"
    )
    async with app.run_test(size=SIZE) as pilot:
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        bar = queue.query_one(SyncBar)
        await wait_until(pilot, lambda: bar.offline_text is not None, "the offline line")
        assert bar.display and bar_text(app) == offline
        queue.open_case(ticket_id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CaseScreen)
        await queue_from_case(pilot, screen, "n", NOTE)
        await settle(pilot)
        notes = [n.message for n in app._notifications]
        assert notes == [
            "Queued #1 (note_internal). demo-jsm is a sandbox account of `queuebench demo`, "
            "offline here: the write waits in the outbox. Run `queuebench demo` on this "
            "cache to serve it and send it."
        ]
        await pilot.pause(1.2)  # the case re-reads a pending outbox each second
        await settle(pilot)
        assert outbox_lines(screen) == [["#1", "PENDING", "note_internal"]]
        assert bar_text(app) == offline + " · 1 write waits in the outbox (kept)"
        assert bar.runs == 0 and not bar.running  # no sync was tried


async def test_above_the_sync_limit_the_tui_says_background_sync_is_off(big_demo: Store) -> None:
    app = make_app(demo_settings(), big_demo, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        bar = app.screen.query_one(SyncBar)
        await wait_until(pilot, lambda: bar.offline_text is not None, "the offline line")
        assert bar_text(app) == (
            "demo-zendesk, demo-jsm, demo-snow, demo-zendesk-team: sandbox data loaded "
            "without servers (over 10,000 tickets), so background sync is off for this "
            "data set"
        )
        assert bar.runs == 0
