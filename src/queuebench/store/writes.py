"""Writes: accounts, batches of normalised tickets (with SLA and conversation), directory.

A batch is written in the caller's transaction, so sync can commit a batch and its cursor
together. Upserts use the dialect's ``ON CONFLICT`` (SQLite and PostgreSQL share the API).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from queuebench.domain.models import DirectoryEntry, Ticket, Vendor
from queuebench.domain.normalize import (
    next_breach_at,
    priority_rank,
    queue_sort_key,
    with_effective_stages,
)
from queuebench.store.models import (
    AccountRow,
    CacheMetaRow,
    CommentRow,
    DirectoryRow,
    NoteRow,
    SlaTargetRow,
    TicketDetailRow,
    TicketRow,
)

if TYPE_CHECKING:
    from queuebench.domain.sla_clocks import SlaSetup

TICKET = TicketRow.__table__  # type: ignore[attr-defined]
DETAIL = TicketDetailRow.__table__  # type: ignore[attr-defined]
COMMENT = CommentRow.__table__  # type: ignore[attr-defined]
SLA = SlaTargetRow.__table__  # type: ignore[attr-defined]
DIRECTORY = DirectoryRow.__table__  # type: ignore[attr-defined]
ACCOUNT = AccountRow.__table__  # type: ignore[attr-defined]
META = CacheMetaRow.__table__  # type: ignore[attr-defined]


def _utc(value: datetime | None) -> datetime | None:
    """Instants go to the store as aware UTC (the column type keeps them UTC and sortable)."""
    if value is None:
        return None
    return value.astimezone(UTC)


def _insert(session: Session, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _upsert(session: Session, table: Any, rows: list[dict[str, Any]], keys: Sequence[str]) -> None:
    if not rows:
        return
    stmt = _insert(session, table)
    update = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    session.connection().execute(stmt.on_conflict_do_update(index_elements=keys, set_=update), rows)


def search_text(ticket: Ticket) -> str:
    """What filter-as-you-type matches: key, subject, people, organisation, group, tags."""
    parts = [
        ticket.display_key,
        ticket.subject,
        ticket.requester or "",
        ticket.organization or "",
        ticket.assignee or "",
        ticket.group or "",
        " ".join(ticket.tags),
    ]
    return " ".join(parts).lower()


def ticket_values(ticket: Ticket, now: datetime) -> dict[str, Any]:
    """The ``ticket`` row for a normalised ticket, with its queue-order key at ``now``."""
    sla = with_effective_stages(ticket.sla, now)
    nb = next_breach_at(sla, now)
    group, a, b = queue_sort_key(ticket.status, ticket.priority, nb, ticket.updated_at)
    return {
        "id": ticket.id,
        "account": ticket.account,
        "vendor": ticket.vendor.value,
        "remote_id": ticket.remote_id,
        "display_key": ticket.display_key,
        "subject": ticket.subject,
        "status": ticket.status.value,
        "status_raw": ticket.status_raw,
        "priority": ticket.priority.value if ticket.priority else None,
        "priority_raw": ticket.priority_raw,
        "priority_rank": priority_rank(ticket.priority),
        "requester": ticket.requester,
        "organization": ticket.organization,
        "assignee": ticket.assignee,
        "group_name": ticket.group,
        "created_at": _utc(ticket.created_at),
        "updated_at": _utc(ticket.updated_at),
        "url": ticket.url,
        "tags": json.dumps(list(ticket.tags), ensure_ascii=False),
        "next_breach_at": _utc(nb),
        "queue_group": group,
        "queue_a": a,
        "queue_b": b,
        "search_text": search_text(ticket),
        "synced_at": _utc(now),
    }


def upsert_tickets(
    session: Session, tickets: Sequence[Ticket], now: datetime, sla: SlaSetup | None = None
) -> None:
    """Insert or replace tickets with their SLA targets and (when fetched) conversations.

    A ticket whose ``comments`` is ``None`` keeps the conversation already cached. Status
    changes are recorded in the status history; with ``sla`` (the configured calendars and
    policies) computed SLA targets are added where the vendor has none, before the queue
    order is derived (see :mod:`queuebench.store.sla_state`).
    """
    if not tickets:
        return
    from queuebench.store.sla_state import plan_batch, write_plan

    tickets, plan = plan_batch(session, tickets, now, sla)
    con = session.connection()
    rows = [ticket_values(t, now) for t in tickets]
    fetched = [t for t in tickets if t.comments is not None]
    for row, t in zip(rows, tickets, strict=True):
        if t.comments is not None:
            row["comments_synced_at"] = _utc(now)
    with_conv = [r for r in rows if "comments_synced_at" in r]
    without_conv = [r for r in rows if "comments_synced_at" not in r]
    _upsert(session, TICKET, with_conv, ["id"])
    _upsert(session, TICKET, without_conv, ["id"])

    _upsert(
        session,
        DETAIL,
        [
            {
                "ticket_id": t.id,
                "description": t.description,
                "description_format": t.description_format,
                "raw": json.dumps(t.raw, ensure_ascii=False, separators=(",", ":")),
            }
            for t in tickets
        ],
        ["ticket_id"],
    )

    ids = [t.id for t in tickets]
    con.execute(delete(SLA).where(SLA.c.ticket_id.in_(ids)))
    sla_rows = [
        {
            "ticket_id": t.id,
            "metric": s.metric.value,
            "breach_at": _utc(s.breach_at),
            "stage": s.stage.value,
            "source": s.source.value,
            "policy": s.policy,
            "remaining_seconds": s.remaining_seconds,
        }
        for t in tickets
        for s in with_effective_stages(t.sla, now)
    ]
    if sla_rows:
        con.execute(SLA.insert(), sla_rows)

    if fetched:
        con.execute(delete(COMMENT).where(COMMENT.c.ticket_id.in_([t.id for t in fetched])))
        comment_rows = [
            {
                "id": f"{t.id}:{c.remote_id}",
                "ticket_id": t.id,
                "remote_id": c.remote_id,
                "author": c.author,
                "public": c.public,
                "body": c.body,
                "body_format": c.body_format,
                "created_at": _utc(c.created_at),
            }
            for t in fetched
            for c in (t.comments or ())
        ]
        if comment_rows:
            con.execute(COMMENT.insert(), comment_rows)
    write_plan(session, plan)


def set_meta(session: Session, key: str, value: str) -> None:
    """Set one ``cache_meta`` fact."""
    _upsert(session, META, [{"key": key, "value": value}], ["key"])


def upsert_account(
    session: Session,
    name: str,
    vendor: Vendor,
    base_url: str,
    *,
    user: str | None = None,
    auth: str = "token",
    has_vendor_sla: bool = True,
    now: datetime,
) -> None:
    """Record an account the cache holds tickets of."""
    _upsert(
        session,
        ACCOUNT,
        [
            {
                "name": name,
                "vendor": vendor.value,
                "base_url": base_url,
                "user": user,
                "auth": auth,
                "has_vendor_sla": has_vendor_sla,
                "created_at": _utc(now),
            }
        ],
        ["name"],
    )


def upsert_directory(session: Session, entries: Iterable[DirectoryEntry]) -> None:
    """People, organisations and groups, keyed by account, kind and vendor id."""
    rows = [
        {
            "id": f"{e.account}:{e.kind.value}:{e.remote_id}",
            "account": e.account,
            "kind": e.kind.value,
            "remote_id": e.remote_id,
            "name": e.name,
            "email": e.email,
        }
        for e in entries
    ]
    for start in range(0, len(rows), 5000):
        _upsert(session, DIRECTORY, rows[start : start + 5000], ["id"])


def add_note(session: Session, body: str, now: datetime, ticket_id: str | None = None) -> int:
    """Keep one of the user's own notes; returns its id."""
    row = NoteRow(ticket_id=ticket_id, body=body, created_at=_utc(now), updated_at=_utc(now))  # type: ignore[arg-type]
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id
