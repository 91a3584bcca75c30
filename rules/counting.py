"""The counting behind the figures of a period (DOMAIN.md §5): per case and obligation, one
numpy mask (or number of working days) per count, summed per department with ``bincount``.

:func:`period_counts` gives a period's :class:`Counts`; :func:`rules.figures.figures_of` makes
them into figures. Counts of disjoint sets of cases add up, which lets the case store keep
the counts of its settled cases month by month instead of their rows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rules.calendar import WorkingCalendar
from rules.definitions import COMPLETION_DENOMINATORS, COUNT_KEYS, LOOP_SUPPORT_KEYS, SUPPORT_KEYS
from rules.evaluate import Evaluation
from rules.levels import Thresholds
from rules.obligations import WITHDRAWN
from rules.periods import Period

__all__ = ["COUNTED", "Counts", "lateness", "live_rows", "no_counts", "period_counts"]

_DEFAULT_THRESHOLDS = Thresholds()
_DENOMINATOR_ERROR = "completion_denominator must be 'all' or 'exclude_immediate'"


#: The whole numbers behind the figures that the cases give (the answer loop's come from the
#: ledger): :data:`COUNT_KEYS` and :data:`SUPPORT_KEYS` but :data:`LOOP_SUPPORT_KEYS`.
COUNTED: tuple[str, ...] = tuple(
    k for k in (*COUNT_KEYS, *SUPPORT_KEYS) if k not in LOOP_SUPPORT_KEYS
)


@dataclass(frozen=True)
class Counts:
    """The counts of :data:`COUNTED` in a period, per department (``departments``: indexed by
    name, int64 columns) and for the county (``totals``). Counts of disjoint sets of cases
    add up (``+``); so do those of consecutive periods for cases that were neither withdrawn
    nor late (nothing of theirs is counted "at the end of the period")."""

    departments: pd.DataFrame
    totals: dict[str, int]

    def __add__(self, other: Counts) -> Counts:
        departments = self.departments.add(other.departments, fill_value=0)
        return Counts(
            departments.reindex(columns=list(COUNTED)).fillna(0).astype(np.int64),
            {k: self.totals[k] + other.totals[k] for k in COUNTED},
        )


def no_counts() -> Counts:
    """Counts of nothing."""
    departments = pd.DataFrame(
        {k: pd.Series(dtype=np.int64) for k in COUNTED},
        index=pd.Index([], dtype=object, name="department"),
    )
    return Counts(departments, dict.fromkeys(COUNTED, 0))


def period_counts(
    cases: pd.DataFrame,
    evaluation: Evaluation,
    period: Period,
    calendar: WorkingCalendar,
    *,
    online_channels: Collection[str],
    completion_denominator: str = "all",
    thresholds: Thresholds = _DEFAULT_THRESHOLDS,
    derive_raised: bool = True,
    by_department: bool = True,
) -> Counts:
    """The :class:`Counts` of ``period`` (arguments as :func:`rules.figures.period_figures`);
    warnings, overdue and escalated derived from the evaluation, or 0 without
    ``derive_raised``; the county's only (no department rows) without ``by_department``."""
    if completion_denominator not in COMPLETION_DENOMINATORS:
        raise ValueError(f"{_DENOMINATOR_ERROR}, found {completion_denominator!r}")
    table = evaluation.table
    case_counts = _case_counts(cases, period, online_channels)
    live = live_rows(cases, evaluation, period)
    table_counts = _obligation_counts(table, live, period, calendar, completion_denominator)
    if derive_raised:
        table_counts.update(_raised(table, live, period, calendar, thresholds))
    totals = dict.fromkeys(COUNTED, 0)
    totals.update({k: int(np.count_nonzero(v)) for k, v in case_counts.items()})
    totals.update({k: int(np.asarray(v).sum()) for k, v in table_counts.items()})
    if not by_department:
        return Counts(no_counts().departments, totals)
    departments = pd.concat(
        [
            _by_department(cases["department"], case_counts),
            _by_department(table["department"], table_counts),
        ],
        axis=1,
    )
    departments = departments.reindex(columns=list(COUNTED)).fillna(0).astype(np.int64)
    return Counts(departments, totals)


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


def live_rows(cases: pd.DataFrame, evaluation: Evaluation, period: Period) -> np.ndarray:
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


def lateness(table: pd.DataFrame, period: Period) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
    closed_in, late, open_late = lateness(table, period)

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
