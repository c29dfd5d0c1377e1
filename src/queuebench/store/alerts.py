"""SLA alerts in the cache: the user's targets near a threshold, and the alerts already shown.

:func:`alert_candidates` is the one query the queue's 1-second tick runs: a range on the
``sla_target.breach_at`` index (from the previous check to the largest threshold ahead), joined
to the ticket by primary key for the assignee, and to the alerts shown for those targets.
:func:`record_alerts` writes what was shown, so a restart does not repeat it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from queuebench.domain.models import SlaMetric, SlaStage
from queuebench.domain.sla_alerts import Alert, AlertCandidate, due_alerts
from queuebench.store.queries import DONE, Connection, from_db_time, to_db_time

if TYPE_CHECKING:
    from sqlmodel import Session

    from queuebench.store.engine import Store

__all__ = ["LOOKBACK", "alert_candidates", "check_alerts", "record_alerts"]

LOOKBACK = timedelta(days=1)
"""On the first check, targets that breached up to this long ago still get their alert."""


def alert_candidates(
    con: Connection,
    me: Sequence[str],
    *,
    since: datetime,
    now: datetime,
    horizon: timedelta,
) -> list[AlertCandidate]:
    """The user's running targets breaching in ``(since, now + horizon]``, with their alerts.

    ``me`` are the user's assignee names; ``since`` is the previous check (a target that
    breached before it has had every alert already).
    """
    if not me:
        return []
    marks = ", ".join("?" for _ in me)
    rows = con.execute(
        "SELECT s.ticket_id, s.metric, s.breach_at, t.display_key, t.subject, "
        "a.breach_at, a.threshold_minutes "
        "FROM sla_target s JOIN ticket t ON t.id = s.ticket_id "
        "LEFT JOIN sla_alert a ON a.ticket_id = s.ticket_id AND a.metric = s.metric "
        "WHERE s.breach_at > ? AND s.breach_at <= ? AND s.stage IN (?, ?) "
        f"AND t.assignee IN ({marks}) AND t.status NOT IN (?, ?)",
        [
            to_db_time(since),
            to_db_time(now + horizon),
            SlaStage.ACTIVE.value,
            SlaStage.BREACHED.value,
            *me,
            *DONE,
        ],
    ).fetchall()
    found: dict[tuple[str, str, str], tuple[str, str, list[tuple[datetime, int]]]] = {}
    shown: dict[tuple[str, str, str], list[tuple[datetime, int]]] = defaultdict(list)
    for r in rows:
        key = (r[0], r[1], str(r[2]))
        found.setdefault(key, (r[3], r[4], shown[key]))
        if r[5] is not None:
            at = from_db_time(r[5])
            assert at is not None
            shown[key].append((at, int(r[6])))
    out = []
    for (ticket_id, metric, breach), (display_key, subject, seen) in found.items():
        at = from_db_time(breach)
        assert at is not None
        out.append(
            AlertCandidate(ticket_id, display_key, subject, SlaMetric(metric), at, tuple(seen))
        )
    return out


def record_alerts(session: Session, alerts: Sequence[Alert], now: datetime) -> None:
    """Remember every threshold each alert stands for."""
    from queuebench.store.models import SlaAlertRow

    table = SlaAlertRow.__table__  # type: ignore[attr-defined]
    rows = [
        {
            "ticket_id": a.ticket_id,
            "metric": a.metric.value,
            "breach_at": a.breach_at.astimezone(UTC),
            "threshold_minutes": t,
            "alerted_at": now.astimezone(UTC),
        }
        for a in alerts
        for t in a.thresholds
    ]
    if rows:
        session.connection().execute(table.insert(), rows)


def check_alerts(
    store: Store,
    me: Sequence[str],
    thresholds: Sequence[int],
    *,
    since: datetime,
    now: datetime,
) -> list[Alert]:
    """Find the alerts due at ``now`` and record them; returns them, soonest breach first.

    One indexed read; the write (and the SQLAlchemy import it needs) happens only when an
    alert is due.
    """
    if not me or not thresholds:
        return []
    with store.read() as con:
        candidates = alert_candidates(
            con, me, since=since, now=now, horizon=timedelta(minutes=max(thresholds))
        )
    alerts = due_alerts(candidates, thresholds, now)
    if alerts:
        with store.session() as session:
            record_alerts(session, alerts, now)
    return alerts
