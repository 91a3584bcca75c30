"""``monitor demo``: a synthetic county, then the main job on it.

The demo writes a few months of generated cases to ``var/demo/cases.csv`` (beside the config)
and runs the main job as far as it exists: load, normalise, inspect. It needs no network and
no data of one's own, and always ends by printing where to look.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from monitor import clock
from monitor.alerts.run import run_alert
from monitor.cases.calendar import build_calendar
from monitor.cases.evaluate import evaluate_loaded
from monitor.cases.inspect_output import overview, render_overview
from monitor.cases.load import load_cases
from monitor.cases.scan_output import render, select, summary_line
from monitor.clock import naive
from monitor.config import CalendarSettings, Settings
from monitor.config.alerts import AlertsSettings, Route
from monitor.reports.run import run_report
from monitor.text import plural
from rules.calendar import published_years
from rules.periods import Period

__all__ = ["demo_as_of", "run_demo"]

_MONTHS = 4
#: Where the demo's mail goes without a configuration (the shipped config.toml's examples).
DEMO_OFFICE = "zwfw-office@example.gov.cn"
DEMO_SUPERVISOR = "supervisor@example.gov.cn"
DEMO_SCJG = "scjg-contact@example.gov.cn"


def demo_as_of(settings: Settings, now: dt.datetime) -> dt.datetime:
    """The demo's "now": ``now``, or 30 September of the last year with a known schedule
    when ``now`` is later, so that even 60-working-day deadlines stay inside known years."""
    known = published_years() | {int(y) for y in settings.calendar.years}
    last = max(known)
    limit = dt.datetime(last, 9, 30, 17, 0)
    return min(naive(now), limit)


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
    current = now or clock.now()
    as_of = demo_as_of(settings, current)
    folder = out_dir or settings.resolve("var/demo")
    folder.mkdir(parents=True, exist_ok=True)
    if as_of < demo_as_of(settings.model_copy(update={"calendar": _any_year()}), current):
        echo(
            f"Demo time is {as_of:%Y-%m-%d %H:%M}: later cases would have deadlines in "
            f"{as_of.year + 1}, whose official holiday schedule is not known yet."
        )
    path = _generate(settings, folder / "cases.csv", n_cases, seed, as_of, echo)
    _inspect_and_scan(settings, path, folder, as_of, echo)

    echo(f"\nAlerting at {as_of:%Y-%m-%d %H:%M} (monitor alert) ...\n")
    demo_settings = _demo_settings(settings, folder)
    alert = run_alert(demo_settings, as_of, input_path=str(path))
    for recipients, subject, n in alert.messages:
        echo(f"  {subject}  → {', '.join(recipients)} ({plural(n, 'case')})")
    echo(alert.line())
    mail_dir = demo_settings.resolve(demo_settings.mail.file.dir)

    month = Period.containing(as_of.date(), "month")
    echo(f"\nWriting the report of {month} (monitor report) ...")
    report = run_report(
        demo_settings, month.label, as_of, input_path=str(path), out_dir=folder / "reports"
    )

    echo("\nWhere to look:")
    echo(f"  cases      {path}")
    echo(f"  scan       {folder / 'scan.csv'}  (every obligation, most urgent first)")
    echo(f"  again      monitor inspect --input {path}")
    echo(f"             monitor scan --input {path} --at {as_of:%Y-%m-%dT%H:%M}")
    echo(f"  mail       {mail_dir}  (one .eml file per message)")
    echo(f"  report     {report.paths['html']}  (open it in a browser; .xlsx and .json beside it)")
    echo(f"  ledger     {demo_settings.database_url(hide_password=True)}")
    echo("  config     monitor check-config")
    return path


def _generate(
    settings: Settings,
    path: Path,
    n_cases: int,
    seed: int,
    as_of: dt.datetime,
    echo: Callable[[str], object],
) -> Path:
    """Write ``n_cases`` synthetic cases of the last months before ``as_of`` to ``path``."""
    from monitor.demo.synth import generate_cases

    start = _months_before(as_of.date(), _MONTHS)
    echo(f"Generating {n_cases:,} cases, {start} .. {as_of:%Y-%m-%d %H:%M} (seed {seed}) ...")
    frame = generate_cases(
        n_cases,
        start,
        as_of.date(),
        seed=seed,
        calendar=build_calendar(settings, start.year, as_of.year),
        bad_rows=max(5, n_cases // 5000),
        as_of=as_of,
        late_share=0.002,  # a small but visible number of late cases
        stalled_share=0.004,  # and some still open past their deadline at the demo's now
    )
    frame.to_csv(path, index=False, encoding="utf-8")
    echo(f"Wrote {path}")
    return path


def _inspect_and_scan(
    settings: Settings,
    path: Path,
    folder: Path,
    as_of: dt.datetime,
    echo: Callable[[str], object],
) -> None:
    """What ``monitor inspect`` and ``monitor scan`` print, and every obligation to
    ``scan.csv``."""
    echo("\nLoading and inspecting (monitor inspect) ...\n")
    loaded = load_cases(settings, path)
    evaluated = evaluate_loaded(settings, loaded, as_of)
    echo(render_overview(overview(loaded, settings, evaluated.quality)))

    echo(f"\nScanning at {as_of:%Y-%m-%d %H:%M} (monitor scan) ...\n")
    table = evaluated.evaluation.table
    urgent = select(table, include_all=False, department=None)
    echo(render(urgent.head(15), "table", None) or "")
    if len(urgent) > 15:
        echo(f"… {len(urgent) - 15:,} more in {folder / 'scan.csv'}")
    render(select(table, include_all=True, department=None), "csv", folder / "scan.csv")
    echo(summary_line(table, as_of, evaluated.problems, evaluated.evaluation.estimated))


def _demo_settings(settings: Settings, folder: Path) -> Settings:
    """The demo's own ledger and mailbox under the demo folder, started afresh each time,
    with the file transport; everything else as configured."""
    db = folder / "monitor.db"
    for leftover in (db, folder / "monitor.db-wal", folder / "monitor.db-shm"):
        leftover.unlink(missing_ok=True)
    mail = folder / "mail"
    if mail.is_dir():
        for old in mail.glob("*.eml"):
            old.unlink()
    return settings.model_copy(
        update={
            "database": settings.database.model_copy(
                update={"url": f"sqlite:///{db}", "password_env": None}
            ),
            "mail": settings.mail.model_copy(
                update={
                    "transport": "file",
                    "file": settings.mail.file.model_copy(update={"dir": str(mail)}),
                }
            ),
            "alerts": _demo_alerts(settings.alerts),
            "receivers": {},
        }
    )


def _demo_alerts(alerts: AlertsSettings) -> AlertsSettings:
    """The configured routes by mail only: the demo's made-up cases never reach a real 钉钉 /
    企业微信 group or webhook. Without any route or default recipient (no configuration),
    the example addresses of the shipped config.toml, so that the demo writes its mail."""
    update: dict[str, object] = {
        "routes": [r.model_copy(update={"receivers": []}) for r in alerts.routes],
        "default_receivers": [],
        "escalation_receivers": [],
    }
    if not alerts.default_recipients and not any(r.recipients for r in alerts.routes):
        update |= {
            "routes": [Route(department="县市场监督管理局", recipients=[DEMO_SCJG])],
            "default_recipients": [DEMO_OFFICE],
            "escalation_recipients": [DEMO_SUPERVISOR],
        }
    return alerts.model_copy(update=update)


def _any_year() -> CalendarSettings:
    """Calendar settings under which every year counts as known (to tell if we clamped)."""
    return CalendarSettings(years={str(y): {"holidays": []} for y in range(2001, 2101)})


def _months_before(day: dt.date, months: int) -> dt.date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    return dt.date(year, (month - 1) % 12 + 1, 1)
