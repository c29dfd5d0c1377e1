"""SLA state in the cache: status history, computed clocks at write time, recompute, alerts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine

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
from queuebench.domain.query import QueueFilter
from queuebench.domain.sla_clocks import SlaSetup
from queuebench.store import writes
from queuebench.store.alerts import check_alerts
from queuebench.store.engine import (
    HEAD_REVISION,
    Store,
    db_path,
    open_store,
    probe_schema,
    run_migrations,
)
from queuebench.store.queries import from_db_time, queue_window
from queuebench.store.sla_state import (
    ensure_sla_current,
    recompute_sla,
    sla_disagreements,
    stored_fingerprint,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # Friday
H = timedelta(hours=1)
OPENED = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # Thursday 09:00 Berlin
ME = "Dana Whitfield"

SETUP = SlaSetup.from_config(
    {"emea": {"timezone": "Europe/Berlin", "hours": {"mon-fri": "09:00-17:00"}}},
    [
        {
            "name": "Enterprise",
            "match": {"account": ["team"]},
            "calendar": "emea",
            "pause_statuses": ["pending"],
            "targets": {"first_response": "1h", "resolution": "16h"},
        }
    ],
    fingerprint="f1",
)


def ticket(n: str, **kw: object) -> Ticket:
    values: dict[str, object] = {
        "account": "team",
        "vendor": Vendor.ZENDESK,
        "remote_id": n,
        "display_key": f"#{n}",
        "subject": f"Subject {n}",
        "status": Status.OPEN,
        "status_raw": "open",
        "priority": Priority.P2,
        "priority_raw": "high",
        "requester": "Rita",
        "organization": "Acme Corp",
        "assignee": ME,
        "group": None,
        "created_at": OPENED,
        "updated_at": OPENED,
        "url": f"https://x/{n}",
        "comments": (),
    }
    values.update(kw)
    return Ticket(**values)  # type: ignore[arg-type]


def make_store(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "c")
    with store.session() as s:
        writes.upsert_account(s, "team", Vendor.ZENDESK, "https://x", has_vendor_sla=False, now=NOW)
    return store


def upsert(store: Store, tickets: list[Ticket], now: datetime = NOW, sla=SETUP) -> None:
    with store.session() as s:
        writes.upsert_tickets(s, tickets, now, sla)


def history(store: Store, ticket_id: str) -> list[tuple[datetime | None, str, str]]:
    with store.read() as con:
        return [
            (from_db_time(r[0]), r[1], r[2])
            for r in con.execute(
                "SELECT changed_at, status, source FROM status_history WHERE ticket_id = ? "
                "ORDER BY changed_at, id",
                [ticket_id],
            )
        ]


def test_status_history_records_first_sight_and_each_observed_change(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    upsert(store, [ticket("1"), ticket("2", status=Status.PENDING, updated_at=OPENED + 2 * H)])
    assert history(store, "team:1") == [(OPENED, "open", "observed")]
    assert history(store, "team:2") == [(OPENED + 2 * H, "pending", "observed")]
    # No change: nothing new. A change: recorded at the vendor's update time.
    upsert(store, [ticket("1", updated_at=OPENED + H)])
    upsert(store, [ticket("1", status=Status.PENDING, updated_at=OPENED + 3 * H)])
    upsert(store, [ticket("1", status=Status.OPEN, updated_at=OPENED + 5 * H)])
    assert history(store, "team:1") == [
        (OPENED, "open", "observed"),
        (OPENED + 3 * H, "pending", "observed"),
        (OPENED + 5 * H, "open", "observed"),
    ]
    store.close()


def test_computed_clocks_at_write_time_drive_the_queue_order(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    replied = (Comment("c1", "Dana Whitfield", True, "On it", OPENED + H / 2),)
    upsert(
        store,
        [
            ticket("1", comments=replied),  # first response met; resolution Fri 17:00 Berlin
            ticket("2", created_at=OPENED + 4 * H, updated_at=OPENED + 4 * H),  # FR due 13:00Z
            ticket("3", vendor=Vendor.JSM, priority=None),  # the policy matches any vendor
        ],
    )
    with store.read() as con:
        rows = queue_window(con, QueueFilter(), NOW, limit=-1)
    by_key = {r.display_key: r for r in rows}
    assert by_key["#1"].sla == (
        SlaTarget(SlaMetric.FIRST_RESPONSE, OPENED + H, SlaStage.ACHIEVED, SlaSource.COMPUTED,
                  "Enterprise"),
        SlaTarget(SlaMetric.RESOLUTION, datetime(2026, 11, 27, 16, 0, tzinfo=UTC),
                  SlaStage.ACTIVE, SlaSource.COMPUTED, "Enterprise"),
    )  # fmt: skip
    # #2 opened Thu 13:00 Berlin: first response due Thu 14:00 Berlin, long breached.
    assert by_key["#2"].next_breach_at == OPENED + 5 * H
    assert by_key["#1"].next_breach_at == datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    assert by_key["#3"].next_breach_at == OPENED + H
    assert [r.display_key for r in rows] == ["#3", "#2", "#1"]
    store.close()


def test_paused_ticket_resumes_from_the_observed_history(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    replied = (Comment("c1", "Dana Whitfield", True, "Need logs", OPENED + H),)
    upsert(store, [ticket("1", comments=replied)], now=OPENED + H)
    # Pending from Thu 11:00 to Fri 09:00 Berlin, seen by two syncs.
    upsert(store, [ticket("1", status=Status.PENDING, updated_at=OPENED + 2 * H, comments=None)],
           now=OPENED + 2 * H + timedelta(minutes=1))  # fmt: skip
    with store.read() as con:
        rows = queue_window(con, QueueFilter(), OPENED + 3 * H, limit=-1)
    resolution = rows[0].sla[1]
    assert (resolution.stage, resolution.remaining_seconds) == (SlaStage.PAUSED, 14 * 3600)
    upsert(store, [ticket("1", status=Status.OPEN, updated_at=NOW - 4 * H, comments=None)])
    with store.read() as con:
        rows = queue_window(con, QueueFilter(), NOW, limit=-1)
    # 14 business hours left from Fri 09:00 Berlin: Fri 17:00 + 6 h = Mon 15:00 Berlin.
    assert rows[0].sla[1].breach_at == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    # The reply cached with the first sync still achieves first response.
    assert rows[0].sla[0].stage is SlaStage.ACHIEVED
    store.close()


def test_disagreement_is_kept_for_the_case_screen(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    vendor = SlaTarget(SlaMetric.RESOLUTION, datetime(2026, 11, 27, 17, 30, tzinfo=UTC),
                       SlaStage.ACTIVE, SlaSource.VENDOR, "zd")  # fmt: skip
    upsert(store, [ticket("1", sla=(vendor,))])
    with store.read() as con:
        found = sla_disagreements(con, "team:1")
        rows = queue_window(con, QueueFilter(), NOW, limit=-1)
    assert [(d.metric, d.vendor_breach_at, d.computed_breach_at, d.policy) for d in found] == [
        (SlaMetric.RESOLUTION, vendor.breach_at, datetime(2026, 11, 27, 16, 0, tzinfo=UTC),
         "Enterprise")
    ]  # fmt: skip
    assert [t.source for t in rows[0].sla] == [SlaSource.VENDOR, SlaSource.COMPUTED]
    # Fixed on the vendor side: the disagreement goes away with the next write.
    fixed = replace(vendor, breach_at=datetime(2026, 11, 27, 16, 0, tzinfo=UTC))
    upsert(store, [ticket("1", sla=(fixed,))])
    with store.read() as con:
        assert sla_disagreements(con, "team:1") == ()
    store.close()


def test_recompute_after_a_policy_change_and_only_then(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    upsert(store, [ticket("1")], sla=None)
    with store.read() as con:
        assert queue_window(con, QueueFilter(), NOW, limit=-1)[0].sla == ()
        assert stored_fingerprint(con) is None
    assert ensure_sla_current(store, SETUP, NOW) == 1
    with store.read() as con:
        row = queue_window(con, QueueFilter(), NOW, limit=-1)[0]
        assert stored_fingerprint(con) == "f1"
    assert row.next_breach_at == OPENED + H
    assert [t.policy for t in row.sla] == ["Enterprise", "Enterprise"]
    assert ensure_sla_current(store, SETUP, NOW) is None  # current: nothing done
    looser = SlaSetup.from_config(
        {}, [{"name": "Loose", "targets": {"resolution": "30h"}}], fingerprint="f2"
    )
    assert recompute_sla(store, looser, NOW) == 1
    with store.read() as con:
        row = queue_window(con, QueueFilter(), NOW, limit=-1)[0]
    assert [(t.metric, t.breach_at, t.policy) for t in row.sla] == [
        (SlaMetric.RESOLUTION, OPENED + 30 * H, "Loose")
    ]
    assert row.next_breach_at == OPENED + 30 * H
    store.close()


def test_alerts_fire_once_per_threshold_even_across_a_restart(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    # First response due Thu 10:00Z; resolution Fri 16:00Z (see above).
    upsert(store, [ticket("1")], now=OPENED)
    first_check = OPENED + 5 * timedelta(minutes=1)  # 55 min before the first-response breach
    alerts = check_alerts(store, [ME], [60, 15, 0], since=first_check - H, now=first_check)
    assert [(a.display_key, a.metric, a.threshold, a.thresholds) for a in alerts] == [
        ("#1", SlaMetric.FIRST_RESPONSE, 60, (60,))
    ]
    assert alerts[0].text(first_check) == "#1 first response breaches in 55 min — Subject 1"
    assert check_alerts(store, [ME], [60, 15, 0], since=first_check, now=first_check) == []
    store.close()
    store = open_store(tmp_path / "c")  # a restart
    later = OPENED + H + timedelta(minutes=2)  # past 15 and 0 at once: one alert, the breach
    alerts = check_alerts(store, [ME], [60, 15, 0], since=later - timedelta(days=1), now=later)
    assert [(a.threshold, a.thresholds, a.is_breach) for a in alerts] == [(0, (0, 15), True)]
    assert alerts[0].text(later) == "#1 first response BREACHED -0:02 — Subject 1"
    assert check_alerts(store, [ME], [60, 15, 0], since=later - timedelta(days=1), now=later) == []
    # Not the user's ticket, or not asked for anybody: nothing.
    assert check_alerts(store, ["Someone Else"], [60, 15, 0], since=OPENED, now=later) == []
    store.close()


def test_upgrade_from_0002_gives_every_ticket_a_history_entry(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    path = db_path(data)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as con:
        run_migrations(con, "0002")
    engine.dispose()
    old = open_store(data, create=True)  # upgrades to head
    assert probe_schema(path).revision == HEAD_REVISION
    with old.session() as s:
        writes.upsert_account(s, "team", Vendor.ZENDESK, "https://x", now=NOW)
    upsert(old, [ticket("1", status=Status.PENDING, updated_at=OPENED + H)], sla=None)
    assert history(old, "team:1") == [(OPENED + H, "pending", "observed")]
    old.close()
