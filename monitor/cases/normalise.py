"""Turning a raw table into canonical cases (DOMAIN.md §6) and a data-quality list.

Headers are mapped to canonical fields (config first, then the default Chinese headers, then
the canonical names themselves); timestamps and limits are parsed column-wise; bad records are
moved to the data-quality list with a reason each, never dropped silently; of several records
with one ``case_id`` the last wins and the others are listed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from monitor.cases.sources import RawTable
from monitor.clock import TIMEZONE
from monitor.errors import InputError
from rules.fields import (
    CANONICAL_FIELDS,
    DEFAULT_HEADERS,
    LIMIT_FIELDS,
    REQUIRED_FIELDS,
    TIMESTAMP_FIELDS,
)
from rules.limits import parse_limits

__all__ = ["QUALITY_COLUMNS", "header_map", "normalise", "parse_timestamps"]

QUALITY_COLUMNS = ["source_row", "case_id", "field", "reason", "value"]
_TEXT_FIELDS = ("case_id", "department", "item_code", "item_name", "channel", "status")
_CATEGORY_FIELDS = ("department", "item_code", "item_name", "channel", "status")
_DATE_RE = re.compile(
    r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?\s*分?)?\s*$"
)
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_TRUE = {"是", "true", "1", "y", "yes", "t"}
_FALSE = {"否", "false", "0", "n", "no", "f"}


def header_map(headers: list[str], configured: Mapping[str, str]) -> dict[str, str]:
    """Canonical field → header of the source that feeds it."""
    found: dict[str, str] = {}
    present = {h.strip().lower(): h for h in headers}
    for header, field in configured.items():
        if header.strip().lower() in present and field not in found:
            found[field] = present[header.strip().lower()]
    for field in CANONICAL_FIELDS:
        if field in found:
            continue
        for name in (*DEFAULT_HEADERS.get(field, ()), field):
            if name.lower() in present:
                found[field] = present[name.lower()]
                break
    return found


def normalise(raw: RawTable, configured: Mapping[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cases, quality): canonical valid cases, and one row per problem found."""
    frame = raw.frame
    mapping = header_map(list(frame.columns), configured)
    missing = [f for f in REQUIRED_FIELDS if f not in mapping]
    if missing:
        raise InputError(_missing_message(raw.source, missing, list(frame.columns)))
    n = len(frame)
    if n == 0:
        raise InputError(f"{raw.source}: has a header but no rows")
    out: dict[str, object] = {"source_row": np.arange(raw.first_row, raw.first_row + n)}
    problems: list[pd.DataFrame] = []

    def flag(mask: np.ndarray, field: str, reason: str, values: object = None) -> None:
        rows = np.flatnonzero(mask)
        if len(rows):
            problems.append(
                pd.DataFrame(
                    {"row": rows, "field": field, "reason": reason, "value": _shown(values, rows)}
                )
            )

    # Parsing timestamps (Arrow) and hashing ids release the GIL: they run on a second core
    # beside the text columns.
    pool = ThreadPoolExecutor(max_workers=2)
    stamps = {
        f: pool.submit(parse_timestamps, frame[mapping[f]] if f in mapping else None, n)
        for f in TIMESTAMP_FIELDS
    }
    for field in _TEXT_FIELDS:
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
        parsed, bad = stamps[field].result()
        out[field] = parsed
        flag(bad, field, f"unparseable date in {field}", col)
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
            flag(parsed_limits.invalid, field, f"unparseable {field}", frame[mapping[field]])
            flag(parsed_limits.negative, field, f"negative {field}", frame[mapping[field]])
        else:
            out[field] = np.full(n, np.nan)
            out[f"{field}_unit"] = pd.Categorical([None] * n, categories=["workday", "natural"])
    out["suspended_days"], bad_susp = _suspended(frame, mapping, n)
    flag(
        bad_susp,
        "suspended_days",
        "unparseable or negative suspended_days",
        frame[mapping["suspended_days"]] if "suspended_days" in mapping else None,
    )
    out["cross_region"] = _flag_column(
        frame[mapping["cross_region"]] if "cross_region" in mapping else None, n
    )
    return out


def parse_timestamps(col: pd.Series | None, n: int) -> tuple[pd.Series, np.ndarray]:
    """Parse a timestamp column of any form of DOMAIN.md §6 into naive local datetimes.

    Returns the parsed column (``datetime64[s]``, NaT where empty or bad) and the mask of
    non-empty values that could not be parsed.
    """
    if col is None:
        return pd.Series(np.full(n, np.datetime64("NaT"), "datetime64[s]")), np.zeros(n, bool)
    col = col.reset_index(drop=True)
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        if getattr(col.dt, "tz", None) is not None:
            col = col.dt.tz_convert(TIMEZONE).dt.tz_localize(None)
        return col.astype("datetime64[s]"), np.zeros(n, bool)
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        return _from_serial(col.astype("float64"))
    result = pd.Series(np.full(n, np.datetime64("NaT"), "datetime64[s]"))
    empty = col.isna().to_numpy()
    if col.dtype == object:  # Excel / SQL: datetime objects, numbers and text mixed
        is_time = (
            col.map(
                lambda v: isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "year")
            ).to_numpy(bool)
            & ~empty
        )
        if is_time.any():
            local = col[is_time].map(_local_naive)  # aware values → Asia/Shanghai wall time
            result[is_time] = pd.to_datetime(local.astype(object)).astype("datetime64[s]")
        col = col.where(~is_time, None)
        empty = empty | is_time
    text = col.astype("str").str.strip()
    empty = empty | text.isna().to_numpy() | (text == "").to_numpy(bool)
    todo = ~empty
    fast = _strptime_iso(text)
    result[todo] = fast[todo]
    rest = todo & np.isnat(fast)
    if rest.any():
        result[rest] = _slow_parse(text[rest])
    bad = todo & result.isna().to_numpy()
    return result, bad


def _strptime_iso(text: pd.Series) -> np.ndarray:
    """The common form "2024-03-05 10:20:00", parsed by Arrow (NaT where it does not fit)."""
    try:
        arr = pa.array(text.array)  # zero-copy for Arrow-backed strings
    except (TypeError, pa.ArrowInvalid):
        arr = pa.array(text.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    parsed = pc.strptime(arr, format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
    # Arrow's strptime carries an impossible day or second over (2025-09-31 → 2025-10-01,
    # 23:59:60 → the next minute). Such a result has day ≤ 3 or second 0: only those rows
    # are checked against the text; the ones that differ go to the slow parser, which
    # refuses impossible dates.
    out = parsed.to_numpy(zero_copy_only=False).astype("datetime64[s]")
    suspect = pc.or_(pc.less_equal(pc.day(parsed), 3), pc.equal(pc.second(parsed), 0))
    idx = np.flatnonzero(suspect.fill_null(False).to_numpy(zero_copy_only=False))
    if len(idx):
        text_s, got = arr.take(idx), parsed.take(idx)
        exact = pc.and_kleene(
            pc.equal(pc.utf8_length(text_s), 19),
            pc.and_kleene(
                pc.equal(_two_digits(pc.day(got)), pc.utf8_slice_codeunits(text_s, 8, 10)),
                pc.equal(_two_digits(pc.second(got)), pc.utf8_slice_codeunits(text_s, 17, 19)),
            ),
        )
        out[idx[~exact.fill_null(False).to_numpy(zero_copy_only=False)]] = np.datetime64("NaT")
    return out


def _two_digits(values: pa.Array) -> pa.Array:
    return pc.utf8_lpad(pc.cast(values, pa.string()), 2, "0")


def _local_naive(value: object) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp if stamp.tzinfo is None else stamp.tz_convert(TIMEZONE).tz_localize(None)


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


def _slow_parse(text: pd.Series) -> pd.Series:
    """The less common forms: 2024/3/5 10:20, 2024年3月5日, date only, Excel serial as text."""
    parts = text.str.extract(_DATE_RE).astype("float64")
    parts.columns = ["year", "month", "day", "hour", "minute", "second"]
    out = pd.to_datetime(parts.fillna({"hour": 0, "minute": 0, "second": 0}), errors="coerce")
    # to_datetime carries 25:00 over into the next day; a time of day out of range is bad.
    out = out.mask((parts["hour"] > 23) | (parts["minute"] > 59) | (parts["second"] > 59))
    serial = pd.to_numeric(text.where(parts["year"].isna()), errors="coerce")
    out = out.where(serial.isna(), _from_serial(serial)[0].set_axis(out.index))
    return out.astype("datetime64[s]")


def _from_serial(serial: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Excel serial day numbers (1900 system) to datetimes; outside 1990–2100 is bad."""
    ok = serial.between(32874, 73051)  # 1990-01-01 .. 2100-01-01
    days = serial.where(ok)
    stamps = _EXCEL_EPOCH + pd.to_timedelta(days * 86400, unit="s").dt.round("s")
    bad = (serial.notna() & ~ok).to_numpy()
    return stamps.astype("datetime64[s]"), bad


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
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if value is None or isinstance(value, str) else str(value)


def _empty_text(n: int) -> pd.Series:
    return pd.Series([None] * n, dtype="str")


def _suspended(
    frame: pd.DataFrame, mapping: Mapping[str, str], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Days of special procedures (特别程序时长): "3", "3天", "3个工作日"; empty is 0."""
    if "suspended_days" not in mapping:
        return np.zeros(n), np.zeros(n, bool)
    parsed = parse_limits(frame[mapping["suspended_days"]].reset_index(drop=True))
    value = parsed.value.to_numpy()
    return np.where(np.isnan(value), 0.0, value), parsed.invalid | parsed.negative


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


def _missing_message(source: str, missing: list[str], headers: list[str]) -> str:
    wanted = "; ".join(f"{f} (e.g. {', '.join(DEFAULT_HEADERS[f][:3])})" for f in missing)
    shown = ", ".join(headers[:8]) + (", …" if len(headers) > 8 else "")
    return (
        f"{source}: no column for {wanted}; the file has: {shown or 'no columns'}; "
        f"map your headers under [source.columns]"
    )
