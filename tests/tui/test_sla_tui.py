"""SLA alerts on the queue (frozen clock moved by hand), the KPI dashboard, the SLA panel."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from queuebench.app import make_app
from queuebench.domain.models import (
    Comment,
    Priority,
    SlaMetric,
    SlaSource,
    SlaStage,
    SlaTarget,
    Status,
    Ticket,
    Vendor,
)
from queuebench.domain.sla_clocks import SlaSetup
from queuebench.screens.case import CaseScreen
from queuebench.screens.kpi import KpiScreen
from queuebench.screens.queue import QueueScreen
from queuebench.store import writes
from queuebench.store.engine import Store, open_store
from tests.sla_fixtures import NOW as KPI_NOW
from tests.sla_fixtures import kpi_store
from tests.tui.conftest import DANA, SIZE, make_settings, settle

pytestmark = pytest.mark.anyio

OPENED = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # Friday 10:00 Berlin
H = timedelta(hours=1)
M = timedelta(minutes=1)

SETUP = SlaSetup.from_config(
    {"emea": {"timezone": "Europe/Berlin", "hours": {"mon-fri": "09:00-17:00"}}},
    [
        {
            "name": "Enterprise",
            "match": {"account": ["acme-team"]},
            "calendar": "emea",
            "targets": {"first_response": "1h", "resolution": "16h"},
        }
    ],
)


class MovableClock:
    """A frozen clock the test moves forward."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def team_ticket(n: str, **kw: object) -> Ticket:
    values: dict[str, object] = {
        "account": "acme-team",
        "vendor": Vendor.ZENDESK,
        "remote_id": n,
        "display_key": f"#{n}",
        "subject": f"Webhook retries duplicate events {n}",
        "status": Status.OPEN,
        "status_raw": "open",
        "priority": Priority.P2,
        "priority_raw": "high",
        "requester": "Ana Souza",
        "organization": "Initech",
        "assignee": DANA,
        "group": "Tier 3",
        "created_at": OPENED,
        "updated_at": OPENED,
        "url": f"https://acme-team.zendesk.com/agent/tickets/{n}",
        "description": "Webhooks are retried although we answered 200.",
        "comments": (),
    }
    values.update(kw)
    return Ticket(**values)  # type: ignore[arg-type]


@pytest.fixture
def team_store(tmp_path: Path) -> Iterator[Store]:
    """#7001: first response due 10:00Z (11:00 Berlin); #7002 someone else's, same clocks;
    #7003 has a vendor resolution target two hours off the computed one."""
    store = open_store(tmp_path / "team")
    vendor = SlaTarget(SlaMetric.RESOLUTION, datetime(2026, 11, 30, 14, 0, tzinfo=UTC),
                       SlaStage.ACTIVE, SlaSource.VENDOR, "Zendesk Enterprise")  # fmt: skip
    reply = (Comment("c1", DANA, True, "Looking at the delivery logs now.", OPENED + 20 * M),)
    with store.session() as s:
        writes.upsert_account(s, "acme-team", Vendor.ZENDESK, "https://x", now=OPENED)
        writes.upsert_tickets(
            s,
            [
                team_ticket("7001"),
                team_ticket("7002", assignee="Priya Natarajan"),
                team_ticket("7003", sla=(vendor,), comments=reply),
            ],
            OPENED + 30 * M,
            SETUP,
        )
    yield store
    store.close()


def health(screen: QueueScreen) -> str:
    return str(screen.query_one("#health", Static).render())


async def test_alerts_notify_ring_and_count_once_per_threshold(team_store: Store) -> None:
    clock = MovableClock(OPENED + 50 * M)  # the first response breaches at OPENED + 1 h
    settings = make_settings(alerts={"enabled": True, "bell": True})
    app = make_app(settings, team_store, clock=clock)
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)

        async def check(at: datetime) -> list[tuple[str, str, str]]:
            """Every notification so far, after a check at ``at`` (the screen's own
            one-second checks may run too, at the same clock: the list is the same)."""
            clock.now = at
            screen.check_alerts()
            await settle(pilot)
            return [(n.title, n.message, n.severity) for n in list(app._notifications)]

        warning = (
            "SLA alert",
            "#7001 first response breaches in 10 min — Webhook retries duplicate events 7001",
            "warning",
        )
        # 10 minutes before: past 60 (the only threshold crossed), one alert, mine only.
        assert await check(OPENED + 50 * M) == [warning]
        assert health(screen).startswith("ALERTS 1 · Open 3 · BREACHED 0")
        assert bells == [1]
        assert await check(OPENED + 51 * M) == [warning]  # never twice
        assert await check(OPENED + 61 * M) == [
            warning,
            ("SLA breached", "#7001 first response BREACHED -0:01 — Webhook retries "
             "duplicate events 7001", "error"),
        ]  # fmt: skip
        assert health(screen).startswith("ALERTS 2 · ")
        assert bells == [1, 1]

    # A restart: the store remembers what was shown.
    app = make_app(settings, team_store, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        clock.now = OPENED + 62 * M
        screen.check_alerts()
        await settle(pilot)
        assert list(app._notifications) == []
        assert screen.alert_count == 0
        assert health(screen).startswith("Open 3 · ")


async def test_kpi_screen_opens_with_K_and_shows_the_figures(tmp_path: Path) -> None:
    store = kpi_store(tmp_path / "kpi")
    app = make_app(make_settings(), store, clock=lambda: KPI_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, KpiScreen)
        summary = str(screen.query_one("#kpi-summary", Static).render())
        assert "First response      median 1:00      p90 4:00      over 4 tickets" in summary
        assert "SLA first response  60.0 % (3 met, 2 breached)" in summary
        assert "Reopen rate         33.3 % (1 of 3 solved tickets)" in summary
        assert "(50.0 % older than 14 days)" in summary
        assert screen.report is not None
        assert screen.report.breaches_per_week[-2:] == [("2026-W47", 1), ("2026-W48", 1)]
        groups = str(screen.query_one("#kpi-groups", Static).render()).splitlines()
        assert groups[1].split() == ["P1", "1", "0:30", "1d", "00h", "100.0", "%", "100.0", "%",
                                     "0.0", "%"]  # fmt: skip
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    store.close()


async def test_kpi_dashboard_is_in_the_command_palette(tmp_path: Path) -> None:
    store = kpi_store(tmp_path / "kpi")
    app = make_app(make_settings(), store, clock=lambda: KPI_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        names = {name for name, _, _ in screen.palette_commands()}
        assert "KPI dashboard" in names
        dict((n, cb) for n, _, cb in screen.palette_commands())["KPI dashboard"]()
        await settle(pilot)
        assert isinstance(app.screen, KpiScreen)
    store.close()


def test_kpi_screen_snapshot(snap_compare, tmp_path: Path) -> None:
    store = kpi_store(tmp_path / "kpi")
    app = make_app(make_settings(), store, clock=lambda: KPI_NOW, data_note="test data")

    async def open_kpi(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=open_kpi)
    store.close()


def test_case_sla_panel_with_computed_target_and_disagreement(snap_compare, team_store) -> None:
    app = make_app(make_settings(), team_store, clock=lambda: OPENED + 2 * H)

    async def open_case(pilot: Pilot[None]) -> None:
        await settle(pilot)
        app.screen.open_case("#7003")  # type: ignore[attr-defined]
        await settle(pilot)
        case = app.screen
        assert isinstance(case, CaseScreen)
        assert [d.metric for d in case.disagreements] == [SlaMetric.RESOLUTION]

    assert snap_compare(app, terminal_size=SIZE, run_before=open_case)
