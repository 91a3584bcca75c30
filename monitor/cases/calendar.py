"""The working-day calendar as configured (:mod:`rules.calendar` plus ``[calendar]``), and
which years it covers: where each year's official schedule comes from, and the sentence that
tells the admins when a year the monitor needs soon has none.
"""

from __future__ import annotations

import datetime as dt
from importlib.metadata import version

from monitor.config import Settings
from rules.calendar import WorkingCalendar, YearSchedule

__all__ = [
    "build_calendar",
    "coverage_line",
    "coverage_warning",
    "uncovered_year",
]


def build_calendar(settings: Settings, first_year: int, last_year: int) -> WorkingCalendar:
    """The calendar for ``first_year``..``last_year`` with the config's overrides applied."""
    cal = settings.calendar
    schedules = {
        int(year): YearSchedule(tuple(s.holidays), tuple(s.workdays))
        for year, s in cal.years.items()
    }
    return WorkingCalendar.china(
        first_year,
        last_year,
        extra_holidays=cal.extra_holidays,
        extra_workdays=cal.extra_workdays,
        schedules=schedules,
        allow_estimated=cal.allow_estimated_years,
    )


def coverage_warning(settings: Settings, today: dt.date) -> str | None:
    """A sentence for the admins when a year the monitor needs soon has no known official
    schedule: this year, and from 1 December also the next one; None when all is known
    (published in the holidays package or given under ``[calendar.years]``)."""
    year = uncovered_year(settings, today)
    if year is None:
        return None
    where = (
        f"not in the installed holidays package {version('holidays')} and not under "
        f"[calendar.years.{year}] in the configuration"
    )
    fix = (
        f"add it under [calendar.years.{year}] (holidays = every weekday off, "
        f"workdays = the weekend days worked, 调休) or upgrade the holidays package"
    )
    if year > today.year:
        return (
            f"the official {year} holiday schedule is not known ({where}): {fix} before "
            f"1 January {year}, or deadlines from then on cannot be computed"
        )
    return f"the official {year} holiday schedule is not known ({where}): {fix} now"


def coverage_line(settings: Settings, today: dt.date) -> str:
    """``monitor status``'s calendar line: the warning, or the furthest year needed and
    where its schedule comes from."""
    warning = coverage_warning(settings, today)
    if warning:
        return f"calendar: {warning}"
    year = _needed_years(today)[-1]
    if settings.calendar.year_status(year) == "config":
        return f"calendar: {year} configured in [calendar.years.{year}]"
    return f"calendar: {year} published"


def uncovered_year(settings: Settings, today: dt.date) -> int | None:
    """The first year :func:`coverage_warning` warns about, or None."""
    for year in _needed_years(today):
        if settings.calendar.year_status(year) == "not published":
            return year
    return None


def _needed_years(today: dt.date) -> list[int]:
    return [today.year, today.year + 1] if today.month == 12 else [today.year]
