"""SLA settings: the issue's TOML shape parses; mistakes name the field and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from queuebench.config import ConfigError, load_settings
from queuebench.domain.models import Priority, SlaMetric, Status, Vendor
from queuebench.sla_config import sla_setup

ISSUE_EXAMPLE = """
[calendars.emea]
timezone = "Europe/Berlin"
hours = { mon = "09:00-17:00", tue = "09:00-17:00", wed = "09:00-17:00", \
thu = "09:00-17:00", fri = "09:00-17:00" }
holidays = { country = "DE", extra = ["2026-12-24"] }

[[sla.policies]]
name = "Enterprise"
match = { vendor = ["zendesk", "jsm"], priority = ["P1", "P2"], organization = ["Acme Corp"] }
calendar = "emea"          # or "24x7"
pause_statuses = ["pending", "on_hold"]
targets = { first_response = "1h", next_response = "4h", resolution = "2d" }

[alerts]
thresholds = [15, 120, 0, 15]
bell = true
"""


def settings_from(tmp_path: Path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path)


def test_issue_example_parses_into_a_working_setup(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, ISSUE_EXAMPLE)
    assert settings.alerts.thresholds == [120, 15, 0]  # sorted, duplicates dropped
    assert settings.alerts.bell is True
    setup = sla_setup(settings, check_years=[2026])
    names = [p.name for p in setup.policies]
    assert names == ["Enterprise", "Team plan urgent (24x7)", "Team plan business hours"]
    enterprise = setup.policies[0]
    assert enterprise.match.vendor == (Vendor.ZENDESK, Vendor.JSM)
    assert enterprise.match.priority == (Priority.P1, Priority.P2)
    assert enterprise.pause_statuses == (Status.PENDING, Status.ON_HOLD)
    assert [m for m in enterprise.targets] == [
        SlaMetric.FIRST_RESPONSE,
        SlaMetric.NEXT_RESPONSE,
        SlaMetric.RESOLUTION,
    ]
    emea = setup.calendar("emea")
    assert emea.is_holiday(__import__("datetime").date(2026, 12, 24))  # extra
    assert emea.is_holiday(__import__("datetime").date(2026, 12, 25))  # DE public holiday


def test_fingerprint_follows_the_configuration(tmp_path: Path) -> None:
    base = sla_setup(settings_from(tmp_path, ""))
    same = sla_setup(settings_from(tmp_path, "[alerts]\nbell = true\n"))
    changed = sla_setup(settings_from(tmp_path, ISSUE_EXAMPLE))
    assert base.fingerprint == same.fingerprint != changed.fingerprint
    assert len(base.fingerprint) == 16


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[sla.policies]]\nname = "X"\ncalendar = "emea"\ntargets = { resolution = "8h" }\n',
            "SLA policy 'X': calendar 'emea' is not defined (calendars: none yet); add a "
            "[calendars.emea] table or use calendar = '24x7'",
        ),
        (
            '[[sla.policies]]\nname = "X"\ntargets = { resolution = "1 day" }\n',
            "at `sla.policies[0]`: SLA policy 'X': targets.resolution: duration '1 day' is not "
            "understood",
        ),
        (
            '[[sla.policies]]\nname = "X"\ntargets = { resolve = "8h" }\n',
            "at `sla.policies[0].targets`: unknown setting `resolve` (a typo?)",
        ),
        (
            '[[sla.policies]]\nname = "X"\npause_statuses = ["waiting"]\n'
            'targets = { resolution = "8h" }\n',
            "SLA policy 'X': pause_statuses: 'waiting' is not valid; use one of new, open, "
            "pending, on_hold, solved, closed",
        ),
        (
            '[[sla.policies]]\nname = "X"\nmatch = { priority = ["urgent"] }\n'
            'targets = { resolution = "8h" }\n',
            "match.priority: 'urgent' is not valid; use one of P1, P2, P3, P4",
        ),
        (
            '[calendars.emea]\nhours = { mon = "09:00-17:00" }\n',
            "calendar 'emea': timezone is missing; give the IANA name",
        ),
        (
            '[calendars.emea]\ntimezone = "Europe/Berlin"\nhours = { mon = "9-5" }\n',
            "calendar 'emea'",
        ),
        ("[alerts]\nthresholds = [15, -5]\n", "cannot be negative; use e.g. thresholds"),
    ],
)
def test_mistakes_name_the_field_and_the_fix(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings_from(tmp_path, text)
    assert message in str(info.value)
    assert "nothing was changed" in str(info.value)


def test_unknown_holiday_country_is_a_config_error(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path,
        '[calendars.x]\ntimezone = "UTC"\nhours = { mon-fri = "09:00-17:00" }\n'
        'holidays = { country = "XX" }\n',
    )
    with pytest.raises(ConfigError, match=r"holidays country='XX'.*not known"):
        sla_setup(settings, check_years=[2026])
