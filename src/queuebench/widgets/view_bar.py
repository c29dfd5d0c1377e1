"""The row of named views (saved filters) above the queue, switched with ``[``/``]`` or 1–9."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget


class ViewBar(Widget):
    """Shows the named views as tabs, numbered for their keys; the active one is marked.

    The active tab reads without colour too: it is wrapped in ``▸ … ◂`` as well as highlighted.
    """

    DEFAULT_CSS = """
    ViewBar {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text-muted;
    }
    """

    active: reactive[int] = reactive(0)
    """Index of the view in force."""

    def __init__(
        self,
        names: Sequence[str],
        *,
        active: int = 0,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.names = tuple(names)
        self.set_reactive(ViewBar.active, active)

    def render(self) -> Content:
        parts: list[str | tuple[str, str]] = [" Views "]
        for index, name in enumerate(self.names):
            number = f"{index + 1} " if index < 9 else ""
            if index == self.active:
                parts.append((f"▸{number}{name}◂", "bold reverse $text-accent"))
            else:
                parts.append((f" {number}{name} ", "$foreground"))
            parts.append(" ")
        return Content.assemble(*parts)
