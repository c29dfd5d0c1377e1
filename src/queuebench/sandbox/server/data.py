"""Materialised sandbox accounts, shared between the servers of one process.

Generating an account costs about 0.15–0.3 ms a ticket, so a test session that starts dozens of
servers would spend most of its time regenerating the same records. :func:`shared_account`
materialises an account once per ``(account, seed, now, count)`` and keeps it (a small LRU); the
servers treat those records as read-only and copy a record before they change it, so any number
of servers can share one materialised account without seeing each other's writes.
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from queuebench.domain.models import Vendor
from queuebench.sandbox.generator import (
    ACCOUNTS,
    AccountDataset,
    MaterializedAccount,
    SandboxDataset,
    generate,
)

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_TICKETS",
    "SharedAccount",
    "account_dataset",
    "resolve_account",
    "shared_account",
]

T = TypeVar("T")

DEFAULT_TICKETS = 200
"""Tickets of a server started without a data set."""
DEFAULT_SEED = 7
"""Seed of a server started without a data set (the demo's seed)."""

_CACHE_SIZE = 8
_cache: OrderedDict[tuple[str, int, datetime, int], SharedAccount] = OrderedDict()
_cache_lock = threading.Lock()


@dataclass(slots=True)
class SharedAccount:
    """One materialised account plus read-only indexes derived from it (computed once)."""

    dataset: AccountDataset
    base: MaterializedAccount
    derived: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def name(self) -> str:
        """The account name, e.g. ``demo-zendesk``."""
        return self.dataset.name

    @property
    def vendor(self) -> Vendor:
        """The account's vendor."""
        return self.dataset.vendor

    @property
    def generated_at(self) -> datetime:
        """The ``now`` the records were generated for (SLA state is relative to it)."""
        return self.dataset.now

    def derive(self, key: str, factory: Callable[[], T]) -> T:
        """A value computed from the records once and shared by every server (do not mutate)."""
        with self.lock:
            if key not in self.derived:
                self.derived[key] = factory()
            value: T = self.derived[key]
            return value


def shared_account(dataset: AccountDataset) -> SharedAccount:
    """The materialised records of ``dataset``, built on first use and cached."""
    key = (dataset.name, dataset.seed, dataset.now, dataset.count)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    shared = SharedAccount(dataset, dataset.materialize())
    # The records live as long as the server: keep the collector from rescanning them.
    gc.freeze()
    with _cache_lock:
        existing = _cache.setdefault(key, shared)
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return existing


def account_dataset(
    vendor: Vendor, *, account: str | None = None, tickets: int, seed: int, now: datetime
) -> AccountDataset:
    """A one-account data set holding all ``tickets`` tickets (for ``sandbox serve``).

    ``account`` picks the demo account (default: the first one of the vendor); its tickets are
    the same records the four-account data set gives that account, just more of them.
    """
    specs = [s for s in ACCOUNTS if s.vendor is vendor and (account is None or s.name == account)]
    if not specs:
        names = ", ".join(s.name for s in ACCOUNTS if s.vendor is vendor)
        raise ValueError(f"no demo account {account!r} for {vendor.value}; accounts: {names}")
    return generate(tickets, seed, now, accounts=[specs[0]])[specs[0].name]


def resolve_account(
    vendor: Vendor,
    data: SandboxDataset | AccountDataset | SharedAccount | None,
    *,
    account: str | None = None,
    tickets: int | None = None,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
) -> SharedAccount:
    """The shared account a server for ``vendor`` serves.

    ``data`` may be a whole :class:`SandboxDataset` (``account`` picks one of the vendor's
    accounts, default the first), one :class:`AccountDataset`, an already shared account, or
    ``None`` to generate ``tickets`` tickets (default 200) with ``seed`` for ``now``.
    """
    if isinstance(data, SharedAccount):
        shared = data
    elif isinstance(data, AccountDataset):
        shared = shared_account(data)
    elif isinstance(data, SandboxDataset):
        candidates = [
            a for a in data if a.vendor is vendor and (account is None or a.name == account)
        ]
        if not candidates:
            raise ValueError(f"the data set has no {vendor.value} account {account or ''}".strip())
        shared = shared_account(candidates[0])
    elif data is None:
        when = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        count = DEFAULT_TICKETS if tickets is None else tickets
        shared = shared_account(
            account_dataset(vendor, account=account, tickets=count, seed=seed, now=when)
        )
    else:
        raise TypeError(f"cannot serve {type(data).__name__}; pass a data set or an account")
    if shared.vendor is not vendor:
        raise ValueError(f"{shared.name} is a {shared.vendor.value} account, not {vendor.value}")
    return shared
