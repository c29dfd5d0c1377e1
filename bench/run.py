"""queuebench benchmarks: one command, prints its figures.

    python bench/run.py [--tickets 100000] [--repeat 5]

1. Launch to first queue rows drawn, at N cached tickets, against a bare Textual app that draws
   one line, measured the same way (fresh interpreter to first frame) in the same run: the ratio.
2. Filter and re-sort latency at N tickets: the UI's real re-query (``load_page``: count, cursor
   position, one page of rows), against a bare read of every ticket id in the same run.
3. Peak memory (max RSS) of the app at N tickets after launch, and after walking the queue
   (end, filter, views, sorts); the bare app's for comparison.

The N-ticket cache is built once with the demo loader at a fixed instant and kept in
``bench/.cache``. Figures go to stdout; copy them into ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def build_cache(tickets: int, seed: int) -> Path:
    from queuebench.config import Settings
    from queuebench.sandbox.demo import load_demo
    from queuebench.sla_config import sla_setup
    from queuebench.store.engine import db_path, open_store

    data = HERE / ".cache" / f"t{tickets}-s{seed}"
    if db_path(data).exists():
        return data
    started = time.perf_counter()
    store = open_store(data)
    # The same SLA setup the launched app uses (defaults: no config file), so the app finds
    # its computed clocks current and does not recompute 100,000 tickets while measured.
    load_demo(store, tickets=tickets, seed=seed, now=NOW, sla=sla_setup(Settings()))
    store.close()
    elapsed = time.perf_counter() - started
    print(f"built cache: {tickets:,} tickets in {elapsed:.1f} s ({tickets / elapsed:,.0f}/s)")
    return data


def child_env(data: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["QUEUEBENCH_DATA_DIR"] = str(data)
    env["QUEUEBENCH_NOW"] = NOW.isoformat()
    env["QUEUEBENCH_CONFIG_FILE"] = str(HERE / ".cache" / "no-config.toml")
    # Measure what an installed user gets: bytecode caches on (pip writes them at install;
    # an editable checkout only has them if Python may write them).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def launch(kind: str, env: dict[str, str]) -> tuple[float, list[str]]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "startup_child.py"), kind],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    elapsed = time.perf_counter() - started
    rest, err = proc.communicate(timeout=300)
    if not first.startswith("READY") or proc.returncode:
        raise SystemExit(f"{kind} launch failed: {first!r} {rest!r} {err[-2000:]}")
    return elapsed, [first, *rest.splitlines()]


def bench_startup(data: Path, repeat: int) -> dict[str, float]:
    env = child_env(data)
    launch("bare", env)  # warm the OS file cache for both
    launch("app", env)
    bare: list[float] = []
    app: list[float] = []
    rss_bare = rss_app = 0
    for _ in range(repeat):
        t, lines = launch("bare", env)
        bare.append(t)
        rss_bare = max(rss_bare, int(lines[0].split()[1]))
        t, lines = launch("app", env)
        app.append(t)
        rss_app = max(rss_app, int(lines[0].split()[1]))
    _, lines = launch("exercise", env)
    exercised = next(line for line in lines if line.startswith("EXERCISED"))
    rss_walk = int(exercised.split()[1])
    return {
        "bare_s": statistics.median(bare),
        "app_s": statistics.median(app),
        "ratio": statistics.median(app) / statistics.median(bare),
        "rss_bare_mb": rss_bare / 1024,
        "rss_app_mb": rss_app / 1024,
        "rss_walk_mb": rss_walk / 1024,
    }


def bench_queries(data: Path, repeat: int) -> list[tuple[str, float]]:
    from queuebench.domain.query import SortKey, parse_filter
    from queuebench.sandbox.demo import DEMO_ME
    from queuebench.store.engine import open_store
    from queuebench.store.queries import queue_window
    from queuebench.widgets.queue_table import QueueQuery, load_page

    store = open_store(data)
    me = (DEMO_ME,)
    with store.read() as con:
        keep = queue_window(con, parse_filter(""), NOW, offset=500, limit=1)[0].id

    def timed(fn: object) -> float:
        runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()  # type: ignore[operator]
            runs.append(time.perf_counter() - t0)
        return statistics.median(runs) * 1000

    results: list[tuple[str, float]] = []

    def baseline() -> None:
        with store.read() as con:
            con.execute("SELECT id FROM ticket").fetchall()

    results.append(("baseline: read every ticket id", timed(baseline)))
    filters = [
        "",
        "s",
        "sso",
        "saml signature",
        "vendor:jsm",
        "is:breached",
        "is:mine is:open",
        "prio:P1,P2 is:open",
        "org:müller",
        "no-such-text",
    ]
    for text_ in filters:
        query = QueueQuery(parse_filter(text_), SortKey.RISK, False, me)
        results.append(
            (
                f"filter {text_!r}",
                timed(lambda q=query: load_page(store, q, NOW, keep_id=keep, near=0)),
            )
        )
    for sort in SortKey:
        for desc in (False, True):
            query = QueueQuery(parse_filter(""), sort, desc, me)
            results.append(
                (
                    f"sort {'-' if desc else ''}{sort.value}",
                    timed(lambda q=query: load_page(store, q, NOW, keep_id=keep, near=0)),
                )
            )
    query = QueueQuery(parse_filter("sso is:open"), SortKey.UPDATED, True, me)
    results.append(
        (
            "filter 'sso is:open' + sort -updated",
            timed(lambda: load_page(store, query, NOW, keep_id=keep, near=0)),
        )
    )
    store.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    data = build_cache(args.tickets, args.seed)
    size_mb = sum(p.stat().st_size for p in data.iterdir()) / 1e6
    print(f"cache: {args.tickets:,} tickets, {size_mb:,.0f} MB on disk")

    s = bench_startup(data, args.repeat)
    print("\n## Launch to first queue rows (median of", args.repeat, "runs)")
    print(f"bare Textual app, one line : {s['bare_s'] * 1000:7.0f} ms")
    print(f"queuebench, {args.tickets:,} tickets: {s['app_s'] * 1000:7.0f} ms")
    print(f"ratio                      : {s['ratio']:7.2f}x   (target < 2x)")

    print("\n## Peak memory (max RSS)")
    print(f"bare Textual app            : {s['rss_bare_mb']:6.0f} MB")
    print(f"queuebench at first rows    : {s['rss_app_mb']:6.0f} MB")
    print(f"queuebench after a queue walk: {s['rss_walk_mb']:6.0f} MB   (target < 300 MB)")

    q = bench_queries(data, max(args.repeat, 7))
    base = q[0][1]
    print(f"\n## Re-query latency at {args.tickets:,} tickets (median; count + position + page)")
    for name, ms in q:
        ratio = "" if name.startswith("baseline") else f"  {ms / base:5.2f}x baseline"
        print(f"{name:40} {ms:7.1f} ms{ratio}")
    worst = max(ms for name, ms in q[1:])
    print(f"{'worst':40} {worst:7.1f} ms   (target < 50 ms)")


if __name__ == "__main__":
    main()
