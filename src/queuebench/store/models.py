"""SQLModel tables of the local cache.

Designed for the whole mission up front so later features add rows, not tables: accounts,
tickets (normalised fields plus the raw vendor JSON), comments, SLA targets, the directory of
people/organisations/groups, sync cursors, and the user's own data — evidence, notes, drafts,
the outbox of writes waiting for a vendor, and runbooks. Times are stored as UTC.

Only portable column types are used here; SQLite-only SQL (pragmas, FTS5) lives in
``store/engine.py`` so the same models can run on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

# The queue's index: the risk order first, then every column a filter or another sort reads,
# so a filtered page walks this index alone, never the table.
QUEUE_INDEX_COLUMNS = (
    "queue_group",
    "queue_a",
    "queue_b",
    "id",
    "search_text",
    "status",
    "vendor",
    "account",
    "priority",
    "priority_rank",
    "assignee",
    "organization",
    "tags",
    "next_breach_at",
    "created_at",
    "updated_at",
    "display_key",
)

# The columns a non-text filter reads: counting a filter scans a narrow index of these
# (migration 0005) instead of the wide queue index.
FACET_INDEX_COLUMNS = (
    "vendor",
    "status",
    "priority",
    "assignee",
    "account",
    "organization",
    "next_breach_at",
)
# What the other sort indexes add after their order: every filtered column but the search
# text (words of three or more letters are tested through the text index's row ids).
SORT_INDEX_COVERS = (*FACET_INDEX_COLUMNS, "tags")


class AccountRow(SQLModel, table=True):
    """A vendor account the user syncs from (the secret lives in the keyring, never here)."""

    __tablename__ = "account"

    name: str = Field(primary_key=True)
    vendor: str
    base_url: str
    user: str | None = None
    auth: str = "token"
    has_vendor_sla: bool = True
    created_at: datetime


class TicketRow(SQLModel, table=True):
    """One ticket, normalised, with its vendor JSON kept beside it."""

    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_queue", *QUEUE_INDEX_COLUMNS),
        # Each sort order ends in the id, and so does its index (migration 0004); then the
        # columns a filter tests, so a filtered page walks it without the table (0005).
        Index("ix_ticket_priority", "priority_rank", "updated_at", "id", *SORT_INDEX_COVERS),
        Index("ix_ticket_updated", "updated_at", "id", *SORT_INDEX_COVERS),
        Index("ix_ticket_created", "created_at", "id", *SORT_INDEX_COVERS),
        Index("ix_ticket_account_remote", "account", "remote_id", unique=True),
        Index("ix_ticket_display_key", "display_key", "id", *SORT_INDEX_COVERS),
        Index("ix_ticket_next_breach", "next_breach_at"),
        Index("ix_ticket_facets", *FACET_INDEX_COLUMNS),
        Index("ix_ticket_text", "search_text", "tags", *FACET_INDEX_COLUMNS),
        Index("ix_ticket_organization", "organization"),
    )

    id: str = Field(primary_key=True)  # "<account>:<remote_id>"
    account: str = Field(foreign_key="account.name")
    vendor: str
    remote_id: str
    display_key: str
    subject: str
    status: str
    status_raw: str
    priority: str | None = None
    priority_raw: str | None = None
    priority_rank: int = 5
    requester: str | None = None
    organization: str | None = None
    assignee: str | None = None
    group_name: str | None = None
    created_at: datetime
    updated_at: datetime
    url: str
    tags: str = "[]"  # JSON list
    next_breach_at: datetime | None = None
    queue_group: int = 1
    queue_a: float = 0.0
    queue_b: float = 0.0
    search_text: str = ""  # lower-cased key, subject, people and tags for filter-as-you-type
    comments_synced_at: datetime | None = None  # None: conversation not cached yet
    synced_at: datetime | None = None


class TicketDetailRow(SQLModel, table=True):
    """The bulky part of a ticket, kept out of the queue's table so queue scans stay narrow."""

    __tablename__ = "ticket_detail"

    ticket_id: str = Field(primary_key=True, foreign_key="ticket.id")
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    description_format: str = "text"
    raw: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))


class CommentRow(SQLModel, table=True):
    """A public reply or an internal note on a ticket."""

    __tablename__ = "comment"
    __table_args__ = (Index("ix_comment_ticket_created", "ticket_id", "created_at"),)

    id: str = Field(primary_key=True)  # "<ticket id>:<remote comment id>"
    ticket_id: str = Field(foreign_key="ticket.id")
    remote_id: str
    author: str | None = None
    public: bool = True
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    body_format: str = "text"
    created_at: datetime


class SlaTargetRow(SQLModel, table=True):
    """One SLA clock of a ticket, from the vendor or computed from config."""

    __tablename__ = "sla_target"
    __table_args__ = (
        Index("ix_sla_ticket", "ticket_id"),
        # The alert check reads the targets breaching soon: a range on this index.
        Index("ix_sla_breach", "breach_at"),
        # is:paused reads the tickets with a target in one stage (migration 0005).
        Index("ix_sla_stage", "stage", "ticket_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(foreign_key="ticket.id")
    metric: str
    breach_at: datetime | None = None
    stage: str
    source: str = "vendor"
    policy: str | None = None
    remaining_seconds: int | None = None


class DirectoryRow(SQLModel, table=True):
    """A person, organisation or group of an account, by the vendor's id."""

    __tablename__ = "directory"

    id: str = Field(primary_key=True)  # "<account>:<kind>:<remote_id>"
    account: str
    kind: str
    remote_id: str
    name: str
    email: str | None = None


class SyncStateRow(SQLModel, table=True):
    """Where the last sync of one resource of one account stopped."""

    __tablename__ = "sync_state"

    account: str = Field(primary_key=True)
    resource: str = Field(primary_key=True)
    cursor: str | None = None
    watermark: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    updated_at: datetime


class EvidenceRow(SQLModel, table=True):
    """A piece of evidence captured for a case (log extract, request/trace id, timeline entry)."""

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_ticket", "ticket_id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str | None = None
    kind: str
    title: str = ""
    content: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    source: str | None = None
    redacted: bool = False
    occurred_at: datetime | None = None
    created_at: datetime


class NoteRow(SQLModel, table=True):
    """The user's own note (bridge log, decision, scratch) — never sent anywhere by itself."""

    __tablename__ = "note"
    __table_args__ = (Index("ix_note_ticket", "ticket_id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str | None = None
    kind: str = "note"
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime
    updated_at: datetime


class DraftRow(SQLModel, table=True):
    """An escalation or customer-update draft being written."""

    __tablename__ = "draft"
    __table_args__ = (Index("ix_draft_ticket", "ticket_id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str | None = None
    kind: str
    title: str = ""
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    state: str = "draft"
    created_at: datetime
    updated_at: datetime


class OutboxRow(SQLModel, table=True):
    """A write waiting to go back to a vendor; it ends sent, failed or conflict, never dropped."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state", "state", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str
    account: str
    action: str  # note_internal, reply_public, status, priority, assignee
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    state: str = "pending"  # pending, sent, failed, conflict
    error: str | None = None
    attempts: int = 0
    base_updated_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class RunbookRow(SQLModel, table=True):
    """A runbook or known-issue article indexed for lookup."""

    __tablename__ = "runbook"

    id: int | None = Field(default=None, primary_key=True)
    path: str = Field(index=True)
    title: str
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    tags: str = "[]"
    updated_at: datetime


class StatusHistoryRow(SQLModel, table=True):
    """One status change of a ticket: observed at sync time, or from the vendor's audit log.

    Computed SLA clocks pause and resume from this history; the KPI report reads solves and
    reopens from it.
    """

    __tablename__ = "status_history"
    __table_args__ = (Index("ix_status_history_ticket", "ticket_id", "changed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(foreign_key="ticket.id")
    changed_at: datetime
    status: str
    status_raw: str | None = None
    source: str = "observed"  # observed (a sync saw it change) or vendor (audit/changelog)


class SlaDisagreementRow(SQLModel, table=True):
    """A metric where the vendor's breach instant and the computed one differ by over a minute."""

    __tablename__ = "sla_disagreement"
    __table_args__ = (Index("ix_sla_disagreement_ticket", "ticket_id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(foreign_key="ticket.id")
    metric: str
    vendor_breach_at: datetime
    computed_breach_at: datetime
    policy: str | None = None


class SlaAlertRow(SQLModel, table=True):
    """An SLA alert already shown: one per target (ticket, metric, breach instant) and threshold."""

    __tablename__ = "sla_alert"
    __table_args__ = (Index("ix_sla_alert_target", "ticket_id", "metric"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str
    metric: str
    breach_at: datetime
    threshold_minutes: int
    alerted_at: datetime


class CacheMetaRow(SQLModel, table=True):
    """Small facts about the cache itself, e.g. which SLA configuration its clocks reflect."""

    __tablename__ = "cache_meta"

    key: str = Field(primary_key=True)
    value: str
