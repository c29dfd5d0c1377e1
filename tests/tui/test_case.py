"""Pilot tests of the case screen: header, SLA clocks, conversation order and labels."""

from __future__ import annotations

import pytest
from textual.containers import Vertical
from textual.widgets import Markdown, Static

from queuebench.app import QueuebenchApp
from queuebench.screens.case import NOT_CACHED, CaseScreen
from queuebench.screens.queue import QueueScreen
from tests.tui.conftest import SIZE, settle

pytestmark = pytest.mark.anyio


def text_of(screen: CaseScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def open_case(app: QueuebenchApp, pilot: object, key: str) -> CaseScreen:
    queue = app.screen
    assert isinstance(queue, QueueScreen)
    queue.open_case(key)
    await settle(pilot)  # type: ignore[arg-type]
    screen = app.screen
    assert isinstance(screen, CaseScreen)
    return screen


async def test_case_header_and_sla_clocks(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("g", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CaseScreen)
        header = text_of(screen, "#case-header").splitlines()
        assert header[0] == "#4512  Login loop after SSO change"
        assert "Customer  Müller GmbH" in header
        assert "Requester Jürgen Müller" in header
        assert "Status    open (vendor: Open)" in header
        assert "Priority  P1 (vendor: p1)" in header
        assert "Assignee  Dana Whitfield" in header
        assert "Vendor    Zendesk · account acme-zd" in header
        assert "URL       https://acme.zendesk.com/agent/tickets/4512" in header
        sla = [" ".join(line.split()) for line in text_of(screen, "#case-sla").splitlines()]
        assert sla == [
            "Metric Stage Breaches at Remaining Source Policy",
            "First response met 2026-11-20 17:00 CET — vendor Enterprise 24x7",
            "Resolution BREACHED 2026-11-27 11:55 CET overdue 1:05 vendor Enterprise 24x7",
            "Periodic update active 2026-11-27 15:00 CET 2:00 left computed Sev1 cadence",
        ]
        assert text_of(screen, "#case-tags") == "Tags      sso, escalated"


async def test_conversation_in_time_order_with_internal_note_labelled(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_case(app, pilot, "#4512")
        entries = list(screen.query(".entry").results(Vertical))
        titles = [str(e.border_title) for e in entries]
        assert titles == [
            "DESCRIPTION — Jürgen Müller · 2026-11-20 12:00 CET",
            "PUBLIC REPLY — Dana Whitfield · 2026-11-20 15:00 CET",
            "INTERNAL NOTE — Dana Whitfield · 2026-11-20 15:02 CET",
            "PUBLIC REPLY — Jürgen Müller · 2026-11-26 17:00 CET",
        ]
        assert [e.has_class("internal") for e in entries] == [False, False, True, False]
        assert text_of(screen, "#conversation-title") == "Conversation · 3 entries (1 internal)"
        # Markdown where the vendor says so, plain text (brackets kept) otherwise.
        assert entries[0].query_one(Markdown)
        assert entries[2].query_one(Markdown)
        last = entries[3].query_one(Static)
        assert not isinstance(last, Markdown)
        assert str(last.render()) == (
            "Still looping after clearing cookies. Logs attached [see trace]."
        )


async def test_uncached_conversation_and_brackets_in_text(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_case(app, pilot, "SUP-88")
        header = text_of(screen, "#case-header")
        assert header.splitlines()[0] == "SUP-88  Webhook deliveries [prod] failing with 502"
        assert "Requester [bot] Monitor" in header
        assert text_of(screen, "#conversation-title") == NOT_CACHED
        assert not screen.query(".entry.public")


async def test_o_opens_vendor_url_and_j_scrolls(app, monkeypatch) -> None:
    opened: list[str] = []
    async with app.run_test(size=(100, 20)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(app, "open_url", lambda url, **kw: opened.append(url))
        screen = await open_case(app, pilot, "#4512")
        await pilot.press("o")
        assert opened == ["https://acme.zendesk.com/agent/tickets/4512"]
        assert screen.body.scroll_y == 0
        await pilot.press("j", "j", "j")
        await pilot.pause()
        assert screen.body.scroll_y == 3
        await pilot.press("k")
        await pilot.pause()
        assert screen.body.scroll_y == 2


async def test_unknown_key_says_how_to_find_it(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_case(app, pilot, "NOPE-1")
        message = text_of(screen, "#case-error")
        assert message.startswith("No cached ticket has the key 'NOPE-1'.")
        assert "queuebench sync" in message
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)
