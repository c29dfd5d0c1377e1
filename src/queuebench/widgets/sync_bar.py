"""The queue's sync line: when each account last synced, any error with its fix, and the
background sync chain that keeps the cache fresh.

Background sync is a chain, not a metronome: a run starts after the first paint, and when it
ends the next one is scheduled with ``set_timer`` — a slow vendor never stacks overlapping
runs. The run happens in a thread worker with its own event loop; httpx, keyring, SQLAlchemy
and the connectors are imported there, never on the launch path. When a run wrote anything,
the widget posts :class:`SyncBar.Synced` so the queue re-queries in place (its cursor stays on
its ticket).
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
from textual.widgets import Static
from textual.worker import get_current_worker

if TYPE_CHECKING:
    from queuebench.config import Settings
    from queuebench.store.engine import Store

FIRST_SYNC_DELAY = 1.0
"""Seconds after mount before the first background run (the queue paints first)."""


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


def sync_line(lines: list[AccountLine], now: datetime) -> Content:
    """``demo-zendesk synced 2 min ago · demo-jsm ⚠ <error with its fix>``."""
    if not lines:
        return Content("")
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
    return Content.assemble(*parts)


class SyncBar(Static):
    """Per-account sync state, and the owner of the background sync chain."""

    class Synced(Message):
        """A background run ended; ``changed`` says whether it wrote tickets."""

        def __init__(self, changed: bool) -> None:
            super().__init__()
            self.changed = changed

    class StateRead(Message):
        """Fresh per-account state from the cache."""

        def __init__(self, lines: list[AccountLine]) -> None:
            super().__init__()
            self.lines = lines

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Callable[[], datetime],
        *,
        run_sync: Callable[[], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__("", **kwargs)
        self.settings = settings
        self.store = store
        self.clock = clock
        self.lines: list[AccountLine] = []
        self.running = False
        self.runs = 0
        self._run_sync = run_sync

    def on_mount(self) -> None:
        self.display = bool(self.settings.accounts)
        if not self.settings.accounts:
            return
        self.read_state()
        if self.settings.sync.background:
            self.set_timer(FIRST_SYNC_DELAY, self.start_sync)

    # -- state -------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="sync-state", exit_on_error=False, name="sync state")
    def read_state(self) -> None:
        """Read every account's last success and error from the cache (thread worker)."""
        from queuebench.store.queries import from_db_time

        found: dict[str, tuple[datetime | None, str | None]] = {}
        try:
            with self.store.read() as con:
                rows = con.execute(
                    "SELECT account, max(last_success_at), "
                    "max(CASE WHEN last_error IS NOT NULL THEN last_error END) "
                    "FROM sync_state GROUP BY account"
                ).fetchall()
        except sqlite3.Error:  # a cache without the table yet
            rows = []
        for account, success, error in rows:
            found[account] = (from_db_time(success), error)
        lines = [
            AccountLine(name, *found.get(name, (None, None)))
            for name in sorted(self.settings.accounts)
        ]
        if not get_current_worker().is_cancelled:
            self.post_message(self.StateRead(lines))

    def on_sync_bar_state_read(self, message: StateRead) -> None:
        self.lines = message.lines
        self.redraw()

    def redraw(self) -> None:
        """Redraw the line from the last state read."""
        lines = [
            AccountLine(line.name, line.last_success_at, line.error, self.running)
            for line in self.lines
        ]
        self.update(sync_line(lines, self.clock()))

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

                reports = asyncio.run(sync_accounts(self.store, self.settings, now=self.clock))
                changed = any(r.tickets or r.deleted or r.push.sent for r in reports)
        finally:
            self.app.call_from_thread(self._finished, changed)

    def _finished(self, changed: bool) -> None:
        self.running = False
        self.runs += 1
        self.read_state()
        self.post_message(self.Synced(changed))
        if self.settings.sync.background:
            self.set_timer(max(1.0, self.settings.sync.interval_seconds), self.start_sync)
