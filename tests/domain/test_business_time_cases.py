"""Reference SLA edge cases TC1-TC19 (``shared/reference/sla-and-redaction.md`` section 1.7).

Each test asserts the result the reference table gives. The table has no TC11 and no TC13;
TC4b, TC8b and TC8c are its sub-cases. NY95 is Mon-Fri 09:00-17:00 America/New_York with the
holidays 2025-07-04, 2025-12-25, 2026-01-01 and 2026-07-03.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from queuebench.domain.business_time import (
    TWENTY_FOUR_SEVEN,
    BusinessCalendar,
    parse_duration,
    parse_servicenow_duration,
)
from queuebench.domain.models import SlaMetric, SlaStage, SlaTarget, Status
from queuebench.domain.normalize import effective_stage, next_breach_at, parse_utc, sla_label
from queuebench.domain.sla_policy import PolicyMatch, SlaPolicy, compute_targets

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
AUCKLAND = ZoneInfo("Pacific/Auckland")
H = timedelta(hours=1)


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NY)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture(scope="module")
def ny95() -> BusinessCalendar:
    return BusinessCalendar.from_config(
        "NY95",
        timezone="America/New_York",
        hours={"mon-fri": "09:00-17:00"},
        holidays={"extra": ["2025-07-04", "2025-12-25", "2026-01-01", "2026-07-03"]},
    )


@pytest.fixture(scope="module")
def sn_0817() -> BusinessCalendar:
    return BusinessCalendar.from_config(
        "8-17 weekdays", timezone="America/New_York", hours={"mon-fri": "08:00-17:00"}
    )


def test_tc1_weekend_and_spring_forward(ny95: BusinessCalendar) -> None:
    breach = ny95.add_business(ny(2025, 3, 7, 15), 4 * H)
    assert breach == utc(2025, 3, 10, 15)  # Mon 11:00 EDT; a fixed-offset engine gives 16:00Z
    assert breach.astimezone(NY) == ny(2025, 3, 10, 11)
    assert breach.tzinfo is UTC


def test_tc2_weekend_and_fall_back(ny95: BusinessCalendar) -> None:
    breach = ny95.add_business(ny(2025, 10, 31, 15), 4 * H)
    assert breach == utc(2025, 11, 3, 16)  # Mon 11:00 EST


def test_tc3_holiday(ny95: BusinessCalendar) -> None:
    # 1 h Wed + 8 h Thu + Fri 07-04 holiday + 1 h Mon
    assert ny95.add_business(ny(2025, 7, 2, 16), 10 * H) == ny(2025, 7, 7, 10)


def test_tc4_created_on_saturday_starts_at_next_opening(ny95: BusinessCalendar) -> None:
    assert ny95.add_business(ny(2025, 3, 15, 10), 2 * H) == ny(2025, 3, 17, 11)


def test_tc4b_created_before_opening(ny95: BusinessCalendar) -> None:
    assert ny95.add_business(ny(2025, 3, 18, 6), 2 * H) == ny(2025, 3, 18, 11)


def test_tc5_created_exactly_at_close(ny95: BusinessCalendar) -> None:
    """Fri 17:00 + 8 h is Mon 17:00, not Tue 09:00 (pandas) nor Mon 09:00 (blogs).

    queuebench's end-of-day convention: a deadline whose business time runs out exactly at a
    closing time is that closing time. Tue 09:00 is the same business instant but a later
    absolute one; queuebench reports the earlier, so the clock never looks safer than it is.
    """
    breach = ny95.add_business(ny(2025, 3, 14, 17), 8 * H)
    assert breach == ny(2025, 3, 17, 17)
    assert breach != ny(2025, 3, 18, 9)
    # The closing instant itself is outside the half-open working interval.
    assert ny95.is_open(breach) is False
    assert ny95.is_open(breach - timedelta(microseconds=1)) is True
    assert ny95.business_between(ny(2025, 3, 14, 17), breach) == 8 * H
    # The same convention within one day and across a skipped whole week.
    assert ny95.add_business(ny(2025, 3, 17, 16), H) == ny(2025, 3, 17, 17)
    assert ny95.add_business(ny(2025, 3, 14, 17), 48 * H) == ny(2025, 3, 24, 17)


def test_tc6_pause_across_closed_hours(ny95: BusinessCalendar) -> None:
    start, paused, resumed = ny(2025, 3, 17, 9), ny(2025, 3, 17, 11), ny(2025, 3, 18, 10)
    # Business pause is Mon 11-17 + Tue 9-10 = 7 h, not the 23 h of wall-clock time.
    assert ny95.business_between(paused, resumed) == 7 * H
    assert ny95.business_elapsed_excluding(start, resumed, [(paused, resumed)]) == 2 * H

    state = ny95.deadline_with_pauses(start, 8 * H, [(paused, resumed)], ny(2025, 3, 18, 12))
    assert state.breach_at == ny(2025, 3, 18, 16)
    assert state.paused is False
    assert state.remaining == 4 * H  # Tue 12:00 -> 16:00
    # ServiceNow's formula start + (target + business_pause) gives the same instant.
    assert ny95.add_business(start, 8 * H + 7 * H) == ny(2025, 3, 18, 16)

    # While still paused: no breach instant, the 6 h left are frozen.
    during = ny95.deadline_with_pauses(start, 8 * H, [(paused, None)], ny(2025, 3, 18, 9, 30))
    assert during.breach_at is None
    assert during.paused is True
    assert during.remaining == 6 * H


def test_tc7_schedule_zone_differs_from_agent_zone_across_us_uk_dst_gap() -> None:
    london = BusinessCalendar.from_config(
        "London 9-17", timezone="Europe/London", hours={"mon-fri": "09:00-17:00"}
    )
    created = ny(2025, 3, 10, 8)  # 08:00 EDT = 12:00 GMT (offset 4 h between 03-09 and 03-30)
    assert created == datetime(2025, 3, 10, 12, tzinfo=LONDON)
    breach = london.add_business(created, 4 * H)
    assert breach == datetime(2025, 3, 10, 16, tzinfo=LONDON)
    assert breach.astimezone(NY) == ny(2025, 3, 10, 12)


def test_tc8_calendar_hours_target_across_dst_is_absolute_time() -> None:
    start = ny(2025, 3, 8, 23)
    assert TWENTY_FOUR_SEVEN.add_business(start, 8 * H) == utc(2025, 3, 9, 12)  # 08:00 EDT
    # The trap: same-tzinfo aware arithmetic is wall-clock, 07:00 EDT, only 7 real hours.
    naive_wall_clock = start + 8 * H
    assert naive_wall_clock == ny(2025, 3, 9, 7)
    assert naive_wall_clock.astimezone(UTC) == utc(2025, 3, 9, 11)
    # A 24x7 calendar written out in New York hours (the general path) agrees.
    ny_always = BusinessCalendar.from_config(
        "NY always", timezone="America/New_York", hours={"mon-sun": "00:00-24:00"}
    )
    assert ny_always.add_business(start, 8 * H) == utc(2025, 3, 9, 12)


@pytest.fixture(scope="module")
def night_shift() -> BusinessCalendar:
    return BusinessCalendar.from_config(
        "Sat night", timezone="America/New_York", hours={"sat": "22:00-06:00+1"}
    )


def test_tc8b_overnight_shift_on_fall_back_night_is_9_hours(night_shift: BusinessCalendar) -> None:
    a, b = ny(2025, 11, 1, 12), ny(2025, 11, 2, 12)
    assert night_shift.business_between(a, b) == 9 * H
    assert list(night_shift.working_intervals(a, b)) == [
        (utc(2025, 11, 2, 2), utc(2025, 11, 2, 11))
    ]


def test_tc8c_overnight_shift_on_spring_forward_night_is_7_hours(
    night_shift: BusinessCalendar,
) -> None:
    a, b = ny(2025, 3, 8, 12), ny(2025, 3, 9, 12)
    assert night_shift.business_between(a, b) == 7 * H
    assert list(night_shift.working_intervals(a, b)) == [(utc(2025, 3, 9, 3), utc(2025, 3, 9, 10))]


def test_tc9_servicenow_one_day_is_24_business_hours(sn_0817: BusinessCalendar) -> None:
    one_day = parse_servicenow_duration("1970-01-02 00:00:00")
    assert one_day == parse_duration("1d") == 24 * H
    # 9 h Mon + 9 h Tue + 6 h Wed
    assert sn_0817.add_business(ny(2025, 3, 17, 8), one_day) == ny(2025, 3, 19, 14)


def test_tc10_servicenow_elapsed_time_example(sn_0817: BusinessCalendar) -> None:
    opened, now = ny(2014, 12, 12, 21), ny(2014, 12, 15, 9, 30)
    business = sn_0817.business_between(opened, now)
    actual = now - opened
    assert business == timedelta(hours=1, minutes=30)
    assert actual == timedelta(hours=60, minutes=30)
    assert business / (8 * H) * 100 == pytest.approx(18.75)
    assert actual / (8 * H) * 100 == pytest.approx(756.25)


def test_tc12_observed_holiday_only_when_the_calendar_lists_it(ny95: BusinessCalendar) -> None:
    assert ny95.add_business(ny(2026, 7, 2, 16), 2 * H) == ny(2026, 7, 6, 10)
    # The holidays package gives the observed Friday too ...
    us = BusinessCalendar.from_config(
        "US",
        timezone="America/New_York",
        hours={"mon-fri": "09:00-17:00"},
        holidays={"country": "US"},
    )
    assert us.add_business(ny(2026, 7, 2, 16), 2 * H) == ny(2026, 7, 6, 10)
    # ... but a calendar that does not list it works on Friday 07-03.
    unobserved = BusinessCalendar.from_config(
        "US unobserved",
        timezone="America/New_York",
        hours={"mon-fri": "09:00-17:00"},
        holidays={"country": "US", "observed": False},
    )
    assert unobserved.add_business(ny(2026, 7, 2, 16), 2 * H) == ny(2026, 7, 3, 10)


def test_tc14_year_end(ny95: BusinessCalendar) -> None:
    breach = ny95.add_business(ny(2025, 12, 31, 16), 4 * H)
    assert breach == ny(2026, 1, 2, 12)
    assert breach == utc(2026, 1, 2, 17)  # EST


def test_tc15_far_from_utc_holiday_is_a_local_date() -> None:
    auckland = BusinessCalendar.from_config(
        "Auckland",
        timezone="Pacific/Auckland",
        hours={"mon-fri": "09:00-17:00"},
        holidays={"extra": ["2025-02-06"]},
    )
    breach = auckland.add_business(datetime(2025, 2, 5, 16, tzinfo=AUCKLAND), 4 * H)
    assert breach == datetime(2025, 2, 7, 12, tzinfo=AUCKLAND)  # not Thu 12:00 (UTC holiday)


def test_tc16_zendesk_sideload_uses_breach_at_and_ignores_days() -> None:
    item: dict[str, Any] = {
        "breach_at": "2025-12-18T03:07:32Z",
        "stage": "achieved",
        "metric": "first_reply_time",
        "days": -141,
    }
    breach_at = parse_utc(item["breach_at"])
    assert breach_at == utc(2025, 12, 18, 3, 7, 32)
    now = breach_at + timedelta(days=141, hours=5)  # "days" is time since breach, not a target
    target = SlaTarget(SlaMetric.FIRST_RESPONSE, breach_at, SlaStage(item["stage"]))
    assert effective_stage(target, now) is SlaStage.ACHIEVED
    assert next_breach_at([target], now) is None
    assert sla_label([target], now) == "met"


def test_tc17_servicenow_clamped_time_left_is_ignored() -> None:
    now = utc(2026, 3, 2, 15)
    task_sla = {
        "stage": "in_progress",
        "time_left": "1970-01-01 00:00:00",
        "planned_end_time": "2026-03-02 13:00:00",  # UTC raw value
    }
    assert parse_servicenow_duration(task_sla["time_left"]) == timedelta(0)  # clamped at 0
    target = SlaTarget(
        SlaMetric.RESOLUTION, parse_utc(task_sla["planned_end_time"]), SlaStage.ACTIVE
    )
    assert effective_stage(target, now) is SlaStage.BREACHED
    assert next_breach_at([target], now) == utc(2026, 3, 2, 13)
    assert now - next_breach_at([target], now) == 2 * H  # type: ignore[operator]
    assert sla_label([target], now) == "BREACHED -2:00"


def test_tc18_jsm_breached_ongoing_cycle_is_breached_running() -> None:
    now = utc(2026, 3, 2, 15)
    ongoing: dict[str, Any] = {
        "breached": True,
        "paused": False,
        "breachTime": {"epochMillis": 1772456400000},
    }
    breach_at = parse_utc(ongoing["breachTime"]["epochMillis"])
    assert breach_at == utc(2026, 3, 2, 13)
    target = SlaTarget(SlaMetric.RESOLUTION, breach_at, SlaStage.BREACHED)
    assert effective_stage(target, now) is SlaStage.BREACHED
    # Still ranked as a running clock: it is the ticket's next (overdue) breach.
    assert next_breach_at([target], now) == breach_at
    # A vendor-flagged breach whose instant moved ahead (goal edited) does not un-breach.
    moved = SlaTarget(SlaMetric.RESOLUTION, now + H, SlaStage.BREACHED)
    assert effective_stage(moved, now) is SlaStage.BREACHED


def test_tc19_pause_status_outside_start_statuses_cancels_not_pauses(
    ny95: BusinessCalendar,
) -> None:
    """ServiceNow cancels a task SLA whose pause condition excludes its start condition.

    queuebench mirrors that for policies with ``start_statuses``: on_hold outside
    (new, open) cancels the clocks (no targets); listing on_hold in both pauses them.
    """
    created = ny(2025, 3, 17, 9)
    history = [(created, Status.NEW), (ny(2025, 3, 17, 10), Status.ON_HOLD)]
    now = ny(2025, 3, 17, 12)
    mismatched = SlaPolicy(
        "sn-like",
        PolicyMatch(),
        "NY95",
        (Status.ON_HOLD,),
        {SlaMetric.RESOLUTION: 8 * H},
        start_statuses=(Status.NEW, Status.OPEN),
    )
    assert (
        compute_targets(mismatched, ny95, created_at=created, status_history=history, now=now) == ()
    )

    consistent = SlaPolicy(
        "sn-like fixed",
        PolicyMatch(),
        "NY95",
        (Status.ON_HOLD,),
        {SlaMetric.RESOLUTION: 8 * H},
        start_statuses=(Status.NEW, Status.OPEN, Status.ON_HOLD),
    )
    (target,) = compute_targets(
        consistent, ny95, created_at=created, status_history=history, now=now
    )
    assert target.stage is SlaStage.PAUSED
    assert target.breach_at is None
    assert target.remaining_seconds == 7 * 3600

    with pytest.raises(ValueError, match="would cancel the clock instead of pausing"):
        SlaPolicy.from_config(
            "sn-like",
            calendar="NY95",
            targets={"resolution": "8h"},
            pause_statuses=["on_hold"],
            start_statuses=["new", "open"],
        )
