"""Load the built-in sandbox data set into a store, the way a sync would.

The generator produces vendor-shaped JSON; :mod:`queuebench.sandbox.feed` runs it through the
connectors' normalisers; this module writes it in batches, each in its own transaction, so an
interrupted load keeps every batch it finished.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from queuebench.sandbox.feed import account_infos, directory_entries, iter_normalized
from queuebench.sandbox.generator import generate
from queuebench.store.engine import Store
from queuebench.store.sla_state import FINGERPRINT_KEY
from queuebench.store.writes import set_meta, upsert_account, upsert_directory, upsert_tickets

if TYPE_CHECKING:
    from queuebench.domain.sla_clocks import SlaSetup

# The demo's "you": an agent who owns tickets in every demo account, so `is:mine` shows work.
DEMO_ME = "Maya Lindqvist"

BATCH_SIZE = 1000


@dataclass(frozen=True)
class DemoSummary:
    """What was loaded."""

    tickets: int
    accounts: tuple[str, ...]


def load_demo(
    store: Store,
    *,
    tickets: int,
    seed: int,
    now: datetime,
    progress: Callable[[int], object] | None = None,
    batch_size: int = BATCH_SIZE,
    sla: SlaSetup | None = None,
) -> DemoSummary:
    """Generate ``tickets`` sandbox tickets for ``now`` and write them to ``store``.

    With ``sla`` (see :func:`queuebench.sla_config.sla_setup`, which includes the demo's own
    policies) tickets without vendor SLA get computed clocks, and the cache records which
    configuration made them.
    """
    dataset = generate(tickets=tickets, seed=seed, now=now)
    infos = account_infos(dataset)
    with store.session() as session:
        for info in infos:
            upsert_account(
                session,
                info.name,
                info.vendor,
                info.base_url,
                has_vendor_sla=info.has_vendor_sla,
                now=now,
            )
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
    if sla is not None:
        with store.session() as session:
            set_meta(session, FINGERPRINT_KEY, sla.fingerprint)
    return DemoSummary(tickets=loaded, accounts=tuple(i.name for i in infos))
