"""Hypothesis properties of the business-time engine.

The strongest ones compare against a brute-force oracle written independently of the engine:
it walks minute by minute through absolute time, converts each minute to the calendar's wall
clock with ``astimezone`` and asks whether that local weekday/time lies in a configured
interval on a non-holiday date. Starts cluster around the DST transitions of
America/New_York, Europe/London and Pacific/Auckland, and holidays are drawn near the start.

Conventions checked here: a positive duration always ends inside a working interval (the
instant one microsecond before the result is open; the result itself may be the closing
instant, the TC5 end-of-day convention); a zero duration returns the start unchanged, even
outside working hours.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queuebench.domain.business_time import TWENTY_FOUR_SEVEN, BusinessCalendar

ZONES = ("America/New_York", "Europe/London", "Pacific/Auckland")
TEMPLATES: Mapping[str, Mapping[str, str]] = {
    "nine-five": {"mon-fri": "09:00-17:00"},
    "split": {"mon-fri": "08:30-12:00, 13:00-17:30", "sat": "10:00-14:00"},
    "nights": {"mon-fri": "09:00-17:00", "sat": "22:00-06:00+1", "sun": "22:00-06:00+1"},
    "long": {"mon-sun": "06:00-24:00"},
}
WINDOW_START = datetime(2025, 1, 1, tzinfo=UTC)
WINDOW_END = datetime(2026, 12, 31, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
ONE_US = timedelta(microseconds=1)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ORACLE = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _transitions(zone_name: str) -> list[datetime]:
    """UTC instants (to the hour) where the zone's offset changes in the window."""
    zone = ZoneInfo(zone_name)
    out: list[datetime] = []
    t = WINDOW_START
    previous = t.astimezone(zone).utcoffset()
    while t < WINDOW_END:
        t += timedelta(hours=1)
        offset = t.astimezone(zone).utcoffset()
        if offset != previous:
            out.append(t)
            previous = offset
    return out


TRANSITIONS = {name: _transitions(name) for name in ZONES}


def test_each_zone_has_four_dst_transitions_in_the_window() -> None:
    assert {name: len(instants) for name, instants in TRANSITIONS.items()} == dict.fromkeys(
        ZONES, 4
    )
    assert datetime(2025, 3, 9, 7, tzinfo=UTC) in TRANSITIONS["America/New_York"]
    assert datetime(2025, 10, 26, 1, tzinfo=UTC) in TRANSITIONS["Europe/London"]
    assert datetime(2025, 9, 27, 14, tzinfo=UTC) in TRANSITIONS["Pacific/Auckland"]


@cache
def _parsed_template(name: str) -> tuple[tuple[int, time, time, bool], ...]:
    cal = BusinessCalendar.from_config(name, timezone="UTC", hours=dict(TEMPLATES[name]))
    return tuple((iv.weekday, iv.start, iv.end, iv.next_day) for iv in cal.intervals)


class Case:
    """A calendar plus an oracle built from the same config, and a start instant."""

    def __init__(self, template: str, zone: str, start: datetime, holidays: Sequence[date]):
        self.template = template
        self.zone = ZoneInfo(zone)
        self.start = start
        self.holidays = frozenset(holidays)
        self.calendar = BusinessCalendar.from_config(
            f"{template}@{zone}",
            timezone=zone,
            hours=dict(TEMPLATES[template]),
            holidays={"extra": [d.isoformat() for d in sorted(self.holidays)]},
        )

    def __repr__(self) -> str:
        return (
            f"Case({self.template!r}, {self.zone.key!r}, {self.start!r}, {sorted(self.holidays)})"
        )

    def oracle_open(self, instant: datetime) -> bool:
        local = instant.astimezone(self.zone)
        if local.date() in self.holidays:
            return False
        wd, t = local.weekday(), local.time().replace(fold=0)
        for weekday, start, end, next_day in _parsed_template(self.template):
            if weekday == wd and start <= t and (next_day or t < end):
                return True
            if next_day and (weekday + 1) % 7 == wd and t < end:
                return True
        return False

    def oracle_between(self, a: datetime, b: datetime) -> timedelta:
        minutes = 0
        m = a
        while m < b:
            minutes += self.oracle_open(m)
            m += MINUTE
        return minutes * MINUTE

    def oracle_add(self, start: datetime, minutes: int) -> datetime:
        m = start
        while True:
            if self.oracle_open(m):
                minutes -= 1
                if minutes == 0:
                    return m + MINUTE
            m += MINUTE


@st.composite
def cases(draw: st.DrawFn) -> Case:
    zone = draw(st.sampled_from(ZONES))
    template = draw(st.sampled_from(sorted(TEMPLATES)))
    if draw(st.booleans()):
        anchor = draw(st.sampled_from(TRANSITIONS[zone]))
        start = anchor + draw(st.integers(-4 * 1440, 2 * 1440)) * MINUTE
    else:
        start = WINDOW_START + draw(st.integers(0, 700 * 1440)) * MINUTE
    if draw(st.booleans()):
        start = start.replace(minute=start.minute // 30 * 30)  # on an opening or closing time
    local_day = start.astimezone(ZoneInfo(zone)).date()
    offsets = draw(st.lists(st.integers(-1, 8), max_size=3))
    return Case(template, zone, start, [local_day + timedelta(days=o) for o in offsets])


durations = st.integers(0, 120 * 3600 * 1_000_000).map(lambda us: timedelta(microseconds=us))


@ORACLE
@given(case=cases(), minutes=st.integers(0, 4 * 1440))
def test_business_between_matches_the_minute_oracle(case: Case, minutes: int) -> None:
    end = case.start + minutes * MINUTE
    assert case.calendar.business_between(case.start, end) == case.oracle_between(case.start, end)


@ORACLE
@given(
    case=cases(), minutes=st.one_of(st.integers(1, 16 * 60), st.integers(1, 32).map((30).__mul__))
)
def test_add_business_matches_the_minute_oracle(case: Case, minutes: int) -> None:
    assert case.calendar.add_business(case.start, minutes * MINUTE) == case.oracle_add(
        case.start, minutes
    )


@FAST
@given(case=cases(), micro=st.integers(0, 59_999_999), duration=durations)
def test_add_then_measure_returns_the_duration(case: Case, micro: int, duration: timedelta) -> None:
    start = case.start + timedelta(microseconds=micro)
    end = case.calendar.add_business(start, duration)
    assert case.calendar.business_between(start, end) == duration


@FAST
@given(case=cases(), duration=durations)
def test_result_lies_inside_a_working_interval(case: Case, duration: timedelta) -> None:
    end = case.calendar.add_business(case.start, duration)
    assert end.tzinfo is UTC
    if duration == timedelta(0):
        assert end == case.start  # documented: zero duration never moves the start
        return
    just_before = end - ONE_US
    assert case.calendar.is_open(just_before)
    assert case.oracle_open(just_before.replace(second=0, microsecond=0))
    assert just_before.astimezone(case.zone).date() not in case.holidays


@FAST
@given(case=cases(), d1=durations, d2=durations)
def test_monotonic_and_additive_in_the_duration(case: Case, d1: timedelta, d2: timedelta) -> None:
    cal = case.calendar
    short, long = sorted((d1, d2))
    assert cal.add_business(case.start, short) <= cal.add_business(case.start, long)
    assert cal.add_business(cal.add_business(case.start, d1), d2) == cal.add_business(
        case.start, d1 + d2
    )


@FAST
@given(case=cases(), duration=durations)
def test_working_intervals_sum_to_business_between(case: Case, duration: timedelta) -> None:
    end = case.start + duration
    intervals = list(case.calendar.working_intervals(case.start, end))
    assert sum((e - s for s, e in intervals), timedelta(0)) == case.calendar.business_between(
        case.start, end
    )
    for (_, e1), (s2, _) in itertools.pairwise(intervals):
        assert e1 < s2  # disjoint, ordered, touching intervals merged
    for s, e in intervals:
        assert case.calendar.is_open(s)
        assert case.calendar.is_open(e - ONE_US)


@FAST
@given(
    case=cases(),
    pauses=st.lists(st.tuples(st.integers(0, 5 * 1440), st.integers(1, 2 * 1440)), max_size=3),
    target_minutes=st.integers(1, 30 * 60),
    now_minutes=st.integers(0, 8 * 1440),
)
def test_paused_clock_agrees_with_elapsed_excluding_pauses(
    case: Case, pauses: list[tuple[int, int]], target_minutes: int, now_minutes: int
) -> None:
    cal, start = case.calendar, case.start
    windows = [(start + a * MINUTE, start + (a + n) * MINUTE) for a, n in pauses]
    now = start + now_minutes * MINUTE
    target = target_minutes * MINUTE
    state = cal.deadline_with_pauses(start, target, windows, now)
    worked = cal.business_elapsed_excluding(start, now, windows)
    if state.paused:
        assert state.breach_at is None
        assert worked + state.remaining == target
    else:
        assert state.breach_at is not None
        if state.breach_at > now:
            # Still running: what has run plus what is left is the target, and the
            # breach instant is that remaining business time after now.
            assert worked + state.remaining == target
            assert cal.add_business(now, state.remaining) == state.breach_at
        else:
            # Breached: exactly the target had run by the breach instant.
            assert cal.business_elapsed_excluding(start, state.breach_at, windows) == target


@FAST
@given(
    start=st.datetimes(
        min_value=datetime(2020, 1, 1),
        max_value=datetime(2030, 1, 1),
        timezones=st.sampled_from([UTC, *(ZoneInfo(z) for z in ZONES)]),
    ),
    duration=durations,
)
def test_24x7_equals_absolute_time_addition(start: datetime, duration: timedelta) -> None:
    end = TWENTY_FOUR_SEVEN.add_business(start, duration)
    absolute = start.astimezone(UTC) + duration
    assert end == absolute
    assert TWENTY_FOUR_SEVEN.business_between(start, end) == duration
    # Written out as 00:00-24:00 in a DST zone (the general day-by-day path), it agrees.
    assert _ny_always().add_business(start, duration) == absolute
    assert _ny_always().business_between(start, end) == duration


@cache
def _ny_always() -> BusinessCalendar:
    return BusinessCalendar.from_config(
        "NY always", timezone="America/New_York", hours={"mon-sun": "00:00-24:00"}
    )


@FAST
@given(
    case=cases(),
    first=st.integers(0, 40 * 1440 * 60),
    second=st.integers(0, 40 * 1440 * 60),
)
def test_business_between_is_additive_over_long_spans(case: Case, first: int, second: int) -> None:
    """Long spans take the whole-week shortcut; splitting them anywhere must not change the sum."""
    cal, a = case.calendar, case.start
    b = a + timedelta(seconds=first)
    c = b + timedelta(seconds=second)
    assert cal.business_between(a, c) == cal.business_between(a, b) + cal.business_between(b, c)
    assert cal.business_between(c, a) == -cal.business_between(a, c)
    assert cal.add_business(a, cal.business_between(a, c)) <= c
