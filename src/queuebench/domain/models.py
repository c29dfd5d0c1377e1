"""The normalised records every layer speaks: plain frozen dataclasses, no I/O.

Connectors (and the sandbox generator) turn vendor JSON into these; the store persists them;
screens and the CLI read them back. Times are always timezone-aware UTC ``datetime`` values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Vendor(StrEnum):
    """The ticketing systems queuebench syncs from."""

    ZENDESK = "zendesk"
    JSM = "jsm"
    SERVICENOW = "servicenow"


class Status(StrEnum):
    """Normalised ticket status; the vendor's own value is kept beside it."""

    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"

    @property
    def is_done(self) -> bool:
        return self in (Status.SOLVED, Status.CLOSED)


class Priority(StrEnum):
    """Normalised priority, P1 the most urgent."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def rank(self) -> int:
        return int(self.value[1])


class SlaMetric(StrEnum):
    """What an SLA target measures."""

    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"
    PERIODIC_UPDATE = "periodic_update"


class SlaStage(StrEnum):
    """Where an SLA target's clock stands."""

    ACTIVE = "active"
    PAUSED = "paused"
    ACHIEVED = "achieved"
    BREACHED = "breached"


class SlaSource(StrEnum):
    """Who computed an SLA target: the vendor's SLA engine, or queuebench from config."""

    VENDOR = "vendor"
    COMPUTED = "computed"


class DirectoryKind(StrEnum):
    """Kinds of named things a ticket refers to."""

    USER = "user"
    ORGANIZATION = "organization"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class SlaTarget:
    """One SLA clock on a ticket.

    ``breach_at`` is the wall-clock instant the target breaches (UTC), or ``None`` when the
    clock is paused without a projected instant. ``remaining_seconds`` is the business time
    left when paused, if the vendor reports it.
    """

    metric: SlaMetric
    breach_at: datetime | None
    stage: SlaStage
    source: SlaSource = SlaSource.VENDOR
    policy: str | None = None
    remaining_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class Comment:
    """One entry of a ticket's conversation: a public reply or an internal note."""

    remote_id: str
    author: str | None
    public: bool
    body: str
    created_at: datetime
    body_format: str = "text"  # "text" or "markdown"


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """A person, organisation or group as the vendor names it."""

    account: str
    kind: DirectoryKind
    remote_id: str
    name: str
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Ticket:
    """A ticket normalised to the queuebench contract (see ``docs/architecture.md``)."""

    account: str
    vendor: Vendor
    remote_id: str
    display_key: str
    subject: str
    status: Status
    status_raw: str
    priority: Priority | None
    priority_raw: str | None
    requester: str | None
    organization: str | None
    assignee: str | None
    group: str | None
    created_at: datetime
    updated_at: datetime
    url: str
    description: str = ""
    description_format: str = "text"  # "text" or "markdown"
    tags: tuple[str, ...] = ()
    sla: tuple[SlaTarget, ...] = ()
    comments: tuple[Comment, ...] | None = None  # None: not fetched yet
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def id(self) -> str:
        return ticket_id(self.account, self.remote_id)


def ticket_id(account: str, remote_id: str) -> str:
    """The cache-wide key of a ticket: ``"<account>:<remote_id>"``."""
    return f"{account}:{remote_id}"


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One line of the queue: just what the list shows, read in pages from the store."""

    id: str
    account: str
    vendor: Vendor
    display_key: str
    subject: str
    status: Status
    priority: Priority | None
    requester: str | None
    organization: str | None
    assignee: str | None
    group: str | None
    created_at: datetime
    updated_at: datetime
    next_breach_at: datetime | None
    sla: tuple[SlaTarget, ...] = ()
    remote_id: str = ""
    url: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BacklogHealth:
    """The queue header's counts: what is breached, due soon, and aging."""

    open_total: int
    breached: int
    due_within_hour: int
    aged_7: int
    aged_14: int
    aged_30: int
