"""Raw tables → canonical cases and the data-quality list (DOMAIN.md §6).

Expected timestamps were worked out by hand. Excel serial numbers use the 1900 date system
(day 0 = 1899-12-30): serial 45292 is 2024-01-01, so 2024-03-05 is 45292 + 31 (Jan) + 29
(Feb, leap year) + 4 = 45356; 10:20 is 620 / 1440 = 0.430555… of a day.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from monitor.cases.headers import header_map
from monitor.cases.normalise import QUALITY_COLUMNS, normalise
from monitor.cases.sources import RawTable
from monitor.cases.timestamps import parse_timestamps
from monitor.errors import InputError

T = pd.Timestamp
GOOD = {
    "办件编号": "A1",
    "实施部门": "县人社局",
    "申请时间": "2024-03-05 10:20:00",
    "受理时间": "2024-03-05 11:00:00",
    "办结时间": "2024-03-12 16:00:00",
    "承诺时限": "20个工作日",
}


def table(*rows: dict[str, object]) -> pd.DataFrame:
    """Rows of good cases under the default headers, each with some cells replaced."""
    return pd.DataFrame([{**GOOD, **row} for row in rows], dtype=object)


def run(
    frame: pd.DataFrame, columns: dict[str, str] | None = None, first_row: int = 2
) -> tuple[pd.DataFrame, pd.DataFrame]:
    return normalise(RawTable(frame, "cases.csv", first_row=first_row), columns or {})


def problems(quality: pd.DataFrame) -> list[tuple[object, ...]]:
    assert list(quality.columns) == QUALITY_COLUMNS
    return [tuple(r) for r in quality.itertuples(index=False)]


def parse(values: list[object], dtype: object = object) -> tuple[list[object], list[bool]]:
    col = pd.Series(values, dtype=dtype)
    parsed, bad = parse_timestamps(col, len(col))
    assert parsed.dtype == "datetime64[s]"
    return [None if pd.isna(v) else v for v in parsed], bad.tolist()


# ---------------------------------------------------------------- timestamps


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05 10:20:00", T("2024-03-05 10:20:00")),
        ("2024/3/5 10:20", T("2024-03-05 10:20:00")),
        ("2024年3月5日 10:20", T("2024-03-05 10:20:00")),
        ("2024年3月5日10时20分", T("2024-03-05 10:20:00")),
        ("2024年3月5日 10时20分30秒", T("2024-03-05 10:20:30")),
        ("2024-03-05T10:20:00", T("2024-03-05 10:20:00")),
        ("2024-03-05", T("2024-03-05 00:00:00")),
        ("2024年3月5日", T("2024-03-05 00:00:00")),
        (" 2024/03/05 ", T("2024-03-05 00:00:00")),
        ("45356.4305555556", T("2024-03-05 10:20:00")),  # Excel serial as text
        ("45356", T("2024-03-05 00:00:00")),
    ],
)
def test_timestamp_text_forms(text: str, expected: pd.Timestamp) -> None:
    for dtype in (object, "str"):
        assert parse([text, None], dtype) == ([expected, None], [False, False])


def test_excel_serial_numbers() -> None:
    assert parse([45356.4305555556, 45356.0, 45357, np.nan], "float64") == (
        [T("2024-03-05 10:20:00"), T("2024-03-05"), T("2024-03-06"), None],
        [False, False, False, False],
    )


def test_excel_serial_outside_1990_2100_is_bad() -> None:
    assert parse([100.0, 45356.0], "float64") == ([None, T("2024-03-05")], [True, False])


def test_python_datetimes_in_an_object_column() -> None:
    """Excel and SQL give datetime objects, dates and text mixed in one column."""
    assert parse(
        [
            dt.datetime(2024, 3, 5, 10, 20),
            dt.date(2024, 3, 5),
            T("2024-03-06 08:30"),
            "2024/3/7 9:05",
            45356.4305555556,
            None,
        ]
    ) == (
        [
            T("2024-03-05 10:20"),
            T("2024-03-05 00:00"),
            T("2024-03-06 08:30"),
            T("2024-03-07 09:05"),
            T("2024-03-05 10:20"),
            None,
        ],
        [False] * 6,
    )


def test_tz_aware_column_becomes_shanghai_wall_time() -> None:
    # 02:20 UTC = 10:20 in Shanghai (UTC+8); 11:20 in Tokyo (UTC+9) is the same instant.
    col = pd.Series([T("2024-03-05 02:20", tz="UTC"), T("2024-03-05 11:20", tz="Asia/Tokyo"), None])
    assert parse(col.tolist(), "datetime64[ns, UTC]") == (
        [T("2024-03-05 10:20"), T("2024-03-05 10:20"), None],
        [False, False, False],
    )


def test_tz_aware_datetimes_in_an_object_column() -> None:
    utc = dt.UTC
    assert parse(
        [
            dt.datetime(2024, 3, 4, 16, 30, tzinfo=utc),  # 00:30 next day in Shanghai
            dt.datetime(2024, 3, 5, 10, 20, tzinfo=dt.timezone(dt.timedelta(hours=8))),
            dt.datetime(2024, 3, 5, 10, 20),  # naive: already local
        ]
    ) == ([T("2024-03-05 00:30"), T("2024-03-05 10:20"), T("2024-03-05 10:20")], [False] * 3)


def test_naive_datetime_column_is_kept() -> None:
    col = pd.Series(pd.to_datetime(["2024-03-05 10:20:00", None]))
    parsed, bad = parse_timestamps(col, 2)
    assert parsed.tolist()[0] == T("2024-03-05 10:20:00")
    assert pd.isna(parsed.tolist()[1])
    assert not bad.any()


@pytest.mark.parametrize(
    "text", ["2024-13-45", "昨天", "2024-02-30", "2024-03-05 25:00", "20240305", "abc"]
)
def test_unparseable_timestamps(text: str) -> None:
    assert parse([text, "2024-03-05"]) == ([None, T("2024-03-05")], [True, False])


def test_impossible_seconds_are_unparseable() -> None:
    """Arrow's strptime carries 60 and 61 seconds over into the next minute (10:00:61 would
    become 10:01:01 without a word): both are bad; 59 is fine."""
    assert parse(
        ["2024-03-05 10:00:61", "2024-03-05 10:00:60", "2024-03-05 10:00:59", "2024-03-05 10:59:61"]
    ) == ([None, None, T("2024-03-05 10:00:59"), None], [True, True, False, True])


@pytest.mark.parametrize(
    "value",
    [
        "1900-01-01 00:00:00",  # a placeholder of some exports
        "1989-12-31 23:59:59",
        "2100-01-01 00:00:00",
        "9999-12-31 00:00:00",
        "9999/12/31",
        "1900年1月1日",
        dt.datetime(1900, 1, 1),
        dt.datetime(9999, 12, 31),
    ],
)
def test_timestamps_outside_1990_to_2099_are_bad(value: object) -> None:
    assert parse([value, "1990-01-01 00:00:00", "2099-12-31 23:59:59"]) == (
        [None, T("1990-01-01 00:00:00"), T("2099-12-31 23:59:59")],
        [True, False, False],
    )


def test_typed_timestamps_outside_1990_to_2099_are_bad() -> None:
    """A typed column (CSV read by Arrow, Parquet, SQL) may hold 1900 or 9999 too."""
    col = pd.Series(
        np.array(["1900-01-01", "2024-03-05T10:20", "9999-12-31", "NaT"], dtype="datetime64[s]")
    )
    parsed, bad = parse_timestamps(col, 4)
    assert [None if pd.isna(v) else v for v in parsed] == [None, T("2024-03-05 10:20"), None, None]
    assert bad.tolist() == [True, False, True, False]


def test_empty_and_missing_are_not_bad() -> None:
    assert parse(["", "  ", None, np.nan]) == ([None] * 4, [False] * 4)


# ---------------------------------------------------------------- bad records


def test_good_table_gives_canonical_cases() -> None:
    cases, quality = run(table({}, {"办件编号": "A2", "办结时间": None, "承诺时限": "15自然日"}))
    assert quality.empty
    assert list(quality.columns) == QUALITY_COLUMNS
    assert cases["source_row"].tolist() == [2, 3]
    assert cases["case_id"].tolist() == ["A1", "A2"]
    assert cases["department"].tolist() == ["县人社局", "县人社局"]
    assert cases["submitted_at"].tolist() == [T("2024-03-05 10:20")] * 2
    assert cases["accepted_at"].tolist() == [T("2024-03-05 11:00")] * 2
    assert cases["completed_at"].iloc[0] == T("2024-03-12 16:00")
    assert pd.isna(cases["completed_at"].iloc[1])
    assert cases["promised_limit"].tolist() == [20.0, 15.0]
    assert cases["promised_limit_unit"].tolist() == ["workday", "natural"]
    assert cases["legal_limit"].isna().all()
    assert cases["suspended_days"].tolist() == [0.0, 0.0]
    assert cases["cross_region"].isna().all()
    assert cases["item_code"].isna().all()


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("申请时间", "2024-13-45"),
        ("申请时间", "昨天"),
        ("受理时间", "昨天"),
        ("办结时间", "2024-02-30"),
    ],
)
def test_unparseable_date_is_listed_and_kept_out(header: str, value: str) -> None:
    field = {"申请时间": "submitted_at", "受理时间": "accepted_at", "办结时间": "completed_at"}
    cases, quality = run(table({}, {"办件编号": "A2", header: value}))
    assert cases["case_id"].tolist() == ["A1"]
    assert problems(quality) == [
        (3, "A2", field[header], f"unparseable date in {field[header]}", value)
    ]


def test_order_checks() -> None:
    cases, quality = run(
        table(
            {"办件编号": "OK", "受理时间": "2024-03-05 10:20:00"},  # accepted when submitted: fine
            {"办件编号": "EARLY-ACC", "受理时间": "2024-03-04 16:00:00"},
            {"办件编号": "EARLY-DONE", "办结时间": "2024-03-05 10:59:00"},
            {"办件编号": "EARLY-SUP", "补正时间": "2024-03-01 09:00:00"},
        )
    )
    assert cases["case_id"].tolist() == ["OK"]
    assert problems(quality) == [
        (3, "EARLY-ACC", "accepted_at", "accepted before submitted", "2024-03-04 16:00:00"),
        (4, "EARLY-DONE", "completed_at", "completed before accepted", "2024-03-05 10:59:00"),
        (
            5,
            "EARLY-SUP",
            "supplemented_at",
            "supplemented before submitted",
            "2024-03-01 09:00:00",
        ),
    ]


def test_negative_and_unparseable_limits() -> None:
    cases, quality = run(
        table(
            {"办件编号": "NEG", "承诺时限": "-5个工作日"},
            {"办件编号": "BAD", "承诺时限": "abc"},
            {"办件编号": "LEGAL", "法定时限": "-1"},
            {"办件编号": "OK", "承诺时限": "即办"},
        )
    )
    assert cases["case_id"].tolist() == ["OK"]
    assert cases["promised_limit"].tolist() == [0.0]
    assert problems(quality) == [
        (2, "NEG", "promised_limit", "negative promised_limit", "-5个工作日"),
        (3, "BAD", "promised_limit", "unparseable promised_limit", "abc"),
        (4, "LEGAL", "legal_limit", "negative legal_limit", "-1"),
    ]


def test_missing_required_fields() -> None:
    cases, quality = run(
        table(
            {"办件编号": None},
            {"办件编号": "NO-DEPT", "实施部门": "  "},
            {"办件编号": "NO-SUB", "申请时间": None},
            {"办件编号": "BLANK-SUB", "申请时间": ""},
            {"办件编号": "OK"},
        )
    )
    assert cases["case_id"].tolist() == ["OK"]
    rows = problems(quality)
    assert [r[0] for r in rows] == [2, 3, 4, 5]
    assert pd.isna(rows[0][1])
    assert rows[0][2:4] == ("case_id", "missing case_id")
    assert [r[1:4] for r in rows[1:]] == [
        ("NO-DEPT", "department", "missing department"),
        ("NO-SUB", "submitted_at", "missing submitted_at"),
        ("BLANK-SUB", "submitted_at", "missing submitted_at"),
    ]


def test_unparseable_submitted_at_is_not_also_missing() -> None:
    _, quality = run(table({"申请时间": "昨天"}))
    assert problems(quality) == [
        (2, "A1", "submitted_at", "unparseable date in submitted_at", "昨天")
    ]


def test_one_row_with_several_problems_is_listed_once_per_problem() -> None:
    cases, quality = run(table({"实施部门": None, "受理时间": "昨天", "承诺时限": "-3"}))
    assert cases.empty
    assert [r[2:4] for r in problems(quality)] == [
        ("accepted_at", "unparseable date in accepted_at"),
        ("department", "missing department"),
        ("promised_limit", "negative promised_limit"),
    ]


def test_duplicate_case_id_last_record_wins() -> None:
    cases, quality = run(
        table(
            {"办件编号": "A1", "实施部门": "first"},
            {"办件编号": "A2"},
            {"办件编号": "A1", "实施部门": "second"},
            {"办件编号": "A1", "实施部门": "third"},
        )
    )
    assert cases["case_id"].tolist() == ["A2", "A1"]
    assert cases["department"].tolist() == ["县人社局", "third"]
    assert cases["source_row"].tolist() == [3, 5]
    rows = problems(quality)
    assert [(r[0], r[1], r[2]) for r in rows] == [(2, "A1", "case_id"), (4, "A1", "case_id")]
    assert all(r[3].startswith("duplicate") for r in rows)


def test_rows_without_case_id_are_not_duplicates_of_each_other() -> None:
    _, quality = run(table({"办件编号": None}, {"办件编号": None}))
    assert [r[3] for r in problems(quality)] == ["missing case_id", "missing case_id"]


# ---------------------------------------------------------------- headers


def test_alternative_chinese_headers() -> None:
    frame = pd.DataFrame(
        {
            "申办流水号": ["B1"],
            "受理部门": ["县公安局"],
            "申报时间": ["2024/3/5 10:20"],
            "是否异地通办": ["是"],
            "承诺办结时限": ["15自然日"],
            "暂停天数": ["3个工作日"],
            "办件状态": ["办理中"],
        },
        dtype=object,
    )
    cases, quality = run(frame)
    assert quality.empty
    row = cases.iloc[0]
    assert (row["case_id"], row["department"], row["status"]) == ("B1", "县公安局", "办理中")
    assert row["submitted_at"] == T("2024-03-05 10:20")
    assert bool(row["cross_region"]) is True
    assert (row["promised_limit"], row["promised_limit_unit"]) == (15.0, "natural")
    assert row["suspended_days"] == 3.0


def test_english_canonical_headers_any_case_and_spacing() -> None:
    frame = pd.DataFrame(
        {" Case_ID ": ["E1"], "DEPARTMENT": ["县人社局"], "submitted_at": ["2024-03-05"]},
        dtype=object,
    )
    cases, quality = run(frame)
    assert quality.empty
    assert cases[["case_id", "department"]].values.tolist() == [["E1", "县人社局"]]
    assert cases["submitted_at"].tolist() == [T("2024-03-05")]


def test_configured_header_takes_precedence() -> None:
    frame = pd.DataFrame(
        {
            "办件编号": ["default-id"],
            "业务编号": ["configured-id"],
            "承办单位": ["县人社局"],
            "申请时间": ["2024-03-05 10:20:00"],
        },
        dtype=object,
    )
    columns = {"业务编号": "case_id", "承办单位": "department"}
    cases, quality = run(frame, columns)
    assert quality.empty
    assert cases["case_id"].tolist() == ["configured-id"]
    assert cases["department"].tolist() == ["县人社局"]


def test_header_map() -> None:
    headers = ["业务编号", "办件编号", "部门", "Submitted_At", "其他"]
    assert header_map(headers, {"业务编号": "case_id"}) == {
        "case_id": "业务编号",
        "department": "部门",
        "submitted_at": "Submitted_At",
    }
    assert header_map(headers, {})["case_id"] == "办件编号"


def test_no_required_columns_is_an_input_error() -> None:
    frame = pd.DataFrame({"编号": ["1"], "单位": ["x"], "时间": ["2024-03-05"]}, dtype=object)
    with pytest.raises(InputError) as err:
        run(frame)
    message = str(err.value)
    assert message.startswith("cases.csv: no column for case_id")
    for field in ("case_id", "department", "submitted_at"):
        assert field in message
    assert "编号, 单位, 时间" in message  # the headers the file has
    assert "[source.columns]" in message


def test_one_missing_required_column_is_named_alone() -> None:
    frame = pd.DataFrame({"办件编号": ["1"], "申请时间": ["2024-03-05"]}, dtype=object)
    with pytest.raises(InputError, match=r"no column for department \(e\.g\. 实施部门") as err:
        run(frame)
    assert "case_id" not in str(err.value)
    assert "submitted_at" not in str(err.value)


def test_header_without_rows_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"^cases\.csv: has a header but no rows$"):
        run(pd.DataFrame({"办件编号": [], "实施部门": [], "申请时间": []}, dtype=object))


# ---------------------------------------------------------------- values


def test_case_ids_stay_text() -> None:
    frame = table(
        {"办件编号": "00123"},
        {"办件编号": 124.0},  # an Excel number cell
        {"办件编号": 125},
        {"办件编号": " 00126 "},
    )
    cases, quality = run(frame)
    assert quality.empty
    assert cases["case_id"].tolist() == ["00123", "124", "125", "00126"]


def test_whole_numbers_read_as_floats_lose_the_point_zero() -> None:
    """A SQL or Parquet integer column with a NULL arrives as float64."""
    frame = table({}, {}, {})
    frame["办件编号"] = pd.Series([123.0, 124.0, np.nan])
    cases, quality = run(frame, first_row=1)
    assert cases["case_id"].tolist() == ["123", "124"]
    assert problems(quality)[0][:1] + problems(quality)[0][2:4] == (3, "case_id", "missing case_id")


def test_empty_excel_cells_are_missing_not_nan_text() -> None:
    """Excel read with dtype=object gives float NaN for an empty cell."""
    cases, quality = run(table({"实施部门": np.nan, "办件编号": "A1"}, {"办件编号": "A2"}))
    assert cases["case_id"].tolist() == ["A2"]
    assert problems(quality)[0][1:4] == ("A1", "department", "missing department")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["是", "否", "1", "0", "true", "FALSE", " 是 ", "yes", "x", None, ""],
         [True, False, True, False, True, False, True, True, None, None, None]),
        ([1, 0, 1], [True, False, True]),
        ([1.0, 0.0, np.nan], [True, False, None]),  # SQL 0/1 column with a NULL
        ([True, False, None], [True, False, None]),
    ],
)  # fmt: skip
def test_cross_region_flag(values: list[object], expected: list[bool | None]) -> None:
    frame = table(*({"办件编号": f"C{i}"} for i in range(len(values))))
    frame["异地通办"] = pd.Series(values, dtype=object if None in values else None)
    cases, quality = run(frame)
    assert quality.empty
    assert cases["cross_region"].dtype == "boolean"
    assert [None if v is pd.NA else bool(v) for v in cases["cross_region"]] == expected


def test_suspended_days() -> None:
    cases, quality = run(
        table(
            {"办件编号": "S1", "特别程序时长": "3"},
            {"办件编号": "S2", "特别程序时长": "5个工作日"},
            {"办件编号": "S3", "特别程序时长": None},
            {"办件编号": "S4", "特别程序时长": "-2"},
            {"办件编号": "S5", "特别程序时长": "很久"},
        )
    )
    assert cases["case_id"].tolist() == ["S1", "S2", "S3"]
    assert cases["suspended_days"].tolist() == [3.0, 5.0, 0.0]
    assert [r[1:4] for r in problems(quality)] == [
        ("S4", "suspended_days", "unparseable or negative suspended_days"),
        ("S5", "suspended_days", "unparseable or negative suspended_days"),
    ]


def test_implausible_values_are_listed_and_kept_out() -> None:
    """Issue 10 item 15: a value the calendar cannot serve is a problem of its row. Bounds:
    dates from 1990 up to (not including) 2100, limits and suspended days up to 3650."""
    cases, quality = run(
        table(
            {"办件编号": "OK", "承诺时限": "3650个工作日", "特别程序时长": "3650"},
            {"办件编号": "LIMIT", "承诺时限": "999999999999"},
            {"办件编号": "LIMIT-NUM", "承诺时限": 1e308},  # an Excel number cell
            {"办件编号": "LEGAL", "法定时限": "3651自然日"},
            {"办件编号": "OLD", "申请时间": "1900-01-01 00:00:00"},
            {"办件编号": "FAR", "办结时间": "9999-12-31 00:00:00"},
            {"办件编号": "OLD-CELL", "申请时间": dt.datetime(1989, 12, 31, 23, 59)},
            {"办件编号": "SUSP-INF", "特别程序时长": float("inf")},
            {"办件编号": "SUSP-BIG", "特别程序时长": 1e308},
            {"办件编号": "FAR-SLASH", "受理时间": "2100/1/1"},
        )
    )
    assert cases["case_id"].tolist() == ["OK"]
    assert cases["promised_limit"].tolist() == [3650.0]
    assert cases["suspended_days"].tolist() == [3650.0]
    late_date = "(before 1990 or from 2100 on)"
    assert problems(quality) == [
        (3, "LIMIT", "promised_limit", "implausible promised_limit (over 3650 days)",
         "999999999999"),
        (4, "LIMIT-NUM", "promised_limit", "implausible promised_limit (over 3650 days)",
         "1e+308"),
        (5, "LEGAL", "legal_limit", "implausible legal_limit (over 3650 days)", "3651自然日"),
        (6, "OLD", "submitted_at", f"implausible date in submitted_at {late_date}",
         "1900-01-01 00:00:00"),
        (7, "FAR", "completed_at", f"implausible date in completed_at {late_date}",
         "9999-12-31 00:00:00"),
        (8, "OLD-CELL", "submitted_at", f"implausible date in submitted_at {late_date}",
         "1989-12-31 23:59:00"),
        (9, "SUSP-INF", "suspended_days", "unparseable or negative suspended_days", "inf"),
        (10, "SUSP-BIG", "suspended_days", "implausible suspended_days (over 3650 days)",
         "1e+308"),
        (11, "FAR-SLASH", "accepted_at", f"implausible date in accepted_at {late_date}",
         "2100/1/1"),
    ]  # fmt: skip


@pytest.mark.parametrize("first_row", [1, 2])
def test_source_rows_count_from_first_row(first_row: int) -> None:
    cases, quality = run(
        table({"办件编号": "A"}, {"办件编号": "B", "申请时间": "昨天"}, {"办件编号": "C"}),
        first_row=first_row,
    )
    assert cases["source_row"].tolist() == [first_row, first_row + 2]
    assert quality["source_row"].tolist() == [first_row + 1]
