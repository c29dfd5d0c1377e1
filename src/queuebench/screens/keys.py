"""The keys of the current screen (``?`` / F1): every binding with its description and id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


@dataclass(frozen=True)
class KeyEntry:
    """One line of the keys list: the keys as shown, what they do, and the keymap id."""

    keys: str
    description: str
    binding_id: str


def binding_entries(screen: Screen[object]) -> list[KeyEntry]:
    """The described bindings active on ``screen``, one entry per action, keymap applied.

    Keys sharing an action (``j`` and ``down``) are listed together; bindings of the screen
    and its focused widget come before the app-wide ones. Textual's built-in bindings without
    an id (focus cycling, horizontal scrolling) are left out: they cannot be rebound.
    """
    app = screen.app
    grouped: dict[tuple[str, str], list[str]] = {}
    ids: dict[tuple[str, str], str] = {}
    for active in screen.active_bindings.values():
        binding: Binding = active.binding
        if not binding.description or binding.system:
            continue
        if binding.id is None and binding.action != "command_palette":
            continue  # Textual's own scrolling/focus keys: not queuebench's to document
        description = "Command palette" if binding.action == "command_palette" else None
        group = (binding.action, description or binding.description)
        grouped.setdefault(group, []).append(app.get_key_display(binding))
        ids.setdefault(group, binding.id or "")
    return [
        KeyEntry(" / ".join(dict.fromkeys(keys)), description, ids[(action, description)])
        for (action, description), keys in grouped.items()
    ]


class KeysModal(ModalScreen[None]):
    """Lists the keys of the screen it was opened from; any of its own keys closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="keys.close"),
    ]

    def __init__(self, title: str, entries: list[KeyEntry]) -> None:
        super().__init__()
        self.title_text = title
        self.entries = entries

    def compose(self) -> ComposeResult:
        with Vertical(id="keys-dialog") as dialog:
            dialog.border_title = Content(self.title_text)
            dialog.border_subtitle = Content("escape closes · rebind with [keymap] <id> = keys")
            with VerticalScroll(id="keys-list"):
                yield Static(self._table(), id="keys-table")

    def _table(self) -> Content:
        width = max((len(e.keys) for e in self.entries), default=4) + 2
        lines: list[Content] = []
        for entry in self.entries:
            lines.append(
                Content.assemble(
                    (entry.keys.ljust(width), "bold $text-accent"),
                    entry.description.ljust(26),
                    (entry.binding_id, "$text-muted"),
                )
            )
        return Content("\n").join(lines)
