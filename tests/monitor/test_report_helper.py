"""The report's trend chart and workbook made by child processes (monitor/reports/helper.py):
the same bytes as made in the report's own process, and made there when a child fails."""

from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path

import numpy as np
import pytest

from monitor.reports.chart import trend_svg
from monitor.reports.excel import write_excel
from monitor.reports.helper import Helper, ReportHelpers
from monitor.reports.model import ReportData

TREND = [
    {
        "period": f"2025-{month:02d}",
        "accepted_late_rate": 0.00005 * month if month != 4 else None,
        "completed_late_rate": np.float64(0.00003),  # as the figures give it
        "online_rate": 0.994,
    }
    for month in range(1, 13)
]


def data() -> ReportData:
    totals = {"received": 120, "online": 119, "online_rate": 119 / 120}
    return ReportData(
        period="2025-06",
        kind="month",
        previous="2025-05",
        generated_at=dt.datetime(2025, 7, 1, 9, 0),
        language="zh",
        estimated_calendar=False,
        completion_denominator="all",
        totals=totals,
        previous_totals=totals,
        departments=[{"department": "县市场监督管理局", **totals, "previous": None}],
        numerators={"online_rate": (119, 120)},
        department_numerators=[{"online_rate": (119, 120)}],
        trend=TREND,
        late_cases=[],
        late_cases_total=0,
        quality=[],
        quality_total=0,
        definitions={},
    )


def test_the_childs_chart_is_the_one_drawn_here() -> None:
    for language in ("zh", "en"):
        with Helper("chart") as helper:
            helper.ask(TREND, language)
            chart = helper.result().decode("utf-8")
        assert chart == str(trend_svg(TREND, language))
        assert "2025-12" in chart and chart.startswith("<svg")


def test_the_childs_workbook_is_the_one_written_here(tmp_path: Path) -> None:
    with ReportHelpers() as helpers:
        helpers.workbook.ask(data(), str(tmp_path / "child.xlsx"))
        assert helpers.workbook.result() == b""
    write_excel(data(), tmp_path / "here.xlsx")
    import openpyxl

    child, here = (openpyxl.load_workbook(tmp_path / n) for n in ("child.xlsx", "here.xlsx"))
    assert child.sheetnames == here.sheetnames
    for name in child.sheetnames:
        rows = [list(r) for r in child[name].iter_rows(values_only=True)]
        assert rows == [list(r) for r in here[name].iter_rows(values_only=True)]
        assert rows  # every sheet has its header at least


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-c", "import sys; sys.stderr.write('broken'); sys.exit(3)"],
        [sys.executable, "-c", "import sys; sys.exit(1)"],
        ["/nonexistent/python"],
    ],
    ids=["child fails", "child exits 1", "no child"],
)
def test_a_failed_child_leaves_the_chart_to_the_report(
    command: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="monitor.reports.helper")
    with Helper("chart", command) as helper:
        helper.ask(TREND, "zh")
        chart = helper.result().decode("utf-8")
    assert chart == str(trend_svg(TREND, "zh"))
    if command[0] == "/nonexistent/python":
        assert "the chart is made here: no child process" in caplog.text
    else:
        code = 3 if command[-1].endswith("exit(3)") else 1
        assert f"the chart's child process failed ({code})" in caplog.text
        assert ("broken" in caplog.text) == (code == 3)


def test_a_workbook_that_cannot_be_written_is_the_reports_error(tmp_path: Path) -> None:
    # The child fails to write it; written again here, the error is the report's own.
    target = tmp_path / "missing-folder" / "2025-06.xlsx"
    with Helper("workbook") as helper, pytest.raises(FileNotFoundError):
        helper.ask(data(), str(target))
        helper.result()


def test_the_children_are_stopped_when_the_report_fails() -> None:
    with pytest.raises(RuntimeError, match="stopped"), ReportHelpers() as helpers:
        children = [helpers.chart._child, helpers.workbook._child]
        raise RuntimeError("stopped")
    assert all(c is not None and c.returncode is not None for c in children)  # killed, reaped


def test_a_result_before_ask_is_a_programming_error() -> None:
    with Helper("chart") as helper, pytest.raises(RuntimeError, match="before ask"):
        helper.result()


def test_helpers_not_started_make_both_here(tmp_path: Path) -> None:
    # The daemon (a long-lived process) and direct callers of run_report start no child.
    with ReportHelpers(start=False) as helpers:
        assert helpers.chart._child is None and helpers.workbook._child is None
        helpers.chart.ask(TREND, "zh")
        helpers.workbook.ask(data(), str(tmp_path / "here.xlsx"))
        assert helpers.chart.result().decode("utf-8") == str(trend_svg(TREND, "zh"))
        assert helpers.workbook.result() == b""
    assert (tmp_path / "here.xlsx").stat().st_size > 0
