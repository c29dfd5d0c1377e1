"""Reading the KPI report's inputs from the cache (plain SQL, any thread).

Everything comes from cached data: tickets, public comments (first agent reply), SLA targets
(vendor and computed) and the status history (solves and reopens). See
:mod:`queuebench.domain.kpi` for the definitions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, time

from queuebench.domain.kpi import GroupBy, KpiReport, TicketFacts, build_report, resolution_facts
from queuebench.domain.models import (
    Priority,
    SlaMetric,
    SlaSource,
    SlaStage,
    SlaTarget,
    Status,
    Vendor,
)
from queuebench.domain.sla_clocks import StatusChange, conversation_facts
from queuebench.store.queries import DONE, Connection, from_db_time, to_db_time

__all__ = ["iter_ticket_facts", "kpi_report", "open_ticket_created"]


def _t(value: object) -> datetime:
    parsed = from_db_time(value)  # type: ignore[arg-type]
    assert parsed is not None
    return parsed


def iter_ticket_facts(
    con: Connection, *, since: date | None = None, batch_size: int = 2000
) -> Iterator[TicketFacts]:
    """:class:`TicketFacts` of every ticket created on or after ``since`` (UTC midnight)."""
    lower = to_db_time(datetime.combine(since, time(0), tzinfo=UTC)) if since else ""
    last = ""
    while True:
        rows = con.execute(
            "SELECT id, vendor, priority, status, created_at, updated_at, requester FROM ticket "
            "WHERE id > ? AND created_at >= ? ORDER BY id LIMIT ?",
            [last, lower, batch_size],
        ).fetchall()
        if not rows:
            return
        last = rows[-1][0]
        lo, hi = rows[0][0], last
        targets: dict[str, list[SlaTarget]] = defaultdict(list)
        for r in con.execute(
            "SELECT ticket_id, metric, breach_at, stage, source, policy, remaining_seconds "
            "FROM sla_target WHERE ticket_id >= ? AND ticket_id <= ? ORDER BY ticket_id, id",
            [lo, hi],
        ):
            targets[r[0]].append(
                SlaTarget(
                    SlaMetric(r[1]), from_db_time(r[2]), SlaStage(r[3]), SlaSource(r[4]), r[5], r[6]
                )
            )
        comments: dict[str, list[tuple[datetime, str | None, bool]]] = defaultdict(list)
        for r in con.execute(
            "SELECT ticket_id, created_at, author FROM comment "
            "WHERE ticket_id >= ? AND ticket_id <= ? AND public",
            [lo, hi],
        ):
            comments[r[0]].append((_t(r[1]), r[2], True))
        history: dict[str, list[StatusChange]] = defaultdict(list)
        for r in con.execute(
            "SELECT ticket_id, changed_at, status FROM status_history "
            "WHERE ticket_id >= ? AND ticket_id <= ? ORDER BY ticket_id, changed_at, id",
            [lo, hi],
        ):
            history[r[0]].append((_t(r[1]), Status(r[2])))
        for r in rows:
            created, status = _t(r[4]), Status(r[3])
            facts = conversation_facts(comments.get(r[0], ()), requester=r[6], created_at=created)
            resolved_at, solved_once, reopened = resolution_facts(
                history.get(r[0], ()), status, _t(r[5])
            )
            yield TicketFacts(
                id=r[0],
                vendor=Vendor(r[1]),
                priority=Priority(r[2]) if r[2] else None,
                status=status,
                created_at=created,
                first_reply_at=facts.first_agent_reply_at,
                resolved_at=resolved_at,
                solved_once=solved_once,
                reopened=reopened,
                targets=tuple(targets.get(r[0], ())),
            )


def open_ticket_created(con: Connection) -> list[datetime]:
    """Creation instants of every open ticket (the backlog)."""
    return [
        _t(r[0])
        for r in con.execute("SELECT created_at FROM ticket WHERE status NOT IN (?, ?)", list(DONE))
    ]


def kpi_report(
    con: Connection, now: datetime, *, since: date | None = None, by: GroupBy | None = None
) -> KpiReport:
    """The KPI report of the cache at ``now``."""
    return build_report(
        iter_ticket_facts(con, since=since),
        now=now,
        open_ages=open_ticket_created(con),
        since=since,
        by=by,
    )
