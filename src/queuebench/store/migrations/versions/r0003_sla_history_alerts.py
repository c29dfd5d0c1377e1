"""SLA engine: status history, vendor/computed disagreements, alerts shown, cache facts.

``status_history`` records each ticket's status changes (observed at sync time, or from a
vendor's audit log), so computed SLA clocks pause and resume and the KPI report can count
solves and reopens. ``sla_disagreement`` keeps vendor vs computed breach instants that differ
by more than a minute. ``sla_alert`` remembers which alerts were shown so a restart does not
repeat them. ``cache_meta`` holds small facts such as the SLA configuration the computed clocks
were made with. A range index on ``sla_target.breach_at`` serves the alert check.

Existing tickets get one history entry each (their current status, at their last update), the
same entry a first sync would write.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TS = sa.DateTime()


def upgrade() -> None:
    op.create_table(
        "status_history",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.String(), sa.ForeignKey("ticket.id"), nullable=False),
        sa.Column("changed_at", _TS, nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("status_raw", sa.String(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
    )
    op.create_index("ix_status_history_ticket", "status_history", ["ticket_id", "changed_at"])
    op.create_table(
        "sla_disagreement",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.String(), sa.ForeignKey("ticket.id"), nullable=False),
        sa.Column("metric", sa.String(), nullable=False),
        sa.Column("vendor_breach_at", _TS, nullable=False),
        sa.Column("computed_breach_at", _TS, nullable=False),
        sa.Column("policy", sa.String(), nullable=True),
    )
    op.create_index("ix_sla_disagreement_ticket", "sla_disagreement", ["ticket_id"])
    op.create_table(
        "sla_alert",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.String(), nullable=False),
        sa.Column("metric", sa.String(), nullable=False),
        sa.Column("breach_at", _TS, nullable=False),
        sa.Column("threshold_minutes", sa.Integer(), nullable=False),
        sa.Column("alerted_at", _TS, nullable=False),
    )
    op.create_index("ix_sla_alert_target", "sla_alert", ["ticket_id", "metric"])
    op.create_table(
        "cache_meta",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("value", sa.String(), nullable=False),
    )
    op.create_index("ix_sla_breach", "sla_target", ["breach_at"])
    op.execute(
        "INSERT INTO status_history (ticket_id, changed_at, status, status_raw, source) "
        "SELECT id, CASE WHEN status IN ('new', 'open') THEN created_at ELSE updated_at END, "
        "status, status_raw, 'observed' FROM ticket"
    )


def downgrade() -> None:
    op.drop_index("ix_sla_breach", "sla_target")
    op.drop_table("cache_meta")
    op.drop_index("ix_sla_alert_target", "sla_alert")
    op.drop_table("sla_alert")
    op.drop_index("ix_sla_disagreement_ticket", "sla_disagreement")
    op.drop_table("sla_disagreement")
    op.drop_index("ix_status_history_ticket", "status_history")
    op.drop_table("status_history")
