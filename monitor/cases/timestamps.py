"""Timestamps of case records (DOMAIN.md §6), parsed column-wise into naive local times.

Forms: "2024-03-05 10:20:00" (parsed by Arrow), "2024/3/5 10:20", "2024年3月5日 10:20", date
only, Excel serial numbers (as numbers or text), datetime objects (Excel, SQL) and typed
timestamp columns (CSV, Parquet); aware values become Asia/Shanghai wall time.

A value that parses but lies outside 1990-01-01 ≤ t < 2100-01-01 (:data:`EARLIEST`,
:data:`LATEST`, the span Excel serial numbers are read in) is implausible — a placeholder
such as 1900-01-01 or 9999-12-31, or a typo — and is kept out like an unparseable one: no
working-day calendar serves it, and one such row must not stop the evaluation of the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from monitor.clock import TIMEZONE

__all__ = ["EARLIEST", "LATEST", "ParsedTimestamps", "parse_timestamps", "read_timestamps"]

#: Plausible case times: EARLIEST ≤ t < LATEST (issue 10; the Excel serial span below).
EARLIEST = np.datetime64("1990-01-01T00:00:00", "s")
LATEST = np.datetime64("2100-01-01T00:00:00", "s")

_DATE_RE = re.compile(
    r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?\s*分?)?\s*$"
)
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


@dataclass(frozen=True)
class ParsedTimestamps:
    """A parsed timestamp column: ``values`` (``datetime64[s]``, NaT where empty, bad or
    implausible), and the masks of values that could not be parsed and of values that parsed
    to a time outside :data:`EARLIEST` ≤ t < :data:`LATEST`."""

    values: pd.Series
    unparseable: np.ndarray
    implausible: np.ndarray


def read_timestamps(col: pd.Series | None, n: int) -> ParsedTimestamps:
    """Parse a timestamp column of any form of DOMAIN.md §6 into naive local datetimes,
    telling unparseable values from implausible ones."""
    values, bad = _parse(col, n)
    v = values.to_numpy()
    implausible = ~np.isnat(v) & ((v < EARLIEST) | (v >= LATEST))
    if implausible.any():
        values = values.mask(implausible)
    return ParsedTimestamps(values, bad, implausible)


def parse_timestamps(col: pd.Series | None, n: int) -> tuple[pd.Series, np.ndarray]:
    """Parse a timestamp column of any form of DOMAIN.md §6 into naive local datetimes.

    Returns the parsed column (``datetime64[s]``, NaT where empty or bad) and the mask of
    non-empty values that could not be parsed or are implausible (see the module).
    """
    parsed = read_timestamps(col, n)
    return parsed.values, parsed.unparseable | parsed.implausible


def _parse(col: pd.Series | None, n: int) -> tuple[pd.Series, np.ndarray]:
    """(parsed column, mask of non-empty values that could not be parsed)."""
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
    # 10:00:60 → 10:01:00, 10:00:61 → 10:01:01). Such a result has day ≤ 3 or second ≤ 1:
    # only those rows are checked against the text; the ones that differ go to the slow
    # parser, which refuses impossible dates and times.
    out = parsed.to_numpy(zero_copy_only=False).astype("datetime64[s]")
    suspect = pc.or_(pc.less_equal(pc.day(parsed), 3), pc.less_equal(pc.second(parsed), 1))
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
