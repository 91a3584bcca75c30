"""Reading the source for the store: all of it, or what changed since the last run.

A SQL source with ``[source] changed_column`` is asked only for the rows whose change time is
at or after the watermark (the newest change the store has seen) less ``[store]
margin_minutes``: a row written by a transaction that committed late, or on a server whose
clock is behind, is still read. Rows read again within the margin are recognised by their
content and cost nothing more. Any other source is read whole, and only the rows whose
content differs from the store's are evaluated again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from monitor.cases.folder import case_files, file_marks
from monitor.cases.load import LoadedCases, load_cases, source_folder, source_url
from monitor.config import Settings
from monitor.errors import InputError
from rules.fields import TEXT_FIELDS

__all__ = ["CASE_COLUMNS", "SourceRead", "content_hash", "id_hash", "member", "read_source"]

#: The canonical case fields the store keeps (``source_row`` is where the row was, not what).
CASE_COLUMNS = (
    *TEXT_FIELDS,
    "submitted_at",
    "supplemented_at",
    "accepted_at",
    "completed_at",
    "promised_limit",
    "promised_limit_unit",
    "legal_limit",
    "legal_limit_unit",
    "suspended_days",
    "cross_region",
)


@dataclass
class SourceRead:
    """What was read: the cases (canonical, with ``_hash`` and ``_id``), their data problems,
    how many rows, whether it was the whole source, and the newest change time seen (SQL)."""

    loaded: LoadedCases
    whole: bool
    watermark: str | None
    #: A folder source's files when read: name → [size, time] (what the next run compares).
    marks: dict[str, list[int]] | None = None


def content_hash(cases: pd.DataFrame) -> pd.Series:
    """A 64-bit digest of each case's canonical fields (equal fields, equal digest)."""
    frame = cases[list(CASE_COLUMNS)].copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object)
    return pd.util.hash_pandas_object(frame, index=False).astype("uint64")


def id_hash(case_ids: object) -> np.ndarray:
    """A 64-bit digest of each case id (``_id``): what the store matches cases by, as numbers
    (two ids of the same digest are as likely as a meteorite on the server room)."""
    return pd.util.hash_array(np.asarray(case_ids, dtype=object)).astype("uint64")


def member(values: np.ndarray, ids: object) -> np.ndarray:
    """Per digest of ``values``: whether it is among ``ids`` (a hash table, not a sort:
    many times faster than ``numpy.isin`` on millions of digests)."""
    return pd.Series(np.asarray(values, dtype="uint64")).isin(np.asarray(ids, "uint64")).to_numpy()


def read_source(
    settings: Settings,
    watermark: str | None,
    *,
    whole: bool,
    input_path: str | None = None,
    marks: dict[str, list[int]] | None = None,
) -> SourceRead:
    """The source's cases: only those changed since ``watermark`` (less the margin) for a SQL
    source with a change column, or the files changed since ``marks`` for a folder, unless
    ``whole``; else all of them."""
    src = settings.source
    folder = source_folder(settings, input_path)
    if folder is not None:  # the files new or changed since the last run (all when whole)
        now_marks = file_marks(case_files(folder))
        if whole or marks is None:
            return SourceRead(_hashed(load_cases(settings, input_path)), True, None, now_marks)
        fresh = [name for name, mark in now_marks.items() if marks.get(name) != mark]
        loaded = load_cases(settings, input_path, files=fresh)
        return SourceRead(_hashed(loaded), False, None, now_marks)
    incremental = bool(src.changed_column and src.query and input_path is None)
    if not incremental:
        loaded = load_cases(settings, input_path)
        return SourceRead(_hashed(loaded), True, None)
    since = None if whole or watermark is None else _since(watermark, settings)
    # The newest change time is taken first: a change committed after it is read next time.
    query, newest = _changed_since(settings, since)
    raw = settings.model_copy(update={"source": src.model_copy(update={"query": query})})
    loaded = load_cases(raw)
    return SourceRead(_hashed(loaded), since is None, newest or watermark)


def _hashed(loaded: LoadedCases) -> LoadedCases:
    loaded.cases["_hash"] = content_hash(loaded.cases).to_numpy()
    loaded.cases["_id"] = id_hash(loaded.cases["case_id"])
    return loaded


def _since(watermark: str, settings: Settings) -> str:
    moment = dt.datetime.fromisoformat(watermark)
    return (moment - dt.timedelta(minutes=settings.store.margin_minutes)).isoformat(sep=" ")


def _changed_since(settings: Settings, since: str | None) -> tuple[str, str | None]:
    """The configured query limited to rows changed at or after ``since``, and the newest
    change time among them (one aggregate on the case system's side, not the rows)."""
    from sqlalchemy import create_engine, text

    src = settings.source
    engine = create_engine(source_url(settings))
    try:
        column = engine.dialect.identifier_preparer.quote(str(src.changed_column))
        inner = str(src.query).strip().rstrip(";")
        where = f" WHERE changed_rows.{column} >= '{since}'" if since else ""
        query = f"SELECT * FROM ({inner}) changed_rows{where}"
        with engine.connect() as conn:
            value = conn.execute(
                text(f"SELECT MAX(newest.{column}) FROM ({query}) newest")
            ).scalar()
    except Exception as exc:  # the column is not in the query's rows, or not comparable
        raise InputError(
            f"[source] changed_column {src.changed_column!r}: the query's newest change time "
            f"cannot be read: {str(exc).splitlines()[0]}"
        ) from None
    finally:
        engine.dispose()
    return query, None if value is None else pd.Timestamp(value).isoformat(sep=" ")
