"""Which SLA alerts are due: thresholds crossed by a target, minus those already shown.

A target (ticket, metric, breach instant) crosses threshold ``t`` minutes when ``now`` reaches
``breach_at - t``. Each (target, threshold) is alerted once: when several thresholds were
crossed since the last check (a target first seen 10 minutes before its breach has crossed 60
and 15), one alert is raised for the most urgent and the others are marked as shown too. A
target whose breach instant moves by more than :data:`SAME_TARGET_TOLERANCE` (a vendor
re-computed it, a paused clock resumed) is a new target.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from queuebench.domain.models import SlaMetric
from queuebench.domain.normalize import format_duration

__all__ = ["SAME_TARGET_TOLERANCE", "Alert", "AlertCandidate", "due_alerts"]

SAME_TARGET_TOLERANCE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class AlertCandidate:
    """A running target of the user's near its breach, with the thresholds already shown."""

    ticket_id: str
    display_key: str
    subject: str
    metric: SlaMetric
    breach_at: datetime
    shown: tuple[tuple[datetime, int], ...] = ()  # (breach_at alerted, threshold)


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert to raise; ``thresholds`` are every threshold it stands for (to record)."""

    ticket_id: str
    display_key: str
    subject: str
    metric: SlaMetric
    breach_at: datetime
    threshold: int
    thresholds: tuple[int, ...]

    @property
    def is_breach(self) -> bool:
        return self.threshold == 0

    def text(self, now: datetime) -> str:
        """``#4512 first response breaches in 14 min — Login loop`` (reads without colour)."""
        metric = self.metric.value.replace("_", " ")
        if now >= self.breach_at:
            when = f"BREACHED -{format_duration(now - self.breach_at)}"
        elif self.breach_at - now < timedelta(hours=1):
            minutes = max(1, round((self.breach_at - now).total_seconds() / 60))
            when = f"breaches in {minutes} min"
        else:
            when = f"breaches in {format_duration(self.breach_at - now)}"
        return f"{self.display_key} {metric} {when} — {self.subject}"


def due_alerts(
    candidates: Iterable[AlertCandidate], thresholds: Sequence[int], now: datetime
) -> list[Alert]:
    """The alerts due at ``now``, most urgent first (soonest breach first)."""
    out: list[Alert] = []
    for c in candidates:
        crossed = [t for t in thresholds if now >= c.breach_at - timedelta(minutes=t)]
        shown = {t for at, t in c.shown if abs(at - c.breach_at) <= SAME_TARGET_TOLERANCE}
        pending = sorted(set(crossed) - shown)
        if pending:
            out.append(
                Alert(
                    c.ticket_id,
                    c.display_key,
                    c.subject,
                    c.metric,
                    c.breach_at,
                    pending[0],
                    tuple(pending),
                )
            )
    out.sort(key=lambda a: (a.breach_at, a.display_key))
    return out
