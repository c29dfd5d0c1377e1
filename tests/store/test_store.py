"""The store on a real SQLite file: creation, modes, upserts, queue order and filters."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from queuebench.domain.models import (
    Comment,
    Priority,
    SlaMetric,
    SlaStage,
    SlaTarget,
    Status,
    Ticket,
    Vendor,
)
from queuebench.domain.query import SortKey, parse_filter
from queuebench.store import queries, writes
from queuebench.store.engine import HEAD_REVISION, db_path, open_store, probe_schema
from queuebench.store.errors import (
    AmbiguousKeyError,
    CorruptDatabaseError,
    DataDirError,
    NewerSchemaError,
    TicketNotFoundError,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def make_ticket(
    n: int,
    *,
    account: str = "zd",
    vendor: Vendor = Vendor.ZENDESK,
    status: Status = Status.OPEN,
    priority: Priority | None = Priority.P3,
    breach_in: timedelta | None = None,
    stage: SlaStage = SlaStage.ACTIVE,
    updated_ago: timedelta = timedelta(hours=1),
    created_ago: timedelta = timedelta(days=1),
    assignee: str | None = "Dana Whitfield",
    subject: str = "Webhook timeouts",
    comments: tuple[Comment, ...] | None = None,
) -> Ticket:
    sla = ()
    if breach_in is not None:
        sla = (SlaTarget(SlaMetric.RESOLUTION, NOW + breach_in, stage),)
    return Ticket(
        account=account,
        vendor=vendor,
        remote_id=str(n),
        display_key=f"#{n}",
        subject=subject,
        status=status,
        status_raw=status.value,
        priority=priority,
        priority_raw=None,
        requester="Ana Souza",
        organization="Müller GmbH",
        assignee=assignee,
        group="Tier 3",
        created_at=NOW - created_ago,
        updated_at=NOW - updated_ago,
        url=f"https://acme.zendesk.com/agent/tickets/{n}",
        tags=("escalated", "p1-customer"),
        sla=sla,
        comments=comments,
    )


def seed(store, tickets: list[Ticket]) -> None:
    with store.session() as s:
        accounts = {(t.account, t.vendor) for t in tickets}
        for name, vendor in accounts:
            writes.upsert_account(s, name, vendor, "https://example.test", now=NOW)
        writes.upsert_tickets(s, tickets, NOW)


@pytest.fixture
def store(tmp_path: Path):
    st = open_store(tmp_path / "data")
    yield st
    st.close()


def test_creates_private_wal_database(tmp_path: Path) -> None:
    st = open_store(tmp_path / "d")
    path = db_path(tmp_path / "d")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "d").st_mode) == 0o700
    with st.engine.connect() as con:
        assert con.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    st.close()
    assert probe_schema(path).revision == HEAD_REVISION


def test_queue_order_follows_the_contract(store) -> None:
    tickets = [
        make_ticket(1, breach_in=timedelta(hours=5)),
        make_ticket(2, breach_in=timedelta(minutes=-30)),  # breached 30 min ago
        make_ticket(3, breach_in=timedelta(hours=-3)),  # breached 3 h ago: most overdue
        make_ticket(4, priority=Priority.P1, updated_ago=timedelta(hours=2)),  # no SLA
        make_ticket(5, priority=Priority.P1, updated_ago=timedelta(days=2)),  # no SLA, older
        make_ticket(6, priority=None),  # no SLA, no priority
        make_ticket(7, status=Status.SOLVED, breach_in=timedelta(hours=-9)),
        make_ticket(8, breach_in=timedelta(minutes=20)),
        make_ticket(9, breach_in=timedelta(hours=1), stage=SlaStage.PAUSED),  # paused: no clock
        make_ticket(
            10, priority=Priority.P2, breach_in=timedelta(hours=-1), stage=SlaStage.ACHIEVED
        ),
    ]
    seed(store, tickets)
    with store.read() as s:
        rows = queries.queue_window(s, parse_filter(""), NOW, limit=100)
    keys = [r.display_key for r in rows]
    assert keys == ["#3", "#2", "#8", "#1", "#5", "#4", "#10", "#9", "#6", "#7"]
    # A breached target shows as breached even though the vendor said "active".
    assert rows[0].sla[0].stage is SlaStage.BREACHED


def test_filters_and_count(store) -> None:
    seed(
        store,
        [
            make_ticket(1, subject="SSO login loop", breach_in=timedelta(minutes=-5)),
            make_ticket(2, subject="Webhook 502", assignee=None, breach_in=timedelta(minutes=30)),
            make_ticket(
                3,
                subject="SSO cert expiry",
                account="jsm1",
                vendor=Vendor.JSM,
                priority=Priority.P1,
            ),
            make_ticket(4, subject="Export mismatch", status=Status.CLOSED),
        ],
    )
    me = ["Dana Whitfield"]

    def keys(text: str) -> list[str]:
        with store.read() as s:
            flt = parse_filter(text)
            rows = queries.queue_window(s, flt, NOW, me=me)
            assert queries.count_queue(s, flt, NOW, me=me) == len(rows)
            return [r.display_key for r in rows]

    assert keys("sso") == ["#1", "#3"]
    assert keys("SSO cert") == ["#3"]
    assert keys("vendor:jsm") == ["#3"]
    assert keys("is:unassigned") == ["#2"]
    assert keys("is:breached") == ["#1"]
    assert keys("is:due") == ["#2"]
    assert keys("is:open") == ["#1", "#2", "#3"]
    assert keys("-is:open") == ["#4"]
    assert keys("is:mine is:open") == ["#1", "#3"]
    assert keys("prio:P1") == ["#3"]
    assert keys("status:closed") == ["#4"]
    assert keys("tag:escalated") == ["#1", "#2", "#3", "#4"]
    assert keys("tag:escal") == []  # tags match whole
    assert keys("org:müller") == ["#1", "#2", "#3", "#4"]
    assert keys("nothing-matches-this") == []


def test_sort_override_and_position(store) -> None:
    seed(store, [make_ticket(n, updated_ago=timedelta(hours=n)) for n in range(1, 6)])
    with store.read() as s:
        rows = queries.queue_window(s, parse_filter(""), NOW, sort=SortKey.UPDATED, descending=True)
        assert [r.display_key for r in rows] == ["#1", "#2", "#3", "#4", "#5"]
        assert (
            queries.queue_position(
                s, parse_filter(""), NOW, "zd:4", sort=SortKey.UPDATED, descending=True
            )
            == 3
        )
        assert queries.queue_position(s, parse_filter("nomatch"), NOW, "zd:4") is None
        page = queries.queue_window(
            s, parse_filter(""), NOW, offset=2, limit=2, sort=SortKey.UPDATED, descending=True
        )
        assert [r.display_key for r in page] == ["#3", "#4"]


def test_upsert_replaces_and_keeps_unfetched_conversation(store) -> None:
    c1 = Comment("c1", "Ana", True, "It fails", NOW - timedelta(hours=2))
    c2 = Comment("c2", "Dana", False, "Internal: check IdP logs", NOW - timedelta(hours=1))
    seed(store, [make_ticket(1, comments=(c2, c1))])
    # A later sync without the conversation must not drop it, and must not duplicate.
    seed(store, [make_ticket(1, subject="SSO renamed", comments=None)])
    seed(store, [make_ticket(1, subject="SSO renamed", comments=None)])
    with store.read() as s:
        t = queries.get_ticket(s, "#1")
    assert t.subject == "SSO renamed"
    assert t.comments is not None
    assert [c.remote_id for c in t.comments] == ["c1", "c2"]
    assert [c.public for c in t.comments] == [True, False]


def test_unfetched_conversation_is_reported_as_none(store) -> None:
    seed(store, [make_ticket(1)])
    with store.read() as s:
        assert queries.get_ticket(s, "zd:1").comments is None


def test_resolve_key_errors(store) -> None:
    seed(store, [make_ticket(1), make_ticket(1, account="zd2")])
    with store.read() as s:
        with pytest.raises(AmbiguousKeyError, match="zd2:1"):
            queries.resolve_key(s, "#1")
        with pytest.raises(TicketNotFoundError, match="queuebench list"):
            queries.resolve_key(s, "#999")
        assert queries.resolve_key(s, "zd2:1") == "zd2:1"


def test_backlog_health(store) -> None:
    seed(
        store,
        [
            make_ticket(1, breach_in=timedelta(minutes=-1), created_ago=timedelta(days=31)),
            make_ticket(2, breach_in=timedelta(minutes=59), created_ago=timedelta(days=15)),
            make_ticket(3, breach_in=timedelta(hours=3), created_ago=timedelta(days=8)),
            make_ticket(4, created_ago=timedelta(days=1)),
            make_ticket(5, status=Status.SOLVED, created_ago=timedelta(days=90)),
        ],
    )
    with store.read() as s:
        h = queries.backlog_health(s, NOW)
    assert (h.open_total, h.breached, h.due_within_hour) == (4, 1, 1)
    assert (h.aged_7, h.aged_14, h.aged_30) == (3, 2, 1)


def test_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    st = open_store(tmp_path / "d")
    st.close()
    path = db_path(tmp_path / "d")
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    before = {p.name: p.read_bytes() for p in (tmp_path / "d").iterdir()}
    with pytest.raises(NewerSchemaError, match="newer version of queuebench"):
        open_store(tmp_path / "d")
    after = {p.name: p.read_bytes() for p in (tmp_path / "d").iterdir()}
    assert before == after


def test_corrupt_database_is_reported(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    db_path(tmp_path / "d").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CorruptDatabaseError, match="not a readable SQLite database"):
        open_store(tmp_path / "d")


def test_unwritable_data_dir(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root ignores permission bits; a path under a regular file can't be created by anyone.
        blocker = tmp_path / "file"
        blocker.write_text("x")
        target = blocker / "data"
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "data"
    with pytest.raises(DataDirError, match="QUEUEBENCH_DATA_DIR"):
        open_store(target)


def test_text_index_follows_inserts_renames_and_deletes(store) -> None:
    seed(store, [make_ticket(n, subject=f"Webhook timeout {n}") for n in range(1, 30)])
    seed(store, [make_ticket(7, subject="SAML signature invalid")])  # renamed
    with store.session() as s:
        from queuebench.store.sync_writes import delete_tickets

        assert delete_tickets(s, ["zd:9"]) == 1

    def both(words: str) -> tuple[list[str], list[str], int]:
        flt = parse_filter(words)
        with store.read() as con:
            total = queries.count_queue(con, flt, NOW)
            walked = queries.queue_window(con, flt, NOW, limit=100)
            indexed = queries.queue_window(con, flt, NOW, limit=100, matches=1)
            assert [r.display_key for r in walked] == [r.display_key for r in indexed]
            where, _ = queries.filter_sql(flt, NOW)
            plain, _ = queries.filter_sql(flt, NOW, text_index=False)
        return [r.display_key for r in indexed], [where, plain], total

    keys, (where, plain), total = both("saml sig")
    assert keys == ["#7"] and total == 1
    assert "ticket_fts" in where and "ticket_fts" not in plain
    keys, _, total = both("webhook")
    assert total == 27 and "#7" not in keys and "#9" not in keys
    keys, (where, _), total = both("ho")  # shorter than a trigram: no index, same answer
    assert "ticket_fts" not in where and total == 27
    assert both('say "hi')[2] == 0  # a quote in the word cannot break the index query


def test_text_index_and_instr_agree_on_demo_data(tmp_path: Path) -> None:
    """The substring index is the matcher for long words; it must answer exactly as instr."""
    from queuebench.sandbox.demo import load_demo

    st = open_store(tmp_path / "demo")
    load_demo(st, tickets=400, seed=3, now=NOW, sync=False)
    words = ["sso", "müller", "東京", "saml signature", "webhook 502", "café", "o'brien",
             "zzz-nothing", "-", "ß", "ōsaka", "#40", "inc00"]  # fmt: skip
    with st.read() as con:
        for text in words:
            flt = parse_filter(f'"{text}"') if " " in text else parse_filter(text)
            exact = [r.display_key for r in queries.queue_window(con, flt, NOW, limit=-1)]
            where, params = queries.filter_sql(flt, NOW, text_index=False)
            plain = [
                r[0]
                for r in con.execute(
                    f"SELECT display_key FROM ticket WHERE {where} "
                    "ORDER BY queue_group, queue_a, queue_b, id",
                    params,
                )
            ]
            assert exact == plain, text
            assert queries.count_queue(con, flt, NOW) == len(plain), text
    st.close()


@pytest.mark.parametrize("probe", [5_000, 3])
def test_position_counted_from_either_end_is_the_same(
    store, probe: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "_POSITION_PROBE", probe)  # 3: every counting path runs
    seed(store, [make_ticket(n, updated_ago=timedelta(minutes=n)) for n in range(1, 41)])
    flt = parse_filter("")
    with store.read() as con:
        total = queries.count_queue(con, flt, NOW)
        order = [r.id for r in queries.queue_window(con, flt, NOW, limit=-1, sort=SortKey.UPDATED)]
        for pos, ticket_id in enumerate(order):
            for t in (None, total):
                assert (
                    queries.queue_position(con, flt, NOW, ticket_id, sort=SortKey.UPDATED, total=t)
                    == pos
                )
                assert (
                    queries.queue_position(
                        con, flt, NOW, ticket_id, sort=SortKey.UPDATED, descending=True, total=t
                    )
                    == total - 1 - pos
                )
