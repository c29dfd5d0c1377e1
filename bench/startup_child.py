"""One measured launch for ``bench/run.py``: the queuebench app or a bare Textual app.

Prints ``READY <peak_rss_kib>`` once the first screen is drawn — for queuebench, once the
queue's first ticket rows are on screen — and exits. Both kinds start the same way (a fresh
interpreter, ``App.run_test`` at 120x40), so the parent can compare them.
"""

from __future__ import annotations

import asyncio
import resource
import sys


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


async def bare() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("one line")

    app = Bare()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "one line" in str(app.query_one(Static).render())
        print("READY", peak_kib(), flush=True)


async def queuebench(exercise: bool) -> None:
    # The same steps as a bare `queuebench` (cli.open_queue), with run_test instead of run.
    from queuebench.cli import _open, _settings, now_utc

    settings = _settings()
    store = _open(settings)
    from queuebench.app import make_app
    from queuebench.widgets.queue_table import QueueTable

    app = make_app(settings, store, clock=now_utc)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(QueueTable)
        while not (table.loaded and table.total > 0):
            await asyncio.sleep(0.002)
        await pilot.pause()
        first = table.row_at(0)
        assert first is not None and first.display_key in table.render_line(1).text
        print("READY", peak_kib(), flush=True)
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
