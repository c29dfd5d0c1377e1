"""Queue order and SLA labels as pure functions, with hypothesis properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cmp_to_key

from hypothesis import given, settings
from hypothesis import strategies as st

from queuebench.domain.models import Priority, SlaMetric, SlaStage, SlaTarget, Status
from queuebench.domain.normalize import (
    effective_stage,
    format_duration,
    next_breach_at,
    queue_sort_key,
    sla_label,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

offsets = st.integers(min_value=-30 * 86400, max_value=30 * 86400)
targets = st.builds(
    lambda metric, off, stage, none: SlaTarget(
        metric, None if none else NOW + timedelta(seconds=off), stage
    ),
    st.sampled_from(list(SlaMetric)),
    offsets,
    st.sampled_from(list(SlaStage)),
    st.booleans(),
)
tickets = st.tuples(
    st.sampled_from(list(Status)),
    st.one_of(st.none(), st.sampled_from(list(Priority))),
    st.lists(targets, max_size=3),
    offsets,
)


def reference_cmp(a: tuple, b: tuple) -> int:
    """The contract's order written out the long way, as the specification reads."""

    def klass(t: tuple) -> tuple:
        status, prio, sla, upd = t
        nb = next_breach_at(sla, NOW)
        prank = prio.rank if prio else 5
        if status in (Status.SOLVED, Status.CLOSED):
            return (3, -upd, 0)
        if nb is not None and nb <= NOW:
            return (0, nb.timestamp(), prank)  # breached: most overdue first
        if nb is not None:
            return (1, nb.timestamp(), prank)
        return (2, prank, upd)

    ka, kb = klass(a), klass(b)
    return (ka > kb) - (ka < kb)


@settings(max_examples=300, deadline=None)
@given(st.lists(tickets, min_size=2, max_size=12))
def test_sort_key_matches_the_contract(items: list[tuple]) -> None:
    def key(t: tuple) -> tuple:
        status, prio, sla, upd = t
        return queue_sort_key(status, prio, next_breach_at(sla, NOW), NOW + timedelta(seconds=upd))

    by_key = sorted(items, key=key)
    by_ref = sorted(items, key=cmp_to_key(reference_cmp))
    assert [key(t) for t in by_key] == [key(t) for t in by_ref]


@given(targets)
def test_passed_breach_instant_is_breached_unless_achieved(t: SlaTarget) -> None:
    stage = effective_stage(t, NOW)
    if t.stage is SlaStage.ACHIEVED:
        assert stage is SlaStage.ACHIEVED
    elif t.breach_at is not None and t.breach_at <= NOW:
        assert stage is SlaStage.BREACHED
    else:
        assert stage is t.stage


def test_sla_labels_read_without_colour() -> None:
    def one(offset: timedelta | None, stage: SlaStage) -> str:
        return sla_label(
            [SlaTarget(SlaMetric.RESOLUTION, None if offset is None else NOW + offset, stage)],
            NOW,
        )

    assert one(timedelta(minutes=-42), SlaStage.ACTIVE) == "BREACHED -0:42"
    assert one(timedelta(hours=1, minutes=5), SlaStage.ACTIVE) == "1:05"
    assert one(timedelta(days=2, hours=4), SlaStage.ACTIVE) == "2d 04h"
    assert one(None, SlaStage.PAUSED) == "PAUSED"
    paused_with_time_left = SlaTarget(
        SlaMetric.RESOLUTION, None, SlaStage.PAUSED, remaining_seconds=3 * 3600 + 20 * 60
    )
    assert sla_label([paused_with_time_left], NOW) == "PAUSED 3:20"
    assert one(timedelta(hours=-1), SlaStage.ACHIEVED) == "met"
    assert sla_label([], NOW) == "—"
    assert format_duration(timedelta(seconds=59)) == "0:00"
