"""What every queuebench screen shares: the one place background failures are reported."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from queuebench.store.errors import StoreError


def error_advice(error: BaseException) -> str:
    """One line for a failed background task that says what to do about it."""
    if isinstance(error, StoreError):
        return str(error)  # store errors already name their fix
    text = str(error).strip()
    first_line = text.splitlines()[0] if text else type(error).__name__
    # The UI reads through sqlite3 directly; SQLAlchemy wraps the same errors as ``.orig``.
    error = getattr(error, "orig", None) or error
    if isinstance(error, sqlite3.OperationalError) and "locked" in text:
        return (
            "The cache is busy (another queuebench is writing it, probably a sync). "
            "Wait a moment and press the key again."
        )
    if isinstance(error, sqlite3.DatabaseError):
        return (
            f"The cache could not be read ({first_line}). Run `queuebench demo` or "
            "`queuebench sync` to rebuild it, or set QUEUEBENCH_DATA_DIR to another cache."
        )
    return (
        f"{type(error).__name__}: {first_line}. This is a queuebench bug; please report it "
        "with the steps that led here."
    )


class WorkbenchScreen(Screen[None]):
    """Base of the queuebench screens.

    Thread workers report to the screen that started them (``Worker.StateChanged`` does not
    bubble), so this one handler turns any failed worker into a notification naming the fix.
    """

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.notify(
                error_advice(event.worker.error),
                title=f"{event.worker.name or 'Background task'} failed",
                severity="error",
                timeout=12,
                markup=False,
            )


Command = tuple[str, str, Callable[[], object]]
"""A palette entry: name, help text, and what it runs."""


class ScreenCommands(Provider):
    """A screen's own actions in the command palette: subclasses list them in ``commands``."""

    def commands(self) -> list[Command]:
        """The entries the current screen offers (none by default)."""
        return []

    async def discover(self) -> Hits:
        for name, help_text, callback in self.commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self.commands():
            if (score := matcher.match(name)) > 0:
                yield Hit(score, matcher.highlight(name), callback, text=name, help=help_text)
