"""Crontab strings (``[schedule]``) as APScheduler triggers, with crontab's weekday numbers.

APScheduler 3 numbers the days of the week from Monday = 0 (``CronTrigger.from_crontab``
says so in a warning), while crontab — and every example an operator copies, and
``deploy/crontab.example`` — numbers them from Sunday = 0, with 7 also Sunday. So that
``0 8 * * 1-5`` means Monday to Friday in the daemon as it does in cron, the weekday field is
rewritten as day names before APScheduler sees it (``1-5`` → ``mon,tue,wed,thu,fri``); names
(``mon-fri``) mean the same in both.
"""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger

from monitor.clock import TIMEZONE

__all__ = ["WEEKDAYS", "cron_trigger", "weekday_names"]

#: Crontab's weekdays, Sunday = 0 (7 is Sunday as well).
WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def cron_trigger(spec: str, timezone: str = TIMEZONE) -> CronTrigger:
    """The trigger of a 5-field crontab string (minute hour day month weekday) in
    ``timezone``. Raises :class:`ValueError` saying what is wrong."""
    fields = spec.split()
    if len(fields) != 5:
        raise ValueError(f"Wrong number of fields; got {len(fields)}, expected 5")
    minute, hour, day, month, weekday = fields
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=weekday_names(weekday),
        timezone=timezone,
    )


def weekday_names(field: str) -> str:
    """A crontab weekday field (``*``, ``1-5``, ``0,6``, ``*/2``, ``mon-fri``, ``5-7``) as
    the names of the days it selects, Sunday first; ``*`` stays ``*``."""
    if field == "*":
        return field
    days: set[int] = set()
    for part in field.lower().split(","):
        span, slash, step_text = part.partition("/")
        step = _step(step_text) if slash else 1
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            start, end = span.split("-", 1)
            first, last = _day(start), _day(end)
            if last == 0 < first:  # fri-sun: up to Sunday, the seventh day
                last = 7
        else:
            first = _day(span)
            last = 7 if slash else first  # 1/2: from Monday, every second day
        if last < first:
            raise ValueError(f"the weekday range {span!r} runs backwards")
        days.update(d % 7 for d in range(first, last + 1, step))
    return ",".join(WEEKDAYS[d] for d in sorted(days))


def _day(text: str) -> int:
    if text.isdigit():
        number = int(text)
        if number > 7:
            raise ValueError(f"weekday {number} is out of range (0-7; 0 and 7 are Sunday)")
        return number
    if text in WEEKDAYS:
        return WEEKDAYS.index(text)
    raise ValueError(f"unknown weekday {text!r} (expected 0-7 or sun, mon, …, sat)")


def _step(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise ValueError(f"expected a positive step after '/', found {text!r}")
    return int(text)
