"""SLA engine benchmark: recomputing SLA state for N cached tickets against reading them.

    python bench/bench_sla.py [--tickets 100000] [--repeat 3]

One run, one cache (the demo data set at a fixed instant, built once into ``bench/.cache``
with the demo's SLA setup), three measurements, each the median of ``--repeat`` runs:

1. **read**: every ticket row in queue order with its SLA targets, as the queue and
   ``list --json`` read them (``queue_window`` over the whole cache). The baseline.
2. **recompute**: read every ticket's SLA inputs (vendor targets, public comments, status
   history) and recompute its clocks in memory (policy choice, business-time clocks, merge
   with the vendor's, disagreements) — under two setups: the demo's (policies match the 10 %
   of tickets without vendor SLA) and a catch-all business-hours policy with all four metrics
   that every ticket matches (the worst case: every ticket computed and compared).
3. **recompute + write**: ``recompute_sla`` under the catch-all setup, writing every target,
   disagreement and queue-order column back (what a change of SLA settings costs once).

Figures go to stdout; the ratios are against (1) from the same run. Copy them into
``docs/benchmarks.md`` under "SLA engine".
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

CATCH_ALL_CALENDARS = {
    "london": {
        "timezone": "Europe/London",
        "hours": {"mon-fri": "09:00-17:30"},
        "holidays": {"country": "GB", "subdiv": "ENG"},
    }
}
CATCH_ALL_POLICIES = [
    {
        "name": "Everything, business hours",
        "calendar": "london",
        "pause_statuses": ["pending", "on_hold"],
        "targets": {
            "first_response": "4h",
            "next_response": "8h",
            "periodic_update": "1d",
            "resolution": "3d",
        },
    }
]


def timed(repeat: int, run: Callable[[], object]) -> tuple[float, object]:
    """Median wall time of ``repeat`` runs, and the last result."""
    times = []
    result: object = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from queuebench.config import Settings
    from queuebench.domain.query import QueueFilter
    from queuebench.domain.sla_clocks import SlaSetup
    from queuebench.sla_config import sla_setup
    from queuebench.store.engine import open_store
    from queuebench.store.queries import queue_window
    from queuebench.store.sla_state import compute_inputs, iter_sla_inputs, recompute_sla
    from run import build_cache  # the same demo cache bench/run.py measures the queue on

    source = build_cache(args.tickets, args.seed)
    demo = sla_setup(Settings(), check_years=[2026])
    catch_all = SlaSetup.from_config(
        CATCH_ALL_CALENDARS, CATCH_ALL_POLICIES, fingerprint="bench-catch-all"
    )
    catch_all.check_holidays([2025, 2026])
    store = open_store(source)

    def read_rows() -> int:
        with store.read() as con:
            return len(queue_window(con, QueueFilter(), NOW, limit=-1))

    def recompute(setup: SlaSetup) -> Callable[[], tuple[int, int, int]]:
        def run() -> tuple[int, int, int]:
            tickets = computed = disagreements = 0
            with store.read() as con:
                for batch in iter_sla_inputs(con):
                    for item in batch:
                        targets, found = compute_inputs(item, setup, NOW)
                        tickets += 1
                        computed += sum(1 for t in targets if t.source.value == "computed")
                        disagreements += len(found)
            return tickets, computed, disagreements

        return run

    def load_inputs() -> int:
        with store.read() as con:
            return sum(len(batch) for batch in iter_sla_inputs(con))

    read_s, rows = timed(args.repeat, read_rows)
    inputs_s, _ = timed(args.repeat, load_inputs)
    demo_s, demo_counts = timed(args.repeat, recompute(demo))
    all_s, all_counts = timed(args.repeat, recompute(catch_all))
    store.close()

    # The write measurement changes the cache: run it on a copy.
    scratch = HERE / ".cache" / f"sla-scratch-{os.getpid()}"
    shutil.copytree(source, scratch)
    try:
        scratch_store = open_store(scratch)
        started = time.perf_counter()
        written = recompute_sla(scratch_store, catch_all, NOW)
        write_s = time.perf_counter() - started
        scratch_store.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    n = rows
    print(
        f"SLA engine benchmark · {n:,} cached tickets · seed {args.seed} · "
        f"now {NOW:%Y-%m-%d %H:%M}Z"
    )
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs · "
        f"median of {args.repeat}"
    )
    print()
    print(f"{'measurement':<64}{'time':>9}{'per ticket':>12}{'ratio':>8}")

    def line(label: str, seconds: float) -> None:
        print(f"{label:<64}{seconds:>8.2f}s{seconds / n * 1e6:>10.1f}µs{seconds / read_s:>7.1f}x")

    line("read every row with its SLA targets (baseline)", read_s)
    line("read every ticket's SLA inputs only", inputs_s)
    _, c, d = demo_counts  # type: ignore[misc]
    line(f"recompute, demo setup ({c:,} computed targets, {d:,} disagr.)", demo_s)
    _, c, d = all_counts  # type: ignore[misc]
    line(f"recompute, catch-all policy ({c:,} computed, {d:,} disagr.)", all_s)
    line(f"recompute + write back, catch-all ({written:,} tickets)", write_s)
    print()
    print(
        f"Recomputing costs {all_s / read_s:.1f}x reading the same rows (demo setup "
        f"{demo_s / read_s:.1f}x); writing it back {write_s / read_s:.1f}x."
    )


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent / "src"))
    main()
