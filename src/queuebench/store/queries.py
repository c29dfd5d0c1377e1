"""Read queries: the queue in pages, counts, cursor position, backlog health, one case.

Functions take a DB-API connection (``Store.read()`` gives one) and run plain SQL: the read
path needs only the standard library's ``sqlite3``, so opening the queue never waits for
SQLAlchemy, SQLModel or pydantic to import (the launch benchmark's 2x budget cannot afford
them). The SQL is portable but for two spellings kept in :class:`Dialect` (placeholder and
substring search), so the shared PostgreSQL cache can use the same functions.

The queue never loads every ticket: order and filter run in SQL on one covering index
(``queue_group, queue_a, queue_b`` hold the precomputed SLA-risk order; see
``store/models.py``), and callers ask for a window (``offset``, ``limit``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Protocol

from queuebench.domain.models import (
    BacklogHealth,
    Comment,
    Priority,
    QueueRow,
    SlaMetric,
    SlaSource,
    SlaStage,
    SlaTarget,
    Status,
    Ticket,
    Vendor,
)
from queuebench.domain.query import QueueFilter, SortKey
from queuebench.store.errors import AmbiguousKeyError, TicketNotFoundError


class Connection(Protocol):
    """The part of a DB-API connection the queries use."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Any: ...


@dataclass(frozen=True)
class Dialect:
    """The two spellings that differ between SQLite and PostgreSQL."""

    placeholder: str = "?"
    contains: str = "instr({col}, {p}) > 0"  # PostgreSQL: "strpos({col}, {p}) > 0"
    # A substring index over ``search_text`` (SQLite: FTS5 trigram; PostgreSQL: pg_trgm),
    # usable for words of at least ``text_index_min`` characters.
    text_index: str = "{rowid} IN (SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH {p})"
    # The same test written so the planner cannot drive the query from it (SQLite: unary +),
    # for a page that should walk its sort index and only test membership on the way.
    rowid_driving: str = "rowid"
    rowid_filtering: str = "+rowid"
    text_index_count: str = "SELECT count(*) FROM ticket_fts WHERE ticket_fts MATCH {p}"
    text_index_min: int = 3
    # Names the index a query must use (PostgreSQL: ""). A page that walks its sort index,
    # and the cursor's position count, name the sort's index: otherwise SQLite may pick a
    # filter's narrow index (vendor:, is:breached) and sort or test every match.
    index_hint: str = "INDEXED BY {index}"

    def text_index_term(self, words: Sequence[str]) -> str:
        """The index's query for literal substrings that must all occur (FTS5: quoted
        phrases joined by AND; with the trigram tokenizer a phrase is a substring match)."""
        return " AND ".join('"' + w.replace('"', '""') + '"' for w in words)


SQLITE = Dialect()

DONE = (Status.SOLVED.value, Status.CLOSED.value)

_QUEUE_COLUMNS = (
    "id, account, vendor, display_key, subject, status, priority, requester, organization, "
    "assignee, group_name, created_at, updated_at, next_breach_at, remote_id, url, tags"
)

# The index that holds each order (see models.TicketRow); the risk order's covers every
# filtered column too.
_SORT_INDEX: dict[SortKey, str] = {
    SortKey.RISK: "ix_ticket_queue",
    SortKey.PRIORITY: "ix_ticket_priority",
    SortKey.UPDATED: "ix_ticket_updated",
    SortKey.CREATED: "ix_ticket_created",
    SortKey.KEY: "ix_ticket_display_key",
}

_SORT_COLUMNS: dict[SortKey, tuple[str, ...]] = {
    SortKey.RISK: ("queue_group", "queue_a", "queue_b", "id"),
    SortKey.PRIORITY: ("priority_rank", "updated_at", "id"),
    SortKey.UPDATED: ("updated_at", "id"),
    SortKey.CREATED: ("created_at", "id"),
    SortKey.KEY: ("display_key", "id"),
}


def to_db_time(value: datetime) -> str:
    """An instant as the cache stores it: UTC, ``YYYY-MM-DD HH:MM:SS.ffffff``."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def from_db_time(value: str | datetime | None) -> datetime | None:
    """A stored instant back to an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _req_time(value: str | datetime) -> datetime:
    parsed = from_db_time(value)
    assert parsed is not None
    return parsed


class _Sql:
    """Accumulates a WHERE clause and its parameters."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.parts: list[str] = []
        self.params: list[Any] = []

    def p(self, value: Any) -> str:
        self.params.append(value)
        return self.dialect.placeholder

    def many(self, values: Sequence[Any]) -> str:
        return ", ".join(self.p(v) for v in values)

    def contains(self, col: str, needle: str) -> str:
        return self.dialect.contains.format(col=col, p=self.p(needle))

    @property
    def where(self) -> str:
        return " AND ".join(self.parts) if self.parts else "1 = 1"


def _flag_sql(sql: _Sql, flag: str, now: datetime, me: Sequence[str]) -> str:
    if flag == "mine":
        return f"assignee IN ({sql.many(me)})" if me else "0 = 1"
    if flag == "unassigned":
        return "assignee IS NULL"
    if flag == "breached":
        return f"(next_breach_at IS NOT NULL AND next_breach_at <= {sql.p(to_db_time(now))})"
    if flag == "due":
        return (
            f"(next_breach_at > {sql.p(to_db_time(now))} AND "
            f"next_breach_at <= {sql.p(to_db_time(now + timedelta(hours=1)))})"
        )
    if flag == "open":
        return f"status NOT IN ({sql.many(DONE)})"
    if flag == "paused":
        return (
            f"id IN (SELECT ticket_id FROM sla_target WHERE stage = {sql.p(SlaStage.PAUSED.value)})"
        )
    raise ValueError(f"unknown flag {flag}")  # parse_filter only lets known flags through


def filter_sql(
    flt: QueueFilter,
    now: datetime,
    me: Sequence[str] = (),
    dialect: Dialect = SQLITE,
    *,
    text_index: bool = True,
    drive_by_text_index: bool = True,
    organizations: Sequence[str] | None = None,
) -> tuple[str, list[Any]]:
    """The WHERE clause (and its parameters) of a parsed filter; ``me``: the user's names.

    With ``text_index`` (the default) free words of three or more characters are matched by
    the substring index — the same answer as ``instr`` on the lower-cased search text, but a
    rare word touches only its matches — and ``org:`` values narrow through it too
    (organisations are part of the search text) before their exact test. Shorter words are
    tested with ``instr``. Every query of one filter uses the same matcher, so the count and
    the pages always agree.

    ``organizations`` (from :func:`organization_names`) are the exact names the ``org:``
    values match; without it each value is tested with ``instr`` on the lower-cased name.
    """
    sql = _Sql(dialect)
    long_words = [w.lower() for w in flt.words if len(w) >= dialect.text_index_min]
    index_terms = [*long_words] if text_index else []
    if text_index and organizations is None:
        index_terms += [o.lower() for o in flt.organizations if len(o) >= dialect.text_index_min]
    if index_terms:
        rowid = dialect.rowid_driving if drive_by_text_index else dialect.rowid_filtering
        term = sql.p(dialect.text_index_term(index_terms))
        sql.parts.append(dialect.text_index.format(rowid=rowid, p=term))
    for word in flt.words:
        if not (text_index and word.lower() in long_words):
            sql.parts.append(sql.contains("search_text", word.lower()))
    if flt.vendors:
        sql.parts.append(f"vendor IN ({sql.many([v.value for v in flt.vendors])})")
    if flt.accounts:
        sql.parts.append(f"account IN ({sql.many(flt.accounts)})")
    if flt.statuses:
        sql.parts.append(f"status IN ({sql.many([s.value for s in flt.statuses])})")
    if flt.priorities:
        alts = []
        named = [p.value for p in flt.priorities if p is not None]
        if named:
            alts.append(f"priority IN ({sql.many(named)})")
        if None in flt.priorities:
            alts.append("priority IS NULL")
        sql.parts.append("(" + " OR ".join(alts) + ")")
    if flt.assignees:
        alts = []
        names = [a.lower() for a in flt.assignees if a.lower() not in ("me", "none")]
        if names:
            alts.append(f"lower(assignee) IN ({sql.many(names)})")
        if any(a.lower() == "me" for a in flt.assignees):
            alts.append(f"assignee IN ({sql.many(me)})" if me else "0 = 1")
        if any(a.lower() == "none" for a in flt.assignees):
            alts.append("assignee IS NULL")
        sql.parts.append("(" + " OR ".join(alts) + ")")
    if organizations is not None and flt.organizations:
        marks = sql.many(organizations)  # no parameters when no name matched
        sql.parts.append(f"organization IN ({marks})" if organizations else "0 = 1")
    else:
        for org in flt.organizations:
            sql.parts.append(sql.contains("lower(organization)", org.lower()))
    for tag in flt.tags:
        sql.parts.append(sql.contains("tags", json.dumps(tag, ensure_ascii=False)))
    for flag in sorted(flt.flags):
        sql.parts.append(_flag_sql(sql, flag, now, me))
    for flag in sorted(flt.negated_flags):
        sql.parts.append(f"NOT {_flag_sql(sql, flag, now, me)}")
    return sql.where, sql.params


# Every distinct organisation name, in order, by seeking from one to the next in its index
# (one index seek per name, where SELECT DISTINCT reads every ticket's entry).
_DISTINCT_ORGANIZATIONS = """
WITH RECURSIVE org(name) AS (
  SELECT min(organization) FROM ticket
  UNION ALL
  SELECT (SELECT min(organization) FROM ticket WHERE organization > org.name)
  FROM org WHERE org.name IS NOT NULL
)
SELECT name FROM org WHERE name IS NOT NULL
"""


def organization_names(con: Connection, needles: Sequence[str]) -> list[str]:
    """The cached organisation names that contain every one of ``needles`` (any case).

    Matched in Python, so case folding covers every script (SQLite's ``lower`` only folds
    ASCII); the filter then tests ``organization IN (...)`` through its index.
    """
    folded = [n.casefold() for n in needles]
    return [
        name
        for (name,) in con.execute(_DISTINCT_ORGANIZATIONS)
        if all(n in name.casefold() for n in folded)
    ]


def _matcher(
    con: Connection, flt: QueueFilter, now: datetime, me: Sequence[str]
) -> Callable[..., tuple[str, list[Any]]]:
    """:func:`filter_sql` for this filter, its ``org:`` values resolved to the cache's names
    once (the keyword options are left to each call)."""
    orgs = organization_names(con, flt.organizations) if flt.organizations else None
    return partial(filter_sql, flt, now, me, organizations=orgs)


def _order_by(sort: SortKey, descending: bool, *, scan: bool = False) -> str:
    """ORDER BY terms. With ``scan`` the terms are wrapped so no index serves the order.

    The risk order and every filtered column share one covering index, so a filtered risk
    window walks that index alone. Other sorts have narrow indexes of their own: walking one
    with a filter costs a table lookup per ticket (300 ms at 100,000 when few match), so with
    a filter the sort is done on the matches of a covering-index scan instead.
    ``coalesce(x, x)`` is a no-op that SQLite and PostgreSQL both accept.
    """
    direction = "DESC" if descending else "ASC"
    cols = _SORT_COLUMNS[sort]
    terms = (f"coalesce({c}, {c})" if scan else c for c in cols)
    return ", ".join(f"{t} {direction}" for t in terms)


def count_queue(con: Connection, flt: QueueFilter, now: datetime, me: Sequence[str] = ()) -> int:
    """How many tickets the filter matches.

    A filter of free words only, each long enough for the substring index, is counted by the
    index alone (about 1 ms where testing every ticket takes tens).
    """
    if (
        flt.words
        and flt == QueueFilter(words=flt.words)
        and all(len(w) >= SQLITE.text_index_min for w in flt.words)
    ):
        term = SQLITE.text_index_term([w.lower() for w in flt.words])
        sql = SQLITE.text_index_count.format(p=SQLITE.placeholder)
        return int(con.execute(sql, [term]).fetchone()[0])
    drive = True
    terms = _indexable_terms(flt)
    if terms:
        # Driving the count from the text index costs a table lookup per match; when the term
        # is common, one scan of the narrow index over the search text and the facets,
        # testing each with instr (the same answer), is cheaper.
        term = SQLITE.text_index_term([t.lower() for t in terms])
        sql = SQLITE.text_index_count.format(p=SQLITE.placeholder)
        hits = int(con.execute(sql, [term]).fetchone()[0])
        drive = hits * _DRIVE_RATIO < _table_size(con)
    where, params = _matcher(con, flt, now, me)(text_index=drive)
    return int(con.execute(f"SELECT count(*) FROM ticket WHERE {where}", params).fetchone()[0])


# Drive a count from the text index while its hits are under 1/_DRIVE_RATIO of the tickets
# (a lookup a hit; above that, one instr scan of the narrow text index is cheaper).
_DRIVE_RATIO = 3
# How far the cursor's position count probes from each end before counting a whole side.
_POSITION_PROBE = 5_000


def _indexable_terms(flt: QueueFilter, dialect: Dialect = SQLITE) -> list[str]:
    """Free words the substring index narrows by (the long enough ones)."""
    return [t for t in flt.words if len(t) >= dialect.text_index_min]


# The cost model of a filtered page, in units of one covering-index entry read: walking
# the sort's index costs 1 an entry when it covers the filter and 10 when each entry reads
# the table; sorting the matches costs a scan of every ticket plus 5 a match.
_WALK_COST = {True: 1, False: 10}
_SORT_COST = 5


def _walk_covered(flt: QueueFilter, sort: SortKey) -> bool:
    """Whether walking the sort's index tests the filter without reading the table.

    The risk index covers every filtered column; the other sort indexes all but the search
    text, which words of three letters or more reach through the text index's row ids.
    """
    return sort is SortKey.RISK or all(len(w) >= SQLITE.text_index_min for w in flt.words)


def queue_window(
    con: Connection,
    flt: QueueFilter,
    now: datetime,
    *,
    offset: int = 0,
    limit: int = 100,
    sort: SortKey = SortKey.RISK,
    descending: bool = False,
    me: Sequence[str] = (),
    matches: int | None = None,
) -> list[QueueRow]:
    """One page of the queue, in order, with each row's SLA targets.

    Two steps: the ordered ids of the page (from the order index alone when there is no
    filter, so even the last page of 100,000 needs no table lookups), then those rows.

    ``matches`` (the filter's count, when the caller has it) picks the cheaper plan. Walking
    the sort's index until the page is full costs about ``(offset + limit) * tickets /
    matches`` entries; sorting the matches costs ``matches`` (found through the text index
    when a text term allows, else by scanning the risk index, which covers every filter).
    Without ``matches``: the risk order walks its index, other orders sort the matches.
    With ``matches``, a page in the far half is read from the other end, reversed: a walk
    costs the entries before the page, so it starts from the nearer end.
    """
    filtered = not flt.is_empty
    offset = max(0, offset)
    if matches == 0:
        return []
    reverse = matches is not None and limit >= 0 and offset > matches // 2
    if reverse:
        assert matches is not None
        end = min(offset + limit, matches)
        if end <= offset:
            return []
        offset, limit, descending = matches - end, end - offset, not descending
    covered = _walk_covered(flt, sort)
    walk_index = covered or not filtered
    if matches is not None and filtered:
        tickets = _table_size(con)
        walk = (offset + max(limit, 1)) * tickets / max(matches, 1)
        if _indexable_terms(flt) and matches < walk:
            walk_index = False  # fetch the text index's matches and sort them
        else:
            walk_index = walk * _WALK_COST[covered] <= tickets + _SORT_COST * matches
    where, params = _matcher(con, flt, now, me)(drive_by_text_index=not walk_index)
    scan = filtered and not walk_index
    if not scan:
        index = _SORT_INDEX[sort]  # walk the order's index, testing the filter on the way
    elif not _indexable_terms(flt):
        index = _SORT_INDEX[SortKey.RISK]  # scan the index that covers every filter
    else:
        index = None  # the text index's matches drive
    hint = SQLITE.index_hint.format(index=index) if index else ""
    ids = [
        r[0]
        for r in con.execute(
            f"SELECT id FROM ticket {hint} WHERE {where} "
            f"ORDER BY {_order_by(sort, descending, scan=scan)} LIMIT ? OFFSET ?",
            [*params, limit if limit >= 0 else -1, offset],
        )
    ]
    if reverse:
        ids.reverse()
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    by_id = {
        r[0]: r
        for r in con.execute(f"SELECT {_QUEUE_COLUMNS} FROM ticket WHERE id IN ({marks})", ids)
    }
    targets = sla_targets_for(con, ids)
    out: list[QueueRow] = []
    for ticket_id in ids:
        r = by_id[ticket_id]
        out.append(
            QueueRow(
                id=r[0],
                account=r[1],
                vendor=Vendor(r[2]),
                display_key=r[3],
                subject=r[4],
                status=Status(r[5]),
                priority=Priority(r[6]) if r[6] else None,
                requester=r[7],
                organization=r[8],
                assignee=r[9],
                group=r[10],
                created_at=_req_time(r[11]),
                updated_at=_req_time(r[12]),
                next_breach_at=from_db_time(r[13]),
                sla=targets.get(ticket_id, ()),
                remote_id=r[14],
                url=r[15],
                tags=tuple(json.loads(r[16])),
            )
        )
    return out


def _table_size(con: Connection) -> int:
    """About how many tickets there are, in constant time (the largest rowid)."""
    row = con.execute("SELECT max(rowid) FROM ticket").fetchone()
    return int(row[0] or 0)


def queue_position(
    con: Connection,
    flt: QueueFilter,
    now: datetime,
    ticket_id: str,
    *,
    sort: SortKey = SortKey.RISK,
    descending: bool = False,
    me: Sequence[str] = (),
    total: int | None = None,
) -> int | None:
    """The 0-based row of ``ticket_id`` in the filtered, sorted queue (``None``: not in it).

    ``total`` (the filter's count, when the caller has it) lets a ticket near the end be
    placed by counting the rows after it.

    Counts the matching rows that sort before it (a row-value comparison on the order
    columns), which the order index answers without numbering the whole queue.
    """
    match = _matcher(con, flt, now, me)
    where, params = match(drive_by_text_index=False)
    cols = _SORT_COLUMNS[sort]
    # One row: instr on its search text answers as the text index does, without reading
    # the index's every match.
    own, own_params = match(text_index=False)
    mine = con.execute(
        f"SELECT {', '.join(cols)} FROM ticket WHERE id = ? AND {own}", [ticket_id, *own_params]
    ).fetchone()
    if mine is None:
        return None
    marks = ", ".join("?" for _ in cols)

    def count_side(op: str, cap: int | None, index: str | None) -> int:
        hint, test = SQLITE.index_hint.format(index=index), where
        if index is None:  # let the text index drive
            hint, test = "", match()[0]
        key = f"({', '.join(cols)}) {op} ({marks})"
        inner = f"SELECT 1 FROM ticket {hint} WHERE {key} AND {test}"
        if cap is not None:
            inner += f" LIMIT {cap + 1}"
        return int(con.execute(f"SELECT count(*) FROM ({inner})", [*mine, *params]).fetchone()[0])

    before, after = (">", "<") if descending else ("<", ">")
    # The count walks the order's index from one end to the ticket, so count from the nearer
    # end: try both ends up to a small cap (a cursor is usually near the top or the bottom),
    # and only then count one whole side. With the total, the far side gives the position.
    # Walking an index that does not cover the filter reads the table for each entry, so
    # there the probe stops after about as many entries.
    walked = _SORT_INDEX[sort]
    covered = _walk_covered(flt, sort)
    cap = _POSITION_PROBE
    if not covered and total is not None:
        cap = cap * total // max(_table_size(con), 1)
    n = count_side(before, cap, walked)
    if n <= cap:
        return n
    if total is not None:
        m = count_side(after, cap, walked)
        if m <= cap:
            return total - 1 - m
    if covered:
        return count_side(before, None, walked)
    # A whole side with a filter: the text index's matches drive the count when a word
    # allows, else one scan of the risk index, which covers the filter and every order.
    return count_side(before, None, None if _indexable_terms(flt) else _SORT_INDEX[SortKey.RISK])


def sla_targets_for(con: Connection, ticket_ids: Sequence[str]) -> dict[str, tuple[SlaTarget, ...]]:
    """SLA targets of several tickets, grouped by ticket id, in the order they were stored."""
    if not ticket_ids:
        return {}
    out: dict[str, list[SlaTarget]] = defaultdict(list)
    marks = ", ".join("?" for _ in ticket_ids)
    rows = con.execute(
        "SELECT ticket_id, metric, breach_at, stage, source, policy, remaining_seconds "
        f"FROM sla_target WHERE ticket_id IN ({marks}) ORDER BY ticket_id, id",
        list(ticket_ids),
    )
    for r in rows:
        out[r[0]].append(
            SlaTarget(
                metric=SlaMetric(r[1]),
                breach_at=from_db_time(r[2]),
                stage=SlaStage(r[3]),
                source=SlaSource(r[4]),
                policy=r[5],
                remaining_seconds=r[6],
            )
        )
    return {k: tuple(v) for k, v in out.items()}


def backlog_health(con: Connection, now: datetime) -> BacklogHealth:
    """Counts for the queue header: breached, due within the hour, aged over 7/14/30 days."""
    n = to_db_time(now)
    row = con.execute(
        "SELECT count(*),"
        " coalesce(sum(CASE WHEN next_breach_at <= ? THEN 1 ELSE 0 END), 0),"
        " coalesce(sum(CASE WHEN next_breach_at > ? AND next_breach_at <= ? THEN 1 ELSE 0 END), 0),"
        " coalesce(sum(CASE WHEN created_at <= ? THEN 1 ELSE 0 END), 0),"
        " coalesce(sum(CASE WHEN created_at <= ? THEN 1 ELSE 0 END), 0),"
        " coalesce(sum(CASE WHEN created_at <= ? THEN 1 ELSE 0 END), 0)"
        " FROM ticket WHERE status NOT IN (?, ?)",
        [
            n,
            n,
            to_db_time(now + timedelta(hours=1)),
            to_db_time(now - timedelta(days=7)),
            to_db_time(now - timedelta(days=14)),
            to_db_time(now - timedelta(days=30)),
            *DONE,
        ],
    ).fetchone()
    return BacklogHealth(*(int(v) for v in row))


def resolve_key(con: Connection, key: str) -> str:
    """A ticket id from an id (``account:remote``) or a display key (``#4512``, ``SUP-88``)."""
    if con.execute("SELECT 1 FROM ticket WHERE id = ?", [key]).fetchone():
        return key
    candidates = [key, key.upper()]
    if key.isdigit():
        candidates.append("#" + key)
    marks = ", ".join("?" for _ in candidates)
    ids = [
        r[0]
        for r in con.execute(
            f"SELECT id FROM ticket WHERE display_key IN ({marks}) ORDER BY id", candidates
        )
    ]
    if not ids:
        raise TicketNotFoundError(
            f"No cached ticket has the key {key!r}. Check the key with `queuebench list "
            f"--filter {key}`, or run `queuebench sync` if the ticket is new."
        )
    if len(ids) > 1:
        raise AmbiguousKeyError(
            f"The key {key!r} matches tickets in several accounts: {', '.join(ids)}. "
            "Use the full id (account:remote id) instead."
        )
    return str(ids[0])


def get_ticket(con: Connection, key: str) -> Ticket:
    """One case with its SLA targets and conversation (in time order).

    ``comments`` is ``None`` when the conversation has not been fetched yet.
    """
    ticket_id = resolve_key(con, key)
    r = con.execute(
        "SELECT t.account, t.vendor, t.remote_id, t.display_key, t.subject, t.status, "
        "t.status_raw, t.priority, t.priority_raw, t.requester, t.organization, t.assignee, "
        "t.group_name, t.created_at, t.updated_at, t.url, t.tags, t.comments_synced_at, "
        "d.description, d.description_format, d.raw "
        "FROM ticket t LEFT JOIN ticket_detail d ON d.ticket_id = t.id WHERE t.id = ?",
        [ticket_id],
    ).fetchone()
    comments: tuple[Comment, ...] | None = None
    if r[17] is not None:
        comments = tuple(
            Comment(
                remote_id=c[0],
                author=c[1],
                public=bool(c[2]),
                body=c[3],
                created_at=_req_time(c[4]),
                body_format=c[5],
            )
            for c in con.execute(
                "SELECT remote_id, author, public, body, created_at, body_format FROM comment "
                "WHERE ticket_id = ? ORDER BY created_at, id",
                [ticket_id],
            )
        )
    return Ticket(
        account=r[0],
        vendor=Vendor(r[1]),
        remote_id=r[2],
        display_key=r[3],
        subject=r[4],
        status=Status(r[5]),
        status_raw=r[6],
        priority=Priority(r[7]) if r[7] else None,
        priority_raw=r[8],
        requester=r[9],
        organization=r[10],
        assignee=r[11],
        group=r[12],
        created_at=_req_time(r[13]),
        updated_at=_req_time(r[14]),
        url=r[15],
        tags=tuple(json.loads(r[16])),
        description=r[18] or "",
        description_format=r[19] or "text",
        sla=sla_targets_for(con, [ticket_id]).get(ticket_id, ()),
        comments=comments,
        raw=json.loads(r[20]) if r[20] else {},
    )


def ticket_count(con: Connection) -> int:
    """How many tickets the cache holds."""
    return int(con.execute("SELECT count(*) FROM ticket").fetchone()[0])
