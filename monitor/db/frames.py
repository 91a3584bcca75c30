"""Query results as DataFrames with the same dtypes on every backend, and back.

:func:`frame` runs a statement into a DataFrame; :func:`typed` gives its columns the dtypes
the rest of the monitor expects whatever the backend returned; :func:`records` turns rows
into plain Python values for an ``executemany``; :func:`chunks` splits long ``IN (…)``
lists; :func:`plain` makes text columns plain ``str``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import pandas as pd
import sqlalchemy as sa

__all__ = ["CHUNK", "chunks", "frame", "plain", "records", "typed"]

#: Values per ``IN (…)`` list: well under every backend's limit on bound parameters.
CHUNK = 500


_T = TypeVar("_T")


def frame(conn: sa.Connection, stmt: sa.Executable) -> pd.DataFrame:
    """The result of ``stmt`` as a DataFrame (the statement's columns even for no rows)."""
    result = conn.execute(stmt)
    columns = list(result.keys())
    return pd.DataFrame.from_records(list(map(tuple, result.fetchall())), columns=columns)


def chunks(values: Sequence[_T], size: int = CHUNK) -> Iterator[list[_T]]:
    """``values`` in lists of at most ``size`` (for ``IN (…)``)."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def plain(values: pd.Series) -> pd.Series:
    """Text values as Python ``str`` (from str, object or categorical columns), None where
    missing."""
    out = values.astype(object)
    known = out.notna()
    out = out.where(known, None)
    if known.any():
        out[known] = out[known].map(str)
    return out


_INTS = {"id": "int64", "warning_id": "int64", "late_workdays": "int64"}


_NULLABLE_INTS = {"run_id": "Int64", "remaining_workdays": "Int64"}


_TIMES = {"at", "until", "level_since"}


def typed(rows: pd.DataFrame) -> pd.DataFrame:
    """The same dtypes whatever the backend returned, and for no rows: ids and counts int64
    (Int64 where missing is allowed), ``deadline`` datetime64[s], times datetime64[us], text
    object with None where missing."""
    rows = rows.copy()
    for col in rows.columns:
        if col in _INTS:
            rows[col] = rows[col].astype(_INTS[col])
        elif col in _NULLABLE_INTS:
            rows[col] = pd.to_numeric(rows[col]).astype(_NULLABLE_INTS[col])
        elif col == "deadline":
            rows[col] = pd.to_datetime(rows[col]).astype("datetime64[s]")
        elif col in _TIMES or col.endswith("_at"):
            rows[col] = pd.to_datetime(rows[col]).astype("datetime64[us]")
        else:
            values = rows[col].astype(object)
            rows[col] = values.where(values.notna(), None)
    return rows


def records(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values (None for missing), for an executemany."""
    columns = []
    for col in rows.columns:
        values = rows[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            values = pd.Series(values.dt.to_pydatetime(), index=rows.index, dtype=object)
        values = values.astype(object)
        columns.append(values.where(values.notna(), None).tolist())
    names = list(rows.columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
