"""Load the built-in sandbox data set into a store, the way a sync would — by syncing it.

The generator produces vendor-shaped JSON for four demo accounts. Each account's sandbox
server (:mod:`queuebench.sandbox.server`) is started in-process, with no socket, and the real
connector syncs it into the store through the same code as ``queuebench sync``: HTTP client,
paging, normalisers, per-batch transactions, SLA clocks. Every conversation is fetched
(closed tickets too), as a later plain ``queuebench`` on the cache has no servers.

Above :data:`SYNC_LIMIT` tickets (the 100,000-ticket benchmark cache) the per-ticket calls
would take minutes in-process, so the data set goes through the connectors' normalisers
directly (:mod:`queuebench.sandbox.feed`) in batches of :data:`BATCH_SIZE`, each in its own
transaction: the same tickets, without the HTTP round trips.

``queuebench demo`` keeps the servers (:class:`~queuebench.sandbox.live.LiveSandbox`) for its
TUI, whose background sync and outbox push talk to them.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from queuebench.sandbox.feed import account_infos, directory_entries, iter_normalized
from queuebench.sandbox.generator import SandboxDataset, generate
from queuebench.store.engine import Store
from queuebench.store.sla_state import FINGERPRINT_KEY
from queuebench.store.writes import set_meta, upsert_account, upsert_directory, upsert_tickets

if TYPE_CHECKING:
    from queuebench.domain.sla_clocks import SlaSetup
    from queuebench.sandbox.live import LiveSandbox

# The demo's "you": an agent who owns tickets in every demo account, so `is:mine` shows work.
DEMO_ME = "Maya Lindqvist"

BATCH_SIZE = 1000
SYNC_LIMIT = 10_000
"""Up to this many tickets the demo syncs from the sandbox servers; above it, the fast path."""


class DemoLoadError(Exception):
    """A sandbox account could not be synced (a bug: the sandbox and connectors disagree)."""


@dataclass(frozen=True)
class DemoSummary:
    """What was loaded, and how: ``requests`` sent to the sandbox servers (0 on the fast
    path). ``live`` holds the servers when the caller asked to keep them; ``generated_for`` is
    the instant the data set was generated for (an earlier load's, when it was continued)."""

    tickets: int
    accounts: tuple[str, ...]
    requests: int = 0
    synced: bool = False
    live: LiveSandbox | None = None
    generated_for: datetime | None = None
    continued: bool = False


def load_demo(
    store: Store,
    *,
    tickets: int,
    seed: int,
    now: datetime,
    progress: Callable[[int], object] | None = None,
    batch_size: int = BATCH_SIZE,
    sla: SlaSetup | None = None,
    sync: bool | None = None,
    keep_servers: bool = False,
    clock: Callable[[], datetime] | None = None,
) -> DemoSummary:
    """Generate ``tickets`` sandbox tickets for ``now`` and write them to ``store``.

    ``sync`` (default: up to :data:`SYNC_LIMIT` tickets) syncs them from the sandbox servers
    through the connectors; otherwise they go through the normalisers directly. With ``sla``
    (see :func:`queuebench.sla_config.sla_setup`, which includes the demo's own policies)
    tickets without vendor SLA get computed clocks, and the cache records which configuration
    made them. ``progress`` is called with the number of tickets each batch wrote.

    A cache that already holds the demo data set of the same ``seed`` and size gets that data
    set again, generated for the instant it was first generated for: the servers then hold what
    the cache holds, and writes still waiting in its outbox apply to the same tickets.

    ``keep_servers`` returns the sandbox servers in ``summary.live`` (the TUI syncs and pushes
    to them); ``clock`` is their "now" from then on (default: frozen at ``now``).
    """
    from queuebench.sandbox.live import DEMO_META_KEY, DemoMeta, read_demo_meta

    with store.read() as con:
        previous = read_demo_meta(con)
    continued = previous is not None and (previous.seed, previous.tickets) == (seed, tickets)
    generated_for = previous.generated_for if previous is not None and continued else now
    dataset = generate(tickets=tickets, seed=seed, now=generated_for)
    synced = sync if sync is not None else tickets <= SYNC_LIMIT
    if synced:
        summary = asyncio.run(
            _sync_servers(store, dataset, seed, now, progress, sla, clock, keep_servers)
        )
    else:
        summary = _load_direct(store, dataset, now, progress, batch_size, sla)
    meta = DemoMeta(seed, tickets, generated_for, summary.accounts, synced)
    with store.session() as session:
        if sla is not None:
            set_meta(session, FINGERPRINT_KEY, sla.fingerprint)
        set_meta(session, DEMO_META_KEY, meta.to_json())
    return dataclasses.replace(summary, generated_for=generated_for, continued=continued)


def _record_accounts(store: Store, dataset: SandboxDataset, now: datetime) -> None:
    with store.session() as session:
        for info in account_infos(dataset):
            upsert_account(
                session,
                info.name,
                info.vendor,
                info.base_url,
                has_vendor_sla=info.has_vendor_sla,
                now=now,
            )


async def _sync_servers(
    store: Store,
    dataset: SandboxDataset,
    seed: int,
    now: datetime,
    progress: Callable[[int], object] | None,
    sla: SlaSetup | None,
    clock: Callable[[], datetime] | None,
    keep: bool,
) -> DemoSummary:
    """Sync every demo account from its in-process sandbox server."""
    from queuebench.sandbox.live import LiveSandbox
    from queuebench.sandbox.server import ManualClock
    from queuebench.sync import sync_account

    live = LiveSandbox(dataset, seed=seed, clock=clock or ManualClock(now))
    loaded = requests = 0
    for account in dataset:
        connector = live.connector(account.name, lambda: now)
        written = 0

        def step(_account: str, total: int) -> None:
            nonlocal written
            if progress is not None:
                progress(total - written)
            written = total

        try:
            report = await sync_account(
                store,
                connector,
                now=lambda: now,
                me=[DEMO_ME],
                progress=step,
                every_conversation=True,
                sla=sla,
            )
        finally:
            await connector.aclose()
        if report.error is not None:
            raise DemoLoadError(f"The demo account {account.name} did not sync: {report.error}")
        with store.session() as session:  # the sync does not know the plan has no SLA
            upsert_account(
                session,
                account.name,
                account.vendor,
                account.spec.base_url,
                user=connector.account.user,
                auth=connector.account.auth,
                has_vendor_sla=account.spec.has_vendor_sla,
                now=now,
            )
        loaded += report.tickets
        requests += report.requests
    return DemoSummary(
        tickets=loaded,
        accounts=tuple(a.name for a in dataset),
        requests=requests,
        synced=True,
        live=live if keep else None,
    )


def _load_direct(
    store: Store,
    dataset: SandboxDataset,
    now: datetime,
    progress: Callable[[int], object] | None,
    batch_size: int,
    sla: SlaSetup | None,
) -> DemoSummary:
    """The fast path: the generated records through the normalisers, no HTTP."""
    _record_accounts(store, dataset, now)
    with store.session() as session:
        upsert_directory(session, directory_entries(dataset))
    loaded = 0
    batch = []
    for ticket in iter_normalized(dataset, now):
        batch.append(ticket)
        if len(batch) >= batch_size:
            with store.session() as session:
                upsert_tickets(session, batch, now, sla)
            loaded += len(batch)
            if progress is not None:
                progress(len(batch))
            batch = []
    if batch:
        with store.session() as session:
            upsert_tickets(session, batch, now, sla)
        loaded += len(batch)
        if progress is not None:
            progress(len(batch))
    return DemoSummary(tickets=loaded, accounts=tuple(a.name for a in dataset))
