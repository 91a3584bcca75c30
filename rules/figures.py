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
from rules.definitions import (
    COMPLETION_DENOMINATORS,
    COUNT_KEYS,
    FIGURE_KEYS,
    FRACTIONS,
    LOOP_SUPPORT_KEYS,
    MEAN_KEYS,
    SUPPORT_KEYS,
)
from rules.evaluate import Evaluation
from rules.levels import Thresholds
from rules.obligations import WITHDRAWN
from rules.periods import Period

__all__ = ["Figures", "late_obligations", "period_figures"]


_DEFAULT_THRESHOLDS = Thresholds()
_DENOMINATOR_ERROR = "completion_denominator must be 'all' or 'exclude_immediate'"
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
    if completion_denominator not in COMPLETION_DENOMINATORS:
        raise ValueError(f"{_DENOMINATOR_ERROR}, found {completion_denominator!r}")
    table = evaluation.table
    case_counts = _case_counts(cases, period, online_channels)
    live = _live(cases, evaluation, period)
    table_counts = _obligation_counts(table, live, period, calendar, completion_denominator)
    if warning_counts is None:
        raised = _raised(table, live, period, calendar, thresholds)
        raised_part = _by_department(table["department"], raised)
        raised_totals = {k: int(v.sum()) for k, v in raised.items()}
    else:
        raised_part = _ledger_counts(warning_counts)
        raised_totals = {k: int(raised_part[k].sum()) for k in _RAISED.values()}
    parts = [
        _by_department(cases["department"], case_counts),
        _by_department(table["department"], table_counts),
        raised_part,
    ]
    if loop_counts is not None:
        parts.append(loop_counts.reindex(columns=list(LOOP_SUPPORT_KEYS)))
    counts_keys = [*COUNT_KEYS, *SUPPORT_KEYS]
    dept = pd.concat(parts, axis=1).reindex(columns=counts_keys).fillna(0).astype(np.int64)
    active = [*COUNT_KEYS, "notified_warnings", "late_warnings"]
    dept = dept[(dept[active] > 0).any(axis=1)].sort_index()
    dept.index.name = "department"
    totals = {k: int(np.count_nonzero(v)) for k, v in case_counts.items()}
    totals.update({k: int(v.sum()) for k, v in table_counts.items()})
    totals.update(raised_totals)
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
    live = _live(cases, evaluation, period)
    closed_in, late, open_late = _lateness(table, period)
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


def _case_counts(
    cases: pd.DataFrame, period: Period, online_channels: Collection[str]
) -> dict[str, np.ndarray]:
    """Per case: received in the period, and of those online and cross-region (withdrawn
    cases included)."""
    start, end = np.datetime64(period.start, "s"), np.datetime64(period.end, "s")
    submitted = cases["submitted_at"].to_numpy().astype("datetime64[s]", copy=False)
    received = (submitted >= start) & (submitted < end)
    channels = [str(c) for c in online_channels]
    return {
        "received": received,
        "online": received & cases["channel"].isin(channels).to_numpy(dtype=bool),
        "cross_region": received & cases["cross_region"].to_numpy(dtype=bool, na_value=False),
    }


def _live(cases: pd.DataFrame, evaluation: Evaluation, period: Period) -> np.ndarray:
    """Per row of ``evaluation.table``: its case was not withdrawn by the end of ``period``
    (a withdrawn case counts in ``received`` only; its withdrawal time is its closing time,
    ``completed_at``, as in the evaluation)."""
    case_rows = np.asarray(evaluation.case_rows)
    if len(case_rows) != len(evaluation.table):
        raise ValueError("evaluation.case_rows does not match evaluation.table")
    end = np.datetime64(period.end, "s")
    withdrawal = cases["completed_at"].to_numpy().astype("datetime64[s]", copy=False)
    withdrawn = cases["status"].isin(list(WITHDRAWN)).to_numpy(dtype=bool) & (withdrawal < end)
    return ~withdrawn[case_rows]


def _lateness(table: pd.DataFrame, period: Period) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per obligation row: (closed in the period, closed on a day after D, open at the end of
    the period with D before its last day). Open at the end: not closed, or closed only after
    it (NaT < end is False)."""
    start, end = np.datetime64(period.start, "s"), np.datetime64(period.end, "s")
    closed_at = table["closed_at"].to_numpy().astype("datetime64[s]", copy=False)
    deadline = table["deadline"].to_numpy().astype("datetime64[D]", copy=False)
    closed_in = (closed_at >= start) & (closed_at < end)
    late = closed_at.astype("datetime64[D]", copy=False) > deadline
    open_late = ~(closed_at < end) & (deadline < np.datetime64(period.last_day, "D"))
    return closed_in, late, open_late


def _obligation_counts(
    table: pd.DataFrame,
    live: np.ndarray,
    period: Period,
    calendar: WorkingCalendar,
    completion_denominator: str,
) -> dict[str, np.ndarray]:
    """Per obligation row: a mask (or working days) for each figure counted on the table."""
    closed_day = table["closed_at"].to_numpy().astype("datetime64[D]")
    deadline = table["deadline"].to_numpy().astype("datetime64[D]", copy=False)
    limit = table["limit"].to_numpy(dtype=float)
    acceptance = (table["obligation"] == "acceptance").to_numpy(dtype=bool)
    completion = live & ~acceptance
    acceptance = live & acceptance
    closed_in, late, open_late = _lateness(table, period)

    completed = completion & closed_in
    base = completed & ((limit != 0) if completion_denominator == "exclude_immediate" else True)
    promised = completed & (limit >= 1)
    workdays = np.zeros(len(table), np.int64)
    if promised.any():
        begun = table["start"].to_numpy().astype("datetime64[D]", copy=False)[promised]
        workdays[promised] = calendar.working_days_between(begun, closed_day[promised])
    return {
        "accepted": acceptance & closed_in,
        "accepted_late": acceptance & closed_in & late,
        "pending_late": acceptance & open_late,
        "completed": completed,
        "completed_late": base & late,
        "open_late": completion & open_late,
        "completion_base": base,
        "on_time": base & ~late,
        "completed_promised": promised,
        "early": promised & (closed_day < deadline),
        "processing_workdays": workdays,
    }


def _raised(
    table: pd.DataFrame,
    live: np.ndarray,
    period: Period,
    calendar: WorkingCalendar,
    thresholds: Thresholds,
) -> dict[str, np.ndarray]:
    """Per obligation row: whether its warning, overdue and escalation were raised in the
    period (DOMAIN.md §4 replayed day by day), unless it was closed before that day.

    Working-day ordinals: the working day with ordinal ``o`` is in the period when
    ``before < o ≤ through``. Overdue is raised on the first working day after D
    (ordinal ord(D) + 1), escalation when L reaches ``escalate_after_days`` (ord(D) + e),
    the warning when R = ord(D) − ord(T) first is ≤ ``warn_before_days`` (or, with
    ``warn_ratio``, the share of k used reaches it), or on S when that holds from the start.
    """
    first, last = np.datetime64(period.start, "D"), np.datetime64(period.last_day, "D")
    through = int(calendar.working_day_ordinal(np.array([last]))[0])
    before = int(calendar.working_day_ordinal(np.array([first]))[0])
    before -= int(calendar.is_working_day(np.array([first]))[0])
    closed_day = table["closed_at"].to_numpy().astype("datetime64[D]")
    is_open = np.isnat(closed_day)
    at_closed = calendar.working_day_ordinal(closed_day)
    at_deadline = calendar.working_day_ordinal(table["deadline"].to_numpy())

    def raised_on(ordinal: np.ndarray) -> np.ndarray:
        return live & (ordinal > before) & (ordinal <= through) & (is_open | (at_closed >= ordinal))

    start = table["start"].to_numpy().astype("datetime64[D]", copy=False)
    at_start = calendar.working_day_ordinal(start)
    warn_at = at_deadline - int(thresholds.warn_before_days)
    if thresholds.warn_ratio is not None:
        k = table["limit"].to_numpy(dtype=float)
        ratio = float(thresholds.warn_ratio)
        with np.errstate(divide="ignore", invalid="ignore"):
            used = np.ceil(ratio * k)
            used = np.where((used - 1) / k >= ratio, used - 1, used)  # float noise
        by_ratio = at_start + np.nan_to_num(used, posinf=0).astype(np.int64)
        warn_at = np.where(k >= 1, np.minimum(warn_at, by_ratio), warn_at)
    from_start = at_start >= warn_at  # R ≤ warn_before_days already on S: raised on S
    on_start = live & from_start & (start >= first) & (start <= last)
    on_start &= is_open | (closed_day >= start)
    warnings = np.where(from_start, on_start, raised_on(warn_at))
    escalate = max(int(thresholds.escalate_after_days), 1)
    return {
        "warnings": warnings,
        "overdue": raised_on(at_deadline + 1),
        "escalated": raised_on(at_deadline + escalate),
    }


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


def _by_department(department: pd.Series, values: dict[str, np.ndarray]) -> pd.DataFrame:
    """Sums of ``values`` per department (index: str), over the rows where any is non-zero:
    one ``bincount`` per column on the department codes."""
    if isinstance(department.dtype, pd.CategoricalDtype):
        codes = department.cat.codes.to_numpy()
        labels = department.cat.categories
    else:
        codes, labels = pd.factorize(department)
    rows = np.flatnonzero(np.logical_or.reduce([np.asarray(v) != 0 for v in values.values()]))
    rows = rows[codes[rows] >= 0]
    group = codes[rows]
    sums = {}
    for key, value in values.items():  # a handful of columns
        picked = np.asarray(value)[rows]
        if picked.dtype == bool:
            sums[key] = np.bincount(group[picked], minlength=len(labels))
        else:
            sums[key] = np.bincount(group, picked.astype(float), len(labels))
    out = pd.DataFrame(sums, index=pd.Index(labels.astype(str), name="department"))
    return out.astype(np.int64)


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
