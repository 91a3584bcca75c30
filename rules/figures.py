"""Figures for a period (DOMAIN.md §5): counts and rates for the county and per department.

Everything is "as at the end of the period": an acceptance, completion or withdrawal recorded
after the period has not happened yet (a case accepted in June is not accepted at the end of
May). Withdrawn cases (撤件) count in ``received`` only, from their withdrawal on; 不予受理 is an
acceptance decision. Rates are exact fractions (never rounded here) or ``None`` when the
denominator is 0. One pass of numpy masks and one ``groupby`` per source; no loop over cases.
What each figure is (keys, fractions, definitions) is :mod:`rules.definitions`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from rules.calendar import WorkingCalendar
from rules.counting import Counts, lateness, live_rows, period_counts
from rules.definitions import (
    COUNT_KEYS,
    FIGURE_KEYS,
    FRACTIONS,
    LOOP_SUPPORT_KEYS,
    MEAN_KEYS,
    SUPPORT_KEYS,
)
from rules.evaluate import Evaluation
from rules.levels import Thresholds
from rules.periods import Period

__all__ = ["Figures", "figures_of", "late_obligations", "period_figures"]


_DEFAULT_THRESHOLDS = Thresholds()
_RAISED = {"warning": "warnings", "overdue": "overdue", "escalated": "escalated"}


@dataclass(frozen=True)
class Figures:
    """The figures of one period for the county (``totals``) and per department.

    ``totals`` has exactly :data:`FIGURE_KEYS`; ``departments`` is indexed by department
    (one row per department with any count > 0 in the period or a warning of the answer
    loop, sorted by name) with the columns :data:`FIGURE_KEYS`: counts as int64, rates and
    the means as objects (a float or ``None``). ``support`` / ``department_support`` hold
    :data:`SUPPORT_KEYS`, the parts of the rates that are not figures; :meth:`fraction`
    gives ``(n, d, r)`` of any rate.
    """

    period: Period
    completion_denominator: str
    totals: dict[str, int | float | None]
    departments: pd.DataFrame
    support: dict[str, int]
    department_support: pd.DataFrame

    def fraction(self, key: str, department: str | None = None) -> tuple[int, int, float | None]:
        """``(numerator, denominator, value)`` of a rate (or the mean) in :data:`FRACTIONS`,
        for the county or for one department."""
        num, den = FRACTIONS[key]
        if department is None:
            counts = {**self.totals, **self.support}
            value = self.totals[key]
        else:
            counts = {
                **self.departments.loc[department].to_dict(),
                **self.department_support.loc[department].to_dict(),
            }
            value = self.departments.at[department, key]
        return int(counts[num]), int(counts[den]), value  # type: ignore[return-value]


def period_figures(
    cases: pd.DataFrame,
    evaluation: Evaluation,
    period: Period,
    calendar: WorkingCalendar,
    *,
    online_channels: Collection[str],
    completion_denominator: Literal["all", "exclude_immediate"] = "all",
    thresholds: Thresholds = _DEFAULT_THRESHOLDS,
    warning_counts: pd.DataFrame | None = None,
    loop_counts: pd.DataFrame | None = None,
) -> Figures:
    """The figures of ``period`` (DOMAIN.md §5, see :data:`DEFINITIONS`).

    ``cases`` is the canonical frame given to :func:`~rules.evaluate.evaluate` and
    ``evaluation`` its result (``case_rows`` links the two). ``warning_counts`` (columns
    ``department``, ``level``, ``count``: the ledger's warnings raised in the period) gives
    warnings / overdue / escalated; without it they are derived from the evaluation with the
    global ``thresholds``. Rows of ``warning_counts`` at another level are ignored.
    ``loop_counts`` (:func:`rules.loop.loop_counts`, indexed by department) gives the answer
    loop's figures; without it their counts are 0 and the figures ``None``.
    """
    counts = period_counts(
        cases,
        evaluation,
        period,
        calendar,
        online_channels=online_channels,
        completion_denominator=completion_denominator,
        thresholds=thresholds,
        derive_raised=warning_counts is None,
    )
    return figures_of(period, counts, completion_denominator, warning_counts, loop_counts)


def figures_of(
    period: Period,
    counts: Counts,
    completion_denominator: str = "all",
    warning_counts: pd.DataFrame | None = None,
    loop_counts: pd.DataFrame | None = None,
) -> Figures:
    """The figures of ``period`` from its :class:`Counts`, the ledger's ``warning_counts``
    (which replace the derived ones) and the answer loop's ``loop_counts``."""
    parts = [counts.departments]
    totals = dict(counts.totals)
    if warning_counts is not None:
        raised = _ledger_counts(warning_counts)
        parts = [counts.departments.drop(columns=list(_RAISED.values())), raised]
        totals.update({k: int(raised[k].sum()) for k in _RAISED.values()})
    if loop_counts is not None:
        parts.append(loop_counts.reindex(columns=list(LOOP_SUPPORT_KEYS)))
    counts_keys = [*COUNT_KEYS, *SUPPORT_KEYS]
    dept = pd.concat(parts, axis=1).reindex(columns=counts_keys).fillna(0).astype(np.int64)
    active = [*COUNT_KEYS, "notified_warnings", "late_warnings"]
    dept = dept[(dept[active] > 0).any(axis=1)].sort_index()
    dept.index.name = "department"
    totals.update({k: int(dept[k].sum()) for k in LOOP_SUPPORT_KEYS})
    total_frame = _with_rates(pd.DataFrame([totals], columns=counts_keys))
    return Figures(
        period=period,
        completion_denominator=completion_denominator,
        totals={k: _native(total_frame.at[0, k]) for k in FIGURE_KEYS},
        departments=_with_rates(dept)[list(FIGURE_KEYS)],
        support={k: int(totals[k]) for k in SUPPORT_KEYS},
        department_support=dept[list(SUPPORT_KEYS)].copy(),
    )


def late_obligations(
    cases: pd.DataFrame, evaluation: Evaluation, period: Period, calendar: WorkingCalendar
) -> pd.DataFrame:
    """The obligations late in ``period``: accepted or completed in it on a day after their
    deadline D, or still open at its end with D before its last day; cases withdrawn by its
    end are not (as in :func:`period_figures`).

    One row per such obligation: ``row`` (its position in ``evaluation.table``),
    ``closed_late`` (closed in the period, or still open) and ``late_workdays``: working days
    d with D < d ≤ the closing day, or ≤ the period's last day when still open.
    """
    table = evaluation.table
    live = live_rows(cases, evaluation, period)
    closed_in, late, open_late = lateness(table, period)
    closed_late = live & closed_in & late
    pick = np.flatnonzero(closed_late | (live & open_late))
    deadline = table["deadline"].to_numpy().astype("datetime64[D]")[pick]
    closed_day = table["closed_at"].to_numpy().astype("datetime64[D]")[pick]
    end_day = np.where(closed_late[pick], closed_day, np.datetime64(period.last_day, "D"))
    return pd.DataFrame(
        {
            "row": pick,
            "closed_late": closed_late[pick],
            "late_workdays": calendar.working_days_between(deadline, end_day),
        }
    )


def _ledger_counts(warning_counts: pd.DataFrame) -> pd.DataFrame:
    """The ledger's counts per department and level, as columns warnings/overdue/escalated."""
    missing = {"department", "level", "count"} - set(warning_counts.columns)
    if missing:
        raise ValueError(f"warning_counts lacks the column(s) {', '.join(sorted(missing))}")
    level = warning_counts["level"].astype(str).map(_RAISED)
    known = level.notna().to_numpy()
    frame = warning_counts.assign(key=level, department=warning_counts["department"].astype(str))
    frame = frame.loc[known, ["department", "key", "count"]].astype({"count": np.int64})
    columns = list(_RAISED.values())
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=np.int64) for c in columns})
    table = frame.groupby(["department", "key"])["count"].sum().unstack("key", fill_value=0)
    return table.reindex(columns=columns, fill_value=0).astype(np.int64)


def _with_rates(counts: pd.DataFrame) -> pd.DataFrame:
    """``counts`` (COUNT_KEYS and SUPPORT_KEYS) with the rates and the mean added: floats,
    ``None`` where the denominator is 0 (object columns)."""
    out = counts.copy()
    for key, (num, den) in FRACTIONS.items():
        n = counts[num].to_numpy(dtype=np.int64)
        d = counts[den].to_numpy(dtype=np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = n / d  # correctly rounded: 104 / 2050000 stays 104 / 2050000
        if key in MEAN_KEYS:
            value = np.round(value, 2)
        shown = value.astype(object)  # Python floats
        shown[d == 0] = None
        out[key] = pd.Series(shown, index=out.index, dtype=object)
    return out


def _native(value: object) -> int | float | None:
    return int(value) if isinstance(value, np.integer) else value  # type: ignore[return-value]
