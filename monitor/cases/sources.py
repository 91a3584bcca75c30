"""Reading raw case tables from a source: CSV, Excel, Parquet or a SQL query.

This module only reads; :mod:`monitor.cases.normalise` turns what it reads into canonical cases.
CSV encodings are detected (UTF-8, UTF-8 with BOM, GB18030 — a superset of GBK), never
configured. Every failure becomes an :class:`~monitor.errors.InputError` naming the source.
"""

from __future__ import annotations

import csv
import io
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from monitor.cases.encoding import SAMPLE, decode_lines, detect_encoding
from monitor.errors import InputError
from monitor.text import hide_password

__all__ = ["EXCEL_SUFFIXES", "RawTable", "TextColumns", "read_file", "read_sql", "sheet_headers"]

EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_PARQUET = {".parquet", ".pq"}
_CSV = {".csv", ".txt", ".tsv"}


@dataclass
class RawTable:
    """A source's rows as read: original headers, and how they were read."""

    frame: pd.DataFrame
    source: str
    encoding: str | None = None
    #: Number of the first data row as people count it (line 2 of a CSV with one header line).
    first_row: int = 2
    #: Headers of columns left unread because they hold lists or records (Parquet): the
    #: monitor refuses the file only if it needs one of them.
    nested: tuple[str, ...] = ()
    #: Rows that could not be read right (a CSV line with stray bytes): ``row`` (position in
    #: ``frame``), ``field``, ``reason``, ``value``; they join the data-quality list.
    row_problems: pd.DataFrame | None = None
    #: An Excel workbook's sheets, in order, and the one read.
    sheets: tuple[str, ...] = ()
    sheet: str | None = None


#: Header → the canonical field it feeds, for the columns to keep as text; or a function
#: that makes that mapping from the file's headers (read once, with the encoding).
TextColumns = Mapping[str, str] | Callable[[list[str]], Mapping[str, str]]


def read_file(
    path: Path,
    *,
    text_columns: TextColumns,
    sheet: str | None = None,
    sheet_key: str = "[source] sheet",
) -> RawTable:
    """Read a case file; its kind is taken from the suffix.

    ``sheet`` is the Excel sheet to read (the first when not given); ``sheet_key`` says where
    it was given, for the error when the workbook has no such sheet.

    ``text_columns`` maps a header to the canonical field it feeds (or is a function of the
    headers that does): those columns are kept as text so that ids like ``00123`` keep their
    leading zeros, and in a Parquet file the ones other than the case id are read as
    dictionaries. A CSV file's encoding and header are read once.
    """
    _check_regular_file(path)
    suffix = path.suffix.lower()
    if suffix in _PARQUET:
        return _read_parquet(path, text_columns)
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, sheet, sheet_key)
    if suffix in _CSV or suffix == "":
        return _read_csv(path, text_columns)
    raise InputError(
        f"{path}: unknown kind of file {suffix!r}; give a .csv, .xlsx or .parquet file"
    )


def _check_regular_file(path: Path) -> None:
    """Refuse, before opening it, anything but a readable regular file: a folder, a pipe
    (FIFO) or a device such as ``/dev/zero`` would fail late or never end."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied (cannot look at the file)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or _first_line(exc)})") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"{path}: is a folder, not a case file")
    if not stat.S_ISREG(mode):
        raise InputError(
            f"{path}: is not a regular file (a pipe, socket or device); give a case file"
        )
    try:
        with path.open("rb"):
            pass
    except PermissionError:
        raise InputError(f"{path}: permission denied (the file cannot be read)") from None


def _csv_header(head: bytes, encoding: str) -> list[str]:
    """The header row of a CSV file from its first bytes ``head``, each name stripped."""
    text = head.decode(encoding, errors="ignore")
    # newline="": a line may end in CR LF, LF or a lone CR (classic Mac), as for the reader.
    first = next(csv.reader(io.StringIO(text, newline="")), [])
    return [h.strip() for h in first]


def _columns(text_columns: TextColumns, headers: list[str]) -> Mapping[str, str]:
    return text_columns(headers) if callable(text_columns) else text_columns


class _NotDecodable(Exception):
    """The fast reader met bytes that are not of the encoding detected from the sample."""


def _read_csv(path: Path, text_columns: TextColumns) -> RawTable:
    """A CSV file, read by Arrow straight from the file; only when that meets bytes of
    another encoding is the whole file decoded in Python (:func:`decode_lines`), and the
    lines holding them listed as data problems of their rows."""
    encoding = detect_encoding(path)
    with path.open("rb") as fh:
        header = _csv_header(fh.read(SAMPLE), encoding)
    try:
        table = _arrow_csv(path, path, encoding, header, text_columns)
        problems = None
    except _NotDecodable:
        decoded = decode_lines(path.read_bytes(), str(path))
        header = _csv_header(decoded.data[:SAMPLE], "utf-8")
        table = _arrow_csv(pa.BufferReader(decoded.data), path, "utf-8", header, text_columns)
        encoding = decoded.encoding
        problems = pd.DataFrame(
            {
                "row": [line - 2 for line, _ in decoded.bad_lines],  # after the header line
                "field": "line",
                "reason": decoded.reason,
                "value": [text for _, text in decoded.bad_lines],
            }
        )
        problems = problems[problems["row"] < table.num_rows]
    frame = table.rename_columns([c.strip() for c in table.column_names]).to_pandas()
    return RawTable(frame, str(path), encoding, row_problems=problems)


def _arrow_csv(
    source: object, path: Path, encoding: str, header: list[str], text_columns: TextColumns
) -> pa.Table:
    """Arrow's multi-threaded CSV reader on ``source`` (a path or a buffer); raises
    :class:`_NotDecodable` when a byte is not of ``encoding``."""
    wanted = _columns(text_columns, header)
    types = {h: pa.string() for h in header if h.strip() in wanted}
    read = pacsv.ReadOptions(
        encoding="utf8" if encoding.startswith("utf-8") else encoding, block_size=16 << 20
    )
    convert = pacsv.ConvertOptions(
        column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=True
    )
    try:
        table = pacsv.read_csv(source, read_options=read, convert_options=convert)
    except pa.ArrowInvalid as exc:
        if "Empty CSV file" in str(exc):  # pyarrow's word for a lone header without a newline
            raise InputError(f"{path}: has a header but no rows") from None
        if "UTF8" in str(exc):  # a text column with bytes that are not UTF-8
            raise _NotDecodable from None
        raise InputError(f"{path}: not a readable CSV file ({_first_line(exc)})") from None
    except UnicodeDecodeError:  # Arrow transcodes other encodings with Python's codec
        raise _NotDecodable from None
    try:
        table.column_names  # noqa: B018 — a header with such bytes fails only here
    except UnicodeDecodeError:
        raise _NotDecodable from None
    # A column of other kind holding such bytes comes as binary, not as an error.
    if any(pa.types.is_binary(t) or pa.types.is_large_binary(t) for t in table.schema.types):
        raise _NotDecodable
    return table


def _read_parquet(path: Path, text_columns: TextColumns) -> RawTable:
    """A Parquet file; its text columns other than the case id come as categoricals straight
    from the file's dictionary pages (department, item, channel, status, limits: a few
    distinct values among millions of rows). Columns of lists or records are not read."""
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({_first_line(exc)})") from None
    nested = tuple(f.name for f in schema if pa.types.is_nested(f.type))
    columns = _columns(text_columns, [f.name.strip() for f in schema])
    wanted = {h for h, field in columns.items() if field != "case_id"}
    as_dictionary = [
        f.name
        for f in schema
        if f.name.strip() in wanted
        and (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
    ]
    plain = [f.name for f in schema if f.name not in nested] if nested else None
    try:
        frame = pd.read_parquet(path, columns=plain, read_dictionary=as_dictionary or None)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({_first_line(exc)})") from None
    except (TypeError, ValueError, KeyError) as exc:  # pandas' own metadata in the file
        raise InputError(
            f"{path}: not a readable Parquet file (damaged pandas metadata: {_first_line(exc)})"
        ) from None
    return RawTable(frame, str(path), None, first_row=1, nested=nested)


def _read_excel(path: Path, sheet: str | None, sheet_key: str) -> RawTable:
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            names = tuple(str(n) for n in book.sheet_names)
            if sheet and sheet not in names:
                raise InputError(f"{path}: no sheet named {sheet!r} ({sheet_key})")
            # header=None: the header row as written (pandas would rename a repeated header).
            cells = pd.read_excel(book, sheet_name=sheet or 0, dtype=object, header=None)
    except InputError:
        raise
    except (OSError, KeyError, Exception) as exc:  # openpyxl raises many kinds on bad files
        raise InputError(f"{path}: not a readable Excel workbook ({_first_line(exc)})") from None
    frame = cells.iloc[1:].reset_index(drop=True)
    frame.columns = [
        f"Unnamed: {i}" if _blank(h) else str(h).strip()
        for i, h in enumerate(cells.iloc[0] if len(cells) else [])
    ]
    label = f"{path}[{sheet}]" if sheet else str(path)
    return RawTable(frame, label, None, sheets=names, sheet=sheet or names[0])


def sheet_headers(path: Path) -> dict[str, list[str]]:
    """The header row (the first row, empty cells left out) of each sheet of an Excel
    workbook, by sheet name in workbook order; read only when a sheet lacks the cases."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        return {
            ws.title: [
                str(c).strip()
                for c in next(ws.iter_rows(max_row=1, values_only=True), ())
                if not _blank(c)
            ]
            for ws in book.worksheets
        }
    finally:
        book.close()


def read_sql(url: str, query: str) -> RawTable:
    """Run ``query`` against the database at ``url`` (read only) and return its rows."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    safe = hide_password(url)
    try:
        engine = create_engine(url)
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        raise InputError(f"[source] url {safe}: {_first_line(exc)}") from None
    try:
        with engine.connect() as conn:
            frame = pd.read_sql_query(text(query), conn)
    except (SQLAlchemyError, pd.errors.DatabaseError) as exc:
        # pandas wraps the SQLAlchemy error of a failed query in its own DatabaseError.
        cause = exc.__cause__ if isinstance(exc.__cause__, SQLAlchemyError) else exc
        reason = _first_line(getattr(cause, "orig", None) or cause)
        raise InputError(f"[source] query on {safe} failed: {reason}") from None
    finally:
        engine.dispose()
    frame.columns = [str(c).strip() for c in frame.columns]
    return RawTable(frame, f"query on {safe}", None, first_row=1)


def _blank(value: object) -> bool:
    """An empty header cell (pandas names its column ``Unnamed: i``)."""
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return True
    return str(value).strip() == ""


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
