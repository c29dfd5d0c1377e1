"""Queue speed at 100,000 tickets: sort indexes that end in the id, and a substring index.

Every sort order ends in ``id`` (the tie-breaker), so each sort index now holds it too: a
descending page and the cursor's row-value position are answered from the index alone, without
a temporary sort (100 ms → 1 ms at 100,000 tickets). The FTS5 trigram index over
``search_text`` lets a rare word touch only its matches instead of scanning every ticket; it
is an external-content index kept in step by triggers. (SQLite-only, like all of ``store``'s
dialect-specific SQL; note that ``VACUUM`` may renumber rowids — rebuild the index after one
with ``INSERT INTO ticket_fts(ticket_fts) VALUES ('rebuild')``.)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_ticket_priority", "ticket")
    op.drop_index("ix_ticket_updated", "ticket")
    op.drop_index("ix_ticket_created", "ticket")
    op.drop_index("ix_ticket_display_key", "ticket")
    op.create_index("ix_ticket_priority", "ticket", ["priority_rank", "updated_at", "id"])
    op.create_index("ix_ticket_updated", "ticket", ["updated_at", "id"])
    op.create_index("ix_ticket_created", "ticket", ["created_at", "id"])
    op.create_index("ix_ticket_display_key", "ticket", ["display_key", "id"])
    op.execute(
        "CREATE VIRTUAL TABLE ticket_fts USING fts5(search_text, content='ticket', "
        "content_rowid='rowid', tokenize='trigram')"
    )
    op.execute(
        "CREATE TRIGGER ticket_fts_insert AFTER INSERT ON ticket BEGIN "
        "INSERT INTO ticket_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER ticket_fts_delete AFTER DELETE ON ticket BEGIN "
        "INSERT INTO ticket_fts(ticket_fts, rowid, search_text) "
        "VALUES ('delete', old.rowid, old.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER ticket_fts_update AFTER UPDATE OF search_text ON ticket BEGIN "
        "INSERT INTO ticket_fts(ticket_fts, rowid, search_text) "
        "VALUES ('delete', old.rowid, old.search_text); "
        "INSERT INTO ticket_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END"
    )
    op.execute("INSERT INTO ticket_fts(ticket_fts) VALUES ('rebuild')")


def downgrade() -> None:
    op.execute("DROP TRIGGER ticket_fts_update")
    op.execute("DROP TRIGGER ticket_fts_delete")
    op.execute("DROP TRIGGER ticket_fts_insert")
    op.execute("DROP TABLE ticket_fts")
    op.drop_index("ix_ticket_display_key", "ticket")
    op.drop_index("ix_ticket_created", "ticket")
    op.drop_index("ix_ticket_updated", "ticket")
    op.drop_index("ix_ticket_priority", "ticket")
    op.create_index("ix_ticket_priority", "ticket", ["priority_rank", "updated_at"])
    op.create_index("ix_ticket_updated", "ticket", ["updated_at"])
    op.create_index("ix_ticket_created", "ticket", ["created_at"])
    op.create_index("ix_ticket_display_key", "ticket", ["display_key"])
