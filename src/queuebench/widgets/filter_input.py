"""The queue's filter line: an ``Input`` where ``ctrl+u`` clears the whole filter."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input


class FilterInput(Input):
    """Filter-as-you-type input for the queue's filter language."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+u", "clear_filter", "Clear filter", id="queue.filter_clear"),
    ]

    def __init__(self, *, placeholder: str = "", id: str | None = None) -> None:
        # Reopening the filter continues the text; selecting it all on focus would make the
        # next key replace the whole filter.
        super().__init__(placeholder=placeholder, id=id, select_on_focus=False)

    def action_clear_filter(self) -> None:
        """Remove the whole filter (not only the text left of the cursor)."""
        self.value = ""
