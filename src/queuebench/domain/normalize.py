"""Pure normalisation: vendor vocabularies to the queuebench contract, UTC times, queue order.

Every function here takes plain values and returns plain values; property tests in
``tests/domain`` pin their behaviour. The default maps can be overridden from config
(``[maps.<vendor>]``) through :class:`VendorMaps`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from queuebench.domain.models import Priority, SlaStage, SlaTarget, Status, Vendor

DEFAULT_PRIORITY_MAPS: dict[Vendor, dict[str, Priority]] = {
    Vendor.ZENDESK: {
        "urgent": Priority.P1,
        "high": Priority.P2,
        "normal": Priority.P3,
        "low": Priority.P4,
    },
    Vendor.JSM: {
        "highest": Priority.P1,
        "high": Priority.P2,
        "medium": Priority.P3,
        "low": Priority.P4,
        "lowest": Priority.P4,
    },
    Vendor.SERVICENOW: {
        "1": Priority.P1,
        "2": Priority.P2,
        "3": Priority.P3,
        "4": Priority.P4,
        "5": Priority.P4,
    },
}

DEFAULT_STATUS_MAPS: dict[Vendor, dict[str, Status]] = {
    Vendor.ZENDESK: {
        "new": Status.NEW,
        "open": Status.OPEN,
        "pending": Status.PENDING,
        "hold": Status.ON_HOLD,
        "on-hold": Status.ON_HOLD,
        "solved": Status.SOLVED,
        "closed": Status.CLOSED,
    },
    # JSM statuses are mapped by name first (these), then by status category.
    Vendor.JSM: {
        "waiting for customer": Status.PENDING,
        "pending": Status.PENDING,
        "closed": Status.CLOSED,
    },
    Vendor.SERVICENOW: {
        "1": Status.NEW,
        "2": Status.OPEN,
        "3": Status.ON_HOLD,
        "6": Status.SOLVED,
        "7": Status.CLOSED,
        "8": Status.CLOSED,
    },
}

JSM_CATEGORY_MAP: dict[str, Status] = {
    "new": Status.NEW,  # "To Do"
    "to do": Status.NEW,
    "indeterminate": Status.OPEN,  # "In Progress"
    "in progress": Status.OPEN,
    "done": Status.SOLVED,
    "undefined": Status.OPEN,
}


class NormalizationError(ValueError):
    """A vendor value queuebench cannot map; the message names the value and the fix."""


@dataclass(frozen=True)
class VendorMaps:
    """Priority and status maps for one vendor (defaults merged with config overrides)."""

    vendor: Vendor
    priority: Mapping[str, Priority] = field(default_factory=dict)
    status: Mapping[str, Status] = field(default_factory=dict)

    @classmethod
    def default(cls, vendor: Vendor) -> VendorMaps:
        return cls(vendor, DEFAULT_PRIORITY_MAPS[vendor], DEFAULT_STATUS_MAPS[vendor])

    def with_overrides(
        self, priority: Mapping[str, str] | None = None, status: Mapping[str, str] | None = None
    ) -> VendorMaps:
        """Return maps where config entries (keys case-insensitive) replace the defaults."""
        pri = dict(self.priority)
        sts = dict(self.status)
        for raw, value in (priority or {}).items():
            pri[raw.strip().lower()] = Priority(value)
        for raw, value in (status or {}).items():
            sts[raw.strip().lower()] = Status(value)
        return VendorMaps(self.vendor, pri, sts)

    def map_priority(self, raw: str | int | None) -> Priority | None:
        """Vendor priority to P1..P4; ``None`` (or an empty value) stays ``None``."""
        if raw is None:
            return None
        key = str(raw).strip().lower()
        if not key:
            return None
        if self.vendor is Vendor.SERVICENOW:
            # "1 - Critical" display values carry the number first.
            key = key.split(" ", 1)[0]
        return self.priority.get(key)

    def map_status(self, raw: str | int, category: str | None = None) -> Status:
        """Vendor status (and, for JSM, its status category) to the normalised status."""
        key = str(raw).strip().lower()
        if key in self.status:
            return self.status[key]
        if self.vendor is Vendor.JSM and category is not None:
            cat = category.strip().lower()
            if cat in JSM_CATEGORY_MAP:
                return JSM_CATEGORY_MAP[cat]
        raise NormalizationError(
            f"{self.vendor.value} status {raw!r} has no mapping; add it under "
            f"[maps.{self.vendor.value}.status] in the config file, e.g. "
            f'"{key}" = "open".'
        )


# --- times ----------------------------------------------------------------------------------

_JIRA_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")


def parse_utc(value: str | int | float | None) -> datetime | None:
    """Parse any vendor timestamp to an aware UTC datetime.

    Accepts ISO 8601 with ``Z`` or an offset (with or without a colon, Jira's
    ``2022-10-25T20:21:33.277+0100``), ServiceNow's ``YYYY-MM-DD HH:MM:SS`` (UTC), and Unix
    seconds or epoch milliseconds as numbers. Empty values give ``None``.
    """
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, tz=UTC)
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    text = _JIRA_OFFSET.sub(r"\1:\2", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise NormalizationError(f"unreadable timestamp {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # ServiceNow raw values are UTC
    return parsed.astimezone(UTC)


def iso_z(value: datetime | None) -> str | None:
    """Format an aware datetime as ISO 8601 UTC ending in ``Z`` (second precision)."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def ensure_utc(value: datetime) -> datetime:
    """Treat naive datetimes (as SQLite returns them) as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


# --- SLA ------------------------------------------------------------------------------------


def effective_stage(target: SlaTarget, now: datetime) -> SlaStage:
    """The stage a target is really in at ``now``.

    A target that is not achieved and whose breach instant has passed is breached, whatever a
    vendor's stale flag says; an active target flagged breached whose instant is still ahead
    stays breached (vendors do not un-breach).
    """
    if target.stage is SlaStage.ACHIEVED:
        return SlaStage.ACHIEVED
    if target.breach_at is not None and target.breach_at <= now:
        return SlaStage.BREACHED
    return target.stage


def with_effective_stages(targets: Iterable[SlaTarget], now: datetime) -> tuple[SlaTarget, ...]:
    """Targets with their stage corrected by :func:`effective_stage`."""
    out: list[SlaTarget] = []
    for t in targets:
        stage = effective_stage(t, now)
        out.append(
            t
            if stage is t.stage
            else SlaTarget(t.metric, t.breach_at, stage, t.source, t.policy, t.remaining_seconds)
        )
    return tuple(out)


def next_breach_at(targets: Iterable[SlaTarget], now: datetime) -> datetime | None:
    """The earliest ``breach_at`` among active or breached targets, or ``None``."""
    instants = [
        t.breach_at
        for t in targets
        if t.breach_at is not None
        and effective_stage(t, now) in (SlaStage.ACTIVE, SlaStage.BREACHED)
    ]
    return min(instants) if instants else None


def sla_label(targets: Iterable[SlaTarget], now: datetime) -> str:
    """A colour-free label for the queue's SLA column.

    ``BREACHED -0:42`` when overdue, ``1:05`` / ``2d 04h`` to the next breach, ``PAUSED`` (with
    the business time left, ``PAUSED 3:20``, when the clock reports it) when
    every running clock is paused, ``met`` when all are achieved, ``—`` without SLA.
    """
    targets = tuple(targets)
    nb = next_breach_at(targets, now)
    if nb is not None:
        delta = nb - now
        if delta <= timedelta(0):
            return f"BREACHED -{format_duration(-delta)}"
        return format_duration(delta)
    stages = {effective_stage(t, now) for t in targets}
    if SlaStage.PAUSED in stages:
        # A paused clock has no instant; show the business time it has left when known.
        left = [
            t.remaining_seconds
            for t in targets
            if t.remaining_seconds is not None and effective_stage(t, now) is SlaStage.PAUSED
        ]
        return f"PAUSED {format_duration(timedelta(seconds=min(left)))}" if left else "PAUSED"
    if stages and stages == {SlaStage.ACHIEVED}:
        return "met"
    return "—"


def format_duration(delta: timedelta) -> str:
    """Compact duration: ``0:42`` (h:mm) under a day, ``3d 04h`` beyond."""
    total = int(delta.total_seconds())
    days, rem = divmod(total, 86400)
    hours, rem = divmod(rem, 3600)
    minutes = rem // 60
    if days:
        return f"{days}d {hours:02d}h"
    return f"{hours}:{minutes:02d}"


def format_age(created_at: datetime, now: datetime) -> str:
    """Ticket age for the queue: ``45m``, ``6h``, ``12d``."""
    seconds = max(0, int((now - created_at).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


# --- queue order ----------------------------------------------------------------------------

QUEUE_GROUP_RUNNING = 0  # a running SLA clock (breached ones sort first by their instant)
QUEUE_GROUP_NO_SLA = 1  # open work without a running clock
QUEUE_GROUP_DONE = 2  # solved and closed

NO_PRIORITY_RANK = 5


def priority_rank(priority: Priority | None) -> int:
    """1 for P1 … 4 for P4, 5 for no priority."""
    return priority.rank if priority is not None else NO_PRIORITY_RANK


def queue_sort_key(
    status: Status, priority: Priority | None, next_breach: datetime | None, updated_at: datetime
) -> tuple[int, float, float]:
    """The queue order as a sortable tuple ``(group, a, b)``.

    Breached first (most overdue first), then by next breach ascending — both are "earliest
    breach instant first"; then tickets without a running SLA by priority (P1 first) and
    oldest update first; solved and closed last, most recently updated first. The store keeps
    these three numbers as indexed columns so the order runs in SQL.
    """
    if status.is_done:
        return (QUEUE_GROUP_DONE, -updated_at.timestamp(), 0.0)
    if next_breach is not None:
        return (QUEUE_GROUP_RUNNING, next_breach.timestamp(), float(priority_rank(priority)))
    return (QUEUE_GROUP_NO_SLA, float(priority_rank(priority)), updated_at.timestamp())
