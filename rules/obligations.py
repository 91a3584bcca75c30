"""The two obligations of a case (DOMAIN.md §3), declared as data, and their deadlines.

Acceptance (受理) and completion (办结) are each an obligation with a start day S, a limit k
(a number and a unit) and an end (the moment that closes it). One function turns canonical
cases into one row per case and obligation; one function gives every row its deadline day D.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rules.calendar import WorkingCalendar
from rules.limits import NATURAL, WORKDAY

__all__ = [
    "ACCEPTANCE",
    "COMPLETION",
    "OBLIGATIONS",
    "REJECTED",
    "WITHDRAWN",
    "Obligation",
    "deadlines",
    "first_limit",
    "obligations",
]

#: Status values (办件状态) that change which obligations a case has.
REJECTED = frozenset({"不予受理", "不予许可受理", "退件"})  # acceptance refused: no completion
WITHDRAWN = frozenset({"撤件", "撤回", "已撤件", "申请人撤回"})  # closes everything at withdrawal


@dataclass(frozen=True)
class Obligation:
    """One obligation: where it starts, which limit applies, what closes it."""

    name: str
    #: Candidate start columns, first present wins (the date of that timestamp is S).
    starts: tuple[str, ...]
    #: Candidate limits, first present wins: (value column, unit column) of the case table.
    limits: tuple[tuple[str, str], ...]
    #: Column whose timestamp closes the obligation.
    end: str
    #: Legal basis, for docs and reports.
    basis: str


ACCEPTANCE = Obligation(
    name="acceptance",
    starts=("supplemented_at", "submitted_at"),
    limits=(
        ("cat_acceptance_limit", "cat_acceptance_limit_unit"),
        ("default_acceptance_limit", "default_acceptance_limit_unit"),
    ),
    end="accepted_at",
    basis="行政许可法 Art. 32: an application must be accepted or answered within 5 working days "
    "(Art. 82); after 补正 the period starts again from the supplemented materials.",
)
"""受理: starts on the day of submission, or of the supplement (补正) when there was one; limit
the item's acceptance limit, else ``[rules.acceptance] limit`` (5 working days); closed by the
acceptance decision, 不予受理 included."""

COMPLETION = Obligation(
    name="completion",
    starts=("accepted_at",),
    limits=(
        ("promised_limit", "promised_limit_unit"),
        ("cat_promised_limit", "cat_promised_limit_unit"),
        ("legal_limit", "legal_limit_unit"),
        ("cat_legal_limit", "cat_legal_limit_unit"),
    ),
    end="completed_at",
    basis="行政许可法 Art. 42: decision within 20 working days of acceptance unless a shorter "
    "promised limit (承诺时限) applies; Art. 45: special procedures (特别程序) are not counted.",
)
"""办结: starts on the day of acceptance; limit the case's promised limit (承诺时限), else the
item's, else the legal limit (法定时限); closed by completion. Only accepted cases have it, and
not those refused (不予受理)."""

OBLIGATIONS: tuple[Obligation, ...] = (ACCEPTANCE, COMPLETION)

_COLUMNS = ["case_id", "obligation", "start", "limit", "unit", "suspended", "closed_at", "row"]


def obligations(cases: pd.DataFrame) -> pd.DataFrame:
    """One row per case and obligation the case has.

    ``cases`` is the canonical table joined with the catalogue's columns (``cat_*``) and
    ``default_acceptance_limit[_unit]``, plus ``suspended_days`` (working or natural days,
    by the limit's unit). Rows without any limit have ``limit`` NaN: the caller reports them
    as "no time limit" instead of guessing. ``row`` is the position in ``cases``.
    """
    withdrawal = cases["completed_at"].to_numpy().astype("datetime64[s]")
    decided = ~np.isnat(withdrawal) | cases["accepted_at"].notna().to_numpy()
    # A status only counts with its time: when replaying the past, a withdrawal or refusal
    # recorded after ``now`` has not happened yet (its time has been masked).
    withdrawn = cases["status"].isin(WITHDRAWN).to_numpy() & ~np.isnat(withdrawal)
    rejected = cases["status"].isin(REJECTED).to_numpy() & decided
    n = len(cases)
    parts: dict[str, list[np.ndarray]] = {c: [] for c in _COLUMNS if c != "case_id"}
    for code, ob in enumerate(OBLIGATIONS):
        start = _first_present(cases, ob.starts)
        limit, unit = first_limit(cases, ob.limits)
        closed = cases[ob.end].to_numpy().astype("datetime64[s]")
        if ob is ACCEPTANCE:
            # 不予受理 is itself the acceptance decision; a withdrawal closes it too.
            closed = np.where(np.isnat(closed) & (withdrawn | rejected), withdrawal, closed)
            suspended = np.zeros(n)
            has = np.ones(n, bool)
        else:
            closed = np.where(withdrawn, withdrawal, closed)
            suspended = cases["suspended_days"].to_numpy(dtype=float)
            has = ~np.isnat(cases["accepted_at"].to_numpy()) & ~rejected
        for name, values in (
            ("obligation", np.full(n, code, np.int8)),
            ("start", start),
            ("limit", limit),
            ("unit", unit),
            ("suspended", suspended),
            ("closed_at", closed),
            ("row", np.arange(n)),
        ):
            parts[name].append(values[has])
    cols = {name: np.concatenate(values) for name, values in parts.items()}
    out = pd.DataFrame(
        {
            "case_id": cases["case_id"].take(cols["row"]).to_numpy()
            if cases["case_id"].dtype == object
            else cases["case_id"].array.take(cols["row"]),
            "obligation": pd.Categorical.from_codes(
                cols["obligation"], categories=[o.name for o in OBLIGATIONS]
            ),
            "start": cols["start"],
            "limit": cols["limit"],
            "unit": pd.Categorical.from_codes(cols["unit"], categories=[WORKDAY, NATURAL]),
            "suspended": cols["suspended"],
            "closed_at": cols["closed_at"],
            "row": cols["row"],
        }
    )
    return out


def deadlines(table: pd.DataFrame, calendar: WorkingCalendar) -> np.ndarray:
    """Deadline day D of each obligation row (DOMAIN.md §3), ``NaT`` where no limit.

    Working days, k ≥ 1: the (k + suspended)-th working day after S (Civil Code Art. 201, the
    first day does not count; 行政许可法 Art. 82). k = 0 (即办): S if a working day, else the
    next one. Natural days: S + k + suspended days, moved to the next working day when that is
    not one (Civil Code Art. 203).
    """
    start = table["start"].to_numpy().astype("datetime64[D]")
    k = table["limit"].to_numpy(dtype=float)
    susp = table["suspended"].to_numpy(dtype=float)
    natural = (table["unit"] == NATURAL).to_numpy()
    known = ~np.isnan(k) & ~np.isnat(start)
    out = np.full(len(table), np.datetime64("NaT"), dtype="datetime64[D]")
    work = known & ~natural
    if work.any():
        # The deadline without suspension, then moved later by the suspended working days:
        # for k = 0 on a non-working S that is one working day more than k + s after S.
        due = calendar.add_working_days(start[work], k[work].astype(np.int64))
        out[work] = calendar.add_working_days(due, susp[work].astype(np.int64))
    nat = known & natural
    if nat.any():
        end = start[nat] + (k[nat] + susp[nat]).astype("timedelta64[D]")
        out[nat] = calendar.roll_forward(end)
    return out


def _first_present(cases: pd.DataFrame, columns: tuple[str, ...]) -> np.ndarray:
    """Date (day) of the first of ``columns`` that is present, per row."""
    out = cases[columns[0]].to_numpy().astype("datetime64[D]")
    for col in columns[1:]:
        out = np.where(np.isnat(out), cases[col].to_numpy().astype("datetime64[D]"), out)
    return out


def first_limit(
    cases: pd.DataFrame, limits: tuple[tuple[str, str], ...]
) -> tuple[np.ndarray, np.ndarray]:
    """(days, unit code) of the first limit present per row; unit codes index
    ``[WORKDAY, NATURAL]``, -1 where there is no limit."""
    value = np.full(len(cases), np.nan)
    unit = np.full(len(cases), -1, dtype=np.int8)
    for val_col, unit_col in limits:
        if val_col not in cases:
            continue
        v = cases[val_col].to_numpy(dtype=float)
        take = np.isnan(value) & ~np.isnan(v)
        value[take] = v[take]
        unit[take] = _unit_codes(cases[unit_col])[take]
    return value, unit


def _unit_codes(col: pd.Series) -> np.ndarray:
    if isinstance(col.dtype, pd.CategoricalDtype) and list(col.cat.categories) == [
        WORKDAY,
        NATURAL,
    ]:
        return col.cat.codes.to_numpy().astype(np.int8)
    text = col.astype(object).to_numpy()
    return np.select([text == WORKDAY, text == NATURAL], [0, 1], -1).astype(np.int8)
