"""Stream a generated sandbox data set through the vendor normalisers, for the demo loader.

The lead's ``queuebench demo`` (and tests that want a populated cache without HTTP) call this:

    dataset = generate(tickets=5_000, seed=42, now=now)
    for info in account_infos(dataset):          # create the accounts first
        ...
    store.upsert_directory(directory_entries(dataset))
    for ticket in iter_normalized(dataset, now):  # streaming; nothing is held in memory
        ...

Public API::

    AccountInfo(name, vendor, base_url, has_vendor_sla, description)
    account_infos(dataset) -> list[AccountInfo]
    directories(dataset) -> dict[str, Directory]           # account name -> name directory
    directory_entries(dataset) -> list[DirectoryEntry]      # users, organisations, groups
    normalize_raw(account, raw, *, now, directory, maps=None) -> Ticket
    iter_normalized(dataset, now, maps=None, accounts=None) -> Iterator[Ticket]

Every ticket comes with ``comments`` populated (time-ordered) and ``raw`` set to the vendor's
ticket JSON, exactly as a connector produces it from the real API. ``maps`` maps a
:class:`~queuebench.domain.models.Vendor` to the :class:`~queuebench.domain.normalize.VendorMaps`
to use (config overrides); vendors not in it use the defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from queuebench.connectors import jsm, servicenow, zendesk
from queuebench.connectors.common import Directory
from queuebench.domain.models import DirectoryEntry, Ticket, Vendor
from queuebench.domain.normalize import VendorMaps
from queuebench.sandbox.generator import (
    JSM_ORGANIZATION_FIELD,
    AccountDataset,
    RawTicket,
    SandboxDataset,
)

__all__ = [
    "AccountInfo",
    "account_infos",
    "directories",
    "directory_entries",
    "iter_normalized",
    "normalize_raw",
]


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """What the cache needs to know about a demo account."""

    name: str
    vendor: Vendor
    base_url: str
    has_vendor_sla: bool
    description: str


def account_infos(dataset: SandboxDataset) -> list[AccountInfo]:
    """The data set's accounts, in generation order."""
    return [
        AccountInfo(
            name=a.spec.name,
            vendor=a.spec.vendor,
            base_url=a.spec.base_url,
            has_vendor_sla=a.spec.has_vendor_sla,
            description=a.spec.description,
        )
        for a in dataset
    ]


def build_directory(account: AccountDataset) -> Directory:
    """The name directory of one account, from its vendor directory tables."""
    tables = account.directory
    if account.vendor is Vendor.ZENDESK:
        return zendesk.build_directory(
            account.name,
            users=tables["users"],
            organizations=tables["organizations"],
            groups=tables["groups"],
        )
    if account.vendor is Vendor.JSM:
        return jsm.build_directory(
            account.name, users=tables["users"], organizations=tables["organizations"]
        )
    return servicenow.build_directory(
        account.name,
        users=tables["sys_user"],
        groups=tables["sys_user_group"],
        companies=tables["core_company"],
    )


def directories(dataset: SandboxDataset) -> dict[str, Directory]:
    """Account name → :class:`Directory` for every account of the data set."""
    return {account.name: build_directory(account) for account in dataset}


def directory_entries(dataset: SandboxDataset) -> list[DirectoryEntry]:
    """Every user, organisation and group of every account as :class:`DirectoryEntry`."""
    entries: list[DirectoryEntry] = []
    for directory in directories(dataset).values():
        entries.extend(directory.entries)
    return entries


def _sla_definitions(account: AccountDataset) -> dict[str, Mapping[str, Any]]:
    if account.vendor is not Vendor.SERVICENOW:
        return {}
    return {row["sys_id"]: row for row in account.directory["contract_sla"]}


def normalize_raw(
    account: AccountDataset,
    raw: RawTicket,
    *,
    now: datetime,
    directory: Directory,
    maps: VendorMaps | None = None,
    sla_definitions: Mapping[str, Mapping[str, Any]] | None = None,
) -> Ticket:
    """One generated :class:`RawTicket` through its vendor's normaliser."""
    spec = account.spec
    if spec.vendor is Vendor.ZENDESK:
        return zendesk.normalize_ticket(
            raw.ticket,
            account=spec.name,
            base_url=spec.base_url,
            directory=directory,
            comments=raw.comments,
            maps=maps,
            now=now,
        )
    if spec.vendor is Vendor.JSM:
        return jsm.normalize_ticket(
            raw.ticket,
            account=spec.name,
            base_url=spec.base_url,
            directory=directory,
            comments=raw.comments,
            sla=raw.sla,
            maps=maps,
            now=now,
            organization_field=JSM_ORGANIZATION_FIELD,
        )
    return servicenow.normalize_ticket(
        raw.ticket,
        account=spec.name,
        base_url=spec.base_url,
        directory=directory,
        comments=raw.comments,
        sla=raw.sla,
        sla_definitions=(
            sla_definitions if sla_definitions is not None else _sla_definitions(account)
        ),
        maps=maps,
        now=now,
    )


def iter_normalized(
    dataset: SandboxDataset,
    now: datetime,
    maps: Mapping[Vendor, VendorMaps] | None = None,
    accounts: Iterable[str] | None = None,
) -> Iterator[Ticket]:
    """Every ticket of the data set (or of ``accounts``), normalised, account by account.

    Generation and normalisation are lazy: memory stays flat however many tickets there are.
    ``now`` decides effective SLA stages; pass the data set's ``now`` for a consistent demo.
    """
    wanted = set(accounts) if accounts is not None else None
    for account in dataset:
        if wanted is not None and account.name not in wanted:
            continue
        directory = build_directory(account)
        vendor_maps = (maps or {}).get(account.vendor)
        definitions = _sla_definitions(account)
        for raw in account:
            yield normalize_raw(
                account,
                raw,
                now=now,
                directory=directory,
                maps=vendor_maps,
                sla_definitions=definitions,
            )
