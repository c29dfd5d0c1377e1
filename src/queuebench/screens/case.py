"""One case: who and what, every SLA clock, tags, the description and the conversation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Footer, Header, Markdown, Static
from textual.worker import get_current_worker

from queuebench.clock import Clock, display_zone, format_local
from queuebench.config import Settings
from queuebench.domain.models import Comment, SlaMetric, SlaStage, SlaTarget, Ticket
from queuebench.domain.normalize import effective_stage, format_duration
from queuebench.domain.sla_policy import SlaDisagreement
from queuebench.screens.base import Command, ScreenCommands, WorkbenchScreen
from queuebench.store.engine import Store
from queuebench.store.errors import AmbiguousKeyError, TicketNotFoundError
from queuebench.store.queries import get_ticket
from queuebench.store.sla_state import sla_disagreements
from queuebench.widgets.queue_table import VENDOR_NAMES
from queuebench.widgets.sync_bar import SyncBar

NOT_CACHED = "Conversation not cached yet — it is fetched on the next sync."
NOT_CACHED_NOW = "Conversation not cached yet"

METRIC_NAMES: dict[SlaMetric, str] = {
    SlaMetric.FIRST_RESPONSE: "First response",
    SlaMetric.NEXT_RESPONSE: "Next response",
    SlaMetric.RESOLUTION: "Resolution",
    SlaMetric.PERIODIC_UPDATE: "Periodic update",
}


def _field(label: str, value: str | None) -> Content:
    return Content.assemble((f"{label:<10}", "$text-muted"), value or "—")


def case_header(ticket: Ticket, zone: tzinfo | None) -> Content:
    """Who, what, where: key and subject, people, status and priority with vendor values."""
    status = ticket.status.value.replace("_", " ")
    priority = ticket.priority.value if ticket.priority else "none"
    lines = [
        Content.assemble((ticket.display_key, "bold $text-accent"), "  ", (ticket.subject, "bold")),
        _field("Customer", ticket.organization),
        _field("Requester", ticket.requester),
        _field("Status", f"{status} (vendor: {ticket.status_raw})"),
        _field("Priority", f"{priority} (vendor: {ticket.priority_raw or '—'})"),
        _field("Assignee", ticket.assignee or "unassigned"),
        _field("Group", ticket.group),
        _field("Vendor", f"{VENDOR_NAMES[ticket.vendor]} · account {ticket.account}"),
        _field("URL", ticket.url),
        _field(
            "Created",
            f"{format_local(ticket.created_at, zone)} · updated "
            f"{format_local(ticket.updated_at, zone)}",
        ),
    ]
    return Content("\n").join(lines)


def sla_row(target: SlaTarget, now: datetime, zone: tzinfo | None) -> tuple[str, ...]:
    """One SLA clock as text: metric, stage, breach instant, remaining, source, policy."""
    stage = effective_stage(target, now)
    due = format_local(target.breach_at, zone) if target.breach_at else "—"
    if stage is SlaStage.BREACHED:
        stage_text = "BREACHED"
        remaining = (
            f"overdue {format_duration(now - target.breach_at)}" if target.breach_at else "overdue"
        )
    elif stage is SlaStage.ACTIVE:
        stage_text = "active"
        remaining = f"{format_duration(target.breach_at - now)} left" if target.breach_at else "—"
    elif stage is SlaStage.PAUSED:
        stage_text = "PAUSED"
        remaining = (
            f"{format_duration_seconds(target.remaining_seconds)} left when resumed"
            if target.remaining_seconds is not None
            else "clock stopped"
        )
    else:
        stage_text = "met"
        remaining = "—"
    return (
        METRIC_NAMES[target.metric],
        stage_text,
        due,
        remaining,
        target.source.value,
        target.policy or "—",
    )


def format_duration_seconds(seconds: int) -> str:
    """:func:`format_duration` for a number of seconds."""
    return format_duration(timedelta(seconds=seconds))


SLA_WIDTHS = (16, 9, 22, 26, 9)


def sla_table(
    targets: tuple[SlaTarget, ...],
    now: datetime,
    zone: tzinfo | None,
    disagreements: tuple[SlaDisagreement, ...] = (),
) -> Content:
    """Every SLA clock, one per line, with a header; the stage reads without colour.

    Disagreements (vendor and computed breach instants more than a minute apart) follow the
    table: the vendor's instant is the one in force, the difference usually means a calendar
    is set up wrong.
    """
    if not targets:
        return Content("No SLA on this ticket.")
    if disagreements:
        return Content("\n").join(
            [sla_table(targets, now, zone), *disagreement_lines(disagreements, zone)]
        )
    header = ("Metric", "Stage", "Breaches at", "Remaining", "Source", "Policy")
    lines = [_sla_line(header, "", header=True)]
    for target in targets:
        row = sla_row(target, now, zone)
        style = {
            "BREACHED": "bold $text-error",
            "PAUSED": "$text-muted",
            "met": "$text-success",
        }.get(row[1], "")
        if (
            row[1] == "active"
            and target.breach_at
            and (target.breach_at - now).total_seconds() < 3600
        ):
            style = "bold $text-warning"
        lines.append(_sla_line(row, style))
    return Content("\n").join(lines)


def disagreement_lines(
    disagreements: tuple[SlaDisagreement, ...], zone: tzinfo | None
) -> list[Content]:
    """``DISAGREES First response: vendor 13:00 · computed 14:00 (+1:00, policy X)`` lines."""
    lines = [
        Content.assemble(
            ("DISAGREES ", "bold $text-warning"),
            "vendor and computed clocks differ; the vendor's instant is used (check the "
            "calendar of the policy):",
        )
    ]
    for d in disagreements:
        diff = d.difference
        sign = "+" if diff.total_seconds() >= 0 else "-"
        lines.append(
            Content.assemble(
                "  ",
                (f"{METRIC_NAMES[d.metric]:<16}", "bold"),
                f"vendor {format_local(d.vendor_breach_at, zone)} · computed "
                f"{format_local(d.computed_breach_at, zone)} "
                f"({sign}{format_duration(abs(diff))}, policy {d.policy or '—'})",
            )
        )
    return lines


def _sla_line(cells: tuple[str, ...], stage_style: str, *, header: bool = False) -> Content:
    parts: list[str | tuple[str, str]] = []
    for index, cell in enumerate(cells):
        text = cell.ljust(SLA_WIDTHS[index]) + " " if index < len(SLA_WIDTHS) else cell
        if header:
            parts.append((text, "bold $text-muted"))
        else:
            parts.append((text, stage_style) if index in (1, 3) else text)
    return Content.assemble(*parts)


def entry_title(comment: Comment, zone: tzinfo | None) -> str:
    """``INTERNAL NOTE — Dana Whitfield · 2026-11-20 15:02 CET`` (or ``PUBLIC REPLY — …``)."""
    kind = "PUBLIC REPLY" if comment.public else "INTERNAL NOTE"
    author = comment.author or "unknown author"
    return f"{kind} — {author} · {format_local(comment.created_at, zone)}"


def body_widget(text: str, fmt: str) -> Widget:
    """Markdown rendered when the vendor says so; otherwise plain text (no markup parsing)."""
    if fmt == "markdown":
        return Markdown(text, classes="body")
    return Static(Content(text or "(empty)"), classes="body")


class CaseCommands(ScreenCommands):
    """The case screen's actions in the command palette."""

    def commands(self) -> list[Command]:
        screen = self.screen
        if not isinstance(screen, CaseScreen):
            return []
        return [
            ("Open in browser", "Open this ticket in the vendor's web UI", screen.action_open_url),
            ("Back to queue", "Return to the queue", screen.action_back),
        ]


class CaseScreen(WorkbenchScreen):
    """One ticket in full, loaded from the cache in a thread worker."""

    COMMANDS = {CaseCommands}
    disagreements: tuple[SlaDisagreement, ...] = ()
    """Vendor vs computed SLA disagreements of the loaded ticket."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back to queue", id="case.back"),
        Binding("o", "open_url", "Open in browser", id="case.open_url"),
        Binding("j,down", "scroll('down')", "Scroll down", show=False, id="case.scroll_down"),
        Binding("k,up", "scroll('up')", "Scroll up", show=False, id="case.scroll_up"),
        Binding(
            "space,pagedown", "scroll('page_down')", "Page down", show=False, id="case.page_down"
        ),
        Binding("pageup", "scroll('page_up')", "Page up", show=False, id="case.page_up"),
        Binding("g,home", "scroll('home')", "Top", show=False, id="case.top"),
        Binding("G,end", "scroll('end')", "Bottom", show=False, id="case.bottom"),
        Binding("n", "queue_write('note_internal')", "Internal note", id="case.note"),
        Binding("r", "queue_write('reply_public')", "Public reply", id="case.reply"),
        Binding("s", "queue_write('status')", "Status", show=False, id="case.status"),
        Binding("p", "queue_write('priority')", "Priority", show=False, id="case.priority"),
        Binding("a", "queue_write('assignee')", "Assignee", show=False, id="case.assignee"),
    ]

    class Loaded(Message):
        """The ticket arrived from the cache."""

        def __init__(self, ticket: Ticket) -> None:
            super().__init__()
            self.ticket = ticket

    class OutboxRead(Message):
        """This case's queued writes, as lines for the outbox section; ``waiting`` says
        whether any is still pending (so the section is re-read until each has ended)."""

        def __init__(self, lines: list[str], waiting: bool = False) -> None:
            super().__init__()
            self.lines = lines
            self.waiting = waiting

    class ConversationFetched(Message):
        """An on-demand fetch of the conversation ended (``error`` names the fix)."""

        def __init__(self, error: str | None) -> None:
            super().__init__()
            self.error = error

    class LoadFailed(Message):
        """The key does not name exactly one cached ticket; ``reason`` names the fix."""

        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(
        self,
        store: Store,
        clock: Clock,
        settings: Settings,
        key: str,
        *,
        on_queued: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.clock = clock
        self.key = key
        self.settings = settings
        self.on_queued = on_queued
        """Told the account of each queued write (the sync line sends it soon); it answers
        when the write goes out, in a sentence."""
        self.zone = display_zone(settings.user.timezone)
        self.ticket: Ticket | None = None
        self.fetch_error: str | None = None
        self._fetching = False
        self._outbox_waiting = False
        self._reveal_outbox = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield VerticalScroll(id="case-body")
        yield Footer()

    @property
    def body(self) -> VerticalScroll:
        """The scrolling case body."""
        return self.query_one("#case-body", VerticalScroll)

    def on_mount(self) -> None:
        self.sub_title = self.key
        self.body.loading = True
        self._load()
        self.set_interval(1.0, self._tick)

    @work(thread=True, exit_on_error=False, name="load case")
    def _load(self) -> None:
        try:
            with self.store.read() as session:
                ticket = get_ticket(session, self.key)
                self.disagreements = sla_disagreements(session, ticket.id)
        except (TicketNotFoundError, AmbiguousKeyError) as exc:
            self.post_message(self.LoadFailed(str(exc)))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.Loaded(ticket))

    async def on_case_screen_loaded(self, message: Loaded) -> None:
        ticket = message.ticket
        reload = self.ticket is not None  # a sync ended while the case was open
        if reload and ticket == self.ticket:
            return  # it changed other tickets: nothing to redraw here
        self.ticket = ticket
        note = getattr(self.app, "data_note", None)
        self.sub_title = " · ".join(
            part for part in (ticket.display_key, VENDOR_NAMES[ticket.vendor], note) if part
        )
        body = self.body
        scroll_y = body.scroll_y
        await body.remove_children()
        await body.mount_all(self._build(ticket))
        body.loading = False
        if reload:  # the reader stays where they were
            self.call_after_refresh(body.scroll_to, y=scroll_y, animate=False)
        else:
            body.focus()
        self._load_outbox()
        if (
            ticket.comments is None
            and ticket.account in self.settings.accounts
            and not self._fetching
            and self.fetch_error is None
        ):
            self._fetching = True
            self._fetch_conversation(ticket.id)

    @work(thread=True, exit_on_error=False, name="fetch conversation")
    def _fetch_conversation(self, ticket_id: str) -> None:
        import asyncio

        from queuebench.accounts import AccountError
        from queuebench.connectors.http import ConnectorError
        from queuebench.domain.normalize import NormalizationError
        from queuebench.sync import fetch_conversation

        error: str | None = None
        try:
            asyncio.run(fetch_conversation(self.store, self.settings, ticket_id, now=self.clock))
        except (AccountError, ConnectorError, NormalizationError) as exc:
            error = str(exc)
        self.post_message(self.ConversationFetched(error))

    def on_case_screen_conversation_fetched(self, message: ConversationFetched) -> None:
        self._fetching = False
        self.fetch_error = message.error
        if message.error is None:
            self.key = self.ticket.id if self.ticket else self.key
            self._load()
        else:
            missing = self.query("#conversation-title")
            if missing:
                missing.first(Static).update(f"{NOT_CACHED_NOW}: {message.error}")

    @work(thread=True, exclusive=True, group="case-outbox", exit_on_error=False, name="outbox")
    def on_sync_bar_synced(self, message: SyncBar.Synced) -> None:
        """A background sync ended while this case was open: re-read the case, redrawn only
        if the run changed it (a note it sent is read back into the conversation)."""
        if message.changed and self.ticket is not None:
            self._load()

    def _load_outbox(self) -> None:
        from queuebench.store.sync_writes import read_outbox

        if self.ticket is None:
            return
        with self.store.read() as con:
            entries = read_outbox(con, ticket_id=self.ticket.id)
        lines = []
        for e in entries:
            preview = e.value.replace("\n", " ")
            preview = preview if len(preview) <= 60 else preview[:59] + "…"
            line = f"#{e.id} {e.state.upper():<8} {e.action:<13} {preview}"
            if e.error and e.state != "sent":
                line += f"\n      {e.error}"
            lines.append(line)
        self.post_message(self.OutboxRead(lines, any(e.state == "pending" for e in entries)))

    def on_case_screen_outbox_read(self, message: OutboxRead) -> None:
        found = self.query("#case-outbox")
        if not found:
            return
        found.first(Static).update(Content("\n".join(message.lines)))
        section = self.query_one("#case-outbox-section")
        section.display = bool(message.lines)
        self._outbox_waiting = message.waiting
        if self._reveal_outbox and message.lines:
            # A write was just queued: show where its state will change.
            self._reveal_outbox = False
            self.call_after_refresh(section.scroll_visible, animate=False)

    def action_queue_write(self, action: str) -> None:
        """Ask for a note, reply, status, priority or assignee and queue it in the outbox."""
        ticket = self.ticket
        if ticket is None:
            self.notify("The case is still loading.", severity="warning")
            return
        from queuebench.screens.outbox_modal import OutboxModal

        def queued(value: str | None) -> None:
            if value is not None:
                self._write_outbox(ticket, action, value)

        self.app.push_screen(OutboxModal(action, ticket.display_key), queued)

    @work(thread=True, exit_on_error=False, name="queue write")
    def _write_outbox(self, ticket: Ticket, action: str, value: str) -> None:
        from queuebench.store.sync_writes import add_outbox

        with self.store.session() as session:
            item = add_outbox(
                session,
                ticket_id=ticket.id,
                account=ticket.account,
                action=action,
                value=value,
                label=None,
                base_updated_at=ticket.updated_at,
                now=self.clock(),
            )
        self.app.call_from_thread(self._queued, item, action, ticket.account)
        self._load_outbox()

    def _queued(self, item: int, action: str, account: str) -> None:
        when = (
            self.on_queued(account)
            if self.on_queued is not None
            else "It is sent with the next sync."
        )
        self.notify(f"Queued #{item} ({action}). {when}", title="Outbox", markup=False)
        self._reveal_outbox = True

    async def on_case_screen_load_failed(self, message: LoadFailed) -> None:
        body = self.body
        await body.mount(Static(Content(message.reason), id="case-error"))
        body.loading = False
        self.notify(message.reason, title="Cannot open case", severity="error", markup=False)

    def _build(self, ticket: Ticket) -> list[Widget]:
        now = self.clock()
        widgets: list[Widget] = [
            Static(case_header(ticket, self.zone), id="case-header"),
            _section(
                "SLA",
                Static(sla_table(ticket.sla, now, self.zone, self.disagreements), id="case-sla"),
            ),
            Static(
                Content.assemble(
                    ("Tags      ", "$text-muted"), ", ".join(ticket.tags) or "no tags"
                ),
                id="case-tags",
            ),
        ]
        description = Vertical(
            body_widget(ticket.description, ticket.description_format),
            classes="entry description",
        )
        description.border_title = Content(
            f"DESCRIPTION — {ticket.requester or 'unknown requester'} · "
            f"{format_local(ticket.created_at, self.zone)}"
        )
        widgets.append(description)
        outbox = _section("Outbox", Static("", id="case-outbox"))
        outbox.id = "case-outbox-section"
        outbox.display = False  # shown once something is queued for this case
        widgets.append(outbox)
        if ticket.comments is None:
            text = NOT_CACHED
            if ticket.account in self.settings.accounts:
                text = f"{NOT_CACHED_NOW} — fetching it from {VENDOR_NAMES[ticket.vendor]}…"
                if self.fetch_error:
                    text = f"{NOT_CACHED_NOW}: {self.fetch_error}"
            widgets.append(Static(text, id="conversation-title", classes="-missing"))
            return widgets
        internal = sum(1 for c in ticket.comments if not c.public)
        title = (
            f"Conversation · {len(ticket.comments)} entries ({internal} internal)"
            if ticket.comments
            else "Conversation · no replies or notes yet"
        )
        widgets.append(Static(title, id="conversation-title"))
        for comment in sorted(ticket.comments, key=lambda c: c.created_at):
            entry = Vertical(
                body_widget(comment.body, comment.body_format),
                classes="entry " + ("public" if comment.public else "internal"),
            )
            entry.border_title = Content(entry_title(comment, self.zone))
            widgets.append(entry)
        return widgets

    def _tick(self) -> None:
        if self.ticket is not None:
            self.query_one("#case-sla", Static).update(
                sla_table(self.ticket.sla, self.clock(), self.zone, self.disagreements)
            )
            if self._outbox_waiting:  # a background sync may have sent them meanwhile
                self._load_outbox()

    def action_back(self) -> None:
        """Return to the queue (its cursor is still on this ticket)."""
        self.dismiss()

    def action_open_url(self) -> None:
        """Open the ticket in the vendor's web UI."""
        if self.ticket is None:
            self.notify("The case is still loading.", severity="warning")
            return
        self.app.open_url(self.ticket.url)

    def action_scroll(self, where: str) -> None:
        """Scroll the case body: ``down``, ``up``, ``page_down``, ``page_up``, ``home``, ``end``."""
        body = self.body
        actions = {
            "down": body.scroll_down,
            "up": body.scroll_up,
            "page_down": body.scroll_page_down,
            "page_up": body.scroll_page_up,
            "home": body.scroll_home,
            "end": body.scroll_end,
        }
        action = actions.get(where)
        if action is not None:
            action(animate=False)


def _section(title: str, child: Widget) -> Vertical:
    box = Vertical(child, classes="section")
    box.border_title = Content(title)
    return box
