"""``monitor demo``: a synthetic county, then the main job on it.

The demo writes a few months of generated cases to ``var/demo/cases.csv`` (beside the config)
and runs the main job as far as it exists: load, normalise, inspect. It needs no network and
no data of one's own, and always ends by printing where to look.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.config import Settings
from monitor.loading import load_cases
from monitor.overview import overview, render_overview
from monitor.workdays import build_calendar
from rules.calendar import published_years

__all__ = ["demo_as_of", "run_demo"]

SHANGHAI = ZoneInfo("Asia/Shanghai")
_MONTHS = 4


def demo_as_of(settings: Settings, now: dt.datetime) -> dt.datetime:
    """The demo's "now": ``now``, or the end of November of the last year with a known
    schedule when ``now`` is later (deadlines must stay inside known years)."""
    known = published_years() | {int(y) for y in settings.calendar.years}
    last = max(known)
    limit = dt.datetime(last, 11, 30, 17, 0)
    local = now.astimezone(SHANGHAI).replace(tzinfo=None) if now.tzinfo else now
    return min(local, limit)


def run_demo(
    settings: Settings,
    *,
    n_cases: int = 60_000,
    seed: int = 7,
    out_dir: Path | None = None,
    now: dt.datetime | None = None,
    echo: Callable[[str], object] = print,
) -> Path:
    """Generate the demo county, run the main job on it, and return the case file's path."""
    from monitor.synth import generate_cases

    as_of = demo_as_of(settings, now or dt.datetime.now(SHANGHAI))
    start = _months_before(as_of.date(), _MONTHS)
    folder = out_dir or settings.resolve("var/demo")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "cases.csv"

    echo(f"Generating {n_cases:,} cases, {start} .. {as_of:%Y-%m-%d %H:%M} (seed {seed}) ...")
    calendar = build_calendar(settings, start.year, as_of.year)
    frame = generate_cases(
        n_cases,
        start,
        as_of.date(),
        seed=seed,
        calendar=calendar,
        bad_rows=max(5, n_cases // 5000),
        as_of=as_of,
    )
    frame.to_csv(path, index=False, encoding="utf-8")
    echo(f"Wrote {path}")

    echo("\nLoading and inspecting (monitor inspect) ...\n")
    loaded = load_cases(settings, path)
    echo(render_overview(overview(loaded, settings)))

    echo("\nWhere to look:")
    echo(f"  cases      {path}")
    echo(f"  again      monitor inspect --input {path}")
    echo("  config     monitor check-config")
    return path


def _months_before(day: dt.date, months: int) -> dt.date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    return dt.date(year, (month - 1) % 12 + 1, 1)
