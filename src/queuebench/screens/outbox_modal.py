"""The modal that writes one outbox item from the case screen (note, reply, status...)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static, TextArea

ACTION_TITLES = {
    "note_internal": "Internal note (agents only)",
    "reply_public": "Public reply (the customer sees it)",
    "status": "New status (e.g. open, pending, on_hold, solved, or the vendor's name)",
    "priority": "New priority (P1, P2, P3 or P4)",
    "assignee": "New assignee (name or email)",
}


class OutboxModal(ModalScreen[str | None]):
    """Ask for the text or value of one queued write; dismisses with it, or ``None``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="outbox.cancel"),
        Binding("ctrl+s", "submit", "Queue it", id="outbox.submit", priority=True),
    ]

    def __init__(self, action: str, display_key: str) -> None:
        super().__init__()
        self.action = action
        self.display_key = display_key

    @property
    def multiline(self) -> bool:
        """Notes and replies take several lines; the other values one."""
        return self.action in ("note_internal", "reply_public")

    def compose(self) -> ComposeResult:
        with Vertical(id="outbox-dialog"):
            yield Static(
                Content.assemble(
                    (f"{self.display_key} · ", "bold"), ACTION_TITLES.get(self.action, self.action)
                )
            )
            if self.multiline:
                yield TextArea(id="outbox-text")
            else:
                yield Input(id="outbox-text")
            hint = "ctrl+s queues it" if self.multiline else "enter or ctrl+s queues it"
            yield Static(
                f"{hint} · escape cancels · kept here first, then sent by the sync",
                classes="hint",
            )

    def on_mount(self) -> None:
        self.query_one("#outbox-text").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        """Dismiss with the text typed (nothing typed: stay open)."""
        widget = self.query_one("#outbox-text")
        text = widget.text if isinstance(widget, TextArea) else widget.value  # type: ignore[attr-defined]
        if not text.strip():
            self.notify("Type something first, or press escape.", severity="warning")
            return
        self.dismiss(text.rstrip("\n") if self.multiline else text.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
