"""Writes and reads that sync and the outbox need: cursors, deletions, queued writes.

Like :mod:`queuebench.store.writes`, every writer runs in the caller's transaction, so a batch
of tickets, its deletions and its cursor commit together. Readers take a DB-API connection
(``Store.read()``) and plain SQL, like :mod:`queuebench.store.queries`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData, Table, delete, update
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session

from queuebench.domain.models import DirectoryEntry, DirectoryKind
from queuebench.store.models import (
    CommentRow,
    OutboxRow,
    SlaTargetRow,
    SyncStateRow,
    TicketDetailRow,
    TicketRow,
)
from queuebench.store.queries import Connection, from_db_time
from queuebench.store.writes import _insert

SYNC_STATE = SyncStateRow.__table__  # type: ignore[attr-defined]
OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]
TICKET = TicketRow.__table__  # type: ignore[attr-defined]
COMMENT = CommentRow.__table__  # type: ignore[attr-defined]
SLA_TARGET = SlaTargetRow.__table__  # type: ignore[attr-defined]
TICKET_DETAIL = TicketDetailRow.__table__  # type: ignore[attr-defined]

OUTBOX_STATES = ("pending", "sent", "failed", "conflict")


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


# --- sync state -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncStatus:
    """One resource's sync state as the UI and ``account list`` show it."""

    account: str
    resource: str
    cursor: str | None
    watermark: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    updated_at: datetime | None


def read_sync_states(con: Connection, account: str | None = None) -> list[SyncStatus]:
    """Saved sync states (of one account, or all), by account and resource."""
    sql = (
        "SELECT account, resource, cursor, watermark, last_success_at, last_error, updated_at "
        "FROM sync_state"
    )
    params: list[Any] = []
    if account is not None:
        sql += " WHERE account = ?"
        params.append(account)
    sql += " ORDER BY account, resource"
    return [
        SyncStatus(
            r[0], r[1], r[2], from_db_time(r[3]), from_db_time(r[4]), r[5], from_db_time(r[6])
        )
        for r in con.execute(sql, params)
    ]


def save_sync_state(
    session: Session,
    account: str,
    resource: str,
    *,
    cursor: str | None,
    watermark: datetime | None,
    now: datetime,
    finished: bool,
) -> None:
    """Save where a resource's sync stopped; ``finished`` also records a success."""
    values: dict[str, Any] = {
        "account": account,
        "resource": resource,
        "cursor": cursor,
        "watermark": _utc(watermark),
        "updated_at": _utc(now),
    }
    if finished:
        values["last_success_at"] = _utc(now)
        values["last_error"] = None
    stmt = _insert(session, SYNC_STATE).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["account", "resource"],
        set_={k: v for k, v in values.items() if k not in ("account", "resource")},
    )
    session.connection().execute(stmt)


def record_sync_error(
    session: Session, account: str, resource: str, message: str, now: datetime
) -> None:
    """Keep the last error of a resource (its cursor is left exactly as it was)."""
    values = {
        "account": account,
        "resource": resource,
        "last_error": message,
        "updated_at": _utc(now),
    }
    stmt = _insert(session, SYNC_STATE).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["account", "resource"],
        set_={"last_error": message, "updated_at": _utc(now)},
    )
    session.connection().execute(stmt)


def reset_sync_state(session: Session, account: str) -> None:
    """Forget an account's cursors (``account remove``; the next sync starts from scratch)."""
    session.connection().execute(delete(SYNC_STATE).where(SYNC_STATE.c.account == account))


def delete_tickets(session: Session, ids: Sequence[str]) -> int:
    """Drop tickets deleted at the vendor, with their conversation, SLA and detail rows."""
    if not ids:
        return 0
    con = session.connection()
    for t in (COMMENT, SLA_TARGET, TICKET_DETAIL):
        con.execute(delete(t).where(t.c.ticket_id.in_(list(ids))))
    # Other derived rows keyed to the ticket (SLA history...) go with it; found by reflection
    # so a table a later feature adds cannot block the deletion.
    inspector = sa_inspect(con)
    for name in inspector.get_table_names():
        if name in ("comment", "sla_target", "ticket_detail", "ticket"):
            continue
        for fk in inspector.get_foreign_keys(name):
            if fk.get("referred_table") == "ticket" and fk.get("referred_columns") == ["id"]:
                keyed = Table(name, MetaData(), autoload_with=con)
                column = keyed.c[fk["constrained_columns"][0]]
                con.execute(delete(keyed).where(column.in_(list(ids))))
    result = con.execute(delete(TICKET).where(TICKET.c.id.in_(list(ids))))
    return int(result.rowcount or 0)


def cached_remote_ids(con: Connection, account: str) -> set[str]:
    """The remote ids of every cached ticket of an account."""
    return {r[0] for r in con.execute("SELECT remote_id FROM ticket WHERE account = ?", [account])}


def cached_directory(con: Connection, account: str) -> list[DirectoryEntry]:
    """Every name the cache knows for an account."""
    return [
        DirectoryEntry(account, DirectoryKind(r[0]), r[1], r[2], r[3])
        for r in con.execute(
            "SELECT kind, remote_id, name, email FROM directory WHERE account = ?", [account]
        )
    ]


def with_conversation(con: Connection, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` already have a cached conversation."""
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ", ".join("?" for _ in chunk)
        found.update(
            r[0]
            for r in con.execute(
                f"SELECT id FROM ticket WHERE id IN ({marks}) AND comments_synced_at IS NOT NULL",
                chunk,
            )
        )
    return found


# --- outbox ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxEntry:
    """One queued write as ``queuebench outbox`` shows it."""

    id: int
    ticket_id: str
    account: str
    display_key: str | None
    remote_id: str
    action: str
    value: str
    state: str
    error: str | None
    attempts: int
    base_updated_at: datetime | None
    created_at: datetime
    updated_at: datetime


def add_outbox(
    session: Session,
    *,
    ticket_id: str,
    account: str,
    action: str,
    value: str,
    label: str | None,
    base_updated_at: datetime | None,
    now: datetime,
) -> int:
    """Queue a write (the local copy comes first); returns its id."""
    row = OutboxRow(
        ticket_id=ticket_id,
        account=account,
        action=action,
        payload=json.dumps({"value": value, "label": label}, ensure_ascii=False),
        state="pending",
        base_updated_at=_utc(base_updated_at),
        created_at=_utc(now),  # type: ignore[arg-type]
        updated_at=_utc(now),  # type: ignore[arg-type]
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def read_outbox(
    con: Connection,
    *,
    states: Sequence[str] | None = None,
    accounts: Sequence[str] | None = None,
    ticket_id: str | None = None,
) -> list[OutboxEntry]:
    """Queued writes, oldest first, optionally by state, account or ticket."""
    sql = (
        "SELECT o.id, o.ticket_id, o.account, t.display_key, o.action, o.payload, o.state, "
        "o.error, o.attempts, o.base_updated_at, o.created_at, o.updated_at, t.remote_id "
        "FROM outbox o LEFT JOIN ticket t ON t.id = o.ticket_id"
    )
    where: list[str] = []
    params: list[Any] = []
    if states:
        where.append(f"o.state IN ({', '.join('?' for _ in states)})")
        params += list(states)
    if accounts:
        where.append(f"o.account IN ({', '.join('?' for _ in accounts)})")
        params += list(accounts)
    if ticket_id is not None:
        where.append("o.ticket_id = ?")
        params.append(ticket_id)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY o.id"
    out = []
    for r in con.execute(sql, params):
        payload = json.loads(r[5] or "{}")
        remote_id = r[12] or r[1].split(":", 1)[-1]
        created = from_db_time(r[10])
        updated = from_db_time(r[11])
        assert created is not None and updated is not None
        out.append(
            OutboxEntry(
                id=r[0],
                ticket_id=r[1],
                account=r[2],
                display_key=r[3],
                remote_id=remote_id,
                action=r[4],
                value=str(payload.get("value", "")),
                state=r[6],
                error=r[7],
                attempts=r[8],
                base_updated_at=from_db_time(r[9]),
                created_at=created,
                updated_at=updated,
            )
        )
    return out


def set_outbox_state(
    session: Session,
    item_id: int,
    state: str,
    *,
    error: str | None,
    now: datetime,
    attempted: bool = True,
) -> None:
    """Record how a push ended (the item is kept whatever happened)."""
    values: dict[str, Any] = {"state": state, "error": error, "updated_at": _utc(now)}
    if attempted:
        values["attempts"] = OUTBOX.c.attempts + 1
    session.connection().execute(update(OUTBOX).where(OUTBOX.c.id == item_id).values(**values))


def rebase_outbox(
    session: Session, ticket_id: str, old: datetime | None, new: datetime, now: datetime
) -> None:
    """After our own write moved a ticket's time, later items of ours are not conflicts."""
    if old is None:
        return
    session.connection().execute(
        update(OUTBOX)
        .where(
            OUTBOX.c.ticket_id == ticket_id,
            OUTBOX.c.state.in_(["pending", "failed"]),
            OUTBOX.c.base_updated_at == _utc(old),
        )
        .values(base_updated_at=_utc(new), updated_at=_utc(now))
    )


def retry_outbox(session: Session, item_id: int, now: datetime) -> bool:
    """Put a failed or conflicting item back in line, without the conflict check."""
    result = session.connection().execute(
        update(OUTBOX)
        .where(OUTBOX.c.id == item_id, OUTBOX.c.state.in_(["failed", "conflict"]))
        .values(state="pending", base_updated_at=None, updated_at=_utc(now))
    )
    return bool(result.rowcount)
