"""Deterministic sandbox data: realistic Tier-3 support tickets in each vendor's own JSON shape.

``generate(tickets, seed, now)`` describes a data set over four demo accounts; nothing is built
until asked for. Each ticket is derived only from ``(seed, account, index, now)``, so a caller can
stream a single ticket, iterate an account lazily, or materialise a whole account (the sandbox
HTTP servers do that) and always get the same records. Same seed and ``now`` → identical output.

Accounts (:data:`ACCOUNTS`, with their share of the requested total)::

    demo-zendesk       35 %  Zendesk with SLA policies (``slas`` sideload)
                             https://acme.zendesk.com            keys like #4512
    demo-jsm           30 %  Jira Service Management with SLAs
                             https://acme-support.atlassian.net  keys like SUP-88
    demo-snow          25 %  ServiceNow incidents with task_sla
                             https://acme.service-now.com        keys like INC0010042
    demo-zendesk-team  10 %  Zendesk plan without SLA policies (no ``slas`` at all)
                             https://acme-team.zendesk.com       keys like #1042

Public API::

    generate(tickets: int, seed: int, now: datetime, accounts=ACCOUNTS) -> SandboxDataset
    SandboxDataset.accounts: dict[str, AccountDataset]; dataset["demo-jsm"]; iter(dataset)
    AccountDataset.spec / .count / .seed / .now
    AccountDataset.directory -> dict[str, list[dict]]      # vendor directory tables (see below)
    AccountDataset.ticket(index) -> RawTicket               # one ticket, random access
    iter(AccountDataset) -> Iterator[RawTicket]             # lazy, in index order
    AccountDataset.materialize() -> MaterializedAccount     # everything in memory, indexed
    RawTicket(account, index, remote_id, ticket, comments, sla)

What the raw records are, per vendor:

* Zendesk — ``ticket``: a ticket object as the incremental export returns it (with
  ``generated_timestamp``; on ``demo-zendesk`` also ``slas: {"policy_metrics": [...]}``);
  ``comments``: comment objects (``id, type, author_id, body, html_body, plain_body, public,
  attachments, audit_id, via, metadata, created_at``), the first one being the description;
  ``sla``: ``[]`` (the sideload lives inside the ticket). ``directory``: ``users``,
  ``organizations``, ``groups`` sideload records and, with SLAs, ``sla_policies``.
* JSM — ``ticket``: an ``IssueBean`` from ``/rest/api/3/search/jql`` (ADF ``description``,
  Organizations in ``customfield_10002``); ``comments``: servicedeskapi ``CommentDTO``;
  ``sla``: ``SlaInformationDTO`` values. ``directory``: ``users`` (``UserDetails``) and
  ``organizations`` (``OrganizationDTO``).
* ServiceNow — ``ticket``: an ``incident`` record (strings, ``{link, value}`` references,
  ``YYYY-MM-DD HH:MM:SS`` UTC); ``comments``: ``sys_journal_field`` rows (``work_notes``
  internal, ``comments`` public); ``sla``: ``task_sla`` rows. ``directory``: ``sys_user``,
  ``sys_user_group``, ``core_company`` and ``contract_sla``.

SLA state is consistent with each ticket's conversation and status, relative to ``now``: every
SLA account has breached, active (some due within the hour), paused (pending / on-hold),
achieved targets and tickets without SLA; the first dozen tickets of every account are fixed
"showcase" profiles that guarantee this even for tiny data sets. Paused targets carry no
projected breach instant (Zendesk ``breach_at: null``, JSM without ``breachTime``, ServiceNow's
``planned_end_time`` frozen at the moment it paused).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from queuebench.domain.models import Vendor
from queuebench.sandbox.records import AccountSpec, RawTicket
from queuebench.sandbox.render import Renderer
from queuebench.sandbox.render_jsm import JSM_ORGANIZATION_FIELD, JsmRenderer
from queuebench.sandbox.render_servicenow import ServiceNowRenderer
from queuebench.sandbox.render_zendesk import ZendeskRenderer
from queuebench.sandbox.skeleton import GOALS, build_pools, build_skeleton

__all__ = [
    "ACCOUNTS",
    "GOALS",
    "JSM_ORGANIZATION_FIELD",
    "AccountDataset",
    "AccountSpec",
    "MaterializedAccount",
    "RawTicket",
    "SandboxDataset",
    "generate",
    "split_counts",
]


ACCOUNTS: tuple[AccountSpec, ...] = (
    AccountSpec(
        "demo-zendesk",
        Vendor.ZENDESK,
        "https://acme.zendesk.com",
        True,
        0.35,
        "Zendesk Suite Professional with SLA policies",
    ),
    AccountSpec(
        "demo-jsm",
        Vendor.JSM,
        "https://acme-support.atlassian.net",
        True,
        0.30,
        "Jira Service Management Cloud, project SUP, with SLAs",
    ),
    AccountSpec(
        "demo-snow",
        Vendor.SERVICENOW,
        "https://acme.service-now.com",
        True,
        0.25,
        "ServiceNow ITSM incidents with task SLAs",
    ),
    AccountSpec(
        "demo-zendesk-team",
        Vendor.ZENDESK,
        "https://acme-team.zendesk.com",
        False,
        0.10,
        "Zendesk Team plan: no SLA policies",
    ),
)
"""The four demo accounts, in the order their tickets are counted."""


@dataclass(slots=True)
class MaterializedAccount:
    """All records of one account in memory, with an index by remote id."""

    spec: AccountSpec
    directory: dict[str, list[dict[str, Any]]]
    tickets: list[RawTicket]
    by_remote_id: dict[str, RawTicket] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.by_remote_id:
            self.by_remote_id = {t.remote_id: t for t in self.tickets}


def split_counts(total: int, shares: Sequence[float]) -> list[int]:
    """Split ``total`` by ``shares`` (largest remainder; the counts always sum to ``total``)."""
    if total < 0:
        raise ValueError(f"ticket count must be >= 0, got {total}")
    weight = sum(shares)
    exact = [total * s / weight for s in shares]
    counts = [int(x) for x in exact]
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


# --- accounts -------------------------------------------------------------------------------


class AccountDataset:
    """One demo account's data, generated on demand from ``(seed, account, index, now)``."""

    def __init__(self, spec: AccountSpec, *, seed: int, now: datetime, count: int) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self.spec = spec
        self.seed = seed
        self.now = now.astimezone(UTC)
        self.count = count
        self._now_s = int(self.now.timestamp())
        self._pools = build_pools(seed, spec.name)
        renderers: dict[Vendor, type[ZendeskRenderer | JsmRenderer | ServiceNowRenderer]] = {
            Vendor.ZENDESK: ZendeskRenderer,
            Vendor.JSM: JsmRenderer,
            Vendor.SERVICENOW: ServiceNowRenderer,
        }
        self._renderer: Renderer = renderers[spec.vendor](spec, self._pools, seed, self._now_s)
        self._directory: dict[str, list[dict[str, Any]]] | None = None

    @property
    def name(self) -> str:
        """The account name, e.g. ``demo-jsm``."""
        return self.spec.name

    @property
    def vendor(self) -> Vendor:
        """The account's vendor."""
        return self.spec.vendor

    @property
    def directory(self) -> dict[str, list[dict[str, Any]]]:
        """The vendor's directory tables for this account (built once, a few hundred rows)."""
        if self._directory is None:
            self._directory = self._renderer.directory()
        return self._directory

    def __len__(self) -> int:
        return self.count

    def ticket(self, index: int) -> RawTicket:
        """The raw records of ticket ``index`` (``0 <= index < count``)."""
        if not 0 <= index < self.count:
            raise IndexError(f"{self.spec.name} has {self.count} tickets, not index {index}")
        sk = build_skeleton(self.spec, self._pools, self.seed, index, self._now_s)
        return self._renderer.render(sk)

    def __iter__(self) -> Iterator[RawTicket]:
        for index in range(self.count):
            yield self.ticket(index)

    def materialize(self) -> MaterializedAccount:
        """Every record of the account in memory (what a sandbox HTTP server serves).

        The cyclic garbage collector is paused while the records are built: they contain no
        cycles, and rescanning a growing heap of millions of small dicts would triple the time.
        A long-lived server may call ``gc.freeze()`` afterwards for the same reason.
        """
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return MaterializedAccount(self.spec, self.directory, list(self))
        finally:
            if was_enabled:
                gc.enable()


@dataclass(frozen=True, slots=True)
class SandboxDataset:
    """A seeded data set over several demo accounts (see :func:`generate`)."""

    seed: int
    now: datetime
    accounts: dict[str, AccountDataset]

    def __getitem__(self, name: str) -> AccountDataset:
        return self.accounts[name]

    def __iter__(self) -> Iterator[AccountDataset]:
        return iter(self.accounts.values())

    def __len__(self) -> int:
        return sum(a.count for a in self.accounts.values())


def generate(
    tickets: int, seed: int, now: datetime, accounts: Sequence[AccountSpec] = ACCOUNTS
) -> SandboxDataset:
    """Describe a deterministic data set of ``tickets`` tickets spread over ``accounts``.

    Nothing is generated yet: iterate an account (or call ``ticket(i)`` / ``materialize()``)
    to produce records. ``now`` must be timezone-aware; all SLA state is relative to it.
    """
    counts = split_counts(tickets, [a.share for a in accounts])
    return SandboxDataset(
        seed=seed,
        now=now.astimezone(UTC),
        accounts={
            spec.name: AccountDataset(spec, seed=seed, now=now, count=count)
            for spec, count in zip(accounts, counts, strict=True)
        },
    )
