"""The queue list: a Line-API ``ScrollView`` that draws only the rows on screen.

The built-in ``DataTable`` keeps every row in memory (about 12 s to load 100k tickets). This
widget instead knows only the number of matching tickets (the virtual height) and a small
window of rows around the viewport, fetched from SQLite with ``queue_window`` when the view
scrolls past it — the way Toolong draws only the visible lines of a huge log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from queuebench.clock import Clock
from queuebench.domain.models import QueueRow, Status, Vendor
from queuebench.domain.normalize import format_age, next_breach_at, sla_label
from queuebench.domain.query import QueueFilter, SortKey
from queuebench.store.engine import Store
from queuebench.store.queries import count_queue, queue_position, queue_window, ticket_count

PAGE_SIZE = 200
"""Rows fetched per window; the widget never holds more than one window."""

VENDOR_NAMES: dict[Vendor, str] = {
    Vendor.ZENDESK: "Zendesk",
    Vendor.JSM: "JSM",
    Vendor.SERVICENOW: "ServiceNow",
}

SORT_COLUMN: dict[SortKey, str] = {
    SortKey.RISK: "sla",
    SortKey.PRIORITY: "priority",
    SortKey.UPDATED: "age",
    SortKey.CREATED: "age",
    SortKey.KEY: "key",
}


@dataclass(frozen=True)
class QueueQuery:
    """What the queue shows: a parsed filter, a sort order and the user's own names."""

    flt: QueueFilter = field(default_factory=QueueFilter)
    sort: SortKey = SortKey.RISK
    descending: bool = False
    me: tuple[str, ...] = ()


@dataclass(frozen=True)
class QueuePage:
    """The answer to one re-query: how many tickets match, where the cursor goes, first rows.

    ``cursor`` is the new row of the ticket the cursor was on, or ``None`` when that ticket
    left the result. ``cache_total`` counts every cached ticket, so an empty result can tell
    "nothing synced yet" from "nothing matches".
    """

    query: QueueQuery
    now: datetime
    total: int
    cache_total: int
    offset: int
    rows: tuple[QueueRow, ...]
    cursor: int | None


def load_page(
    store: Store, query: QueueQuery, now: datetime, *, keep_id: str | None, near: int
) -> QueuePage:
    """Count the matches and fetch the window around the kept ticket (or row ``near``).

    Runs in a thread worker: at 100k tickets the count and the position take tens of ms.
    """
    with store.read() as session:
        total = count_queue(session, query.flt, now, query.me)
        cursor = None
        if keep_id is not None and total:
            cursor = queue_position(
                session,
                query.flt,
                now,
                keep_id,
                sort=query.sort,
                descending=query.descending,
                me=query.me,
                total=total,
            )
        target = cursor if cursor is not None else min(near, max(0, total - 1))
        offset = max(0, min(target - PAGE_SIZE // 2, total - PAGE_SIZE))
        rows = queue_window(
            session,
            query.flt,
            now,
            offset=offset,
            limit=PAGE_SIZE,
            sort=query.sort,
            descending=query.descending,
            me=query.me,
            matches=total,
        )
        cache_total = total if total else ticket_count(session)
    return QueuePage(query, now, total, cache_total, offset, tuple(rows), cursor)


@dataclass(frozen=True)
class Column:
    """One column of the queue: its key, header title and width in cells."""

    key: str
    title: str
    width: int


# Shown left to right; the subject takes the slack. Optional columns are dropped, last in
# DROP_ORDER first, when the terminal is too narrow for a readable subject.
_FIXED = {"sla": 17, "priority": 4, "key": 11, "customer": 18, "status": 8, "age": 4}
_OPTIONAL_WIDTHS = {"assignee": 14, "vendor": 10}
_ORDER = ("sla", "priority", "key", "subject", "customer", "status", "age", "assignee", "vendor")
DROP_ORDER = ("vendor", "assignee", "customer", "age", "status")
SUBJECT_MIN = 20
TITLES = {
    "sla": "SLA",
    "priority": "Pri",
    "key": "Key",
    "subject": "Subject",
    "customer": "Customer",
    "status": "Status",
    "age": "Age",
    "assignee": "Assignee",
    "vendor": "Vendor",
}


@lru_cache(maxsize=32)
def layout_columns(width: int, sort: SortKey = SortKey.RISK) -> tuple[Column, ...]:
    """Column widths for a terminal ``width`` cells wide (one space between columns).

    Cached: every visible row asks for it on every one-second redraw.
    """
    widths = {**_FIXED, **_OPTIONAL_WIDTHS}
    keys = list(_ORDER)

    def subject_width() -> int:
        others = sum(widths[k] for k in keys if k != "subject")
        return width - others - (len(keys) - 1)

    for drop in DROP_ORDER:
        if subject_width() >= SUBJECT_MIN:
            break
        keys.remove(drop)
    slack = subject_width()
    if slack > 70 and "customer" in keys:
        grow = min(slack - 70, 10)
        widths["customer"] += grow
    widths["subject"] = max(1, subject_width())
    titles = dict(TITLES)
    if sort is SortKey.UPDATED:
        titles["age"] = "Upd"
    return tuple(Column(k, titles[k], widths[k]) for k in keys)


def fit(text: str, width: int) -> str:
    """Pad or truncate ``text`` to exactly ``width`` cells, marking a cut with ``…``."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    # A wide character that does not fit leaves a padding space: cut it before the "…".
    cut = set_cell_size(text, width - 1).rstrip()
    return set_cell_size(cut + "…", width)


def sla_state(row: QueueRow, now: datetime, label: str | None = None) -> str:
    """``breached``, ``due`` (within the hour), ``paused``, ``met``, ``active`` or ``none``."""
    nb = next_breach_at(row.sla, now)
    if nb is not None:
        if nb <= now:
            return "breached"
        return "due" if nb - now <= timedelta(hours=1) else "active"
    label = label if label is not None else sla_label(row.sla, now)
    if label.startswith("PAUSED"):
        return "paused"
    return {"met": "met"}.get(label, "none")


def row_cells(row: QueueRow, now: datetime, sort: SortKey = SortKey.RISK) -> dict[str, str]:
    """The text of every column for one row; SLA state is in the words, not only colour."""
    age_from = row.updated_at if sort is SortKey.UPDATED else row.created_at
    return {
        "sla": sla_label(row.sla, now),
        "priority": row.priority.value if row.priority else "—",
        "key": row.display_key,
        "subject": row.subject,
        "customer": row.organization or row.requester or "—",
        "status": row.status.value.replace("_", " "),
        "age": format_age(age_from, now),
        "assignee": row.assignee or "—",
        "vendor": VENDOR_NAMES[row.vendor],
    }


class QueueTable(ScrollView, can_focus=True):
    """The ticket queue, drawn line by line from a small window of SQL-paged rows.

    Line 0 is the column header (fixed); line ``y`` shows row ``scroll_y + y - 1``. Feed it a
    :class:`QueuePage` with :meth:`show_page`; it fetches further windows itself as the view
    scrolls.
    """

    COMPONENT_CLASSES = {
        "queue-table--header",
        "queue-table--cursor",
        "queue-table--breached",
        "queue-table--due",
        "queue-table--paused",
        "queue-table--met",
        "queue-table--done",
        "queue-table--p1",
        "queue-table--empty",
    }

    DEFAULT_CSS = """
    QueueTable {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        & > .queue-table--header { background: $panel; color: $foreground; text-style: bold; }
        & > .queue-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .queue-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .queue-table--breached { color: $text-error; text-style: bold; }
        & > .queue-table--due { color: $text-warning; text-style: bold; }
        & > .queue-table--paused { color: $text-muted; }
        & > .queue-table--met { color: $text-success; }
        & > .queue-table--done { color: $text-muted; }
        & > .queue-table--p1 { color: $text-error; }
        & > .queue-table--empty { color: $text-muted; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Cursor down", show=False, id="queue.cursor_down"),
        Binding("k,up", "cursor_up", "Cursor up", show=False, id="queue.cursor_up"),
        Binding("g,home", "first", "First ticket", show=False, id="queue.first"),
        Binding("G,end", "last", "Last ticket", show=False, id="queue.last"),
        Binding("pagedown,ctrl+d", "page_down", "Page down", show=False, id="queue.page_down"),
        Binding("pageup,ctrl+u", "page_up", "Page up", show=False, id="queue.page_up"),
        Binding("enter", "open", "Open case", id="queue.open"),
    ]

    class CursorMoved(Message):
        """The cursor moved to another ticket (``row`` is ``None`` when the queue is empty)."""

        def __init__(self, index: int, row: QueueRow | None) -> None:
            super().__init__()
            self.index = index
            self.row = row

    class Opened(Message):
        """The user asked to open the ticket under the cursor."""

        def __init__(self, row: QueueRow) -> None:
            super().__init__()
            self.row = row

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._store = store
        self._clock = clock
        self._query = QueueQuery()
        self._query_now = clock()
        self._total = 0
        self._offset = 0
        self._rows: list[QueueRow] = []
        self._cursor = 0
        self._loaded = False
        self.empty_message = "No tickets match."
        """What the list says when the current query matches nothing."""
        self.fetch_count = 0
        """How many windows were read from SQLite (for tests and the benchmark)."""

    # --- state ------------------------------------------------------------------------------

    @property
    def current_query(self) -> QueueQuery:
        """The query whose result is on screen."""
        return self._query

    @property
    def total(self) -> int:
        """How many tickets match the current query."""
        return self._total

    @property
    def cursor(self) -> int:
        """The 0-based row under the cursor."""
        return self._cursor

    @property
    def cached_row_count(self) -> int:
        """How many rows the widget holds in memory (one window at most)."""
        return len(self._rows)

    @property
    def loaded(self) -> bool:
        """Whether a first page has arrived."""
        return self._loaded

    @property
    def visible_row_count(self) -> int:
        """Rows that fit under the header."""
        return max(1, self.scrollable_content_region.height - 1)

    @property
    def cursor_row(self) -> QueueRow | None:
        """The ticket under the cursor, if the queue is not empty."""
        if not self._total:
            return None
        return self.row_at(self._cursor)

    def row_at(self, index: int) -> QueueRow | None:
        """Row ``index`` of the result, fetching its window if needed."""
        if not 0 <= index < self._total:
            return None
        self._ensure_rows(index, index)
        return self._rows[index - self._offset]

    def show_page(self, page: QueuePage, *, keep_line: int | None = None) -> None:
        """Show a fresh query result.

        The cursor follows its ticket when ``page.cursor`` is set, staying on the same screen
        line ``keep_line`` where possible; otherwise it keeps its row number, clamped.
        """
        self._query = page.query
        self._query_now = page.now
        self._total = page.total
        self._offset = page.offset
        self._rows = list(page.rows)
        self._loaded = True
        self.virtual_size = Size(0, page.total + 1)
        if page.cursor is not None:
            cursor = page.cursor
        else:
            cursor = min(self._cursor, max(0, page.total - 1))
        if keep_line is not None:
            top = max(0, cursor - keep_line)
            self.scroll_to(y=top, animate=False, immediate=True)
        self.move_cursor(cursor, force_message=True)
        self.refresh()

    @property
    def cursor_line(self) -> int:
        """The cursor's line within the list area (0 is the first row under the header)."""
        return self._cursor - int(self.scroll_offset.y)

    def move_cursor(self, index: int, *, force_message: bool = False) -> None:
        """Put the cursor on row ``index`` (clamped) and scroll it into view."""
        index = max(0, min(index, self._total - 1)) if self._total else 0
        old = self._cursor
        self._cursor = index
        self._scroll_cursor_into_view()
        if old != index or force_message:
            self.refresh()
            self.post_message(self.CursorMoved(index, self.cursor_row))

    def _scroll_cursor_into_view(self) -> None:
        top = int(self.scroll_offset.y)
        visible = self.visible_row_count
        if self._cursor < top:
            top = self._cursor
        elif self._cursor > top + visible - 1:
            top = self._cursor - visible + 1
        else:
            return
        self.scroll_to(y=top, animate=False, immediate=True)

    def _ensure_rows(self, first: int, last: int) -> None:
        """Make rows ``first..last`` available, replacing the window if they are outside it."""
        last = min(last, self._total - 1)
        first = max(0, first)
        if first > last:
            return
        if self._offset <= first and last < self._offset + len(self._rows):
            return
        span = last - first + 1
        size = max(PAGE_SIZE, span + 50)
        offset = max(0, min(first - (size - span) // 2, self._total - size))
        q = self._query
        with self._store.read() as session:
            rows = queue_window(
                session,
                q.flt,
                self._query_now,
                offset=offset,
                limit=size,
                sort=q.sort,
                descending=q.descending,
                me=q.me,
                matches=self._total,
            )
        self.fetch_count += 1
        self._offset = offset
        self._rows = rows
        if len(rows) < last - offset + 1:
            # The cache shrank under us (a sync deleted tickets): stop at what exists.
            self._total = offset + len(rows)
            self.virtual_size = Size(0, self._total + 1)

    # --- rendering --------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        top = int(self.scroll_offset.y)
        self._ensure_rows(top + max(0, crop.y - 1), top + crop.bottom - 1)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        """Draw screen line ``y``: the header, a ticket row, or the empty-state text."""
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            return self._render_header(width)
        if not self._loaded or not self._total:
            return self._render_message(y - 1, width, base)
        index = int(self.scroll_offset.y) + y - 1
        if index >= self._total:
            return Strip.blank(width, base)
        row = self.row_at(index)
        if row is None:
            return Strip.blank(width, base)
        return self._render_row(row, index == self._cursor, width, base)

    def _render_header(self, width: int) -> Strip:
        style = self.get_component_rich_style("queue-table--header")
        arrow = "↓" if self._query.descending else "↑"
        sorted_col = SORT_COLUMN[self._query.sort]
        parts: list[str] = []
        for col in layout_columns(width, self._query.sort):
            title = f"{col.title}{arrow}" if col.key == sorted_col else col.title
            parts.append(fit(title, col.width))
        return Strip([Segment(" ".join(parts), style)]).crop_extend(0, width, style)

    def _render_message(self, line: int, width: int, base: Style) -> Strip:
        text = self.empty_message if self._loaded else "Loading the queue…"
        style = base + self.get_component_rich_style("queue-table--empty", partial=True)
        lines = _wrap(text, max(10, width - 4))
        if line == 0 or line > len(lines):
            return Strip.blank(width, base)
        return Strip([Segment("  " + lines[line - 1], style)]).crop_extend(0, width, base)

    def _render_row(self, row: QueueRow, is_cursor: bool, width: int, base: Style) -> Strip:
        now = self._clock()
        cells = row_cells(row, now, self._query.sort)
        done = row.status in (Status.SOLVED, Status.CLOSED)
        row_style = base
        if done:
            row_style += self.get_component_rich_style("queue-table--done", partial=True)
        cursor_style = self.get_component_rich_style("queue-table--cursor") if is_cursor else None
        gap_style = row_style + cursor_style if cursor_style is not None else row_style
        state = sla_state(row, now, cells["sla"])
        segments: list[Segment] = []
        for i, col in enumerate(layout_columns(width, self._query.sort)):
            style = row_style
            if col.key == "sla" and state in ("breached", "due", "paused", "met"):
                style += self.get_component_rich_style(f"queue-table--{state}", partial=True)
            elif col.key == "priority" and cells["priority"] == "P1" and not done:
                style += self.get_component_rich_style("queue-table--p1", partial=True)
            if cursor_style is not None:
                style += cursor_style
            if i:
                segments.append(Segment(" ", gap_style))
            segments.append(Segment(fit(cells[col.key], col.width), style))
        return Strip(segments).crop_extend(0, width, gap_style)

    # --- keys and mouse ---------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(self._total - 1)

    def action_page_down(self) -> None:
        step = self.visible_row_count
        self.scroll_to(y=int(self.scroll_offset.y) + step, animate=False, immediate=True)
        self.move_cursor(self._cursor + step)

    def action_page_up(self) -> None:
        step = self.visible_row_count
        self.scroll_to(y=max(0, int(self.scroll_offset.y) - step), animate=False, immediate=True)
        self.move_cursor(self._cursor - step)

    def action_open(self) -> None:
        row = self.cursor_row
        if row is not None:
            self.post_message(self.Opened(row))

    def on_click(self, event: events.Click) -> None:
        """A click selects a row; a double click opens it."""
        if event.y < 1 or not self._total:
            return
        index = int(self.scroll_offset.y) + event.y - 1
        if index < self._total:
            self.move_cursor(index)
            if event.chain >= 2:
                self.action_open()

    def on_resize(self, event: events.Resize) -> None:
        self._scroll_cursor_into_view()


def _wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap for the empty-state message."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if cell_len(candidate) > width and current:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines
