"""Turning a raw table into canonical cases (DOMAIN.md §6) and a data-quality list.

Headers are mapped to canonical fields (config first, then the default Chinese headers, then
the canonical names themselves); timestamps and limits are parsed column-wise; bad records are
moved to the data-quality list with a reason each, never dropped silently; of several records
with one ``case_id`` the last wins and the others are listed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar

import numpy as np
import pandas as pd

from monitor.cases.headers import check_mapped_headers, header_map, missing_message
from monitor.cases.sources import RawTable
from monitor.cases.timestamps import read_timestamps
from monitor.errors import InputError
from rules.fields import (
    LIMIT_FIELDS,
    REQUIRED_FIELDS,
    TEXT_FIELDS,
    TIMESTAMP_FIELDS,
)
from rules.limits import MAX_DAYS, parse_limits

__all__ = ["QUALITY_COLUMNS", "THREADS", "normalise"]

#: Threads normalising one table: 2 overlap the timestamps with the text columns; an engine
#: whose workers have a core each (Dask) sets 1.
THREADS: ContextVar[int] = ContextVar("normalise_threads", default=2)

QUALITY_COLUMNS = ["source_row", "case_id", "field", "reason", "value"]
_CATEGORY_FIELDS = TEXT_FIELDS[1:]
_OVER_MAX = f"(over {MAX_DAYS} days)"
_OUT_OF_SPAN = "(before 1990 or from 2100 on)"  # timestamps.EARLIEST, LATEST
_TRUE = {"是", "true", "1", "y", "yes", "t"}
_FALSE = {"否", "false", "0", "n", "no", "f"}


def normalise(raw: RawTable, configured: Mapping[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cases, quality): canonical valid cases, and one row per problem found."""
    frame = raw.frame
    headers = [*map(str, frame.columns), *raw.nested]
    mapping = header_map(headers, configured)
    check_mapped_headers(raw.source, headers, mapping, raw.nested)
    missing = [f for f in REQUIRED_FIELDS if f not in mapping]
    if missing:
        raise InputError(missing_message(raw.source, missing, list(frame.columns)))
    n = len(frame)
    if n == 0:
        raise InputError(f"{raw.source}: has a header but no rows")
    out: dict[str, object] = {"source_row": np.arange(raw.first_row, raw.first_row + n)}
    problems: list[pd.DataFrame] = [] if raw.row_problems is None else [raw.row_problems]

    def flag(mask: np.ndarray, field: str, reason: str, values: object = None) -> None:
        rows = np.flatnonzero(mask)
        if len(rows):
            problems.append(
                pd.DataFrame(
                    {"row": rows, "field": field, "reason": reason, "value": _shown(values, rows)}
                )
            )

    # Parsing timestamps (Arrow) and hashing ids release the GIL: they run on a second core
    # beside the text columns (not where an engine gives each worker a core of its own).
    pool = ThreadPoolExecutor(max_workers=2) if THREADS.get() > 1 else _Inline()
    stamps = {
        f: pool.submit(read_timestamps, frame[mapping[f]] if f in mapping else None, n)
        for f in TIMESTAMP_FIELDS
    }
    for field in TEXT_FIELDS:
        out[field] = _text(frame[mapping[field]], n) if field in mapping else _empty_text(n)
        if field == "case_id":
            duplicates = pool.submit(_superseded, out[field])
        if field in _CATEGORY_FIELDS:  # few distinct values: codes are cheap to filter and group
            out[field] = out[field].astype("category")  # type: ignore[union-attr]
    for field in REQUIRED_FIELDS:
        if field != "submitted_at":
            flag(out[field].isna().to_numpy(), field, f"missing {field}")  # type: ignore[union-attr]

    for field in TIMESTAMP_FIELDS:
        col = frame[mapping[field]] if field in mapping else None
        parsed = stamps[field].result()
        out[field] = parsed.values
        flag(parsed.unparseable, field, f"unparseable date in {field}", col)
        flag(parsed.implausible, field, f"implausible date in {field} {_OUT_OF_SPAN}", col)
    flag(
        out["submitted_at"].isna().to_numpy() & ~_bad_rows(problems, "submitted_at", n),  # type: ignore[union-attr]
        "submitted_at",
        "missing submitted_at",
    )

    out.update(_limits_and_flags(frame, mapping, n, flag))

    cases = pd.DataFrame(out)
    _order_checks(cases, flag)
    dup = duplicates.result()
    pool.shutdown()
    return _split(cases, problems, dup)


class _Inline:
    """An executor that runs each task at once in the calling thread."""

    def submit(self, fn: Callable[..., object], *args: object) -> Future:
        future: Future = Future()
        future.set_result(fn(*args))
        return future

    def shutdown(self) -> None:
        pass


def _limits_and_flags(
    frame: pd.DataFrame, mapping: Mapping[str, str], n: int, flag: Callable[..., None]
) -> dict[str, object]:
    """The limit columns (value and unit), ``suspended_days`` and ``cross_region``; bad
    values are flagged."""
    out: dict[str, object] = {}
    for field in LIMIT_FIELDS:
        if field in mapping:
            parsed_limits = parse_limits(frame[mapping[field]].reset_index(drop=True))
            out[field] = parsed_limits.value.to_numpy()
            out[f"{field}_unit"] = parsed_limits.unit.array
            col = frame[mapping[field]]
            flag(parsed_limits.invalid, field, f"unparseable {field}", col)
            flag(parsed_limits.negative, field, f"negative {field}", col)
            flag(parsed_limits.implausible, field, f"implausible {field} {_OVER_MAX}", col)
        else:
            out[field] = np.full(n, np.nan)
            out[f"{field}_unit"] = pd.Categorical([None] * n, categories=["workday", "natural"])
    out["suspended_days"], bad_susp, implausible = _suspended(frame, mapping, n)
    col = frame[mapping["suspended_days"]] if "suspended_days" in mapping else None
    flag(bad_susp, "suspended_days", "unparseable or negative suspended_days", col)
    flag(implausible, "suspended_days", f"implausible suspended_days {_OVER_MAX}", col)
    out["cross_region"] = _flag_column(
        frame[mapping["cross_region"]] if "cross_region" in mapping else None, n
    )
    return out


def _shown(values: object, rows: np.ndarray) -> np.ndarray:
    """The offending values as text, taken only at ``rows`` (never the whole column)."""
    if values is None:
        return np.full(len(rows), "", dtype=object)
    picked = values.iloc[rows] if isinstance(values, pd.Series) else np.asarray(values)[rows]
    return np.array([str(_cell_text(v)) if not _missing(v) else "" for v in picked], dtype=object)


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(col: pd.Series, n: int) -> pd.Series:
    col = col.reset_index(drop=True)
    if isinstance(col.dtype, pd.CategoricalDtype):
        stripped = _stripped_categories(col)
        if stripped is not None:
            return stripped
        col = col.astype("str")
    if col.dtype != "str":
        # Empty cells stay missing (not "nan"); whole numbers read as floats (a SQL or
        # Parquet integer column with NULLs) lose the ".0".
        if col.dtype == object or pd.api.types.is_float_dtype(col.dtype):
            col = col.map(_cell_text, na_action="ignore")
        col = col.astype("str")
    col = col.str.strip()
    return col.mask(col == "")


def _stripped_categories(col: pd.Series) -> pd.Series | None:
    """A categorical column with its categories stripped and empty ones made missing, or None
    when stripping would merge two categories (then the caller works on the values)."""
    names = col.cat.categories.astype("str").str.strip()
    if not names.is_unique:
        return None
    col = col.cat.rename_categories(names)
    return col.cat.remove_categories([""]) if "" in names else col


def _cell_text(value: object) -> object:
    # Whole floats lose the ".0" (an id read as 124.0); past 1e15 a float is no id.
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return value if value is None or isinstance(value, str) else str(value)


def _empty_text(n: int) -> pd.Series:
    return pd.Series([None] * n, dtype="str")


def _suspended(
    frame: pd.DataFrame, mapping: Mapping[str, str], n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Days of special procedures (特别程序时长): "3", "3天", "3个工作日"; empty is 0. Also the
    masks of unparseable or negative values and of implausible ones."""
    if "suspended_days" not in mapping:
        return np.zeros(n), np.zeros(n, bool), np.zeros(n, bool)
    parsed = parse_limits(frame[mapping["suspended_days"]].reset_index(drop=True))
    value = parsed.value.to_numpy()
    return (
        np.where(np.isnan(value), 0.0, value),
        parsed.invalid | parsed.negative,
        parsed.implausible,
    )


def _flag_column(col: pd.Series | None, n: int) -> pd.arrays.BooleanArray:
    """是/否, true/false, 1/0 → boolean; anything else → missing."""
    if col is None:
        return pd.array([pd.NA] * n, dtype="boolean")
    col = col.reset_index(drop=True)
    if col.dtype == object or pd.api.types.is_float_dtype(col.dtype):
        col = col.map(_cell_text, na_action="ignore")  # 1.0/0.0 (a SQL 0/1 column with NULLs)
    return _to_boolean(col.astype("string").str.strip().str.lower())


def _to_boolean(text: pd.Series) -> pd.array:
    values = pd.Series(pd.NA, index=text.index, dtype="boolean")
    values[text.isin(_TRUE).fillna(False).to_numpy(bool)] = True
    values[text.isin(_FALSE).fillna(False).to_numpy(bool)] = False
    return values.array


def _order_checks(cases: pd.DataFrame, flag) -> None:
    sub, sup = cases["submitted_at"], cases["supplemented_at"]
    acc, done = cases["accepted_at"], cases["completed_at"]
    flag((acc < sub).to_numpy(bool), "accepted_at", "accepted before submitted", acc)
    flag((sup < sub).to_numpy(bool), "supplemented_at", "supplemented before submitted", sup)
    flag((done < acc).to_numpy(bool), "completed_at", "completed before accepted", done)


def _bad_rows(problems: list[pd.DataFrame], field: str, n: int) -> np.ndarray:
    mask = np.zeros(n, bool)
    for p in problems:
        mask[p.loc[p["field"] == field, "row"].to_numpy()] = True
    return mask


def _superseded(ids: pd.Series) -> np.ndarray:
    """Records followed by a later one with the same case_id (the last record wins)."""
    return (ids.duplicated(keep="last") & ids.notna()).to_numpy()


def _split(
    cases: pd.DataFrame, problems: list[pd.DataFrame], dup: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Move superseded records and rows with problems to the quality list."""
    n = len(cases)
    ids = cases["case_id"]
    if dup.any():
        problems.append(
            pd.DataFrame(
                {
                    "row": np.flatnonzero(dup),
                    "field": "case_id",
                    "reason": "duplicate case_id; a later record wins",
                    "value": ids[dup].astype(str).to_numpy(),
                }
            )
        )
    bad = np.zeros(n, bool)
    for p in problems:
        bad[p["row"].to_numpy()] = True
    if problems:
        q = pd.concat(problems, ignore_index=True)
        q.insert(0, "source_row", cases["source_row"].to_numpy()[q["row"].to_numpy()])
        q.insert(1, "case_id", ids.to_numpy()[q["row"].to_numpy()])
        quality = q.drop(columns="row").sort_values(["source_row", "field"], kind="stable")
        quality = quality.reset_index(drop=True)[QUALITY_COLUMNS]
    else:
        quality = pd.DataFrame({c: pd.Series(dtype=object) for c in QUALITY_COLUMNS})
    # A record superseded by a later one is reported but is not a bad record; its later
    # record carries the case. Bad records are those with any other problem.
    return cases[~bad].reset_index(drop=True), quality
