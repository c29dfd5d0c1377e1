"""``queuebench sandbox serve``: prints its URL and credentials, serves, stops cleanly."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest

from queuebench.sandbox.server import start_server

ROOT = Path(__file__).resolve().parents[2]


def _serve(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("QUEUEBENCH_NOW", None)
    return subprocess.Popen(
        [sys.executable, "-m", "queuebench", "sandbox", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _lines(stream: IO[str] | None) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()
    assert stream is not None

    def pump() -> None:
        for line in stream:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


@pytest.fixture
def served() -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    proc = _serve("--vendor", "zendesk", "--tickets", "20", "--deleted", "2")
    out = _lines(proc.stdout)
    printed: list[str] = []
    try:
        for _ in range(5):
            printed.append(out.get(timeout=30))
        yield proc, printed
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_serve_prints_url_and_credentials_serves_and_stops_on_ctrl_c(served) -> None:
    proc, printed = served
    match = re.match(
        r"^Serving zendesk \(demo-zendesk\) at (http://127\.0\.0\.1:\d+)$", printed[0].strip()
    )
    assert match, printed
    base = match.group(1)
    assert "'maya.lindqvist@acme.example/token'" in printed[1]
    assert "'sandbox-zendesk-api-token'" in printed[1]
    assert printed[2].strip() == "OAuth       Authorization: Bearer sandbox-zendesk-oauth-token"
    page = httpx.get(
        f"{base}/api/v2/incremental/tickets/cursor.json",
        params={"start_time": 0},
        auth=("maya.lindqvist@acme.example/token", "sandbox-zendesk-api-token"),
        timeout=10,
    ).json()
    statuses = [t["status"] for t in page["tickets"]]
    assert 18 <= len(statuses) <= 20 and statuses.count("deleted") == 2
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=15) == 0
    assert proc.stderr is not None
    err = proc.stderr.read()
    assert "Generating 20 zendesk tickets (seed 7)..." in err
    assert err.rstrip().endswith("Stopped.")


def test_a_busy_port_is_a_plain_usage_error() -> None:
    with start_server("servicenow", tickets=5) as busy:
        proc = _serve("--vendor", "servicenow", "--tickets", "5", "--port", str(busy.port))
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert f"Cannot listen on 127.0.0.1:{busy.port}" in err
    assert "Traceback" not in err


def test_the_server_package_never_imports_textual() -> None:
    code = (
        "import sys, queuebench.sandbox.server, queuebench.commands; "
        "assert 'textual' not in sys.modules, 'textual imported'"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
