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


# ---------------------------------------------------------------- stray bytes (item 17)

ROWS = [
    "A1,县人社局,2024-03-05 10:20:00,20",
    "A2,县公安局,2024-03-06 09:00:00,即办",
    "A3,县市场监督管理局,2024-03-07 09:00:00,5",
]


def _lines(encoding: str, stray: dict[int, bytes]) -> bytes:
    """HEADER and ROWS in ``encoding``; the row at index i gets ``stray[i]`` put right after
    its department (the second field)."""
    out = [HEADER.encode(encoding)]
    for i, row in enumerate(ROWS):
        case, dept, rest = row.split(",", 2)
        extra = stray.get(i, b"")
        out.append(f"{case},{dept}".encode(encoding) + extra + f",{rest}".encode(encoding))
    return b"\n".join(out) + b"\n"


@pytest.mark.parametrize(
    ("encoding", "stray", "label"),
    [
        ("gb18030", b"\xff", "GB18030"),  # 0xFF is never a GB18030 byte
        ("gb18030", b"\x81", "GB18030"),  # a lead byte followed by "," (not a trail byte)
        ("utf-8", b"\xff", "UTF-8"),
        ("utf-8", b"\xe5\x8e", "UTF-8"),  # 县 (E5 8E BF) cut short
    ],
)
def test_a_line_with_stray_bytes_is_listed_and_the_file_read(
    tmp_path: Path, encoding: str, stray: bytes, label: str
) -> None:
    """The encoding is the one under which the fewest lines fail (the other two lines decode
    only as ``encoding``); line 3 (A2) goes to the quality list, A1 and A3 are read."""
    path = tmp_path / "cases.csv"
    path.write_bytes(_lines(encoding, {1: stray}))
    loaded = load_cases(Settings(), path)
    assert loaded.encoding == encoding
    assert loaded.rows_read == 3
    assert loaded.cases["case_id"].tolist() == ["A1", "A3"]
    assert loaded.cases["department"].tolist() == ["县人社局", "县市场监督管理局"]
    assert loaded.cases["source_row"].tolist() == [2, 4]
    assert loaded.quality.values.tolist() == [
        [
            3,
            "A2",
            "line",
            f"text not decodable as {label} (stray bytes in the line)",
            "A2,县公安局\ufffd,2024-03-06 09:00:00,即办",
        ]
    ]
    assert loaded.bad_rows == 1


def test_stray_byte_after_the_first_megabyte(tmp_path: Path) -> None:
    """Detection looks at the first megabyte (clean GB18030 here); the stray byte far
    below it is found by the reader and its line listed, with its line number."""
    filler = [f"F{i:07d},县人社局,2024-03-05 10:20:00,20" for i in range(40_000)]  # > 1 MiB
    text = "\n".join([HEADER, *filler]) + "\n"
    data = text.encode("gb18030") + "B1,县公安局".encode("gb18030") + b"\xff,2024-03-06,5\n"
    assert len(data) > 1 << 20
    path = tmp_path / "cases.csv"
    path.write_bytes(data + "B2,县公安局,2024-03-06 09:00:00,5\n".encode("gb18030"))
    loaded = load_cases(Settings(), path)
    assert loaded.encoding == "gb18030"
    assert loaded.rows_read == 40_002
    assert loaded.quality[["source_row", "case_id", "field"]].values.tolist() == [
        [40_002, "B1", "line"]
    ]
    last = loaded.cases.iloc[-1]
    assert (last["source_row"], last["case_id"], last["department"]) == (40_003, "B2", "县公安局")


def test_stray_bytes_with_crlf_and_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_bytes(_lines("gb18030", {0: b"\xff"}).replace(b"\n", b"\r\n"))
    loaded = load_cases(Settings(), path)
    assert loaded.cases["case_id"].tolist() == ["A2", "A3"]
    assert loaded.quality[["source_row", "value"]].values.tolist() == [
        [2, "A1,县人社局\ufffd,2024-03-05 10:20:00,20"]
    ]
    path.write_bytes(b"\xef\xbb\xbf" + _lines("utf-8", {2: b"\xff"}))
    loaded = load_cases(Settings(), path)
    assert loaded.encoding == "utf-8-sig"
    assert loaded.cases["case_id"].tolist() == ["A1", "A2"]
    assert loaded.quality["source_row"].tolist() == [4]


def test_stray_bytes_in_the_header_or_on_most_lines_are_refused(tmp_path: Path) -> None:
    """A header with stray bytes cannot be trusted; a file where most lines fail under both
    encodings is not text in either (as before)."""
    path = tmp_path / "cases.csv"
    path.write_bytes(b"\xff" + _lines("utf-8", {}))
    assert _error(path) == (
        "the header line has bytes that are not UTF-8 text; "
        "correct the header or save the file as UTF-8"
    )
    path.write_bytes(_lines("utf-8", {0: b"\xff", 1: b"\xfe", 2: b"\x80"}))
    assert _error(path) == (
        "cannot tell the text encoding (tried UTF-8 and GB18030); save it as UTF-8"
    )
