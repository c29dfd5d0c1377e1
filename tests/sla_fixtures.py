"""A small hand-built cache whose KPI figures are worked out by hand (see EXPECTED_*).

Now is Friday 2026-11-27 12:00 UTC. Six Zendesk tickets, requester "Rita Requester", agent
"Dana Whitfield":

=====  ====  ========  ===================  ===========================  ======================
key    prio  created   first agent reply    status history               targets (vendor)
=====  ====  ========  ===================  ===========================  ======================
#1     P1    now-10d   +30 min              open, solved +1d             FR +1h met, RES +2d met
#2     P2    now-8d    +2 h                 open, solved +3d, open +4d   FR +1h late, RES +5d over
#3     P3    now-20d   +4 h                 open, solved +2d, closed +3d FR +8h met, RES +7d met
#4     P3    now-40d   none                 open                         FR +8h overdue
#5     P4    now-2d    +1 h                 pending                      FR +24h met, RES paused
#6     none  now-15d   none (customer only) open                         none
=====  ====  ========  ===================  ===========================  ======================
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

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
from queuebench.store import writes
from queuebench.store.engine import Store, open_store
from queuebench.store.sla_state import record_vendor_status_history

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
ACCOUNT = "kpi-zd"
REQUESTER = "Rita Requester"
AGENT = "Dana Whitfield"
H = timedelta(hours=1)
D = timedelta(days=1)


def _ticket(
    n: int,
    priority: Priority | None,
    created: datetime,
    status: Status,
    *,
    reply_after: timedelta | None,
    targets: tuple[SlaTarget, ...] = (),
    updated: datetime | None = None,
) -> Ticket:
    comments = [Comment(f"{n}-0", REQUESTER, True, "It is broken.", created)]
    if reply_after is not None:
        comments.append(Comment(f"{n}-1", AGENT, True, "Looking into it.", created + reply_after))
    else:
        comments.append(Comment(f"{n}-1", REQUESTER, True, "Any news?", created + 5 * H))
        comments.append(Comment(f"{n}-2", AGENT, False, "internal: repro", created + 6 * H))
    return Ticket(
        account=ACCOUNT,
        vendor=Vendor.ZENDESK,
        remote_id=str(n),
        display_key=f"#{n}",
        subject=f"Ticket {n}",
        status=status,
        status_raw=status.value,
        priority=priority,
        priority_raw=priority.value if priority else None,
        requester=REQUESTER,
        organization="Acme Corp",
        assignee=AGENT,
        group="Tier 3",
        created_at=created,
        updated_at=updated or NOW - H,
        url=f"https://kpi.zendesk.com/agent/tickets/{n}",
        sla=targets,
        comments=tuple(comments),
    )


def _t(metric: SlaMetric, at: datetime | None, stage: SlaStage) -> SlaTarget:
    return SlaTarget(metric, at, stage, SlaSource.VENDOR, "zd policy")


FR, RES = SlaMetric.FIRST_RESPONSE, SlaMetric.RESOLUTION
ACH, ACT, PAU = SlaStage.ACHIEVED, SlaStage.ACTIVE, SlaStage.PAUSED


def kpi_tickets() -> tuple[list[Ticket], dict[str, list[tuple[datetime, Status]]]]:
    """The six tickets and their status histories (as a vendor audit log would give them)."""
    c1, c2, c3, c4, c5, c6 = (NOW - 10 * D, NOW - 8 * D, NOW - 20 * D, NOW - 40 * D, NOW - 2 * D,
                              NOW - 15 * D)  # fmt: skip
    tickets = [
        _ticket(1, Priority.P1, c1, Status.SOLVED, reply_after=30 * timedelta(minutes=1),
                targets=(_t(FR, c1 + H, ACH), _t(RES, c1 + 2 * D, ACH)), updated=c1 + D),
        _ticket(2, Priority.P2, c2, Status.OPEN, reply_after=2 * H,
                targets=(_t(FR, c2 + H, ACH), _t(RES, c2 + 5 * D, ACT))),
        _ticket(3, Priority.P3, c3, Status.CLOSED, reply_after=4 * H,
                targets=(_t(FR, c3 + 8 * H, ACH), _t(RES, c3 + 7 * D, ACH)), updated=c3 + 3 * D),
        _ticket(4, Priority.P3, c4, Status.OPEN, reply_after=None,
                targets=(_t(FR, c4 + 8 * H, ACT),)),
        _ticket(5, Priority.P4, c5, Status.PENDING, reply_after=H,
                targets=(_t(FR, c5 + 24 * H, ACH), _t(RES, None, PAU))),
        _ticket(6, None, c6, Status.OPEN, reply_after=None),
    ]  # fmt: skip
    histories = {
        f"{ACCOUNT}:1": [(c1, Status.OPEN), (c1 + D, Status.SOLVED)],
        f"{ACCOUNT}:2": [(c2, Status.OPEN), (c2 + 3 * D, Status.SOLVED),
                         (c2 + 4 * D, Status.OPEN)],
        f"{ACCOUNT}:3": [(c3, Status.OPEN), (c3 + 2 * D, Status.SOLVED),
                         (c3 + 3 * D, Status.CLOSED)],
        f"{ACCOUNT}:4": [(c4, Status.OPEN)],
        f"{ACCOUNT}:5": [(c5, Status.OPEN), (c5 + 2 * H, Status.PENDING)],
        f"{ACCOUNT}:6": [(c6, Status.OPEN)],
    }  # fmt: skip
    return tickets, histories


def kpi_store(data_dir: Path) -> Store:
    """A cache holding :func:`kpi_tickets` with their vendor status histories."""
    store = open_store(data_dir)
    tickets, histories = kpi_tickets()
    with store.session() as session:
        writes.upsert_account(session, ACCOUNT, Vendor.ZENDESK, "https://kpi.zendesk.com", now=NOW)
        writes.upsert_tickets(session, tickets, NOW)
        for ticket_id, history in histories.items():
            record_vendor_status_history(
                session, ticket_id, [(at, st, st.value) for at, st in history]
            )
    return store


EXPECTED_REPORT = {
    "generated_at": "2026-11-27T12:00:00Z",
    "since": None,
    "tickets": 6,
    # replies after 1800, 7200, 14400, 3600 s: nearest rank 2 of 4 and 4 of 4
    "first_response": {"count": 4, "median_seconds": 3600, "p90_seconds": 14400},
    # #1 solved after 1 day, #3 after 2 days (closing later does not move it)
    "resolution": {"count": 2, "median_seconds": 86400, "p90_seconds": 172800},
    "sla_compliance": {
        "first_response": {"met": 3, "breached": 2, "percent": 60.0},
        "resolution": {"met": 2, "breached": 1, "percent": 66.7},
    },
    "reopen_rate": {"solved": 3, "reopened": 1, "percent": 33.3},
    "backlog_aging": {
        "open": 4,
        "under_7d": 1,
        "7_to_14d": 1,
        "14_to_30d": 1,
        "over_30d": 1,
        "over_14d_percent": 50.0,
    },
    "breaches_per_week": [
        {"week": "2026-W42", "breaches": 1},  # #4 first response, Sun 2026-10-18 20:00
        {"week": "2026-W43", "breaches": 0},
        {"week": "2026-W44", "breaches": 0},
        {"week": "2026-W45", "breaches": 0},
        {"week": "2026-W46", "breaches": 0},
        {"week": "2026-W47", "breaches": 1},  # #2 first response, Thu 2026-11-19 13:00
        {"week": "2026-W48", "breaches": 1},  # #2 resolution, Tue 2026-11-24 12:00
    ],
}
"""``queuebench report --json`` on :func:`kpi_store` at :data:`NOW`, worked out by hand."""
