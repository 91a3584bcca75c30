"""``monitor calendar YEAR`` (issue 15): a year's calendar as the monitor counts it, to check
against the State Council's notice after an upgrade of ``holidays``.

The expected 2026 lists are the notice's (国办发明电〔2025〕7号, 关于2026年部分节假日安排的通知),
read by hand: 元旦 1月1日–3日, 1月4日（周日）上班; 春节 2月15日–23日, 2月14日（周六）、2月28日
（周六）上班; 清明 4月4日–6日; 劳动节 5月1日–5日, 5月9日（周六）上班; 端午 6月19日–21日; 中秋
9月25日–27日; 国庆 10月1日–7日, 9月20日（周日）、10月10日（周六）上班. 261 weekdays − 19 off + 6
worked = 248 working days.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli

OFF_2026 = [
    "2026-01-01",
    "2026-01-02",
    "2026-02-16",
    "2026-02-17",
    "2026-02-18",
    "2026-02-19",
    "2026-02-20",
    "2026-02-23",
    "2026-04-06",
    "2026-05-01",
    "2026-05-04",
    "2026-05-05",
    "2026-06-19",
    "2026-09-25",
    "2026-10-01",
    "2026-10-02",
    "2026-10-05",
    "2026-10-06",
    "2026-10-07",
]
WORKED_2026 = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]


def days(output: str, mark: str) -> list[str]:
    return [line.split()[0] for line in output.splitlines() if f" {mark}  " in line]


def test_2026_is_the_state_councils_schedule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no config.toml: the built-in defaults
    result = CliRunner().invoke(cli, ["calendar", "2026"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("calendar 2026: the official schedule, as the installed holidays")
    assert lines[1] == "working days: 248"
    assert days(result.output, "休") == OFF_2026
    assert days(result.output, "班") == WORKED_2026
    assert "  2026-02-16 周一 休  农历除夕" in lines
    assert "  2026-10-10 周六 班  调休上班" in lines


def test_an_unpublished_year_is_shown_as_an_estimate_that_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["calendar", "2027"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("calendar 2027: NOT PUBLISHED in the installed")
    assert days(result.output, "班") == []  # an estimate has no 调休


def test_the_configured_closures_and_schedules_are_included(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[calendar]\nextra_holidays = ["2026-07-06"]\n'  # a typhoon closure, a Monday
        '[calendar.years.2027]\nholidays = ["2027-01-01"]\nworkdays = ["2027-01-02"]\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["calendar", "2026", "--config", str(config)])
    assert "  2026-07-06 周一 休  本地停工（配置）" in result.output.splitlines()
    assert "working days: 247" in result.output
    result = CliRunner().invoke(cli, ["calendar", "2027", "--config", str(config)])
    lines = result.output.splitlines()
    assert lines[0] == (
        "calendar 2027: the schedule given under [calendar.years.2027] in the configuration"
    )
    assert days(result.output, "休") == ["2027-01-01"]
    assert days(result.output, "班") == ["2027-01-02"]


@pytest.mark.parametrize("year", ["1989", "2100", "next"])
def test_a_year_out_of_range_is_a_usage_error(year: str) -> None:
    result = CliRunner().invoke(cli, ["calendar", year])
    assert result.exit_code == 2
