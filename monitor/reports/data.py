"""What a period report shows: :class:`ReportData`, built from one evaluation by
:func:`report_data`, and the order of the departments (红黑榜) every rendering uses.

The figures are :func:`rules.figures.period_figures` for the period, the previous period and
the twelve periods of the trend, with the answer loop's counts (:func:`rules.loop.loop_counts`)
where the warning ledger covers the period; the late cases are
:func:`rules.figures.late_obligations`; the data problems are the loaded cases' and the
evaluation's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from monitor.cases.evaluate import Evaluated, rule_settings
from monitor.cases.quality import by_reason
from monitor.config import Settings
from monitor.reports.model import ReportData, WarningSource, ranked_departments
from rules.calendar import WorkingCalendar
from rules.counting import Counts, period_counts
from rules.definitions import DEFINITIONS, FRACTIONS, LOOP_KEYS
from rules.figures import Figures, figures_of, late_obligations
from rules.loop import loop_counts
from rules.periods import Period

__all__ = [
    "LedgerCounts",
    "LedgerPeriod",
    "ReportData",
    "WarningSource",
    "ranked_departments",
    "report_data",
]

_TREND = ("accepted_late_rate", "completed_late_rate", "online_rate")


@dataclass(frozen=True)
class LedgerPeriod:
    """What the warning ledger says of one period: the warnings raised in it by level per
    department (``counts``: ``department, level, count``; None to derive them from the
    cases) and where they come from (``source``); and the rows behind the answer loop's
    figures (``responses`` and ``explanations``, :data:`rules.loop.RESPONSE_COLUMNS` and
    :data:`rules.loop.EXPLANATION_COLUMNS`), None when the ledger does not cover the period.
    """

    counts: pd.DataFrame | None = None
    source: WarningSource = field(default_factory=WarningSource)
    responses: pd.DataFrame | None = None
    explanations: pd.DataFrame | None = None

    @property
    def loop_known(self) -> bool:
        """Whether the answer loop's figures are known (the ledger covers the period)."""
        return self.responses is not None and self.explanations is not None


#: What the ledger says of a period (:class:`LedgerPeriod`).
LedgerCounts = Callable[[Period], LedgerPeriod]


def report_data(
    settings: Settings,
    evaluated: Evaluated,
    period: Period,
    now: dt.datetime,
    calendar: WorkingCalendar | None = None,
    ledger_counts: LedgerCounts | None = None,
    settled: Callable[[Period, bool], Counts] | None = None,
) -> ReportData:
    """Everything the report of ``period`` shows, computed from one evaluation.

    ``calendar`` defaults to the evaluation's; it must span the trend's twelve periods.
    ``ledger_counts(period)``: what the ledger says of a period (:class:`LedgerPeriod`), its
    warnings (None: derived from the evaluation) and the answer loop's rows (None: unknown).
    ``settled(period, by_department)``: the counts of cases not in the evaluation (the store's).
    """
    r = settings.reports
    calendar = calendar or evaluated.calendar
    ledgers: dict[Period, LedgerPeriod] = {}

    def figures(p: Period) -> Figures:
        counts, loop = None, None
        if ledger_counts is not None:
            ledgers[p] = ledger = ledger_counts(_so_far(p, now))
            counts, loop = ledger.counts, _loop(ledger, calendar, r.response_workdays)
        return _figures(settings, evaluated, _so_far(p, now), calendar, counts, loop, settled)

    current, previous = figures(period), figures(period.previous())
    trend = [
        {"period": p.label, **{k: current.totals[k] for k in _TREND}}
        if p == period
        else {"period": p.label, **_rates(settings, evaluated, _so_far(p, now), calendar, settled)}
        for p in period.trailing(12)
    ]
    late, late_total = _late_cases(evaluated, _so_far(period, now), calendar, r.late_cases_max)
    quality = by_reason(evaluated.quality)
    ledger = ledgers.get(period, LedgerPeriod())
    keys = [k for k in FRACTIONS if ledger.loop_known or k not in LOOP_KEYS]
    return ReportData(
        period=period.label,
        kind=period.kind,
        previous=period.previous().label,
        generated_at=now,
        language=r.language,
        estimated_calendar=evaluated.evaluation.estimated or _estimated(evaluated.counted),
        completion_denominator=r.completion_denominator,
        totals=current.totals,
        previous_totals=previous.totals,
        **_departments(current, previous, keys),
        numerators={k: current.fraction(k)[:2] for k in keys},
        trend=trend,
        late_cases=late,
        late_cases_total=late_total,
        quality=quality,
        quality_total=sum(n for _, n in quality),
        definitions=DEFINITIONS,
        warning_source=ledger.source,
        answer_loop=ledger.loop_known,
        response_workdays=r.response_workdays,
    )


def _loop(ledger: LedgerPeriod, calendar: WorkingCalendar, workdays: int) -> pd.DataFrame | None:
    """The answer loop's counts per department (:func:`rules.loop.loop_counts`), or None
    when the ledger does not cover the period."""
    if ledger.responses is None or ledger.explanations is None:  # not loop_known, spelled out
        return None
    return loop_counts(ledger.responses, ledger.explanations, calendar, workdays)


def _figures(
    settings: Settings,
    evaluated: Evaluated,
    period: Period,
    calendar: WorkingCalendar,
    counts: pd.DataFrame | None,
    loop: pd.DataFrame | None = None,
    settled: Callable[[Period, bool], Counts] | None = None,
) -> Figures:
    """The figures of one period with the configured rules (:func:`rules.figures.figures_of`
    of :func:`_counts`)."""
    found = _counts(settings, evaluated, period, calendar, settled, derive_raised=counts is None)
    return figures_of(period, found, settings.reports.completion_denominator, counts, loop)


def _rates(
    settings: Settings,
    evaluated: Evaluated,
    period: Period,
    calendar: WorkingCalendar,
    settled: Callable[[Period, bool], Counts] | None,
) -> dict[str, float | None]:
    """The trend's rates of one period: from the county's counts only (no departments, no
    warnings), as :func:`rules.figures.figures_of` computes them (``None`` over 0)."""
    found = _counts(
        settings, evaluated, period, calendar, settled, derive_raised=False, by_department=False
    ).totals
    out: dict[str, float | None] = {}
    for key in _TREND:
        num, den = FRACTIONS[key]
        out[key] = float(np.int64(found[num]) / np.int64(found[den])) if found[den] else None
    return out


def _counts(
    settings: Settings,
    evaluated: Evaluated,
    period: Period,
    calendar: WorkingCalendar,
    settled: Callable[[Period, bool], Counts] | None,
    *,
    derive_raised: bool,
    by_department: bool = True,
) -> Counts:
    """The period's counts of the evaluation with the configured rules, plus
    ``settled(period, by_department)`` (the counts of cases kept out of it); the county's
    only without ``by_department``."""
    found = period_counts(
        evaluated.loaded.cases,
        evaluated.evaluation,
        period,
        calendar,
        online_channels=settings.rules.online_channels,
        completion_denominator=settings.reports.completion_denominator,
        thresholds=rule_settings(settings).thresholds,
        derive_raised=derive_raised,
        by_department=by_department,
    )
    return found + settled(period, by_department) if settled is not None else found


def _estimated(counted: pd.DataFrame | None) -> bool:
    """Whether obligations counted outside the evaluation used an estimated calendar year."""
    if counted is None or counted.empty or "estimated_calendar" not in counted:
        return False
    return bool(counted.loc[counted["count"] > 0, "estimated_calendar"].astype(bool).any())


def _departments(
    current: Figures, previous: Figures, keys: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """``departments`` (each with the previous period's figures) and the numerators of the
    fractions ``keys``."""
    departments, numerators = [], []
    for name, row in current.departments.iterrows():
        before = (
            previous.departments.loc[name].to_dict() if name in previous.departments.index else None
        )
        departments.append({"department": str(name), **row.to_dict(), "previous": before})
        numerators.append({k: current.fraction(k, name)[:2] for k in keys})
    return {"departments": departments, "department_numerators": numerators}


def _so_far(period: Period, now: dt.datetime) -> Period:
    """``period`` up to the end of ``now``'s day when it has not ended yet: a report of the
    running month counts "late at period end" as of today, not at a future month end."""
    today_end = now.date() + dt.timedelta(days=1)
    if today_end >= period.end:
        return period
    return replace(period, end=max(today_end, period.start + dt.timedelta(days=1)))


def _late_cases(
    evaluated: Evaluated, period: Period, calendar: WorkingCalendar, cap: int
) -> tuple[list[dict[str, Any]], int]:
    """The obligations late in the period (:func:`rules.figures.late_obligations`), most
    working days late first, at most ``cap`` of them, and how many there are."""
    late = late_obligations(evaluated.loaded.cases, evaluated.evaluation, period, calendar)
    if late.empty:
        return [], 0
    rows = evaluated.evaluation.table.iloc[late["row"].to_numpy()]
    frame = pd.DataFrame(
        {
            "case_id": rows["case_id"].astype(str).to_numpy(),
            "item_name": rows["item_name"].astype(object).fillna("").to_numpy(),
            "department": rows["department"].astype(str).to_numpy(),
            "obligation": rows["obligation"].astype(str).to_numpy(),
            "deadline": rows["deadline"].to_numpy().astype("datetime64[D]").astype(object),
            "late_workdays": late["late_workdays"].to_numpy(),
        }
    ).sort_values(["late_workdays", "deadline", "case_id"], ascending=[False, True, True])
    return frame.head(cap).to_dict(orient="records"), len(frame)
