"""The evaluation: loaded cases + configuration → evaluated obligations at ``now``.

It builds the working-day calendar for the years the data and ``now`` need (and any more a
caller asks for), loads the item catalogue and suspension intervals when configured, and runs
:func:`rules.evaluate.evaluate`. The result carries that calendar, so the steps after it
(alerts, reports) count working days with the same one. ``monitor scan``, the alert and
report jobs and the demo all call :func:`evaluate_loaded`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from monitor.cases.calendar import build_calendar
from monitor.cases.load import LoadedCases
from monitor.cases.quality import data_problems
from monitor.cases.reference import configured_reference
from monitor.config import Settings
from rules.calendar import WorkingCalendar
from rules.evaluate import Evaluation, RuleSettings, case_problems, evaluate
from rules.fields import TIMESTAMP_FIELDS
from rules.levels import Thresholds

__all__ = ["Evaluated", "Scanned", "evaluate_loaded", "problems_before_evaluation", "rule_settings"]

_CATALOGUE_LIMITS = ("acceptance_limit", "promised_limit", "legal_limit")


@dataclass
class Evaluated:
    """An evaluation with what it was made from: the cases, the moment, the calendar."""

    loaded: LoadedCases
    evaluation: Evaluation
    now: dt.datetime
    calendar: WorkingCalendar
    #: Obligations of closed cases left out of the table (a store keeps them), counted by
    #: ``department``, ``level`` and ``estimated_calendar`` (``count``): the table then holds
    #: the open cases' obligations that count, and the summary adds these.
    counted: pd.DataFrame | None = None

    @property
    def quality(self) -> pd.DataFrame:
        """Every data problem (:func:`monitor.cases.quality.data_problems`)."""
        return data_problems(self.loaded, self.evaluation.problems)

    @property
    def problems(self) -> int:
        """How many data problems: bad or superseded records, cases the rules cannot serve
        or flag, unusable suspension rows."""
        return len(self.quality)


@dataclass(frozen=True)
class Scanned:
    """What ``monitor scan`` shows and counts: the obligations (``table``), how many data
    problems there are, and the closed obligations counted instead of listed (``counted``,
    as :attr:`Evaluated.counted`)."""

    table: pd.DataFrame
    problems: int
    counted: pd.DataFrame | None = None

    @classmethod
    def of(cls, evaluated: Evaluated) -> Scanned:
        return cls(evaluated.evaluation.table, evaluated.problems, evaluated.counted)


def rule_settings(settings: Settings) -> RuleSettings:
    """The rules' view of ``[rules]``."""
    r = settings.rules

    def overrides(table: dict) -> dict[str, dict[str, float]]:
        return {
            name: {k: v for k, v in o.model_dump().items() if v is not None}
            for name, o in table.items()
        }

    return RuleSettings(
        acceptance_limit=r.acceptance.limit,
        thresholds=Thresholds(r.warn_before_days, r.escalate_after_days, r.warn_ratio),
        department_thresholds=overrides(r.departments),
        item_thresholds=overrides(r.items),
    )


def evaluate_loaded(
    settings: Settings,
    loaded: LoadedCases,
    now: dt.datetime,
    *,
    years: tuple[int, int] | None = None,
) -> Evaluated:
    """Evaluate every obligation of ``loaded`` at ``now`` (naive Asia/Shanghai time).

    The calendar spans the years of the data and ``now``, and the years after them that the
    longest limit can run into (at least the next one), widened to ``years`` (first, last)
    when given: a report's trend, the alert job's repeat intervals.
    """
    catalogue, suspensions, suspension_problems = configured_reference(settings)
    first, last = _years(loaded.cases, now, suspensions)
    last += _years_past(loaded.cases, catalogue, suspensions, settings.rules.acceptance.limit)
    if years is not None:
        first, last = min(first, years[0]), max(last, years[1])
    calendar = build_calendar(settings, first, last)
    result = evaluate(loaded.cases, calendar, now, rule_settings(settings), catalogue, suspensions)
    if len(suspension_problems):
        result.problems = pd.concat([result.problems, suspension_problems], ignore_index=True)
    return Evaluated(loaded, result, now, calendar)


def problems_before_evaluation(
    settings: Settings, loaded: LoadedCases, now: dt.datetime
) -> pd.DataFrame:
    """The problems an evaluation at ``now`` would list, found without building a calendar
    (so that ``monitor inspect`` works on data of any year): the rules' case problems with
    the configured item catalogue, and the unusable rows of the suspension file."""
    catalogue, _, suspension_problems = configured_reference(settings)
    found = case_problems(loaded.cases, now, rule_settings(settings), catalogue)
    return pd.concat([found, suspension_problems], ignore_index=True)


def _years(
    cases: pd.DataFrame, now: dt.datetime, suspensions: pd.DataFrame | None
) -> tuple[int, int]:
    """The first and last year of the dates the calendar must serve: every case date, every
    suspension interval, and ``now``. (Loading keeps dates within 1990–2099.)"""
    first, last = now.year, now.year
    columns = [cases[f] for f in TIMESTAMP_FIELDS]
    if suspensions is not None:
        columns += [suspensions["start"], suspensions["end"]]
    for col in columns:
        col = col.dropna()
        if len(col):
            first = min(first, col.min().year)
            last = max(last, col.max().year)
    return first, last


def _years_past(
    cases: pd.DataFrame,
    catalogue: pd.DataFrame | None,
    suspensions: pd.DataFrame | None,
    acceptance_limit: float,
) -> int:
    """How many years past the last date a deadline can fall: at least one (a deadline
    running into the next year), more when the longest limit plus the longest suspension
    needs more. Every year has well over 200 working days (about 250: 365 less 104 weekend
    days and the statutory holidays net of 调休), so days / 200 never falls short.
    (Loading keeps limits and suspensions within 3650 days.)"""
    limits = [cases["promised_limit"], cases["legal_limit"], pd.Series([acceptance_limit])]
    if catalogue is not None:
        limits += [catalogue[c] for c in _CATALOGUE_LIMITS if c in catalogue]
    suspended = [cases["suspended_days"]]
    if suspensions is not None:
        suspended.append((suspensions["end"] - suspensions["start"]).dt.days)
    return max(1, math.ceil((_largest(limits) + _largest(suspended)) / 200))


def _largest(columns: list[pd.Series]) -> float:
    """The largest number in ``columns`` (0 when there is none)."""
    values = np.concatenate([c.to_numpy(dtype=float, na_value=np.nan) for c in columns])
    values = values[~np.isnan(values)]
    return float(values.max()) if len(values) else 0.0
