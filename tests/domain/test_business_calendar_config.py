"""BusinessCalendar construction from config, its error messages, and the smaller helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from queuebench.domain.business_time import (
    TWENTY_FOUR_SEVEN,
    BusinessCalendar,
    WorkingInterval,
    parse_duration,
    parse_servicenow_duration,
)

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NY)


def test_from_config_reads_split_days_ranges_and_closed_days() -> None:
    cal = BusinessCalendar.from_config(
        "split",
        timezone="America/New_York",
        hours={
            "mon-thu": "09:00-12:00, 13:00-17:00",
            "Friday": ["09:00-12:00"],
            "sat": "closed",
            "sun": None,
        },
    )
    assert [iv.label for iv in cal.intervals] == [
        "mon 09:00-12:00",
        "mon 13:00-17:00",
        "tue 09:00-12:00",
        "tue 13:00-17:00",
        "wed 09:00-12:00",
        "wed 13:00-17:00",
        "thu 09:00-12:00",
        "thu 13:00-17:00",
        "fri 09:00-12:00",
    ]
    # Mon 11:00 + 2 h skips lunch: 1 h before, 1 h after.
    assert cal.add_business(ny(2025, 3, 17, 11), 2 * H) == ny(2025, 3, 17, 14)
    assert cal.is_open(ny(2025, 3, 17, 12, 30)) is False
    # Friday is a half day: 3 h of a 10 h target, then all 7 h of Monday, ending at its close.
    assert cal.add_business(ny(2025, 3, 21, 9), 10 * H) == ny(2025, 3, 24, 17)


def test_from_config_holidays_extra_and_country_are_local_dates() -> None:
    cal = BusinessCalendar.from_config(
        "Berlin",
        timezone="Europe/Berlin",
        hours={"mon-fri": "09:00-17:00"},
        holidays={"country": "de", "subdiv": "BY", "extra": ["2026-12-24"]},
    )
    assert cal.holiday_country == "DE"
    assert cal.is_holiday(date(2026, 12, 24)) is True  # extra
    assert cal.is_holiday(date(2026, 12, 25)) is True  # Weihnachtstag
    assert cal.is_holiday(date(2026, 1, 6)) is True  # Heilige Drei Koenige, Bavaria only
    assert cal.is_holiday(date(2026, 12, 23)) is False
    # Wed 23 Dec 16:00 + 2 h: 1 h Wed, Thu 24 + Fri 25 holidays, Mon 28 10:00.
    start = datetime(2026, 12, 23, 16, tzinfo=BERLIN)
    assert cal.add_business(start, 2 * H) == datetime(2026, 12, 28, 10, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"timezone": "Mars/Olympus", "hours": {"mon": "09:00-17:00"}},
            r"timezone 'Mars/Olympus' is not an IANA time zone name; use one such as",
        ),
        (
            {"timezone": "UTC", "hours": {"mon": "09:00-25:00"}},
            r"hours\.mon: '25:00' is not a time; use HH:MM between 00:00 and 23:59",
        ),
        (
            {"timezone": "UTC", "hours": {"tue": "17:00-09:00"}},
            r"hours\.tue: '17:00-09:00' ends at or before it starts; swap the times, or write "
            r"'17:00-09:00\+1'",
        ),
        (
            {"timezone": "UTC", "hours": {"mnday": "09:00-17:00"}},
            r"hours key 'mnday' is not a weekday; use mon, tue",
        ),
        (
            {"timezone": "UTC", "hours": {"mon": "9 to 5"}},
            r"hours\.mon: '9 to 5' is not an interval; write '09:00-17:00'",
        ),
        (
            {"timezone": "UTC", "hours": {"mon-fri": "09:00-17:00", "fri": "10:00-11:00"}},
            r"fri is given twice \(hours\.mon-fri and hours\.fri\)",
        ),
        (
            {"timezone": "UTC", "hours": {"mon": "09:00-13:00, 12:00-17:00"}},
            r"working intervals mon 09:00-13:00 and mon 12:00-17:00 overlap",
        ),
        (
            {"timezone": "UTC", "hours": {"sun": "22:00-06:00+1", "mon": "05:00-12:00"}},
            r"working intervals sun 22:00-06:00\+1 and mon 05:00-12:00 overlap",
        ),
        (
            {"timezone": "UTC", "hours": {"mon": "09:00-10:00+1"}},
            r"hours\.mon: '09:00-10:00\+1' lasts more than 24 hours",
        ),
        ({"timezone": "UTC", "hours": {}}, r"no working hours; give at least one interval"),
        (
            {"timezone": "UTC", "hours": {"mon": "09:00-17:00"}, "holidays": {"countr": "US"}},
            r"holidays\.countr is not a holidays setting; use country, subdiv, observed or extra",
        ),
        (
            {
                "timezone": "UTC",
                "hours": {"mon": "09:00-17:00"},
                "holidays": {"extra": ["2026-02-30"]},
            },
            r"holidays\.extra '2026-02-30' is not a date; write YYYY-MM-DD",
        ),
        (
            {"timezone": "UTC", "hours": {"mon": "09:00-17:00"}, "holidays": {"subdiv": "BY"}},
            r"holidays\.subdiv 'BY' needs holidays\.country",
        ),
        ({"timezone": "UTC", "hours": "9-5"}, r"hours = '9-5' is not understood"),
        (
            {"timezone": None, "hours": {"mon": "09:00-17:00"}},
            r"timezone is missing; give the IANA name",
        ),
        (
            {"timezone": None, "hours": "24x7", "holidays": {"extra": ["2026-12-25"]}},
            r"a 24x7 calendar has no holidays; for an always-open calendar with holidays write",
        ),
    ],
)
def test_from_config_errors_name_field_value_and_fix(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=r"calendar 'support': " + message):
        BusinessCalendar.from_config("support", **kwargs)  # type: ignore[arg-type]


def test_unknown_holiday_country_is_reported_on_first_use_and_by_preload() -> None:
    cal = BusinessCalendar.from_config(
        "nowhere", timezone="UTC", hours={"mon-fri": "09:00-17:00"}, holidays={"country": "XX"}
    )
    with pytest.raises(ValueError, match=r"holidays country='XX' subdiv=None is not known"):
        cal.preload_holidays([2026])
    with pytest.raises(ValueError, match=r"calendar 'nowhere': holidays country='XX'"):
        cal.add_business(datetime(2026, 3, 2, 9, tzinfo=UTC), H)


def test_overnight_shift_spills_into_the_next_day_and_24_00_end() -> None:
    cal = BusinessCalendar.from_config(
        "nights", timezone="UTC", hours={"fri": "22:00-06:00+1", "sat": "18:00-24:00"}
    )
    fri = datetime(2026, 3, 6, 23, tzinfo=UTC)
    assert cal.is_open(fri) is True
    assert cal.is_open(datetime(2026, 3, 7, 5, 59, tzinfo=UTC)) is True
    assert cal.is_open(datetime(2026, 3, 7, 6, tzinfo=UTC)) is False
    # Fri 23:00 + 8 h: 7 h to Sat 06:00, then 1 h from Sat 18:00.
    assert cal.add_business(fri, 8 * H) == datetime(2026, 3, 7, 19, tzinfo=UTC)
    assert cal.next_open(datetime(2026, 3, 7, 7, tzinfo=UTC)) == datetime(
        2026, 3, 7, 18, tzinfo=UTC
    )
    # Sat 18:00-24:00 touches nothing after it, so the week is 8 + 6 = 14 h.
    week = cal.business_between(datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC))
    assert week == 14 * H


def test_holiday_removes_the_spilled_part_of_an_overnight_shift() -> None:
    cal = BusinessCalendar.from_config(
        "nights", timezone="UTC", hours={"fri": "22:00-06:00+1"}, holidays={"extra": ["2026-03-07"]}
    )
    a, b = datetime(2026, 3, 6, tzinfo=UTC), datetime(2026, 3, 8, tzinfo=UTC)
    assert list(cal.working_intervals(a, b)) == [
        (datetime(2026, 3, 6, 22, tzinfo=UTC), datetime(2026, 3, 7, tzinfo=UTC))
    ]


def test_working_intervals_are_clipped_and_merged() -> None:
    cal = BusinessCalendar.from_config(
        "split", timezone="America/New_York", hours={"mon-fri": "09:00-12:00,12:00-17:00"}
    )
    got = list(cal.working_intervals(ny(2025, 3, 14, 10), ny(2025, 3, 17, 11)))
    assert got == [
        (ny(2025, 3, 14, 10), ny(2025, 3, 14, 17)),
        (ny(2025, 3, 17, 9), ny(2025, 3, 17, 11)),
    ]
    assert all(s.tzinfo is UTC and e.tzinfo is UTC for s, e in got)
    assert list(cal.working_intervals(ny(2025, 3, 15, 10), ny(2025, 3, 15, 12))) == []


def test_from_week_minutes_reads_zendesk_intervals() -> None:
    # Zendesk: minutes since Sunday 00:00; Monday 09:00-17:00 is (1980, 2460).
    cal = BusinessCalendar.from_week_minutes(
        "zendesk", "America/New_York", [(1980 + d * 1440, 2460 + d * 1440) for d in range(5)]
    )
    assert [iv.label for iv in cal.intervals][:2] == ["mon 09:00-17:00", "tue 09:00-17:00"]
    assert cal.add_business(ny(2025, 3, 7, 15), 4 * H) == ny(2025, 3, 10, 11)
    whole_saturday = BusinessCalendar.from_week_minutes("sat", "UTC", [(8640, 10080)])
    assert [iv.label for iv in whole_saturday.intervals] == ["sat 00:00-24:00"]
    with pytest.raises(ValueError, match=r"interval \(100, 20000\) is not within one week"):
        BusinessCalendar.from_week_minutes("bad", "UTC", [(100, 20000)])


def test_twenty_four_seven_and_config_string() -> None:
    start = datetime(2025, 3, 8, 23, 30, tzinfo=UTC)
    assert TWENTY_FOUR_SEVEN.add_business(start, 90 * H) == start + 90 * H
    assert TWENTY_FOUR_SEVEN.business_between(start, start - H) == -H
    assert TWENTY_FOUR_SEVEN.is_open(start) is True
    cal = BusinessCalendar.from_config("always", timezone="Europe/Berlin", hours="24x7")
    assert cal.add_business(start, 3 * H) == start + 3 * H


def test_naive_and_negative_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="naive datetime 2026-03-02T09:00:00"):
        TWENTY_FOUR_SEVEN.add_business(datetime(2026, 3, 2, 9), H)
    with pytest.raises(ValueError, match="must not be negative"):
        TWENTY_FOUR_SEVEN.add_business(datetime(2026, 3, 2, 9, tzinfo=UTC), -H)


def test_zero_duration_returns_the_start_even_when_closed() -> None:
    cal = BusinessCalendar.from_config(
        "nine-five", timezone="UTC", hours={"mon-fri": "09:00-17:00"}
    )
    saturday = datetime(2026, 3, 7, 12, tzinfo=NY)
    assert cal.add_business(saturday, timedelta(0)) == saturday
    assert cal.add_business(saturday, timedelta(0)).tzinfo is UTC


def test_business_between_is_signed() -> None:
    cal = BusinessCalendar.from_config(
        "nine-five", timezone="UTC", hours={"mon-fri": "09:00-17:00"}
    )
    a, b = datetime(2026, 3, 2, 10, tzinfo=UTC), datetime(2026, 3, 3, 10, tzinfo=UTC)
    assert cal.business_between(a, b) == 8 * H
    assert cal.business_between(b, a) == -8 * H


def test_long_durations_skip_whole_weeks_with_holidays() -> None:
    cal = BusinessCalendar.from_config(
        "NY95",
        timezone="America/New_York",
        hours={"mon-fri": "09:00-17:00"},
        holidays={"extra": ["2025-07-04", "2025-12-25", "2026-01-01", "2026-07-03"]},
    )
    start = ny(2025, 3, 3, 9)
    # 52 weeks of 40 h minus the three holidays that fall on weekdays in that year (24 h).
    end = cal.add_business(start, (52 * 40 - 24) * H)
    assert end == ny(2026, 2, 27, 17)
    assert cal.business_between(start, end) == (52 * 40 - 24) * H


def test_day_cache_is_bounded() -> None:
    cal = BusinessCalendar(
        "small cache", "UTC", [WorkingInterval(0, time(9), time(17))], cache_days=16
    )
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)  # a Monday
    assert cal.add_business(start, 80 * H) == datetime(2026, 3, 9, 17, tzinfo=UTC)
    assert len(cal._days) <= 16


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("1h", H),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("2d", timedelta(hours=48)),
        ("1d 2h 3m 4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("4H", 4 * H),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "90", "1.5h", "h", "1m1h", "-1h", "1 day", "1w"])
def test_parse_duration_rejects_with_example(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not understood; write e\.g\. '90s', '30m'"):
        parse_duration(text)


def test_parse_servicenow_duration() -> None:
    assert parse_servicenow_duration("1970-01-02 08:00:00") == 32 * H
    assert parse_servicenow_duration("1970-01-22 21:46:21") == timedelta(
        days=21, hours=21, minutes=46, seconds=21
    )
    assert parse_servicenow_duration("4h") == 4 * H
    with pytest.raises(ValueError, match="before 1970-01-01"):
        parse_servicenow_duration("1969-12-31 00:00:00")


def test_clock_not_started_yet_ignores_pauses() -> None:
    cal = BusinessCalendar.from_config(
        "nine-five", timezone="America/New_York", hours={"mon-fri": "09:00-17:00"}
    )
    state = cal.deadline_with_pauses(
        ny(2025, 3, 17, 10), 2 * H, [(ny(2025, 3, 17, 7), None)], ny(2025, 3, 17, 8)
    )
    assert (state.breach_at, state.paused, state.remaining) == (ny(2025, 3, 17, 12), False, 2 * H)
