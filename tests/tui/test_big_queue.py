"""The queue at 10,000 tickets: the widget pages windows from SQL instead of loading rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from queuebench.app import make_app
from queuebench.domain.models import Priority, SlaMetric, SlaStage, SlaTarget, Status, Vendor
from queuebench.domain.query import QueueFilter, parse_filter
from queuebench.store.engine import Store
from queuebench.store.queries import count_queue, queue_window
from queuebench.widgets.queue_table import PAGE_SIZE, QueueTable
from tests.tui.conftest import NOW, SIZE, frozen_clock, make_settings, seed_store, settle, ticket

pytestmark = pytest.mark.anyio

BIG = 10_000
VENDORS = (Vendor.ZENDESK, Vendor.JSM, Vendor.SERVICENOW)
STATUSES = (Status.OPEN, Status.NEW, Status.PENDING, Status.OPEN, Status.SOLVED)
PRIORITIES = (Priority.P1, Priority.P2, Priority.P3, Priority.P4, None)
WORDS = ("sso", "webhook", "export", "latency", "billing", "ldap", "audit")


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    tickets = []
    for n in range(BIG):
        vendor = VENDORS[n % 3]
        minutes = (n * 37) % (60 * 24 * 20) - 600  # spread from 10 h overdue to 20 days ahead
        sla = (SlaTarget(SlaMetric.RESOLUTION, NOW + timedelta(minutes=minutes), SlaStage.ACTIVE),)
        tickets.append(
            ticket(
                vendor,
                f"r{n}",
                f"BIG-{n}",
                f"{WORDS[n % len(WORDS)]} issue number {n}",
                status=STATUSES[n % len(STATUSES)],
                priority=PRIORITIES[n % len(PRIORITIES)],
                sla=sla if n % 11 else (),
                assignee=None if n % 4 == 0 else "Dana Whitfield",
                created_ago=timedelta(hours=n % 1000),
                comments=None,
            )
        )
    store = seed_store(Path(tmp_path_factory.mktemp("big")), tickets)
    yield store
    store.close()


def key_at(store: Store, flt: QueueFilter, index: int) -> str:
    """The store's own answer for row ``index`` (negative counts from the end)."""
    with store.read() as session:
        total = count_queue(session, flt, NOW)
        offset = index if index >= 0 else total + index
        (row,) = queue_window(session, flt, NOW, offset=offset, limit=1)
    return row.display_key


def last_key(store: Store, flt: QueueFilter) -> str:
    return key_at(store, flt, -1)


async def test_big_queue_pages_windows_and_jumps_to_the_end(big_store: Store) -> None:
    app = make_app(make_settings(), big_store, clock=frozen_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(QueueTable)
        assert table.total == BIG
        assert table.cached_row_count <= PAGE_SIZE
        assert table.virtual_size.height == BIG + 1
        await pilot.press("G")
        await pilot.pause()
        assert table.cursor == BIG - 1
        assert table.cursor_row.display_key == last_key(big_store, QueueFilter())
        assert table.cached_row_count <= PAGE_SIZE
        last_line = table.render_line(table.visible_row_count).text
        assert last_key(big_store, QueueFilter()) in last_line
        fetches = table.fetch_count
        await pilot.press("g")
        await pilot.pause()
        assert table.cursor_row.display_key == key_at(big_store, QueueFilter(), 0)
        assert table.fetch_count == fetches + 1  # one window for the jump back
        for _ in range(5):
            await pilot.press("pagedown")
        await pilot.pause()
        assert table.cursor == 5 * table.visible_row_count
        assert table.cursor_row.display_key == key_at(big_store, QueueFilter(), table.cursor)
        assert table.cached_row_count <= PAGE_SIZE


async def test_big_queue_filters_in_sql(big_store: Store) -> None:
    app = make_app(make_settings(), big_store, clock=frozen_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"ldap prio:P1")
        await pilot.pause(0.2)
        await settle(pilot)
        table = app.screen.query_one(QueueTable)
        flt = parse_filter("ldap prio:P1")
        with big_store.read() as session:
            expected = count_queue(session, flt, NOW)
        assert table.total == expected == len(range(5, BIG, 35))
        assert table.cached_row_count <= PAGE_SIZE
        await pilot.press("escape", "G")
        await pilot.pause()
        assert table.cursor_row.display_key == last_key(big_store, flt)
