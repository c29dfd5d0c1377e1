"""The queue: every cached ticket across vendors in SLA-risk order, filtered as you type."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, ClassVar, Literal, TypeVar

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import Hit, Hits
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Static
from textual.worker import get_current_worker

from queuebench.clock import Clock
from queuebench.config import Settings, ViewSettings
from queuebench.domain.models import BacklogHealth, Priority, Status, Vendor
from queuebench.domain.query import QueryError, QueueFilter, SortKey, parse_filter, parse_sort
from queuebench.screens.base import Command, ScreenCommands, WorkbenchScreen
from queuebench.store.engine import Store
from queuebench.store.queries import backlog_health
from queuebench.widgets.filter_input import FilterInput
from queuebench.widgets.queue_table import QueuePage, QueueQuery, QueueTable, load_page
from queuebench.widgets.sync_bar import SyncBar
from queuebench.widgets.view_bar import ViewBar

if TYPE_CHECKING:
    from queuebench.domain.sla_alerts import Alert
    from queuebench.sync import ConnectorSource

EMPTY_CACHE = (
    "No tickets cached yet. Run `queuebench demo` to try sandbox data, or add an account "
    "and run `queuebench sync`."
)
NO_MATCH = "No tickets match. Press x to clear the filters, or / to change the filter."

SORT_CYCLE = (SortKey.RISK, SortKey.PRIORITY, SortKey.UPDATED, SortKey.CREATED, SortKey.KEY)
VENDOR_CYCLE: tuple[Vendor | None, ...] = (None, Vendor.ZENDESK, Vendor.JSM, Vendor.SERVICENOW)
STATUS_CYCLE: tuple[Status | None, ...] = (None, *Status)
PRIORITY_CYCLE: tuple[Priority | None, ...] = (None, *Priority)
QUICK_FLAGS = ("mine", "unassigned", "breached")

HEALTH_INTERVAL = 30.0
"""Seconds between refreshes of the backlog header and the queue itself."""
FILTER_DEBOUNCE = 0.1
MAX_ALERT_TOASTS = 3
"""More alerts at once than this are summed up in one notification."""
ALERT_TIMEOUT = 12.0


T = TypeVar("T")


def _cycle(values: tuple[T, ...], current: T) -> T:
    return values[(values.index(current) + 1) % len(values)]


def format_health(health: BacklogHealth, alerts: int = 0) -> Content:
    """``Open 1,204 · BREACHED 37 · due <1h 12 · aged >7d 310 >14d 180 >30d 64``.

    With ``alerts`` (SLA alerts raised for your tickets this session) it starts ``ALERTS 3 · ``.
    """
    if alerts:
        return Content.assemble(
            ("ALERTS ", "bold $text-warning"),
            (f"{alerts:,}", "$text-warning"),
            " · ",
            format_health(health),
        )
    return Content.assemble(
        ("Open ", "bold"),
        f"{health.open_total:,}",
        " · ",
        ("BREACHED ", "bold $text-error" if health.breached else "bold"),
        (f"{health.breached:,}", "$text-error" if health.breached else ""),
        " · ",
        ("due <1h ", "bold $text-warning" if health.due_within_hour else "bold"),
        (f"{health.due_within_hour:,}", "$text-warning" if health.due_within_hour else ""),
        " · ",
        ("aged ", "bold"),
        f">7d {health.aged_7:,} >14d {health.aged_14:,} >30d {health.aged_30:,}",
    )


class QueueCommands(ScreenCommands):
    """The queue screen's actions in the command palette: views, sorts, quick filters, open."""

    def commands(self) -> list[Command]:
        screen = self.screen
        return screen.palette_commands() if isinstance(screen, QueueScreen) else []

    async def search(self, query: str) -> Hits:
        async for hit in super().search(query):
            yield hit
        screen = self.screen
        key = query.strip().removeprefix("open ").strip()
        # Display keys always carry a number (#4512, SUP-88, INC0010042).
        looks_like_key = bool(key) and " " not in key and any(ch.isdigit() for ch in key)
        if isinstance(screen, QueueScreen) and looks_like_key:
            name = f"Open case {key}"
            yield Hit(
                0.9,
                Content(name),
                partial(screen.open_case, key),
                text=name,
                help="Open the cached ticket with this key",
            )


class QueueScreen(WorkbenchScreen):
    """The default screen: the queue, its backlog health, views, quick filters and filter."""

    AUTO_FOCUS = "QueueTable"
    COMMANDS = {QueueCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        # A priority binding runs as the key arrives, before later keys are routed: whatever
        # is typed right after "/" lands in the filter, however fast.
        Binding("slash", "open_filter", "Filter", id="queue.filter", priority=True),
        Binding(
            "escape,enter",
            "close_filter",
            "Close filter",
            show=False,
            id="queue.filter_close",
            priority=True,
        ),
        Binding("x", "clear_filters", "Clear filters", show=False, id="queue.clear"),
        Binding("m", "toggle_quick('mine')", "Mine", id="queue.mine"),
        Binding("u", "toggle_quick('unassigned')", "Unassigned", show=False, id="queue.unassigned"),
        Binding("b", "toggle_quick('breached')", "Breached", id="queue.breached"),
        Binding("v", "cycle_vendor", "Cycle vendor", show=False, id="queue.vendor"),
        Binding("t", "cycle_status", "Cycle status", show=False, id="queue.status"),
        Binding("p", "cycle_priority", "Cycle priority", show=False, id="queue.priority"),
        Binding("s", "cycle_sort", "Sort", id="queue.sort"),
        Binding("r", "reverse_sort", "Reverse sort", show=False, id="queue.reverse"),
        Binding("right_square_bracket", "next_view", "Next view", id="queue.next_view"),
        Binding(
            "left_square_bracket",
            "previous_view",
            "Previous view",
            show=False,
            id="queue.prev_view",
        ),
        *[
            Binding(
                str(n),
                f"select_view({n - 1})",
                f"Switch to view {n}",
                show=False,
                id=f"queue.view_{n}",
            )
            for n in range(1, 10)
        ],
        Binding("K", "open_kpi", "KPI dashboard", show=False, id="queue.kpi"),
        Binding("q", "app.quit", "Quit", show=False, id="queue.quit"),
    ]

    class QueueLoaded(Message):
        """A re-query finished in its thread worker."""

        def __init__(self, page: QueuePage, keep_line: int | None, generation: int) -> None:
            super().__init__()
            self.page = page
            self.keep_line = keep_line
            self.generation = generation

    class HealthLoaded(Message):
        """Fresh backlog-health counts for the header."""

        def __init__(self, health: BacklogHealth) -> None:
            super().__init__()
            self.health = health

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock,
        *,
        source: ConnectorSource | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.store = store
        self.clock = clock
        self.source = source
        self.views: list[ViewSettings] = list(settings.views) or [ViewSettings(name="All")]
        self.view_index = 0
        self.typed_text = ""
        self.typed_filter = QueueFilter()
        self.filter_error: str | None = None
        self.quick_flags: set[str] = set()
        self.vendor: Vendor | None = None
        self.status: Status | None = None
        self.priority: Priority | None = None
        self.sort_override: tuple[SortKey, bool] | None = None
        self._generation = 0
        self._filter_timer: Timer | None = None
        self._health: BacklogHealth | None = None
        self._health_requested = False
        self._alert_lock = threading.Lock()  # the alert worker's flags, shared with the UI

    # --- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Counting the backlog…", id="health")
        yield ViewBar([v.name for v in self.views], id="views")
        yield Static("", id="status")
        yield SyncBar(self.settings, self.store, self.clock, source=self.source, id="sync-bar")
        yield QueueTable(self.store, self.clock, id="queue")
        with Vertical(id="filter-bar"):
            yield FilterInput(
                placeholder="filter: words, vendor: status: prio: assignee: org: tag: is:breached…",
                id="filter",
            )
            yield Static("", id="filter-message")
        yield Footer()

    @property
    def table(self) -> QueueTable:
        """The queue list widget."""
        return self.query_one(QueueTable)

    def on_mount(self) -> None:
        # The backlog count waits for the first rows: at 100,000 tickets it scans the queue
        # index, and the first rows on screen come first.
        self.requery()
        self.set_interval(1.0, self._tick)
        self.set_interval(HEALTH_INTERVAL, self._periodic)

    def on_screen_resume(self) -> None:
        if self.table.loaded:
            self.requery()

    def _tick(self) -> None:
        # The countdown moves every second: re-render the visible rows from the cached window.
        self.table.refresh()
        self.check_alerts()

    def _periodic(self) -> None:
        self.refresh_health()
        self.requery()

    # --- the query in force -----------------------------------------------------------------

    @property
    def view(self) -> ViewSettings:
        """The named view in force."""
        return self.views[self.view_index]

    def current_sort(self) -> tuple[SortKey, bool]:
        """The sort override if any, else the view's sort."""
        if self.sort_override is not None:
            return self.sort_override
        try:
            return parse_sort(self.view.sort)
        except QueryError:
            return SortKey.RISK, False

    def quick_filter(self) -> QueueFilter:
        """The quick filters (keys m u b v t p) as one filter."""
        return QueueFilter(
            vendors=(self.vendor,) if self.vendor else (),
            statuses=(self.status,) if self.status else (),
            priorities=(self.priority,) if self.priority else (),
            flags=frozenset(self.quick_flags),
        )

    def current_query(self) -> QueueQuery:
        """View filter, plus what the user typed, plus quick filters, with the sort in force."""
        try:
            base = parse_filter(self.view.filter)
        except QueryError:
            base = QueueFilter()
        sort, descending = self.current_sort()
        flt = base.merged(self.typed_filter).merged(self.quick_filter())
        return QueueQuery(flt, sort, descending, tuple(self.settings.user.names))

    def requery(self, *, follow: bool = True) -> None:
        """Re-run the query in a thread worker, keeping the cursor on its ticket.

        With ``follow`` false (the filter changed) a cursor whose ticket left the result goes
        to the top instead of keeping its row number.
        """
        table = self.table
        keep_id: str | None = None
        keep_line: int | None = None
        if table.loaded and table.total:
            row = table.cursor_row
            keep_id = row.id if row else None
            keep_line = max(0, table.cursor_line)
        near = table.cursor if follow else 0
        self._generation += 1
        self._load_queue(self.current_query(), keep_id, near, keep_line, self._generation)
        self.update_status()

    @work(thread=True, exclusive=True, group="queue", exit_on_error=False, name="queue query")
    def _load_queue(
        self,
        query: QueueQuery,
        keep_id: str | None,
        near: int,
        keep_line: int | None,
        generation: int,
    ) -> None:
        page = load_page(self.store, query, self.clock(), keep_id=keep_id, near=near)
        if not get_current_worker().is_cancelled:
            self.post_message(self.QueueLoaded(page, keep_line, generation))

    def on_queue_screen_queue_loaded(self, message: QueueLoaded) -> None:
        if message.generation != self._generation:
            return  # a newer query is on its way
        table = self.table
        table.empty_message = EMPTY_CACHE if message.page.cache_total == 0 else NO_MATCH
        table.show_page(message.page, keep_line=message.keep_line)
        self.update_status()
        self._update_filter_message()
        if self._health is None and not self._health_requested:
            self._health_requested = True
            self.call_after_refresh(self.refresh_health)
            self.call_after_refresh(self._ensure_sla)

    def on_sync_bar_synced(self, message: SyncBar.Synced) -> None:
        """A background sync ended: show what it wrote, the cursor staying on its ticket."""
        if message.changed:
            self.requery()
            self.refresh_health()

    def refresh_health(self) -> None:
        """Recount the backlog header in a thread worker."""
        self._load_health()

    @work(thread=True, exclusive=True, group="health", exit_on_error=False, name="backlog health")
    def _load_health(self) -> None:
        with self.store.read() as session:
            health = backlog_health(session, self.clock())
        if not get_current_worker().is_cancelled:
            self.post_message(self.HealthLoaded(health))

    def on_queue_screen_health_loaded(self, message: HealthLoaded) -> None:
        self._health = message.health
        self.query_one("#health", Static).update(format_health(message.health, self.alert_count))

    # --- SLA clocks and alerts --------------------------------------------------------------

    alert_count = 0
    """SLA alerts raised for the user's tickets since the queue opened (shown in the header)."""
    _alerts_since: datetime | None = None
    _alert_check_running = False
    _alert_check_again = False

    class AlertsRaised(Message):
        """Targets of the user's tickets crossed an alert threshold (already recorded)."""

        def __init__(self, alerts: list[Alert], now: datetime) -> None:
            super().__init__()
            self.alerts = alerts
            self.now = now

    class SlaRecomputed(Message):
        """The computed SLA clocks were recomputed for a changed SLA configuration."""

        def __init__(self, tickets: int) -> None:
            super().__init__()
            self.tickets = tickets

    def check_alerts(self) -> None:
        """Look for alert thresholds crossed since the last check (one indexed query, in a
        thread worker). A check asked for while one runs is run by that worker when it ends,
        at the clock's time then, so none is lost."""
        alerts = self.settings.alerts
        if not alerts.enabled or not self.settings.user.names:
            return
        with self._alert_lock:
            if self._alert_check_running:
                self._alert_check_again = True
                return
            self._alert_check_running = True
        self._check_alerts()

    @work(thread=True, group="alerts", exit_on_error=False, name="SLA alerts")
    def _check_alerts(self) -> None:
        from queuebench.store.alerts import LOOKBACK, check_alerts

        try:
            while True:
                self._alert_check_again = False
                now = self.clock()
                since = self._alerts_since or now - LOOKBACK
                found = check_alerts(
                    self.store,
                    self.settings.user.names,
                    self.settings.alerts.thresholds,
                    since=since,
                    now=now,
                )
                self._alerts_since = now
                if found:
                    self.post_message(self.AlertsRaised(found, now))
                with self._alert_lock:
                    if not self._alert_check_again:
                        self._alert_check_running = False
                        return
        except BaseException:
            with self._alert_lock:
                self._alert_check_running = False
            raise

    def on_queue_screen_alerts_raised(self, message: AlertsRaised) -> None:
        alerts = message.alerts
        self.alert_count += len(alerts)
        if self._health is not None:
            self.query_one("#health", Static).update(format_health(self._health, self.alert_count))
        breach = any(a.is_breach for a in alerts)
        severity: Literal["warning", "error"] = "error" if breach else "warning"
        if len(alerts) <= MAX_ALERT_TOASTS:
            for alert in alerts:
                self.notify(
                    alert.text(message.now),
                    title="SLA breached" if alert.is_breach else "SLA alert",
                    severity="error" if alert.is_breach else "warning",
                    timeout=ALERT_TIMEOUT,
                    markup=False,
                )
        else:
            keys = ", ".join(a.display_key for a in alerts[:MAX_ALERT_TOASTS])
            self.notify(
                f"{len(alerts)} SLA alerts on your tickets: {keys} and "
                f"{len(alerts) - MAX_ALERT_TOASTS} more. Press m for your tickets, b for the "
                "breached ones.",
                title="SLA alerts",
                severity=severity,
                timeout=ALERT_TIMEOUT,
                markup=False,
            )
        if self.settings.alerts.bell:
            self.app.bell()

    @work(thread=True, exclusive=True, group="sla", exit_on_error=False, name="SLA recompute")
    def _ensure_sla(self) -> None:
        from queuebench.sla_config import ensure_current

        count = ensure_current(self.store, self.settings, self.clock())
        if count:
            self.post_message(self.SlaRecomputed(count))

    def on_queue_screen_sla_recomputed(self, message: SlaRecomputed) -> None:
        self.notify(
            f"Recomputed the SLA clocks of {message.tickets:,} cached tickets for the changed "
            "SLA settings.",
            title="SLA policies",
            markup=False,
        )
        self.requery()
        self.refresh_health()

    def action_open_kpi(self) -> None:
        """Open the KPI dashboard (``K``)."""
        from queuebench.screens.kpi import KpiScreen

        self.app.push_screen(KpiScreen(self.store, self.clock, self.settings))

    # --- status line ------------------------------------------------------------------------

    def active_quick_filters(self) -> list[str]:
        """The quick filters in force, as the status line names them."""
        names = [flag for flag in QUICK_FLAGS if flag in self.quick_flags]
        if self.vendor:
            names.append(f"vendor:{self.vendor.value}")
        if self.status:
            names.append(f"status:{self.status.value}")
        if self.priority:
            names.append(f"prio:{self.priority.value}")
        return names

    def status_text(self) -> Content:
        """``12 tickets · view Open · filter "sso" · quick mine, breached · sort risk ↑``."""
        table = self.table
        count = f"{table.total:,} tickets" if table.loaded else "Loading…"
        sort, descending = self.current_sort()
        parts: list[str | tuple[str, str]] = [
            (count, "bold"),
            " · view ",
            (self.view.name, "bold"),
        ]
        if self.typed_text.strip():
            parts += [" · filter ", (f'"{self.typed_text.strip()}"', "bold $text-accent")]
        quick = self.active_quick_filters()
        if quick:
            parts += [" · quick ", (", ".join(quick), "bold $text-accent")]
        parts += [" · sort ", (f"{sort.value} {'↓' if descending else '↑'}", "bold")]
        return Content.assemble(*parts)

    def update_status(self) -> None:
        """Redraw the status line under the views."""
        self.query_one("#status", Static).update(self.status_text())

    # --- filter as you type -----------------------------------------------------------------

    def action_open_filter(self) -> None:
        """Show the filter line and focus it."""
        field = self.query_one(FilterInput)
        if self.focused is field:
            raise SkipAction()  # "/" typed inside the filter is text
        self.add_class("-filtering")
        field.value = self.typed_text
        field.cursor_position = len(field.value)
        # Focus now, not after a refresh: keys typed right after "/" belong to the filter.
        self.set_focus(field)
        self._update_filter_message()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close_filter":
            # Only while typing a filter; otherwise escape and enter keep their usual meaning.
            return self.has_class("-filtering") and self.focused is self.query_one(FilterInput)
        if action == "select_view" and parameters:
            index = parameters[0]
            return isinstance(index, int) and index < len(self.views)
        return True

    def action_close_filter(self) -> None:
        """Hide the filter line, keeping the last filter that parsed."""
        self.flush_filter()
        if self.filter_error is not None:
            self.query_one(FilterInput).value = self.typed_text
            self.filter_error = None
        self.remove_class("-filtering")
        self.set_focus(self.table)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(
            FILTER_DEBOUNCE, partial(self.apply_filter_text, event.value)
        )

    def flush_filter(self) -> None:
        """Apply a pending (debounced) filter text now."""
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
            self.apply_filter_text(self.query_one(FilterInput).value)

    def apply_filter_text(self, text: str) -> None:
        """Parse ``text``; re-query on success, show the error and keep results on failure."""
        self._filter_timer = None
        try:
            flt = parse_filter(text)
        except QueryError as exc:
            self.filter_error = str(exc)
            self._update_filter_message()
            return
        self.filter_error = None
        changed = flt != self.typed_filter
        self.typed_text = text
        self.typed_filter = flt
        if changed:
            self.requery(follow=False)
        else:
            self._update_filter_message()
            self.update_status()

    def _update_filter_message(self) -> None:
        message = self.query_one("#filter-message", Static)
        if self.filter_error is not None:
            message.update(
                Content.assemble(
                    ("⚠ ", "bold $text-error"),
                    (self.filter_error, "$text-error"),
                    " (showing the last good result)",
                )
            )
            message.add_class("-error")
            return
        message.remove_class("-error")
        total = self.table.total
        noun = "match" if total == 1 else "matches"
        message.update(
            Content.assemble(
                (f"{total:,} {noun}", "bold"),
                " · enter or escape closes · ctrl+u clears",
            )
        )

    def action_clear_filters(self) -> None:
        """Drop the typed filter and every quick filter (the view stays)."""
        self.typed_text = ""
        self.typed_filter = QueueFilter()
        self.filter_error = None
        self.quick_flags.clear()
        self.vendor = self.status = self.priority = None
        self.query_one(FilterInput).value = ""
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        self.requery(follow=False)

    # --- quick filters, views, sort ---------------------------------------------------------

    def action_toggle_quick(self, flag: str) -> None:
        """Toggle the quick filter ``flag`` (mine, unassigned or breached)."""
        if flag not in QUICK_FLAGS:
            return
        if flag == "mine" and not self.settings.user.names:
            self.notify(
                "Nothing is yours yet: list your assignee names under [user] names = [...] "
                "in the config file (queuebench locate config).",
                title="Who are you?",
                severity="warning",
                markup=False,
            )
            return
        self.quick_flags ^= {flag}
        self.requery(follow=False)

    def action_cycle_vendor(self) -> None:
        """Show one vendor at a time, then all again."""
        self.vendor = _cycle(VENDOR_CYCLE, self.vendor)
        self.requery(follow=False)

    def action_cycle_status(self) -> None:
        """Show one status at a time, then all again."""
        self.status = _cycle(STATUS_CYCLE, self.status)
        self.requery(follow=False)

    def action_cycle_priority(self) -> None:
        """Show one priority at a time, then all again."""
        self.priority = _cycle(PRIORITY_CYCLE, self.priority)
        self.requery(follow=False)

    def action_select_view(self, index: int) -> None:
        """Switch to the named view ``index`` (its sort replaces a sort override)."""
        if not 0 <= index < len(self.views) or index == self.view_index:
            return
        self.view_index = index
        self.sort_override = None
        self.query_one(ViewBar).active = index
        self.requery(follow=False)

    def action_next_view(self) -> None:
        self.action_select_view((self.view_index + 1) % len(self.views))

    def action_previous_view(self) -> None:
        self.action_select_view((self.view_index - 1) % len(self.views))

    def set_sort(self, sort: SortKey, descending: bool = False) -> None:
        """Override the view's sort."""
        self.sort_override = (sort, descending)
        self.requery()

    def action_cycle_sort(self) -> None:
        """risk → priority → updated → created → key → risk."""
        sort, _ = self.current_sort()
        self.set_sort(_cycle(SORT_CYCLE, sort))

    def action_reverse_sort(self) -> None:
        sort, descending = self.current_sort()
        self.set_sort(sort, not descending)

    # --- opening a case ---------------------------------------------------------------------

    @on(QueueTable.Opened)
    def _open_row(self, event: QueueTable.Opened) -> None:
        self.open_case(event.row.id)

    def open_case(self, key: str) -> None:
        """Open the case screen for a ticket id or display key."""
        from queuebench.screens.case import CaseScreen

        sync_bar = self.query_one(SyncBar)
        self.app.push_screen(
            CaseScreen(self.store, self.clock, self.settings, key, on_queued=sync_bar.queued)
        )

    # --- command palette --------------------------------------------------------------------

    def palette_commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        """What the command palette offers on this screen."""
        commands: list[tuple[str, str, Callable[[], object]]] = []
        for index, view in enumerate(self.views):
            commands.append(
                (
                    f"View: {view.name}",
                    f"Switch to the view {view.name!r} ({view.filter or 'everything'})",
                    partial(self.action_select_view, index),
                )
            )
        for sort in SORT_CYCLE:
            commands.append(
                (
                    f"Sort by {sort.value}",
                    f"Order the queue by {sort.value}",
                    partial(self.set_sort, sort, False),
                )
            )
        commands.append(("Reverse sort", "Reverse the current order", self.action_reverse_sort))
        for flag in QUICK_FLAGS:
            state = "off" if flag in self.quick_flags else "on"
            commands.append(
                (
                    f"Toggle {flag}",
                    f"Turn the {flag} quick filter {state}",
                    partial(self.action_toggle_quick, flag),
                )
            )
        commands.append(("Filter…", "Filter the queue as you type", self.action_open_filter))
        commands.append(
            ("Clear filters", "Drop the typed and quick filters", self.action_clear_filters)
        )
        commands.append(
            (
                "KPI dashboard",
                "Response and resolution times, SLA compliance, backlog aging, breaches per week",
                self.action_open_kpi,
            )
        )
        return commands
