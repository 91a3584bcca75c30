"""Loading case files (CSV in three encodings, Excel, Parquet) with ``load_cases``.

The sample cases are ``SAMPLE_CASES_CSV`` of ``tests/conftest.py`` (two cases, 00123 and
00124); every kind of file must give the same canonical cases.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from monitor.cases.load import LoadedCases, load_cases
from monitor.config import Settings
from monitor.errors import InputError

T = pd.Timestamp
WriteCsv = Callable[..., Path]


def sample_frame() -> pd.DataFrame:
    """The sample cases as text cells, as a clerk would type them into Excel."""
    return pd.DataFrame(
        {
            "办件编号": ["00123", "00124"],
            "实施部门": ["县市场监督管理局", "县人力资源和社会保障局"],
            "事项名称": ["食品经营许可", "社会保障卡申领"],
            "申请渠道": ["一网通办", "窗口"],
            "异地通办": ["是", "否"],
            "申请时间": ["2024-03-05 10:20:00", "2024-03-06 09:00:00"],
            "受理时间": ["2024-03-05 11:00:00", "2024-03-06 09:30:00"],
            "办结时间": ["2024-03-12 16:00:00", None],
            "承诺时限": ["20个工作日", "即办"],
        },
        dtype=object,
    )


def check_sample(loaded: LoadedCases, first_row: int = 2) -> None:
    """The hand-checked canonical values of the two sample cases."""
    cases = loaded.cases
    assert loaded.quality.empty
    assert loaded.rows_read == 2
    assert cases["source_row"].tolist() == [first_row, first_row + 1]
    assert cases["case_id"].tolist() == ["00123", "00124"]
    assert cases["department"].tolist() == ["县市场监督管理局", "县人力资源和社会保障局"]
    assert cases["item_name"].tolist() == ["食品经营许可", "社会保障卡申领"]
    assert cases["channel"].tolist() == ["一网通办", "窗口"]
    assert cases["cross_region"].tolist() == [True, False]
    assert cases["submitted_at"].tolist() == [T("2024-03-05 10:20"), T("2024-03-06 09:00")]
    assert cases["accepted_at"].tolist() == [T("2024-03-05 11:00"), T("2024-03-06 09:30")]
    assert cases["completed_at"].iloc[0] == T("2024-03-12 16:00")
    assert pd.isna(cases["completed_at"].iloc[1])
    assert cases["promised_limit"].tolist() == [20.0, 0.0]
    assert cases["promised_limit_unit"].tolist() == ["workday", "workday"]


# ---------------------------------------------------------------- CSV encodings


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(write_cases_csv: WriteCsv, encoding: str) -> None:
    path = write_cases_csv(encoding=encoding)
    loaded = load_cases(Settings(), path)
    assert loaded.encoding == encoding
    assert loaded.source == str(path)
    check_sample(loaded)


def test_csv_encodings_give_identical_cases(write_cases_csv: WriteCsv) -> None:
    frames = [
        load_cases(Settings(), write_cases_csv(f"{enc}.csv", encoding=enc)).cases
        for enc in ("utf-8", "utf-8-sig", "gb18030")
    ]
    pd.testing.assert_frame_equal(frames[0], frames[1])
    pd.testing.assert_frame_equal(frames[0], frames[2])


def test_gbk_with_crlf_line_ends(write_cases_csv: WriteCsv, sample_cases_csv_text: str) -> None:
    path = write_cases_csv(text=sample_cases_csv_text.replace("\n", "\r\n"), encoding="gbk")
    loaded = load_cases(Settings(), path)
    assert loaded.encoding == "gb18030"  # GB18030 is a superset of GBK
    check_sample(loaded)


def test_gbk_file_whose_first_megabyte_is_ascii(write_cases_csv: WriteCsv) -> None:
    """Detection must not stop at an all-ASCII first megabyte and call the file UTF-8."""
    lines = ["case_id,department,submitted_at"]
    lines += [f"A{i:07d},dept-{i % 7},2024-03-05 10:20:00" for i in range(32_000)]  # > 1 MiB
    lines.append("B0000001,县人力资源和社会保障局,2024-03-06 09:00:00")
    text = "\n".join(lines) + "\n"
    assert len(text.encode("ascii", errors="ignore")) > 1 << 20
    path = write_cases_csv("big.csv", text=text, encoding="gbk")

    loaded = load_cases(Settings(), path)
    assert loaded.encoding == "gb18030"
    assert loaded.rows_read == 32_001
    last = loaded.cases.iloc[-1]
    assert (last["source_row"], last["case_id"], last["department"]) == (
        32_002,
        "B0000001",
        "县人力资源和社会保障局",
    )


def test_csv_leading_zeros_through_a_configured_header(write_cases_csv: WriteCsv) -> None:
    text = "业务编号,承办单位,申请时间\n00123,县人社局,2024-03-05 10:20:00\n00124,县人社局,45356\n"
    path = write_cases_csv(text=text)
    settings = Settings(source={"columns": {"业务编号": "case_id", "承办单位": "department"}})
    loaded = load_cases(settings, path)
    assert loaded.cases["case_id"].tolist() == ["00123", "00124"]
    assert loaded.cases["submitted_at"].tolist() == [T("2024-03-05 10:20"), T("2024-03-05")]


def test_csv_timestamps_typed_by_the_reader(write_cases_csv: WriteCsv) -> None:
    """The CSV reader types whole columns: dates, serial numbers, UTC timestamps."""
    text = (
        "case_id,department,submitted_at,accepted_at,completed_at,supplemented_at\n"
        "1,d,2024-03-05,45356.4305555556,2024-03-05T02:20:00Z,2024/3/5 10:20\n"
        "2,d,2024-03-06,45357,2024-03-06T08:00:00Z,2024年3月6日 08:00\n"
    )
    cases = load_cases(Settings(), write_cases_csv(text=text)).cases
    assert cases["case_id"].tolist() == ["1", "2"]
    assert cases["submitted_at"].tolist() == [T("2024-03-05"), T("2024-03-06")]
    assert cases["supplemented_at"].tolist() == [T("2024-03-05 10:20"), T("2024-03-06 08:00")]
    assert cases["accepted_at"].tolist() == [T("2024-03-05 10:20"), T("2024-03-06")]
    # 02:20 and 08:00 UTC are 10:20 and 16:00 in Shanghai.
    assert cases["completed_at"].tolist() == [T("2024-03-05 10:20"), T("2024-03-06 16:00")]


def test_duplicates_and_bad_rows_are_counted(write_cases_csv: WriteCsv) -> None:
    text = (
        "办件编号,实施部门,申请时间\n"
        "A1,县人社局,2024-03-05 10:20:00\n"
        "A2,县人社局,昨天\n"
        "A1,县公安局,2024-03-06 09:00:00\n"
        "A3,,2024-03-06 09:00:00\n"
    )
    loaded = load_cases(Settings(), write_cases_csv(text=text))
    assert loaded.rows_read == 4
    assert loaded.cases[["case_id", "department"]].values.tolist() == [["A1", "县公安局"]]
    assert loaded.duplicates == 1
    assert loaded.bad_rows == 2
    assert loaded.quality["source_row"].tolist() == [2, 3, 5]


def test_values_the_csv_reader_would_guess_wrongly(write_cases_csv: WriteCsv) -> None:
    """Issue 10 item 18: Arrow reads 0x10 as the integer 16 and inf / 1e308 as floats; the
    time 10:00:61 must not become 10:01:01. Each is a problem of its row."""
    text = (
        "办件编号,实施部门,申请时间,特别程序时长\n"
        "H1,县人社局,2024-03-05 10:20:00,0x10\n"
        "H2,县人社局,2024-03-05 10:20:00,inf\n"
        "H3,县人社局,2024-03-05 10:20:00,1e308\n"
        "H4,县人社局,2024-03-05 10:00:61,2\n"
        "H5,县人社局,2024-03-05 10:20:00,2\n"
    )
    loaded = load_cases(Settings(), write_cases_csv(text=text))
    assert loaded.cases["case_id"].tolist() == ["H5"]
    assert loaded.cases["suspended_days"].tolist() == [2.0]
    assert loaded.quality.values.tolist() == [
        [2, "H1", "suspended_days", "unparseable or negative suspended_days", "0x10"],
        [3, "H2", "suspended_days", "unparseable or negative suspended_days", "inf"],
        [4, "H3", "suspended_days", "unparseable or negative suspended_days", "1e308"],
        [5, "H4", "submitted_at", "unparseable date in submitted_at", "2024-03-05 10:00:61"],
    ]


# ---------------------------------------------------------------- Excel and Parquet


def test_excel_first_sheet(tmp_path: Path) -> None:
    path = tmp_path / "cases.xlsx"
    sample_frame().to_excel(path, index=False, engine="openpyxl")
    loaded = load_cases(Settings(), path)
    assert loaded.encoding is None
    assert loaded.source == str(path)
    check_sample(loaded)


def _two_sheets(path: Path) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"说明": ["本表为县政务服务中心导出"]}).to_excel(
            writer, sheet_name="说明", index=False
        )
        sample_frame().to_excel(writer, sheet_name="办件", index=False)


def test_excel_named_sheet(tmp_path: Path) -> None:
    path = tmp_path / "cases.xlsx"
    _two_sheets(path)
    loaded = load_cases(Settings(source={"sheet": "办件"}), path)
    assert loaded.source == f"{path}[办件]"
    check_sample(loaded)


def test_excel_first_sheet_is_not_the_cases(tmp_path: Path) -> None:
    path = tmp_path / "cases.xlsx"
    _two_sheets(path)
    with pytest.raises(InputError, match="no column for case_id") as err:
        load_cases(Settings(), path)
    assert str(path) in str(err.value)
    assert "[source.columns]" in str(err.value)


def test_excel_missing_sheet(tmp_path: Path) -> None:
    path = tmp_path / "cases.xlsx"
    _two_sheets(path)
    settings = Settings().model_copy(
        update={"source": Settings().source.model_copy(update={"sheet": "办件明细"})}
    )
    with pytest.raises(InputError) as err:
        load_cases(settings, path)
    assert str(err.value) == f"{path}: no sheet named '办件明细' ([source] sheet)"


_NO_CASE_COLUMNS = (
    "no column for case_id (e.g. 办件编号, 申办流水号, 业务流水号); "
    "department (e.g. 实施部门, 受理部门, 办理部门); "
    "submitted_at (e.g. 申请时间, 申报时间, 提交时间)"
)


def test_excel_cases_on_a_later_sheet_are_named_with_how_to_choose_them(tmp_path: Path) -> None:
    """Issue 10 item 11: the error named only [source.columns], never the sheet."""
    path = tmp_path / "cases.xlsx"
    _two_sheets(path)
    with pytest.raises(InputError) as err:
        load_cases(Settings(), path)
    assert str(err.value) == (
        f"{path}: {_NO_CASE_COLUMNS}; sheet 说明 has: 说明; the cases seem to be on sheet "
        f'办件: choose it with [source] sheet = "办件" or --sheet 办件, '
        f"or map your headers under [source.columns]"
    )


def test_excel_sheet_keyword_overrides_the_configured_sheet(tmp_path: Path) -> None:
    path = tmp_path / "cases.xlsx"
    _two_sheets(path)
    loaded = load_cases(Settings(source={"sheet": "说明"}), path, sheet="办件")
    assert loaded.source == f"{path}[办件]"
    check_sample(loaded)
    with pytest.raises(InputError) as err:
        load_cases(Settings(source={"sheet": "办件"}), path, sheet="办件明细")
    assert str(err.value) == f"{path}: no sheet named '办件明细' (--sheet)"


def test_excel_of_several_sheets_none_with_cases_mentions_the_sheet_setting(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cases.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"说明": ["导出说明"]}).to_excel(writer, sheet_name="说明", index=False)
        pd.DataFrame({"编号": ["1"]}).to_excel(writer, sheet_name="附表", index=False)
    with pytest.raises(InputError) as err:
        load_cases(Settings(), path)
    assert str(err.value) == (
        f"{path}: {_NO_CASE_COLUMNS}; sheet 说明 has: 说明; map your headers under "
        f"[source.columns], or choose another sheet (说明, 附表) with [source] sheet or "
        f"--sheet NAME"
    )


def test_sheet_keyword_on_a_file_that_is_not_a_workbook(write_cases_csv: WriteCsv) -> None:
    path = write_cases_csv()
    with pytest.raises(InputError) as err:
        load_cases(Settings(), path, sheet="办件")
    assert str(err.value) == f"{path}: --sheet is for Excel workbooks; this is a .csv file"


def test_excel_native_cells(tmp_path: Path) -> None:
    """Date cells, number cells and an empty cell, as a real workbook has them."""
    path = tmp_path / "cases.xlsx"
    pd.DataFrame(
        {
            "办件编号": ["00123", "00124", "00125"],
            "实施部门": ["县人社局", None, "县人社局"],
            "申请时间": [T("2024-03-05 10:20"), T("2024-03-05 10:20"), T("2024-03-06 09:00")],
            "受理时间": [T("2024-03-05 11:00"), None, None],
            "承诺时限": [20, 20, 0],
            "异地通办": [1, 0, 0],
        }
    ).to_excel(path, index=False, engine="openpyxl")
    loaded = load_cases(Settings(), path)
    cases = loaded.cases
    assert cases["case_id"].tolist() == ["00123", "00125"]
    assert cases["submitted_at"].tolist() == [T("2024-03-05 10:20"), T("2024-03-06 09:00")]
    assert cases["accepted_at"].iloc[0] == T("2024-03-05 11:00")
    assert pd.isna(cases["accepted_at"].iloc[1])
    assert cases["promised_limit"].tolist() == [20.0, 0.0]
    assert cases["cross_region"].tolist() == [True, False]
    assert loaded.quality[["source_row", "case_id", "reason"]].values.tolist() == [
        [3, "00124", "missing department"]
    ]


def test_parquet(tmp_path: Path) -> None:
    path = tmp_path / "cases.parquet"
    sample_frame().to_parquet(path)
    loaded = load_cases(Settings(), path)
    assert loaded.encoding is None
    check_sample(loaded, first_row=1)  # Parquet has no header line


def test_parquet_typed_columns(tmp_path: Path) -> None:
    path = tmp_path / "cases.parquet"
    pd.DataFrame(
        {
            "case_id": pd.array([123, None], dtype="Int64"),
            "department": ["县人社局", "县人社局"],
            "submitted_at": pd.to_datetime(["2024-03-05 02:20", "2024-03-06 01:00"], utc=True),
        }
    ).to_parquet(path)
    loaded = load_cases(Settings(), path)
    assert loaded.cases["case_id"].tolist() == ["123"]
    assert loaded.cases["submitted_at"].tolist() == [T("2024-03-05 10:20")]
    assert loaded.quality[["source_row", "reason"]].values.tolist() == [[2, "missing case_id"]]


# ---------------------------------------------------------------- errors


def _error(path: Path) -> str:
    with pytest.raises(InputError) as err:
        load_cases(Settings(), path)
    message = str(err.value)
    assert message.startswith(f"{path}: ")
    return message.removeprefix(f"{path}: ")


def test_missing_file(tmp_path: Path) -> None:
    assert _error(tmp_path / "nope.csv") == "no such file"


def test_folder(tmp_path: Path) -> None:
    """A folder is a source of its own (issue 13: exports dropped into it); one with no case
    file in it is an error that says so."""
    (tmp_path / "cases.csv").mkdir()
    assert _error(tmp_path / "cases.csv") == (
        "a folder with no case file in it (.csv, .parquet, .xlsm, .xlsx)"
    )


@pytest.mark.parametrize("content", [b"", b"  \r\n\n\t \n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "cases.csv"
    path.write_bytes(content)
    assert _error(path) == "the file is empty"


@pytest.mark.parametrize("end", ["\n", "\r\n", ""])
def test_header_without_rows(write_cases_csv: WriteCsv, end: str) -> None:
    path = write_cases_csv(text="办件编号,实施部门,申请时间" + end)
    assert _error(path) == "has a header but no rows"


def test_bytes_in_no_known_encoding(tmp_path: Path) -> None:
    junk = b"\x80\x81\xff\xfe" * 64
    for encoding in ("gb18030", "utf-8"):
        with pytest.raises(UnicodeDecodeError):
            junk.decode(encoding)
    path = tmp_path / "cases.csv"
    path.write_bytes(junk)
    assert _error(path) == (
        "cannot tell the text encoding (tried UTF-8 and GB18030); save it as UTF-8"
    )


def test_unknown_suffix(tmp_path: Path) -> None:
    path = tmp_path / "cases.docx"
    path.write_bytes(b"PK\x03\x04 not really a document")
    assert _error(path) == "unknown kind of file '.docx'; give a .csv, .xlsx or .parquet file"


def test_corrupt_excel(tmp_path: Path) -> None:
    path = tmp_path / "cases.xlsx"
    path.write_bytes(bytes(range(256)) * 4)
    assert _error(path).startswith("not a readable Excel workbook (")


def test_corrupt_parquet(tmp_path: Path) -> None:
    path = tmp_path / "cases.parquet"
    path.write_bytes(bytes(range(256)) * 4)
    assert _error(path).startswith("not a readable Parquet file (")


# ---------------------------------------------------------------- where the cases come from


def test_source_path_is_used_without_input(write_cases_csv: WriteCsv) -> None:
    path = write_cases_csv()
    loaded = load_cases(Settings(source={"path": str(path)}))
    assert loaded.source == str(path)
    check_sample(loaded)


def test_relative_source_path_is_taken_from_base_dir(
    write_cases_csv: WriteCsv, tmp_path: Path
) -> None:
    write_cases_csv("data.csv")
    settings = Settings(source={"path": "data.csv"}).model_copy(update={"base_dir": tmp_path})
    loaded = load_cases(settings)
    assert loaded.source == str(tmp_path / "data.csv")
    check_sample(loaded)


def test_input_path_wins_over_source_path(write_cases_csv: WriteCsv, tmp_path: Path) -> None:
    given = write_cases_csv("given.csv")
    settings = Settings(source={"path": str(tmp_path / "configured-but-missing.csv")})
    assert load_cases(settings, given).source == str(given)
    assert load_cases(settings, str(given)).source == str(given)


def test_configured_path_missing(tmp_path: Path) -> None:
    settings = Settings(source={"path": "missing.csv"}).model_copy(update={"base_dir": tmp_path})
    with pytest.raises(InputError, match="no such file") as err:
        load_cases(settings)
    assert str(tmp_path / "missing.csv") in str(err.value)


def test_no_source_at_all() -> None:
    with pytest.raises(InputError) as err:
        load_cases(Settings())
    assert str(err.value) == (
        "embedded defaults: no source of cases; set [source] path (or url + query), "
        "or give --input PATH"
    )
