"""Exceptions raised by the domain rules.

Every message is built from the ids, dates and config keys involved, so the CLI can print it
as one line that says what is wrong and how to fix it.
"""

from __future__ import annotations

__all__ = ["CalendarError", "CalendarRangeError", "RulesError", "UnknownYearError"]


class RulesError(ValueError):
    """Base class of every error raised by :mod:`rules`."""


class CalendarError(RulesError):
    """The working-day calendar cannot answer a question."""


class UnknownYearError(CalendarError):
    """A date falls in a year whose official holiday schedule is not known."""

    def __init__(self, year: int, known: tuple[int, int] | None = None) -> None:
        self.year = year
        span = f" (the holidays package carries {known[0]}–{known[1]})" if known else ""
        super().__init__(
            f"the official holiday schedule for {year} is not known{span}; add it under "
            f"[calendar.years.{year}] holidays = [...] and workdays = [...] in the config, "
            f"or set [calendar] allow_estimated_years = true to use an estimate"
        )


class CalendarRangeError(CalendarError):
    """A date lies outside the span of years the calendar was built for."""

    def __init__(self, day: str, first: int, last: int) -> None:
        self.day = day
        super().__init__(
            f"date {day} is outside the working-day calendar, which covers {first}–{last}"
        )
