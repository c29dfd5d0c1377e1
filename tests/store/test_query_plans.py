"""Every plan the queue's queries can pick gives the same answer as plain SQL.

The store picks between walking a sort index and sorting the matches, between driving a
count from the text index and scanning, reads a far page from the other end, and probes a
cursor's position from both ends. These tests force each choice (through the cost-model
constants) on the demo data and compare every answer with one straightforward query.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from queuebench.domain.query import SortKey, parse_filter
from queuebench.sandbox.demo import DEMO_ME, load_demo
from queuebench.store import queries
from queuebench.store.engine import Store, open_store

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
ME = (DEMO_ME,)

# Free words long and short (no text index below three letters), facets, flags, and mixes.
FILTERS = [
    "",
    "s",
    "sso",
    "ab is:open",
    "webhook is:open",
    "vendor:jsm",
    "is:mine is:open",
    "prio:P1,P2 is:open",
    "org:gmbh",
    "is:paused",
    "is:breached -is:open",
    "tag:export",
    "no-such-text",
]

PLANS = {
    # Always walk the sort index / drive counts from the text index.
    "walk": {"_WALK_COST": {True: 0, False: 0}, "_DRIVE_RATIO": 10**9},
    # Never walk (sort the matches) / never drive (scan).
    "sort": {"_WALK_COST": {True: 10**9, False: 10**9}, "_DRIVE_RATIO": 0},
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = open_store(tmp_path_factory.mktemp("plans") / "data")
    load_demo(store, tickets=300, seed=11, now=NOW, sync=False)
    return store


def reference(store: Store, text: str, sort: SortKey, descending: bool) -> list[str]:
    """The filtered, sorted ids from one plain query: instr matching, no index hints."""
    flt = parse_filter(text)
    with store.read() as con:
        orgs = queries.organization_names(con, flt.organizations) if flt.organizations else None
        where, params = queries.filter_sql(flt, NOW, ME, text_index=False, organizations=orgs)
        direction = "DESC" if descending else "ASC"
        order = ", ".join(f"{c} {direction}" for c in queries._SORT_COLUMNS[sort])
        return [
            r[0]
            for r in con.execute(f"SELECT id FROM ticket WHERE {where} ORDER BY {order}", params)
        ]


@pytest.mark.parametrize("plan", sorted(PLANS))
@pytest.mark.parametrize("text", FILTERS)
def test_every_plan_agrees_with_plain_sql(
    demo: Store, text: str, plan: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in PLANS[plan].items():
        monkeypatch.setattr(queries, name, value)
    monkeypatch.setattr(queries, "_POSITION_PROBE", 3)  # probes, far side and whole side all run
    flt = parse_filter(text)
    for sort in (SortKey.RISK, SortKey.UPDATED, SortKey.KEY):
        for descending in (False, True):
            want = reference(demo, text, sort, descending)
            where = f"{text!r} {sort.value} {'desc' if descending else 'asc'} ({plan})"
            with demo.read() as con:
                total = queries.count_queue(con, flt, NOW, ME)
                assert total == len(want), where
                for offset in {0, 1, total // 2, total // 2 + 1, total - 7, total - 1}:
                    if offset < 0:
                        continue
                    for matches in (None, total):
                        page = queries.queue_window(
                            con,
                            flt,
                            NOW,
                            offset=offset,
                            limit=7,
                            sort=sort,
                            descending=descending,
                            me=ME,
                            matches=matches,
                        )
                        assert [r.id for r in page] == want[offset : offset + 7], (where, offset)
                step = max(1, len(want) // 9)
                for pos in range(0, len(want), step):
                    for t in (None, total):
                        got = queries.queue_position(
                            con,
                            flt,
                            NOW,
                            want[pos],
                            sort=sort,
                            descending=descending,
                            me=ME,
                            total=t,
                        )
                        assert got == pos, (where, pos)


def test_filters_cover_real_matches(demo: Store) -> None:
    """The filters above are not vacuous on the demo data (else the test compares nothing)."""
    empty = [text for text in FILTERS if not reference(demo, text, SortKey.RISK, False)]
    assert empty == ["no-such-text"]


def test_org_filter_folds_case_beyond_ascii(tmp_path: Path) -> None:
    """``org:`` matches any case in any script (SQLite's own lower() folds ASCII only)."""
    store = open_store(tmp_path / "data")
    load_demo(store, tickets=60, seed=5, now=NOW, sync=False)
    with store.session() as s:
        s.connection().exec_driver_sql(
            "UPDATE ticket SET organization = 'ÜBERSEE Logistik' WHERE rowid IN "
            "(SELECT rowid FROM ticket ORDER BY rowid LIMIT 3)"
        )
    with store.read() as con:
        assert queries.organization_names(con, ["übersee"]) == ["ÜBERSEE Logistik"]
        assert queries.organization_names(con, ["ÜBERSEE", "logistik"]) == ["ÜBERSEE Logistik"]
        assert queries.organization_names(con, ["übersee", "nowhere"]) == []
        flt = parse_filter("org:übersee")
        assert queries.count_queue(con, flt, NOW) == 3
        rows = queries.queue_window(con, flt, NOW, limit=-1)
        assert [r.organization for r in rows] == ["ÜBERSEE Logistik"] * 3
        every = {r[0] for r in con.execute("SELECT DISTINCT organization FROM ticket")} - {None}
        assert queries.organization_names(con, []) == sorted(every)
    store.close()


def test_filter_sql_without_resolved_names_keeps_instr_matching() -> None:
    flt = parse_filter("org:acme")
    where, params = queries.filter_sql(flt, NOW)
    assert "lower(organization)" in where and "acme" in params
    where, params = queries.filter_sql(flt, NOW, organizations=["Acme Corp", "ACME Labs"])
    assert "organization IN" in where and params[-2:] == ["Acme Corp", "ACME Labs"]
    where, _ = queries.filter_sql(flt, NOW, organizations=[])
    assert "0 = 1" in where
    assert dataclasses.replace(flt, organizations=()).is_empty
