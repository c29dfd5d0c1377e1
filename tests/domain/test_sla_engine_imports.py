"""The SLA engine stays a pure domain layer: no Textual, SQL or HTTP, and ``holidays`` lazily."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("textual", "sqlalchemy", "sqlmodel", "httpx", "holidays")


def _modules_after(code: str) -> dict[str, bool]:
    script = (
        "import json, sys\n"
        f"{code}\n"
        f"print(json.dumps({{name: name in sys.modules for name in {HEAVY!r}}}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_engine_imports_without_textual_sql_http_or_holidays() -> None:
    loaded = _modules_after(
        "import queuebench.domain.business_time, queuebench.domain.sla_policy\n"
        "from queuebench.domain.business_time import BusinessCalendar\n"
        "BusinessCalendar.from_config('de', timezone='Europe/Berlin',"
        " hours={'mon-fri': '09:00-17:00'}, holidays={'country': 'DE'})"
    )
    assert loaded == dict.fromkeys(HEAVY, False)


def test_holidays_is_imported_on_the_first_country_lookup() -> None:
    loaded = _modules_after(
        "from datetime import date\n"
        "from queuebench.domain.business_time import BusinessCalendar\n"
        "cal = BusinessCalendar.from_config('de', timezone='Europe/Berlin',"
        " hours={'mon-fri': '09:00-17:00'}, holidays={'country': 'DE'})\n"
        "assert cal.is_holiday(date(2026, 12, 25))"
    )
    assert loaded == {**dict.fromkeys(HEAVY, False), "holidays": True}
