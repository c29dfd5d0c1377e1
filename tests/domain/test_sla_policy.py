"""Computed SLA clocks: policy matching, pause/resume from status history, merging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queuebench.domain.business_time import BusinessCalendar
from queuebench.domain.models import (
    Priority,
    SlaMetric,
    SlaSource,
    SlaStage,
    SlaTarget,
    Status,
    Vendor,
)
from queuebench.domain.normalize import effective_stage
from queuebench.domain.sla_policy import (
    PolicyMatch,
    SlaDisagreement,
    SlaPolicy,
    compute_targets,
    merge_targets,
    select_policy,
)

NY = ZoneInfo("America/New_York")
H = timedelta(hours=1)
M = timedelta(minutes=1)
FR, NR, RES, PU = (
    SlaMetric.FIRST_RESPONSE,
    SlaMetric.NEXT_RESPONSE,
    SlaMetric.RESOLUTION,
    SlaMetric.PERIODIC_UPDATE,
)
NY95 = BusinessCalendar.from_config(
    "NY95",
    timezone="America/New_York",
    hours={"mon-fri": "09:00-17:00"},
    holidays={"extra": ["2025-07-04", "2025-12-25", "2026-01-01", "2026-07-03"]},
)


def mon(hour: int, minute: int = 0) -> datetime:
    """Monday 2025-03-17 in New York."""
    return datetime(2025, 3, 17, hour, minute, tzinfo=NY)


def tue(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 18, hour, minute, tzinfo=NY)


def policy(targets: dict[SlaMetric, timedelta], **kwargs: object) -> SlaPolicy:
    return SlaPolicy(
        kwargs.pop("name", "standard"),  # type: ignore[arg-type]
        kwargs.pop("match", PolicyMatch()),  # type: ignore[arg-type]
        "NY95",
        kwargs.pop("pause_statuses", (Status.PENDING,)),  # type: ignore[arg-type]
        targets,
        **kwargs,  # type: ignore[arg-type]
    )


def run(p: SlaPolicy, now: datetime, **kwargs: object) -> tuple[SlaTarget, ...]:
    kwargs.setdefault("created_at", mon(9))
    kwargs.setdefault("status_history", [(mon(9), Status.NEW)])
    return compute_targets(p, NY95, now=now, **kwargs)  # type: ignore[arg-type]


# --- matching -------------------------------------------------------------------------------


def test_select_policy_first_match_wins_and_empty_match_matches_anything() -> None:
    urgent_acme = policy(
        {FR: 30 * M},
        name="acme-p1",
        match=PolicyMatch(priority=[Priority.P1], organization=["ACME Corp"]),
    )
    urgent = policy({FR: H}, name="p1", match=PolicyMatch(priority=["p1"]))
    jsm = policy({FR: 2 * H}, name="jsm", match=PolicyMatch(vendor=["jsm"]))
    fallback = policy({FR: 8 * H}, name="fallback")
    policies = [urgent_acme, urgent, jsm, fallback]

    def pick(**ticket: object) -> str | None:
        found = select_policy(policies, **ticket)  # type: ignore[arg-type]
        return None if found is None else found.name

    assert pick(vendor=Vendor.ZENDESK, priority=Priority.P1, organization="acme corp") == "acme-p1"
    assert pick(vendor=Vendor.ZENDESK, priority=Priority.P1, organization="Globex") == "p1"
    assert pick(vendor=Vendor.JSM, priority=Priority.P1, organization=None) == "p1"
    assert pick(vendor=Vendor.JSM, priority=Priority.P3) == "jsm"
    assert pick(vendor=Vendor.JSM, priority=None) == "jsm"
    assert pick(vendor=Vendor.SERVICENOW, priority=None) == "fallback"
    assert select_policy([urgent, jsm], vendor=Vendor.ZENDESK, priority=Priority.P2) is None
    # Order is the caller's: the fallback first shadows everything.
    assert select_policy([fallback, urgent], priority=Priority.P1) is fallback


def test_policy_match_accounts_and_tags() -> None:
    match = PolicyMatch(account=["zd-eu"], tags=["VIP", "escalated"])
    assert match.matches(account="zd-eu", tags=["billing", "vip"]) is True
    assert match.matches(account="zd-eu", tags=["billing"]) is False
    assert match.matches(account="zd-us", tags=["vip"]) is False
    assert PolicyMatch(vendor="zendesk").vendor == (Vendor.ZENDESK,)
    with pytest.raises(ValueError, match=r"match.priority: 'P9' is not valid; use one of P1"):
        PolicyMatch(priority=["P9"])


def test_from_config_builds_a_policy() -> None:
    p = SlaPolicy.from_config(
        "gold",
        calendar="NY95",
        targets={"resolution": "1d", "first_response": "1h30m"},
        match={"priority": ["P1", "P2"], "tags": ["gold"]},
        pause_statuses=["pending", "on_hold"],
        pausable_metrics=["resolution"],
    )
    assert p.targets == {FR: timedelta(minutes=90), RES: 24 * H}
    assert list(p.targets) == [FR, RES]  # metric order, not config order
    assert p.match.priority == (Priority.P1, Priority.P2)
    assert p.pause_statuses == (Status.PENDING, Status.ON_HOLD)
    assert p.pauses_metric(RES) is True
    assert p.pauses_metric(FR) is False


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"targets": {"first_reply": "1h"}},
            r"SLA policy 'gold': targets key: 'first_reply' is not valid; use one of "
            r"first_response, next_response, resolution, periodic_update",
        ),
        (
            {"targets": {"resolution": "8 hours"}},
            r"SLA policy 'gold': targets.resolution: duration '8 hours' is not understood",
        ),
        ({"targets": {}}, r"SLA policy 'gold': no targets"),
        ({"targets": {"resolution": "0m"}}, r"target for resolution must be a positive duration"),
        (
            {"targets": {"resolution": "8h"}, "match": {"org": ["x"]}},
            r"match.org is not a match field; use vendor, priority, organization",
        ),
        (
            {"targets": {"resolution": "8h"}, "pause_statuses": ["waiting"]},
            r"pause_statuses: 'waiting' is not valid; use one of new, open, pending",
        ),
        (
            {"targets": {"resolution": "8h"}, "calendar": " "},
            r"calendar must name a calendar",
        ),
    ],
)
def test_from_config_errors(kwargs: dict[str, object], message: str) -> None:
    kwargs.setdefault("calendar", "NY95")
    with pytest.raises(ValueError, match=message):
        SlaPolicy.from_config("gold", **kwargs)  # type: ignore[arg-type]


# --- clocks ---------------------------------------------------------------------------------


def test_first_response_active_achieved_breached() -> None:
    p = policy({FR: 2 * H})
    (t,) = run(p, mon(10))
    assert t == SlaTarget(FR, mon(11), SlaStage.ACTIVE, SlaSource.COMPUTED, "standard")
    (t,) = run(p, mon(12), first_public_reply_at=mon(10, 30))
    assert (t.stage, t.breach_at) == (SlaStage.ACHIEVED, mon(11))
    (t,) = run(p, mon(12))
    assert (t.stage, t.breach_at) == (SlaStage.BREACHED, mon(11))
    (t,) = run(p, mon(11))  # at the breach instant itself, as effective_stage says
    assert t.stage is SlaStage.BREACHED
    # A reply stamped after "now" has not happened yet.
    (t,) = run(p, mon(12), first_public_reply_at=mon(12, 30))
    assert t.stage is SlaStage.BREACHED
    # A late reply still achieves; whether it was met is reply < breach_at.
    (t,) = run(p, mon(12), first_public_reply_at=mon(11, 30))
    assert (t.stage, t.breach_at) == (SlaStage.ACHIEVED, mon(11))


HISTORY_TC6 = [
    (mon(9), Status.NEW),
    (mon(10), Status.OPEN),
    (mon(11), Status.PENDING),
    (tue(10), Status.OPEN),
]


def test_pause_and_resume_follow_the_status_history() -> None:
    p = policy({RES: 8 * H})
    (t,) = run(p, tue(12), status_history=HISTORY_TC6)
    # 2 h Mon before the pause, paused Mon 11:00 -> Tue 10:00, 6 h left from Tue 10:00.
    assert (t.stage, t.breach_at, t.remaining_seconds) == (SlaStage.ACTIVE, tue(16), None)


def test_paused_clock_has_no_instant_and_frozen_remaining() -> None:
    p = policy({RES: 8 * H})
    for now in (mon(11, 30), mon(20), tue(9, 59)):
        (t,) = run(p, now, status_history=HISTORY_TC6)
        assert (t.stage, t.breach_at, t.remaining_seconds) == (SlaStage.PAUSED, None, 6 * 3600)


def test_a_status_outside_pause_statuses_does_not_pause() -> None:
    p = policy({RES: 8 * H}, pause_statuses=(Status.ON_HOLD,))
    (t,) = run(p, mon(12), status_history=HISTORY_TC6)
    assert (t.stage, t.breach_at) == (SlaStage.ACTIVE, mon(17))


def test_clock_that_breached_before_the_pause_stays_breached() -> None:
    p = policy({RES: 2 * H})
    history = [(mon(9), Status.OPEN), (mon(12), Status.PENDING)]
    (t,) = run(p, tue(12), status_history=history)
    assert (t.stage, t.breach_at, t.remaining_seconds) == (SlaStage.BREACHED, mon(11), None)


def test_solving_fulfils_and_a_reopen_does_not_count_solved_time() -> None:
    p = policy({FR: 2 * H, RES: 8 * H})
    solved = [(mon(9), Status.OPEN), (mon(10), Status.SOLVED)]
    fr, res = run(p, tue(12), status_history=solved)
    assert (fr.stage, fr.breach_at) == (SlaStage.ACHIEVED, mon(11))  # solved without a reply
    assert (res.stage, res.breach_at) == (SlaStage.ACHIEVED, mon(17))
    # solved_at from the caller gives the same result without a history entry.
    assert run(p, tue(12), status_history=[], solved_at=mon(10)) == (fr, res)

    reopened = [(mon(9), Status.OPEN), (mon(13), Status.SOLVED), (tue(10), Status.OPEN)]
    _, res = run(p, tue(11), status_history=reopened, first_public_reply_at=mon(9, 30))
    # 4 h Mon 09-13, solved Mon 13:00 -> Tue 10:00 (5 business hours excluded), 4 h left.
    assert (res.stage, res.breach_at) == (SlaStage.ACTIVE, tue(14))


def test_solved_while_paused_projects_the_breach_from_the_solve() -> None:
    p = policy({RES: 8 * H})
    history = [(mon(9), Status.OPEN), (mon(11), Status.PENDING), (tue(10), Status.SOLVED)]
    (t,) = run(p, tue(12), status_history=history)
    # 6 h were left when it was solved: the (met) breach instant is Tue 16:00.
    assert (t.stage, t.breach_at) == (SlaStage.ACHIEVED, tue(16))


def test_next_response_runs_from_the_customer_comment_after_the_last_reply() -> None:
    p = policy({NR: H})
    replied = {"first_public_reply_at": mon(10), "last_public_reply_at": mon(10)}
    (t,) = run(p, mon(14, 30), last_customer_comment_at=mon(14), **replied)
    assert (t.metric, t.stage, t.breach_at) == (NR, SlaStage.ACTIVE, mon(15))
    # Comment late in the day: 30 min Monday, 30 min Tuesday.
    (t,) = run(p, mon(18), last_customer_comment_at=mon(16, 30), **replied)
    assert (t.stage, t.breach_at) == (SlaStage.ACTIVE, tue(9, 30))
    # Answered at 14:20.
    (t,) = run(
        p,
        mon(16),
        first_public_reply_at=mon(10),
        last_public_reply_at=mon(14, 20),
        last_customer_comment_at=mon(14),
    )
    assert (t.stage, t.breach_at) == (SlaStage.ACHIEVED, mon(15))
    # Nothing awaits a reply: a comment before the first reply belongs to first response.
    assert run(p, mon(16), last_customer_comment_at=mon(9, 30), **replied) == ()
    assert run(p, mon(16), last_customer_comment_at=mon(14)) == ()  # no reply yet at all


def test_periodic_update_and_pausable_metrics() -> None:
    history = [(mon(9), Status.OPEN), (mon(11), Status.PENDING)]
    replied = {"first_public_reply_at": mon(10), "last_public_reply_at": mon(10)}
    paused_too = policy({PU: 4 * H})
    (t,) = run(paused_too, mon(15), status_history=history, **replied)
    assert (t.stage, t.breach_at, t.remaining_seconds) == (SlaStage.PAUSED, None, 3 * 3600)
    never_paused = policy({PU: 4 * H}, pausable_metrics=frozenset({RES}))
    (t,) = run(never_paused, mon(15), status_history=history, **replied)
    assert (t.stage, t.breach_at) == (SlaStage.BREACHED, mon(14))
    assert run(paused_too, mon(15), status_history=history) == ()  # no reply, no update clock


def test_start_statuses_cancel_and_restart_the_clocks() -> None:
    p = policy({FR: 2 * H, RES: 8 * H}, pause_statuses=(), start_statuses=(Status.NEW, Status.OPEN))
    history = [(mon(9), Status.NEW), (mon(10), Status.ON_HOLD), (tue(9), Status.OPEN)]
    assert run(p, mon(15), status_history=history) == ()  # cancelled while on hold
    # Fresh clocks from Tue 09:00; the reply before the cancellation does not count.
    fr, res = run(p, tue(10), status_history=history, first_public_reply_at=mon(9, 30))
    assert (fr.stage, fr.breach_at) == (SlaStage.ACTIVE, tue(11))
    assert (res.stage, res.breach_at) == (SlaStage.ACTIVE, tue(17))
    fr, _ = run(p, tue(10), status_history=history, first_public_reply_at=tue(9, 30))
    assert (fr.stage, fr.breach_at) == (SlaStage.ACHIEVED, tue(11))


@settings(max_examples=150, deadline=None)
@given(
    changes=st.lists(
        st.tuples(st.integers(0, 6 * 24 * 60), st.sampled_from(list(Status))), max_size=6
    ),
    replies=st.lists(st.integers(0, 6 * 24 * 60), max_size=3),
    comment=st.none() | st.integers(0, 6 * 24 * 60),
    now_minutes=st.integers(0, 8 * 24 * 60),
    pausable=st.sampled_from([None, frozenset({RES})]),
)
def test_computed_stages_are_already_effective(
    changes: list[tuple[int, Status]],
    replies: list[int],
    comment: int | None,
    now_minutes: int,
    pausable: frozenset[SlaMetric] | None,
) -> None:
    created = mon(8)
    p = policy(
        {FR: H, NR: 2 * H, RES: 16 * H, PU: 4 * H},
        pause_statuses=(Status.PENDING, Status.ON_HOLD),
        pausable_metrics=pausable,
    )
    now = created + now_minutes * M
    reply_times = sorted(created + r * M for r in replies)
    targets = compute_targets(
        p,
        NY95,
        created_at=created,
        status_history=[(created, Status.NEW)] + [(created + m * M, s) for m, s in changes],
        now=now,
        first_public_reply_at=reply_times[0] if reply_times else None,
        last_public_reply_at=reply_times[-1] if reply_times else None,
        last_customer_comment_at=None if comment is None else created + comment * M,
    )
    assert [t.metric for t in targets] == [m for m in SlaMetric if m in {t.metric for t in targets}]
    assert FR in {t.metric for t in targets} and RES in {t.metric for t in targets}
    for t in targets:
        assert effective_stage(t, now) is t.stage
        assert (t.source, t.policy) == (SlaSource.COMPUTED, "standard")
        if t.stage is SlaStage.PAUSED:
            assert t.breach_at is None
            assert t.remaining_seconds is not None and t.remaining_seconds > 0
        else:
            assert t.breach_at is not None and t.remaining_seconds is None
            assert NY95.is_open(t.breach_at - timedelta(microseconds=1))


# --- merging --------------------------------------------------------------------------------

T0 = datetime(2026, 3, 2, 15, tzinfo=UTC)


def test_vendor_targets_win_and_computed_fill_missing_metrics() -> None:
    vendor = (SlaTarget(FR, T0, SlaStage.ACTIVE),)
    computed = (
        SlaTarget(FR, T0 + 30 * M, SlaStage.ACTIVE, SlaSource.COMPUTED, "gold"),
        SlaTarget(RES, T0 + 8 * H, SlaStage.ACTIVE, SlaSource.COMPUTED, "gold"),
    )
    merged, disagreements = merge_targets(vendor, computed)
    assert merged == (vendor[0], computed[1])
    assert disagreements == (SlaDisagreement(FR, T0, T0 + 30 * M, "gold"),)
    assert disagreements[0].difference == 30 * M


@pytest.mark.parametrize(
    ("offset", "reported"),
    [
        (timedelta(seconds=60), False),
        (timedelta(seconds=61), True),
        (timedelta(seconds=-61), True),
        (timedelta(0), False),
    ],
)
def test_disagreement_needs_more_than_a_minute(offset: timedelta, reported: bool) -> None:
    vendor = (SlaTarget(RES, T0, SlaStage.ACTIVE),)
    computed = (SlaTarget(RES, T0 + offset, SlaStage.ACTIVE, SlaSource.COMPUTED, "gold"),)
    merged, disagreements = merge_targets(vendor, computed)
    assert merged == vendor
    assert len(disagreements) == int(reported)


def test_paused_targets_are_not_compared_and_nearest_vendor_target_is_used() -> None:
    paused_vendor = (SlaTarget(RES, None, SlaStage.PAUSED),)
    computed = (SlaTarget(RES, T0, SlaStage.ACTIVE, SlaSource.COMPUTED, "gold"),)
    assert merge_targets(paused_vendor, computed) == (paused_vendor, ())
    paused_computed = (SlaTarget(RES, None, SlaStage.PAUSED, SlaSource.COMPUTED, "gold", 60),)
    vendor = (SlaTarget(RES, T0, SlaStage.ACTIVE),)
    assert merge_targets(vendor, paused_computed) == (vendor, ())
    # Two vendor SLAs on one metric (JSM can have several): the nearest one is compared.
    two = (SlaTarget(RES, T0 - 4 * H, SlaStage.ACTIVE), SlaTarget(RES, T0 + 2 * M, SlaStage.ACTIVE))
    merged, disagreements = merge_targets(two, computed)
    assert merged == two
    assert disagreements == (SlaDisagreement(RES, T0 + 2 * M, T0, "gold"),)
    assert disagreements[0].difference == -2 * M
