"""Reading and writing a generation's parts: cases and obligations by month, open or closed,
and the two whole-store tables (the source rows' data problems, the rules' problems).

Every frame read back has the canonical dtypes again: the text fields that pandas keeps as
categories are categories (Parquet files of different months hold different dictionaries,
which a concatenation would turn into plain objects).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from monitor.store.figures import MonthCounter
from monitor.store.layout import Generation
from rules.fields import TEXT_FIELDS

__all__ = [
    "CATEGORIES",
    "canonical",
    "index",
    "month_of",
    "read_table",
    "stored_case_ids",
    "write_month",
    "write_table",
]

#: Columns kept as categories in memory (cases and obligations).
CATEGORIES = (
    *TEXT_FIELDS[1:],
    "promised_limit_unit",
    "legal_limit_unit",
    "unit",
    "obligation",
    "state",
    "level",
)
#: The month of a case with no submission time (loading refuses them; kept for safety).
NO_MONTH = "0000-00"


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the category columns as categories."""
    for column in CATEGORIES:
        if column in frame and not isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype("category")
    return frame


def month_of(cases: pd.DataFrame) -> np.ndarray:
    """Each case's partition: the month of its submission, "YYYY-MM"."""
    submitted = pd.to_datetime(cases["submitted_at"])
    return submitted.dt.strftime("%Y-%m").fillna(NO_MONTH).to_numpy(dtype=object)


def index(generation: Generation, *, ids: bool = False) -> pd.DataFrame:
    """Every stored case: ``_id`` (its id's digest), ``_hash`` (its content's), ``month`` and
    ``part`` ("open" or "closed"), and with ``ids`` its ``case_id``: two number columns of
    each file (and one text column) only."""
    columns = ["_id", "_hash", *(["case_id"] if ids else [])]
    frames = []
    for part in ("open", "closed"):
        for month in generation.months("cases", part):
            table = generation.read_file(generation.file("cases", month, part), columns)
            frames.append(table.to_pandas().assign(month=month, part=part))
    if not frames:
        empty = {c: pd.Series([], dtype="uint64") for c in ("_id", "_hash")}
        return pd.DataFrame({**empty, "case_id": [], "month": [], "part": []})
    return pd.concat(frames, ignore_index=True)


def stored_case_ids(generation: Generation) -> set[str]:
    """The case ids of every stored case (one column of each file; any schema version)."""
    ids: set[str] = set()
    for part in ("open", "closed"):
        for month in generation.months("cases", part):
            path = generation.file("cases", month, part)
            ids.update(generation.read_file(path, ["case_id"]).column(0).to_pylist())
    return ids


def write_month(
    generation: Generation,
    month: str,
    part: str,
    cases: pd.DataFrame,
    obligations: pd.DataFrame,
    counter: MonthCounter | None = None,
) -> None:
    """Write (or remove, when empty) the ``part`` files of ``month``; with ``counter``, the
    closed part's ``figures`` files too (:mod:`monitor.store.figures`)."""
    generation.write("cases", month, part, cases.reset_index(drop=True))
    generation.write("obligations", month, part, obligations.reset_index(drop=True))
    if counter is not None and part == "closed":
        counter.write(generation, month, cases, obligations)


def read_table(generation: Generation, name: str) -> pd.DataFrame:
    """A whole-store table (``quality`` or ``problems``); empty when there is none."""
    path = generation.table_file(name)
    if not generation.exists(path):
        return pd.DataFrame({"case_id": pd.Series([], dtype=object)})
    return generation.read_file(path).to_pandas()


def write_table(generation: Generation, name: str, frame: pd.DataFrame) -> None:
    """Write a whole-store table (an empty one too: it says there is nothing)."""
    frame = frame.reset_index(drop=True)
    for column in frame.columns:  # mixed objects (a value column of numbers and text)
        if frame[column].dtype == object:
            frame[column] = frame[column].astype("string")
    generation.write_file(generation.table_file(name), frame)
