"""Business-time arithmetic on absolute instants: calendars, breach instants, elapsed time.

A :class:`BusinessCalendar` is a set of weekly working intervals in one IANA time zone, minus
holidays (whole local dates). Every public function takes aware datetimes and returns aware
UTC datetimes; internally instants are integer microseconds since the Unix epoch, so the
arithmetic is exact and never happens in wall-clock time.

Each local working interval is materialised with ``datetime.combine(day, time, tzinfo=zone)``
and converted to UTC, so DST transitions fall out of the time-zone database: a 09:00-17:00 day
is 8 real hours whatever the offset, an overnight shift across a fall-back night is 9 real
hours and across a spring-forward night 7. Wall-clock times that do not exist (the skipped hour
of a spring-forward night) or exist twice (the repeated hour of a fall-back night) resolve with
``fold=0``, i.e. with the offset in force before the transition.

Conventions, pinned by ``tests/domain/test_business_time_cases.py``:

* Working intervals are half-open ``[open, close)``: :meth:`BusinessCalendar.is_open` is false
  at the closing instant.
* End of day (reference case TC5): a deadline whose business time runs out exactly at a closing
  time *is* that closing time (Fri 17:00 + 8 h on a Mon-Fri 09:00-17:00 calendar is Mon 17:00,
  not Tue 09:00). The two are the same business instant; the closing time is the one a person
  expects to read and the earlier absolute instant, so a clock never looks safer than it is.
* A clock started outside working hours starts at the next opening (TC4); adding a zero duration
  returns the start unchanged, even outside working hours.
* A holiday removes the whole local date ``[00:00, next 00:00)``, including the part of an
  overnight shift that spills into it.
* ``"d"`` in :func:`parse_duration` is a 24-hour block of business time, as in ServiceNow
  (TC9): on a 9-hour working day, ``"1d"`` lasts two and two-thirds working days.

Speed: per-local-date interval lists and per-week totals are cached on the calendar (bounded),
the first (partial) day is walked interval by interval, and whole weeks are skipped by their
cached total while the remaining duration exceeds them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "TWENTY_FOUR_SEVEN",
    "WEEKDAY_NAMES",
    "BusinessCalendar",
    "ClockState",
    "WorkingInterval",
    "parse_duration",
    "parse_servicenow_duration",
]

WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Config keys for weekdays, Monday first (``date.weekday()`` order)."""

_FULL_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_KEYS: dict[str, int] = {
    **{name: i for i, name in enumerate(WEEKDAY_NAMES)},
    **{name: i for i, name in enumerate(_FULL_WEEKDAY_NAMES)},
}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_ONE_US = timedelta(microseconds=1)
_DAY_US = 86_400_000_000
_MINUTES_PER_DAY = 1440
_MINUTES_PER_WEEK = 7 * _MINUTES_PER_DAY
_MIDNIGHT = time(0, 0)
_ONE_DAY = timedelta(days=1)
# A search for working time gives up after this many days (only reachable when holidays cover
# every working day of a century).
_MAX_SCAN_DAYS = 366 * 100
_DEFAULT_CACHE_DAYS = 8192

_Segments = tuple[tuple[int, int], ...]


class _Day(NamedTuple):
    """One local date: its bounds in UTC microseconds, working segments and their total."""

    lo: int
    hi: int
    segments: _Segments
    total: int


def _to_us(instant: datetime) -> int:
    if instant.tzinfo is None:
        raise ValueError(
            f"naive datetime {instant.isoformat()} given to the business-time engine; pass an "
            "aware datetime (UTC), e.g. datetime(..., tzinfo=datetime.UTC)"
        )
    return (instant - _EPOCH) // _ONE_US


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(0, 0, us)  # positional: measurably faster than microseconds=


def _duration_us(duration: timedelta) -> int:
    return duration // _ONE_US


@dataclass(frozen=True, slots=True)
class WorkingInterval:
    """One weekly working interval in the calendar's local time.

    It opens on ``weekday`` (0 = Monday) at ``start`` and closes at ``end`` the same day, or
    the next day when ``next_day`` is true (an overnight shift such as Sat 22:00 -> Sun 06:00,
    or ``24:00``, which is stored as ``end=00:00, next_day=True``). It lasts at most 24 hours.
    """

    weekday: int
    start: time
    end: time
    next_day: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday {self.weekday} is out of range; use 0 (Monday) to 6")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("working interval times are local wall-clock times without tzinfo")
        if self.minutes <= 0:
            raise ValueError(
                f"working interval {self.label} is empty or ends before it starts; for an "
                f"overnight shift mark the end as next day, e.g. '22:00-06:00+1'"
            )
        if self.minutes > _MINUTES_PER_DAY:
            raise ValueError(
                f"working interval {self.label} is longer than 24 hours; split it over two days"
            )

    @property
    def start_minute(self) -> int:
        """Minutes from the start of ``weekday`` (00:00) to the opening."""
        return self.start.hour * 60 + self.start.minute

    @property
    def minutes(self) -> int:
        """Nominal length in wall-clock minutes (DST nights make the real length differ)."""
        end = self.end.hour * 60 + self.end.minute + (_MINUTES_PER_DAY if self.next_day else 0)
        return end - self.start_minute

    @property
    def label(self) -> str:
        """The interval as written in config, e.g. ``'sat 22:00-06:00+1'``."""
        if self.next_day and self.end == _MIDNIGHT:
            end = "24:00"
        else:
            end = self.end.strftime("%H:%M") + ("+1" if self.next_day else "")
        return f"{WEEKDAY_NAMES[self.weekday]} {self.start.strftime('%H:%M')}-{end}"


class ClockState:
    """Where a pausable business-time clock stands at ``now``.

    ``breach_at`` is the breach instant (UTC), or ``None`` while the clock is paused.
    ``remaining`` is the business time left at ``now``: frozen while paused, counting down while
    running, negative once the breach instant has passed. For a running clock it is measured
    on first access, so callers that only need the breach instant do not pay for it.
    """

    __slots__ = ("_calendar", "_now", "_remaining", "breach_at", "paused")

    def __init__(
        self,
        breach_at: datetime | None,
        paused: bool,
        remaining: timedelta | None = None,
        *,
        calendar: BusinessCalendar | None = None,
        now: datetime | None = None,
    ) -> None:
        if remaining is None and (breach_at is None or calendar is None or now is None):
            raise ValueError("ClockState needs remaining, or breach_at, calendar and now")
        self.breach_at = breach_at
        self.paused = paused
        self._remaining = remaining
        self._calendar = calendar
        self._now = now

    @property
    def remaining(self) -> timedelta:
        """Business time left at ``now`` (negative once breached)."""
        if self._remaining is None:
            assert self._calendar is not None and self._now is not None
            assert self.breach_at is not None
            self._remaining = self._calendar.business_between(self._now, self.breach_at)
        return self._remaining

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ClockState):
            return NotImplemented
        return (self.breach_at, self.paused, self.remaining) == (
            other.breach_at,
            other.paused,
            other.remaining,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable cache of ``remaining``

    def __repr__(self) -> str:
        return (
            f"ClockState(breach_at={self.breach_at!r}, paused={self.paused!r}, "
            f"remaining={self.remaining!r})"
        )


class BusinessCalendar:
    """Weekly working intervals in one time zone, minus holidays.

    Build one with :meth:`from_config` (plain config values, clear errors),
    :meth:`from_week_minutes` (Zendesk schedule intervals) or :meth:`twenty_four_seven`;
    :data:`TWENTY_FOUR_SEVEN` is the shared always-open calendar. Holidays are explicit local
    dates and/or a country (and subdivision) from the ``holidays`` package, looked up lazily
    per year and cached; the package is imported only on the first lookup. Instances are safe
    to share between threads (the caches only ever hold values correct for the calendar).
    """

    __slots__ = (
        "_always_open",
        "_by_weekday",
        "_cache_days",
        "_country_years",
        "_days",
        "_extra_holidays",
        "_spill_by_weekday",
        "_weeks",
        "holiday_country",
        "holiday_subdiv",
        "intervals",
        "name",
        "observed",
        "zone",
    )

    def __init__(
        self,
        name: str,
        zone: tzinfo | str,
        intervals: Iterable[WorkingInterval],
        *,
        holidays: Iterable[date] = (),
        holiday_country: str | None = None,
        holiday_subdiv: str | None = None,
        observed: bool = True,
        cache_days: int = _DEFAULT_CACHE_DAYS,
    ) -> None:
        self.name = name
        self.zone: tzinfo = _zone(name, zone) if isinstance(zone, str) else zone
        self.intervals: tuple[WorkingInterval, ...] = tuple(
            sorted(intervals, key=lambda iv: (iv.weekday, iv.start))
        )
        if not self.intervals:
            raise ValueError(
                f"calendar {name!r}: no working hours; give at least one interval such as "
                "mon = '09:00-17:00', or use the 24x7 calendar"
            )
        _check_overlaps(name, self.intervals)
        self._extra_holidays: frozenset[date] = frozenset(holidays)
        self.holiday_country = holiday_country
        self.holiday_subdiv = holiday_subdiv
        self.observed = observed
        self._cache_days = max(16, cache_days)
        self._always_open = False
        self._by_weekday: tuple[tuple[WorkingInterval, ...], ...] = tuple(
            tuple(iv for iv in self.intervals if iv.weekday == wd) for wd in range(7)
        )
        self._spill_by_weekday: tuple[tuple[WorkingInterval, ...], ...] = tuple(
            tuple(iv for iv in day if iv.next_day) for day in self._by_weekday
        )
        self._days: dict[int, _Day] = {}
        self._weeks: dict[int, int] = {}
        self._country_years: dict[int, frozenset[date]] = {}

    # --- constructors -----------------------------------------------------------------------

    @classmethod
    def twenty_four_seven(cls, name: str = "24x7") -> BusinessCalendar:
        """A calendar that is always open: business time equals absolute (UTC) time."""
        cal = cls(name, UTC, [WorkingInterval(wd, _MIDNIGHT, _MIDNIGHT, True) for wd in range(7)])
        cal._always_open = True
        return cal

    @classmethod
    def from_config(
        cls,
        name: str,
        *,
        timezone: str | None,
        hours: Mapping[str, str | Sequence[str] | None] | str,
        holidays: Mapping[str, Any] | None = None,
    ) -> BusinessCalendar:
        """Build a calendar from plain config values.

        ``hours`` maps weekday keys (``mon`` .. ``sun``, full names, or a range such as
        ``mon-fri``) to intervals: ``"09:00-17:00"``, several separated by commas or given as a
        list (``"09:00-12:00, 13:00-17:00"``), an overnight shift with ``+1`` on the end
        (``sat = "22:00-06:00+1"`` runs Sat 22:00 to Sun 06:00), ``"24:00"`` as an end, and
        ``""`` / ``"closed"`` / ``None`` for a closed day; days not given are closed. The
        string ``"24x7"`` instead of a mapping gives an always-open calendar (``timezone`` may
        then be ``None``); otherwise ``timezone`` is required, an IANA name.

        ``holidays`` accepts ``country`` (ISO code for the ``holidays`` package, e.g. ``"DE"``),
        ``subdiv`` (e.g. ``"BY"``), ``observed`` (default true: include observed-on days such as
        the US Friday before a Saturday Independence Day) and ``extra`` (a list of
        ``YYYY-MM-DD`` dates). An unknown country or subdivision is reported when a date of
        that calendar is first needed; call :meth:`preload_holidays` to check it up front.

        Raises ``ValueError`` naming the field, the bad value and the fix.
        """
        if isinstance(hours, str) and hours.strip().lower() in ("24x7", "24/7"):
            if holidays:
                raise ValueError(
                    f"calendar {name!r}: a 24x7 calendar has no holidays; for an always-open "
                    "calendar with holidays write hours = {mon-sun = '00:00-24:00'} and a "
                    "timezone"
                )
            return cls.twenty_four_seven(name)
        if timezone is None:
            raise ValueError(
                f"calendar {name!r}: timezone is missing; give the IANA name the working "
                "hours are in, such as 'Europe/Berlin' or 'America/New_York'"
            )
        zone = _zone(name, timezone)
        if isinstance(hours, str):
            raise ValueError(
                f"calendar {name!r}: hours = {hours!r} is not understood; give a table such as "
                "{mon-fri = '09:00-17:00'} or the string '24x7'"
            )
        intervals = _parse_hours(name, hours)
        country, subdiv, observed, extra = _parse_holidays(name, holidays or {})
        return cls(
            name,
            zone,
            intervals,
            holidays=extra,
            holiday_country=country,
            holiday_subdiv=subdiv,
            observed=observed,
        )

    @classmethod
    def from_week_minutes(
        cls,
        name: str,
        timezone: str,
        intervals: Iterable[tuple[int, int]],
        *,
        holidays: Iterable[date] = (),
    ) -> BusinessCalendar:
        """Build a calendar from Zendesk-style intervals in minutes since Sunday 00:00.

        Each ``(start_minute, end_minute)`` pair is local time in ``timezone``; an interval that
        crosses midnight is split into one interval per day.
        """
        zone = _zone(name, timezone)
        out: list[WorkingInterval] = []
        for start, end in intervals:
            if not 0 <= start < end <= _MINUTES_PER_WEEK:
                raise ValueError(
                    f"calendar {name!r}: interval ({start}, {end}) is not within one week; "
                    f"minutes since Sunday 00:00 run from 0 to {_MINUTES_PER_WEEK}"
                )
            cursor = start
            while cursor < end:
                day_index, minute = divmod(cursor, _MINUTES_PER_DAY)
                chunk_end = min(end, (day_index + 1) * _MINUTES_PER_DAY)
                end_minute = chunk_end - day_index * _MINUTES_PER_DAY
                weekday = (day_index + 6) % 7  # Zendesk's week starts on Sunday
                out.append(
                    WorkingInterval(
                        weekday,
                        time(minute // 60, minute % 60),
                        time((end_minute // 60) % 24, end_minute % 60),
                        end_minute == _MINUTES_PER_DAY,
                    )
                )
                cursor = chunk_end
        return cls(name, zone, out, holidays=holidays)

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.name!r}, zone={self.zone!s})"

    # --- holidays ---------------------------------------------------------------------------

    def preload_holidays(self, years: Iterable[int]) -> None:
        """Resolve the country holidays of ``years`` now (raises ``ValueError`` if unknown)."""
        for year in years:
            self._country_holidays(year)

    def is_holiday(self, day: date) -> bool:
        """Whether the local date ``day`` is a holiday of this calendar."""
        if day in self._extra_holidays:
            return True
        if self.holiday_country is None:
            return False
        return day in self._country_holidays(day.year)

    def _country_holidays(self, year: int) -> frozenset[date]:
        cached = self._country_years.get(year)
        if cached is not None:
            return cached
        if self.holiday_country is None:
            return frozenset()
        import holidays as holidays_lib  # ~100 ms import: only when a calendar needs it

        try:
            found = holidays_lib.country_holidays(
                self.holiday_country,
                subdiv=self.holiday_subdiv,
                years=year,
                observed=self.observed,
            )
        except NotImplementedError as exc:
            raise ValueError(
                f"calendar {self.name!r}: holidays country={self.holiday_country!r} "
                f"subdiv={self.holiday_subdiv!r} is not known to the holidays package ({exc}); "
                "use an ISO 3166 code such as 'US' or 'DE' and a subdivision it lists, or "
                "list the dates under holidays.extra"
            ) from exc
        dates = frozenset(d for d in found if d.year == year)
        self._country_years[year] = dates
        return dates

    # --- day materialisation ----------------------------------------------------------------

    def _day(self, ordinal: int) -> _Day:
        day = self._days.get(ordinal)
        if day is None:
            if len(self._days) >= self._cache_days:
                self._days.clear()
                self._weeks.clear()
            day = self._build_day(ordinal)
            self._days[ordinal] = day
        return day

    def _build_day(self, ordinal: int) -> _Day:
        zone = self.zone
        d = date.fromordinal(ordinal)
        nxt = d + _ONE_DAY
        lo = _to_us(datetime.combine(d, _MIDNIGHT, tzinfo=zone))
        hi = _to_us(datetime.combine(nxt, _MIDNIGHT, tzinfo=zone))
        if self.is_holiday(d):
            return _Day(lo, hi, (), 0)
        raw: list[tuple[int, int]] = []
        wd = d.weekday()
        for iv in self._by_weekday[wd]:
            s = _to_us(datetime.combine(d, iv.start, tzinfo=zone))
            e = _to_us(datetime.combine(nxt if iv.next_day else d, iv.end, tzinfo=zone))
            raw.append((max(s, lo), min(e, hi)))
        for iv in self._spill_by_weekday[(wd - 1) % 7]:
            e = _to_us(datetime.combine(d, iv.end, tzinfo=zone))
            raw.append((lo, min(e, hi)))
        raw.sort()
        merged: list[tuple[int, int]] = []
        for s, e in raw:
            if e <= s:
                continue  # an interval squeezed away by a DST gap, or ending at 00:00
            if merged and s <= merged[-1][1]:
                if e > merged[-1][1]:
                    merged[-1] = (merged[-1][0], e)
            else:
                merged.append((s, e))
        return _Day(lo, hi, tuple(merged), sum(e - s for s, e in merged))

    def _week_total(self, monday: int) -> int:
        total = self._weeks.get(monday)
        if total is None:
            total = 0
            for o in range(monday, monday + 7):
                total += self._day(o).total
            self._weeks[monday] = total
        return total

    def _locate(self, us: int) -> int:
        """The ordinal of the local date containing the instant ``us``."""
        ordinal = us // _DAY_US + _EPOCH_ORDINAL
        day = self._day(ordinal)
        while us < day.lo:
            ordinal -= 1
            day = self._day(ordinal)
        while us >= day.hi:
            ordinal += 1
            day = self._day(ordinal)
        return ordinal

    # --- core arithmetic on microseconds ----------------------------------------------------

    def _add_us(self, start: int, rem: int) -> int:
        if rem <= 0:
            if rem < 0:
                raise ValueError("business durations to add must not be negative")
            return start
        if self._always_open:
            return start + rem
        ordinal = self._locate(start)
        for s, e in self._day(ordinal).segments:
            if e <= start:
                continue
            if s < start:
                s = start
            avail = e - s
            if rem <= avail:
                return s + rem
            rem -= avail
        ordinal += 1
        limit = ordinal + _MAX_SCAN_DAYS
        while ordinal < limit:
            if (ordinal - 1) % 7 == 0:  # a Monday: try to skip the whole week
                week = self._week_total(ordinal)
                if rem > week:
                    rem -= week
                    ordinal += 7
                    continue
            day = self._day(ordinal)
            if rem > day.total:
                rem -= day.total
                ordinal += 1
                continue
            for s, e in day.segments:
                avail = e - s
                if rem <= avail:
                    return s + rem
                rem -= avail
        raise ValueError(
            f"calendar {self.name!r} has no working time within {_MAX_SCAN_DAYS} days of "
            f"{_from_us(start).isoformat()}; check its holidays"
        )

    def _between_us(self, a: int, b: int) -> int:
        if b < a:
            return -self._between_us(b, a)
        if self._always_open or a == b:
            return b - a
        first = self._locate(a)
        last = self._locate(b)
        total = 0
        if first == last:
            for s, e in self._day(first).segments:
                lo = s if s > a else a
                hi = e if e < b else b
                if hi > lo:
                    total += hi - lo
            return total
        for s, e in self._day(first).segments:
            if e > a:
                total += e - (s if s > a else a)
        ordinal = first + 1
        while ordinal < last:
            if (ordinal - 1) % 7 == 0 and ordinal + 7 <= last:
                total += self._week_total(ordinal)
                ordinal += 7
            else:
                total += self._day(ordinal).total
                ordinal += 1
        for s, e in self._day(last).segments:
            if s < b:
                total += (e if e < b else b) - s
        return total

    def _run_clock(
        self, start: int, target: int, pauses: Sequence[tuple[int, int | None]]
    ) -> tuple[int | None, int]:
        """Run a clock through merged pauses (``None`` end: still paused).

        Returns ``(breach_us, 0)`` when the clock is running or breached before a pause, and
        ``(None, remaining_us)`` when it is paused at the end of ``pauses``.
        """
        cursor = start
        rem = target
        for ps, pe in pauses:
            worked = self._between_us(cursor, ps)
            if worked >= rem:
                return self._add_us(cursor, rem), 0
            rem -= worked
            if pe is None:
                return None, rem
            cursor = pe
        return self._add_us(cursor, rem), 0

    # --- public API -------------------------------------------------------------------------

    def add_business(self, start: datetime, duration: timedelta) -> datetime:
        """The instant (UTC) when ``duration`` of business time has elapsed after ``start``.

        A start outside working hours counts from the next opening; business time running out
        exactly at a closing time gives that closing time (see the module docstring). A zero
        duration returns ``start`` (in UTC) unchanged. Raises ``ValueError`` for a negative
        duration or a naive ``start``.
        """
        return _from_us(self._add_us(_to_us(start), _duration_us(duration)))

    def business_between(self, a: datetime, b: datetime) -> timedelta:
        """Business time elapsed from ``a`` to ``b`` (negative when ``b`` is before ``a``)."""
        return timedelta(microseconds=self._between_us(_to_us(a), _to_us(b)))

    def is_open(self, instant: datetime) -> bool:
        """Whether ``instant`` falls inside a working interval (open at opening, shut at close)."""
        if self._always_open:
            _to_us(instant)
            return True
        us = _to_us(instant)
        return any(s <= us < e for s, e in self._day(self._locate(us)).segments)

    def next_open(self, instant: datetime) -> datetime:
        """``instant`` if the calendar is open then, else the next opening (UTC)."""
        us = _to_us(instant)
        if self._always_open:
            return _from_us(us)
        ordinal = self._locate(us)
        for offset in range(_MAX_SCAN_DAYS):
            for s, e in self._day(ordinal + offset).segments:
                if e > us:
                    return _from_us(max(s, us))
        raise ValueError(
            f"calendar {self.name!r} has no working time within {_MAX_SCAN_DAYS} days of "
            f"{instant.isoformat()}; check its holidays"
        )

    def working_intervals(
        self, start: datetime, end: datetime
    ) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals overlapping ``[start, end)``, clipped to it, as UTC pairs.

        Intervals that touch (an overnight shift crossing midnight, ``12:00-13:00`` followed by
        ``13:00-17:00``) are yielded as one.
        """
        a, b = _to_us(start), _to_us(end)
        if b <= a:
            return
        if self._always_open:
            yield _from_us(a), _from_us(b)
            return
        ordinal = self._locate(a)
        pending: tuple[int, int] | None = None
        while True:
            day = self._day(ordinal)
            if day.lo >= b:
                break
            for s, e in day.segments:
                s, e = max(s, a), min(e, b)
                if e <= s:
                    continue
                if pending is not None and s <= pending[1]:
                    pending = (pending[0], max(e, pending[1]))
                    continue
                if pending is not None:
                    yield _from_us(pending[0]), _from_us(pending[1])
                pending = (s, e)
            ordinal += 1
        if pending is not None:
            yield _from_us(pending[0]), _from_us(pending[1])

    def business_elapsed_excluding(
        self,
        start: datetime,
        end: datetime,
        pauses: Iterable[tuple[datetime, datetime | None]],
    ) -> timedelta:
        """Business time from ``start`` to ``end`` outside the ``pauses``.

        A pause without an end lasts until ``end``; overlapping pauses count once, and the
        closed hours inside a pause are not subtracted twice (TC6).
        """
        a, b = _to_us(start), _to_us(end)
        if b <= a:
            return timedelta(0)
        total = 0
        cursor = a
        for ps, pe in _merge_pauses(pauses, a, b):
            total += self._between_us(cursor, ps)
            if pe is None:
                return timedelta(microseconds=total)
            cursor = pe
        total += self._between_us(cursor, b)
        return timedelta(microseconds=total)

    def deadline_with_pauses(
        self,
        start: datetime,
        target: timedelta,
        pauses: Iterable[tuple[datetime, datetime | None]],
        now: datetime,
    ) -> ClockState:
        """Breach instant and remaining business time of a pausable clock at ``now``.

        The clock runs from ``start`` except during ``pauses`` (pairs ``(paused_at,
        resumed_at)``; ``resumed_at`` ``None`` or after ``now`` means still paused). Only the
        business time inside a pause is excluded, so the breach instant after a resume is
        ``resume + remaining`` in business time, equal to ServiceNow's
        ``start + (target + business_pause)``. A clock that ran out before a pause began is
        breached at that earlier instant and is not reported as paused. Pauses starting at or
        after ``now`` are ignored.
        """
        s, n = _to_us(start), _to_us(now)
        target_us = _duration_us(target)
        if target_us < 0:
            raise ValueError("an SLA target must not be negative")
        merged = _merge_pauses(pauses, s, n) if n > s else []
        breach, rem = self._run_clock(s, target_us, merged)
        if breach is None:
            return ClockState(None, True, timedelta(microseconds=rem))
        if n < s:  # the clock has not started yet
            return ClockState(_from_us(breach), False, target)
        return ClockState(_from_us(breach), False, calendar=self, now=now)


def _merge_pauses(
    pauses: Iterable[tuple[datetime, datetime | None]], lo: int, hi: int
) -> list[tuple[int, int | None]]:
    """Pauses clipped to ``[lo, hi)``, sorted and merged; an end ``None`` means open at ``hi``."""
    if not pauses:
        return []
    clipped: list[tuple[int, int | None]] = []
    for paused_at, resumed_at in pauses:
        ps = _to_us(paused_at)
        pe = None if resumed_at is None else _to_us(resumed_at)
        if ps >= hi or (pe is not None and (pe <= lo or pe <= ps)):
            continue
        if pe is not None and pe >= hi:
            pe = None
        clipped.append((max(ps, lo), pe))
    clipped.sort(key=lambda p: p[0])
    merged: list[tuple[int, int | None]] = []
    for ps, pe in clipped:
        if merged:
            last_s, last_e = merged[-1]
            if last_e is None:
                break  # everything after an open pause is inside it
            if ps <= last_e:
                merged[-1] = (last_s, None if pe is None else max(pe, last_e))
                continue
        merged.append((ps, pe))
    return merged


# --- config parsing ---------------------------------------------------------------------------

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_INTERVAL = re.compile(r"^\s*([^-\s]+)\s*-\s*([^-\s+]+)\s*(\+1)?\s*$")


def _zone(name: str, timezone: str) -> tzinfo:
    if timezone.strip().upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"calendar {name!r}: timezone {timezone!r} is not an IANA time zone name; use one "
            "such as 'Europe/Berlin' or 'America/New_York' (on Windows install the tzdata "
            "package)"
        ) from exc


def _parse_time(name: str, field: str, text: str, *, is_end: bool) -> tuple[time, bool]:
    """A ``HH:MM`` value; ``24:00`` is allowed as an end and returns ``(00:00, True)``."""
    m = _TIME.match(text)
    if m is not None:
        hour, minute = int(m.group(1)), int(m.group(2))
        if is_end and hour == 24 and minute == 0:
            return _MIDNIGHT, True
        if hour < 24 and minute < 60:
            return time(hour, minute), False
    raise ValueError(
        f"calendar {name!r}: hours.{field}: {text!r} is not a time; use HH:MM between 00:00 "
        "and 23:59 (24:00 is allowed as an end)"
    )


def _weekday_keys(name: str, key: str) -> list[int]:
    k = key.strip().lower()
    if "-" in k:
        first, _, last = (part.strip() for part in k.partition("-"))
        if first in _WEEKDAY_KEYS and last in _WEEKDAY_KEYS:
            a, b = _WEEKDAY_KEYS[first], _WEEKDAY_KEYS[last]
            return [(a + i) % 7 for i in range((b - a) % 7 + 1)]
    elif k in _WEEKDAY_KEYS:
        return [_WEEKDAY_KEYS[k]]
    raise ValueError(
        f"calendar {name!r}: hours key {key!r} is not a weekday; use mon, tue, wed, thu, fri, "
        "sat, sun or a range such as mon-fri"
    )


def _parse_hours(
    name: str, hours: Mapping[str, str | Sequence[str] | None]
) -> list[WorkingInterval]:
    intervals: list[WorkingInterval] = []
    seen: dict[int, str] = {}
    for key, value in hours.items():
        weekdays = _weekday_keys(name, key)
        for wd in weekdays:
            if wd in seen:
                raise ValueError(
                    f"calendar {name!r}: {WEEKDAY_NAMES[wd]} is given twice (hours.{seen[wd]} "
                    f"and hours.{key}); list all of a day's intervals under one key"
                )
            seen[wd] = key
        if value is None:
            continue
        if isinstance(value, str):
            parts = [p for p in value.split(",") if p.strip()]
        else:
            parts = list(value)
        if len(parts) == 1 and parts[0].strip().lower() == "closed":
            continue
        for part in parts:
            m = _INTERVAL.match(part) if isinstance(part, str) else None
            if m is None:
                raise ValueError(
                    f"calendar {name!r}: hours.{key}: {part!r} is not an interval; write "
                    "'09:00-17:00', several separated by commas, or '22:00-06:00+1' for a "
                    "shift ending the next day"
                )
            start, _ = _parse_time(name, key, m.group(1), is_end=False)
            end, end_24 = _parse_time(name, key, m.group(2), is_end=True)
            next_day = end_24 or m.group(3) is not None
            if end_24 and m.group(3) is not None:
                raise ValueError(
                    f"calendar {name!r}: hours.{key}: {part!r} ends at 24:00 of the next day; "
                    "a shift lasts at most 24 hours"
                )
            if not next_day and end <= start:
                raise ValueError(
                    f"calendar {name!r}: hours.{key}: {part!r} ends at or before it starts; "
                    f"swap the times, or write '{m.group(1)}-{m.group(2)}+1' for a shift "
                    "ending the next day"
                )
            if next_day and not end_24 and end > start:
                raise ValueError(
                    f"calendar {name!r}: hours.{key}: {part!r} lasts more than 24 hours; a "
                    "shift lasts at most 24 hours"
                )
            for wd in weekdays:
                intervals.append(WorkingInterval(wd, start, end, next_day))
    return intervals


def _check_overlaps(name: str, intervals: Sequence[WorkingInterval]) -> None:
    spans: list[tuple[int, int, WorkingInterval]] = []
    for iv in intervals:
        s = iv.weekday * _MINUTES_PER_DAY + iv.start_minute
        e = s + iv.minutes
        if e > _MINUTES_PER_WEEK:  # Sunday overnight wraps into Monday
            spans.append((s, _MINUTES_PER_WEEK, iv))
            spans.append((0, e - _MINUTES_PER_WEEK, iv))
        else:
            spans.append((s, e, iv))
    spans.sort(key=lambda span: (span[0], span[1]))
    for (_, e1, iv1), (s2, _, iv2) in pairwise(spans):
        if s2 < e1:
            raise ValueError(
                f"calendar {name!r}: working intervals {iv1.label} and {iv2.label} overlap; "
                "merge them into one interval"
            )


def _parse_holidays(
    name: str, config: Mapping[str, Any]
) -> tuple[str | None, str | None, bool, list[date]]:
    allowed = {"country", "subdiv", "observed", "extra"}
    unknown = sorted(set(config) - allowed)
    if unknown:
        raise ValueError(
            f"calendar {name!r}: holidays.{unknown[0]} is not a holidays setting; use country, "
            "subdiv, observed or extra"
        )
    country = config.get("country")
    subdiv = config.get("subdiv")
    if country is not None and (not isinstance(country, str) or not country.strip()):
        raise ValueError(
            f"calendar {name!r}: holidays.country {country!r} is not a country code; use an "
            "ISO 3166 code such as 'US' or 'DE'"
        )
    if subdiv is not None and country is None:
        raise ValueError(
            f"calendar {name!r}: holidays.subdiv {subdiv!r} needs holidays.country as well"
        )
    observed = config.get("observed", True)
    if not isinstance(observed, bool):
        raise ValueError(f"calendar {name!r}: holidays.observed must be true or false")
    extra_raw = config.get("extra") or []
    if isinstance(extra_raw, str | date):
        extra_raw = [extra_raw]
    extra: list[date] = []
    for item in extra_raw:
        if isinstance(item, datetime):
            raise ValueError(
                f"calendar {name!r}: holidays.extra {item!r} is a date-time; give a date "
                "such as '2026-12-24'"
            )
        if isinstance(item, date):
            extra.append(item)
            continue
        try:
            extra.append(date.fromisoformat(str(item).strip()))
        except ValueError as exc:
            raise ValueError(
                f"calendar {name!r}: holidays.extra {item!r} is not a date; write YYYY-MM-DD, "
                "e.g. '2026-12-24'"
            ) from exc
    return (
        country.strip().upper() if isinstance(country, str) else None,
        subdiv.strip() if isinstance(subdiv, str) else None,
        observed,
        extra,
    )


# --- durations --------------------------------------------------------------------------------

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_SN_DURATION = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$")


def parse_duration(text: str) -> timedelta:
    """Parse a compact duration: ``"90s"``, ``"30m"``, ``"1h"``, ``"1h30m"``, ``"2d"``.

    Units are ``d`` (24 hours: a ServiceNow-style 24-hour block of business time, not a working
    day), ``h``, ``m`` and ``s``, largest first, spaces allowed between parts. Raises
    ``ValueError`` with an example for anything else.
    """
    compact = re.sub(r"\s+", "", text).lower() if isinstance(text, str) else ""
    m = _DURATION.match(compact)
    if not compact or m is None:
        raise ValueError(
            f"duration {text!r} is not understood; write e.g. '90s', '30m', '4h', '1h30m' or "
            "'2d' (d = 24 hours of business time)"
        )
    days, hours, minutes, seconds = (int(g) if g else 0 for g in m.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def parse_servicenow_duration(value: str) -> timedelta:
    """Parse a ServiceNow duration field (``"1970-01-02 08:00:00"`` = 1 day 8 hours = 32 h).

    ServiceNow returns durations as an offset from the epoch and converts each day to a
    24-hour block (TC9), so ``"1970-01-02 00:00:00"`` is 24 hours of business time. Compact
    strings accepted by :func:`parse_duration` are accepted too.
    """
    text = value.strip()
    m = _SN_DURATION.match(text)
    if m is None:
        return parse_duration(text)
    year, month, day, hour, minute, second = (int(g) for g in m.groups())
    try:
        offset = datetime(year, month, day, hour, minute, second, tzinfo=UTC) - _EPOCH
    except ValueError as exc:
        raise ValueError(f"ServiceNow duration {value!r} is not a valid date-time") from exc
    if offset < timedelta(0):
        raise ValueError(f"ServiceNow duration {value!r} is before 1970-01-01 (negative)")
    return offset


TWENTY_FOUR_SEVEN: BusinessCalendar = BusinessCalendar.twenty_four_seven()
"""The always-open calendar: business time is absolute time."""
