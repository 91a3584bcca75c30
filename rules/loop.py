"""The answer loop's counts (预警处理反馈, issue 11): how soon departments answer their
warnings and whether they explain their overdue cases, per department.

The monitor reads one row per warning from its ledger, already limited to the period (see
``monitor/alerts/counts.py``); :func:`loop_counts` turns them into the numerators and
denominators of :data:`~rules.definitions.LOOP_KEYS`, which
:func:`rules.figures.period_figures` makes into rates with the other figures. Working days
follow the same rule as the deadlines: the day the warning was first seen is not counted
(Civil Code Art. 201, as for every working-day period here). No loop over rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rules.calendar import WorkingCalendar
from rules.definitions import LOOP_SUPPORT_KEYS

__all__ = ["EXPLANATION_COLUMNS", "RESPONSE_COLUMNS", "loop_counts"]

#: One row per warning first seen in the period and sent out; ``responded_at`` is its first
#: answer (an acknowledgement at or after ``first_seen_at``), missing when none yet.
RESPONSE_COLUMNS = ("department", "first_seen_at", "responded_at")
#: One row per warning that reached overdue or escalated in the period: whether an answer
#: gave the reason it is late (超期原因), and whether the office accepted such an answer.
EXPLANATION_COLUMNS = ("department", "explained", "accepted")


def loop_counts(
    responses: pd.DataFrame,
    explanations: pd.DataFrame,
    calendar: WorkingCalendar,
    response_workdays: int,
) -> pd.DataFrame:
    """The counts of :data:`~rules.definitions.LOOP_SUPPORT_KEYS` per department (index,
    sorted by name; int64 columns), from ``responses`` (:data:`RESPONSE_COLUMNS`) and
    ``explanations`` (:data:`EXPLANATION_COLUMNS`).

    A warning first seen on day S and answered on day r is answered in time when r is at
    most W, the ``response_workdays``-th (N-th) working day after S; S itself is not
    counted, so an answer the same day is in time. With c = the working days d, S < d ≤ r
    (its response time, 0 the same day): c < N means r is before W; c = N means W ≤ r and r
    before the next working day, so in time only when r is W itself (a Saturday after W is
    late). Counting this way never asks the calendar about a day after r.
    """
    if response_workdays < 1:
        raise ValueError(f"response_workdays must be at least 1, found {response_workdays}")
    _require(responses, RESPONSE_COLUMNS, "responses")
    _require(explanations, EXPLANATION_COLUMNS, "explanations")
    seen = _days(responses["first_seen_at"])
    answered = _days(responses["responded_at"])
    has_answer = ~np.isnat(answered)
    workdays = calendar.working_days_between(seen, answered)  # 0 where not answered
    on_workday = calendar.is_working_day(answered)
    n = int(response_workdays)
    in_time = has_answer & ((workdays < n) | ((workdays == n) & on_workday))
    per_warning = pd.DataFrame(
        {
            "department": responses["department"].astype(str).to_numpy(),
            "notified_warnings": np.ones(len(responses), np.int64),
            "responded_in_time": in_time.astype(np.int64),
            "responded_warnings": has_answer.astype(np.int64),
            "response_workdays": np.where(has_answer, workdays, 0).astype(np.int64),
        }
    )
    explained = explanations["explained"].to_numpy(dtype=bool)
    per_late = pd.DataFrame(
        {
            "department": explanations["department"].astype(str).to_numpy(),
            "late_warnings": np.ones(len(explanations), np.int64),
            "late_explained": explained.astype(np.int64),
            # an accepted explanation is an explanation (both read from the same answers)
            "late_explanations_accepted": (
                explained & explanations["accepted"].to_numpy(dtype=bool)
            ).astype(np.int64),
        }
    )
    sums = [f.groupby("department").sum() for f in (per_warning, per_late) if len(f)]
    columns = list(LOOP_SUPPORT_KEYS)
    if not sums:
        empty = pd.DataFrame({c: pd.Series(dtype=np.int64) for c in columns})
        return empty.rename_axis("department")
    out = pd.concat(sums, axis=1).reindex(columns=columns).fillna(0).astype(np.int64)
    out.index = out.index.astype(str)
    return out.sort_index().rename_axis("department")


def _days(values: pd.Series) -> np.ndarray:
    """Moments (naive local times, missing allowed) as days: ``datetime64[D]``, NaT kept."""
    return pd.to_datetime(values).to_numpy().astype("datetime64[D]")


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks the column(s) {', '.join(missing)}")
