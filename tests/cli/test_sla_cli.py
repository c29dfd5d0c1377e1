"""`report --json` on a hand-built cache; `list --json` shows computed clocks on demo data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.sla_fixtures import EXPECTED_REPORT, kpi_store

from queuebench.commands import cli

NOW = "2026-11-27T12:00:00Z"


@pytest.fixture
def env(isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QUEUEBENCH_NOW", NOW)
    return isolated_dirs / "data"


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_report_json_gives_the_hand_computed_figures(env: Path) -> None:
    kpi_store(env).close()
    assert json.loads(run("report", "--json")) == EXPECTED_REPORT
    by_week = json.loads(run("report", "--json", "--by", "week", "--since", "2026-11-01"))
    assert by_week["by"] == "week"
    assert [(g["key"], g["tickets"]) for g in by_week["groups"]] == [
        ("2026-W45", 1),  # #3 (Sat 7 Nov)
        ("2026-W46", 1),  # #6 (Thu 12 Nov)
        ("2026-W47", 2),  # #1 (Tue 17 Nov) and #2 (Thu 19 Nov)
        ("2026-W48", 1),  # #5 (Wed 25 Nov)
    ]
    text = run("report")
    assert "SLA resolution        66.7 % (2 met, 1 breached)" in text


def test_report_rejects_a_bad_date(env: Path) -> None:
    kpi_store(env).close()
    result = CliRunner().invoke(cli, ["report", "--since", "27/11/2026"])
    assert result.exit_code == 2
    assert "'27/11/2026' does not match the format '%Y-%m-%d'" in result.output


def test_list_json_shows_computed_clocks_for_the_account_without_vendor_sla(env: Path) -> None:
    run("demo", "--no-tui", "--tickets", "200", "--seed", "7")
    rows = json.loads(run("list", "--json", "--filter", "account:demo-zendesk-team"))
    assert len(rows) == 20
    assert all(r["sla"] for r in rows)
    assert {t["source"] for r in rows for t in r["sla"]} == {"computed"}
    by_key = {r["display_key"]: r for r in rows}
    # P2 opened Fri 08:24 London, before opening: first response 4 business hours from 09:00;
    # resolution 3d = 72 business hours = nine 8-hour days, Fri 27 Nov .. Wed 9 Dec 17:00.
    assert by_key["#1002"]["sla"] == [
        {"metric": "first_response", "breach_at": "2026-11-27T13:00:00Z", "stage": "active",
         "source": "computed"},
        {"metric": "resolution", "breach_at": "2026-12-09T17:00:00Z", "stage": "active",
         "source": "computed"},
    ]  # fmt: skip
    assert by_key["#1002"]["next_breach_at"] == "2026-11-27T13:00:00Z"
    # Unprioritised, opened Fri 11:19: 4 h the same afternoon; 72 h ends Thu 10 Dec 11:19.
    assert [t["breach_at"] for t in by_key["#1006"]["sla"]] == [
        "2026-11-27T15:19:21Z",
        "2026-12-10T11:19:21Z",
    ]
    # P1 runs on the 24x7 policy: calendar hours.
    assert [t["breach_at"] for t in by_key["#1012"]["sla"]] == [
        "2026-11-27T12:08:59Z",
        "2026-11-28T11:08:59Z",
    ]
    # A pending ticket's resolution clock is paused (no instant).
    assert by_key["#1003"]["sla"][1] == {
        "metric": "resolution", "breach_at": None, "stage": "paused", "source": "computed"
    }  # fmt: skip
    # The queue order uses the computed clocks like vendor ones.
    everything = json.loads(run("list", "--json"))
    keys = [r["display_key"] for r in everything]
    assert keys.index("#1012") < keys.index("#1002") < keys.index("#1006")
    others = [r for r in everything if r["account"] != "demo-zendesk-team"]
    assert {t["source"] for r in others for t in r["sla"]} == {"vendor"}


def test_report_is_headless(env: Path) -> None:
    kpi_store(env).close()
    code = (
        "import sys\n"
        "from queuebench.cli import main\n"
        "try:\n"
        "    main(['report', '--json'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('textual' in sys.modules, 'textual_plotext' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True)  # fmt: skip
    assert result.stdout.strip().splitlines()[-1] == "False False"
    assert '"tickets": 6' in result.stdout


def test_sla_modules_stay_light_and_the_launch_path_does_not_load_them() -> None:
    code = (
        "import json, sys\n"
        "import queuebench.domain.sla_clocks, queuebench.domain.sla_alerts\n"
        "import queuebench.domain.kpi, queuebench.sla_config, queuebench.store.kpi\n"
        "import queuebench.store.alerts\n"
        "light = {m: m in sys.modules for m in ('textual', 'sqlalchemy', 'holidays')}\n"
        "for m in [m for m in sys.modules if m.startswith('queuebench')]:\n"
        "    del sys.modules[m]\n"
        "import queuebench.cli, queuebench.config, queuebench.app, queuebench.screens.queue\n"
        "heavy = ('sqlalchemy', 'holidays', 'plotext', 'textual_plotext', 'queuebench.domain.kpi',"
        " 'queuebench.domain.sla_clocks', 'queuebench.screens.kpi', 'queuebench.store.alerts')\n"
        "launch = {m: m in sys.modules for m in heavy}\n"
        "print(json.dumps([light, launch]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    light, launch = json.loads(result.stdout.strip().splitlines()[-1])
    assert light == {"textual": False, "sqlalchemy": False, "holidays": False}
    assert not any(launch.values()), launch
