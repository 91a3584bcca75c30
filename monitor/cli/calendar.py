"""The ``calendar`` command: one year's working-day calendar as the monitor will count it, to
check against the State Council's notice (国务院办公厅关于部分节假日安排的通知) after an
upgrade of ``holidays``. Registered on the group by :mod:`monitor.cli`."""

from __future__ import annotations

import click

from monitor.cli.app import State, common_options
from monitor.errors import ConfigError

__all__ = ["COMMANDS"]

_WEEKDAYS = "一二三四五六日"
_SOURCE = {
    "published": "the official schedule, as the installed holidays {version} carries it",
    "config": "the schedule given under [calendar.years.{year}] in the configuration",
    "not published": (
        "NOT PUBLISHED in the installed holidays {version}: an estimate (weekends and the "
        "usual holiday dates, no 调休); give the year under [calendar.years.{year}] or install "
        "a newer holidays before relying on it"
    ),
}


@click.command("calendar")
@click.argument("year", type=click.IntRange(1990, 2099))
@common_options
def calendar_cmd(state: State, year: int) -> None:
    """Print YEAR's days off on weekdays and weekend days worked (调休), as the monitor counts them.

    YEAR is a calendar year, e.g. 2027. Compare the lists with the State Council's notice for
    that year before relying on them (docs/operations.md, "The holiday schedule of a new
    year"). Local closures and extra working days of [calendar] are included and marked.

    \b
    Examples:
      monitor calendar 2027
      monitor calendar 2026 --config /etc/banjian/config.toml
    """
    import datetime as dt
    from importlib.metadata import version

    from monitor.cases.calendar import build_calendar

    settings = state.settings()
    status = settings.calendar.year_status(year)
    relaxed = settings.model_copy(deep=True)
    relaxed.calendar.allow_estimated_years = True  # show an estimate rather than refuse
    try:
        cal = build_calendar(relaxed, year, year)
    except ValueError as exc:
        raise ConfigError("[calendar]", [str(exc)]) from exc
    days = [dt.date(year, 1, 1) + dt.timedelta(n) for n in range(len(cal.is_workday))]
    works = dict(zip(days, cal.is_workday.tolist(), strict=True))
    source = _SOURCE[status].format(version=version("holidays"), year=year)
    click.echo(f"calendar {year}: {source}")
    click.echo(f"working days: {sum(works.values())}")
    off = [d for d in days if d.weekday() < 5 and not works[d]]
    worked = [d for d in days if d.weekday() >= 5 and works[d]]
    click.echo(f"days off on weekdays ({len(off)}):")
    for day in off:
        click.echo(_line(day, cal.notes.get(day, ("", "")), "休"))
    click.echo(f"weekend days worked, 调休上班 ({len(worked)}):")
    for day in worked:
        click.echo(_line(day, cal.notes.get(day, ("", "")), "班"))


def _line(day: object, note: tuple[str, str], mark: str) -> str:
    import datetime as dt

    assert isinstance(day, dt.date)
    return f"  {day.isoformat()} 周{_WEEKDAYS[day.weekday()]} {mark}  {note[1]}"


COMMANDS = (calendar_cmd,)
