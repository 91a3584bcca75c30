"""Levels of an obligation at a moment ``now`` (DOMAIN.md §4).

Open obligations are ``ok``, ``warning`` (预警), ``overdue`` (超期) or ``escalated`` (督办);
closed ones are ``on_time`` or ``late``. With T the date of ``now`` and D the deadline day:
R = working days d with T < d ≤ D (remaining), L = working days d with D < d ≤ T (late).
The deadline is the end of day D: closed on D or earlier is on time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rules.calendar import WorkingCalendar

__all__ = ["LEVELS", "Thresholds", "levels"]

#: Every level, least urgent first; open levels then closed ones.
LEVELS = ("ok", "warning", "overdue", "escalated", "on_time", "late")


@dataclass(frozen=True)
class Thresholds:
    """Global thresholds; per-row overrides come as columns of the same names."""

    warn_before_days: int = 1  # 预警: default one working day before the deadline
    escalate_after_days: int = 3  # 督办: default after three working days late
    warn_ratio: float | None = None  # off by default


def levels(
    table: pd.DataFrame,
    deadline: np.ndarray,
    now: dt.datetime,
    calendar: WorkingCalendar,
    thresholds: Thresholds,
) -> pd.DataFrame:
    """Level, R and L of each obligation row at ``now``.

    ``table`` has ``start``, ``limit``, ``closed_at`` and may have per-row threshold columns
    ``warn_before_days``, ``escalate_after_days``, ``warn_ratio`` (NaN = use the global one).
    A row closed after ``now`` is open at ``now`` (replaying the past gives what was seen then).
    Rows without a deadline get level ``None``.
    """
    n = len(table)
    today = np.datetime64(now.date(), "D")
    closed_at = table["closed_at"].to_numpy().astype("datetime64[s]")
    closed = ~np.isnat(closed_at) & (closed_at <= np.datetime64(now.replace(tzinfo=None), "s"))
    known = ~np.isnat(deadline)
    warn_before = _per_row(table, "warn_before_days", thresholds.warn_before_days, n)
    escalate = _per_row(table, "escalate_after_days", thresholds.escalate_after_days, n)
    ratio = _per_row(table, "warn_ratio", thresholds.warn_ratio, n)

    # Working-day ordinals: the difference of two is the working days in (a, b].
    at_today = calendar.working_day_ordinal(np.array([today]))[0]
    at_deadline = calendar.working_day_ordinal(deadline)  # 0 where NaT (masked by known)
    open_ = known & ~closed
    past = open_ & (today > deadline)
    remaining = at_deadline - at_today  # R while not past; -L once past
    late_open = -remaining
    close_day = closed_at.astype("datetime64[D]")
    late_closed = np.where(closed & known, calendar.working_day_ordinal(close_day) - at_deadline, 0)

    share = _elapsed_share(table, today, at_today, calendar)
    k = table["limit"].to_numpy(dtype=float)
    warn = (remaining <= warn_before) | (~np.isnan(ratio) & (k >= 1) & (share >= ratio))

    # Codes index LEVELS: ok, warning, overdue, escalated, on_time, late; -1 = no deadline.
    level = np.select(
        [
            ~known,
            closed & (close_day > deadline),
            closed,
            past & (late_open >= escalate),
            past,
            warn,
        ],
        [-1, 5, 4, 3, 2, 1],
        0,
    ).astype(np.int8)
    late_days = np.where(closed, np.maximum(late_closed, 0), np.where(past, late_open, 0))
    return _result(table.index, closed, level, remaining, open_ & ~past, known, late_days)


def _result(
    index: pd.Index,
    closed: np.ndarray,
    level: np.ndarray,
    remaining: np.ndarray,
    pending: np.ndarray,
    known: np.ndarray,
    late_days: np.ndarray,
) -> pd.DataFrame:
    """The columns ``state``, ``level``, ``remaining_workdays`` (missing unless open and
    not past D) and ``late_workdays`` (0 without a deadline)."""
    return pd.DataFrame(
        {
            "state": pd.Categorical.from_codes(
                closed.astype(np.int8), categories=["open", "closed"]
            ),
            "level": pd.Categorical.from_codes(level, categories=list(LEVELS)),
            "remaining_workdays": pd.arrays.IntegerArray(remaining.astype(np.int64), ~pending),
            "late_workdays": np.where(known, late_days, 0).astype(np.int64),
        },
        index=index,
    )


def _elapsed_share(
    table: pd.DataFrame, today: np.datetime64, at_today: int, calendar: WorkingCalendar
) -> np.ndarray:
    """Working days used since S ÷ k, per row (0 where k < 1: no share for 即办件)."""
    k = table["limit"].to_numpy(dtype=float)
    start = table["start"].to_numpy().astype("datetime64[D]", copy=False)
    used = at_today - calendar.working_day_ordinal(np.where(np.isnat(start), today, start))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(k >= 1, used / k, 0.0)


def _per_row(table: pd.DataFrame, column: str, default: float | None, n: int) -> np.ndarray:
    base = np.full(n, np.nan if default is None else float(default))
    if column not in table:
        return base
    values = table[column].to_numpy(dtype=float)
    return np.where(np.isnan(values), base, values)
