"""Loading cases: read the configured (or given) source, normalise it and give each case its
region (行政区划, :mod:`monitor.cases.regions`).

This is the first step of every job: source → canonical cases + data-quality list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from monitor.cases.folder import case_files, combine
from monitor.cases.headers import header_map, missing_fields, missing_message
from monitor.cases.normalise import QUALITY_COLUMNS, normalise
from monitor.cases.regions import REGION_FIELD, assign_regions
from monitor.cases.sources import EXCEL_SUFFIXES, RawTable, read_file, read_sql, sheet_headers
from monitor.config import Settings, secret
from monitor.errors import InputError
from rules.fields import TEXT_FIELDS

__all__ = ["LoadedCases", "load_cases", "source_folder", "source_url"]

_KEEP_AS_TEXT = (
    *TEXT_FIELDS,
    "promised_limit",
    "legal_limit",
    # Text, not a number guessed by the CSV reader: it would read 0x10 as 16.
    "suspended_days",
    "cross_region",
)


@dataclass
class LoadedCases:
    """Valid canonical cases, the data-quality list, and where they came from."""

    cases: pd.DataFrame
    quality: pd.DataFrame
    source: str
    rows_read: int
    encoding: str | None = None

    @property
    def duplicates(self) -> int:
        """Records superseded by a later record with the same case_id."""
        return int(self.quality["reason"].str.startswith("duplicate").sum())

    @property
    def bad_rows(self) -> int:
        """Records kept out of the rules for a data problem (duplicates not counted, nor an
        invalid region code: its case is kept)."""
        q = self.quality
        q = q[~q["reason"].str.startswith("duplicate") & (q["field"] != REGION_FIELD)]
        return int(q["source_row"].nunique())


def load_cases(
    settings: Settings,
    input_path: str | Path | None = None,
    *,
    sheet: str | None = None,
    files: Sequence[str] | None = None,
    constants: Mapping[str, str] | None = None,
) -> LoadedCases:
    """Read cases from ``input_path`` if given, else from ``[source]``.

    ``sheet`` names the Excel sheet to read for this call instead of ``[source] sheet``
    (``--sheet``); it is refused for a source that is not a workbook. When the sheet read has
    no column for a required field, the error names another sheet of the workbook that has
    them all, or else, in a workbook of several sheets, says how to choose one. A folder is
    read file by file (:mod:`monitor.cases.folder`); ``files``: only these of its files.
    ``constants``: columns every row has that the file lacks (the ``name=value`` folders of
    a partitioned dataset).
    """
    folder = source_folder(settings, input_path)
    if folder is not None:
        return _load_folder(settings, folder, sheet, files)
    raw, path = _read(settings, input_path, sheet)
    for column, value in (constants or {}).items():
        if column not in raw.frame.columns:
            raw.frame[column] = pd.Categorical([value] * len(raw.frame))
    if path is not None and len(raw.sheets) > 1:
        _check_sheet(raw, path, settings.source.columns)
    cases, quality = assign_regions(*normalise(raw, settings.source.columns), settings)
    return LoadedCases(cases, quality, raw.source, len(raw.frame), raw.encoding)


def source_url(settings: Settings) -> str:
    """``[source] url`` with the password from ``[source] password_env`` filled in."""
    src = settings.source
    url = str(src.url)
    if src.password_env:
        from sqlalchemy.engine import make_url

        password = secret(src.password_env, "[source] password_env")
        url = make_url(url).set(password=password).render_as_string(hide_password=False)
    return url


def source_folder(settings: Settings, input_path: str | Path | None = None) -> Path | None:
    """The folder the cases come from, when the source (or ``input_path``) is one."""
    if input_path is not None:
        path = Path(input_path)
    elif settings.source.path:
        path = settings.resolve(settings.source.path)
    else:
        return None
    return path if path.is_dir() else None


def _load_folder(
    settings: Settings, folder: Path, sheet: str | None, only: Sequence[str] | None
) -> LoadedCases:
    """The cases of the folder's files (of ``only`` when given), the last file winning."""
    chosen = [p for p in case_files(folder) if only is None or p.name in set(only)]

    def one(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, int]:
        loaded = load_cases(settings, path, sheet=sheet if path.suffix in EXCEL_SUFFIXES else None)
        return loaded.cases, loaded.quality, loaded.rows_read

    if not chosen:
        empty = load_cases(settings, case_files(folder)[0]).cases.iloc[:0]
        return LoadedCases(empty, pd.DataFrame(columns=QUALITY_COLUMNS), f"folder {folder}", 0)
    cases, quality, rows = combine(chosen, one)
    return LoadedCases(cases, quality, f"folder {folder} ({len(chosen)} files)", rows)


def _read(
    settings: Settings, input_path: str | Path | None, sheet: str | None
) -> tuple[RawTable, Path | None]:
    """The raw table, and the path of the file it came from (None for a query)."""
    src = settings.source
    if input_path is not None:
        path = Path(input_path)
    elif src.path:
        path = settings.resolve(src.path)
    elif src.url and src.query:
        if sheet is not None:
            raise InputError("[source] query: --sheet is for Excel workbooks, not a query")
        return read_sql(source_url(settings), src.query), None
    else:
        raise InputError(
            f"{settings.origin}: no source of cases; set [source] path (or url + query), "
            f"or give --input PATH"
        )
    if sheet is not None and path.suffix.lower() not in EXCEL_SUFFIXES:
        raise InputError(
            f"{path}: --sheet is for Excel workbooks; this is a {path.suffix or 'suffixless'} file"
        )

    def text_columns(headers: list[str]) -> dict[str, str]:
        keep = header_map(headers, src.columns)
        return {h: f for f, h in keep.items() if f in _KEEP_AS_TEXT}

    if sheet is not None:
        return read_file(path, text_columns=text_columns, sheet=sheet, sheet_key="--sheet"), path
    return read_file(path, text_columns=text_columns, sheet=src.sheet), path


def _check_sheet(raw: RawTable, path: Path, configured: Mapping[str, str]) -> None:
    """In a workbook of several sheets, a sheet without the required columns: name the sheet
    that has them (the cases are often on a later sheet, after a 说明 sheet), or say how to
    choose another."""
    headers = [str(c) for c in raw.frame.columns]
    missing = missing_fields(headers, configured)
    if not missing:
        return
    fitting = [
        name
        for name, names in sheet_headers(path).items()
        if name != raw.sheet and not missing_fields(names, configured)
    ]
    if fitting:
        name = fitting[0]
        fix = (
            f'the cases seem to be on sheet {name}: choose it with [source] sheet = "{name}" '
            f"or --sheet {name}, or map your headers under [source.columns]"
        )
    else:
        fix = (
            f"map your headers under [source.columns], or choose another sheet "
            f"({', '.join(raw.sheets)}) with [source] sheet or --sheet NAME"
        )
    raise InputError(missing_message(raw.source, missing, headers, sheet=raw.sheet, fix=fix))
