"""The queue's filter line: an ``Input`` where ``ctrl+u`` clears the whole filter."""

from __future__ import annotations

from textual.binding import Binding, BindingType
from textual.widgets import Input


class FilterInput(Input):
    """Filter-as-you-type input for the queue's filter language."""

    BINDINGS: list[BindingType] = [
        Binding("ctrl+u", "clear_filter", "Clear filter", id="queue.filter_clear"),
    ]

    def action_clear_filter(self) -> None:
        """Remove the whole filter (not only the text left of the cursor)."""
        self.value = ""
