"""The evaluation: loaded cases + configuration → evaluated obligations at ``now``.

It builds the working-day calendar for the years the data and ``now`` need (and any more a
caller asks for), loads the item catalogue and suspension intervals when configured, and runs
:func:`rules.evaluate.evaluate`. The result carries that calendar, so the steps after it
(alerts, reports) count working days with the same one. ``monitor scan``, the alert and
report jobs and the demo all call :func:`evaluate_loaded`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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

__all__ = ["Evaluated", "evaluate_loaded", "problems_before_evaluation", "rule_settings"]


@dataclass
class Evaluated:
    """An evaluation with what it was made from: the cases, the moment, the calendar."""

    loaded: LoadedCases
    evaluation: Evaluation
    now: dt.datetime
    calendar: WorkingCalendar

    @property
    def quality(self) -> pd.DataFrame:
        """Every data problem (:func:`monitor.cases.quality.data_problems`)."""
        return data_problems(self.loaded, self.evaluation.problems)

    @property
    def problems(self) -> int:
        """How many data problems: bad or superseded records, cases the rules cannot serve
        or flag, unusable suspension rows."""
        return len(self.quality)


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

    The calendar spans the years of the data and ``now`` (and the next one, for deadlines
    running into it), widened to ``years`` (first, last) when given: a report's trend, the
    alert job's repeat intervals.
    """
    first, last = _years(loaded.cases, now)
    if years is not None:
        first, last = min(first, years[0]), max(last, years[1])
    calendar = build_calendar(settings, first, last)
    catalogue, suspensions, suspension_problems = configured_reference(settings)
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


def _years(cases: pd.DataFrame, now: dt.datetime) -> tuple[int, int]:
    """Years the calendar must span: from the earliest case date to a year past the latest
    date (case or ``now``), so that deadlines running into the next year can be computed."""
    first, last = now.year, now.year
    for field in TIMESTAMP_FIELDS:
        col = cases[field].dropna()
        if len(col):
            first = min(first, col.min().year)
            last = max(last, col.max().year)
    return first, last + 1
