"""End to end: the installed `queuebench demo` in a real terminal (tmux), driven as a person.

Types a filter, opens a case, writes an internal note and watches it go to the demo's live
sandbox server and come back sent, goes back, quits — reading the screen with capture-pane.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).with_name("queuebench")


class Tmux:
    """One tmux server of our own (its own socket), one window."""

    def __init__(self, socket: str) -> None:
        self.socket = socket
        self.tmp = Path()

    def run(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        ).stdout

    def screen(self) -> str:
        """The pane's text; empty once the program has exited and tmux closed the pane."""
        try:
            return self.run("capture-pane", "-p", "-t", "qb")
        except subprocess.CalledProcessError:
            return ""

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "qb", *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "qb", "-l", text)

    def wait_for(self, test: Callable[[str], bool], what: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if test(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{screen}")


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed: `apt-get install tmux` (.ci/run installs it)")
    assert BIN.exists(), f"{BIN} is missing: install the package first (pip install -e .)"
    t = Tmux(f"qb-e2e-{uuid.uuid4().hex[:8]}")
    t.tmp = tmp_path / "tmp"
    (tmp_path / "tmp").mkdir()
    env = {
        "TMPDIR": str(tmp_path / "tmp"),  # the throwaway demo cache goes here
        "QUEUEBENCH_CONFIG_FILE": str(tmp_path / "config.toml"),
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
    }
    env_args = [f"{k}={v}" for k, v in env.items()]
    t.run(
        "new-session", "-d", "-s", "qb", "-x", "120", "-y", "36",
        "env", "-u", "QUEUEBENCH_DATA_DIR", *env_args, str(BIN), "demo", "--tickets", "400",
    )  # fmt: skip
    try:
        yield t
    finally:
        subprocess.run(["tmux", "-L", t.socket, "kill-server"], capture_output=True)


def test_demo_filter_open_case_and_back(tmux: Tmux) -> None:
    queue = tmux.wait_for(
        lambda s: "400 tickets · view All" in s and re.search(r"Open [\d,]+ · BREACHED", s),
        "the queue of 400 tickets and its backlog line",
    )
    assert "queuebench" in queue and "demo data" in queue
    assert re.search(r"Open [\d,]+ · BREACHED \d+", queue), queue
    assert "BREACHED -" in queue  # SLA state in words, not only colour
    # The demo's sandbox servers stay up: the background sync reaches every account.
    tmux.wait_for(
        lambda s: "demo-zendesk synced just now · demo-jsm synced just now" in s,
        "the first background sync of the demo accounts",
    )

    tmux.keys("/")
    tmux.type("webhook")
    filtered = tmux.wait_for(lambda s: 'filter "webhook"' in s, "the filtered queue")
    count = int(re.search(r"([\d,]+) tickets · view All", filtered).group(1))  # type: ignore[union-attr]
    assert 0 < count < 400
    tmux.keys("Enter")  # close the filter, keep it
    time.sleep(0.3)
    rows = tmux.screen().splitlines()
    header = next(i for i, line in enumerate(rows) if line.startswith("SLA"))
    first_row = rows[header + 1]
    key = re.search(r"(#\d+|SUP-\d+|INC\d{7})", first_row).group(1)  # type: ignore[union-attr]

    tmux.keys("Enter")  # open the case under the cursor
    case = tmux.wait_for(lambda s: "╭─ SLA" in s and "DESCRIPTION" in s, f"the case of {key}")
    assert f"  {key}  " in case
    assert "Customer" in case and "Status" in case
    assert "webhook" in case.lower()  # the case is one the filter matched

    tmux.keys("n")  # an internal note, sent to the live sandbox server right away
    tmux.wait_for(lambda s: "ctrl+s queues it" in s, "the note dialog")
    time.sleep(0.3)  # the text area takes focus once mounted
    tmux.type("Checked the webhook logs")
    tmux.wait_for(lambda s: "Checked the webhook logs" in s, "the note's text in the dialog")
    tmux.keys("C-s")
    tmux.wait_for(lambda s: "ctrl+s queues it" not in s, "the dialog to close")
    tmux.wait_for(
        lambda s: re.search(r"#1 SENT +note_internal Checked the webhook logs", s) is not None,
        "the note to show as sent",
    )

    tmux.keys("Escape")
    back = tmux.wait_for(lambda s: 'filter "webhook"' in s, "the filtered queue again")
    rows = back.splitlines()
    header = next(i for i, line in enumerate(rows) if line.startswith("SLA"))
    assert key in rows[header + 1]  # back on the same ticket, same position

    assert [p.name[:16] for p in tmux.tmp.iterdir()] == ["queuebench-demo-"]
    tmux.keys("C-q")
    tmux.wait_for(lambda s: "view All" not in s, "the app to exit", 15)
    deadline = time.monotonic() + 10
    while any(tmux.tmp.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(tmux.tmp.iterdir()), "the throwaway demo cache was left behind"
