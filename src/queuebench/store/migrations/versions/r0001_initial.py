"""Initial schema: accounts, tickets, conversation, SLA, directory, sync state and user data.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TS = sa.DateTime()


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("vendor", sa.String(), nullable=False),
        sa.Column("base_url", sa.String(), nullable=False),
        sa.Column("user", sa.String(), nullable=True),
        sa.Column("auth", sa.String(), nullable=False),
        sa.Column("has_vendor_sla", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "ticket",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("account", sa.String(), sa.ForeignKey("account.name"), nullable=False),
        sa.Column("vendor", sa.String(), nullable=False),
        sa.Column("remote_id", sa.String(), nullable=False),
        sa.Column("display_key", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("status_raw", sa.String(), nullable=False),
        sa.Column("priority", sa.String(), nullable=True),
        sa.Column("priority_raw", sa.String(), nullable=True),
        sa.Column("priority_rank", sa.Integer(), nullable=False),
        sa.Column("requester", sa.String(), nullable=True),
        sa.Column("organization", sa.String(), nullable=True),
        sa.Column("assignee", sa.String(), nullable=True),
        sa.Column("group_name", sa.String(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("tags", sa.String(), nullable=False),
        sa.Column("next_breach_at", _TS, nullable=True),
        sa.Column("comments_synced_at", _TS, nullable=True),
        sa.Column("synced_at", _TS, nullable=True),
    )
    op.create_index("ix_ticket_account_remote", "ticket", ["account", "remote_id"], unique=True)
    op.create_index("ix_ticket_display_key", "ticket", ["display_key"])
    op.create_index("ix_ticket_updated", "ticket", ["updated_at"])
    op.create_index("ix_ticket_created", "ticket", ["created_at"])
    op.create_index("ix_ticket_next_breach", "ticket", ["next_breach_at"])
    # Bulky text lives beside the ticket so scans of the queue's table stay narrow.
    op.create_table(
        "ticket_detail",
        sa.Column("ticket_id", sa.String(), sa.ForeignKey("ticket.id"), primary_key=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("description_format", sa.String(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
    )
    op.create_table(
        "comment",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("ticket_id", sa.String(), sa.ForeignKey("ticket.id"), nullable=False),
        sa.Column("remote_id", sa.String(), nullable=False),
        sa.Column("author", sa.String(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_format", sa.String(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_comment_ticket_created", "comment", ["ticket_id", "created_at"])
    op.create_table(
        "sla_target",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.String(), sa.ForeignKey("ticket.id"), nullable=False),
        sa.Column("metric", sa.String(), nullable=False),
        sa.Column("breach_at", _TS, nullable=True),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("policy", sa.String(), nullable=True),
        sa.Column("remaining_seconds", sa.Integer(), nullable=True),
    )
    op.create_index("ix_sla_ticket", "sla_target", ["ticket_id"])
    op.create_table(
        "directory",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("remote_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=True),
    )
    op.create_table(
        "sync_state",
        sa.Column("account", sa.String(), primary_key=True),
        sa.Column("resource", sa.String(), primary_key=True),
        sa.Column("cursor", sa.String(), nullable=True),
        sa.Column("watermark", _TS, nullable=True),
        sa.Column("last_success_at", _TS, nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.String(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("source", sa.String(), nullable=True),
        sa.Column("redacted", sa.Boolean(), nullable=False),
        sa.Column("occurred_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_evidence_ticket", "evidence", ["ticket_id"])
    op.create_table(
        "note",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.String(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_note_ticket", "note", ["ticket_id"])
    op.create_table(
        "draft",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.String(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_draft_ticket", "draft", ["ticket_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.String(), nullable=False),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("base_updated_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_outbox_state", "outbox", ["state", "created_at"])
    op.create_table(
        "runbook",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.String(), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_runbook_path", "runbook", ["path"])


def downgrade() -> None:
    for table in (
        "runbook",
        "outbox",
        "draft",
        "note",
        "evidence",
        "sync_state",
        "directory",
        "sla_target",
        "comment",
        "ticket_detail",
        "ticket",
        "account",
    ):
        op.drop_table(table)
