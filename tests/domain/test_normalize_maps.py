"""Property tests for the vendor vocabularies and the UTC time helpers in domain/normalize.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from queuebench.domain.models import Priority, SlaMetric, SlaStage, SlaTarget, Status, Vendor
from queuebench.domain.normalize import (
    NormalizationError,
    VendorMaps,
    effective_stage,
    iso_z,
    parse_utc,
)

ZENDESK_STATUS = {
    "new": Status.NEW,
    "open": Status.OPEN,
    "pending": Status.PENDING,
    "hold": Status.ON_HOLD,
    "solved": Status.SOLVED,
    "closed": Status.CLOSED,
}
SERVICENOW_STATUS = {
    "1": Status.NEW,
    "2": Status.OPEN,
    "3": Status.ON_HOLD,
    "6": Status.SOLVED,
    "7": Status.CLOSED,
    "8": Status.CLOSED,
}
JSM_CATEGORY = {
    "new": Status.NEW,
    "To Do": Status.NEW,
    "indeterminate": Status.OPEN,
    "In Progress": Status.OPEN,
    "done": Status.SOLVED,
}
PRIORITIES = {
    Vendor.ZENDESK: {"urgent": "P1", "high": "P2", "normal": "P3", "low": "P4"},
    Vendor.JSM: {"Highest": "P1", "High": "P2", "Medium": "P3", "Low": "P4", "Lowest": "P4"},
    Vendor.SERVICENOW: {"1": "P1", "2": "P2", "3": "P3", "4": "P4", "5": "P4"},
}
SNOW_PRIORITY_LABELS = {"1": "Critical", "2": "High", "3": "Moderate", "4": "Low", "5": "Planning"}

padding = st.sampled_from(["", " ", "  ", "\t", "\n"])


def recase(draw: st.DrawFn, word: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    cased = "".join(c.upper() if f else c.lower() for c, f in zip(word, flips, strict=True))
    return draw(padding) + cased + draw(padding)


@st.composite
def spelled(draw: st.DrawFn, words: list[str]) -> tuple[str, str]:
    """A vocabulary word in random letter case with surrounding whitespace, and the word."""
    word = draw(st.sampled_from(words))
    return recase(draw, word), word


# --- status -----------------------------------------------------------------------------------


@given(spelled(list(ZENDESK_STATUS)))
def test_zendesk_status_any_case_and_padding(value: tuple[str, str]) -> None:
    raw, word = value
    assert VendorMaps.default(Vendor.ZENDESK).map_status(raw) is ZENDESK_STATUS[word]


@given(st.sampled_from(list(SERVICENOW_STATUS)), padding, padding)
def test_servicenow_state_codes(code: str, left: str, right: str) -> None:
    maps = VendorMaps.default(Vendor.SERVICENOW)
    assert maps.map_status(left + code + right) is SERVICENOW_STATUS[code]
    assert maps.map_status(int(code)) is SERVICENOW_STATUS[code]


@given(
    st.text(min_size=1, max_size=30).filter(
        lambda s: s.strip().lower() not in ("waiting for customer", "pending", "closed")
    ),
    spelled(list(JSM_CATEGORY)),
)
def test_jsm_unknown_status_names_fall_back_to_their_category(
    name: str, category: tuple[str, str]
) -> None:
    raw_category, word = category
    assert VendorMaps.default(Vendor.JSM).map_status(name, raw_category) is JSM_CATEGORY[word]


@given(
    spelled(["Waiting for customer", "Pending", "Closed"]),
    st.sampled_from(["new", "indeterminate", "done", None]),
)
def test_jsm_status_names_win_over_categories(name: tuple[str, str], category: str | None) -> None:
    raw, word = name
    expected = Status.CLOSED if word == "Closed" else Status.PENDING
    assert VendorMaps.default(Vendor.JSM).map_status(raw, category) is expected


@given(st.sampled_from(list(Vendor)), st.text(max_size=20))
@example(Vendor.SERVICENOW, "4")
@example(Vendor.ZENDESK, "deleted")
def test_unknown_statuses_raise_with_the_value_and_the_config_fix(vendor: Vendor, raw: str) -> None:
    maps = VendorMaps.default(vendor)
    assume(raw.strip().lower() not in maps.status)
    with pytest.raises(NormalizationError) as info:
        maps.map_status(raw, category="no such category")
    message = str(info.value)
    assert repr(raw) in message
    assert f"[maps.{vendor.value}.status]" in message


# Vendor vocabularies are ASCII; case-insensitivity is checked on ASCII names (str.lower is not
# a full Unicode case fold: "µ".upper().lower() is "μ").
ascii_names = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_", max_size=20
).filter(lambda s: s.strip())


@given(st.sampled_from(list(Vendor)), ascii_names, st.sampled_from(list(Status)))
def test_status_overrides_replace_defaults_case_insensitively(
    vendor: Vendor, raw: str, status: Status
) -> None:
    maps = VendorMaps.default(vendor).with_overrides(status={raw: status.value})
    assert maps.map_status(raw) is status
    assert maps.map_status(f" {raw.strip().upper()} ") is status
    assert maps.map_status(raw.strip().lower()) is status


# --- priority ---------------------------------------------------------------------------------


@given(st.sampled_from(list(Vendor)), st.data())
def test_priority_vocabularies_any_case(vendor: Vendor, data: st.DataObject) -> None:
    raw, word = data.draw(spelled(list(PRIORITIES[vendor])))
    assert VendorMaps.default(vendor).map_priority(raw) is Priority(PRIORITIES[vendor][word])


@given(st.sampled_from(list(SNOW_PRIORITY_LABELS)))
def test_servicenow_display_values_carry_the_number_first(code: str) -> None:
    display = f"{code} - {SNOW_PRIORITY_LABELS[code]}"
    assert VendorMaps.default(Vendor.SERVICENOW).map_priority(display) is Priority(
        PRIORITIES[Vendor.SERVICENOW][code]
    )


@given(st.sampled_from(list(Vendor)), st.sampled_from([None, "", " ", "\t"]))
def test_missing_priority_stays_none(vendor: Vendor, raw: str | None) -> None:
    assert VendorMaps.default(vendor).map_priority(raw) is None


@given(st.sampled_from(list(Vendor)), st.text(max_size=15))
def test_unknown_priorities_map_to_none(vendor: Vendor, raw: str) -> None:
    maps = VendorMaps.default(vendor)
    key = raw.strip().lower()
    if vendor is Vendor.SERVICENOW:
        key = key.split(" ", 1)[0]
    assume(key not in maps.priority)
    assert maps.map_priority(raw) is None


@given(st.sampled_from(list(Vendor)), ascii_names, st.sampled_from(list(Priority)))
def test_priority_overrides(vendor: Vendor, raw: str, priority: Priority) -> None:
    assume(vendor is not Vendor.SERVICENOW or " " not in raw.strip())
    maps = VendorMaps.default(vendor).with_overrides(priority={raw: priority.value})
    assert maps.map_priority(raw) is priority
    assert maps.map_priority(f" {raw.strip().upper()} ") is priority


def test_overrides_reject_values_outside_the_contract() -> None:
    with pytest.raises(ValueError):
        VendorMaps.default(Vendor.ZENDESK).with_overrides(priority={"critical": "P0"})
    with pytest.raises(ValueError):
        VendorMaps.default(Vendor.ZENDESK).with_overrides(status={"deleted": "gone"})


# --- times ------------------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)
offsets = st.integers(min_value=-12 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@given(moments)
def test_iso_z_round_trips_at_second_precision(moment: datetime) -> None:
    text = iso_z(moment)
    assert text is not None and text.endswith("Z") and "+" not in text
    assert parse_utc(text) == moment.replace(microsecond=0)
    assert iso_z(parse_utc(text)) == text


@given(moments, offsets)
def test_jira_timestamps_with_offsets_without_colon(moment: datetime, offset: timezone) -> None:
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    local = moment.astimezone(offset)
    sign = "+" if local.utcoffset() >= timedelta(0) else "-"  # type: ignore[operator]
    minutes = abs(int(local.utcoffset().total_seconds())) // 60  # type: ignore[union-attr]
    text = local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}"
    text += f"{sign}{minutes // 60:02d}{minutes % 60:02d}"
    parsed = parse_utc(text)
    assert parsed == moment
    assert parsed is not None and parsed.tzinfo == UTC


@given(moments)
def test_servicenow_times_are_utc(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    assert parse_utc(moment.strftime("%Y-%m-%d %H:%M:%S")) == moment


@given(moments)
def test_epoch_seconds_and_milliseconds(moment: datetime) -> None:
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    millis = (moment - epoch) // timedelta(milliseconds=1)
    assert parse_utc(millis) == moment
    assert parse_utc(millis // 1000) == moment.replace(microsecond=0)


def test_known_vendor_examples() -> None:
    assert parse_utc("2022-10-25T20:21:33.277+0100") == datetime(
        2022, 10, 25, 19, 21, 33, 277000, tzinfo=UTC
    )
    assert parse_utc("2023-09-18T23:26:00Z") == datetime(2023, 9, 18, 23, 26, tzinfo=UTC)
    assert parse_utc("2020-04-07 07:26:01") == datetime(2020, 4, 7, 7, 26, 1, tzinfo=UTC)
    assert parse_utc(1475067512097) == datetime(2016, 9, 28, 12, 58, 32, 97000, tzinfo=UTC)
    assert parse_utc(1695052663) == datetime(2023, 9, 18, 15, 57, 43, tzinfo=UTC)
    assert parse_utc(None) is None and parse_utc("") is None and iso_z(None) is None


@given(st.text(alphabet="abcxyz-:/ ", min_size=1, max_size=20).filter(lambda s: s.strip()))
def test_unreadable_timestamps_raise_normalization_error(text: str) -> None:
    with pytest.raises(NormalizationError, match="unreadable timestamp"):
        parse_utc(text)


# --- effective stage --------------------------------------------------------------------------


@given(
    st.sampled_from(list(SlaStage)),
    st.one_of(st.none(), moments),
    moments,
)
def test_effective_stage(stage: SlaStage, breach_at: datetime | None, now: datetime) -> None:
    target = SlaTarget(SlaMetric.RESOLUTION, breach_at, stage)
    result = effective_stage(target, now)
    if stage is SlaStage.ACHIEVED:
        assert result is SlaStage.ACHIEVED
    elif breach_at is not None and breach_at <= now:
        assert result is SlaStage.BREACHED
    else:
        assert result is stage
