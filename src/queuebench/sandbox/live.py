"""The demo's sandbox servers kept running while its TUI is open, and what a cache remembers of
the demo that filled it.

:class:`LiveSandbox` holds one in-process sandbox server per demo account (no socket) over the
generated data set. ``queuebench demo`` syncs the data from them and then hands them to the TUI,
whose background sync and outbox push reach them through the real connectors — so a note written
on a case changes the server's state and comes back as sent. The servers live as long as the
demo's process; a later plain ``queuebench`` on the same cache has none.

The cache records the demo in ``cache_meta`` (:class:`DemoMeta`: seed, ticket count, the
instant the data set was generated for, the accounts, whether it came from servers). The sync
line reads it to say plainly that the demo accounts are offline sandbox accounts when no server
is there, and a later ``queuebench demo`` on the same cache regenerates the same data set, so
writes that waited go out against the tickets they were written on.

Only the standard library is imported at module level: the TUI's sync line reads
:class:`DemoMeta` from a worker, and the servers and connectors load when a demo starts.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from queuebench.domain.models import Vendor

if TYPE_CHECKING:
    from queuebench.connectors.base import Connector
    from queuebench.sandbox.generator import AccountDataset, SandboxDataset
    from queuebench.sandbox.server import VendorApp

DEMO_META_KEY = "demo"
"""``cache_meta`` key of the demo data set a cache holds (JSON, see :class:`DemoMeta`)."""

ZENDESK_HOLDBACK = timedelta(seconds=61)
"""The Zendesk server's clock runs this far ahead of the data: its export leaves out the last
minute (as Zendesk does), and the demo wants every ticket."""


@dataclass(frozen=True)
class DemoMeta:
    """The demo data set a cache was filled with."""

    seed: int
    tickets: int
    generated_for: datetime
    accounts: tuple[str, ...]
    synced: bool
    """True when it came from the sandbox servers; false on the fast path (no servers)."""

    def to_json(self) -> str:
        """The ``cache_meta`` value."""
        return json.dumps(
            {
                "seed": self.seed,
                "tickets": self.tickets,
                "generated_for": self.generated_for.isoformat(),
                "accounts": list(self.accounts),
                "synced": self.synced,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> DemoMeta | None:
        """Read a ``cache_meta`` value back (``None`` if it is not one this build wrote)."""
        try:
            data = json.loads(text)
            return cls(
                seed=int(data["seed"]),
                tickets=int(data["tickets"]),
                generated_for=datetime.fromisoformat(data["generated_for"]),
                accounts=tuple(str(a) for a in data["accounts"]),
                synced=bool(data["synced"]),
            )
        except (ValueError, KeyError, TypeError):
            return None


def read_demo_meta(con: sqlite3.Connection) -> DemoMeta | None:
    """The demo data set the cache holds, if it holds one."""
    try:
        row = con.execute("SELECT value FROM cache_meta WHERE key = ?", [DEMO_META_KEY]).fetchone()
    except sqlite3.Error:  # a cache without the table yet
        return None
    return DemoMeta.from_json(row[0]) if row else None


def offline_demo_line(meta: DemoMeta, waiting: int) -> str:
    """What the sync line says about demo accounts no server is serving in this process."""
    accounts = ", ".join(meta.accounts)
    if meta.synced:
        text = (
            f"{accounts}: sandbox accounts, offline here (their servers run only inside "
            "`queuebench demo`), so background sync is off for them"
        )
    else:
        text = (
            f"{accounts}: sandbox data loaded without servers (over 10,000 tickets), so "
            "background sync is off for this data set"
        )
    return text + waiting_text(waiting)


def waiting_text(waiting: int) -> str:
    """`` · 2 writes wait in the outbox (kept)``, or nothing."""
    if not waiting:
        return ""
    writes = "1 write waits" if waiting == 1 else f"{waiting} writes wait"
    return f" · {writes} in the outbox (kept)"


def offline_write_note(meta: DemoMeta, account: str) -> str:
    """Why a write queued for an offline demo account is not sent, and what sends it."""
    if meta.synced:
        return (
            f"{account} is a sandbox account of `queuebench demo`, offline here: the write "
            "waits in the outbox. Run `queuebench demo` on this cache to serve it and send it."
        )
    return (
        f"{account} is sandbox data loaded without servers (over 10,000 tickets): the write "
        "waits in the outbox; nothing is sent for this data set."
    )


def unserved_writes_text(waiting: Mapping[str, int], meta: DemoMeta | None) -> str:
    """``queuebench push`` on writes for accounts it cannot reach: which, and what sends them."""
    total = sum(waiting.values())
    writes = "1 write waits" if total == 1 else f"{total} writes wait"
    accounts = ", ".join(sorted(waiting))
    demo = sorted(a for a in waiting if meta is not None and a in meta.accounts)
    if meta is not None and demo == sorted(waiting):
        if not meta.synced:
            return (
                f"{writes} in the outbox for {accounts}, sandbox data loaded without servers "
                "(over 10,000 tickets): nothing sends them for this data set. They are kept."
            )
        kind = "sandbox accounts" if len(demo) > 1 else "a sandbox account"
        return (
            f"{writes} in the outbox for {accounts}, {kind} of `queuebench demo`. "
            "Their servers run only inside the demo's queue, which sends the outbox itself: "
            "run `queuebench demo` on this cache (same QUEUEBENCH_DATA_DIR). They are kept."
        )
    return (
        f"{writes} in the outbox for {accounts}, not in the config file. They are kept; they "
        "go out once the account is added again (`queuebench account add`)."
    )


class LiveSandbox:
    """In-process sandbox servers for the demo accounts, and their real connectors.

    ``clock`` is the servers' "now" (the Zendesk server's runs :data:`ZENDESK_HOLDBACK` ahead
    of it). :meth:`connector` builds a fresh connector for each sync run: every run has its own
    event loop, and the connector's HTTP client belongs to one.
    """

    def __init__(
        self, dataset: SandboxDataset, *, seed: int, clock: Callable[[], datetime]
    ) -> None:
        from queuebench.sandbox.server import make_app

        self.seed = seed
        self.accounts: dict[str, AccountDataset] = {a.name: a for a in dataset}
        self.apps: dict[str, VendorApp] = {}
        for account in dataset:
            ahead = ZENDESK_HOLDBACK if account.vendor is Vendor.ZENDESK else timedelta(0)

            def server_clock(
                base: Callable[[], datetime] = clock, ahead: timedelta = ahead
            ) -> datetime:
                return base() + ahead

            self.apps[account.name] = make_app(
                account.vendor, account, clock=server_clock, seed=seed
            )

    @property
    def names(self) -> tuple[str, ...]:
        """The demo accounts the servers serve, in data set order."""
        return tuple(self.accounts)

    def app(self, name: str) -> VendorApp:
        """The server of account ``name`` (its state, request log, faults and clock)."""
        return self.apps[name]

    def connector(self, name: str, now: Callable[[], datetime]) -> Connector:
        """The real connector of a demo account, wired to its server in-process."""
        from queuebench.accounts import build_connector
        from queuebench.connectors.base import Account, account_fix_hint
        from queuebench.connectors.http import AccountClient, Secret
        from queuebench.sandbox.generator import JSM_ORGANIZATION_FIELD
        from queuebench.sandbox.server import transport

        account = self.accounts[name]
        app = self.apps[name]
        credentials = app.credentials
        auth, user, secret = {
            # Each vendor's usual way in: Zendesk OAuth (API tokens are being retired),
            # Atlassian email + API token, ServiceNow user + password.
            Vendor.ZENDESK: ("oauth", None, credentials.bearer),
            Vendor.JSM: ("token", credentials.user, credentials.secret),
            Vendor.SERVICENOW: ("basic", credentials.user, credentials.secret),
        }[account.vendor]
        spec = account.spec
        demo = Account(
            name=spec.name,
            vendor=spec.vendor,
            base_url=spec.base_url,
            user=user,
            auth=auth,
            options={"organization_field": JSM_ORGANIZATION_FIELD},
        )
        client = AccountClient(
            account=demo.name,
            vendor=demo.vendor,
            base_url=demo.base_url,
            auth=auth,
            user=user,
            secret=Secret(secret),
            fix_hint=account_fix_hint(demo),
            concurrency=8,
            transport=transport(app),
        )
        return build_connector(demo, client, now=now)
