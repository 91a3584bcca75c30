"""Reference data: the item catalogue (事项目录) and suspension intervals (特别程序), read on
their own and used end to end by ``monitor scan``.

Dates are hand-checked against the official 2025 schedule (see tests/monitor/test_scan.py for
the calendar around National Day: Sep 28 Sun and Oct 11 Sat are working days, Oct 1–8 are off).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from monitor.cases.reference import load_catalogue, load_suspensions
from monitor.cli import cli
from monitor.errors import InputError

CATALOGUE_ZH = (
    "事项编码,事项名称,受理时限,承诺时限,法定时限,预警天数,预警比例,督办天数\n"
    "ITEM-A,食品经营许可,3,10个工作日,20个工作日,2,0.8,5\n"
    "ITEM-B,营业执照变更登记,即办,15自然日,,,,\n"
)
CATALOGUE_EN = (
    "item_code,acceptance_limit,promised_limit,legal_limit,warn_before_days,warn_ratio,"
    "escalate_after_days\n"
    "ITEM-A,3 working days,10,20工作日,2,0.8,5\n"
    "ITEM-B,0,15 natural days,,,,\n"
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def check_catalogue(cat: pd.DataFrame) -> None:
    """The two items of CATALOGUE_ZH / CATALOGUE_EN, parsed."""
    assert list(cat["item_code"]) == ["ITEM-A", "ITEM-B"]
    assert list(cat["acceptance_limit"]) == [3.0, 0.0]
    assert list(cat["acceptance_limit_unit"]) == ["workday", "workday"]
    assert list(cat["promised_limit"]) == [10.0, 15.0]
    assert list(cat["promised_limit_unit"]) == ["workday", "natural"]
    assert cat["legal_limit"].iloc[0] == 20.0 and np.isnan(cat["legal_limit"].iloc[1])
    assert cat["legal_limit_unit"].iloc[0] == "workday"
    assert pd.isna(cat["legal_limit_unit"].iloc[1])
    for col, value in (("warn_before_days", 2.0), ("warn_ratio", 0.8), ("escalate_after_days", 5)):
        assert cat[col].iloc[0] == value
        assert np.isnan(cat[col].iloc[1])


# --- load_catalogue ---------------------------------------------------------------------------


def test_catalogue_csv_with_chinese_headers(tmp_path: Path) -> None:
    cat = load_catalogue(write(tmp_path / "事项目录.csv", CATALOGUE_ZH))
    check_catalogue(cat)
    assert "item_name" not in cat  # only what the rules use


def test_catalogue_csv_with_english_headers(tmp_path: Path) -> None:
    check_catalogue(load_catalogue(write(tmp_path / "catalogue.csv", CATALOGUE_EN)))


def test_catalogue_xlsx_with_chinese_headers(tmp_path: Path) -> None:
    path = tmp_path / "事项目录.xlsx"
    pd.DataFrame(
        {
            "事项编码": ["ITEM-A", "ITEM-B", 11330100],  # a code typed as a number
            "事项名称": ["食品经营许可", "营业执照变更登记", "户籍迁移"],
            "受理时限": [3, "即办", "2个工作日"],
            "承诺时限": ["10个工作日", "15自然日", None],
            "法定时限": ["20个工作日", None, None],
            "预警天数": [2, None, None],
            "预警比例": [0.8, None, None],
            "督办天数": [5, None, None],
        }
    ).to_excel(path, index=False)
    cat = load_catalogue(path)
    check_catalogue(cat.iloc[:2])
    assert cat["item_code"].iloc[2] == "11330100"
    assert (cat["acceptance_limit"].iloc[2], cat["acceptance_limit_unit"].iloc[2]) == (
        2.0,
        "workday",
    )


def test_catalogue_with_only_some_columns(tmp_path: Path) -> None:
    cat = load_catalogue(write(tmp_path / "c.csv", "事项编码,受理时限\nITEM-A,3\n"))
    assert list(cat.columns) == ["item_code", "acceptance_limit", "acceptance_limit_unit"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("事项名称,受理时限\n食品经营许可,3\n", "no item code column (事项编码 or item_code)"),
        ("事项编码,受理时限\nITEM-A,3\n,5\n", "row 3, column 事项编码: no item code"),
        (
            "事项编码,受理时限\nITEM-A,3\nITEM-B,三天\n",
            "row 3, column 受理时限 (acceptance_limit): '三天' is not a time limit like "
            "20个工作日, 15自然日 or 即办",
        ),
        (
            "事项编码,承诺时限\nITEM-A,-3\n",
            "row 2, column 承诺时限 (promised_limit): '-3' is not a time limit",
        ),
        (
            "item_code,warn_ratio\nITEM-A,0.5\nITEM-B,1.5\n",
            "row 3, column warn_ratio: must be a number > 0 and ≤ 1, found '1.5'",
        ),
        (  # as in [rules]: warn_ratio 0 would make every open case a warning
            "事项编码,预警比例\nITEM-A,0\n",
            "row 2, column 预警比例 (warn_ratio): must be a number > 0 and ≤ 1, found '0'",
        ),
        (
            "事项编码,督办天数\nITEM-A,0\n",
            "row 2, column 督办天数 (escalate_after_days): must be a number ≥ 1, found '0'",
        ),
        (
            "事项编码,预警天数\nITEM-A,两天\n",
            "row 2, column 预警天数 (warn_before_days): must be a number ≥ 0, found '两天'",
        ),
        (  # issue 10 item 16: an AttributeError before
            "事项编码,受理时限,受理时限\nITEM-A,3,5\n",
            "2 columns are headed 受理时限 (acceptance_limit); remove or rename all but one",
        ),
        (  # issue 10 item 15: taken as a limit before, then beyond any calendar
            "事项编码,承诺时限\nITEM-A,10\nITEM-B,999999999999\n",
            "row 3, column 承诺时限 (promised_limit): '999999999999' is over 3650 days, not a "
            "plausible time limit",
        ),
    ],
)
def test_catalogue_errors_name_file_row_and_column(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "catalogue.csv", text)
    with pytest.raises(InputError) as info:
        load_catalogue(path)
    assert str(info.value).startswith(f"[rules] item_catalogue {path}: ")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_catalogue_xlsx_error_counts_rows_as_excel_does(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.xlsx"
    pd.DataFrame({"事项编码": ["ITEM-A", None], "受理时限": [3, 4]}).to_excel(path, index=False)
    with pytest.raises(InputError, match=r"catalogue\.xlsx: row 3, column 事项编码: no item code"):
        load_catalogue(path)


# --- load_suspensions -------------------------------------------------------------------------


def test_suspensions_valid_intervals(tmp_path: Path) -> None:
    path = write(
        tmp_path / "suspensions.csv",
        "办件编号,开始时间,结束时间\n"
        "00123,2025-09-30 09:00:00,2025-10-09 17:00:00\n"
        "R-3,2025/9/26 16:00,2025年9月29日 9:00\n",
    )
    intervals, problems = load_suspensions(path)
    assert list(intervals.columns) == ["case_id", "start", "end"]
    assert list(intervals["case_id"]) == ["00123", "R-3"]  # ids stay text: leading zeros kept
    assert list(intervals["start"]) == [
        pd.Timestamp("2025-09-30 09:00"),
        pd.Timestamp("2025-09-26 16:00"),
    ]
    assert list(intervals["end"]) == [
        pd.Timestamp("2025-10-09 17:00"),
        pd.Timestamp("2025-09-29 09:00"),
    ]
    assert len(problems) == 0


def test_suspensions_with_english_headers(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", "case_id,start,end\nA,2025-09-30,2025-10-09\n")
    intervals, problems = load_suspensions(path)
    assert (len(intervals), len(problems)) == (1, 0)


def test_bad_suspension_rows_go_to_problems_and_the_rest_is_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path / "suspensions.csv",
        "办件编号,开始时间,结束时间\n"
        "R-2,2025-09-30 09:00:00,2025-10-09 17:00:00\n"
        "R-5,2025-09-31 09:00:00,2025-10-09 09:00:00\n"  # September has 30 days
        "R-2,2025-10-09 09:00:00,2025-10-01 09:00:00\n"  # ends before it starts
        "R-4,2025-10-09 09:00:00,\n"  # no end
        "R-3,2025-09-26 16:00:00,2025-09-29 09:00:00\n",
    )
    intervals, problems = load_suspensions(path)
    assert list(intervals["case_id"]) == ["R-2", "R-3"]
    assert problems.to_dict(orient="records") == [
        {
            "case_id": "R-5",
            "obligation": "completion",
            "reason": "unreadable suspension start or end",
            "value": "suspensions.csv row 3",
        },
        {
            "case_id": "R-2",
            "obligation": "completion",
            "reason": "suspension ends before it starts",
            "value": "suspensions.csv row 4",
        },
        {
            "case_id": "R-4",
            "obligation": "completion",
            "reason": "unreadable suspension start or end",
            "value": "suspensions.csv row 5",
        },
    ]


def test_implausible_suspensions_go_to_problems(tmp_path: Path) -> None:
    """Issue 10 item 15: times outside 1990–2099 and intervals over 3650 days (ten years)
    would make the evaluation build a calendar from 1900 or run past its end."""
    path = write(
        tmp_path / "suspensions.csv",
        "办件编号,开始时间,结束时间\n"
        "R-1,1900-01-01 00:00:00,2025-10-09 09:00:00\n"
        "R-2,2025-09-30 09:00:00,9999-12-31 00:00:00\n"
        "R-3,2015-01-01 09:00:00,2025-01-02 09:00:00\n"  # 3654 days (2016, 2020, 2024 leap)
        "R-4,2015-01-03 09:00:00,2025-01-01 09:00:00\n"  # 3651 days
        "R-5,2015-01-04 09:00:00,2025-01-01 09:00:00\n",  # 3650 days: kept
    )
    intervals, problems = load_suspensions(path)
    assert list(intervals["case_id"]) == ["R-5"]
    assert problems[["case_id", "reason", "value"]].values.tolist() == [
        ["R-1", "unreadable suspension start or end", "suspensions.csv row 2"],
        ["R-2", "unreadable suspension start or end", "suspensions.csv row 3"],
        ["R-3", "implausible suspension (over 3650 days)", "suspensions.csv row 4"],
        ["R-4", "implausible suspension (over 3650 days)", "suspensions.csv row 5"],
    ]


def test_suspensions_without_the_needed_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", "办件编号,开始时间\nR-2,2025-09-30 09:00:00\n")
    with pytest.raises(InputError) as info:
        load_suspensions(path)
    assert str(info.value) == (
        f"[source] suspensions {path}: no column for end (e.g. 办件编号, 开始时间, 结束时间)"
    )


# --- end to end through `monitor scan` --------------------------------------------------------

# Scan at Thu 2025-10-09 10:00. Without reference data (defaults: acceptance 5 working days,
# warning at R ≤ 1, escalated at L ≥ 3):
#   R-1 ITEM-B submitted Mon Sep 29, not accepted: Sep 30, Oct 9, 10, 11, 13 → D = Oct 13,
#       R = 3 → ok. The catalogue gives ITEM-B an acceptance limit of 3 working days:
#       Sep 30, Oct 9, Oct 10 → D = Oct 10, R = 1 → warning.
#   R-2 accepted Mon Sep 29, 3 working days: Sep 30, Oct 9, Oct 10 → D = Oct 10, R = 1 →
#       warning. Suspended Sep 30 09:00 – Oct 9 17:00: working days d with Sep 30 < d ≤ Oct 9
#       = Oct 9 only → 1 day; D = 4th working day after Sep 29 = Oct 11 (the 调休 Saturday),
#       R = Oct 10, 11 = 2 → ok.
#   R-3 accepted Mon Sep 22, 5 working days: D = Sep 28, L = 3 → escalated. Suspended
#       Sep 26 16:00 – Sep 29 09:00 (d = Sep 28, Sep 29 → 2 days) and Sep 30 – Oct 8 (all
#       holidays → 0 days): D = 7th working day after Sep 22 = Sep 30, L = Oct 9 = 1 → overdue.
#   R-4 县民政局, submitted Fri Sep 26, supplemented Mon Sep 29, not accepted: D = Oct 13,
#       R = 3 → ok; [rules.departments."县民政局"] warn_before_days = 3 → warning.
#   R-5 县民政局, accepted Tue Sep 30, 15 natural days → D = Oct 15, R = 5 → ok either way.
SAMR, CIVIL = "县市场监督管理局", "县民政局"
E2E_CASES = (
    "办件编号,实施部门,事项编码,事项名称,申请时间,补正时间,受理时间,办结时间,承诺时限\n"
    f"R-1,{SAMR},ITEM-B,营业执照变更登记,2025-09-29 09:00:00,,,,5个工作日\n"
    f"R-2,{SAMR},ITEM-C,药品经营许可,2025-09-29 09:00:00,,2025-09-29 10:00:00,,3个工作日\n"
    f"R-3,{SAMR},ITEM-A,食品经营许可,2025-09-22 09:00:00,,2025-09-22 10:00:00,,5个工作日\n"
    f"R-4,{CIVIL},ITEM-E,养老机构备案,2025-09-26 09:00:00,2025-09-29 14:00:00,,,10个工作日\n"
    f"R-5,{CIVIL},ITEM-D,社会团体登记,2025-09-30 09:00:00,,2025-09-30 10:00:00,,15自然日\n"
)
E2E_CATALOGUE = "事项编码,事项名称,受理时限\nITEM-B,营业执照变更登记,3个工作日\n"
E2E_SUSPENSIONS = (
    "办件编号,开始时间,结束时间\n"
    "R-2,2025-09-30 09:00:00,2025-10-09 17:00:00\n"
    "R-3,2025-09-26 16:00:00,2025-09-29 09:00:00\n"
    "R-3,2025-09-30 09:00:00,2025-10-08 18:00:00\n"
    "R-5,2025-09-31 09:00:00,2025-10-09 09:00:00\n"  # bad date: a data problem
    "R-2,2025-10-09 09:00:00,2025-10-01 09:00:00\n"  # backwards: a data problem
)
E2E_CONFIG = f"""\
[source]
suspensions = "ref/suspensions.csv"

[rules]
item_catalogue = "ref/catalogue.csv"

[rules.departments."{CIVIL}"]
warn_before_days = 3
"""


def open_rows(records: list[dict]) -> dict[str, tuple]:
    """case → (obligation, deadline, suspended, level, R, L) of its open obligation."""
    return {
        r["case_id"]: (
            r["obligation"],
            r["deadline"],
            r["suspended"],
            r["level"],
            r["remaining_workdays"],
            r["late_workdays"],
        )
        for r in records
        if r["state"] == "open"
    }


@pytest.fixture
def e2e(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # relative paths in the config are relative to its folder
    (tmp_path / "ref").mkdir()
    write(tmp_path / "ref" / "catalogue.csv", E2E_CATALOGUE)
    write(tmp_path / "ref" / "suspensions.csv", E2E_SUSPENSIONS)
    write(tmp_path / "cases.csv", E2E_CASES)
    conf = tmp_path / "conf"
    conf.mkdir()
    return write(conf / "config.toml", E2E_CONFIG.replace('"ref/', '"../ref/'))


def run_scan(config: Path | None, tmp_path: Path) -> tuple[list[dict], str]:
    args = ["scan", "--input", str(tmp_path / "cases.csv"), "--at", "2025-10-09T10:00"]
    args += ["--all", "--format", "json"]
    if config is not None:
        args += ["--config", str(config)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def test_without_reference_data(e2e: Path, tmp_path: Path) -> None:
    records, stderr = run_scan(None, tmp_path)
    assert open_rows(records) == {
        "R-1": ("acceptance", "2025-10-13", 0, "ok", 3, 0),
        "R-2": ("completion", "2025-10-10", 0, "warning", 1, 0),
        "R-3": ("completion", "2025-09-28", 0, "escalated", None, 3),
        "R-4": ("acceptance", "2025-10-13", 0, "ok", 3, 0),
        "R-5": ("completion", "2025-10-15", 0, "ok", 5, 0),
    }
    assert stderr.endswith("data problems 0\n")


def test_catalogue_suspensions_and_department_thresholds(e2e: Path, tmp_path: Path) -> None:
    records, stderr = run_scan(e2e, tmp_path)
    assert open_rows(records) == {
        # the catalogue's acceptance limit of 3 working days
        "R-1": ("acceptance", "2025-10-10", 0, "warning", 1, 0),
        # one suspended working day (Oct 9) moves D onto the 调休 Saturday
        "R-2": ("completion", "2025-10-11", 1, "ok", 2, 0),
        # two intervals: 2 working days + 0 (the holiday) → D two working days later
        "R-3": ("completion", "2025-09-30", 2, "overdue", None, 1),
        # 县民政局 warns 3 working days ahead
        "R-4": ("acceptance", "2025-10-13", 0, "warning", 3, 0),
        "R-5": ("completion", "2025-10-15", 0, "ok", 5, 0),
    }
    r1 = next(r for r in records if r["case_id"] == "R-1")
    assert (r1["limit"], r1["unit"], r1["start"]) == (3, "workday", "2025-09-29")
    # The two bad suspension rows are counted as data problems.
    assert stderr == (
        "scan at 2025-10-09 10:00: 8 obligations — escalated 0, overdue 1, warning 2, ok 2, "
        "late 0, on_time 3; data problems 2\n"
    )


def test_item_threshold_override_beats_the_department(e2e: Path, tmp_path: Path) -> None:
    # [rules.items."ITEM-E"] puts R-4 back to the global warning of 1 day ahead.
    e2e.write_text(
        e2e.read_text(encoding="utf-8") + '\n[rules.items."ITEM-E"]\nwarn_before_days = 1\n',
        encoding="utf-8",
    )
    records, _ = run_scan(e2e, tmp_path)
    assert open_rows(records)["R-4"] == ("acceptance", "2025-10-13", 0, "ok", 3, 0)


def test_a_bad_catalogue_stops_the_scan(
    e2e: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from monitor.cli import main

    write(tmp_path / "ref" / "catalogue.csv", "事项编码,受理时限\nITEM-B,三天\n")
    with pytest.raises(SystemExit) as info:
        main(["scan", "--config", str(e2e), "--input", str(tmp_path / "cases.csv")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: [rules] item_catalogue ")
    assert "catalogue.csv: row 2, column 受理时限 (acceptance_limit): '三天'" in err


def test_inspect_and_scan_count_the_same_data_problems(e2e: Path, tmp_path: Path) -> None:
    """One data-quality list (issue 10, item 5): with a case that has no time limit at all
    (R-6: no 承诺时限 and no catalogue entry) and the two bad suspension rows, ``inspect``
    lists the same problems ``scan`` counts."""
    cases = tmp_path / "cases.csv"
    write(
        cases,
        E2E_CASES + f"R-6,{SAMR},ITEM-Z,无时限事项,2025-09-29 09:00:00,,2025-09-29 10:00:00,,\n",
    )
    result = CliRunner().invoke(
        cli, ["inspect", "--config", str(e2e), "--input", str(cases), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["data_problems"] == 3
    assert {p["reason"]: p["rows"] for p in data["problems"]} == {
        "no time limit (no promised, item or legal limit)": 1,
        "unreadable suspension start or end": 1,
        "suspension ends before it starts": 1,
    }
    _, stderr = run_scan(e2e, tmp_path)
    assert stderr.rstrip().endswith("data problems 3")
    text = CliRunner().invoke(cli, ["inspect", "--config", str(e2e), "--input", str(cases)])
    assert "data problems (3, by reason):" in text.stdout
