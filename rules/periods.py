"""Reporting periods (统计周期) of DOMAIN.md §5: a month, a quarter or a year.

A period is written ``2025-05`` (a month), ``2025-Q2`` (a quarter) or ``2025`` (a year). It
covers the days ``start`` ≤ d < ``end``; ``last_day`` is the day before ``end``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["PERIOD_KINDS", "Period", "PeriodKind"]

PeriodKind = Literal["month", "quarter", "year"]
#: The kinds of period, shortest first.
PERIOD_KINDS: tuple[PeriodKind, ...] = ("month", "quarter", "year")

_MONTHS = {"month": 1, "quarter": 3, "year": 12}
_PATTERN = re.compile(r"^(\d{4})(?:-(?:(\d{1,2})|[Qq](\d)))?$")
_EXPECTED = "expected a period like 2025-05, 2025-Q2 or 2025"


@dataclass(frozen=True)
class Period:
    """One month, quarter or year: the days ``start`` ≤ d < ``end``.

    Build one with :meth:`parse`, :meth:`containing` or :meth:`of`; ``str(period)`` is its
    label (``2025-05``, ``2025-Q2``, ``2025``).
    """

    kind: PeriodKind
    label: str
    start: dt.date  # first day
    end: dt.date  # first day after the period

    @property
    def last_day(self) -> dt.date:
        """The period's last day (``end`` − 1 day)."""
        return self.end - dt.timedelta(days=1)

    def __str__(self) -> str:
        return self.label

    # ------------------------------------------------------------------ construction
    @classmethod
    def of(cls, kind: str, year: int, number: int = 1) -> Period:
        """The ``number``-th month (1–12) or quarter (1–4) of ``year``; the year itself
        for ``kind="year"`` (``number`` ignored)."""
        step = _step(kind)
        if kind == "year":
            number = 1
        count = 12 // step
        if not 1 <= number <= count:
            raise ValueError(f"{kind} {number} does not exist (1 to {count})")
        if not 1 <= year <= 9998:
            raise ValueError(f"year {year} is out of range")
        first_month = (number - 1) * step + 1
        start = dt.date(year, first_month, 1)
        end = _add_months(start, step)
        label = {
            "month": f"{year:04d}-{number:02d}",
            "quarter": f"{year:04d}-Q{number}",
            "year": f"{year:04d}",
        }[kind]
        return cls(kind, label, start, end)  # type: ignore[arg-type]

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2025-05`` → May 2025, ``2025-Q2`` → the second quarter, ``2025`` → the year.

        Raises :class:`ValueError` naming the expected forms for anything else.
        """
        match = _PATTERN.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"{_EXPECTED}, found {text!r}")
        year, month, quarter = match.groups()
        try:
            if month is not None:
                return cls.of("month", int(year), int(month))
            if quarter is not None:
                return cls.of("quarter", int(year), int(quarter))
            return cls.of("year", int(year))
        except ValueError as exc:
            raise ValueError(f"{_EXPECTED}, found {text!r} ({exc})") from None

    @classmethod
    def containing(cls, day: dt.date, kind: str) -> Period:
        """The period of ``kind`` ("month", "quarter", "year") that contains ``day`` (a
        date, or a datetime: its date)."""
        step = _step(kind)
        if not isinstance(day, dt.date):
            raise TypeError(f"expected a date, found {day!r}")
        return cls.of(kind, day.year, (day.month - 1) // step + 1)

    # ------------------------------------------------------------------ neighbours
    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        return Period.containing(self.start - dt.timedelta(days=1), self.kind)

    def next(self) -> Period:
        """The period of the same kind just after this one."""
        return Period.containing(self.end, self.kind)

    def trailing(self, n: int) -> list[Period]:
        """The ``n`` periods of this kind ending with this one, oldest first."""
        if n < 1:
            raise ValueError(f"trailing: n must be ≥ 1, found {n}")
        out = [self]
        for _ in range(n - 1):
            out.append(out[-1].previous())
        return out[::-1]

    def __contains__(self, day: object) -> bool:
        if isinstance(day, dt.datetime):
            day = day.date()
        return isinstance(day, dt.date) and self.start <= day < self.end


def _step(kind: str) -> int:
    if kind not in _MONTHS:
        raise ValueError(f"period kind must be one of {', '.join(PERIOD_KINDS)}, found {kind!r}")
    return _MONTHS[kind]


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)
