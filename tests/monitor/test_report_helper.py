"""The report's trend chart drawn by a child process (monitor/reports/helper.py): the same
SVG as drawn in the report's own process, and drawn there when the child fails."""

from __future__ import annotations

import logging
import sys

import numpy as np
import pytest

from monitor.reports.chart import trend_svg
from monitor.reports.helper import ReportHelper

TREND = [
    {
        "period": f"2025-{month:02d}",
        "accepted_late_rate": 0.00005 * month if month != 4 else None,
        "completed_late_rate": np.float64(0.00003),  # as the figures give it
        "online_rate": 0.994,
    }
    for month in range(1, 13)
]


def test_the_childs_chart_is_the_one_drawn_here() -> None:
    with ReportHelper() as helper:
        helper.ask(TREND, "zh")
        chart = helper.chart()
    assert str(chart) == str(trend_svg(TREND, "zh"))
    assert "2025-12" in chart and "<svg" in chart


def test_the_chart_in_english() -> None:
    with ReportHelper() as helper:
        helper.ask(TREND, "en")
        assert str(helper.chart()) == str(trend_svg(TREND, "en"))


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
    with ReportHelper(command) as helper:
        helper.ask(TREND, "zh")
        chart = helper.chart()
    assert str(chart) == str(trend_svg(TREND, "zh"))
    assert "failed" in caplog.text or "no child process" in caplog.text
    if command[-1].endswith("exit(3)"):
        assert "broken" in caplog.text


def test_the_child_is_stopped_when_the_report_fails() -> None:
    with pytest.raises(RuntimeError, match="stopped"), ReportHelper() as helper:
        child = helper._child
        raise RuntimeError("stopped")
    assert child is not None and child.returncode is not None  # killed and reaped


def test_chart_before_ask_is_a_programming_error() -> None:
    with ReportHelper() as helper, pytest.raises(RuntimeError, match="before ask"):
        helper.chart()
