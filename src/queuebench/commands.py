"""The click commands behind ``queuebench COMMAND`` (see :mod:`queuebench.cli`)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from queuebench.cli import _open, _run_tui, _settings, friendly_errors, now_utc, open_queue

if TYPE_CHECKING:
    from queuebench.config import Settings
    from queuebench.store.engine import Store


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="queuebench")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """A keyboard-driven workbench for Tier-3 support escalations.

    Without a command, opens the queue on your local cache.
    """
    if ctx.invoked_subcommand is None:
        open_queue()


# --- demo -----------------------------------------------------------------------------------


@cli.command()
@click.option(
    "--tickets",
    default=1000,
    show_default=True,
    type=click.IntRange(1, 1_000_000),
    help="How many sandbox tickets to generate.",
)
@click.option("--seed", default=7, show_default=True, type=int, help="Random seed of the data set.")
@click.option("--no-tui", is_flag=True, help="Stop after loading the data (prints a summary).")
@friendly_errors
def demo(tickets: int, seed: int, no_tui: bool) -> None:
    """Generate the built-in sandbox data set and open the queue on it.

    The data is synced from the vendors' sandbox servers (in-process) by the real connectors,
    as `queuebench sync` would, and the servers stay up while the queue is open: background
    sync and the case screen's writes talk to them. Above 10,000 tickets the data goes straight
    through the normalisers and there are no servers.
    Without QUEUEBENCH_DATA_DIR the data goes to a throwaway directory removed on exit; with
    it set, it is loaded into that directory and a plain `queuebench` opens it afterwards.
    """
    from queuebench.sandbox.demo import DEMO_ME, SYNC_LIMIT, load_demo
    from queuebench.sla_config import sla_setup

    settings = _settings()
    throwaway = not os.environ.get("QUEUEBENCH_DATA_DIR")
    if throwaway:
        tmp = Path(tempfile.mkdtemp(prefix="queuebench-demo-"))
        os.environ["QUEUEBENCH_DATA_DIR"] = str(tmp)
    try:
        store = _open(settings)
        try:
            started = time.perf_counter()
            with click.progressbar(
                length=tickets, label="Loading sandbox tickets", file=sys.stderr
            ) as bar:
                summary = load_demo(
                    store,
                    tickets=tickets,
                    seed=seed,
                    now=now_utc(),
                    progress=bar.update,
                    sla=sla_setup(settings, check_years=[now_utc().year]),
                    keep_servers=not no_tui,
                    clock=now_utc,
                )
            elapsed = time.perf_counter() - started
            how = (
                f"synced from the sandbox servers ({summary.requests:,} requests)"
                if summary.synced
                else f"straight through the normalisers (over {SYNC_LIMIT:,} tickets)"
            )
            if summary.continued and summary.generated_for is not None:
                click.echo(
                    f"{store.path} already holds this data set (same --seed and --tickets, "
                    f"generated {summary.generated_for:%Y-%m-%d %H:%M} UTC): the sandbox "
                    f"serves it again, {summary.tickets:,} tickets brought up to date in "
                    f"{elapsed:.1f} s, {how}. Writes waiting in the outbox apply to the same "
                    "tickets; use another QUEUEBENCH_DATA_DIR for fresh data.",
                    err=True,
                )
            else:
                click.echo(
                    f"Loaded {summary.tickets:,} tickets from {len(summary.accounts)} sandbox "
                    f"accounts ({', '.join(summary.accounts)}) into {store.path} in "
                    f"{elapsed:.1f} s, {how}.",
                    err=True,
                )
            if no_tui:
                return
            if not settings.user.names:
                settings.user.names = [DEMO_ME]
            settings.accounts = {}  # the demo's queue syncs its sandbox, not your accounts
            note = "demo data · throwaway cache" if throwaway else f"demo data · {store.path}"
            _run_tui(settings, store, data_note=note, source=summary.live)
        finally:
            store.close()
    finally:
        if throwaway:
            shutil.rmtree(os.environ.pop("QUEUEBENCH_DATA_DIR"), ignore_errors=True)


# --- list / show ----------------------------------------------------------------------------


def _iter_queue(
    store: Store,
    settings: Settings,
    filter_text: str,
    view: str | None,
    sort: str | None,
    limit: int | None,
    now: datetime,
) -> Iterator[Any]:
    from queuebench.domain.query import QueueFilter, SortKey, parse_filter, parse_sort
    from queuebench.store.queries import queue_window

    flt = QueueFilter()
    sort_key, desc = SortKey.RISK, False
    if view is not None:
        match = [v for v in settings.views if v.name.lower() == view.lower()]
        if not match:
            names = ", ".join(v.name for v in settings.views)
            from queuebench.domain.query import QueryError

            raise QueryError(f"There is no view named {view!r}; the views are: {names}.")
        flt = parse_filter(match[0].filter)
        sort_key, desc = parse_sort(match[0].sort)
    flt = flt.merged(parse_filter(filter_text))
    if sort:
        sort_key, desc = parse_sort(sort)
    page = 1000
    offset = 0
    remaining = limit if limit is not None else -1
    # One read snapshot for every page: a sync writing meanwhile cannot shift rows between
    # pages (no ticket twice, none skipped).
    with store.read() as con:
        while remaining != 0:
            size = page if remaining < 0 else min(page, remaining)
            rows = queue_window(
                con,
                flt,
                now,
                offset=offset,
                limit=size,
                sort=sort_key,
                descending=desc,
                me=settings.user.names,
            )
            yield from rows
            if len(rows) < size:
                return
            offset += len(rows)
            if remaining > 0:
                remaining -= len(rows)


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (the queue contract).")
@click.option("--limit", type=click.IntRange(0), default=None, help="At most N tickets.")
@click.option(
    "--filter",
    "filter_text",
    default="",
    metavar="TEXT",
    help='Filter, e.g. "sso vendor:jsm prio:P1,P2 is:breached".',
)
@click.option("--view", default=None, metavar="NAME", help="Start from a named view.")
@click.option(
    "--sort",
    default=None,
    metavar="KEY",
    help="risk (default), priority, updated, created or key; prefix - to reverse.",
)
@friendly_errors
def list_(
    as_json: bool, limit: int | None, filter_text: str, view: str | None, sort: str | None
) -> None:
    """The queue, in the same order as the TUI."""
    from queuebench.domain.contract import queue_row_json
    from queuebench.domain.normalize import format_age, sla_label
    from queuebench.sla_config import ensure_current

    settings = _settings()
    store = _open(settings, create=False)
    now = now_utc()
    ensure_current(store, settings, now)
    rows = _iter_queue(store, settings, filter_text, view, sort, limit, now)
    out = sys.stdout
    try:
        if as_json:
            # Fetch the first row before printing, so an error never leaves half a JSON array.
            first = next(rows, None)
            if first is None:
                out.write("[]\n")
                return
            out.write("[\n  " + json.dumps(queue_row_json(first, now), ensure_ascii=False))
            for row in rows:
                out.write(",\n  " + json.dumps(queue_row_json(row, now), ensure_ascii=False))
            out.write("\n]\n")
            return
        width = shutil.get_terminal_size((120, 24)).columns
        header = (
            f"{'SLA':<18} {'PRI':<4} {'KEY':<12} {'STATUS':<8} {'AGE':>4}  {'ASSIGNEE':<18} SUBJECT"
        )
        click.echo(header[:width])
        count = 0
        for row in rows:
            count += 1
            age = format_age(row.created_at, now)
            line = (
                f"{sla_label(row.sla, now):<18} {(row.priority or '-'):<4} "
                f"{row.display_key:<12} {row.status.value:<8} {age:>4}  "
                f"{(row.assignee or 'unassigned')[:18]:<18} {row.subject}"
            )
            click.echo(line[:width])
        if count == 0:
            click.echo("No tickets match.", err=True)
    finally:
        store.close()


@cli.command()
@click.argument("key")
@click.option("--json", "as_json", is_flag=True, help="Print the case as JSON (the contract).")
@friendly_errors
def show(key: str, as_json: bool) -> None:
    """One case: header, SLA targets, description and conversation. KEY is an id or #4512/SUP-88."""
    from queuebench.domain.contract import ticket_json
    from queuebench.domain.normalize import format_duration, iso_z
    from queuebench.sla_config import ensure_current
    from queuebench.store.queries import get_ticket

    settings = _settings()
    store = _open(settings, create=False)
    now = now_utc()
    try:
        ensure_current(store, settings, now)
        with store.read() as con:
            ticket = get_ticket(con, key)
        if ticket.comments is None and ticket.account in settings.accounts:
            from queuebench.commands_sync import fetch_missing_conversation

            ticket = fetch_missing_conversation(store, settings, ticket)
    finally:
        store.close()
    data = ticket_json(ticket, now)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"{ticket.display_key}  {ticket.subject}")
    click.echo(
        f"{ticket.vendor.value} · {ticket.account} · {ticket.status.value} ({ticket.status_raw}) · "
        f"{ticket.priority or 'no priority'} · assignee {ticket.assignee or 'unassigned'}"
    )
    click.echo(f"requester {ticket.requester or '-'} · organisation {ticket.organization or '-'}")
    click.echo(ticket.url)
    click.echo("")
    click.echo("SLA")
    if not data["sla"]:
        click.echo("  no SLA targets")
    for target in data["sla"]:
        line = f"  {target['metric']:<16} {target['stage']:<9} breach {target['breach_at'] or '-'}"
        if target["breach_at"] and target["stage"] in ("active", "breached"):
            from queuebench.domain.normalize import parse_utc

            breach = parse_utc(target["breach_at"])
            assert breach is not None
            delta = breach - now
            line += (
                f"  (in {format_duration(delta)})"
                if delta.total_seconds() > 0
                else f"  (overdue {format_duration(-delta)})"
            )
        click.echo(line + f"  [{target['source']}]")
    click.echo("")
    click.echo(ticket.description)
    click.echo("")
    if ticket.comments is None:
        click.echo("Conversation not cached yet — it is fetched on the next sync.")
        return
    for c in ticket.comments:
        label = "PUBLIC REPLY" if c.public else "INTERNAL NOTE"
        click.echo(f"--- {label} · {c.author or 'unknown'} · {iso_z(c.created_at)}")
        click.echo(c.body)
        click.echo("")


# --- doctor / locate ------------------------------------------------------------------------


@cli.command()
@friendly_errors
def doctor() -> None:
    """Check config, data dir, database and keyring, and say what to fix. Changes nothing."""
    from queuebench.doctor import run_checks

    problems = 0
    for check in run_checks():
        mark = "ok  " if check.ok else ("warn" if check.warning else "FAIL")
        click.echo(f"[{mark}] {check.name}: {check.detail}")
        if not check.ok and check.fix:
            click.echo(f"       fix: {check.fix}")
        if not check.ok and not check.warning:
            problems += 1
    if problems:
        click.echo(f"{problems} problem(s) found.", err=True)
        sys.exit(1)
    click.echo("All checks passed.")


@cli.command()
@click.argument("what", type=click.Choice(["config", "data"]))
@friendly_errors
def locate(what: str) -> None:
    """Print where the config file or the data directory is."""
    from queuebench.config import config_file_path, resolve_data_dir

    if what == "config":
        click.echo(str(config_file_path()))
        return
    click.echo(str(resolve_data_dir(_settings())))


# --- sandbox servers --------------------------------------------------------------------------


@cli.group()
def sandbox() -> None:
    """Local servers that speak the Zendesk, JSM and ServiceNow APIs over the demo data."""


@sandbox.command()
@click.option(
    "--vendor",
    required=True,
    type=click.Choice(["zendesk", "jsm", "servicenow"]),
    help="Which vendor's API to serve.",
)
@click.option(
    "--port",
    default=0,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback)."
)
@click.option(
    "--tickets",
    default=1000,
    show_default=True,
    type=click.IntRange(0, 1_000_000),
    help="How many tickets the server holds.",
)
@click.option("--seed", default=7, show_default=True, type=int, help="Random seed of the data set.")
@click.option(
    "--account",
    default=None,
    metavar="NAME",
    help="Demo account to serve (default: the vendor's first, e.g. demo-zendesk).",
)
@click.option(
    "--deleted",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Delete this many tickets first (Zendesk exports them with status deleted).",
)
@friendly_errors
def serve(
    vendor: str, port: int, host: str, tickets: int, seed: int, account: str | None, deleted: int
) -> None:
    """Serve one vendor's API until Ctrl+C, printing its URL and the credentials it accepts."""
    import signal
    import threading

    from queuebench.sandbox.server import start_server

    click.echo(f"Generating {tickets:,} {vendor} tickets (seed {seed})...", err=True)
    frozen = os.environ.get("QUEUEBENCH_NOW")
    try:
        server = start_server(
            vendor,
            host=host,
            port=port,
            tickets=tickets,
            seed=seed,
            account=account,
            deleted=deleted,
            now=now_utc(),
            clock=now_utc if frozen else None,
        )
    except OSError as exc:
        raise click.UsageError(
            f"Cannot listen on {host}:{port} ({exc.strerror or exc}). Pick another --port, "
            "or --port 0 for any free one."
        ) from None
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    creds = server.credentials
    user, secret = creds.basic_auth()
    probe = {
        "zendesk": "/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=2",
        "jsm": "/rest/api/3/search/jql?jql=project%3DSUP&maxResults=2&fields=summary",
        "servicenow": "/api/now/table/incident?sysparm_limit=2",
    }[vendor]
    click.echo(f"Serving {vendor} ({server.app.account_name}) at {server.base_url}")
    click.echo(f"  basic auth  user {user!r}  password/token {secret!r}")
    click.echo(f"  OAuth       Authorization: Bearer {creds.bearer}")
    click.echo(f"  control     {server.base_url}/__sim/ (faults, requests, clock; docs/sandbox.md)")
    click.echo(
        f"  try         curl -H 'Accept: application/json' -u '{user}:{secret}' "
        f"'{server.base_url}{probe}'"
    )
    click.echo("Ctrl+C stops it.", err=True)
    stop = threading.Event()
    # Ctrl+C and SIGTERM both stop cleanly (a shell may start us with SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    click.echo("Stopped.", err=True)


# --- accounts, sync, outbox (queuebench.commands_sync) ---------------------------------------

from queuebench.commands_sync import register as _register_sync  # noqa: E402

_register_sync(cli)


# --- report ---------------------------------------------------------------------------------


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (seconds, %).")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="DATE",
    help="Only tickets created on or after DATE (YYYY-MM-DD, UTC); backlog aging is today's.",
)
@click.option(
    "--by",
    type=click.Choice(["vendor", "priority", "week"]),
    default=None,
    help="Also split the figures by vendor, priority or week of creation.",
)
@friendly_errors
def report(as_json: bool, since: datetime | None, by: str | None) -> None:
    """Support KPIs from the cache: response and resolution times (median, p90), SLA
    compliance per metric, backlog aging, reopen rate, breaches per week."""
    from queuebench.domain.kpi import GroupBy, report_text
    from queuebench.sla_config import ensure_current
    from queuebench.store.kpi import kpi_report

    settings = _settings()
    store = _open(settings, create=False)
    now = now_utc()
    try:
        ensure_current(store, settings, now)
        with store.read() as con:
            result = kpi_report(
                con,
                now,
                since=since.date() if since else None,
                by=GroupBy(by) if by else None,
            )
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return
    click.echo(report_text(result))
