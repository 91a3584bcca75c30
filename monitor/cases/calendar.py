"""The working-day calendar as configured: ``rules.calendar`` plus ``[calendar]``."""

from __future__ import annotations

from monitor.config import Settings
from rules.calendar import WorkingCalendar, YearSchedule, published_years

__all__ = ["build_calendar", "year_status"]


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


def year_status(settings: Settings, year: int) -> str:
    """``"published"``, ``"config"`` (given under [calendar.years]) or ``"not published"``."""
    if str(year) in settings.calendar.years:
        return "config"
    return "published" if year in published_years() else "not published"
