"""Build a vendor app over a data set: the one place that maps a vendor to its server class."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from queuebench.domain.models import Vendor
from queuebench.sandbox.generator import AccountDataset, SandboxDataset
from queuebench.sandbox.server.core import Credentials, VendorApp
from queuebench.sandbox.server.data import DEFAULT_SEED, SharedAccount, resolve_account

__all__ = ["DataSource", "make_app"]

DataSource = SandboxDataset | AccountDataset | SharedAccount | None
"""What a server can serve: a whole data set, one account, a shared account, or nothing
(generate one)."""


def make_app(
    vendor: Vendor | str,
    data: DataSource = None,
    *,
    account: str | None = None,
    tickets: int | None = None,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    clock: Callable[[], datetime] | None = None,
    credentials: Credentials | None = None,
    deleted: int | Iterable[int | str] = 0,
) -> VendorApp:
    """A vendor app (no socket) over ``data``; see :func:`queuebench.sandbox.server.start_server`.

    Without ``data`` the app generates ``tickets`` tickets (default 200) with ``seed`` for
    ``now`` — by default the clock's current time, so SLA state and timestamps line up with it.
    ``deleted`` removes that many tickets (chosen by ``seed``), or the listed remote ids: Zendesk
    keeps them in its export with ``status: "deleted"``, the others forget them.
    """
    kind = Vendor(vendor)
    if now is None and clock is not None:
        now = clock()
    shared = resolve_account(kind, data, account=account, tickets=tickets, seed=seed, now=now)
    if kind is Vendor.ZENDESK:
        from queuebench.sandbox.server.zendesk import ZendeskApp

        return ZendeskApp(shared, clock=clock, credentials=credentials, deleted=deleted, seed=seed)
    if kind is Vendor.JSM:
        from queuebench.sandbox.server.jsm import JsmApp

        return JsmApp(shared, clock=clock, credentials=credentials, deleted=deleted, seed=seed)
    from queuebench.sandbox.server.servicenow import ServiceNowApp

    return ServiceNowApp(shared, clock=clock, credentials=credentials, deleted=deleted, seed=seed)
