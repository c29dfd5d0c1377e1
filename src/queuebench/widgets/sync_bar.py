"""The queue's sync line: when each account last synced, any error with its fix, and the
background sync chain that keeps the cache fresh.

Background sync is a chain, not a metronome: a run starts after the first paint, and when it
ends the next one is scheduled with ``set_timer`` — a slow vendor never stacks overlapping
runs. The run happens in a thread worker with its own event loop; httpx, keyring, SQLAlchemy
and the connectors are imported there, never on the launch path. When a run wrote anything,
the widget posts :class:`SyncBar.Synced` so the queue re-queries in place (its cursor stays on
its ticket). A write queued on a case starts a run soon (:meth:`SyncBar.queued`), so it is sent
without waiting for the next interval.

The accounts are the configured ones plus those a :class:`~queuebench.sync.ConnectorSource`
serves for this session (``queuebench demo``'s in-process sandbox servers). A cache filled by
the demo whose accounts nothing serves here (a later plain ``queuebench``, or a demo above
10,000 tickets, loaded without servers) gets one plain line saying so, with the writes that
wait — never a sync attempt that fails.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import work
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import get_current_worker

if TYPE_CHECKING:
    from queuebench.config import Settings
    from queuebench.sandbox.live import DemoMeta
    from queuebench.store.engine import Store
    from queuebench.sync import ConnectorSource

FIRST_SYNC_DELAY = 1.0
"""Seconds after mount before the first background run (the queue paints first)."""
SOON = 0.5
"""Seconds from a queued write to the run that sends it (several quick writes share a run)."""


@dataclass(frozen=True)
class AccountLine:
    """One account's state as the line shows it."""

    name: str
    last_success_at: datetime | None
    error: str | None
    running: bool = False


def _ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "never synced"
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return "synced just now"
    if seconds < 3600:
        return f"synced {seconds // 60} min ago"
    if seconds < 86400:
        return f"synced {seconds // 3600} h ago"
    return f"synced {seconds // 86400} d ago"


def sync_line(lines: list[AccountLine], now: datetime, offline: str | None = None) -> Content:
    """``demo-zendesk synced 2 min ago · demo-jsm ⚠ <error with its fix>``, then what
    ``offline`` says about accounts nothing serves here."""
    parts: list[str | tuple[str, str]] = []
    for index, line in enumerate(lines):
        if index:
            parts.append(" · ")
        parts.append((line.name, "bold"))
        if line.running:
            parts.append(" syncing…")
        elif line.error:
            parts += [" ", ("⚠ " + line.error, "$text-error")]
        else:
            parts.append(" " + _ago(line.last_success_at, now))
    if offline:
        parts += [" · " if parts else "", (offline, "$text-warning")]
    return Content.assemble(*parts)


class SyncBar(Static):
    """Per-account sync state, and the owner of the background sync chain."""

    class Synced(Message):
        """A background run ended; ``changed`` says whether it wrote tickets."""

        def __init__(self, changed: bool) -> None:
            super().__init__()
            self.changed = changed

    class StateRead(Message):
        """Fresh per-account state from the cache; ``offline`` is the demo data set the
        cache holds when no server here serves its accounts, and ``waiting`` its writes."""

        def __init__(
            self, lines: list[AccountLine], offline: DemoMeta | None = None, waiting: int = 0
        ) -> None:
            super().__init__()
            self.lines = lines
            self.offline = offline
            self.waiting = waiting

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Callable[[], datetime],
        *,
        source: ConnectorSource | None = None,
        run_sync: Callable[[], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__("", **kwargs)
        self.settings = settings
        self.store = store
        self.clock = clock
        self.source = source
        self.lines: list[AccountLine] = []
        self.offline: DemoMeta | None = None
        self.offline_text: str | None = None
        self.running = False
        self.runs = 0
        self._run_sync = run_sync
        self._next: Timer | None = None
        self._again = False

    @property
    def names(self) -> list[str]:
        """The accounts this session syncs: configured ones, then the ones ``source`` serves."""
        served = self.source.names if self.source is not None else ()
        configured = sorted(self.settings.accounts)
        return configured + [n for n in served if n not in self.settings.accounts]

    def on_mount(self) -> None:
        self.display = bool(self.names)
        if not self.names:
            # Nothing to sync; after the first rows, look for demo accounts nothing serves.
            self.set_timer(FIRST_SYNC_DELAY, self.read_state)
            return
        self.read_state()
        if self.settings.sync.background:
            self._schedule(FIRST_SYNC_DELAY)

    def _schedule(self, delay: float) -> None:
        if self._next is not None:
            self._next.stop()
        self._next = self.set_timer(delay, self.start_sync)

    # -- state -------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="sync-state", exit_on_error=False, name="sync state")
    def read_state(self) -> None:
        """Read every account's last success and error from the cache (thread worker)."""
        from queuebench.sandbox.live import read_demo_meta
        from queuebench.store.queries import from_db_time

        names = self.names
        found: dict[str, tuple[datetime | None, str | None]] = {}
        offline: DemoMeta | None = None
        waiting = 0
        with self.store.read() as con:
            try:
                rows = con.execute(
                    "SELECT account, max(last_success_at), "
                    "max(CASE WHEN last_error IS NOT NULL THEN last_error END) "
                    "FROM sync_state GROUP BY account"
                ).fetchall()
            except sqlite3.Error:  # a cache without the table yet
                rows = []
            demo = read_demo_meta(con)
            unserved = [a for a in demo.accounts if a not in names] if demo else []
            if demo is not None and unserved:
                offline = demo
                marks = ", ".join("?" for _ in unserved)
                waiting = con.execute(
                    "SELECT count(*) FROM outbox WHERE state IN ('pending', 'failed') "
                    f"AND account IN ({marks})",
                    unserved,
                ).fetchone()[0]
        for account, success, error in rows:
            found[account] = (from_db_time(success), error)
        lines = [AccountLine(name, *found.get(name, (None, None))) for name in names]
        if not get_current_worker().is_cancelled:
            self.post_message(self.StateRead(lines, offline, waiting))

    def on_sync_bar_state_read(self, message: StateRead) -> None:
        from queuebench.sandbox.live import offline_demo_line

        self.lines = message.lines
        self.offline = message.offline
        self.offline_text = (
            offline_demo_line(message.offline, message.waiting) if message.offline else None
        )
        self.display = bool(self.lines or self.offline_text)
        self.redraw()

    def redraw(self) -> None:
        """Redraw the line from the last state read."""
        lines = [
            AccountLine(line.name, line.last_success_at, line.error, self.running)
            for line in self.lines
        ]
        self.update(sync_line(lines, self.clock(), self.offline_text))

    def queued(self, account: str) -> str:
        """A write for ``account`` was queued: start a run soon when this session can send it,
        and say in a sentence when it goes out."""
        if account in self.names:
            if not self.settings.sync.background:
                return "It is sent with the next sync."
            self._again = self.running
            if not self.running:
                self._schedule(SOON)
            return "Sending it now."
        if self.offline is not None and account in self.offline.accounts:
            from queuebench.sandbox.live import offline_write_note

            self.read_state()  # the line counts the writes that wait
            return offline_write_note(self.offline, account)
        return (
            f"It waits in the outbox until account {account!r} is configured again "
            "(`queuebench account add`)."
        )

    # -- the chain ---------------------------------------------------------------------------

    def start_sync(self) -> None:
        """Start one background run unless one is running (the chain never overlaps)."""
        if self.running:
            return
        self.running = True
        self.redraw()
        self._sync_worker()

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False, name="background sync")
    def _sync_worker(self) -> None:
        changed = False
        try:
            if self._run_sync is not None:
                changed = bool(self._run_sync())
            else:
                import asyncio

                from queuebench.sync import sync_accounts

                reports = asyncio.run(
                    sync_accounts(self.store, self.settings, now=self.clock, source=self.source)
                )
                changed = any(r.tickets or r.deleted or r.push.sent for r in reports)
        finally:
            self.app.call_from_thread(self._finished, changed)

    def _finished(self, changed: bool) -> None:
        self.running = False
        self.runs += 1
        self.read_state()
        self.post_message(self.Synced(changed))
        if self.app.screen is not self.screen:  # a case on top shows what the run brought
            self.app.screen.post_message(self.Synced(changed))
        if self._again:  # a write was queued during the run
            self._again = False
            self._schedule(SOON)
        elif self.settings.sync.background:
            self._schedule(max(1.0, self.settings.sync.interval_seconds))
