"""Snapshot tests: the queue, a filtered queue, a case with an internal note, the keys list.

Fixed 120×36 terminal, frozen clock (2026-11-27 12:00 UTC), times shown in Berlin time.
Regenerate with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

from textual.pilot import Pilot

from queuebench.app import QueuebenchApp
from queuebench.widgets.filter_input import FilterInput
from tests.tui.conftest import SIZE, settle


def test_queue_screen(snap_compare, app: QueuebenchApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_queue_with_filter(snap_compare, app: QueuebenchApp) -> None:
    async def type_filter(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("slash", *"webhook")
        pilot.app.screen.query_one(FilterInput).cursor_blink = False
        await pilot.pause(0.2)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=type_filter)


def test_queue_quick_filters_and_cursor(snap_compare, app: QueuebenchApp) -> None:
    async def quick(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("2", "m", "s", "j", "j")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=quick)


def test_case_screen_top(snap_compare, app: QueuebenchApp) -> None:
    async def open_case(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("g", "enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=open_case)


def test_case_screen_conversation_with_internal_note(snap_compare, app: QueuebenchApp) -> None:
    async def open_conversation(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("g", "enter")
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=open_conversation)


def test_keys_screen(snap_compare, app: QueuebenchApp) -> None:
    async def show_keys(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=show_keys)
