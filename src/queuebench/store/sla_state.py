"""SLA state in the cache: status history, computed clocks at write time, and recomputation.

:func:`plan_batch` runs inside :func:`~queuebench.store.writes.upsert_tickets`, before the
ticket rows are written: it compares each ticket's status with the one cached to record the
observed status changes, and (given an :class:`~queuebench.domain.sla_clocks.SlaSetup`) adds
the computed SLA targets, so the queue-order columns written next already use them.
:func:`write_plan` writes the history entries and disagreements once the ticket rows exist.

:func:`record_vendor_status_history` is where a connector that reads the vendor's audit log or
changelog (Zendesk ticket audits, Jira changelog, ServiceNow ``sys_audit``) hands over the
exact history; it replaces what was observed for that ticket.

:func:`recompute_sla` recomputes every ticket's clocks from the cache alone (after a change of
SLA configuration), and :func:`ensure_sla_current` does it only when the configuration differs
from the one the cache remembers.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from queuebench.domain.models import (
    Priority,
    SlaMetric,
    SlaSource,
    SlaStage,
    SlaTarget,
    Status,
    Ticket,
    Vendor,
)
from queuebench.domain.normalize import (
    ensure_utc,
    next_breach_at,
    queue_sort_key,
    with_effective_stages,
)
from queuebench.domain.sla_clocks import (
    ConversationFacts,
    SlaSetup,
    StatusChange,
    conversation_facts,
    ticket_clocks,
)
from queuebench.domain.sla_policy import SlaDisagreement
from queuebench.store.queries import from_db_time

if TYPE_CHECKING:
    from sqlmodel import Session

    from queuebench.store.engine import Store
    from queuebench.store.queries import Connection

__all__ = [
    "FINGERPRINT_KEY",
    "BatchPlan",
    "SlaInputs",
    "compute_inputs",
    "ensure_sla_current",
    "iter_sla_inputs",
    "plan_batch",
    "recompute_sla",
    "record_vendor_status_history",
    "sla_disagreements",
    "stored_fingerprint",
    "write_plan",
]

FINGERPRINT_KEY = "sla_fingerprint"
"""``cache_meta`` key of the SLA configuration the computed clocks were made with."""

RUNNING = (Status.NEW, Status.OPEN)


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


@dataclass
class BatchPlan:
    """What :func:`plan_batch` decided for one batch, written by :func:`write_plan`."""

    ids: list[str] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    disagreements: list[dict[str, Any]] = field(default_factory=list)


def _tables() -> dict[str, Any]:
    from queuebench.store.models import (
        CommentRow,
        SlaDisagreementRow,
        StatusHistoryRow,
        TicketRow,
    )

    return {
        "ticket": TicketRow.__table__,  # type: ignore[attr-defined]
        "comment": CommentRow.__table__,  # type: ignore[attr-defined]
        "history": StatusHistoryRow.__table__,  # type: ignore[attr-defined]
        "disagreement": SlaDisagreementRow.__table__,  # type: ignore[attr-defined]
    }


def _initial_change(ticket: Ticket) -> StatusChange:
    """The first entry for a ticket seen for the first time: a running status counts from
    creation; any other status from the last update (the best guess at when it was set)."""
    if ticket.status in RUNNING:
        return (_utc(ticket.created_at), ticket.status)
    return (_utc(ticket.updated_at), ticket.status)


def plan_batch(
    session: Session, tickets: Sequence[Ticket], now: datetime, sla: SlaSetup | None
) -> tuple[list[Ticket], BatchPlan]:
    """Observed status changes for a batch and, with ``sla``, its computed clocks.

    Returns the tickets (with computed targets merged in when a policy matches) and the plan
    of rows :func:`write_plan` writes after the ticket rows.
    """
    from sqlalchemy import select

    t = _tables()
    con = session.connection()
    ids = [tk.id for tk in tickets]
    plan = BatchPlan(ids=ids)
    previous = {
        r[0]: r[1]
        for r in con.execute(
            select(t["ticket"].c.id, t["ticket"].c.status).where(t["ticket"].c.id.in_(ids))
        )
    }
    history: dict[str, list[StatusChange]] = defaultdict(list)
    hist = t["history"]
    for r in con.execute(
        select(hist.c.ticket_id, hist.c.changed_at, hist.c.status)
        .where(hist.c.ticket_id.in_(ids))
        .order_by(hist.c.ticket_id, hist.c.changed_at, hist.c.id)
    ):
        history[r[0]].append((ensure_utc(r[1]), Status(r[2])))
    for tk in tickets:
        past = history[tk.id]
        change: StatusChange | None = None
        if tk.id not in previous or not past:
            change = _initial_change(tk)
        elif previous[tk.id] != tk.status.value and past[-1][1] is not tk.status:
            change = (max(_utc(tk.updated_at), past[-1][0]), tk.status)
        if change is not None:
            past.append(change)
            plan.history.append(
                {
                    "ticket_id": tk.id,
                    "changed_at": change[0],
                    "status": change[1].value,
                    "status_raw": tk.status_raw,
                    "source": "observed",
                }
            )
    if sla is None or not sla.policies:
        return list(tickets), plan

    stored_facts: dict[str, ConversationFacts] = {}
    need = [tk for tk in tickets if tk.comments is None]
    if need:
        com = t["comment"]
        rows: dict[str, list[tuple[datetime, str | None, bool]]] = defaultdict(list)
        for r in con.execute(
            select(com.c.ticket_id, com.c.created_at, com.c.author, com.c.public).where(
                com.c.ticket_id.in_([tk.id for tk in need]), com.c.public.is_(True)
            )
        ):
            rows[r[0]].append((ensure_utc(r[1]), r[2], bool(r[3])))
        for tk in need:
            stored_facts[tk.id] = conversation_facts(
                rows.get(tk.id, ()), requester=tk.requester, created_at=_utc(tk.created_at)
            )
    out: list[Ticket] = []
    for tk in tickets:
        facts = stored_facts.get(tk.id) or conversation_facts(
            ((c.created_at, c.author, c.public) for c in tk.comments or ()),
            requester=tk.requester,
            created_at=_utc(tk.created_at),
        )
        targets, disagreements = ticket_clocks(
            sla,
            vendor=tk.vendor,
            priority=tk.priority,
            organization=tk.organization,
            account=tk.account,
            tags=tk.tags,
            created_at=_utc(tk.created_at),
            vendor_targets=tk.sla,
            facts=facts,
            history=history[tk.id],
            now=now,
        )
        out.append(replace(tk, sla=targets) if targets != tk.sla else tk)
        plan.disagreements.extend(_disagreement_row(tk.id, d) for d in disagreements)
    return out, plan


def _disagreement_row(ticket_id: str, d: SlaDisagreement) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "metric": d.metric.value,
        "vendor_breach_at": _utc(d.vendor_breach_at),
        "computed_breach_at": _utc(d.computed_breach_at),
        "policy": d.policy,
    }


def write_plan(session: Session, plan: BatchPlan) -> None:
    """Write a batch's history entries and replace its disagreements (after the tickets)."""
    from sqlalchemy import delete

    t = _tables()
    con = session.connection()
    if plan.history:
        con.execute(t["history"].insert(), plan.history)
    dis = t["disagreement"]
    con.execute(delete(dis).where(dis.c.ticket_id.in_(plan.ids)))
    if plan.disagreements:
        con.execute(dis.insert(), plan.disagreements)


def record_vendor_status_history(
    session: Session,
    ticket_id: str,
    changes: Iterable[tuple[datetime, Status, str | None]],
) -> None:
    """Replace a ticket's status history with the vendor's own record of it.

    ``changes`` are ``(changed_at, status, vendor_status)`` from the vendor's audit log or
    changelog, in any order. Later observed changes are appended by the sync as usual. The
    ticket's row must exist (call it after the ticket's first upsert); its computed clocks use
    the new history from its next upsert or :func:`recompute_sla` on.
    """
    from sqlalchemy import delete

    hist = _tables()["history"]
    con = session.connection()
    con.execute(delete(hist).where(hist.c.ticket_id == ticket_id))
    rows = [
        {
            "ticket_id": ticket_id,
            "changed_at": _utc(at),
            "status": status.value,
            "status_raw": raw,
            "source": "vendor",
        }
        for at, status, raw in sorted(changes, key=lambda c: c[0])
    ]
    if rows:
        con.execute(hist.insert(), rows)


# --- recomputation from the cache -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlaInputs:
    """Everything the clocks of one cached ticket depend on."""

    id: str
    account: str
    vendor: Vendor
    status: Status
    priority: Priority | None
    organization: str | None
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    vendor_targets: tuple[SlaTarget, ...]
    facts: ConversationFacts
    history: tuple[StatusChange, ...]


def iter_sla_inputs(con: Connection, *, batch_size: int = 2000) -> Iterator[list[SlaInputs]]:
    """Every cached ticket's :class:`SlaInputs`, in batches, read with plain SQL."""
    last = ""
    while True:
        tickets = con.execute(
            "SELECT id, account, vendor, status, priority, organization, tags, created_at, "
            "updated_at, requester FROM ticket WHERE id > ? ORDER BY id LIMIT ?",
            [last, batch_size],
        ).fetchall()
        if not tickets:
            return
        last = tickets[-1][0]
        lo, hi = tickets[0][0], last
        targets: dict[str, list[SlaTarget]] = defaultdict(list)
        for r in con.execute(
            "SELECT ticket_id, metric, breach_at, stage, policy, remaining_seconds FROM "
            "sla_target WHERE ticket_id >= ? AND ticket_id <= ? AND source = ? "
            "ORDER BY ticket_id, id",
            [lo, hi, SlaSource.VENDOR.value],
        ):
            targets[r[0]].append(
                SlaTarget(
                    SlaMetric(r[1]),
                    from_db_time(r[2]),
                    SlaStage(r[3]),
                    SlaSource.VENDOR,
                    r[4],
                    r[5],
                )
            )
        comments: dict[str, list[tuple[datetime, str | None, bool]]] = defaultdict(list)
        for r in con.execute(
            "SELECT ticket_id, created_at, author FROM comment "
            "WHERE ticket_id >= ? AND ticket_id <= ? AND public",
            [lo, hi],
        ):
            at = from_db_time(r[1])
            assert at is not None
            comments[r[0]].append((at, r[2], True))
        history: dict[str, list[StatusChange]] = defaultdict(list)
        for r in con.execute(
            "SELECT ticket_id, changed_at, status FROM status_history "
            "WHERE ticket_id >= ? AND ticket_id <= ? ORDER BY ticket_id, changed_at, id",
            [lo, hi],
        ):
            at = from_db_time(r[1])
            assert at is not None
            history[r[0]].append((at, Status(r[2])))
        batch: list[SlaInputs] = []
        for r in tickets:
            created = from_db_time(r[7])
            updated = from_db_time(r[8])
            assert created is not None and updated is not None
            batch.append(
                SlaInputs(
                    id=r[0],
                    account=r[1],
                    vendor=Vendor(r[2]),
                    status=Status(r[3]),
                    priority=Priority(r[4]) if r[4] else None,
                    organization=r[5],
                    tags=tuple(json.loads(r[6])),
                    created_at=created,
                    updated_at=updated,
                    vendor_targets=tuple(targets.get(r[0], ())),
                    facts=conversation_facts(
                        comments.get(r[0], ()), requester=r[9], created_at=created
                    ),
                    history=tuple(history.get(r[0], ())),
                )
            )
        yield batch


def compute_inputs(
    inputs: SlaInputs, setup: SlaSetup, now: datetime
) -> tuple[tuple[SlaTarget, ...], tuple[SlaDisagreement, ...]]:
    """One cached ticket's targets and disagreements under ``setup`` at ``now``."""
    return ticket_clocks(
        setup,
        vendor=inputs.vendor,
        priority=inputs.priority,
        organization=inputs.organization,
        account=inputs.account,
        tags=inputs.tags,
        created_at=inputs.created_at,
        vendor_targets=inputs.vendor_targets,
        facts=inputs.facts,
        history=inputs.history,
        now=now,
    )


def recompute_sla(store: Store, setup: SlaSetup, now: datetime, *, batch_size: int = 2000) -> int:
    """Recompute every cached ticket's computed clocks and queue order under ``setup``.

    Reads through one read snapshot and writes batch by batch (each batch one transaction);
    records ``setup.fingerprint`` in ``cache_meta`` at the end. Returns the number of tickets.
    """
    from sqlalchemy import bindparam, delete, update

    from queuebench.store.writes import SLA, TICKET, set_meta

    dis = _tables()["disagreement"]
    count = 0
    with store.read() as con:
        for batch in iter_sla_inputs(con, batch_size=batch_size):
            target_rows: list[dict[str, Any]] = []
            disagreement_rows: list[dict[str, Any]] = []
            order_rows: list[dict[str, Any]] = []
            for item in batch:
                targets, disagreements = compute_inputs(item, setup, now)
                targets = with_effective_stages(targets, now)
                nb = next_breach_at(targets, now)
                group, a, b = queue_sort_key(item.status, item.priority, nb, item.updated_at)
                order_rows.append(
                    {
                        "b_id": item.id,
                        "next_breach_at": _utc(nb) if nb else None,
                        "queue_group": group,
                        "queue_a": a,
                        "queue_b": b,
                    }
                )
                target_rows.extend(
                    {
                        "ticket_id": item.id,
                        "metric": s.metric.value,
                        "breach_at": _utc(s.breach_at) if s.breach_at else None,
                        "stage": s.stage.value,
                        "source": s.source.value,
                        "policy": s.policy,
                        "remaining_seconds": s.remaining_seconds,
                    }
                    for s in targets
                )
                disagreement_rows.extend(_disagreement_row(item.id, d) for d in disagreements)
            ids = [item.id for item in batch]
            with store.session() as session:
                wcon = session.connection()
                wcon.execute(delete(SLA).where(SLA.c.ticket_id.in_(ids)))
                if target_rows:
                    wcon.execute(SLA.insert(), target_rows)
                wcon.execute(delete(dis).where(dis.c.ticket_id.in_(ids)))
                if disagreement_rows:
                    wcon.execute(dis.insert(), disagreement_rows)
                wcon.execute(
                    update(TICKET)
                    .where(TICKET.c.id == bindparam("b_id"))
                    .values(
                        next_breach_at=bindparam("next_breach_at"),
                        queue_group=bindparam("queue_group"),
                        queue_a=bindparam("queue_a"),
                        queue_b=bindparam("queue_b"),
                    ),
                    order_rows,
                )
            count += len(batch)
    with store.session() as session:
        set_meta(session, FINGERPRINT_KEY, setup.fingerprint)
    return count


def stored_fingerprint(con: Connection) -> str | None:
    """The SLA configuration fingerprint the cache's computed clocks were made with."""
    row = con.execute("SELECT value FROM cache_meta WHERE key = ?", [FINGERPRINT_KEY]).fetchone()
    return None if row is None else str(row[0])


def ensure_sla_current(store: Store, setup: SlaSetup, now: datetime) -> int | None:
    """Recompute the cache's clocks if they were made with another SLA configuration.

    Returns the number of tickets recomputed, or ``None`` when the cache was current (one
    indexed read). An empty cache is simply marked current.
    """
    with store.read() as con:
        current = stored_fingerprint(con)
        empty = con.execute("SELECT 1 FROM ticket LIMIT 1").fetchone() is None
    if current == setup.fingerprint:
        return None
    if empty:
        from queuebench.store.writes import set_meta

        with store.session() as session:
            set_meta(session, FINGERPRINT_KEY, setup.fingerprint)
        return None
    return recompute_sla(store, setup, now)


def sla_disagreements(con: Connection, ticket_id: str) -> tuple[SlaDisagreement, ...]:
    """The vendor vs computed disagreements kept for one ticket, in metric order."""
    out = []
    for r in con.execute(
        "SELECT metric, vendor_breach_at, computed_breach_at, policy FROM sla_disagreement "
        "WHERE ticket_id = ? ORDER BY id",
        [ticket_id],
    ):
        vendor_at, computed_at = from_db_time(r[1]), from_db_time(r[2])
        assert vendor_at is not None and computed_at is not None
        out.append(SlaDisagreement(SlaMetric(r[0]), vendor_at, computed_at, r[3]))
    return tuple(out)
