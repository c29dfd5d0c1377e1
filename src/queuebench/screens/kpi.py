"""The KPI dashboard: what a support lead asks a senior specialist for, from the local cache.

First response and resolution times (median, p90), SLA compliance per metric, backlog aging,
reopen rate, a breaches-per-week trend plot and the figures by priority. Definitions are in
:mod:`queuebench.domain.kpi`; the same numbers come out of ``queuebench report``. This module
(and plotext) is imported only when the dashboard opens.
"""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Footer, Header, Static
from textual.worker import get_current_worker
from textual_plotext import PlotextPlot

from queuebench.clock import Clock, display_zone, format_local
from queuebench.config import Settings
from queuebench.domain.kpi import (
    Compliance,
    DurationFigures,
    GroupBy,
    KpiReport,
    MetricFigures,
)
from queuebench.domain.models import SlaMetric
from queuebench.domain.normalize import format_duration
from queuebench.screens.base import WorkbenchScreen
from queuebench.store.engine import Store
from queuebench.store.kpi import kpi_report

PLOT_WEEKS = 12
"""Weeks shown in the breaches-per-week plot (the report lists them all)."""

METRIC_LABELS: dict[SlaMetric, str] = {
    SlaMetric.FIRST_RESPONSE: "first response",
    SlaMetric.NEXT_RESPONSE: "next response",
    SlaMetric.RESOLUTION: "resolution",
    SlaMetric.PERIODIC_UPDATE: "periodic update",
}


def duration_text(seconds: int | None) -> str:
    """``4:46`` or ``3d 04h``; ``—`` without data."""
    return "—" if seconds is None else format_duration(timedelta(seconds=seconds))


def percent_text(value: float | None) -> str:
    """``93.3 %`` or ``—``."""
    return "—" if value is None else f"{value:.1f} %"


def _times(label: str, figures: DurationFigures, noun: str) -> Content:
    return Content.assemble(
        (f"{label:<20}", "bold"),
        "median ",
        (f"{duration_text(figures.median_seconds):<9}", "bold"),
        " p90 ",
        (f"{duration_text(figures.p90_seconds):<9}", "bold"),
        (f" over {figures.count:,} {noun}", "$text-muted"),
    )


def _compliance(compliance: Compliance) -> str:
    return (
        f"{percent_text(compliance.percent)} ({compliance.met:,} met, "
        f"{compliance.breached:,} breached)"
    )


def summary(report: KpiReport) -> Content:
    """The headline figures, one per line (readable without colour)."""
    overall = report.overall
    scope = f"created since {report.since.isoformat()}" if report.since else "all cached tickets"
    lines = [
        Content.assemble((f"{overall.tickets:,} tickets", "bold"), f" ({scope})"),
        _times("First response", overall.first_response, "tickets with a reply"),
        _times("Resolution", overall.resolution, "solved or closed tickets"),
    ]
    for metric, compliance in overall.compliance.items():
        label = f"SLA {METRIC_LABELS[metric]}"
        style = "bold $text-error" if (compliance.percent or 100) < 90 else "bold"
        lines.append(Content.assemble((f"{label:<20}", "bold"), (_compliance(compliance), style)))
    aging = report.aging
    lines.append(
        Content.assemble(
            (f"{'Backlog aging':<20}", "bold"),
            f"{report.backlog_open:,} open: <7d {aging['under_7d']:,} · 7–14d "
            f"{aging['7_to_14d']:,} · 14–30d {aging['14_to_30d']:,} · 30d+ "
            f"{aging['over_30d']:,} ",
            (f"({percent_text(report.over_14d_percent)} older than 14 days)", "$text-muted"),
        )
    )
    lines.append(
        Content.assemble(
            (f"{'Reopen rate':<20}", "bold"),
            f"{percent_text(overall.reopen_percent)} ",
            (f"({overall.reopened:,} of {overall.solved:,} solved tickets)", "$text-muted"),
        )
    )
    return Content("\n").join(lines)


GROUP_WIDTHS = (6, 8, 10, 10, 10, 10, 8)


def group_table(groups: list[tuple[str, MetricFigures]]) -> Content:
    """Figures per group (priority): tickets, response/resolution medians, compliance, reopens."""
    header = ("", "Tickets", "FRT med", "TTR med", "SLA 1st", "SLA res", "Reopen")
    rows = [header]
    for key, f in groups:
        first = f.compliance.get(SlaMetric.FIRST_RESPONSE, Compliance())
        res = f.compliance.get(SlaMetric.RESOLUTION, Compliance())
        rows.append(
            (
                key,
                f"{f.tickets:,}",
                duration_text(f.first_response.median_seconds),
                duration_text(f.resolution.median_seconds),
                percent_text(first.percent),
                percent_text(res.percent),
                percent_text(f.reopen_percent),
            )
        )
    lines = []
    for index, row in enumerate(rows):
        text = "".join(
            cell.ljust(width) if i == 0 else cell.rjust(width) + " "
            for i, (cell, width) in enumerate(zip(row, GROUP_WIDTHS, strict=True))
        )
        lines.append(Content.styled(text, "bold $text-muted" if index == 0 else ""))
    return Content("\n").join(lines)


class KpiScreen(WorkbenchScreen):
    """The support KPI dashboard, computed from the cache in a thread worker."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back to queue", id="kpi.back"),
        Binding("r", "reload", "Recompute", id="kpi.reload"),
        Binding("j,down", "scroll('down')", "Scroll down", show=False, id="kpi.scroll_down"),
        Binding("k,up", "scroll('up')", "Scroll up", show=False, id="kpi.scroll_up"),
    ]

    class Computed(Message):
        """The report is ready."""

        def __init__(self, report: KpiReport) -> None:
            super().__init__()
            self.report = report

    def __init__(self, store: Store, clock: Clock, settings: Settings) -> None:
        super().__init__()
        self.store = store
        self.clock = clock
        self.zone = display_zone(settings.user.timezone)
        self.report: KpiReport | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="kpi-body"):
            summary_box = Vertical(Static("Computing…", id="kpi-summary"), classes="section")
            summary_box.border_title = Content("Support KPIs")
            yield summary_box
            yield PlotextPlot(id="kpi-plot")
            by_box = Vertical(Static("", id="kpi-groups"), classes="section")
            by_box.border_title = Content("By priority")
            yield by_box
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "KPI dashboard"
        self.query_one("#kpi-body").loading = True
        self._compute()

    @work(thread=True, exclusive=True, exit_on_error=False, name="KPI report")
    def _compute(self) -> None:
        with self.store.read() as con:
            report = kpi_report(con, self.clock(), by=GroupBy.PRIORITY)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Computed(report))

    def on_kpi_screen_computed(self, message: Computed) -> None:
        report = message.report
        self.report = report
        self.sub_title = f"KPI dashboard · as of {format_local(report.generated_at, self.zone)}"
        self.query_one("#kpi-summary", Static).update(summary(report))
        self.query_one("#kpi-groups", Static).update(group_table(report.groups))
        self._draw_plot(report)
        self.query_one("#kpi-body").loading = False

    def _draw_plot(self, report: KpiReport) -> None:
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        weeks = report.breaches_per_week[-PLOT_WEEKS:]
        plt.title(f"SLA breaches per week (last {len(weeks)} weeks, UTC)")
        if weeks:
            labels = [week.split("-", 1)[1] for week, _ in weeks]
            counts = [count for _, count in weeks]
            plt.bar(labels, counts)
            top = max(counts)
            step = max(1, -(-top // 4))
            plt.yticks(list(range(0, top + step, step)))
        plot.refresh()

    def action_back(self) -> None:
        """Return to the queue."""
        self.dismiss()

    def action_reload(self) -> None:
        """Compute the figures again from the cache."""
        self.query_one("#kpi-body").loading = True
        self._compute()

    def action_scroll(self, where: str) -> None:
        """Scroll the dashboard ``down`` or ``up``."""
        body = self.query_one("#kpi-body", VerticalScroll)
        (body.scroll_down if where == "down" else body.scroll_up)(animate=False)
