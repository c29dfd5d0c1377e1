"""Click commands for accounts, sync and the outbox (registered on the main group).

``account add|list|remove|test``, ``sync``, ``note``, ``set``, ``outbox``, ``push``. They import
httpx, keyring and the connectors lazily and never import Textual.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from queuebench.cli import _open, _settings, friendly_errors, now_utc

if TYPE_CHECKING:
    from queuebench.config import Settings
    from queuebench.domain.models import Ticket
    from queuebench.store.engine import Store
    from queuebench.sync import AccountReport

NOTE_ACTIONS = {"internal": "note_internal", "public": "reply_public"}


def _account_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Account and connector errors end as one paragraph on stderr, exit status 2."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from queuebench.accounts import AccountError
        from queuebench.connectors.http import ConnectorError

        try:
            return func(*args, **kwargs)
        except (AccountError, ConnectorError) as exc:
            click.echo(str(exc), err=True)
            sys.exit(2)

    return wrapper


def _read_secret(name: str, auth: str) -> str:
    what = {"oauth": "OAuth access token", "basic": "password", "token": "API token"}[auth]
    if sys.stdin.isatty():
        secret = click.prompt(f"{what} for {name}", hide_input=True, err=True)
    else:
        secret = sys.stdin.readline().rstrip("\r\n")
    if not secret.strip():
        raise click.UsageError(f"No {what} was given for account {name!r}.")
    return str(secret)


def _read_oauth_secrets(
    name: str, allowed: tuple[str, ...], client_id: str | None
) -> dict[str, str]:
    """An OAuth account's secrets from prompts, or standard input (one line or JSON)."""
    from queuebench.connectors.oauth import parse_secret_fields

    if not sys.stdin.isatty():
        try:
            return parse_secret_fields(sys.stdin.read(), allowed)
        except ValueError as exc:
            raise click.UsageError(
                f"Standard input for account {name!r}: {exc}. Give one line with the access "
                'token, or a JSON object such as {"refresh_token": "...", "client_secret": '
                '"..."}.'
            ) from None
    if not client_id:
        return {"access_token": _read_secret(name, "oauth")}
    asks = {
        "client_secret": "OAuth client secret (empty if the client has none)",
        "password": "password of the user (used once to get the tokens, never kept)",
        "refresh_token": "refresh token",
        "access_token": "access token (empty: get one with the refresh token)",
    }
    if "password" in allowed:
        asks.pop("refresh_token")
        asks.pop("access_token")
    else:
        asks.pop("password")
    out = {}
    for key, what in asks.items():
        value = click.prompt(
            f"{what} for {name}", default="", show_default=False, hide_input=True, err=True
        )
        if str(value).strip():
            out[key] = str(value).strip()
    return out


def _add_oauth(name: str, values: dict[str, Any]) -> None:
    """``account add --auth oauth``: read the secrets, get the first tokens if asked, store."""
    from queuebench.accounts import (
        keyring_tokens,
        locate_jsm_site,
        password_grant,
        store_tokens,
        write_account,
    )
    from queuebench.connectors.oauth import SECRET_KEYS, TokenSet

    client_id = values.get("client_id")
    password_ok = values["vendor"] == "servicenow" and bool(values.get("user"))
    allowed = SECRET_KEYS + (("password",) if password_ok else ())
    fields = _read_oauth_secrets(name, allowed, client_id)
    renewing = "refresh_token" in fields or "password" in fields
    if renewing and not client_id:
        raise click.UsageError(
            f"--client-id is needed for account {name!r}: queuebench renews tokens with the "
            "OAuth client they were issued to."
        )
    given = bool({"access_token", "refresh_token", "password"} & set(fields))
    stored = None if given else keyring_tokens(name)  # e.g. renewed by an earlier attempt
    if not given and stored is None:
        raise click.UsageError(
            f"No OAuth access token or refresh token was given for account {name!r}."
        )
    if stored is not None:
        tokens = stored
    elif "password" in fields:
        from queuebench.connectors.http import Secret

        tokens = password_grant(
            name, values, fields.get("client_secret"), Secret(fields["password"])
        )
    else:
        tokens = TokenSet.of(fields)
    if values["vendor"] == "jsm":
        site = locate_jsm_site(name, values, tokens)
        values, tokens = site.values, site.tokens
        if site.note:
            click.echo("Note: " + site.note, err=True)
    store_tokens(name, tokens)
    write_account(name, values)
    kept = ", ".join(k.replace("_", " ") for k in SECRET_KEYS if getattr(tokens, k) is not None)
    click.echo(
        f"Account {name!r} added ({values['vendor']}, {values['url']}"
        + (f", cloud id {values['cloud_id']}" if values.get("cloud_id") else "")
        + f"); its {kept} are in the OS keyring."
    )
    if tokens.refresh_token:
        click.echo("queuebench renews the access token by itself when it expires.")
    else:
        click.echo(
            "Without a refresh token the access token cannot be renewed: when it expires, run "
            "`queuebench account add` again (or give a refresh token and --client-id)."
        )
    click.echo(f"Check it with `queuebench account test {name}`, then run `queuebench sync`.")


# --- account --------------------------------------------------------------------------------


@click.group()
def account() -> None:
    """Add, list, test and remove vendor accounts (secrets live in the OS keyring)."""


@account.command("add")
@click.argument("name")
@click.option(
    "--vendor", required=True, type=click.Choice(["zendesk", "jsm", "servicenow"]), help="Vendor."
)
@click.option("--url", required=True, help="The site, e.g. https://acme.zendesk.com.")
@click.option("--user", default=None, help="Sign-in user (email for Zendesk/JSM tokens).")
@click.option(
    "--auth",
    type=click.Choice(["token", "oauth", "basic"]),
    default=None,
    help="token (default for Zendesk/JSM), basic (default for ServiceNow) or oauth.",
)
@click.option("--project", default=None, help="JSM only: the project key to sync.")
@click.option(
    "--client-id", default=None, help="OAuth only: the OAuth client id (lets tokens renew)."
)
@click.option(
    "--token-url", default=None, help="OAuth only: the token endpoint (default: the vendor's)."
)
@click.option(
    "--api-url",
    default=None,
    help="JSM with OAuth only: Atlassian's API gateway (default: https://api.atlassian.com).",
)
@friendly_errors
@_account_errors
def account_add(
    name: str,
    vendor: str,
    url: str,
    user: str | None,
    auth: str | None,
    project: str | None,
    client_id: str | None,
    token_url: str | None,
    api_url: str | None,
) -> None:
    """Add (or replace) account NAME; the secret is read from a prompt or standard input.

    With --auth oauth, standard input holds one line with an access token, or a JSON object
    with any of access_token, refresh_token, client_secret (and, for ServiceNow with --user,
    password: the first tokens come from the password grant; the password is not kept).
    """
    from queuebench.accounts import (
        ZENDESK_TOKEN_WARNING,
        keyring_available,
        no_keyring_message,
        store_secret,
        write_account,
    )
    from queuebench.connectors.http import Secret

    auth = auth or ("basic" if vendor == "servicenow" else "token")
    if auth != "oauth" and not user:
        raise click.UsageError(f"--user is needed with --auth {auth}.")
    if auth != "oauth" and (client_id or token_url or api_url):
        raise click.UsageError("--client-id, --token-url and --api-url go with --auth oauth.")
    if api_url and vendor != "jsm":
        raise click.UsageError("--api-url goes with --vendor jsm (Atlassian's API gateway).")
    for option, value in (("--url", url), ("--token-url", token_url), ("--api-url", api_url)):
        if value is not None and not value.startswith(("https://", "http://")):
            raise click.UsageError(f"{option} {value!r} should start with https://")
    values: dict[str, Any] = {"vendor": vendor, "url": url.rstrip("/"), "auth": auth}
    if user:
        values["user"] = user
    if project:
        values["project"] = project
    if client_id:
        values["client_id"] = client_id
    if token_url:
        values["token_url"] = token_url
    if api_url:
        values["api_url"] = api_url.rstrip("/")
    if not keyring_available():
        write_account(name, values)
        click.echo(
            f"Account {name!r} saved to the config file, but: "
            + no_keyring_message(name, oauth=auth == "oauth")
        )
        return
    if auth == "oauth":
        _add_oauth(name, values)
        return
    secret = Secret(_read_secret(name, auth))
    store_secret(name, secret)
    write_account(name, values)
    click.echo(f"Account {name!r} added ({vendor}, {url}); its secret is in the OS keyring.")
    if vendor == "zendesk" and auth == "token":
        click.echo("Warning: " + ZENDESK_TOKEN_WARNING, err=True)
    click.echo(f"Check it with `queuebench account test {name}`, then run `queuebench sync`.")


@account.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@friendly_errors
def account_list(as_json: bool) -> None:
    """The configured accounts with when each last synced and any error."""
    from queuebench.config import resolve_data_dir
    from queuebench.domain.normalize import iso_z
    from queuebench.store.engine import db_path

    settings = _settings()
    states: dict[str, Any] = {}
    if db_path(resolve_data_dir(settings)).exists():
        from queuebench.store.sync_writes import read_sync_states

        store = _open(settings, create=False)
        try:
            with store.read() as con:
                for s in read_sync_states(con):
                    states.setdefault(s.account, []).append(s)
        finally:
            store.close()
    rows = []
    for name, conf in sorted(settings.accounts.items()):
        mine = states.get(name, [])
        last = max((s.last_success_at for s in mine if s.last_success_at), default=None)
        error = next((s.last_error for s in mine if s.last_error), None)
        rows.append(
            {
                "name": name,
                "vendor": conf.vendor,
                "url": conf.url,
                "user": conf.user,
                "auth": conf.auth,
                "last_synced_at": iso_z(last),
                "error": error,
            }
        )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No accounts yet. Add one with `queuebench account add NAME --vendor ...`.")
        return
    for row in rows:
        synced = row["last_synced_at"] or "never synced"
        click.echo(f"{row['name']:<20} {row['vendor']:<10} {row['url']}  ({row['auth']}) {synced}")
        if row["error"]:
            click.echo(f"    last error: {row['error']}")


@account.command("remove")
@click.argument("name")
@friendly_errors
@_account_errors
def account_remove(name: str) -> None:
    """Remove account NAME from the config file and its secret from the keyring."""
    from queuebench.accounts import delete_account, forget_secret, get_account

    get_account(_settings(), name)
    delete_account(name)
    forget_secret(name)
    click.echo(
        f"Account {name!r} removed; its secret is gone from the keyring. Its cached tickets stay "
        "until you delete the cache."
    )


@account.command("test")
@click.argument("name")
@friendly_errors
@_account_errors
def account_test(name: str) -> None:
    """One cheap authenticated call to check account NAME."""
    from queuebench.accounts import ZENDESK_TOKEN_WARNING, get_account, make_connector

    settings = _settings()
    conf = get_account(settings, name)

    async def run() -> str:
        connector = make_connector(settings, name, now=now_utc)
        try:
            checked = await connector.check()
            oauth = getattr(getattr(connector, "client", None), "oauth", None)
            if oauth is None or not oauth.refreshes:
                return checked + "."
            if oauth.save is None:
                kept = (
                    "kept for this run only: they came from the environment or the "
                    "password_command, where queuebench cannot save them"
                )
            elif oauth.save_failed:
                kept = f"not saved: the OS keyring refused them ({oauth.save_failed})"
            else:
                kept = "saved in the OS keyring"
            return f"{checked}. The OAuth access token was renewed; the new tokens are {kept}."
        finally:
            await connector.aclose()

    click.echo(f"{name}: OK, {asyncio.run(run())}")
    if conf.vendor == "zendesk" and conf.auth == "token":
        click.echo("Warning: " + ZENDESK_TOKEN_WARNING, err=True)


# --- sync / push ----------------------------------------------------------------------------


def _print_reports(reports: list[AccountReport]) -> int:
    failed = 0
    for r in reports:
        if r.error:
            failed += 1
            click.echo(f"{r.account}: {r.error}", err=True)
            continue
        line = (
            f"{r.account}: {r.tickets:,} tickets written"
            + (f", {r.deleted:,} deleted" if r.deleted else "")
            + f", {r.detailed:,} conversations fetched, {r.requests:,} requests"
        )
        p = r.push
        if p.sent or p.failed or p.conflict or p.waiting:
            line += (
                f"; outbox: {p.sent} sent, {p.failed} failed, {p.conflict} conflict, "
                f"{p.waiting} waiting"
            )
        click.echo(line, err=True)
        for message in p.messages:
            click.echo(f"    {message}", err=True)
    return failed


class _ProgressLine:
    """A one-line running count per account on stderr (redrawn in place on a terminal)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.tty = sys.stderr.isatty()

    def __call__(self, account: str, done: int) -> None:
        self.counts[account] = done
        if self.tty:
            text = " · ".join(f"{a} {n:,}" for a, n in sorted(self.counts.items()))
            sys.stderr.write(f"\rSyncing: {text} tickets")
            sys.stderr.flush()

    def close(self) -> None:
        if self.tty and self.counts:
            sys.stderr.write("\n")


def _run_sync(
    settings: Settings, store: Store, names: list[str] | None, *, full: bool, pull: bool
) -> list[AccountReport]:
    from queuebench.sync import sync_accounts

    progress = _ProgressLine()
    try:
        return asyncio.run(
            sync_accounts(
                store, settings, names, now=now_utc, full=full, pull=pull, progress=progress
            )
        )
    finally:
        progress.close()


@click.command()
@click.argument("names", nargs=-1)
@click.option("--full", is_flag=True, help="Re-read everything instead of changes since last time.")
@friendly_errors
@_account_errors
def sync(names: tuple[str, ...], full: bool) -> None:
    """Pull changes from the accounts (all by default) and push the outbox."""
    from queuebench.accounts import get_account

    settings = _settings()
    if not settings.accounts:
        click.echo(
            "No accounts to sync. Add one with `queuebench account add NAME --vendor "
            "zendesk|jsm|servicenow --url URL --user USER`.",
            err=True,
        )
        sys.exit(2)
    for name in names:
        get_account(settings, name)
    store = _open(settings)
    try:
        reports = _run_sync(settings, store, list(names) or None, full=full, pull=True)
    finally:
        store.close()
    if _print_reports(reports):
        sys.exit(1)


@click.command()
@click.argument("names", nargs=-1)
@friendly_errors
@_account_errors
def push(names: tuple[str, ...]) -> None:
    """Send the outbox (pending and failed items) without pulling."""
    settings = _settings()
    store = _open(settings)
    try:
        with store.read() as con:
            from queuebench.sandbox.live import read_demo_meta, unserved_writes_text
            from queuebench.store.sync_writes import read_outbox

            waiting = read_outbox(con, states=("pending", "failed"))
            demo = read_demo_meta(con)
        accounts = sorted({e.account for e in waiting} & set(settings.accounts))
        accounts = [a for a in accounts if not names or a in names]
        unserved = Counter(
            e.account
            for e in waiting
            if e.account not in settings.accounts and (not names or e.account in names)
        )
        if unserved:
            click.echo(unserved_writes_text(unserved, demo), err=True)
        if not accounts:
            if not unserved:
                click.echo("Nothing to push.", err=True)
            return
        reports = _run_sync(settings, store, accounts, full=False, pull=False)
    finally:
        store.close()
    if _print_reports(reports):
        sys.exit(1)


def fetch_missing_conversation(store: Store, settings: Settings, ticket: Ticket) -> Ticket:
    """``show`` of a case whose conversation is not cached: fetch it now, or say why not."""
    from queuebench.accounts import AccountError
    from queuebench.connectors.http import ConnectorError
    from queuebench.domain.normalize import NormalizationError
    from queuebench.sync import fetch_conversation

    try:
        return asyncio.run(fetch_conversation(store, settings, ticket.id, now=now_utc))
    except (AccountError, ConnectorError, NormalizationError) as exc:
        click.echo(f"Conversation not cached yet, and fetching it failed: {exc}", err=True)
        return ticket


# --- note / set / outbox --------------------------------------------------------------------


def _queue_write(key: str, action: str, value: str, label: str | None = None) -> None:
    from queuebench.sandbox.live import read_demo_meta, unserved_writes_text
    from queuebench.store.queries import get_ticket
    from queuebench.store.sync_writes import add_outbox

    settings = _settings()
    store = _open(settings, create=False)
    try:
        with store.read() as con:
            ticket = get_ticket(con, key)
            demo = read_demo_meta(con)
        with store.session() as session:
            item = add_outbox(
                session,
                ticket_id=ticket.id,
                account=ticket.account,
                action=action,
                value=value,
                label=label,
                base_updated_at=ticket.updated_at,
                now=now_utc(),
            )
    finally:
        store.close()
    when = "It goes out with the next `queuebench sync` or `queuebench push`."
    if ticket.account not in settings.accounts:
        when = unserved_writes_text({ticket.account: 1}, demo)
    click.echo(f"Queued #{item} for {ticket.display_key} ({action}). {when}")


@click.command()
@click.argument("key")
@click.argument("text")
@click.option("--internal", "kind", flag_value="internal", help="An internal note (agents only).")
@click.option("--public", "kind", flag_value="public", help="A public reply to the customer.")
@friendly_errors
def note(key: str, text: str, kind: str | None) -> None:
    """Queue an internal note or public reply on KEY; TEXT of - reads standard input."""
    if kind is None:
        raise click.UsageError("Say --internal or --public.")
    if text == "-":
        text = sys.stdin.read()
    if not text.strip():
        raise click.UsageError("The note is empty.")
    _queue_write(key, NOTE_ACTIONS[kind], text.rstrip("\n"))


@click.command("set")
@click.argument("key")
@click.option("--status", default=None, help="The vendor's status (e.g. pending, solved).")
@click.option("--priority", default=None, help="P1..P4 or the vendor's own value.")
@click.option("--assignee", default=None, help="The assignee's name or email.")
@friendly_errors
def set_(key: str, status: str | None, priority: str | None, assignee: str | None) -> None:
    """Queue a status, priority or assignee change on KEY."""
    if not (status or priority or assignee):
        raise click.UsageError("Give --status, --priority or --assignee.")
    for action, value in (("status", status), ("priority", priority), ("assignee", assignee)):
        if value:
            _queue_write(key, action, value)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--all", "show_all", is_flag=True, help="Include sent items.")
@click.option(
    "--retry",
    "retry_id",
    type=int,
    default=None,
    metavar="ID",
    help="Put a failed or conflicting item back in line (it overwrites the remote change).",
)
@friendly_errors
def outbox(as_json: bool, show_all: bool, retry_id: int | None) -> None:
    """Writes waiting for a vendor, and how the last push of each ended."""
    from queuebench.config import resolve_data_dir
    from queuebench.domain.normalize import iso_z
    from queuebench.store.engine import db_path
    from queuebench.store.sync_writes import read_outbox, retry_outbox

    settings = _settings()
    if retry_id is not None:
        store = _open(settings, create=False)
        try:
            with store.session() as session:
                done = retry_outbox(session, retry_id, now_utc())
        finally:
            store.close()
        if not done:
            click.echo(f"Outbox item #{retry_id} is not failed or in conflict.", err=True)
            sys.exit(2)
        click.echo(f"Outbox item #{retry_id} is pending again; it goes out with the next push.")
        return
    entries = []
    if db_path(resolve_data_dir(settings)).exists():
        store = _open(settings, create=False)
        try:
            with store.read() as con:
                entries = read_outbox(
                    con, states=None if show_all else ("pending", "failed", "conflict")
                )
        finally:
            store.close()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": e.id,
                        "ticket_id": e.ticket_id,
                        "key": e.display_key,
                        "account": e.account,
                        "action": e.action,
                        "value": e.value,
                        "state": e.state,
                        "error": e.error,
                        "attempts": e.attempts,
                        "base_updated_at": iso_z(e.base_updated_at),
                        "created_at": iso_z(e.created_at),
                    }
                    for e in entries
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not entries:
        click.echo("The outbox is empty.")
        return
    for e in entries:
        preview = e.value.replace("\n", " ")
        preview = preview if len(preview) <= 50 else preview[:49] + "…"
        click.echo(
            f"#{e.id:<4} {e.state:<8} {e.display_key or e.ticket_id:<12} {e.action:<13} {preview}"
        )
        if e.error:
            click.echo(f"      {e.error}")


def register(group: click.Group) -> None:
    """Add these commands to the main ``queuebench`` group."""
    group.add_command(account)
    for command in (sync, push, note, set_, outbox):
        group.add_command(command)
