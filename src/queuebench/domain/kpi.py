"""Support KPIs from cached tickets: response and resolution times, SLA compliance, backlog
aging, reopen rate and breaches per week. Pure functions on plain values.

Definitions (the report, the dashboard and their tests share them):

* **Population**: tickets created at or after ``since`` (all tickets without it). Backlog aging
  is the exception: it always counts today's open backlog.
* **First response time**: creation to the first public agent reply (see
  :func:`~queuebench.domain.sla_clocks.conversation_facts`), in calendar time, over tickets that
  have one.
* **Time to resolution**: creation to the last time the ticket became solved or closed (from
  the status history; the last update when there is none), over tickets solved or closed now.
* **Median and p90** use the nearest-rank method: the p-th percentile of ``n`` sorted values is
  the ``ceil(p/100 * n)``-th, so every figure is a real ticket's duration.
* **SLA compliance** per metric counts decided targets only: *breached* when the target is
  breached at ``now`` (running or paused past its breach instant) or was achieved after its
  breach instant (known for first response from the first agent reply and for resolution from
  the resolution time); *met* when achieved otherwise. Running targets not yet breached are
  undecided. Percent = met / (met + breached), to one decimal.
* **Backlog aging**: open tickets (not solved or closed) by age: under 7 days, 7 to 14, 14 to
  30, 30 and over.
* **Reopen rate**: of the tickets that were solved or closed at least once, the share that went
  back to an open status afterwards.
* **Breaches per week**: breached targets (as above) counted in the ISO week (UTC) of their
  breach instant, every week from the first breach to ``now``'s week, empty weeks included.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from queuebench.domain.models import Priority, SlaMetric, SlaStage, SlaTarget, Status, Vendor
from queuebench.domain.normalize import effective_stage, format_duration, iso_z

__all__ = [
    "AGING_BUCKETS",
    "GroupBy",
    "KpiReport",
    "MetricFigures",
    "TicketFacts",
    "build_report",
    "percentile",
    "report_text",
    "resolution_facts",
    "target_outcome",
]

AGING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("under_7d", 0, 7),
    ("7_to_14d", 7, 14),
    ("14_to_30d", 14, 30),
    ("over_30d", 30, None),
)
"""Backlog aging buckets: key, from day (inclusive), to day (exclusive; ``None``: open-ended)."""


class GroupBy(StrEnum):
    """How ``report --by`` splits the figures."""

    VENDOR = "vendor"
    PRIORITY = "priority"
    WEEK = "week"


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What the KPIs need of one cached ticket."""

    id: str
    vendor: Vendor
    priority: Priority | None
    status: Status
    created_at: datetime
    first_reply_at: datetime | None = None
    resolved_at: datetime | None = None
    solved_once: bool = False
    reopened: bool = False
    targets: tuple[SlaTarget, ...] = ()


def resolution_facts(
    history: Sequence[tuple[datetime, Status]], status: Status, updated_at: datetime
) -> tuple[datetime | None, bool, bool]:
    """``(resolved_at, solved_once, reopened)`` from a time-ordered status history.

    ``resolved_at`` is when the ticket last became solved or closed, if it is now (the last
    update when the history does not show it).
    """
    solved_once = False
    reopened = False
    resolved_at: datetime | None = None
    previous_done = False
    for at, st in history:
        if st.is_done and not previous_done:
            solved_once = True
            resolved_at = at
        elif not st.is_done and previous_done:
            reopened = True
        previous_done = st.is_done
    if status.is_done:
        if resolved_at is None or not previous_done:
            resolved_at = updated_at
        solved_once = True
    else:
        resolved_at = None
    return resolved_at, solved_once, reopened


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (``p`` in 0..100) of unsorted ``values``; ``None`` when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def target_outcome(target: SlaTarget, facts: TicketFacts, now: datetime) -> str | None:
    """``"met"``, ``"breached"`` or ``None`` (undecided) for one target (see the module)."""
    stage = effective_stage(target, now)
    if stage is SlaStage.BREACHED:
        return "breached"
    if stage is not SlaStage.ACHIEVED:
        return None
    fulfilled: datetime | None = None
    if target.metric is SlaMetric.FIRST_RESPONSE:
        fulfilled = facts.first_reply_at
    elif target.metric is SlaMetric.RESOLUTION:
        fulfilled = facts.resolved_at
    if fulfilled is not None and target.breach_at is not None and fulfilled > target.breach_at:
        return "breached"
    return "met"


@dataclass(frozen=True, slots=True)
class DurationFigures:
    """Median and p90 of a duration, in seconds, over ``count`` tickets."""

    count: int
    median_seconds: int | None
    p90_seconds: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "median_seconds": self.median_seconds,
            "p90_seconds": self.p90_seconds,
        }


@dataclass(frozen=True, slots=True)
class Compliance:
    """Met and breached targets of one metric."""

    met: int = 0
    breached: int = 0

    @property
    def percent(self) -> float | None:
        decided = self.met + self.breached
        return round(100 * self.met / decided, 1) if decided else None

    def as_json(self) -> dict[str, Any]:
        return {"met": self.met, "breached": self.breached, "percent": self.percent}


@dataclass(frozen=True, slots=True)
class MetricFigures:
    """The per-population figures (for the whole report or one group)."""

    tickets: int
    first_response: DurationFigures
    resolution: DurationFigures
    compliance: dict[SlaMetric, Compliance]
    solved: int
    reopened: int

    @property
    def reopen_percent(self) -> float | None:
        return round(100 * self.reopened / self.solved, 1) if self.solved else None

    def as_json(self) -> dict[str, Any]:
        return {
            "tickets": self.tickets,
            "first_response": self.first_response.as_json(),
            "resolution": self.resolution.as_json(),
            "sla_compliance": {m.value: c.as_json() for m, c in self.compliance.items()},
            "reopen_rate": {
                "solved": self.solved,
                "reopened": self.reopened,
                "percent": self.reopen_percent,
            },
        }


@dataclass(frozen=True, slots=True)
class KpiReport:
    """The whole report: overall figures, backlog aging, breaches per week, optional groups."""

    generated_at: datetime
    since: date | None
    overall: MetricFigures
    backlog_open: int
    aging: dict[str, int]
    breaches_per_week: list[tuple[str, int]]
    by: GroupBy | None = None
    groups: list[tuple[str, MetricFigures]] = field(default_factory=list)

    @property
    def over_14d_percent(self) -> float | None:
        old = self.aging["14_to_30d"] + self.aging["over_30d"]
        return round(100 * old / self.backlog_open, 1) if self.backlog_open else None

    def as_json(self) -> dict[str, Any]:
        """The ``report --json`` object (durations in seconds, percents to one decimal)."""
        out: dict[str, Any] = {
            "generated_at": iso_z(self.generated_at),
            "since": self.since.isoformat() if self.since else None,
            **self.overall.as_json(),
            "backlog_aging": {
                "open": self.backlog_open,
                **self.aging,
                "over_14d_percent": self.over_14d_percent,
            },
            "breaches_per_week": [{"week": w, "breaches": n} for w, n in self.breaches_per_week],
        }
        if self.by is not None:
            out["by"] = self.by.value
            out["groups"] = [{"key": key, **figures.as_json()} for key, figures in self.groups]
        return out


def iso_week(instant: datetime) -> str:
    """``2026-W48``: the ISO week of an instant, in UTC."""
    year, week, _ = instant.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


def _figures(tickets: Sequence[TicketFacts], now: datetime) -> MetricFigures:
    frt = [(t.first_reply_at - t.created_at).total_seconds() for t in tickets if t.first_reply_at]
    ttr = [
        (t.resolved_at - t.created_at).total_seconds()
        for t in tickets
        if t.resolved_at is not None and t.status.is_done
    ]
    counts: dict[SlaMetric, Counter[str]] = {m: Counter() for m in SlaMetric}
    for t in tickets:
        for target in t.targets:
            outcome = target_outcome(target, t, now)
            if outcome is not None:
                counts[target.metric][outcome] += 1

    def durations(values: list[float]) -> DurationFigures:
        med, p90 = percentile(values, 50), percentile(values, 90)
        return DurationFigures(
            len(values),
            None if med is None else round(med),
            None if p90 is None else round(p90),
        )

    return MetricFigures(
        tickets=len(tickets),
        first_response=durations(frt),
        resolution=durations(ttr),
        compliance={m: Compliance(c["met"], c["breached"]) for m, c in counts.items() if c.total()},
        solved=sum(1 for t in tickets if t.solved_once),
        reopened=sum(1 for t in tickets if t.solved_once and t.reopened),
    )


def _group_key(by: GroupBy) -> Callable[[TicketFacts], str]:
    if by is GroupBy.VENDOR:
        return lambda t: t.vendor.value
    if by is GroupBy.PRIORITY:
        return lambda t: t.priority.value if t.priority else "none"
    return lambda t: iso_week(t.created_at)


def build_report(
    tickets: Iterable[TicketFacts],
    *,
    now: datetime,
    open_ages: Iterable[datetime] = (),
    since: date | None = None,
    by: GroupBy | None = None,
) -> KpiReport:
    """The report over ``tickets`` (already limited to the population) at ``now``.

    ``open_ages`` are the creation instants of every open ticket (the backlog, whatever
    ``since`` says).
    """
    population = list(tickets)
    aging = dict.fromkeys((key for key, _, _ in AGING_BUCKETS), 0)
    backlog = 0
    for created in open_ages:
        backlog += 1
        age = now - created
        for key, lo, hi in AGING_BUCKETS:
            if age >= timedelta(days=lo) and (hi is None or age < timedelta(days=hi)):
                aging[key] += 1
                break
    weekly: Counter[str] = Counter()
    first_week: datetime | None = None
    for t in population:
        for target in t.targets:
            if target.breach_at is not None and target_outcome(target, t, now) == "breached":
                weekly[iso_week(target.breach_at)] += 1
                if first_week is None or target.breach_at < first_week:
                    first_week = target.breach_at
    weeks: list[tuple[str, int]] = []
    if first_week is not None:
        cursor = first_week.astimezone(UTC)
        cursor = cursor - timedelta(days=cursor.weekday())
        last = iso_week(now)
        while True:
            label = iso_week(cursor)
            weeks.append((label, weekly.get(label, 0)))
            if label >= last:
                break
            cursor += timedelta(days=7)
    groups: list[tuple[str, MetricFigures]] = []
    if by is not None:
        split: dict[str, list[TicketFacts]] = defaultdict(list)
        group_of = _group_key(by)
        for t in population:
            split[group_of(t)].append(t)
        groups = [(k, _figures(split[k], now)) for k in sorted(split)]
    return KpiReport(
        generated_at=now,
        since=since,
        overall=_figures(population, now),
        backlog_open=backlog,
        aging=aging,
        breaches_per_week=weeks,
        by=by,
        groups=groups,
    )


def _duration(seconds: int | None) -> str:
    return "—" if seconds is None else format_duration(timedelta(seconds=seconds))


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def _figure_lines(figures: MetricFigures, indent: str = "") -> list[str]:
    lines = [
        f"{indent}{'tickets':<22}{figures.tickets:,}",
        f"{indent}{'first response':<22}median {_duration(figures.first_response.median_seconds)}"
        f"  p90 {_duration(figures.first_response.p90_seconds)}"
        f"  ({figures.first_response.count:,} with a reply)",
        f"{indent}{'time to resolution':<22}median {_duration(figures.resolution.median_seconds)}"
        f"  p90 {_duration(figures.resolution.p90_seconds)}"
        f"  ({figures.resolution.count:,} solved or closed)",
    ]
    for metric, c in figures.compliance.items():
        label = f"SLA {metric.value.replace('_', ' ')}"
        lines.append(
            f"{indent}{label:<22}{_percent(c.percent)} ({c.met:,} met, {c.breached:,} breached)"
        )
    lines.append(
        f"{indent}{'reopen rate':<22}{_percent(figures.reopen_percent)} "
        f"({figures.reopened:,} of {figures.solved:,} solved)"
    )
    return lines


def report_text(report: KpiReport) -> str:
    """The report as plain text for ``queuebench report`` (readable without colour)."""
    scope = f"tickets created since {report.since.isoformat()}" if report.since else "all tickets"
    lines = [f"Support KPIs · {scope} · as of {iso_z(report.generated_at)}", ""]
    lines += _figure_lines(report.overall)
    a = report.aging
    lines += [
        "",
        f"{'backlog aging':<22}{report.backlog_open:,} open: <7d {a['under_7d']:,} · 7-14d "
        f"{a['7_to_14d']:,} · 14-30d {a['14_to_30d']:,} · 30d+ {a['over_30d']:,} "
        f"({_percent(report.over_14d_percent)} older than 14 days)",
        "",
        "breaches per week (UTC)",
    ]
    top = max((n for _, n in report.breaches_per_week), default=0)
    for week, n in report.breaches_per_week:
        bar = "#" * (round(40 * n / top) if top else 0)
        lines.append(f"  {week}  {n:>6,}  {bar}")
    if not report.breaches_per_week:
        lines.append("  no breaches")
    for key, figures in report.groups:
        lines += ["", f"{report.by.value if report.by else 'group'} {key}"]
        lines += _figure_lines(figures, indent="  ")
    return "\n".join(lines)
