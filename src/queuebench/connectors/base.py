"""The one protocol every vendor connector implements, and the values it trades in.

A connector turns an account's vendor API into normalised domain records and outbox items into
vendor calls. It never touches the store: :mod:`queuebench.sync` gives it the saved cursors
and the cached directory, writes what it yields, and saves the cursor it reports with each
batch in the same transaction.

Flow of one pull::

    async for batch in connector.pull(state, full=False):
        wanted = [t for t in batch.tickets if sync decides to fetch details]
        detailed = await connector.fetch_details(wanted)     # comments / SLA / journal
        store: upsert batch (detailed where fetched) + delete batch.deleted + save batch.cursor
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from queuebench.connectors.common import Directory
from queuebench.connectors.http import AccountClient
from queuebench.domain.models import DirectoryEntry, DirectoryKind, Ticket, Vendor
from queuebench.domain.normalize import VendorMaps

__all__ = [
    "DELETIONS",
    "RECONCILE_EVERY",
    "Account",
    "Batch",
    "Connector",
    "ConnectorBase",
    "OutboxAction",
    "OutboxItem",
    "PushOutcome",
    "PushResult",
    "ResourceState",
    "account_fix_hint",
    "secret_env_var",
]


@dataclass(frozen=True)
class Account:
    """An account as the connector needs it (from the config file; the secret comes apart).

    ``options`` holds vendor-specific settings: ``project`` (JSM JQL project),
    ``organization_field`` (JSM), ``page_size``; and for an OAuth account ``client_id`` and
    ``token_url`` when they are set (and ``api_url``, a JSM account's own API gateway).

    ``base_url`` is the site people open (ticket links point there); ``api_base``, when set,
    is where API calls go instead (JSM over OAuth: ``https://api.atlassian.com/ex/jira/ID``).
    """

    name: str
    vendor: Vendor
    base_url: str
    user: str | None = None
    auth: str = "token"
    options: dict[str, Any] = field(default_factory=dict)
    api_base: str | None = None


DELETIONS = "deletions"
"""The sync resource of a deletion check; its watermark is when the last one ran."""
RECONCILE_EVERY = timedelta(hours=24)
"""How often an incremental sync compares a vendor's ticket ids with the cache (JSM and
ServiceNow report no deletions)."""


def secret_env_var(account: str) -> str:
    """``QUEUEBENCH_SECRET_<ACCOUNT>``: upper-cased, other characters as ``_``."""
    return "QUEUEBENCH_SECRET_" + re.sub(r"[^A-Z0-9]", "_", account.upper())


def account_fix_hint(account: Account) -> str:
    """The command that stores a new secret for ``account`` (never the secret itself)."""
    parts = [
        f"queuebench account add {account.name}",
        f"--vendor {account.vendor.value}",
        f"--url {account.base_url}",
    ]
    if account.user:
        parts.append(f"--user {account.user}")
    parts.append(f"--auth {account.auth}")
    for option in ("client_id", "token_url", "api_url"):
        if account.options.get(option):
            parts.append(f"--{option.replace('_', '-')} {account.options[option]}")
    return " ".join(parts)


@dataclass(frozen=True)
class ResourceState:
    """Where the last committed batch of one resource stopped."""

    cursor: str | None = None
    watermark: datetime | None = None


@dataclass
class Batch:
    """One committed unit of a pull: tickets, deletions, names, and the state after it.

    ``tickets`` carry no conversation yet (``comments is None``); ``sync`` asks
    :meth:`Connector.fetch_details` for the ones it wants. ``deleted`` are remote ids to drop
    from the cache. ``present``, when set, is the complete set of remote ids the vendor holds
    (from a reconciliation, for vendors with no deletion feed): every cached ticket of the
    account outside it was deleted there and is dropped. ``state`` is saved with the batch;
    ``done`` marks the resource's last batch of this run (so ``last_success_at`` can be
    recorded).
    """

    resource: str
    tickets: list[Ticket]
    state: ResourceState
    deleted: list[str] = field(default_factory=list)
    directory: list[DirectoryEntry] = field(default_factory=list)
    done: bool = False
    present: frozenset[str] | None = None


class OutboxAction(StrEnum):
    """What an outbox item asks the vendor to do."""

    NOTE_INTERNAL = "note_internal"
    REPLY_PUBLIC = "reply_public"
    STATUS = "status"
    PRIORITY = "priority"
    ASSIGNEE = "assignee"


@dataclass(frozen=True)
class OutboxItem:
    """A queued write. ``value`` is the note text, or the vendor's status/priority/assignee.

    ``base_updated_at`` is the ticket's ``updated_at`` when the user read it; ``None`` skips
    the conflict check (the user chose to overwrite).
    """

    id: int
    ticket_id: str
    account: str
    remote_id: str
    display_key: str
    action: OutboxAction
    value: str
    base_updated_at: datetime | None


class PushOutcome(StrEnum):
    """How a push ended."""

    SENT = "sent"
    FAILED = "failed"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class PushResult:
    """The end of one push; ``remote_updated_at`` is the ticket's new time after a send."""

    outcome: PushOutcome
    error: str | None = None
    remote_updated_at: datetime | None = None


class Connector(Protocol):
    """One vendor account behind one interface."""

    account: Account
    client: AccountClient
    resources: tuple[str, ...]

    async def check(self) -> str:
        """One cheap authenticated call; returns a plain-language description of who we are."""
        ...

    def pull(self, state: dict[str, ResourceState], *, full: bool = False) -> AsyncIterator[Batch]:
        """Changed tickets since ``state`` (everything when ``full``), in committed batches."""
        ...

    async def fetch_details(self, tickets: Sequence[Ticket]) -> list[Ticket]:
        """The same tickets with conversation (and per-ticket SLA where the vendor needs it)."""
        ...

    async def push(self, item: OutboxItem) -> PushResult:
        """Send one outbox item; conflicts and vendor refusals are results, not exceptions."""
        ...

    def learn(self, entries: Iterable[DirectoryEntry]) -> list[DirectoryEntry]:
        """Names the cache already knows (so unchanged users still resolve); returns the
        entries that were new or renamed."""
        ...

    async def confirm_deleted(self, remote_ids: Sequence[str]) -> list[str]:
        """Of cached tickets a reconciliation (``Batch.present``) did not meet, those the
        vendor confirms are gone (a scan that missed a row must not delete a live ticket)."""
        ...

    async def aclose(self) -> None:
        """Close the HTTP client."""
        ...


class ConnectorBase:
    """What the three connectors share: the account, its client, maps, names and the clock."""

    resources: tuple[str, ...] = ("tickets",)

    def __init__(
        self,
        account: Account,
        client: AccountClient,
        *,
        now: Callable[[], datetime],
        maps: VendorMaps | None = None,
    ) -> None:
        self.account = account
        self.client = client
        self.now = now
        self.maps = maps or VendorMaps.default(account.vendor)
        self.directory = Directory(account.name)
        self._known: set[tuple[DirectoryKind, str]] = set()

    def learn(self, entries: Iterable[DirectoryEntry]) -> list[DirectoryEntry]:
        """Add names to the directory; returns the entries that were new or renamed."""
        fresh: list[DirectoryEntry] = []
        for entry in entries:
            key = (entry.kind, entry.remote_id)
            if (
                key in self._known
                and self.directory.name(entry.kind, entry.remote_id) == entry.name
            ):
                continue
            self._known.add(key)
            self.directory.add(entry)
            fresh.append(entry)
        return fresh

    def user_id(self, name_or_id: str) -> str | None:
        """The remote id of a user given by name (case-insensitive) or by id."""
        wanted = name_or_id.strip().lower()
        for entry in self.directory.entries:
            if entry.kind is DirectoryKind.USER and (
                entry.remote_id == name_or_id
                or entry.name.lower() == wanted
                or (entry.email or "").lower() == wanted
            ):
                return entry.remote_id
        return None

    async def confirm_deleted(self, remote_ids: Sequence[str]) -> list[str]:
        """See :meth:`Connector.confirm_deleted` (by default the reconciliation is trusted)."""
        return list(remote_ids)

    async def reconciliation(
        self,
        saved: ResourceState,
        met: set[str] | None,
        scan: Callable[[], Awaitable[frozenset[str]]],
    ) -> Batch | None:
        """The deletion check of a vendor with no deletion feed, as a :data:`DELETIONS` batch.

        ``met`` is every id a pull met when it started from nothing and ran to its end (the
        check is then free); otherwise ``scan`` lists the vendor's ids, at most once per
        :data:`RECONCILE_EVERY` (the resource's watermark is the last check).
        """
        now = self.now()
        if met is not None:
            present = frozenset(met)
        elif saved.watermark is not None and now - saved.watermark < RECONCILE_EVERY:
            return None
        else:
            present = await scan()
        return Batch(DELETIONS, [], ResourceState(watermark=now), done=True, present=present)

    async def lookup_user(self, name_or_id: str) -> DirectoryEntry | None:
        """Ask the vendor for a user the cache does not know (by default: nobody)."""
        return None

    async def resolve_user(self, name_or_id: str) -> str | None:
        """The remote id of a user: from the cached names, else asked of the vendor."""
        found = self.user_id(name_or_id)
        if found is not None:
            return found
        entry = await self.lookup_user(name_or_id.strip())
        if entry is None:
            return None
        self.learn([entry])
        return entry.remote_id

    @staticmethod
    def same_user(name_or_id: str, *candidates: object) -> bool:
        """Whether ``name_or_id`` names a user with one of these ids, names or emails."""
        wanted = name_or_id.strip().lower()
        return any(str(c).strip().lower() == wanted for c in candidates if c not in (None, ""))

    async def aclose(self) -> None:
        await self.client.aclose()
