"""Plain records shared by the sandbox generator and its vendor renderers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from queuebench.domain.models import Vendor

__all__ = ["AccountSpec", "RawTicket"]


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """A demo account: its name, vendor, base URL, whether the vendor computes SLAs, and share."""

    name: str
    vendor: Vendor
    base_url: str
    has_vendor_sla: bool
    share: float
    description: str = ""


@dataclass(frozen=True, slots=True)
class RawTicket:
    """One ticket's vendor records: the ticket, its conversation and its SLA records."""

    account: str
    index: int
    remote_id: str
    ticket: dict[str, Any]
    comments: list[dict[str, Any]]
    sla: list[dict[str, Any]]
