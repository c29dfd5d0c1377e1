"""The KPI report's figures on a hand-built cache (values worked out in tests/sla_fixtures)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.sla_fixtures import EXPECTED_REPORT, NOW, D, kpi_store

from queuebench.domain.kpi import GroupBy, percentile, report_text, resolution_facts
from queuebench.domain.models import Status
from queuebench.store.kpi import kpi_report


def test_report_figures_match_the_hand_computed_ones(tmp_path: Path) -> None:
    store = kpi_store(tmp_path / "c")
    with store.read() as con:
        report = kpi_report(con, NOW)
    assert report.as_json() == EXPECTED_REPORT
    store.close()


def test_report_by_priority_and_since(tmp_path: Path) -> None:
    store = kpi_store(tmp_path / "c")
    with store.read() as con:
        by = kpi_report(con, NOW, by=GroupBy.PRIORITY).as_json()
        recent = kpi_report(con, NOW, since=date(2026, 11, 15)).as_json()
    groups = {g["key"]: g for g in by["groups"]}
    assert sorted(groups) == ["P1", "P2", "P3", "P4", "none"]
    assert groups["P3"]["tickets"] == 2
    assert groups["P3"]["sla_compliance"] == {
        "first_response": {"met": 1, "breached": 1, "percent": 50.0},
        "resolution": {"met": 1, "breached": 0, "percent": 100.0},
    }
    assert groups["P2"]["reopen_rate"] == {"solved": 1, "reopened": 1, "percent": 100.0}
    assert groups["none"]["first_response"] == {
        "count": 0,
        "median_seconds": None,
        "p90_seconds": None,
    }
    # Since 15 Nov: only #1 (17 Nov), #2 (19 Nov) and #5 (25 Nov) are in the population.
    assert recent["since"] == "2026-11-15"
    assert recent["tickets"] == 3
    assert recent["first_response"] == {"count": 3, "median_seconds": 3600, "p90_seconds": 7200}
    assert recent["backlog_aging"]["open"] == 4  # the backlog ignores --since
    assert recent["breaches_per_week"] == [
        {"week": "2026-W47", "breaches": 1},
        {"week": "2026-W48", "breaches": 1},
    ]
    store.close()


def test_report_text_reads_without_colour(tmp_path: Path) -> None:
    store = kpi_store(tmp_path / "c")
    with store.read() as con:
        text = report_text(kpi_report(con, NOW))
    assert "first response        median 1:00  p90 4:00  (4 with a reply)" in text
    assert "SLA first response    60.0 % (3 met, 2 breached)" in text
    assert "reopen rate           33.3 % (1 of 3 solved)" in text
    assert "  2026-W47       1  " + "#" * 40 in text
    store.close()


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 90) == 5.0
    values = [float(v) for v in range(1, 11)]  # 1..10
    assert percentile(values, 50) == 5.0
    assert percentile(values, 90) == 9.0
    assert percentile(values, 91) == 10.0


def test_resolution_facts_reads_solves_and_reopens() -> None:
    t0 = NOW - 10 * D
    history = [(t0, Status.OPEN), (t0 + D, Status.SOLVED), (t0 + 2 * D, Status.OPEN),
               (t0 + 3 * D, Status.SOLVED), (t0 + 4 * D, Status.CLOSED)]  # fmt: skip
    assert resolution_facts(history, Status.CLOSED, NOW) == (t0 + 3 * D, True, True)
    assert resolution_facts(history[:3], Status.OPEN, NOW) == (None, True, True)
    # Solved now but the history never saw it: the last update stands in.
    assert resolution_facts([(t0, Status.OPEN)], Status.SOLVED, NOW) == (NOW, True, False)
