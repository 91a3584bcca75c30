"""The working-day calendar as configured (:mod:`rules.calendar` plus ``[calendar]``), and
which years it covers: where each year's official schedule comes from, and the sentence that
tells the admins when a year the monitor needs soon has none.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
from importlib.metadata import version
from pathlib import Path

import numpy as np

import rules.calendar
from monitor.config import Settings
from rules.calendar import WorkingCalendar, YearSchedule

__all__ = [
    "CACHE_DIR",
    "build_calendar",
    "coverage_line",
    "coverage_warning",
    "uncovered_year",
]


#: The folder of built calendars, beside ``[schedule] lock_file`` (the monitor's writable
#: state folder: ``var/`` by default).
CACHE_DIR = "cache"


def build_calendar(settings: Settings, first_year: int, last_year: int) -> WorkingCalendar:
    """The calendar for ``first_year``..``last_year`` with the config's overrides applied.

    Kept in ``cache/`` beside ``[schedule] lock_file`` as JSON named by a digest of all it
    is made of (the holidays package's version, the code that builds it, the years and
    ``[calendar]``): building it imports the holidays package and walks its years, a tenth
    to a fifth of a second of every command. A cache that cannot be read or written is
    passed by (the calendar is built)."""
    folder = settings.resolve(settings.schedule.lock_file).parent / CACHE_DIR
    path = folder / f"calendar-{_key(settings, first_year, last_year)}.json"
    cached = _cached(path)
    if cached is not None:
        return cached
    cal = settings.calendar
    schedules = {
        int(year): YearSchedule(tuple(s.holidays), tuple(s.workdays))
        for year, s in cal.years.items()
    }
    built = WorkingCalendar.china(
        first_year,
        last_year,
        extra_holidays=cal.extra_holidays,
        extra_workdays=cal.extra_workdays,
        schedules=schedules,
        allow_estimated=cal.allow_estimated_years,
    )
    _keep(path, built)
    return built


def _key(settings: Settings, first_year: int, last_year: int) -> str:
    code = Path(rules.calendar.__file__).read_bytes()
    parts = [
        version("holidays"),
        hashlib.sha256(code).hexdigest(),
        first_year,
        last_year,
        settings.calendar.model_dump_json(),
    ]
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()[:20]


def _cached(path: Path) -> WorkingCalendar | None:
    """The calendar kept at ``path``, or None (none kept, or not readable as one)."""
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        workdays = np.array([c == "1" for c in kept["workdays"]], dtype=bool)
        notes = {dt.date.fromisoformat(day): (kind, name) for day, kind, name in kept["notes"]}
        first, last = int(kept["first_year"]), int(kept["last_year"])
        if len(workdays) != (dt.date(last + 1, 1, 1) - dt.date(first, 1, 1)).days:
            return None
        estimated = frozenset(int(y) for y in kept["estimated_years"])
        return WorkingCalendar(first, last, workdays, estimated, bool(kept["allow"]), notes)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _keep(path: Path, cal: WorkingCalendar) -> None:
    """Write ``cal`` to ``path`` (whole or not at all); nothing when it cannot be written."""
    kept = {
        "first_year": cal.first_year,
        "last_year": cal.last_year,
        "workdays": "".join("1" if w else "0" for w in cal.is_workday.tolist()),
        "estimated_years": sorted(cal.estimated_years),
        "allow": cal.allow_estimated,
        "notes": [[day.isoformat(), kind, name] for day, (kind, name) in sorted(cal.notes.items())],
    }
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


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
