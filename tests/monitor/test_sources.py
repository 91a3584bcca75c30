"""Sources that are not plain case files (issue 10, items 16 and 17): what ``load_cases``
makes of a pipe, a device, an unreadable file, duplicated headers, classic Mac line ends,
nested or damaged Parquet files, and CSV files with stray bytes.

Every file is written here, small and real; each message is one line naming the file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from monitor.cases.load import load_cases
from monitor.config import Settings
from monitor.errors import InputError

T = pd.Timestamp
HEADER = "办件编号,实施部门,申请时间,承诺时限"


def _error(path: Path) -> str:
    with pytest.raises(InputError) as err:
        load_cases(Settings(), path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message.removeprefix(f"{path}: ")


# ---------------------------------------------------------------- not a regular file


def test_fifo_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    """Opening a pipe for reading waits for a writer: it must not be opened at all."""
    path = tmp_path / "cases.csv"
    os.mkfifo(path)
    assert _error(path) == "is not a regular file (a pipe, socket or device); give a case file"


def test_device_is_refused() -> None:
    """``/dev/zero`` never ends: reading it would not either."""
    assert _error(Path("/dev/zero")) == (
        "is not a regular file (a pipe, socket or device); give a case file"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file of mode 000")
def test_unreadable_file(write_cases_csv) -> None:
    path = write_cases_csv()
    path.chmod(0)
    try:
        assert _error(path) == "permission denied (the file cannot be read)"
    finally:
        path.chmod(0o644)


# ---------------------------------------------------------------- duplicated headers


def _workbook(path: Path, *rows: list[object]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_duplicated_mapped_header_in_a_csv_is_refused(write_cases_csv) -> None:
    path = write_cases_csv(text="办件编号,实施部门,申请时间,办件编号\nA1,县人社局,2024-03-05,A2\n")
    assert _error(path) == "2 columns are headed 办件编号 (case_id); remove or rename all but one"


def test_duplicated_mapped_header_in_a_workbook_is_refused(tmp_path: Path) -> None:
    """pandas would rename the second 办件编号 to 办件编号.1 and take the first silently."""
    path = _workbook(
        tmp_path / "cases.xlsx",
        ["办件编号", "实施部门", "申请时间", "办件编号"],
        ["A1", "县人社局", "2024-03-05", "A2"],
    )
    assert _error(path) == "2 columns are headed 办件编号 (case_id); remove or rename all but one"


def test_headers_differing_only_in_spaces_or_case_are_duplicates(write_cases_csv) -> None:
    path = write_cases_csv(text="case_id,实施部门,申请时间, CASE_ID \nA1,县人社局,2024-03-05,A2\n")
    assert _error(path) == "2 columns are headed case_id (case_id); remove or rename all but one"


def test_duplicated_limit_column_is_refused(write_cases_csv) -> None:
    path = write_cases_csv(text=f"{HEADER},承诺时限\nA1,县人社局,2024-03-05,20,5\n")
    assert _error(path) == (
        "2 columns are headed 承诺时限 (promised_limit); remove or rename all but one"
    )


def test_duplicated_header_the_monitor_does_not_read_is_ignored(tmp_path: Path) -> None:
    """备注 (a remark) feeds no field: its two columns are left alone, in a CSV and in a
    workbook; the case is read as usual. A duplicated mapped header in the same file is
    still refused."""
    csv = tmp_path / "cases.csv"
    csv.write_text(f"{HEADER},备注,备注\nA1,县人社局,2024-03-05 10:20:00,20,x,y\n")
    xlsx = _workbook(
        tmp_path / "cases.xlsx",
        [*HEADER.split(","), "备注", "备注"],
        ["A1", "县人社局", "2024-03-05 10:20:00", "20", "x", "y"],
    )
    for path in (csv, xlsx):
        loaded = load_cases(Settings(), path)
        assert loaded.quality.empty
        assert loaded.cases["case_id"].tolist() == ["A1"]
        assert loaded.cases["submitted_at"].tolist() == [T("2024-03-05 10:20")]
        assert loaded.cases["promised_limit"].tolist() == [20.0]
    both = _workbook(
        tmp_path / "both.xlsx",
        [*HEADER.split(","), "备注", "备注", "实施部门"],
        ["A1", "县人社局", "2024-03-05 10:20:00", "20", "x", "y", "县公安局"],
    )
    assert _error(both) == (
        "2 columns are headed 实施部门 (department); remove or rename all but one"
    )


# ---------------------------------------------------------------- line ends


def test_classic_mac_line_ends(write_cases_csv, sample_cases_csv_text: str) -> None:
    """CR alone ends each line (classic Mac OS): the header and both rows are read."""
    path = write_cases_csv(text=sample_cases_csv_text.replace("\n", "\r"))
    loaded = load_cases(Settings(), path)
    assert loaded.quality.empty
    assert loaded.cases["case_id"].tolist() == ["00123", "00124"]
    assert loaded.cases["source_row"].tolist() == [2, 3]
    assert loaded.cases["submitted_at"].tolist() == [T("2024-03-05 10:20"), T("2024-03-06 09:00")]
    assert loaded.cases["promised_limit"].tolist() == [20.0, 0.0]


# ---------------------------------------------------------------- Parquet


def _parquet(path: Path, **columns: list[object]) -> Path:
    base: dict[str, list[object]] = {
        "办件编号": ["A1"],
        "实施部门": ["县人社局"],
        "申请时间": ["2024-03-05 10:20:00"],
    }
    pq.write_table(pa.table({**base, **columns}), path)
    return path


@pytest.mark.parametrize(
    ("header", "field", "value"),
    [
        ("承诺时限", "promised_limit", [["20"]]),  # a TypeError (unhashable) before
        ("办件编号", "case_id", [["A1"]]),  # read as the text "['A1']" before
        ("实施部门", "department", [{"name": "县人社局"}]),
    ],
)
def test_parquet_column_of_lists_the_monitor_reads_is_refused(
    tmp_path: Path, header: str, field: str, value: list[object]
) -> None:
    """A nested column the monitor does not read (材料, the documents) is skipped; one it
    reads is refused, naming the column."""
    skipped = _parquet(tmp_path / "ok.parquet", 材料=[["身份证", "营业执照"]], 承诺时限=["20"])
    loaded = load_cases(Settings(), skipped)
    assert loaded.quality.empty
    assert loaded.cases["case_id"].tolist() == ["A1"]
    assert loaded.cases["promised_limit"].tolist() == [20.0]
    path = _parquet(tmp_path / "cases.parquet", **{header: value})
    assert _error(path) == (
        f"column {header} ({field}) holds lists or records, not one value per row; "
        f"give it plain values or map another column under [source.columns]"
    )


def _pandas_metadata(frame: pd.DataFrame) -> dict[str, object]:
    return json.loads(pa.Table.from_pandas(frame).schema.metadata[b"pandas"])


@pytest.mark.parametrize(
    ("metadata", "reason"),
    [
        (b"{not json", "Expecting property name enclosed in double quotes"),  # JSONDecodeError
        (None, "data type 'stV' not understood"),  # a TypeError before
    ],
)
def test_parquet_with_damaged_pandas_metadata(
    tmp_path: Path, metadata: bytes | None, reason: str
) -> None:
    frame = pd.DataFrame({"办件编号": ["A1"], "实施部门": ["县人社局"], "申请时间": ["2024-03-05"]})
    if metadata is None:
        meta = _pandas_metadata(frame)
        for column in meta["columns"]:  # type: ignore[attr-defined]
            column["numpy_type"] = "stV"
        metadata = json.dumps(meta).encode()
    table = pa.Table.from_pandas(frame).replace_schema_metadata({b"pandas": metadata})
    path = tmp_path / "cases.parquet"
    pq.write_table(table, path)
    message = _error(path)
    assert message.startswith("not a readable Parquet file (damaged pandas metadata: ")
    assert reason in message
