"""Queue order in SQL: denormalised sort columns, a search column and their indexes.

The queue sorts and filters 100,000 tickets in SQL; these columns hold the precomputed order
key (see ``domain.normalize.queue_sort_key``) and a lower-cased search text. Existing rows are
back-filled from their own columns so an upgraded cache keeps its order.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("queue_group", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("queue_a", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("queue_b", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("search_text", sa.String(), nullable=False, server_default=""))
    # Back-fill: the cache re-derives exact values on the next sync; this keeps a sane order now.
    op.execute(
        """
        UPDATE ticket SET
          queue_group = CASE
            WHEN status IN ('solved', 'closed') THEN 2
            WHEN next_breach_at IS NOT NULL THEN 0
            ELSE 1 END,
          queue_a = CASE
            WHEN status IN ('solved', 'closed') THEN -CAST(strftime('%s', updated_at) AS REAL)
            WHEN next_breach_at IS NOT NULL THEN CAST(strftime('%s', next_breach_at) AS REAL)
            ELSE priority_rank END,
          queue_b = CASE
            WHEN status IN ('solved', 'closed') THEN 0
            WHEN next_breach_at IS NOT NULL THEN priority_rank
            ELSE CAST(strftime('%s', updated_at) AS REAL) END,
          search_text = lower(display_key || ' ' || subject || ' ' || coalesce(requester, '')
            || ' ' || coalesce(organization, '') || ' ' || coalesce(assignee, '')
            || ' ' || coalesce(group_name, '') || ' ' || tags)
        """
    )
    # Risk order first, then every column a filter or another sort reads: filtering and
    # counting scan this index alone (a fixed list here: migrations never import models).
    op.create_index(
        "ix_ticket_queue",
        "ticket",
        [
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
        ],
    )
    op.create_index("ix_ticket_priority", "ticket", ["priority_rank", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_ticket_priority", "ticket")
    op.drop_index("ix_ticket_queue", "ticket")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("search_text")
        batch.drop_column("queue_b")
        batch.drop_column("queue_a")
        batch.drop_column("queue_group")
