"""``monitor scan``: selection, order, output formats, exit codes and the summary line.

Every expected level and date below was worked out by hand against the official 2025 schedule
(国务院办公厅关于2025年部分节假日安排的通知, checked with ``chinese_calendar``). Around the
scan time, 2025-10-09 10:00 (a Thursday):

    Sep 22–26 Mon–Fri  working days
    Sep 27 Sat         day off
    Sep 28 Sun         WORKING DAY (调休上班)
    Sep 29 Mon, 30 Tue working days
    Oct 1–8            National Day + Mid-Autumn holiday (国庆节、中秋节), days off
    Oct 9 Thu, 10 Fri  working days
    Oct 11 Sat         WORKING DAY (调休上班)
    Oct 12 Sun         day off
    Oct 13–17 Mon–Fri  working days
    (September 2025 has no other holiday: Sep 1–5, 8–12, 15–19 are all working days.)

With T = 2025-10-09: R = working days d with T < d ≤ D, L = working days d with D < d ≤ T.
Default thresholds: warning when R ≤ 1, escalated when L ≥ 3.

SC-001 accepted Mon Sep 22, 5 working days: Sep 23, 24, 25, 26, 28 → D = Sep 28 (the 调休
       Sunday). L = Sep 29, Sep 30, Oct 9 = 3 → escalated.
SC-002 accepted Wed Sep 24, 5 working days: Sep 25, 26, 28, 29, 30 → D = Sep 30.
       L = Oct 9 = 1 → overdue.
SC-003 accepted Mon Sep 29, 3 working days: Sep 30, Oct 9, Oct 10 → D = Oct 10.
       R = Oct 10 = 1 → warning.
SC-004 accepted Tue Sep 30, 15 natural days: Oct 15 (Wed, a working day) → D = Oct 15.
       R = Oct 10, 11, 13, 14, 15 = 5 → ok.
SC-005 submitted Fri Sep 26, materials supplemented (补正) Mon Sep 29, not accepted: acceptance
       starts Sep 29, default 5 working days: Sep 30, Oct 9, 10, 11, 13 → D = Oct 13.
       R = Oct 10, 11, 13 = 3 → ok. (Counted from Sep 26 it would be D = Oct 10, a warning.)
SC-006 即办 (0 days), submitted and accepted Thu Oct 9 09:00, still open: D = Oct 9 (a working
       day). R = 0 → warning (and before SC-003 in the list: fewer days remaining).
SC-007 accepted Mon Sep 1, 10 working days: Sep 2–5, 8–12, 15 → D = Sep 15. Completed Wed
       Sep 17 → late, L = Sep 16, 17 = 2.
SC-008 the same as SC-007 with 特别程序时长 2 (suspended 2 working days): D = Sep 17.
       Completed Sep 17 11:00, on D → on time.
SC-009 申请时间 2025-09-31 (September has 30 days) → a data problem, not evaluated.

Every accepted case above was accepted on the day of submission, so each acceptance obligation
is closed on time. Obligations: 8 valid cases × 2, minus SC-005's completion (not accepted) = 15:
escalated 1, overdue 1, warning 2, ok 2, late 1, on_time 8.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner, Result
from freezegun import freeze_time

from monitor.cases import scan_output
from monitor.cli import cli, main, parse_at

AT = "2025-10-09T10:00"
HEADER = (
    "办件编号,实施部门,事项编码,事项名称,申请渠道,申请时间,补正时间,受理时间,办结时间,"
    "承诺时限,法定时限,特别程序时长,办件状态\n"
)
SAMR, CIVIL, HRSS = "县市场监督管理局", "县民政局", "县人力资源和社会保障局"
CASES_CSV = HEADER + (
    f"SC-001,{SAMR},ITEM-A,食品经营许可,一网通办,2025-09-22 09:00:00,,"
    "2025-09-22 10:00:00,,5个工作日,20个工作日,,办理中\n"
    f"SC-002,{SAMR},ITEM-B,营业执照变更登记,窗口,2025-09-24 09:00:00,,"
    "2025-09-24 09:30:00,,5个工作日,20个工作日,,办理中\n"
    f"SC-003,{SAMR},ITEM-C,药品经营许可,一网通办,2025-09-29 09:00:00,,"
    "2025-09-29 10:00:00,,3个工作日,20个工作日,,办理中\n"
    f"SC-004,{CIVIL},ITEM-D,社会团体登记,一网通办,2025-09-30 09:00:00,,"
    "2025-09-30 10:00:00,,15自然日,,,办理中\n"
    f"SC-005,{CIVIL},ITEM-E,养老机构备案,一网通办,2025-09-26 09:00:00,2025-09-29 14:00:00,"
    ",,10个工作日,,,待受理\n"
    f"SC-006,{HRSS},ITEM-F,社会保障卡申领,自助终端,2025-10-09 09:00:00,,"
    "2025-10-09 09:00:00,,即办,,,办理中\n"
    f"SC-007,{HRSS},ITEM-G,职业技能等级认定,窗口,2025-09-01 09:00:00,,"
    "2025-09-01 10:00:00,2025-09-17 16:00:00,10个工作日,20个工作日,,已办结\n"
    f"SC-008,{HRSS},ITEM-G,职业技能等级认定,窗口,2025-09-01 09:00:00,,"
    "2025-09-01 10:00:00,2025-09-17 11:00:00,10个工作日,20个工作日,2,已办结\n"
    f"SC-009,{CIVIL},ITEM-D,社会团体登记,窗口,2025-09-31 09:00:00,,,,15自然日,,,待受理\n"
)
COLUMNS = [
    "case_id",
    "department",
    "item_code",
    "item_name",
    "obligation",
    "start",
    "limit",
    "unit",
    "suspended",
    "deadline",
    "closed_at",
    "state",
    "level",
    "remaining_workdays",
    "late_workdays",
    "estimated_calendar",
]
SUMMARY = (
    "scan at 2025-10-09 10:00: 15 obligations — escalated 1, overdue 1, warning 2, ok 2, "
    "late 1, on_time 8; data problems 1"
)
#: The default selection at AT, most urgent first: (case, obligation, level).
ALERTS = [
    ("SC-001", "completion", "escalated"),
    ("SC-002", "completion", "overdue"),
    ("SC-006", "completion", "warning"),
    ("SC-003", "completion", "warning"),
]

# Calendar years: 2026 is the last year the installed packages publish; a deadline that runs
# into 2027 needs an estimate. NY-001 accepted Mon 2026-12-28, 10 working days: Dec 29, 30, 31,
# (Jan 1 2027 New Year, estimated), Jan 4, 5, 6, 7, 8, 11, 12 → D = 2027-01-12 (estimated).
# Its acceptance (default 5 days: Dec 29, 30, 31, Jan 4, 5 → 2027-01-05) is estimated too.
# NY-002 lies wholly in 2026: accepted Tue Dec 1, 5 days → D = Dec 8, completed Dec 4, on time.
CASES_2027_CSV = HEADER + (
    f"NY-001,{SAMR},ITEM-A,食品经营许可,一网通办,2026-12-28 09:00:00,,"
    "2026-12-28 10:00:00,,10个工作日,20个工作日,,办理中\n"
    f"NY-002,{SAMR},ITEM-A,食品经营许可,一网通办,2026-12-01 09:00:00,,"
    "2026-12-01 10:00:00,2026-12-04 16:00:00,5个工作日,20个工作日,,已办结\n"
)
AT_2026 = "2026-12-30T10:00"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The case file, in a working folder without config.toml (built-in defaults apply)."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "cases.csv"
    path.write_text(CASES_CSV, encoding="utf-8")
    return path


def scan(runner: CliRunner, cases: Path, *args: str, at: str = AT) -> Result:
    return runner.invoke(cli, ["scan", "--input", str(cases), "--at", at, *args])


def scan_json(runner: CliRunner, cases: Path, *args: str, at: str = AT) -> list[dict]:
    result = scan(runner, cases, "--format", "json", *args, at=at)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def keys(records: list[dict]) -> list[tuple[str, str, str]]:
    return [(r["case_id"], r["obligation"], r["level"]) for r in records]


def find(records: list[dict], case_id: str, obligation: str) -> dict:
    (hit,) = [r for r in records if (r["case_id"], r["obligation"]) == (case_id, obligation)]
    return hit


# --- selection and order ----------------------------------------------------------------------


def test_default_selection_is_warning_or_worse_most_urgent_first(
    runner: CliRunner, cases: Path
) -> None:
    assert keys(scan_json(runner, cases)) == ALERTS


def test_table_lists_the_same_rows_in_chinese(runner: CliRunner, cases: Path) -> None:
    result = scan(runner, cases)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "办件编号",
        "实施部门",
        "事项名称",
        "环节",
        "起算日",
        "时限",
        "截止日",
        "等级",
        "剩余工作日",
        "超期工作日",
    ]
    assert [line.split()[0] for line in lines[1:]] == ["SC-001", "SC-002", "SC-006", "SC-003"]
    assert lines[1].split() == [
        "SC-001",
        SAMR,
        "食品经营许可",
        "办结",
        "2025-09-22",
        "5工作日",
        "2025-09-28",
        "督办",
        "3",
    ]
    assert lines[3].split()[5:9] == ["即办", "2025-10-09", "预警", "0"]


def test_all_lists_every_obligation_of_every_valid_case(runner: CliRunner, cases: Path) -> None:
    records = scan_json(runner, cases, "--all")
    assert len(records) == 15
    assert "SC-009" not in {r["case_id"] for r in records}  # the bad date: a data problem
    assert keys(records)[:7] == [
        *ALERTS,
        ("SC-005", "acceptance", "ok"),  # R = 3 before R = 5
        ("SC-004", "completion", "ok"),
        ("SC-007", "completion", "late"),
    ]
    assert [r["level"] for r in records[7:]] == ["on_time"] * 8
    assert {(r["case_id"], r["obligation"]) for r in records[7:]} == {
        *((f"SC-00{i}", "acceptance") for i in (1, 2, 3, 4, 6, 7, 8)),
        ("SC-008", "completion"),
    }


def test_department(runner: CliRunner, cases: Path) -> None:
    assert keys(scan_json(runner, cases, "--department", SAMR)) == ALERTS[:2] + ALERTS[3:]
    assert keys(scan_json(runner, cases, "--department", CIVIL)) == []
    every = scan_json(runner, cases, "--department", HRSS, "--all")
    assert len(every) == 6
    assert {r["department"] for r in every} == {HRSS}
    assert keys(every)[:2] == [
        ("SC-006", "completion", "warning"),
        ("SC-007", "completion", "late"),
    ]


# --- formats ----------------------------------------------------------------------------------


def test_json_objects_have_exactly_the_documented_keys_and_values(
    runner: CliRunner, cases: Path
) -> None:
    records = scan_json(runner, cases, "--all")
    assert all(list(r) == COLUMNS for r in records)
    assert find(records, "SC-001", "completion") == {
        "case_id": "SC-001",
        "department": SAMR,
        "item_code": "ITEM-A",
        "item_name": "食品经营许可",
        "obligation": "completion",
        "start": "2025-09-22",
        "limit": 5,
        "unit": "workday",
        "suspended": 0,
        "deadline": "2025-09-28",
        "closed_at": None,
        "state": "open",
        "level": "escalated",
        "remaining_workdays": None,
        "late_workdays": 3,
        "estimated_calendar": False,
    }
    assert find(records, "SC-008", "completion") == {
        "case_id": "SC-008",
        "department": HRSS,
        "item_code": "ITEM-G",
        "item_name": "职业技能等级认定",
        "obligation": "completion",
        "start": "2025-09-01",
        "limit": 10,
        "unit": "workday",
        "suspended": 2,
        "deadline": "2025-09-17",
        "closed_at": "2025-09-17T11:00:00",
        "state": "closed",
        "level": "on_time",
        "remaining_workdays": None,
        "late_workdays": 0,
        "estimated_calendar": False,
    }
    late = find(records, "SC-007", "completion")
    assert (late["deadline"], late["closed_at"], late["level"], late["late_workdays"]) == (
        "2025-09-15",
        "2025-09-17T16:00:00",
        "late",
        2,
    )
    natural = find(records, "SC-004", "completion")
    assert (natural["limit"], natural["unit"], natural["deadline"]) == (15, "natural", "2025-10-15")
    assert (natural["level"], natural["remaining_workdays"], natural["late_workdays"]) == (
        "ok",
        5,
        0,
    )
    supplemented = find(records, "SC-005", "acceptance")
    assert (supplemented["start"], supplemented["limit"], supplemented["deadline"]) == (
        "2025-09-29",
        5,
        "2025-10-13",
    )
    assert (supplemented["state"], supplemented["level"], supplemented["remaining_workdays"]) == (
        "open",
        "ok",
        3,
    )
    immediate = find(records, "SC-006", "completion")
    assert (immediate["limit"], immediate["deadline"], immediate["remaining_workdays"]) == (
        0,
        "2025-10-09",
        0,
    )
    # Whole numbers are JSON integers, not 5.0.
    assert all(type(r["limit"]) is int and type(r["late_workdays"]) is int for r in records)
    assert all(
        r["remaining_workdays"] is None or type(r["remaining_workdays"]) is int for r in records
    )


def test_csv_header_is_the_column_list(runner: CliRunner, cases: Path) -> None:
    result = scan(runner, cases, "--format", "csv")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].replace('"', "") == ",".join(COLUMNS)
    assert len(lines) == 1 + 4
    frame = pd.read_csv(io.StringIO(result.stdout), dtype=str)
    assert list(frame.columns) == COLUMNS
    assert list(frame["case_id"]) == ["SC-001", "SC-002", "SC-006", "SC-003"]
    first = frame.iloc[0]
    assert (first["deadline"], first["level"], first["late_workdays"]) == (
        "2025-09-28",
        "escalated",
        "3",
    )
    every = scan(runner, cases, "--format", "csv", "--all")
    assert len(every.stdout.splitlines()) == 1 + 15


def test_xlsx_has_the_same_columns(runner: CliRunner, cases: Path, tmp_path: Path) -> None:
    out = tmp_path / "scan.xlsx"
    result = scan(runner, cases, "--all", "--format", "xlsx", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS
    assert len(rows) == 1 + 15
    frame = pd.read_excel(out, dtype=object)
    assert list(frame.columns) == COLUMNS
    first = frame.iloc[0]
    assert (first["case_id"], first["deadline"], first["level"]) == (
        "SC-001",
        "2025-09-28",
        "escalated",
    )
    assert list(frame["case_id"][:4]) == ["SC-001", "SC-002", "SC-006", "SC-003"]


def test_xlsx_without_output_is_one_line_and_exit_2(
    cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["scan", "--input", str(cases), "--at", AT, "--format", "xlsx"])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "error: --format xlsx needs --output PATH (a workbook is not terminal text)\n"


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_output_file_instead_of_stdout(
    runner: CliRunner, cases: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"scan.{fmt}"
    result = scan(runner, cases, "--format", fmt, "--output", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.strip() == SUMMARY
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        assert keys(json.loads(text)) == ALERTS
    else:
        assert "SC-001" in text and "SC-004" not in text


# --- summary line and exit codes --------------------------------------------------------------


def test_summary_line_on_stderr(runner: CliRunner, cases: Path) -> None:
    result = scan(runner, cases, "--format", "json")
    assert result.stderr == SUMMARY + "\n"
    assert SUMMARY not in result.stdout
    # The summary counts every level, whatever is shown.
    assert scan(runner, cases, "--all").stderr == SUMMARY + "\n"


def test_summary_line_of_one_department(runner: CliRunner, cases: Path) -> None:
    result = scan(runner, cases, "--department", HRSS)
    assert result.stderr == (
        f"scan at 2025-10-09 10:00, {HRSS}: 6 obligations — escalated 0, overdue 0, warning 1, "
        "ok 0, late 1, on_time 4; data problems 1\n"
    )


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ((), 0),
        (("--fail-on", "escalated"), 3),
        (("--fail-on", "overdue"), 3),
        (("--fail-on", "warning"), 3),
        # 县民政局: only ok obligations (SC-004, SC-005) and one on time.
        (("--fail-on", "warning", "--department", CIVIL), 0),
        # 县人社局: one warning (SC-006), nothing late and open.
        (("--fail-on", "overdue", "--department", HRSS), 0),
        (("--fail-on", "warning", "--department", HRSS), 3),
        (("--fail-on", "escalated", "--department", SAMR), 3),
    ],
)
def test_fail_on(runner: CliRunner, cases: Path, args: tuple[str, ...], code: int) -> None:
    result = scan(runner, cases, "--format", "json", *args)
    assert result.exit_code == code, result.output
    json.loads(result.stdout)  # the output is written whatever the exit code
    assert result.stderr.startswith("scan at 2025-10-09 10:00")


def test_fail_on_ignores_closed_late_obligations(runner: CliRunner, cases: Path) -> None:
    # SC-007 was completed late: a closed obligation has no live level, so it never trips.
    result = scan(runner, cases, "--fail-on", "overdue", "--department", HRSS, "--all")
    assert result.exit_code == 0, result.output


# --- --at -------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["yesterday", "2025-13-01", "09.10.2025"])
def test_invalid_at_is_a_usage_error_naming_at(runner: CliRunner, cases: Path, bad: str) -> None:
    result = scan(runner, cases, at=bad)
    assert result.exit_code == 2
    assert "Invalid value for --at" in result.output
    assert repr(bad) in result.output
    assert "2025-10-09T09:00" in result.output  # an example of the expected form


def test_at_with_an_offset_is_converted_to_shanghai_time(runner: CliRunner, cases: Path) -> None:
    # 02:00 UTC is 10:00 in Shanghai (UTC+8): the very same scan as AT.
    result = scan(runner, cases, "--format", "json", "--all", at="2025-10-09T02:00:00+00:00")
    assert result.exit_code == 0, result.output
    assert result.stderr == SUMMARY + "\n"
    assert json.loads(result.stdout) == scan_json(runner, cases, "--all")


def test_parse_at() -> None:
    assert parse_at("2025-10-09") == dt.datetime(2025, 10, 9)
    assert parse_at("2025-10-09T09:30") == dt.datetime(2025, 10, 9, 9, 30)
    # 17:00 UTC on Oct 8 is already Oct 9 in Shanghai: the date T changes too.
    assert parse_at("2025-10-08T17:00:00Z") == dt.datetime(2025, 10, 9, 1, 0)
    assert parse_at("2025-10-09T10:00:00+09:00") == dt.datetime(2025, 10, 9, 9, 0)
    now = parse_at(None)
    assert now.tzinfo is None
    shanghai = dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)
    assert abs(now - shanghai.replace(tzinfo=None)) < dt.timedelta(minutes=1)


# --- calendar years not yet published ---------------------------------------------------------


@pytest.fixture
def cases_2027(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "cases-2027.csv"
    path.write_text(CASES_2027_CSV, encoding="utf-8")
    return path


def test_a_2027_deadline_stops_the_scan_with_one_line(
    cases_2027: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["scan", "--input", str(cases_2027), "--at", AT_2026, "--all"])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: the official holiday schedule for 2027 is not known")
    assert "[calendar.years.2027]" in err
    assert "allow_estimated_years = true" in err


def test_a_2027_case_date_stops_the_scan_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "cases.csv"
    path.write_text(
        HEADER + f"NY-003,{SAMR},ITEM-A,食品经营许可,窗口,2027-01-05 09:00:00,,,,5,,,待受理\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as info:
        main(["scan", "--input", str(path), "--at", "2027-01-06T09:00"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "2027" in err and "allow_estimated_years" in err


def test_allowed_estimate_is_marked_per_row_and_in_the_summary(
    runner: CliRunner, cases_2027: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[calendar]\nallow_estimated_years = true\n", encoding="utf-8")
    result = runner.invoke(
        cli,
        [
            *("scan", "--config", str(config), "--input", str(cases_2027), "--at", AT_2026),
            *("--all", "--format", "json"),
        ],
    )
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    estimated = {(r["case_id"], r["obligation"]): r["estimated_calendar"] for r in records}
    assert estimated == {
        ("NY-001", "acceptance"): True,
        ("NY-001", "completion"): True,
        ("NY-002", "acceptance"): False,
        ("NY-002", "completion"): False,
    }
    open_case = find(records, "NY-001", "completion")
    assert (open_case["deadline"], open_case["level"]) == ("2027-01-12", "ok")
    assert find(records, "NY-001", "acceptance")["deadline"] == "2027-01-05"
    assert result.stderr == (
        "scan at 2026-12-30 10:00: 4 obligations — escalated 0, overdue 0, warning 0, ok 1, "
        "late 0, on_time 3; data problems 0; ESTIMATED calendar year used\n"
    )


# --- implausible rows (issue 10 item 15) ------------------------------------------------------

IMPLAUSIBLE_CSV = CASES_CSV + (
    f"IM-001,{SAMR},ITEM-A,食品经营许可,窗口,2025-09-22 09:00:00,,"
    "2025-09-22 10:00:00,,999999999999,,,办理中\n"
    f"IM-002,{SAMR},ITEM-A,食品经营许可,窗口,1900-01-01 09:00:00,,,,5,,,待受理\n"
    f"IM-003,{SAMR},ITEM-A,食品经营许可,窗口,2025-09-22 09:00:00,,"
    "9999-12-31 00:00:00,,5,,,办理中\n"
    f"IM-004,{SAMR},ITEM-A,食品经营许可,窗口,2025-09-22 09:00:00,,"
    "2025-09-22 10:00:00,,5,,inf,办理中\n"
    f"IM-005,{SAMR},ITEM-A,食品经营许可,窗口,2025-09-22 09:00:00,,"
    "2025-09-22 10:00:00,,5,,1e308,办理中\n"
)


def test_implausible_rows_are_data_problems_and_the_rest_is_scanned(
    runner: CliRunner, cases: Path
) -> None:
    """A limit of 999999999999, a date in 1900 or 9999, 特别程序时长 inf or 1e308: each made
    the whole scan stop (exit 2, or a traceback: year 10001 is out of range). Now each is a
    data problem of its row and the eight good cases are scanned as before."""
    expected = scan_json(runner, cases, "--all")
    cases.write_text(IMPLAUSIBLE_CSV, encoding="utf-8")
    result = scan(runner, cases, "--all", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == expected
    assert result.stderr == SUMMARY.replace("data problems 1", "data problems 6") + "\n"


def test_a_long_limit_gets_a_calendar_long_enough(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The calendar spanned one year past the data: a plausible 2000-day limit ran out of
    it ("date … is outside the working-day calendar"). Accepted Mon 2025-09-01, 2000 natural
    days (285 weeks + 5 days): Sat 2031-02-22, not a working day → Mon 2031-02-24, in an
    estimated year (its Spring Festival, Jan 22–27, is long past)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text(
        "[calendar]\nallow_estimated_years = true\n", encoding="utf-8"
    )
    path = tmp_path / "cases.csv"
    path.write_text(
        HEADER + f"LONG-1,{CIVIL},ITEM-D,社会团体登记,窗口,2025-09-01 09:00:00,,"
        "2025-09-01 10:00:00,,2000自然日,,,办理中\n",
        encoding="utf-8",
    )
    records = scan_json(runner, path, "--all")
    completion = find(records, "LONG-1", "completion")
    assert (completion["deadline"], completion["level"], completion["estimated_calendar"]) == (
        "2031-02-24",
        "ok",
        True,
    )


# --- a real run -------------------------------------------------------------------------------


def test_subprocess_fail_on_exits_3_and_prints_json(cases: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "monitor", "scan", "--input", cases.name, "--at", AT),
            *("--format", "json", "--fail-on", "escalated"),
        ],
        cwd=tmp_path,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert proc.returncode == 3, proc.stderr
    assert keys(json.loads(proc.stdout)) == ALERTS
    assert proc.stderr == SUMMARY + "\n"
    assert "Traceback" not in proc.stderr


def test_without_at_the_scan_is_as_of_now_in_shanghai(runner: CliRunner, cases: Path) -> None:
    # 02:00 UTC is 10:00 in Asia/Shanghai: the same moment as AT, so the same result.
    assert scan(runner, cases).exit_code == 0  # every lazy import done before the freeze
    with freeze_time("2025-10-09 02:00:00"):
        result = runner.invoke(cli, ["scan", "--input", str(cases), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert keys(json.loads(result.stdout)) == ALERTS
    assert result.stderr == SUMMARY + "\n"


# --- labels (issue 10, items 2 and 3) ------------------------------------------------------

# LA-001: submitted Mon 2025-09-01, acceptance limit 5 working days (Sep 2, 3, 4, 5, 8 →
# D = Sep 8), accepted Sep 10: a late acceptance. Its completion (accepted Sep 10, 20 days)
# is still open. LA-002 has no item name (事项名称 empty) and is refused (不予受理) on Sep 12,
# after the same acceptance deadline Sep 8.
LABEL_CSV = HEADER + (
    f"LA-001,{SAMR},ITEM-A,食品经营许可,窗口,2025-09-01 09:00:00,,"
    "2025-09-10 10:00:00,,20个工作日,20个工作日,,办理中\n"
    f"LA-002,{SAMR},ITEM-B,,窗口,2025-09-01 09:00:00,,"
    "2025-09-12 10:00:00,2025-09-12 10:00:00,20个工作日,20个工作日,,不予受理\n"
)


def test_a_late_acceptance_is_labelled_late_acceptance(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(LABEL_CSV, encoding="utf-8")
    result = runner.invoke(cli, ["scan", "--input", str(path), "--at", AT, "--all"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    acceptance = [line for line in lines if line.startswith("LA-001") and " 受理 " in line]
    assert len(acceptance) == 1
    assert "超期受理" in acceptance[0]
    assert "超期办结" not in acceptance[0]


def test_a_refused_case_late_at_acceptance_is_labelled_late_acceptance(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(LABEL_CSV, encoding="utf-8")
    result = runner.invoke(cli, ["scan", "--input", str(path), "--at", AT, "--all"])
    refused = [line for line in result.stdout.splitlines() if line.startswith("LA-002")]
    assert len(refused) == 1  # refused: no completion obligation
    assert "超期受理" in refused[0]


def test_a_case_without_item_name_shows_a_blank_not_nan(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(LABEL_CSV, encoding="utf-8")
    result = runner.invoke(cli, ["scan", "--input", str(path), "--at", AT, "--all"])
    assert result.exit_code == 0, result.output
    assert "nan" not in result.stdout
    refused = next(line for line in result.stdout.splitlines() if line.startswith("LA-002"))
    # The item column is blank: the department is followed by spaces, then 受理.
    assert re.search(rf"LA-002\s+{SAMR}\s+受理\s", refused)


# --- personal data and spreadsheet formulas in every format (issue 10, items 10 and 25) ----

ID_NUMBER, MASKED_ID = "330225199001011234", "330225********1234"
PHONE, MASKED_PHONE = "0574-65123456", "0574-****3456"
# PD-1: the case id is an identity number; its item name carries a landline. FX-1 .. FX-4:
# text that a spreadsheet would run as a formula. All are open and late at AT.
PII_CSV = HEADER + "".join(
    f"{case},{SAMR},ITEM-A,{item},窗口,2025-09-01 09:00:00,,2025-09-01 10:00:00,,"
    "5个工作日,20个工作日,,办理中\n"
    for case, item in [
        (ID_NUMBER, f"食品经营许可(联系电话{PHONE})"),
        ("FX-1", '"=HYPERLINK(""http://x"")"'),
        ("FX-2", "+1+1"),
        ("FX-3", "-1+1"),
        ("FX-4", "@SUM(1)"),
    ]
)
FORMULAS = ['=HYPERLINK("http://x")', "+1+1", "-1+1", "@SUM(1)"]


@pytest.fixture
def pii(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "pii.csv"
    path.write_text(PII_CSV, encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_every_scan_format_masks_personal_data(runner: CliRunner, pii: Path, fmt: str) -> None:
    result = scan(runner, pii, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert ID_NUMBER not in result.stdout and PHONE not in result.stdout
    assert MASKED_ID in result.stdout and MASKED_PHONE in result.stdout


def test_xlsx_masks_personal_data_and_holds_no_formula(
    runner: CliRunner, pii: Path, tmp_path: Path
) -> None:
    out = tmp_path / "scan.xlsx"
    result = scan(runner, pii, "--format", "xlsx", "--output", str(out))
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    values = {str(c.value) for c in cells}
    assert MASKED_ID in values and ID_NUMBER not in values
    for formula in FORMULAS:
        cell = next(c for c in cells if c.value == formula)
        assert cell.data_type == "s" and cell.quotePrefix


def test_csv_neutralises_formulas(runner: CliRunner, pii: Path) -> None:
    result = scan(runner, pii, "--format", "csv")
    rows = pd.read_csv(io.StringIO(result.stdout), dtype=str)
    items = set(rows["item_name"])
    assert {"'" + f for f in FORMULAS} <= items
    assert not items & set(FORMULAS)


def test_csv_in_pieces_is_the_csv_in_one_piece(
    runner: CliRunner, pii: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Millions of rows are taken in order, masked, neutralised and formatted in pieces by
    # two threads: pieces of two rows here (the case id of PD-1 is masked in its piece).
    whole = scan(runner, pii, "--format", "csv", "--all")
    monkeypatch.setattr(scan_output, "_PIECE_ROWS", 2)
    pieces = scan(runner, pii, "--format", "csv", "--all")
    assert whole.exit_code == pieces.exit_code == 0
    assert pieces.stdout == whole.stdout
    assert pieces.stdout.count('"case_id",') == 1  # one header
    assert MASKED_ID in pieces.stdout and ID_NUMBER not in pieces.stdout
    assert "'+1+1" in pieces.stdout


def test_unmasked_export_shows_numbers_and_is_logged(
    runner: CliRunner, pii: Path, tmp_path: Path
) -> None:
    import getpass

    log = tmp_path / "monitor.log"
    config = tmp_path / "config.toml"
    config.write_text(f'[logging]\nfile = "{log.name}"\n', encoding="utf-8")
    result = scan(runner, pii, "--format", "json", "--unmasked", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert ID_NUMBER in result.stdout and PHONE in result.stdout
    line = f"unmasked export of personal data by {getpass.getuser()}"
    assert line in result.stderr
    assert line in log.read_text(encoding="utf-8")
    assert "monitor scan --format json" in log.read_text(encoding="utf-8")


# --- monitor explain (issue 11: why the deadline is that day) ----------------------------


def test_explain_tells_each_day_from_the_start_to_the_deadline(
    runner: CliRunner, cases: Path
) -> None:
    # SC-007: accepted Mon 2025-09-01 10:00, 10 working days: Sep 2..5 (4), 8..12 (9), 15 (10)
    # → D = Sep 15; completed Sep 17: late, L = Sep 16, 17 = 2.
    result = runner.invoke(cli, ["explain", "SC-007", "--input", str(cases), "--at", AT])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert (
        "completion: starts 2025-09-01 (accepted_at), limit 10 working days from the "
        "case's promised limit (承诺时限)" in lines
    )
    assert (
        "  deadline 2025-09-15 (the end of that day): closed 2025-09-17 16:00, late, 2 "
        "working days late" in lines
    )
    assert "  2025-09-01 Mon  start, not counted  起算日不计入" in lines
    assert "  2025-09-06 Sat  weekend  周末" in lines
    assert "  2025-09-15 Mon  counted 10  ← deadline" in lines
    data = json.loads(
        runner.invoke(
            cli, ["explain", "SC-007", "--input", str(cases), "--at", AT, "--format", "json"]
        ).stdout
    )
    (completion,) = [o for o in data["obligations"] if o["obligation"] == "completion"]
    assert (completion["deadline"], completion["level"], completion["rule"]) == (
        "2025-09-15",
        "late",
        "workdays",
    )
    assert completion["days"][-1] == {
        "day": "2025-09-15", "kind": "counted", "number": 10, "note": "", "deadline": True
    }  # fmt: skip


def test_explain_of_an_unknown_case_is_one_line(
    cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["explain", "NOPE", "--input", str(cases), "--at", AT])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert err == f"error: {cases}: no valid case NOPE (a bad row is listed by monitor inspect)\n"
