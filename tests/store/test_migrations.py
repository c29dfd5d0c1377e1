"""Schema migrations: an older cache upgrades in place and keeps the user's notes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlmodel import select

from queuebench.domain.query import parse_filter
from queuebench.store.engine import (
    HEAD_REVISION,
    KNOWN_REVISIONS,
    MIGRATIONS_DIR,
    db_path,
    open_store,
    probe_schema,
    run_migrations,
)
from queuebench.store.models import NoteRow
from queuebench.store.queries import queue_window


def test_known_revisions_match_the_migration_scripts() -> None:
    found = {}
    for script in (MIGRATIONS_DIR / "versions").glob("r*.py"):
        body = script.read_text()
        rev = re.search(r'^revision = "(\w+)"', body, re.M)
        down = re.search(r"^down_revision = (None|\"\w+\")", body, re.M)
        assert rev and down, script
        found[rev.group(1)] = None if down.group(1) == "None" else down.group(1).strip('"')
    chain = []
    current = next(r for r, d in found.items() if d is None)
    while current:
        chain.append(current)
        current = next((r for r, d in found.items() if d == current), None)
    assert tuple(chain) == KNOWN_REVISIONS
    assert chain[-1] == HEAD_REVISION


def test_upgrade_from_first_schema_keeps_notes_and_orders_tickets(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    path = db_path(data)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as con:
        run_migrations(con, "0001")
        con.execute(
            text(
                "INSERT INTO note (ticket_id, kind, body, created_at, updated_at) VALUES "
                "(NULL, 'note', 'bridge: rolled back deploy 14:02', '2026-11-20 14:02:00.000000',"
                " '2026-11-20 14:02:00.000000')"
            )
        )
        con.execute(
            text(
                "INSERT INTO account (name, vendor, base_url, user, auth, has_vendor_sla, "
                "created_at) VALUES ('zd', 'zendesk', 'https://x', NULL, 'token', 1, "
                "'2026-11-01 00:00:00.000000')"
            )
        )
        for n, breach, prio in (
            ("1", None, 1),
            ("2", "2026-11-27 13:00:00.000000", 3),
            ("3", "2026-11-27 11:00:00.000000", 4),
        ):
            con.execute(
                text(
                    "INSERT INTO ticket (id, account, vendor, remote_id, display_key, subject, "
                    "status, status_raw, priority, "
                    "priority_raw, priority_rank, requester, organization, assignee, "
                    "group_name, created_at, updated_at, url, tags, next_breach_at, "
                    "comments_synced_at, synced_at) VALUES (:id, 'zd', 'zendesk', :n, "
                    ":key, 'Subject ' || :n, 'open', 'open', NULL, NULL, :prio, "
                    "'Ana', 'Acme', NULL, NULL, '2026-11-01 00:00:00.000000', "
                    "'2026-11-02 00:00:00.000000', 'u', '[\"x\"]', :breach, NULL, NULL)"
                ),
                {"id": f"zd:{n}", "n": n, "key": f"#{n}", "prio": prio, "breach": breach},
            )
    engine.dispose()
    assert probe_schema(path).revision == "0001"

    store = open_store(data)
    assert probe_schema(path).revision == HEAD_REVISION
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    with store.session() as s:
        notes = s.exec(select(NoteRow)).all()
        assert [n.body for n in notes] == ["bridge: rolled back deploy 14:02"]
    with store.read() as con:
        rows = queue_window(con, parse_filter("subject"), now)
        assert [r.display_key for r in rows] == ["#3", "#2", "#1"]
    store.close()
