"""The UI's notion of "now": a callable returning aware UTC time, frozen in tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Clock = Callable[[], datetime]
"""Returns the current instant as an aware UTC ``datetime``."""


def system_clock() -> datetime:
    """The real current time in UTC."""
    return datetime.now(UTC)


def display_zone(name: str | None) -> tzinfo | None:
    """The zone times are shown in: the configured IANA zone, or ``None`` for local time.

    An unknown zone name falls back to local time rather than failing the whole UI.
    """
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def format_local(value: datetime, zone: tzinfo | None) -> str:
    """``2026-11-27 13:42 CET``: an instant in the user's zone, with the zone's abbreviation."""
    local = value.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".rstrip()
