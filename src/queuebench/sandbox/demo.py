"""Load the built-in sandbox data set into a store, the way a sync would — by syncing it.

The generator produces vendor-shaped JSON for four demo accounts. Each account's sandbox
server (:mod:`queuebench.sandbox.server`) is started in-process, with no socket, and the real
connector syncs it into the store through the same code as ``queuebench sync``: HTTP client,
paging, normalisers, per-batch transactions, SLA clocks. Every conversation is fetched
(closed tickets too), since the servers are gone once the demo has loaded.

Above :data:`SYNC_LIMIT` tickets (the 100,000-ticket benchmark cache) the per-ticket calls
would take minutes in-process, so the data set goes through the connectors' normalisers
directly (:mod:`queuebench.sandbox.feed`) in batches of :data:`BATCH_SIZE`, each in its own
transaction: the same tickets, without the HTTP round trips.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from queuebench.domain.models import Vendor
from queuebench.sandbox.feed import account_infos, directory_entries, iter_normalized
from queuebench.sandbox.generator import AccountDataset, SandboxDataset, generate
from queuebench.store.engine import Store
from queuebench.store.sla_state import FINGERPRINT_KEY
from queuebench.store.writes import set_meta, upsert_account, upsert_directory, upsert_tickets

if TYPE_CHECKING:
    from queuebench.connectors.base import Connector
    from queuebench.domain.sla_clocks import SlaSetup
    from queuebench.sandbox.server import VendorApp

# The demo's "you": an agent who owns tickets in every demo account, so `is:mine` shows work.
DEMO_ME = "Maya Lindqvist"

BATCH_SIZE = 1000
SYNC_LIMIT = 10_000
"""Up to this many tickets the demo syncs from the sandbox servers; above it, the fast path."""
ZENDESK_HOLDBACK = timedelta(seconds=61)
"""The Zendesk server's clock runs this far ahead of the data: its export leaves out the last
minute (as Zendesk does), and the demo wants every ticket."""


class DemoLoadError(Exception):
    """A sandbox account could not be synced (a bug: the sandbox and connectors disagree)."""


@dataclass(frozen=True)
class DemoSummary:
    """What was loaded, and how: ``requests`` sent to the sandbox servers (0 on the fast
    path)."""

    tickets: int
    accounts: tuple[str, ...]
    requests: int = 0
    synced: bool = False


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
) -> DemoSummary:
    """Generate ``tickets`` sandbox tickets for ``now`` and write them to ``store``.

    ``sync`` (default: up to :data:`SYNC_LIMIT` tickets) syncs them from the sandbox servers
    through the connectors; otherwise they go through the normalisers directly. With ``sla``
    (see :func:`queuebench.sla_config.sla_setup`, which includes the demo's own policies)
    tickets without vendor SLA get computed clocks, and the cache records which configuration
    made them. ``progress`` is called with the number of tickets each batch wrote.
    """
    dataset = generate(tickets=tickets, seed=seed, now=now)
    if sync if sync is not None else tickets <= SYNC_LIMIT:
        summary = asyncio.run(_sync_servers(store, dataset, seed, now, progress, sla))
    else:
        summary = _load_direct(store, dataset, now, progress, batch_size, sla)
    if sla is not None:
        with store.session() as session:
            set_meta(session, FINGERPRINT_KEY, sla.fingerprint)
    return summary


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
) -> DemoSummary:
    """Sync every demo account from its in-process sandbox server."""
    from queuebench.sandbox.server import ManualClock, make_app
    from queuebench.sync import sync_account

    loaded = requests = 0
    for account in dataset:
        ahead = ZENDESK_HOLDBACK if account.vendor is Vendor.ZENDESK else timedelta(0)
        app = make_app(account.vendor, account, clock=ManualClock(now + ahead), seed=seed)
        connector = _demo_connector(account, app, now)
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
    )


def _demo_connector(account: AccountDataset, app: VendorApp, now: datetime) -> Connector:
    """The real connector of a demo account, wired to its server in-process."""
    from queuebench.accounts import build_connector
    from queuebench.connectors.base import Account, account_fix_hint
    from queuebench.connectors.http import AccountClient, Secret
    from queuebench.sandbox.generator import JSM_ORGANIZATION_FIELD
    from queuebench.sandbox.server import transport

    credentials = app.credentials
    auth, user, secret = {
        # Each vendor's usual way in: Zendesk OAuth (API tokens are being retired), Atlassian
        # email + API token, ServiceNow user + password.
        Vendor.ZENDESK: ("oauth", None, credentials.bearer),
        Vendor.JSM: ("token", credentials.user, credentials.secret),
        Vendor.SERVICENOW: ("basic", credentials.user, credentials.secret),
    }[account.vendor]
    spec = account.spec
    demo = Account(
        name=spec.name,
        vendor=spec.vendor,
        base_url=spec.base_url,
        user=user,
        auth=auth,
        options={"organization_field": JSM_ORGANIZATION_FIELD},
    )
    client = AccountClient(
        account=demo.name,
        vendor=demo.vendor,
        base_url=demo.base_url,
        auth=auth,
        user=user,
        secret=Secret(secret),
        fix_hint=account_fix_hint(demo),
        concurrency=8,
        transport=transport(app),
    )
    return build_connector(demo, client, now=lambda: now)


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
