"""Sync: run connectors, write what they yield to the cache, push the outbox.

Data flow (see ``docs/architecture.md``)::

    saved cursors + cached names ──► connector.pull() ──► Batch (tickets, deletions, names,
                                                                 cursor after the batch)
    sync picks the tickets worth a per-ticket call (not closed, yours, or with a cached
    conversation) ──► connector.fetch_details() ──► one transaction: upsert tickets and names,
    delete removed tickets, save the cursor
    then: pending outbox items ──► connector.push() ──► sent / failed / conflict (kept)

A batch and its cursor commit together, so a crash or SIGKILL at any moment resumes from the
last committed batch: nothing lost, nothing duplicated (upserts are keyed by ticket id). A
vendor error, a malformed page or a secret that does not work is recorded on the account's
sync state (shown in the TUI and by ``account list``) and leaves the cursor where it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from queuebench.accounts import AccountError, ClientOptions, make_connector
from queuebench.config import Settings
from queuebench.connectors.base import (
    Connector,
    OutboxAction,
    OutboxItem,
    PushOutcome,
    ResourceState,
)
from queuebench.connectors.http import ConnectorError, TransientError
from queuebench.domain.models import Ticket, Vendor, ticket_id
from queuebench.domain.normalize import NormalizationError
from queuebench.store.engine import Store
from queuebench.store.errors import StoreError
from queuebench.store.queries import sla_targets_for
from queuebench.store.sync_writes import (
    cached_directory,
    cached_remote_ids,
    delete_tickets,
    read_outbox,
    read_sync_states,
    rebase_outbox,
    record_sync_error,
    save_sync_state,
    set_outbox_state,
    with_conversation,
)
from queuebench.store.writes import upsert_account, upsert_directory, upsert_tickets

if TYPE_CHECKING:
    from queuebench.domain.sla_clocks import SlaSetup

__all__ = [
    "AccountReport",
    "ConnectorSource",
    "PushReport",
    "current_sla",
    "fetch_conversation",
    "push_outbox",
    "sync_account",
    "sync_accounts",
]

Progress = Callable[[str, int], None]
"""Called with (account, tickets written so far in this run)."""


class ConnectorSource(Protocol):
    """Accounts served outside the config file for one session, with their connectors: the
    demo's in-process sandbox servers (:class:`queuebench.sandbox.live.LiveSandbox`)."""

    @property
    def names(self) -> tuple[str, ...]:
        """The accounts it serves."""
        ...

    def connector(self, name: str, now: Callable[[], datetime]) -> Connector:
        """A fresh connector of account ``name`` (the caller closes it)."""
        ...


@dataclass
class PushReport:
    """What a push did."""

    sent: int = 0
    failed: int = 0
    conflict: int = 0
    waiting: int = 0
    messages: list[str] = field(default_factory=list)
    sent_tickets: list[str] = field(default_factory=list)
    """Ids of the tickets something was sent to, once each, in order."""


@dataclass
class AccountReport:
    """What one account's sync did."""

    account: str
    tickets: int = 0
    deleted: int = 0
    detailed: int = 0
    requests: int = 0
    error: str | None = None
    push: PushReport = field(default_factory=PushReport)


def _state_for(store: Store, account: str) -> dict[str, ResourceState]:
    with store.read() as con:
        return {
            s.resource: ResourceState(cursor=s.cursor, watermark=s.watermark)
            for s in read_sync_states(con, account)
        }


def _record_error(store: Store, account: str, resource: str, message: str, now: datetime) -> None:
    with store.session() as session:
        record_sync_error(session, account, resource, message, now)


async def sync_account(
    store: Store,
    connector: Connector,
    *,
    now: Callable[[], datetime],
    full: bool = False,
    me: Sequence[str] = (),
    progress: Progress | None = None,
    every_conversation: bool = False,
    sla: SlaSetup | None = None,
) -> AccountReport:
    """Pull one account into the cache, batch by batch; errors end up in the report.

    ``every_conversation`` fetches the conversation of every ticket, closed ones too (the demo:
    a later plain ``queuebench`` on its cache has no servers). ``sla`` (the configured calendars
    and policies) gives tickets without vendor SLA computed clocks as they are written.
    """
    account = connector.account
    report = AccountReport(account.name)
    started_requests = connector.client.requests_sent
    with store.read() as con:
        connector.learn(cached_directory(con, account.name))
    with store.session() as session:
        upsert_account(
            session,
            account.name,
            account.vendor,
            account.base_url,
            user=account.user,
            auth=account.auth,
            now=now(),
        )
    state = _state_for(store, account.name)
    mine = {m.lower() for m in me}
    resource = connector.resources[0]
    try:
        async for batch in connector.pull(state, full=full):
            resource = batch.resource
            tickets = batch.tickets
            ids = [t.id for t in tickets]
            with store.read() as con:
                cached = with_conversation(con, ids)
            wanted = [
                t
                for t in tickets
                if every_conversation
                or not t.status.is_done
                or t.id in cached
                or (t.assignee is not None and t.assignee.lower() in mine)
            ]
            detailed: dict[str, Ticket] = {}
            if wanted:
                detailed = {t.id: t for t in await connector.fetch_details(wanted)}
                report.detailed += len(detailed)
            if getattr(connector, "sla_per_ticket", False):
                # SLA comes with the per-ticket calls: keep the cached targets of the others.
                rest = [t.id for t in tickets if t.id not in detailed]
                with store.read() as con:
                    cached_sla = sla_targets_for(con, rest) if rest else {}
                tickets = [
                    detailed.get(t.id) or dataclasses.replace(t, sla=cached_sla.get(t.id, ()))
                    for t in tickets
                ]
            else:
                tickets = [detailed.get(t.id, t) for t in tickets]
            removed = list(batch.deleted)
            if batch.present is not None:
                # A reconciliation: what the cache holds beyond the vendor's full id set, once
                # the vendor confirms each is really gone.
                with store.read() as con:
                    missing = sorted(cached_remote_ids(con, account.name) - batch.present)
                if missing:
                    removed += await connector.confirm_deleted(missing)
            stamp = now()
            with store.session() as session:
                upsert_directory(session, batch.directory)
                upsert_tickets(session, tickets, stamp, sla)
                report.deleted += delete_tickets(
                    session, [ticket_id(account.name, rid) for rid in removed]
                )
                save_sync_state(
                    session,
                    account.name,
                    batch.resource,
                    cursor=batch.state.cursor,
                    watermark=batch.state.watermark,
                    now=stamp,
                    finished=batch.done,
                )
            report.tickets += len(tickets)
            if progress is not None:
                progress(account.name, report.tickets)
    except (ConnectorError, NormalizationError, AccountError) as exc:
        message = str(exc)
        if isinstance(exc, NormalizationError):
            message = (
                f"Account {account.name!r}: a record from {account.vendor.value} could not be "
                f"read ({exc}). The sync cursor did not move."
            )
        report.error = message
        _record_error(store, account.name, resource, message, now())
    report.requests = connector.client.requests_sent - started_requests
    return report


# --- outbox ---------------------------------------------------------------------------------


async def push_outbox(
    store: Store, connector: Connector, *, now: Callable[[], datetime]
) -> PushReport:
    """Send the account's pending and failed items in the order they were written."""
    report = PushReport()
    account = connector.account.name
    with store.read() as con:
        items = read_outbox(con, states=("pending", "failed"), accounts=[account])
        if items:
            connector.learn(cached_directory(con, account))
    # Our own sends move a ticket's remote time: (ticket, time we read) → time we left.
    moved: dict[tuple[str, datetime], datetime] = {}
    for entry in items:
        base = entry.base_updated_at
        while base is not None and (entry.ticket_id, base) in moved:
            base = moved[(entry.ticket_id, base)]
        item = OutboxItem(
            id=entry.id,
            ticket_id=entry.ticket_id,
            account=entry.account,
            remote_id=entry.remote_id,
            display_key=entry.display_key or entry.remote_id,
            action=OutboxAction(entry.action),
            value=entry.value,
            base_updated_at=base,
        )
        try:
            result = await connector.push(item)
        except TransientError as exc:
            # Offline or the vendor is struggling: the item waits for the next push.
            with store.session() as session:
                set_outbox_state(session, entry.id, "pending", error=str(exc), now=now())
            report.waiting += 1
            report.messages.append(str(exc))
            break
        with store.session() as session:
            set_outbox_state(session, entry.id, result.outcome.value, error=result.error, now=now())
            if result.outcome is PushOutcome.SENT and result.remote_updated_at is not None:
                rebase_outbox(session, entry.ticket_id, base, result.remote_updated_at, now())
                if base is not None and result.remote_updated_at > base:
                    moved[(entry.ticket_id, base)] = result.remote_updated_at
        if result.outcome is PushOutcome.SENT:
            report.sent += 1
            if entry.ticket_id not in report.sent_tickets:
                report.sent_tickets.append(entry.ticket_id)
        elif result.outcome is PushOutcome.CONFLICT:
            report.conflict += 1
            report.messages.append(result.error or "conflict")
        else:
            report.failed += 1
            report.messages.append(result.error or "failed")
    return report


# --- several accounts -----------------------------------------------------------------------


def current_sla(store: Store, settings: Settings, now: datetime) -> SlaSetup:
    """The SLA setup synced tickets are written with, after bringing the cache's computed
    clocks up to it (they are recomputed once when the configuration changed)."""
    from queuebench.sla_config import ensure_current, sla_setup

    ensure_current(store, settings, now)
    return sla_setup(settings)


async def sync_accounts(
    store: Store,
    settings: Settings,
    names: Iterable[str] | None = None,
    *,
    now: Callable[[], datetime],
    full: bool = False,
    pull: bool = True,
    push: bool = True,
    progress: Progress | None = None,
    options: ClientOptions | None = None,
    source: ConnectorSource | None = None,
) -> list[AccountReport]:
    """Sync (pull, then push) each named account (by default every configured one, and every
    one ``source`` serves).

    Accounts run side by side; each has its own rate ceiling. An account whose secret cannot
    be found gets an error in its report; the others still sync. Tickets without vendor SLA
    get computed clocks from the configured policies (:func:`current_sla`).
    """
    served = source.names if source is not None else ()
    wanted = (
        list(names)
        if names is not None
        else sorted(settings.accounts) + [n for n in served if n not in settings.accounts]
    )
    reports: list[AccountReport] = []
    sla = current_sla(store, settings, now()) if pull and wanted else None

    async def one(name: str) -> AccountReport:
        try:
            connector = (
                source.connector(name, now)
                if source is not None and name in served
                else make_connector(settings, name, now=now, options=options)
            )
        except AccountError as exc:
            _record_error(store, name, "tickets", str(exc), now())
            return AccountReport(name, error=str(exc))
        try:
            report = AccountReport(name)
            if pull:
                report = await sync_account(
                    store,
                    connector,
                    now=now,
                    full=full,
                    me=settings.user.names,
                    progress=progress,
                    sla=sla,
                )
            if push and report.error is None:
                report.push = await push_outbox(store, connector, now=now)
                if report.push.sent_tickets:
                    await _refresh_sent(store, settings, connector, report.push.sent_tickets, now)
            return report
        finally:
            await connector.aclose()

    reports = list(await asyncio.gather(*(one(n) for n in wanted)))
    return reports


async def _fetch_details(
    store: Store,
    settings: Settings,
    connector: Connector,
    ticket_ids: Sequence[str],
    now: Callable[[], datetime],
) -> None:
    """Fetch the conversations of cached tickets from ``connector`` and cache them."""
    from queuebench.store.queries import get_ticket

    with store.read() as con:
        tickets = [dataclasses.replace(get_ticket(con, t), comments=None) for t in ticket_ids]
        connector.learn(cached_directory(con, connector.account.name))
    detailed = await connector.fetch_details(tickets)
    sla = current_sla(store, settings, now())
    with store.session() as session:
        upsert_tickets(session, detailed, now(), sla)


async def _refresh_sent(
    store: Store,
    settings: Settings,
    connector: Connector,
    ticket_ids: Sequence[str],
    now: Callable[[], datetime],
) -> None:
    """After a push, re-read the conversations it wrote to, so a sent note shows in its case
    now rather than at the next sync. If that fails the note is still sent; the next sync
    brings it."""
    with contextlib.suppress(ConnectorError, NormalizationError, StoreError):
        await _fetch_details(store, settings, connector, ticket_ids, now)


async def fetch_conversation(
    store: Store,
    settings: Settings,
    key: str,
    *,
    now: Callable[[], datetime],
    options: ClientOptions | None = None,
) -> Ticket:
    """Fetch and cache one case's conversation now (a case opened before it was cached)."""
    from queuebench.store.queries import get_ticket

    with store.read() as con:
        ticket = get_ticket(con, key)
    connector = make_connector(settings, ticket.account, now=now, options=options)
    try:
        await _fetch_details(store, settings, connector, [ticket.id], now)
    finally:
        await connector.aclose()
    with store.read() as con:
        return get_ticket(con, ticket.id)


def vendor_of(settings: Settings, name: str) -> Vendor:
    """The vendor of a configured account."""
    return Vendor(settings.accounts[name].vendor)
