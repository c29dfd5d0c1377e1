"""The Textual application: one factory, :func:`make_app`, for the CLI, Pilot tests and snapshots.

Textual is imported only here and under ``screens/`` and ``widgets/``; the CLI imports this
module lazily, so headless commands never load it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from queuebench.clock import Clock, system_clock
from queuebench.config import Settings
from queuebench.screens.keys import KeysModal, binding_entries
from queuebench.screens.queue import QueueScreen
from queuebench.store.engine import Store

if TYPE_CHECKING:
    from queuebench.sync import ConnectorSource


class QueuebenchApp(App[None]):
    """The queuebench workbench: the queue first, cases on top of it."""

    CSS_PATH = "queuebench.tcss"
    TITLE = "queuebench"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit"),
        Binding("question_mark,f1", "show_keys", "Keys", id="app.keys"),
    ]

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        clock: Clock = system_clock,
        data_note: str | None = None,
        source: ConnectorSource | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.store = store
        self.clock = clock
        self.data_note = data_note
        self.source = source
        self._reported_clashes: set[str] = set()

    def on_mount(self) -> None:
        if self.data_note:
            self.sub_title = self.data_note
        self.set_keymap(dict(self.settings.keymap))
        self.push_screen(QueueScreen(self.settings, self.store, self.clock, source=self.source))

    def action_show_keys(self) -> None:
        """List the keys of the current screen (``?`` / F1)."""
        screen = self.screen
        if isinstance(screen, KeysModal):
            return
        title = f"Keys — {type(screen).__name__.removesuffix('Screen')}"
        self.push_screen(KeysModal(title, binding_entries(screen)))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not isinstance(screen, QueueScreen) and len(self.screen_stack) > 2:
            yield SystemCommand("Back to queue", "Close this screen", screen.dismiss)

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node: object) -> None:
        for binding in clashed_bindings:
            if binding.id and binding.id not in self._reported_clashes:
                self._reported_clashes.add(binding.id)
                self.notify(
                    f"Your [keymap] gives {binding.key!r} to another action, so "
                    f"{binding.id} lost it. Pick a free key for it in the config file.",
                    title="Keymap clash",
                    severity="warning",
                    markup=False,
                )


def make_app(
    settings: Settings,
    store: Store,
    *,
    clock: Clock | None = None,
    data_note: str | None = None,
    source: ConnectorSource | None = None,
) -> QueuebenchApp:
    """Build the app over an open cache; ``clock`` returns aware UTC now (frozen in tests);
    ``source`` serves accounts beyond the configured ones (the demo's sandbox servers)."""
    return QueuebenchApp(
        settings, store, clock=clock or system_clock, data_note=data_note, source=source
    )
