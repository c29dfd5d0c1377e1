"""Pilot tests of the queue screen against the seeded cache (30 tickets, 3 vendors)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import pytest
from textual import events
from textual.widgets import Static

from queuebench.app import make_app
from queuebench.domain.query import SortKey, parse_filter
from queuebench.screens.case import CaseScreen
from queuebench.screens.keys import KeysModal
from queuebench.screens.queue import EMPTY_CACHE, QueueScreen
from queuebench.store.engine import Store
from queuebench.widgets.filter_input import FilterInput
from queuebench.widgets.queue_table import QueueTable, layout_columns
from queuebench.widgets.view_bar import ViewBar
from tests.tui.conftest import NOW, SIZE, expected_keys, frozen_clock, make_settings, settle

pytestmark = pytest.mark.anyio

WEBHOOK_KEYS = {"SUP-88", "SUP-111", "INC0020015"}


def column(table: QueueTable, text: str, key: str) -> str:
    """The text of column ``key`` in a rendered line."""
    start = 0
    for col in layout_columns(table.scrollable_content_region.width, table.current_query.sort):
        if col.key == key:
            return text[start : start + col.width].strip()
        start += col.width + 1
    raise KeyError(key)


def screen_keys(table: QueueTable) -> list[str]:
    """The display keys on screen, top to bottom, read from the rendered lines."""
    keys = []
    for y in range(1, table.scrollable_content_region.height):
        text = table.render_line(y).text
        if not text.strip():
            break
        keys.append(column(table, text, "key"))
    return keys


def static_text(screen: QueueScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_rows_on_screen_follow_store_order(app, store: Store) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(QueueTable)
        order = expected_keys(store)
        assert table.total == 30
        on_screen = screen_keys(table)
        assert len(on_screen) == table.visible_row_count
        assert on_screen == order[: len(on_screen)]
        assert order[:4] == ["#4512", "SUP-88", "#4520", "INC0010042"]
        header = table.render_line(0).text
        assert header.startswith("SLA↑")
        assert "Subject" in header and "Vendor" in header


async def test_sla_column_reads_without_colour(app) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(QueueTable)
        lines = {
            column(table, line.text, "key"): column(table, line.text, "sla")
            for line in (table.render_line(y) for y in range(1, 31))
        }
        assert lines["#4512"] == "BREACHED -1:05"
        assert lines["SUP-88"] == "BREACHED -0:10"
        assert lines["INC0010042"] == "0:42"
        assert lines["INC0010050"] == "2d 04h"
        assert lines["#4533"] == "PAUSED 3:00"  # the business time the clock has left
        assert lines["#4540"] == "met"
        assert lines["SUP-99"] == "—"


async def test_backlog_health_header(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert static_text(app.screen, "#health") == (
            "Open 28 · BREACHED 2 · due <1h 2 · aged >7d 16 >14d 11 >30d 7"
        )


async def test_cursor_keys_move_to_expected_ticket(app, store: Store) -> None:
    order = expected_keys(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(QueueTable)
        assert table.visible_row_count == 14
        assert table.cursor_row.display_key == order[0]
        await pilot.press("j", "j")
        assert table.cursor_row.display_key == order[2]
        await pilot.press("k")
        assert table.cursor_row.display_key == order[1]
        await pilot.press("G")
        assert table.cursor_row.display_key == order[-1]
        assert table.scroll_offset.y == 30 - 14
        assert screen_keys(table)[-1] == order[-1]
        await pilot.press("g")
        assert table.cursor_row.display_key == order[0]
        assert table.scroll_offset.y == 0
        await pilot.press("down", "pagedown")
        assert table.cursor == 15
        assert table.scroll_offset.y == 14
        assert screen_keys(table)[1] == order[15]


async def test_filter_as_you_type_narrows_and_counts(app, store: Store) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("slash")
        assert isinstance(app.focused, FilterInput)
        await pilot.press(*"webhook")
        await pilot.pause(0.2)
        await settle(pilot)
        table = screen.query_one(QueueTable)
        assert table.total == 3
        assert set(screen_keys(table)) == WEBHOOK_KEYS
        assert screen_keys(table) == expected_keys(store, parse_filter("webhook"))
        assert static_text(screen, "#filter-message").startswith("3 matches")
        assert 'filter "webhook"' in static_text(screen, "#status")
        await pilot.press("escape")
        assert not screen.has_class("-filtering")
        assert table.total == 3  # escape keeps the filter
        await pilot.press("slash", "ctrl+u")
        await pilot.pause(0.2)
        await settle(pilot)
        assert table.total == 30


async def test_keys_typed_fast_around_the_filter_go_where_meant(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(QueueTable)
        # A fast typist (or tmux send-keys): every key is queued before "/" is handled.
        burst = [("slash", "/"), *[(c, c) for c in "webhook"], ("escape", None), ("j", "j")]
        for key, char in burst:
            app.post_message(events.Key(key, char))
        await pilot.pause(0.2)
        await settle(pilot)
        assert screen.typed_text == "webhook"
        assert screen.quick_flags == set()  # the "b" of webhook is text, not the quick filter
        assert not screen.has_class("-filtering")
        assert table.total == 3
        assert screen.query_one(FilterInput).value == "webhook"  # "j" went to the list
        assert app.focused is table
        for key, char in [("slash", "/"), ("slash", "/")]:
            app.post_message(events.Key(key, char))
        await pilot.pause()
        assert screen.query_one(FilterInput).value == "webhook/"  # "/" inside is text


async def test_bad_filter_shows_error_and_keeps_results(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("slash", *"webhook")
        await pilot.pause(0.2)
        await settle(pilot)
        await pilot.press(*" prio:P9")
        await pilot.pause(0.2)
        await settle(pilot)
        table = screen.query_one(QueueTable)
        message = static_text(screen, "#filter-message")
        assert "prio:P9 is not a priority; use P1, P2, P3, P4 or none." in message
        assert "showing the last good result" in message
        assert screen.typed_text == "webhook"  # the last good filter stays in force
        assert table.total == 3
        assert set(screen_keys(table)) == WEBHOOK_KEYS
        await pilot.press("escape")
        assert screen.query_one(FilterInput).value == "webhook"
        assert screen.filter_error is None
        assert table.total == 3


async def test_quick_filters_toggle_and_show(app, store: Store) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(QueueTable)
        await pilot.press("m")
        await settle(pilot)
        mine = expected_keys(store, parse_filter("is:mine"))
        assert table.total == len(mine) == 11
        assert screen_keys(table) == mine
        await pilot.press("b")
        await settle(pilot)
        assert screen_keys(table) == ["#4512"]  # SUP-88 is breached but unassigned
        assert "quick mine, breached" in static_text(screen, "#status")
        await pilot.press("m", "b", "u")
        await settle(pilot)
        assert screen_keys(table) == expected_keys(store, parse_filter("is:unassigned"))
        await pilot.press("u", "v", "v")  # all vendors → zendesk → jsm
        await settle(pilot)
        assert screen.vendor is not None and screen.vendor.value == "jsm"
        assert screen_keys(table) == expected_keys(store, parse_filter("vendor:jsm"))
        assert "vendor:jsm" in static_text(screen, "#status")
        await pilot.press("x")
        await settle(pilot)
        assert table.total == 30


async def test_views_switch_with_numbers_and_brackets(app, store: Store) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(QueueTable)
        await pilot.press("2")
        await settle(pilot)
        assert screen.view.name == "Open"
        assert screen.query_one(ViewBar).active == 1
        assert table.total == 28
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert screen.view.name == "Mine"
        assert screen_keys(table) == expected_keys(store, parse_filter("is:mine is:open"))
        await pilot.press("left_square_bracket", "left_square_bracket")
        await settle(pilot)
        assert screen.view.name == "All"
        assert table.total == 30


async def test_view_sort_and_typed_filter_combine(store: Store) -> None:
    settings = make_settings(views=[{"name": "By key", "filter": "vendor:zendesk", "sort": "-key"}])
    app = make_app(settings, store, clock=frozen_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(QueueTable)
        expected = expected_keys(
            store, parse_filter("vendor:zendesk"), sort=SortKey.KEY, descending=True
        )
        assert screen_keys(table) == expected
        assert "Key↓" in table.render_line(0).text
        await pilot.press("slash", *"export")
        await pilot.pause(0.2)
        await settle(pilot)
        assert screen_keys(table) == ["#4610"]


async def test_sort_override_cycles_and_reverses(app, store: Store) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(QueueTable)
        await pilot.press("s")
        await settle(pilot)
        assert table.current_query.sort is SortKey.PRIORITY
        assert screen_keys(table) == expected_keys(store, sort=SortKey.PRIORITY)
        assert "Pri↑" in table.render_line(0).text
        await pilot.press("r")
        await settle(pilot)
        assert screen_keys(table) == expected_keys(store, sort=SortKey.PRIORITY, descending=True)
        await pilot.press("s", "s")
        await settle(pilot)
        assert table.current_query.sort is SortKey.CREATED
        assert screen_keys(table) == expected_keys(store, sort=SortKey.CREATED)


async def test_cursor_keeps_its_ticket_when_the_order_changes(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(QueueTable)
        await pilot.press("j", "j", "j")
        key = table.cursor_row.display_key
        await pilot.press("s")  # priority order moves the ticket to another row
        await settle(pilot)
        assert table.cursor_row.display_key == key


async def test_enter_opens_case_and_escape_returns_to_same_row(app) -> None:
    async with app.run_test(size=(120, 20)) as pilot:
        await settle(pilot)
        queue = app.screen
        table = queue.query_one(QueueTable)
        await pilot.press(*["j"] * 20)
        assert table.scroll_offset.y > 0
        key, scroll = table.cursor_row.display_key, table.scroll_offset.y
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert app.screen.ticket is not None and app.screen.ticket.display_key == key
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is queue
        assert table.cursor_row.display_key == key
        assert table.scroll_offset.y == scroll


async def test_live_countdown_rerenders_without_requery(store: Store) -> None:
    now = [NOW]

    def clock() -> datetime:
        return now[0]

    app = make_app(make_settings(), store, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(QueueTable)
        fetches = table.fetch_count
        assert table.render_line(3).text.startswith("0:15")  # #4520, first response
        now[0] = NOW + timedelta(minutes=2)
        await pilot.pause(1.2)  # one tick of the 1 s countdown timer
        assert table.render_line(3).text.startswith("0:13")
        assert table.fetch_count == fetches


async def test_keymap_from_settings_rebinds_keys(store: Store) -> None:
    settings = make_settings(keymap={"queue.cursor_down": "n", "queue.open": "l"})
    app = make_app(settings, store, clock=frozen_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(QueueTable)
        await pilot.press("j")
        assert table.cursor == 0  # j no longer moves down
        await pilot.press("n", "n")
        assert table.cursor == 2
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)


async def test_question_mark_lists_current_screen_keys(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, KeysModal)
        text = str(modal.query_one("#keys-table", Static).render())
        for line in (
            "⏎",
            "Open case",
            "queue.open",
            "Filter",
            "queue.filter",
            "Cycle vendor",
            "↓ / j",
            "Cursor down",
        ):
            assert line in text
        ids = [e.binding_id for e in modal.entries]
        assert "queue.next_view" in ids
        assert "queue.view_5" in ids and "queue.view_6" not in ids  # five views configured
        assert "Scroll Left" not in text
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, KeysModal)


async def test_command_palette_offers_screen_actions(app, store: Store) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"sort by priority")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is queue
        assert queue.query_one(QueueTable).current_query.sort is SortKey.PRIORITY
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"SUP-91")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert app.screen.ticket is not None and app.screen.ticket.display_key == "SUP-91"


async def test_empty_cache_says_how_to_fill_it(settings, empty_store: Store) -> None:
    app = make_app(settings, empty_store, clock=frozen_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(QueueTable)
        text = " ".join(table.render_line(y).text.strip() for y in range(1, 4))
        assert text.strip() == EMPTY_CACHE


async def test_failed_query_becomes_a_notification(app, monkeypatch) -> None:
    def locked(*args: object, **kwargs: object) -> int:
        raise sqlite3.OperationalError("database is locked")

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr("queuebench.widgets.queue_table.count_queue", locked)
        await pilot.press("m")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("The cache is busy") for m in messages)
        assert app.screen.query_one(QueueTable).total == 30  # the old result stays
