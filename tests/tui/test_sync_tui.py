"""Pilot tests of the TUI against a sandbox server (in the test process, on loopback): the
background sync chain, the sync line, the queue updating in place with the cursor kept, and
the case screen's outbox actions."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

import queuebench.sync
from queuebench.app import QueuebenchApp, make_app
from queuebench.config import Settings, load_settings
from queuebench.sandbox.server import RunningServer
from queuebench.screens.case import CaseScreen
from queuebench.screens.outbox_modal import OutboxModal
from queuebench.screens.queue import QueueScreen
from queuebench.store.engine import Store, open_store
from queuebench.widgets.queue_table import QueueTable
from queuebench.widgets.sync_bar import SyncBar
from tests.sync.helpers import SYNC_NOW, add_account, run, sandbox
from tests.tui.conftest import SIZE, settle

pytestmark = pytest.mark.anyio

ME = "Maya Lindqvist"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningServer]:
    """A Zendesk sandbox, its account added and synced once by the CLI."""
    monkeypatch.setenv("QUEUEBENCH_NOW", SYNC_NOW.isoformat())
    with sandbox("zendesk", tickets=30) as running:
        add_account("zd", "zendesk", running)
        run("sync")
        yield running


@pytest.fixture
def cache(server: RunningServer) -> Iterator[Store]:
    store = open_store(Path(os.environ["QUEUEBENCH_DATA_DIR"]))
    yield store
    store.close()


def tui_settings(*, background: bool = True, interval: float = 1.0) -> Settings:
    settings = load_settings()  # the account the CLI added
    settings.user.names = [ME]
    settings.alerts.enabled = False
    settings.sync.background = background
    settings.sync.interval_seconds = interval
    return settings


def tui(settings: Settings, store: Store) -> QueuebenchApp:
    return make_app(settings, store, clock=lambda: SYNC_NOW)


async def wait_until(
    pilot: Any, done: Any, what: str, *, timeout: float = 15.0, then_settle: bool = True
) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.05)
    if then_settle:
        await settle(pilot)


def bar_text(app: QueuebenchApp) -> str:
    return str(app.screen.query_one(SyncBar).render())


async def test_background_sync_updates_the_queue_in_place_keeping_the_cursor(
    server: RunningServer, cache: Store
) -> None:
    app = tui(tui_settings(interval=300), cache)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(QueueTable)
        bar = app.screen.query_one(SyncBar)
        assert table.total == 30
        await pilot.press(*["j"] * 6)
        before = table.cursor_row
        assert before is not None and table.cursor == 6
        above = [table.row_at(i) for i in range(3)]
        # Remotely: a ticket above the cursor is deleted, another one renamed.
        server.app.delete(int(above[0].remote_id))  # type: ignore[union-attr,attr-defined]
        server.app.touch(  # type: ignore[attr-defined]
            int(above[2].remote_id),  # type: ignore[union-attr]
            {"subject": "Renamed remotely — 変更"},
        )
        server.clock.advance(120)
        await wait_until(pilot, lambda: bar.runs >= 1, "the first background run")
        assert table.total == 29
        # The cursor stayed on its ticket, which moved up one row.
        assert table.cursor_row is not None
        assert table.cursor_row.id == before.id and table.cursor == 5
        subjects = {table.row_at(i).id: table.row_at(i).subject for i in range(10)}  # type: ignore[union-attr]
        assert subjects[above[2].id] == "Renamed remotely — 変更"  # type: ignore[union-attr]
        assert above[0].id not in subjects  # type: ignore[union-attr]
        assert bar_text(app) == "zd synced just now"


async def test_sync_runs_as_a_chain_that_never_overlaps(
    server: RunningServer, cache: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[tuple[float, float]] = []
    active = 0
    most = 0
    real = queuebench.sync.sync_accounts

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal active, most
        active += 1
        most = max(most, active)
        started = time.monotonic()
        try:
            await asyncio.sleep(0.3)  # a slow vendor
            return await real(*args, **kwargs)
        finally:
            active -= 1
            runs.append((started, time.monotonic()))

    monkeypatch.setattr(queuebench.sync, "sync_accounts", counted)
    app = tui(tui_settings(interval=1.0), cache)
    async with app.run_test(size=SIZE) as pilot:
        bar = app.screen.query_one(SyncBar)
        await wait_until(pilot, lambda: bar.running, "the first run", then_settle=False)
        await pilot.pause()
        assert bar_text(app) == "zd syncing…"
        for _ in range(5):  # asking again while a run is going starts nothing
            bar.start_sync()
        await wait_until(pilot, lambda: len(runs) >= 3, "three runs", timeout=20)
    assert most == 1
    for (_, ended), (started, _) in itertools.pairwise(runs):
        # The next run starts one interval after the previous one ended.
        assert started - ended >= 0.9, runs


async def test_wrong_secret_shows_the_error_with_its_fix_on_the_sync_line(
    server: RunningServer, cache: Store, memory_keyring: Any
) -> None:
    memory_keyring.set_password("queuebench", "zd", "not-the-token")
    app = tui(tui_settings(interval=300), cache)
    async with app.run_test(size=SIZE) as pilot:
        bar = app.screen.query_one(SyncBar)
        await wait_until(pilot, lambda: bar.runs >= 1, "the first background run")
        text = bar_text(app)
        assert text.startswith("zd ⚠ Account 'zd' could not sign in to zendesk")
        assert "HTTP 401" in text and "queuebench account add zd" in text
        assert "not-the-token" not in text
        assert app.screen.query_one(QueueTable).total == 30  # the cache was left as it was


async def queue_from_case(pilot: Any, screen: CaseScreen, key: str, value: str) -> None:
    await pilot.press(key)
    await settle(pilot)
    modal = pilot.app.screen
    assert isinstance(modal, OutboxModal)
    await pilot.press(*value)
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert pilot.app.screen is screen


def outbox_lines(screen: CaseScreen) -> list[list[str]]:
    """``[id, STATE, action]`` of each queued write the case shows (none while the case
    is being rebuilt after a sync)."""
    found = screen.query("#case-outbox")
    if not found:
        return []
    text = str(found.first(Static).render())
    return [line.split(None, 3)[:3] for line in text.splitlines() if line.startswith("#")]


async def test_case_actions_queue_writes_and_show_their_state(
    server: RunningServer, cache: Store
) -> None:
    app = tui(tui_settings(background=False), cache)
    live = [t for t in server.app.live_tickets() if t["status"] == "open"]  # type: ignore[attr-defined]
    ticket = live[0]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        queue.open_case(f"zd:{ticket['id']}")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CaseScreen)
        assert not screen.query_one("#case-outbox-section").display
        await queue_from_case(pilot, screen, "n", "Checked the trace")
        await queue_from_case(pilot, screen, "r", "We are on it")
        await queue_from_case(pilot, screen, "s", "pending")
        await queue_from_case(pilot, screen, "p", "P1")
        await queue_from_case(pilot, screen, "a", ME)
        assert screen.query_one("#case-outbox-section").display
        assert outbox_lines(screen) == [
            ["#1", "PENDING", "note_internal"],
            ["#2", "PENDING", "reply_public"],
            ["#3", "PENDING", "status"],
            ["#4", "PENDING", "priority"],
            ["#5", "PENDING", "assignee"],
        ]
        # A sync from the queue's line sends them; the open case shows how each ended.
        queue.query_one(SyncBar).start_sync()
        await wait_until(
            pilot,
            lambda: outbox_lines(screen) and outbox_lines(screen)[-1][1] == "SENT",
            "the case to show the items sent",
        )
        assert [line[1] for line in outbox_lines(screen)] == ["SENT"] * 5
    held = server.app.tickets[ticket["id"]]  # type: ignore[attr-defined]
    assert (held["status"], held["priority"]) == ("pending", "urgent")
    comments = server.app.ticket_comments(ticket["id"])  # type: ignore[attr-defined]
    assert [(c["body"], c["public"]) for c in comments[-2:]] == [
        ("Checked the trace", False),
        ("We are on it", True),
    ]
