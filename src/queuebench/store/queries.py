"""Read queries: the queue in pages, backlog health, one case. Functions take a session.

The queue never loads every ticket: order and filter run in SQL on indexed columns
(``queue_group, queue_a, queue_b`` hold the precomputed SLA-risk order), and callers ask for
a window (``offset``, ``limit``) — the TUI only the rows on screen.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, not_, or_, select, tuple_
from sqlmodel import Session

from queuebench.domain.models import (
    BacklogHealth,
    Comment,
    Priority,
    QueueRow,
    SlaMetric,
    SlaSource,
    SlaStage,
    SlaTarget,
    Status,
    Ticket,
    Vendor,
)
from queuebench.domain.normalize import ensure_utc, priority_rank
from queuebench.domain.query import QueueFilter, SortKey
from queuebench.store.errors import AmbiguousKeyError, TicketNotFoundError
from queuebench.store.models import CommentRow, SlaTargetRow, TicketDetailRow, TicketRow

T = TicketRow.__table__.c  # type: ignore[attr-defined]
S = SlaTargetRow.__table__.c  # type: ignore[attr-defined]
C = CommentRow.__table__.c  # type: ignore[attr-defined]

DONE = (Status.SOLVED.value, Status.CLOSED.value)

_QUEUE_COLUMNS = (
    T.id,
    T.account,
    T.vendor,
    T.display_key,
    T.subject,
    T.status,
    T.priority,
    T.requester,
    T.organization,
    T.assignee,
    T.group_name,
    T.created_at,
    T.updated_at,
    T.next_breach_at,
    T.remote_id,
    T.url,
    T.tags,
)


def _utc(value: datetime | None) -> datetime | None:
    return ensure_utc(value) if value is not None else None


def filter_clauses(flt: QueueFilter, now: datetime, me: Sequence[str] = ()) -> list[Any]:
    """SQL conditions for a parsed filter. ``me`` are the user's own assignee names."""
    clauses: list[Any] = []
    for word in flt.words:
        clauses.append(func.instr(T.search_text, word.lower()) > 0)
    if flt.vendors:
        clauses.append(T.vendor.in_([v.value for v in flt.vendors]))
    if flt.accounts:
        clauses.append(T.account.in_(flt.accounts))
    if flt.statuses:
        clauses.append(T.status.in_([s.value for s in flt.statuses]))
    if flt.priorities:
        named = [p.value for p in flt.priorities if p is not None]
        parts: list[ColumnElement[bool]] = []
        if named:
            parts.append(T.priority.in_(named))
        if None in flt.priorities:
            parts.append(T.priority.is_(None))
        clauses.append(or_(*parts))
    if flt.assignees:
        names = [a for a in flt.assignees if a.lower() not in ("me", "none")]
        parts = [func.lower(T.assignee).in_([n.lower() for n in names])] if names else []
        if any(a.lower() == "me" for a in flt.assignees):
            parts.append(T.assignee.in_(list(me)))
        if any(a.lower() == "none" for a in flt.assignees):
            parts.append(T.assignee.is_(None))
        clauses.append(or_(*parts))
    for org in flt.organizations:
        clauses.append(func.instr(func.lower(T.organization), org.lower()) > 0)
    for tag in flt.tags:
        clauses.append(func.instr(T.tags, json.dumps(tag)) > 0)
    flag_sql = {
        "mine": T.assignee.in_(list(me)),
        "unassigned": T.assignee.is_(None),
        "breached": and_(T.next_breach_at.is_not(None), T.next_breach_at <= now),
        "due": and_(
            T.next_breach_at > now,
            T.next_breach_at <= now + timedelta(hours=1),
        ),
        "open": T.status.not_in(DONE),
        "paused": T.id.in_(select(S.ticket_id).where(S.stage == SlaStage.PAUSED.value)),
    }
    for flag in flt.flags:
        clauses.append(flag_sql[flag])
    for flag in flt.negated_flags:
        clauses.append(not_(flag_sql[flag]))
    return clauses


def _sort_columns(sort: SortKey) -> list[Any]:
    if sort is SortKey.RISK:
        return [T.queue_group, T.queue_a, T.queue_b, T.id]
    if sort is SortKey.PRIORITY:
        return [T.priority_rank, T.updated_at, T.id]
    if sort is SortKey.UPDATED:
        return [T.updated_at, T.id]
    if sort is SortKey.CREATED:
        return [T.created_at, T.id]
    return [T.display_key, T.id]


def _order_by(sort: SortKey, descending: bool, *, scan: bool = False) -> list[Any]:
    """ORDER BY terms. With ``scan`` the terms are wrapped so no index serves the order.

    The risk order and every filtered column share one covering index, so a filtered risk
    window walks that index alone. Other sorts have narrow indexes of their own: walking one
    with a filter costs a table lookup per ticket (300 ms at 100,000 when few match), so with
    a filter the sort is done on the matches of a covering-index scan instead.
    ``coalesce(x, x)`` is a no-op that SQLite and PostgreSQL both accept.
    """
    cols = _sort_columns(sort)
    if scan:
        cols = [func.coalesce(c, c) for c in cols]
    return [c.desc() if descending else c.asc() for c in cols]


def count_queue(session: Session, flt: QueueFilter, now: datetime, me: Sequence[str] = ()) -> int:
    """How many tickets the filter matches."""
    stmt = (
        select(func.count()).select_from(TicketRow.__table__).where(*filter_clauses(flt, now, me))
    )
    return int(session.connection().execute(stmt).scalar_one())


def queue_window(
    session: Session,
    flt: QueueFilter,
    now: datetime,
    *,
    offset: int = 0,
    limit: int = 100,
    sort: SortKey = SortKey.RISK,
    descending: bool = False,
    me: Sequence[str] = (),
) -> list[QueueRow]:
    """One page of the queue, in order, with each row's SLA targets.

    Two steps: the ordered ids of the page (from the order index alone when there is no
    filter, so even the last page of 100,000 needs no table lookups), then those rows.
    """
    clauses = filter_clauses(flt, now, me)
    con = session.connection()
    ids_stmt = (
        select(T.id)
        .where(*clauses)
        .order_by(*_order_by(sort, descending, scan=bool(clauses) and sort is not SortKey.RISK))
        .offset(max(0, offset))
    )
    if limit >= 0:
        ids_stmt = ids_stmt.limit(limit)
    ids = [r[0] for r in con.execute(ids_stmt)]
    if not ids:
        return []
    by_id = {r.id: r for r in con.execute(select(*_QUEUE_COLUMNS).where(T.id.in_(ids)))}
    targets = sla_targets_for(session, ids)
    out: list[QueueRow] = []
    for ticket_id in ids:
        r = by_id[ticket_id]
        out.append(
            QueueRow(
                id=r.id,
                account=r.account,
                vendor=Vendor(r.vendor),
                display_key=r.display_key,
                subject=r.subject,
                status=Status(r.status),
                priority=Priority(r.priority) if r.priority else None,
                requester=r.requester,
                organization=r.organization,
                assignee=r.assignee,
                group=r.group_name,
                created_at=ensure_utc(r.created_at),
                updated_at=ensure_utc(r.updated_at),
                next_breach_at=_utc(r.next_breach_at),
                sla=targets.get(r.id, ()),
                remote_id=r.remote_id,
                url=r.url,
                tags=tuple(json.loads(r.tags)),
            )
        )
    return out


def queue_position(
    session: Session,
    flt: QueueFilter,
    now: datetime,
    ticket_id: str,
    *,
    sort: SortKey = SortKey.RISK,
    descending: bool = False,
    me: Sequence[str] = (),
) -> int | None:
    """The 0-based row of ``ticket_id`` in the filtered, sorted queue (``None``: not in it).

    Counts the matching rows that sort before it (a row-value comparison on the order
    columns), which the order index answers without numbering the whole queue.
    """
    con = session.connection()
    clauses = filter_clauses(flt, now, me)
    cols = _sort_columns(sort)
    mine = con.execute(select(*cols).where(T.id == ticket_id, *clauses)).first()
    if mine is None:
        return None
    key = tuple_(*cols)
    before = key > tuple_(*mine) if descending else key < tuple_(*mine)
    stmt = select(func.count()).select_from(TicketRow.__table__).where(before, *clauses)
    return int(con.execute(stmt).scalar_one())


def sla_targets_for(
    session: Session, ticket_ids: Sequence[str]
) -> dict[str, tuple[SlaTarget, ...]]:
    """SLA targets of several tickets, grouped by ticket id, in metric order."""
    if not ticket_ids:
        return {}
    out: dict[str, list[SlaTarget]] = defaultdict(list)
    rows = session.connection().execute(
        select(S.ticket_id, S.metric, S.breach_at, S.stage, S.source, S.policy, S.remaining_seconds)
        .where(S.ticket_id.in_(list(ticket_ids)))
        .order_by(S.ticket_id, S.id)
    )
    for r in rows:
        out[r.ticket_id].append(
            SlaTarget(
                metric=SlaMetric(r.metric),
                breach_at=_utc(r.breach_at),
                stage=SlaStage(r.stage),
                source=SlaSource(r.source),
                policy=r.policy,
                remaining_seconds=r.remaining_seconds,
            )
        )
    return {k: tuple(v) for k, v in out.items()}


def backlog_health(session: Session, now: datetime) -> BacklogHealth:
    """Counts for the queue header: breached, due within the hour, aged over 7/14/30 days."""
    open_ = T.status.not_in(DONE)

    def count_if(cond: Any) -> Any:
        return func.coalesce(func.sum(func.iif(cond, 1, 0)), 0)

    stmt = select(
        func.count(),
        count_if(T.next_breach_at <= now),
        count_if(and_(T.next_breach_at > now, T.next_breach_at <= now + timedelta(hours=1))),
        count_if(T.created_at <= now - timedelta(days=7)),
        count_if(T.created_at <= now - timedelta(days=14)),
        count_if(T.created_at <= now - timedelta(days=30)),
    ).where(open_)
    r = session.connection().execute(stmt).one()
    return BacklogHealth(*(int(v) for v in r))


def resolve_key(session: Session, key: str) -> str:
    """A ticket id from an id (``account:remote``) or a display key (``#4512``, ``SUP-88``)."""
    con = session.connection()
    if con.execute(select(T.id).where(T.id == key)).first():
        return key
    candidates = [key]
    if key.isdigit():
        candidates.append("#" + key)
    ids = [r.id for r in con.execute(select(T.id, T.account).where(T.display_key.in_(candidates)))]
    if not ids:
        raise TicketNotFoundError(
            f"No cached ticket has the key {key!r}. Check the key with `queuebench list "
            f"--filter {key}`, or run `queuebench sync` if the ticket is new."
        )
    if len(ids) > 1:
        raise AmbiguousKeyError(
            f"The key {key!r} matches tickets in several accounts: {', '.join(sorted(ids))}. "
            "Use the full id (account:remote id) instead."
        )
    return ids[0]


def get_ticket(session: Session, key: str, now: datetime | None = None) -> Ticket:
    """One case with its SLA targets and conversation (in time order)."""
    ticket_id = resolve_key(session, key)
    row = session.get(TicketRow, ticket_id)
    detail = session.get(TicketDetailRow, ticket_id)
    assert row is not None  # resolve_key found it
    comments: tuple[Comment, ...] | None = None
    if row.comments_synced_at is not None:
        comments = tuple(
            Comment(
                remote_id=c.remote_id,
                author=c.author,
                public=bool(c.public),
                body=c.body,
                created_at=ensure_utc(c.created_at),
                body_format=c.body_format,
            )
            for c in session.connection().execute(
                select(C.remote_id, C.author, C.public, C.body, C.created_at, C.body_format)
                .where(C.ticket_id == ticket_id)
                .order_by(C.created_at, C.id)
            )
        )
    return Ticket(
        account=row.account,
        vendor=Vendor(row.vendor),
        remote_id=row.remote_id,
        display_key=row.display_key,
        subject=row.subject,
        status=Status(row.status),
        status_raw=row.status_raw,
        priority=Priority(row.priority) if row.priority else None,
        priority_raw=row.priority_raw,
        requester=row.requester,
        organization=row.organization,
        assignee=row.assignee,
        group=row.group_name,
        created_at=ensure_utc(row.created_at),
        updated_at=ensure_utc(row.updated_at),
        url=row.url,
        description=detail.description if detail else "",
        description_format=detail.description_format if detail else "text",
        tags=tuple(json.loads(row.tags)),
        sla=sla_targets_for(session, [ticket_id]).get(ticket_id, ()),
        comments=comments,
        raw=json.loads(detail.raw) if detail else {},
    )


def ticket_count(session: Session) -> int:
    """How many live tickets the cache holds."""
    return int(
        session.connection()
        .execute(select(func.count()).select_from(TicketRow.__table__))
        .scalar_one()
    )


__all__ = [
    "backlog_health",
    "count_queue",
    "filter_clauses",
    "get_ticket",
    "priority_rank",
    "queue_position",
    "queue_window",
    "resolve_key",
    "sla_targets_for",
    "ticket_count",
]
