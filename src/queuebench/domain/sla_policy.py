"""Computed SLA clocks: queuebench's own policies for tickets whose vendor gives no SLA.

Pure functions on plain values. A :class:`SlaPolicy` says which tickets it covers
(:class:`PolicyMatch`), which business calendar its clocks run on, which statuses pause them
and the target per metric. :func:`select_policy` picks the first matching policy,
:func:`compute_targets` runs its clocks over a ticket's status history and
:func:`merge_targets` lets the vendor's own targets win wherever they exist.

Clock rules (pinned by ``tests/domain/test_sla_policy.py``):

* ``first_response`` runs from creation until the first public agent reply;
  ``resolution`` from creation until the ticket is solved; ``next_response`` from the customer
  comment after the agent's last public reply until the agent's next public reply;
  ``periodic_update`` from the agent's last public reply until the next one.
* A clock is paused while the status is in ``pause_statuses`` (only the business time inside a
  pause is excluded) and stopped while the ticket is solved or closed: solving fulfils every
  running clock (as dbt_zendesk treats solve for next reply), and time spent solved before a
  reopen does not count.
* ``start_statuses`` (empty by default: clocks start at creation, whatever the status) mirror
  ServiceNow's start condition: entering a status outside ``start_statuses`` (other than solved
  or closed) *cancels* the clocks, and re-entering one starts fresh clocks from that instant.
  A pause status missing from ``start_statuses`` therefore cancels instead of pausing (TC19);
  :meth:`SlaPolicy.from_config` rejects that combination as the misconfiguration it usually is.
* A target fulfilled late keeps stage ``achieved``; whether it was met is
  ``fulfilled_at < breach_at``. A clock that breached and was then paused is ``breached``.
  Every computed target's stage equals :func:`~queuebench.domain.normalize.effective_stage` at
  ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from queuebench.domain.business_time import BusinessCalendar, parse_duration
from queuebench.domain.models import (
    Priority,
    SlaMetric,
    SlaSource,
    SlaStage,
    SlaTarget,
    Status,
    Vendor,
)

__all__ = [
    "DISAGREEMENT_TOLERANCE",
    "PolicyMatch",
    "SlaDisagreement",
    "SlaPolicy",
    "compute_targets",
    "merge_targets",
    "select_policy",
]

DISAGREEMENT_TOLERANCE = timedelta(minutes=1)
"""Vendor and computed breach instants further apart than this are reported."""

_E = TypeVar("_E", bound=StrEnum)


def _as_tuple(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _enum(kind: type[_E], value: Any, where: str) -> _E:
    try:
        return kind(value.strip().lower() if isinstance(value, str) else value)
    except ValueError:
        if kind is Priority and isinstance(value, str):
            try:
                return kind(value.strip().upper())
            except ValueError:
                pass
        choices = ", ".join(member.value for member in kind)
        raise ValueError(f"{where}: {value!r} is not valid; use one of {choices}") from None


@dataclass(frozen=True, slots=True, init=False)
class PolicyMatch:
    """Which tickets a policy covers. Each field is a list of accepted values; an empty list
    accepts anything. A ticket matches when every non-empty field accepts it: ``vendor``,
    ``priority`` and ``account`` by equality, ``organization`` case-insensitively, and ``tags``
    when the ticket carries at least one of them (case-insensitively). Vendors and priorities
    may be given as their config strings (``"zendesk"``, ``"P1"``); a single string counts as
    a one-item list.
    """

    vendor: tuple[Vendor, ...]
    priority: tuple[Priority, ...]
    organization: tuple[str, ...]
    account: tuple[str, ...]
    tags: tuple[str, ...]
    _organization_keys: frozenset[str] = field(repr=False, compare=False)
    _tag_keys: frozenset[str] = field(repr=False, compare=False)

    def __init__(
        self,
        vendor: Iterable[Vendor | str] | str = (),
        priority: Iterable[Priority | str] | str = (),
        organization: Iterable[str] | str = (),
        account: Iterable[str] | str = (),
        tags: Iterable[str] | str = (),
    ) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "vendor", tuple(_enum(Vendor, v, "match.vendor") for v in _as_tuple(vendor)))
        setattr_(
            self,
            "priority",
            tuple(_enum(Priority, p, "match.priority") for p in _as_tuple(priority)),
        )
        for name, values in (
            ("organization", _as_tuple(organization)),
            ("account", _as_tuple(account)),
            ("tags", _as_tuple(tags)),
        ):
            for v in values:
                if not isinstance(v, str):
                    raise ValueError(f"match.{name}: {v!r} is not a string")
            setattr_(self, name, values)
        setattr_(self, "_organization_keys", frozenset(o.casefold() for o in self.organization))
        setattr_(self, "_tag_keys", frozenset(t.casefold() for t in self.tags))

    def matches(
        self,
        *,
        vendor: Vendor | None = None,
        priority: Priority | None = None,
        organization: str | None = None,
        account: str | None = None,
        tags: Iterable[str] = (),
    ) -> bool:
        """Whether a ticket with these values is covered (a missing value matches only an
        empty list)."""
        if self.vendor and vendor not in self.vendor:
            return False
        if self.priority and priority not in self.priority:
            return False
        if self.account and account not in self.account:
            return False
        if self._organization_keys and (
            organization is None or organization.casefold() not in self._organization_keys
        ):
            return False
        return not self._tag_keys or any(t.casefold() in self._tag_keys for t in tags)


@dataclass(frozen=True, slots=True, eq=True)
class SlaPolicy:
    """A queuebench SLA policy: ticket filter, calendar name, pause statuses, targets.

    ``targets`` maps each metric to its business-time target on the named calendar (a 24x7
    calendar makes them calendar-time targets). ``pausable_metrics`` limits which metrics the
    pause statuses pause (``None``: all of them; Zendesk's ``periodic_update_time``, for one,
    never pauses). See the module docstring for ``start_statuses``.
    """

    name: str
    match: PolicyMatch
    calendar: str
    pause_statuses: tuple[Status, ...]
    targets: Mapping[SlaMetric, timedelta]
    start_statuses: tuple[Status, ...] = ()
    pausable_metrics: frozenset[SlaMetric] | None = None

    def __post_init__(self) -> None:
        where = f"SLA policy {self.name!r}"
        targets: dict[SlaMetric, timedelta] = {}
        for key, value in self.targets.items():
            metric = _enum(SlaMetric, key, f"{where}: targets key")
            if not isinstance(value, timedelta) or value <= timedelta(0):
                raise ValueError(
                    f"{where}: target for {metric.value} must be a positive duration, got {value!r}"
                )
            targets[metric] = value
        if not targets:
            raise ValueError(f"{where}: no targets; give at least one, e.g. resolution = '8h'")
        ordered = {m: targets[m] for m in SlaMetric if m in targets}
        object.__setattr__(self, "targets", ordered)
        object.__setattr__(
            self,
            "pause_statuses",
            tuple(_enum(Status, s, f"{where}: pause_statuses") for s in self.pause_statuses),
        )
        object.__setattr__(
            self,
            "start_statuses",
            tuple(_enum(Status, s, f"{where}: start_statuses") for s in self.start_statuses),
        )
        if self.pausable_metrics is not None:
            object.__setattr__(
                self,
                "pausable_metrics",
                frozenset(
                    _enum(SlaMetric, m, f"{where}: pausable_metrics") for m in self.pausable_metrics
                ),
            )

    @classmethod
    def from_config(
        cls,
        name: str,
        *,
        calendar: str,
        targets: Mapping[str, str | timedelta],
        match: Mapping[str, Any] | None = None,
        pause_statuses: Sequence[str] = ("pending",),
        start_statuses: Sequence[str] = (),
        pausable_metrics: Sequence[str] | None = None,
    ) -> SlaPolicy:
        """Build a policy from plain config values.

        ``targets`` values are durations such as ``"4h"`` or ``"1h30m"`` (see
        :func:`~queuebench.domain.business_time.parse_duration`; ``"1d"`` is 24 business hours).
        ``match`` accepts the :class:`PolicyMatch` fields. Raises ``ValueError`` naming the
        policy, the field and the fix; a pause status outside non-empty ``start_statuses`` is
        rejected because it would cancel the clock instead of pausing it (TC19).
        """
        where = f"SLA policy {name!r}"
        if not isinstance(calendar, str) or not calendar.strip():
            raise ValueError(f"{where}: calendar must name a calendar, e.g. calendar = 'ny95'")
        parsed: dict[SlaMetric, timedelta] = {}
        for key, value in targets.items():
            metric = _enum(SlaMetric, key, f"{where}: targets key")
            if isinstance(value, timedelta):
                parsed[metric] = value
                continue
            try:
                parsed[metric] = parse_duration(value)
            except ValueError as exc:
                raise ValueError(f"{where}: targets.{metric.value}: {exc}") from None
        match = dict(match or {})
        allowed = {"vendor", "priority", "organization", "account", "tags"}
        unknown = sorted(set(match) - allowed)
        if unknown:
            raise ValueError(
                f"{where}: match.{unknown[0]} is not a match field; use vendor, priority, "
                "organization, account or tags"
            )
        pauses = tuple(_enum(Status, s, f"{where}: pause_statuses") for s in pause_statuses)
        starts = tuple(_enum(Status, s, f"{where}: start_statuses") for s in start_statuses)
        if starts:
            missing = [s.value for s in pauses if s not in starts and not s.is_done]
            if missing:
                raise ValueError(
                    f"{where}: pause status {missing[0]!r} is not in start_statuses, so "
                    "entering it would cancel the clock instead of pausing it (ServiceNow "
                    f"semantics); add {missing[0]!r} to start_statuses"
                )
        return cls(
            name,
            PolicyMatch(**match),
            calendar.strip(),
            pauses,
            parsed,
            starts,
            None if pausable_metrics is None else frozenset(pausable_metrics),  # type: ignore[arg-type]
        )

    def pauses_metric(self, metric: SlaMetric) -> bool:
        """Whether the pause statuses pause ``metric``'s clock."""
        return self.pausable_metrics is None or metric in self.pausable_metrics


def select_policy(
    policies: Iterable[SlaPolicy],
    *,
    vendor: Vendor | None = None,
    priority: Priority | None = None,
    organization: str | None = None,
    account: str | None = None,
    tags: Iterable[str] = (),
) -> SlaPolicy | None:
    """The first policy (in the given order) whose match accepts the ticket, or ``None``."""
    tags = tuple(tags)
    for policy in policies:
        if policy.match.matches(
            vendor=vendor,
            priority=priority,
            organization=organization,
            account=account,
            tags=tags,
        ):
            return policy
    return None


_Pause = tuple[datetime, datetime | None]


def _pause_runs(
    history: Sequence[tuple[datetime, Status]], paused: frozenset[Status]
) -> list[_Pause]:
    runs: list[_Pause] = []
    since: datetime | None = None
    for at, status in history:
        if status in paused or status.is_done:
            if since is None:
                since = at
        elif since is not None:
            runs.append((since, at))
            since = None
    if since is not None:
        runs.append((since, None))
    return runs


def compute_targets(
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    *,
    created_at: datetime,
    status_history: Iterable[tuple[datetime, Status]],
    now: datetime,
    first_public_reply_at: datetime | None = None,
    last_public_reply_at: datetime | None = None,
    last_customer_comment_at: datetime | None = None,
    solved_at: datetime | None = None,
) -> tuple[SlaTarget, ...]:
    """The policy's SLA targets for one ticket at ``now`` (source ``computed``).

    ``status_history`` is the ticket's ``(changed_at, new_status)`` changes including the
    initial status; the status before its first entry is taken to be a running one. Events
    after ``now`` are ignored. ``first_public_reply_at`` / ``last_public_reply_at`` are the
    agent's public replies; ``last_customer_comment_at`` is the customer's latest public
    comment, which starts a ``next_response`` clock when it follows the agent's last reply
    (pass the *oldest* unanswered customer comment instead to get Zendesk's stricter start).
    ``solved_at`` is when the ticket was solved if it is solved now; without it, a solved or
    closed status at the end of the history gives the instant.

    Each target has ``breach_at`` (``None`` while paused), ``stage`` (active, paused,
    achieved, breached; equal to ``effective_stage`` at ``now``), the policy name and, while
    paused, ``remaining_seconds`` of business time. Returns ``()`` when the clocks are
    cancelled (see ``start_statuses``).
    """
    history = sorted(
        ((at, status) for at, status in status_history if at <= now), key=lambda e: e[0]
    )

    cycle_start = created_at
    if policy.start_statuses:
        starts = frozenset(policy.start_statuses)
        running = True
        for at, status in history:
            if status in starts:
                if not running:
                    running = True
                    cycle_start = max(at, created_at)
            elif not status.is_done and running:
                running = False
        if not running:
            return ()

    done_at: datetime | None = None
    if solved_at is not None and solved_at <= now:
        done_at = solved_at
    elif history and history[-1][1].is_done:
        done_at = history[-1][0]
        for at, status in reversed(history):
            if not status.is_done:
                break
            done_at = at

    all_pauses = _pause_runs(history, frozenset(policy.pause_statuses))
    done_pauses: list[_Pause] | None = None

    def clock(metric: SlaMetric, start: datetime, fulfilled: datetime | None) -> SlaTarget:
        nonlocal done_pauses
        if policy.pauses_metric(metric):
            pauses = all_pauses
        else:
            if done_pauses is None:
                done_pauses = _pause_runs(history, frozenset())
            pauses = done_pauses
        target = policy.targets[metric]
        start = max(start, cycle_start)
        if fulfilled is not None and cycle_start > created_at and fulfilled < cycle_start:
            fulfilled = None  # a reply before a restart does not fulfil the fresh clock
        if fulfilled is not None:
            state = calendar.deadline_with_pauses(start, target, pauses, max(fulfilled, start))
            breach = state.breach_at
            if breach is None:  # paused when fulfilled: project from that instant
                breach = calendar.add_business(max(fulfilled, start), state.remaining)
            return SlaTarget(metric, breach, SlaStage.ACHIEVED, SlaSource.COMPUTED, policy.name)
        state = calendar.deadline_with_pauses(start, target, pauses, now)
        if state.breach_at is None:
            return SlaTarget(
                metric,
                None,
                SlaStage.PAUSED,
                SlaSource.COMPUTED,
                policy.name,
                int(state.remaining.total_seconds()),
            )
        stage = SlaStage.BREACHED if state.breach_at <= now else SlaStage.ACTIVE
        return SlaTarget(metric, state.breach_at, stage, SlaSource.COMPUTED, policy.name)

    out: list[SlaTarget] = []
    for metric in policy.targets:
        if metric is SlaMetric.FIRST_RESPONSE:
            reply = first_public_reply_at
            if reply is not None and reply > now:
                reply = None
            out.append(clock(metric, created_at, _earliest(reply, done_at)))
        elif metric is SlaMetric.RESOLUTION:
            out.append(clock(metric, created_at, done_at))
        elif metric is SlaMetric.NEXT_RESPONSE:
            first = first_public_reply_at or last_public_reply_at
            asked = last_customer_comment_at
            if first is None or asked is None or asked <= first or asked > now:
                continue
            if done_at is not None and done_at <= asked:
                continue  # a comment on a ticket that stays solved awaits nothing
            answer = last_public_reply_at
            if answer is not None and (answer < asked or answer > now):
                answer = None
            out.append(clock(metric, asked, _earliest(answer, done_at)))
        elif metric is SlaMetric.PERIODIC_UPDATE:
            last = last_public_reply_at or first_public_reply_at
            if last is None or last > now or (done_at is not None and done_at <= last):
                continue
            out.append(clock(metric, last, done_at))
    return tuple(out)


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


@dataclass(frozen=True, slots=True)
class SlaDisagreement:
    """A metric where the vendor's breach instant and queuebench's computed one differ by more
    than :data:`DISAGREEMENT_TOLERANCE`; the vendor's instant is the one in force."""

    metric: SlaMetric
    vendor_breach_at: datetime
    computed_breach_at: datetime
    policy: str | None = None

    @property
    def difference(self) -> timedelta:
        """``computed - vendor``: positive when queuebench expects the breach later."""
        return self.computed_breach_at - self.vendor_breach_at


def merge_targets(
    vendor_targets: Iterable[SlaTarget],
    computed_targets: Iterable[SlaTarget],
    *,
    tolerance: timedelta = DISAGREEMENT_TOLERANCE,
) -> tuple[tuple[SlaTarget, ...], tuple[SlaDisagreement, ...]]:
    """Vendor targets first, then computed targets for metrics the vendor has none of.

    Where both exist the vendor's target is kept; when their breach instants differ by more
    than ``tolerance`` (a minute) a :class:`SlaDisagreement` is returned for the UI, measured
    against the vendor target of that metric nearest the computed instant. Targets without a
    breach instant (paused) on either side are not compared.
    """
    vendor = tuple(vendor_targets)
    vendor_metrics = {t.metric for t in vendor}
    merged = list(vendor)
    disagreements: list[SlaDisagreement] = []
    for computed in computed_targets:
        if computed.metric not in vendor_metrics:
            merged.append(computed)
            continue
        if computed.breach_at is None:
            continue
        instants = [
            t.breach_at for t in vendor if t.metric is computed.metric and t.breach_at is not None
        ]
        if not instants:
            continue
        nearest = min(instants, key=lambda at: abs(at - computed.breach_at))  # type: ignore[operator]
        if abs(computed.breach_at - nearest) > tolerance:
            disagreements.append(
                SlaDisagreement(computed.metric, nearest, computed.breach_at, computed.policy)
            )
    return tuple(merged), tuple(disagreements)
