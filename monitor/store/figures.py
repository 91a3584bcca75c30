"""The store's month-by-month counts of its settled cases, so that a report need not read the
year again.

A stored case is *settled* when it is closed, was not withdrawn (撤件) and none of its
obligations closed after its deadline. Nothing of a settled case is counted "at the end of a
period" (that needs an obligation open and late then), so its counts in consecutive months add
up to its counts in any period they make up (:class:`rules.counting.Counts`), and they never
change: a month's figures are the settled cases' stored counts plus those of the few other
cases, counted by the report itself.

Beside each month's closed files, a generation holds::

    figures/month=2025-03/counts.parquet       the counts of that month's settled cases in
                                               every month they reach (``month``,
                                               ``department`` — null for the county's totals —
                                               the counts, ``key``)
    figures/month=2025-03/cases.parquet        its closed cases that are not settled (late or
    figures/month=2025-03/obligations.parquet  withdrawn) and their obligations

``key`` is a digest of the settings the counts depend on besides the rules (online channels,
the completion rate's denominator, the warning thresholds); a report made under other
settings counts every stored case itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from monitor.cases.calendar import build_calendar
from monitor.cases.evaluate import rule_settings
from monitor.config import Settings
from monitor.store.changes import member
from monitor.store.layout import Generation
from rules.calendar import WorkingCalendar
from rules.counting import COUNTED, Counts, no_counts, period_counts
from rules.evaluate import Evaluation
from rules.obligations import WITHDRAWN
from rules.periods import Period

__all__ = ["MonthCounter", "SettledCounts", "counts_key", "settled", "stored_counts"]

_EMPTY_PROBLEMS = pd.DataFrame({"case_id": pd.Series([], dtype=object)})


def counts_key(settings: Settings) -> str:
    """A digest of what the counts depend on besides the cases, the calendar and the rules."""
    thresholds = rule_settings(settings).thresholds
    data = {
        "version": 1,
        "online": sorted(str(c) for c in settings.rules.online_channels),
        "denominator": settings.reports.completion_denominator,
        "thresholds": asdict(thresholds),
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def settled(cases: pd.DataFrame, table: pd.DataFrame) -> np.ndarray:
    """Per case of ``cases`` (closed ones, with their obligations ``table``, matched by the
    ``_id`` digests): settled — not withdrawn, and every obligation closed by its deadline."""
    closed_day = table["closed_at"].to_numpy().astype("datetime64[D]")
    deadline = table["deadline"].to_numpy().astype("datetime64[D]")
    unsettled = np.isnat(closed_day) | (closed_day > deadline)
    bad = table["_id"].to_numpy(dtype="uint64")[unsettled]
    withdrawn = cases["status"].astype(object).isin(list(WITHDRAWN)).to_numpy(dtype=bool)
    return ~withdrawn & ~member(cases["_id"].to_numpy(dtype="uint64"), bad)


class MonthCounter:
    """Writes the ``figures`` files of a month from its closed cases and obligations."""

    def __init__(self, settings: Settings, calendar: WorkingCalendar | None = None) -> None:
        """``calendar``: the one to count with while it spans the months counted."""
        self.settings = settings
        self.key = counts_key(settings)
        self._calendar = calendar

    def write(
        self, generation: Generation, month: str, cases: pd.DataFrame, table: pd.DataFrame
    ) -> None:
        """Write (or remove, without closed cases) the ``figures`` files of ``month``."""
        if cases.empty:
            for part in ("counts", "cases", "obligations"):
                generation.write("figures", month, part, pd.DataFrame())
            return
        keep = settled(cases, table)
        ids = cases["_id"].to_numpy(dtype="uint64")
        in_settled = member(table["_id"].to_numpy(dtype="uint64"), ids[keep])
        generation.write("figures", month, "cases", cases[~keep].reset_index(drop=True))
        generation.write("figures", month, "obligations", table[~in_settled].reset_index(drop=True))
        counts = self.counts(cases[keep].reset_index(drop=True), table[in_settled], month)
        generation.write("figures", month, "counts", counts.assign(key=self.key))

    def counts(self, cases: pd.DataFrame, table: pd.DataFrame, month: str) -> pd.DataFrame:
        """The counts of settled ``cases`` (submitted in ``month``) in each month from their
        submission to their last closing: one row per month and department, and the county's
        (department null); without settled cases, a zero row of ``month``, which says its
        counts were made."""
        if cases.empty:
            return _rows(no_counts(), month)
        table = table.reset_index(drop=True)
        ids = cases["_id"].to_numpy(dtype="uint64")
        order = np.argsort(ids)
        rows = order[np.searchsorted(ids[order], table["_id"].to_numpy(dtype="uint64"))]
        closed = table["closed_at"].to_numpy().astype("datetime64[s]")
        last = np.full(len(cases), np.datetime64("1900-01-01", "s"))
        np.maximum.at(last, rows, closed)
        submitted = cases["submitted_at"].to_numpy().astype("datetime64[s]")
        calendar = self._calendar_for(submitted.min(), last.max())
        frames = []
        for period in _months(submitted.min(), last.max()):
            start, end = np.datetime64(period.start, "s"), np.datetime64(period.end, "s")
            alive = (submitted < end) & (last >= start)
            if not alive.any():
                continue
            pick = np.flatnonzero(alive[rows])
            renumber = np.cumsum(alive) - 1
            evaluation = Evaluation(table.iloc[pick], _EMPTY_PROBLEMS, renumber[rows[pick]])
            counts = period_counts(
                cases[alive],
                evaluation,
                period,
                calendar,
                online_channels=self.settings.rules.online_channels,
                completion_denominator=self.settings.reports.completion_denominator,
                thresholds=rule_settings(self.settings).thresholds,
            )
            frames.append(_rows(counts, period.label))
        return pd.concat(frames, ignore_index=True)

    def _calendar_for(self, first: np.datetime64, last: np.datetime64) -> WorkingCalendar:
        """A calendar spanning the years of ``first`` and ``last`` (and the next year)."""
        a = int(str(first)[:4])
        b = int(str(last)[:4]) + 1
        cal = self._calendar
        if cal is None or cal.first_year > a or cal.last_year < b:
            lo = a if cal is None else min(a, cal.first_year)
            hi = b if cal is None else max(b, cal.last_year)
            cal = self._calendar = build_calendar(self.settings, lo, hi)
        return cal


@dataclass(frozen=True)
class SettledCounts:
    """Every month's counts of the store's settled cases (the ``counts`` files, together)."""

    frame: pd.DataFrame

    def of(self, period: Period, by_department: bool = True) -> Counts:
        """The settled cases' counts in ``period`` (a month, quarter or year, or the part of
        one up to today: settled cases closed before today count the same in both); the
        county's only without ``by_department``."""
        frame = self.frame
        first, end = period.start.strftime("%Y-%m"), period.end.strftime("%Y-%m")
        if period.end.day != 1:  # a period cut at today: up to and including its month
            end = (period.end.replace(day=1) + dt.timedelta(days=32)).strftime("%Y-%m")
        frame = frame[(frame["month"] >= first) & (frame["month"] < end)]
        county = frame["department"].isna().to_numpy()
        totals = frame.loc[county, list(COUNTED)].sum()
        if not by_department:
            return Counts(no_counts().departments, {k: int(totals[k]) for k in COUNTED})
        departments = frame.loc[~county].groupby("department")[list(COUNTED)].sum().astype(np.int64)
        departments.index = departments.index.astype(str)
        departments.index.name = "department"
        return Counts(departments, {k: int(totals[k]) for k in COUNTED})


def stored_counts(generation: Generation, key: str) -> SettledCounts | None:
    """The generation's counts, or None when a closed month has none (a store written before
    they were kept) or they were made under other settings (``key``)."""
    if set(generation.months("cases", "closed")) - set(generation.months("figures", "counts")):
        return None
    frame = generation.read("figures", "counts")
    if frame.empty:
        return SettledCounts(_rows(no_counts(), ""))
    if (frame["key"] != key).any():
        return None
    return SettledCounts(frame)


def _months(first: np.datetime64, last: np.datetime64) -> list[Period]:
    """The months from the one of ``first`` to the one of ``last``."""
    start = dt.date.fromisoformat(str(first.astype("datetime64[M]")) + "-01")
    stop = dt.date.fromisoformat(str(last.astype("datetime64[M]")) + "-01")
    months = []
    while start <= stop:
        months.append(Period.parse(start.strftime("%Y-%m")))
        start = (start + dt.timedelta(days=32)).replace(day=1)
    return months


def _rows(counts: Counts, month: str) -> pd.DataFrame:
    """``counts`` as rows: one per department that counts anything, then the county's
    (department null)."""
    departments = counts.departments
    departments = departments[(departments != 0).any(axis=1)].reset_index()
    departments["department"] = departments["department"].astype(object)
    county = pd.DataFrame([{"department": None, **counts.totals}])
    frame = pd.concat([departments, county], ignore_index=True)
    frame.insert(0, "month", month)
    return frame.astype({k: np.int64 for k in COUNTED})
