"""Writing a generation: the evaluated cases into their months' open and closed files.

A case is open while any of its obligations is; it is stored, with its obligations, in the
month of its submission. A new generation starts as hard links of the previous one, so a run
rewrites only the closed files of the months where a case changed, closed or left, and the
open files (the open cases are evaluated at every run).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from monitor.cases.evaluate import Evaluated
from monitor.store.changes import id_hash, member
from monitor.store.figures import MonthCounter
from monitor.store.layout import Generation
from monitor.store.parts import month_of, read_table, write_month, write_table

__all__ = ["Written", "moved_deadlines", "write_generation"]


@dataclass
class Written:
    """The generation's files, and how many cases this run evaluated and left open."""

    files: list[str]
    evaluated: int
    open_cases: int


def write_generation(
    generation: Generation,
    evaluated: Evaluated,
    quality: pd.DataFrame,
    problems: pd.DataFrame,
    *,
    fresh: bool,
    stored: pd.DataFrame | None = None,
    vanished: Iterable[int] = (),
    counter: MonthCounter | None = None,
) -> Written:
    """Write the evaluated cases into ``generation``: every month (``fresh``), or over the
    previous generation's files that ``stored`` (its index) lists, dropping ``vanished``;
    with ``counter``, the ``figures`` files of every closed month written
    (:mod:`monitor.store.figures`)."""
    cases = evaluated.loaded.cases.drop(columns=["_month"], errors="ignore")
    table = evaluated.evaluation.table.assign(_id=id_hash(evaluated.evaluation.table["case_id"]))
    open_ids = table.loc[(table["state"] == "open").to_numpy(), "_id"].unique()
    months = pd.Series(month_of(cases), index=cases.index)
    by_case = dict(zip(cases["case_id"], months, strict=True))
    table_months = table["case_id"].map(by_case).to_numpy()
    case_open = member(cases["_id"].to_numpy(dtype="uint64"), open_ids)
    table_open = member(table["_id"].to_numpy(dtype="uint64"), open_ids)

    def part(month: str, is_open: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
        c = cases[(months.to_numpy() == month) & (case_open == is_open)]
        o = table[(table_months == month) & (table_open == is_open)]
        return c, o

    counts = [_counted(table[~table_open])]
    if fresh:
        for month in sorted(set(months)):
            write_month(generation, month, "closed", *part(month, False), counter)
            write_month(generation, month, "open", *part(month, True))
    else:
        counts.append(read_table(generation, "closed_counts"))
        assert stored is not None
        gone = np.union1d(cases["_id"].to_numpy(dtype="uint64"), np.asarray(vanished, "uint64"))
        was = stored[member(stored["_id"].to_numpy(dtype="uint64"), gone)]
        closed_months = set(was.loc[was["part"] == "closed", "month"])
        closed_months |= set(months[~case_open])
        for month in sorted(closed_months):
            counts.append(_merge_closed(generation, month, gone, part(month, False), counter))
        open_months = set(stored.loc[stored["part"] == "open", "month"]) | set(months[case_open])
        for month in sorted(open_months):
            write_month(generation, month, "open", *part(month, True))
    write_table(generation, "quality", quality)
    write_table(generation, "problems", problems)
    write_table(generation, "closed_counts", _summed(counts))
    return Written(generation.files(), len(cases), len(open_ids))


def _merge_closed(
    generation: Generation,
    month: str,
    gone: np.ndarray,
    new: tuple[pd.DataFrame, pd.DataFrame],
    counter: MonthCounter | None,
) -> pd.DataFrame:
    """Rewrite the closed files of ``month``: the stored cases but those of digests ``gone``,
    and the ``new`` cases and obligations; returns the counts of the obligations it drops
    (negative)."""
    old_cases = generation.read("cases", "closed", [month])
    old_table = generation.read("obligations", "closed", [month])
    dropped = pd.DataFrame()
    if not old_table.empty:
        dropped = old_table[member(old_table["_id"].to_numpy(dtype="uint64"), gone)]
    write_month(
        generation,
        month,
        "closed",
        _concat(_without(old_cases, gone), new[0]),
        _concat(_without(old_table, gone), new[1]),
        counter,
    )
    return _counted(dropped, sign=-1)


_COUNTED = ["department", "level", "estimated_calendar"]


def _counted(table: pd.DataFrame, sign: int = 1) -> pd.DataFrame:
    """Obligations counted by department, level and estimated calendar (``count``)."""
    if table.empty:
        return pd.DataFrame({**{c: [] for c in _COUNTED}, "count": []})
    frame = table[_COUNTED].astype({"department": str, "level": str, "estimated_calendar": bool})
    out = frame.value_counts().rename("count").reset_index()
    out["count"] = out["count"] * sign
    return out


def _summed(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The counts of ``parts`` added up (the rows that come to zero left out)."""
    frames = [p for p in parts if len(p)]
    if not frames:
        return _counted(pd.DataFrame())
    total = pd.concat(frames, ignore_index=True).astype({"estimated_calendar": bool})
    total = total.groupby(_COUNTED, as_index=False, observed=True)["count"].sum()
    return total[total["count"] != 0].astype({"count": "int64"}).reset_index(drop=True)


def moved_deadlines(before: pd.DataFrame, after: pd.DataFrame, changed: set[str]) -> pd.DataFrame:
    """The obligations open before and after whose deadline moved, but not those of a case
    whose own data changed (its deadline moved for that reason): case, obligation,
    department, item, the old and the new deadline."""
    columns = ["case_id", "obligation", "department", "item_name", "old_deadline", "new_deadline"]
    if before.empty or after.empty:
        return pd.DataFrame(columns=columns)
    key = ["case_id", "obligation"]
    b = before.loc[
        before["state"].astype(str) == "open", [*key, "department", "item_name", "deadline"]
    ]
    a = after.loc[after["state"].astype(str) == "open", [*key, "deadline"]]
    b = b.astype({"obligation": str})
    a = a.astype({"obligation": str})
    both = b.merge(a, on=key, suffixes=("_old", "_new"))
    old = pd.to_datetime(both["deadline_old"]).dt.date
    new = pd.to_datetime(both["deadline_new"]).dt.date
    moved = (old != new).to_numpy() & ~both["case_id"].isin(changed).to_numpy()
    out = both[moved].assign(old_deadline=old[moved], new_deadline=new[moved])
    return out[columns].reset_index(drop=True)


def _without(frame: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    """``frame`` but the rows of the cases of digests ``ids``."""
    return frame if frame.empty else frame[~member(frame["_id"].to_numpy(dtype="uint64"), ids)]


def _concat(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    frames = [f for f in (a, b) if not f.empty]
    if not frames:
        return pd.DataFrame()
    if len(frames) == 1:
        return frames[0]
    out = pd.concat(frames, ignore_index=True)
    for column in out.columns:  # categories of two files: categories again
        if isinstance(a[column].dtype, pd.CategoricalDtype) or isinstance(
            b[column].dtype, pd.CategoricalDtype
        ):
            out[column] = out[column].astype("category")
    return out
