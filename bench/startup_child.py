"""One measured launch for ``bench/run.py``: the queuebench app or a bare Textual app.

Prints ``READY <peak_rss_kib>`` the moment the compositor first draws the widget that
matters — the bare app's one line; queuebench's queue table holding its first ticket rows —
and exits. Both kinds start the same way (a fresh interpreter, ``App.run_test`` at 120x40),
so the parent can compare them.
"""

from __future__ import annotations

import asyncio
import resource
import sys
from collections.abc import Callable


def peak_kib() -> int:
    """This process's peak resident set (VmHWM): ru_maxrss would include the parent's
    high-water mark inherited across fork+exec on Linux."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def on_first_draw(widget_class: type, ready: Callable[[object], bool]) -> asyncio.Event:
    """An event set the first time the compositor draws ``widget_class`` with content."""
    drawn = asyncio.Event()
    original = widget_class.render_lines

    def render_lines(self: object, crop: object) -> object:
        strips = original(self, crop)
        if not drawn.is_set() and ready(self):
            drawn.set()
        return strips

    widget_class.render_lines = render_lines  # type: ignore[method-assign]
    return drawn


async def bare() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("one line")

    drawn = on_first_draw(Static, lambda widget: True)
    app = Bare()
    async with app.run_test(size=(120, 40)):
        await drawn.wait()
        print("READY", peak_kib(), flush=True)
        assert "one line" in str(app.query_one(Static).render())


async def queuebench(exercise: bool) -> None:
    # The same steps as a bare `queuebench` (cli.open_queue), with run_test instead of run.
    from queuebench.cli import _open, _settings, now_utc

    settings = _settings()
    store = _open(settings)
    from queuebench.app import make_app
    from queuebench.widgets.queue_table import QueueTable

    drawn = on_first_draw(QueueTable, lambda table: table.loaded and table.total > 0)
    app = make_app(settings, store, clock=now_utc)
    async with app.run_test(size=(120, 40)) as pilot:
        await drawn.wait()  # the compositor has drawn the queue with its first rows
        print("READY", peak_kib(), flush=True)
        table = app.screen.query_one(QueueTable)
        first = table.row_at(0)
        assert first is not None and first.display_key in table.render_line(1).text
        if exercise:
            # Walk the whole queue the way a user would: end, filter, clear, views.
            await pilot.press("G")
            await pilot.press("slash", *"sso", "enter")
            await app.workers.wait_for_complete()
            await pilot.press("escape")
            for key in ("2", "3", "4", "1", "s", "s"):
                await pilot.press(key)
                await app.workers.wait_for_complete()
            await pilot.pause()
            print("EXERCISED", peak_kib(), table.total, flush=True)
    store.close()


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "bare":
        asyncio.run(bare())
    else:
        asyncio.run(queuebench(exercise=kind == "exercise"))
