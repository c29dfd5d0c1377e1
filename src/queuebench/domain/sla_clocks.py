"""Computed SLA clocks for one ticket: conversation facts, policy choice, merge with the vendor.

The engine (:mod:`~queuebench.domain.business_time`, :mod:`~queuebench.domain.sla_policy`)
works on plain instants; this module turns what the cache knows about a ticket into those
instants and back into :class:`~queuebench.domain.models.SlaTarget` values:

* :class:`SlaSetup` holds the configured calendars and policies (first match wins) and checks
  that every policy names a calendar that exists.
* :func:`conversation_facts` reads the conversation. An **agent reply** is a public comment
  made after the ticket was opened whose author is known and is not the requester; a
  **customer comment** is a public comment by the requester. Internal notes never count, and
  neither does the opening comment (Zendesk's first comment is the description, even when an
  agent opened the ticket on the customer's behalf).
* :func:`ticket_clocks` runs the matching policy and merges it with the vendor's targets:
  computed targets fill the metrics the vendor has none for; where both exist the vendor's
  instant rules and a difference of more than a minute is returned as a disagreement.

Everything here is pure and imports no I/O or UI library.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from queuebench.domain.business_time import TWENTY_FOUR_SEVEN, BusinessCalendar
from queuebench.domain.models import Priority, SlaSource, SlaTarget, Status, Vendor
from queuebench.domain.sla_policy import (
    SlaDisagreement,
    SlaPolicy,
    compute_targets,
    merge_targets,
    select_policy,
)

__all__ = [
    "ALWAYS_OPEN",
    "ConversationFacts",
    "SlaSetup",
    "conversation_facts",
    "is_agent_reply",
    "ticket_clocks",
]

ALWAYS_OPEN = "24x7"
"""The calendar name that needs no ``[calendars]`` entry: business time is absolute time."""

StatusChange = tuple[datetime, Status]
"""``(changed_at, new_status)``: one entry of a ticket's status history."""


@dataclass(frozen=True, slots=True)
class SlaSetup:
    """Calendars by name and policies in order; ``fingerprint`` identifies the configuration
    (the cache remembers which one its computed clocks were made with)."""

    calendars: Mapping[str, BusinessCalendar] = field(default_factory=dict)
    policies: tuple[SlaPolicy, ...] = ()
    fingerprint: str = ""

    def __post_init__(self) -> None:
        for policy in self.policies:
            if policy.calendar != ALWAYS_OPEN and policy.calendar not in self.calendars:
                known = ", ".join(sorted(self.calendars)) or "none yet"
                raise ValueError(
                    f"SLA policy {policy.name!r}: calendar {policy.calendar!r} is not defined "
                    f"(calendars: {known}); add a [calendars.{policy.calendar}] table or use "
                    f"calendar = '{ALWAYS_OPEN}'"
                )

    @classmethod
    def from_config(
        cls,
        calendars: Mapping[str, Mapping[str, Any]],
        policies: Sequence[Mapping[str, Any]],
        *,
        fingerprint: str = "",
    ) -> SlaSetup:
        """Build from plain config values (the ``[calendars.NAME]`` tables and the
        ``[[sla.policies]]`` entries). Raises ``ValueError`` naming the field and the fix."""
        built: dict[str, BusinessCalendar] = {}
        for name, spec in calendars.items():
            if name == ALWAYS_OPEN:
                raise ValueError(
                    f"calendar {name!r}: the name is reserved for the built-in always-open "
                    "calendar; pick another name"
                )
            built[name] = BusinessCalendar.from_config(
                name,
                timezone=spec.get("timezone"),
                hours=spec.get("hours", {}),
                holidays=spec.get("holidays"),
            )
        parsed: list[SlaPolicy] = []
        names: set[str] = set()
        for spec in policies:
            policy_name = spec.get("name")
            if not isinstance(policy_name, str) or not policy_name.strip():
                raise ValueError("an SLA policy has no name; give each one name = '...'")
            if policy_name in names:
                raise ValueError(
                    f"SLA policy {policy_name!r} is defined twice; names must be unique"
                )
            names.add(policy_name)
            targets = {k: v for k, v in dict(spec.get("targets") or {}).items() if v is not None}
            parsed.append(
                SlaPolicy.from_config(
                    policy_name,
                    calendar=spec.get("calendar", ALWAYS_OPEN),
                    targets=targets,
                    match={k: v for k, v in dict(spec.get("match") or {}).items() if v},
                    pause_statuses=tuple(spec.get("pause_statuses", ("pending",))),
                )
            )
        return cls(built, tuple(parsed), fingerprint)

    def calendar(self, name: str) -> BusinessCalendar:
        """The calendar a policy names (``"24x7"`` is built in)."""
        if name == ALWAYS_OPEN:
            return TWENTY_FOUR_SEVEN
        return self.calendars[name]

    def check_holidays(self, years: Iterable[int]) -> None:
        """Resolve country holidays for ``years`` now, so an unknown country or subdivision is
        reported up front (raises ``ValueError``) rather than in the middle of a write."""
        years = tuple(years)
        for calendar in self.calendars.values():
            calendar.preload_holidays(years)

    def policy_for(
        self,
        *,
        vendor: Vendor,
        priority: Priority | None,
        organization: str | None,
        account: str,
        tags: Iterable[str],
    ) -> SlaPolicy | None:
        """The first policy that matches the ticket, or ``None``."""
        return select_policy(
            self.policies,
            vendor=vendor,
            priority=priority,
            organization=organization,
            account=account,
            tags=tags,
        )


@dataclass(frozen=True, slots=True)
class ConversationFacts:
    """The instants of a conversation the SLA clocks need.

    ``customer_waiting_since`` is the oldest customer comment after the agent's last reply
    (Zendesk's next-reply start), ``None`` when nothing awaits an answer.
    """

    first_agent_reply_at: datetime | None = None
    last_agent_reply_at: datetime | None = None
    customer_waiting_since: datetime | None = None
    last_customer_comment_at: datetime | None = None


def _same_person(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def is_agent_reply(
    author: str | None, public: bool, requester: str | None, created_at: datetime, opened: datetime
) -> bool:
    """Whether a comment is a public agent reply (see the module docstring)."""
    if not public or author is None or created_at <= opened:
        return False
    return requester is None or not _same_person(author, requester)


def conversation_facts(
    comments: Iterable[tuple[datetime, str | None, bool]],
    *,
    requester: str | None,
    created_at: datetime,
) -> ConversationFacts:
    """Facts from ``(created_at, author, public)`` comments, in any order."""
    agent: list[datetime] = []
    customer: list[datetime] = []
    for at, author, public in comments:
        if is_agent_reply(author, public, requester, at, created_at):
            agent.append(at)
        elif (
            public
            and author is not None
            and requester is not None
            and at > created_at
            and _same_person(author, requester)
        ):
            customer.append(at)
    first = min(agent) if agent else None
    last = max(agent) if agent else None
    waiting = [at for at in customer if last is None or at > last]
    return ConversationFacts(
        first_agent_reply_at=first,
        last_agent_reply_at=last,
        customer_waiting_since=min(waiting) if waiting and last is not None else None,
        last_customer_comment_at=max(customer) if customer else None,
    )


def ticket_clocks(
    setup: SlaSetup,
    *,
    vendor: Vendor,
    priority: Priority | None,
    organization: str | None,
    account: str,
    tags: Iterable[str],
    created_at: datetime,
    vendor_targets: Iterable[SlaTarget],
    facts: ConversationFacts,
    history: Sequence[StatusChange],
    now: datetime,
) -> tuple[tuple[SlaTarget, ...], tuple[SlaDisagreement, ...]]:
    """A ticket's SLA targets at ``now``: the vendor's, plus computed ones where it has none.

    ``vendor_targets`` may hold targets computed earlier; only those whose source is the
    vendor are kept and compared. ``history`` is the status history (see
    :func:`~queuebench.domain.sla_policy.compute_targets`). Returns the merged targets and
    the disagreements of more than a minute between vendor and computed breach instants.
    """
    vendor_only = tuple(t for t in vendor_targets if t.source is SlaSource.VENDOR)
    tags = tuple(tags)
    policy = setup.policy_for(
        vendor=vendor, priority=priority, organization=organization, account=account, tags=tags
    )
    if policy is None:
        return vendor_only, ()
    asked = facts.customer_waiting_since or facts.last_customer_comment_at
    computed = compute_targets(
        policy,
        setup.calendar(policy.calendar),
        created_at=created_at,
        status_history=history,
        now=now,
        first_public_reply_at=facts.first_agent_reply_at,
        last_public_reply_at=facts.last_agent_reply_at,
        last_customer_comment_at=asked,
    )
    return merge_targets(vendor_only, computed)
