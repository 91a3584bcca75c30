"""Evaluation: canonical cases → one row per case and obligation, with deadline and level.

This is the one evaluator both obligations go through (DOMAIN.md §3–4): join the item
catalogue (事项目录), build the obligation rows, apply suspensions (特别程序, 行政许可法 Art. 45),
compute deadlines and levels at ``now``, and list the cases that cannot be evaluated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rules.calendar import WorkingCalendar
from rules.fields import TIMESTAMP_FIELDS
from rules.levels import Thresholds, levels
from rules.limits import NATURAL, WORKDAY
from rules.obligations import REJECTED, WITHDRAWN, deadlines, first_limit, obligations

__all__ = [
    "EVALUATION_COLUMNS",
    "Evaluation",
    "RuleSettings",
    "case_problems",
    "evaluate",
    "prepare",
]

EVALUATION_COLUMNS = [
    "case_id",
    "department",
    "item_code",
    "item_name",
    "obligation",
    "start",
    "limit",
    "unit",
    "suspended",
    "deadline",
    "closed_at",
    "state",
    "level",
    "remaining_workdays",
    "late_workdays",
    "estimated_calendar",
]
THRESHOLD_COLUMNS = ("warn_before_days", "warn_ratio", "escalate_after_days")
_NO_CLOSING_TIME = "withdrawn (撤件) or refused (不予受理) with no time (受理时间/办结时间)"
_OVER_LEGAL = "promised limit exceeds the legal limit (承诺时限 > 法定时限); case still evaluated"


@dataclass(frozen=True)
class RuleSettings:
    """What the rules need from the configuration."""

    acceptance_limit: int = 5  # 行政许可法 Art. 32: 5 (working) days
    thresholds: Thresholds = field(default_factory=Thresholds)
    #: department → {threshold name: value}; item_code → likewise (an item wins over its
    #: department, both over the global thresholds).
    department_thresholds: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    item_thresholds: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


@dataclass
class Evaluation:
    """Evaluated obligations and the problems found while evaluating."""

    table: pd.DataFrame
    problems: pd.DataFrame
    #: Position in the ``cases`` given to :func:`evaluate` of each row of ``table`` (for
    #: figures that need a case's other fields: channel, status, submission time).
    case_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def estimated(self) -> bool:
        """Whether any deadline or count used an estimated calendar year."""
        return bool(self.table["estimated_calendar"].any())

    def of_cases(self, keep: np.ndarray) -> Evaluation:
        """The obligations of the cases ``keep`` (a mask over the evaluated cases), each
        one's case renumbered among the kept ones (as ``cases[keep]`` numbers them)."""
        rows = keep[self.case_rows]
        renumber = np.cumsum(keep) - 1
        table = self.table[rows].reset_index(drop=True)
        return Evaluation(table, self.problems, renumber[self.case_rows[rows]])


def evaluate(
    cases: pd.DataFrame,
    calendar: WorkingCalendar,
    now: dt.datetime,
    settings: RuleSettings = RuleSettings(),
    catalogue: pd.DataFrame | None = None,
    suspensions: pd.DataFrame | None = None,
) -> Evaluation:
    """Evaluate every obligation of every case at ``now`` (naive Asia/Shanghai time).

    ``catalogue`` has ``item_code`` and any of ``acceptance_limit``, ``promised_limit``,
    ``legal_limit`` (each with ``*_unit``) and the threshold columns. ``suspensions`` has
    ``case_id``, ``start``, ``end``: each interval suspends the days d with start < d ≤ end,
    counted up to ``now`` only (an interval that starts later has not happened yet).
    """
    work, rows, problems = prepare(cases, now, settings, catalogue)
    if suspensions is not None and len(suspensions):
        _apply_intervals(rows, suspensions, calendar, now)
    rows = rows[rows["limit"].notna().to_numpy()].reset_index(drop=True)
    wanted = ["department", "item_code", "item_name"] + [f"cat_{c}" for c in THRESHOLD_COLUMNS]
    src = _take(work[[c for c in wanted if c in work]], rows["row"].to_numpy())
    for col in THRESHOLD_COLUMNS:
        rows[col] = _threshold(src, col, settings)

    deadline = deadlines(rows, calendar)
    state = levels(rows, deadline, now, calendar, settings.thresholds)
    # R and L of open obligations count up to today: then today's year matters too.
    today = np.full(len(rows), np.datetime64(now.date(), "D"))
    is_open = (state["state"] == "open").to_numpy()
    estimated = calendar.estimated(rows["start"], deadline) | (calendar.estimated(today) & is_open)
    table = pd.DataFrame(
        {
            "case_id": rows["case_id"],
            "department": src["department"],
            "item_code": src["item_code"],
            "item_name": src["item_name"],
            "obligation": rows["obligation"],
            "start": rows["start"].to_numpy().astype("datetime64[D]"),
            "limit": rows["limit"],
            "unit": rows["unit"],
            "suspended": rows["suspended"],
            "deadline": deadline,
            "closed_at": rows["closed_at"],
            **{c: state[c] for c in ("state", "level", "remaining_workdays", "late_workdays")},
            "estimated_calendar": estimated,
        }
    )
    problems_frame = pd.concat(problems, ignore_index=True)
    case_rows = work["_origin"].to_numpy()[rows["row"].to_numpy()]
    return Evaluation(table[EVALUATION_COLUMNS], problems_frame, case_rows)


def case_problems(
    cases: pd.DataFrame,
    now: dt.datetime,
    settings: RuleSettings = RuleSettings(),
    catalogue: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The cases :func:`evaluate` cannot serve or flags, found without a calendar: withdrawn
    or refused with no time, no time limit at all, promised limit over the legal one. The
    same rows as :attr:`Evaluation.problems` (before suspension-file problems), for outputs
    that list data problems without evaluating (``monitor inspect``)."""
    return pd.concat(prepare(cases, now, settings, catalogue)[2], ignore_index=True)


def prepare(
    cases: pd.DataFrame,
    now: dt.datetime,
    settings: RuleSettings,
    catalogue: pd.DataFrame | None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[pd.DataFrame]]:
    """The cases as seen at ``now`` with the catalogue joined (``work``), their obligation
    rows (``row`` indexes ``work``; those without a limit included) and the problems found
    so far: the first steps of :func:`evaluate`, for :func:`case_problems` and
    :mod:`rules.explain`."""
    problems = [_unclosable(cases)]
    numbered = cases.assign(_origin=np.arange(len(cases)))
    work = _with_catalogue(_as_seen_at(numbered[~_unclosable_mask(cases)], now), catalogue)
    work["default_acceptance_limit"] = float(settings.acceptance_limit)
    work["default_acceptance_limit_unit"] = pd.Categorical.from_codes(
        np.zeros(len(work), np.int8), categories=[WORKDAY, NATURAL]
    )
    rows = obligations(work)
    missing = rows["limit"].isna().to_numpy()
    problems.append(_problem(rows[missing], "no time limit (no promised, item or legal limit)"))
    problems.append(_promised_over_legal(work))
    return work, rows, problems


def _unclosable_mask(cases: pd.DataFrame) -> np.ndarray:
    """Withdrawn (撤件) or refused (不予受理) cases with no time for it: what closed them,
    and when, is unknown, so they cannot be evaluated."""
    status = cases["status"]
    no_end = cases["completed_at"].isna().to_numpy()
    withdrawn = status.isin(WITHDRAWN).to_numpy() & no_end
    refused = status.isin(REJECTED).to_numpy() & no_end & cases["accepted_at"].isna().to_numpy()
    return withdrawn | refused


def _unclosable(cases: pd.DataFrame) -> pd.DataFrame:
    rows = np.flatnonzero(_unclosable_mask(cases))
    return pd.DataFrame(
        {
            "case_id": cases["case_id"].array.take(rows),
            "obligation": "",
            "reason": _NO_CLOSING_TIME,
            "value": cases["status"].array.take(rows).astype(str),
        }
    )


def _as_seen_at(cases: pd.DataFrame, now: dt.datetime) -> pd.DataFrame:
    """The cases as they stood at ``now``: a case submitted later does not exist yet, and a
    supplement, acceptance or completion recorded later has not happened yet."""
    stamp = np.datetime64(now.replace(tzinfo=None), "s")
    later = {f: (cases[f].to_numpy() > stamp) for f in TIMESTAMP_FIELDS}
    if not any(m.any() for m in later.values()):
        return cases
    out = cases.copy(deep=False)
    for name, mask in later.items():
        if name != "submitted_at" and mask.any():
            out[name] = out[name].mask(mask)
    return out[~later["submitted_at"]].reset_index(drop=True)


def _take(frame: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """Rows at ``positions``, column by column (categoricals by their codes: cheap)."""
    return pd.DataFrame({c: frame[c].array.take(positions) for c in frame.columns})


def _with_catalogue(cases: pd.DataFrame, catalogue: pd.DataFrame | None) -> pd.DataFrame:
    work = cases.copy(deep=False)
    if catalogue is None or not len(catalogue):
        return work
    cat = catalogue.drop_duplicates("item_code", keep="last").set_index("item_code")
    codes = work["item_code"]
    for col in ("acceptance_limit", "promised_limit", "legal_limit"):
        if col in cat:
            work[f"cat_{col}"] = codes.map(cat[col]).to_numpy(dtype=float)
            work[f"cat_{col}_unit"] = codes.map(cat[f"{col}_unit"].astype(object)).to_numpy()
    for col in THRESHOLD_COLUMNS:
        if col in cat:
            work[f"cat_{col}"] = codes.map(cat[col]).to_numpy(dtype=float)
    return work


def _threshold(src: pd.DataFrame, column: str, settings: RuleSettings) -> np.ndarray:
    """Per-row threshold: item (catalogue, then config) over department over global (NaN)."""
    out = np.full(len(src), np.nan)
    by_dept = {d: v[column] for d, v in settings.department_thresholds.items() if column in v}
    if by_dept:
        out = src["department"].map(by_dept).to_numpy(dtype=float)
    by_item = {i: v[column] for i, v in settings.item_thresholds.items() if column in v}
    if by_item:
        item = src["item_code"].map(by_item).to_numpy(dtype=float)
        out = np.where(np.isnan(item), out, item)
    if f"cat_{column}" in src:
        cat = src[f"cat_{column}"].to_numpy(dtype=float)
        out = np.where(np.isnan(cat), out, cat)
    return out


def _apply_intervals(
    rows: pd.DataFrame, suspensions: pd.DataFrame, calendar: WorkingCalendar, now: dt.datetime
) -> None:
    """Replace completion rows' ``suspended`` by the days of their suspension intervals, as
    they stood at ``now``: an interval that starts after ``now`` has not happened yet and
    counts nothing; one still open at ``now`` (ending later) counts up to the day of ``now``.
    A case whose every interval lies after ``now`` has 0 suspended days."""
    stamp = np.datetime64(now.replace(tzinfo=None), "s")
    begun = suspensions["start"].to_numpy() <= stamp
    start = suspensions["start"].to_numpy().astype("datetime64[D]")
    end = np.minimum(suspensions["end"].to_numpy(), stamp).astype("datetime64[D]")
    end = np.where(begun, end, start)  # not begun: the empty interval (start, start]
    ids = suspensions["case_id"].astype(str).to_numpy()
    work = pd.Series(np.maximum(calendar.working_days_between(start, end), 0)).groupby(ids).sum()
    nat = pd.Series(np.maximum((end - start).astype(np.int64), 0)).groupby(ids).sum()
    target = (rows["obligation"] == "completion").to_numpy() & rows["case_id"].isin(work.index)
    if not target.any():
        return
    case = rows.loc[target, "case_id"]
    natural = (rows.loc[target, "unit"] == NATURAL).to_numpy()
    rows.loc[target, "suspended"] = np.where(natural, case.map(nat), case.map(work))


def _promised_over_legal(work: pd.DataFrame) -> pd.DataFrame:
    """承诺时限 must not exceed 法定时限 (the case's or else the item's): flagged, the case is
    still evaluated with its promised limit. Limits in different units are not compared."""
    promised, p_unit = first_limit(
        work,
        (
            ("promised_limit", "promised_limit_unit"),
            ("cat_promised_limit", "cat_promised_limit_unit"),
        ),
    )
    legal, l_unit = first_limit(
        work, (("legal_limit", "legal_limit_unit"), ("cat_legal_limit", "cat_legal_limit_unit"))
    )
    over = (p_unit == l_unit) & (promised > legal)
    rows = np.flatnonzero(over)
    return pd.DataFrame(
        {
            "case_id": work["case_id"].array.take(rows),
            "obligation": "completion",
            "reason": _OVER_LEGAL,
            "value": [f"{p:g} > {lg:g}" for p, lg in zip(promised[rows], legal[rows], strict=True)],
        }
    )


def _problem(rows: pd.DataFrame, reason: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "case_id": rows["case_id"].to_numpy(),
            "obligation": rows["obligation"].astype(str).to_numpy(),
            "reason": reason,
            "value": "",
        }
    )
