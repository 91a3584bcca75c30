"""The scheduled jobs — ``scan``, ``report``, ``annual`` — as plain functions of settings and
``now``; the daemon, ``monitor run JOB`` and the tests all call :func:`run_job`.

- ``scan``: the alert job (:func:`monitor.alerts.run.run_alert`) at ``now``; before it, the
  admins are told once when the next year's working-day calendar is unknown in December.
- ``report``: the previous month's report, written and sent
  (:func:`monitor.reports.run.run_report`).
- ``annual``: the previous year's report, written and sent.

Every run is recorded in the ``runs`` table: started (``running``), then ``ok`` with its
counts or ``failed`` with the traceback (the exception still reaches the caller). After
``[schedule] admin_alert_after`` consecutive failures of a job, the admins get one email
(:mod:`monitor.daemon.admin`). Run a job under its lock (:func:`monitor.daemon.lock.job_lock`): a
``running`` row of the same job found at the start is from a process that died mid-run and
is recorded as failed ("interrupted").

:func:`catch_up` makes a report the schedule should have produced while the daemon was down.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import traceback
from collections.abc import Callable
from importlib.metadata import version
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from monitor.alerts.ledger import finish_run, start_run
from monitor.cases.calendar import year_status
from monitor.config import Settings
from monitor.config.crontab import cron_trigger
from monitor.daemon.admin import calendar_alert, failure_alert
from monitor.db.engine import engine_for, upgrade
from monitor.db.tables import runs
from rules.periods import Period

__all__ = [
    "JOBS",
    "TIMEZONE",
    "catch_up",
    "coverage_line",
    "coverage_warning",
    "due_period",
    "job_lines",
    "job_runs",
    "next_fire",
    "report_exists",
    "run_job",
    "shanghai_now",
    "uncovered_year",
]

log = logging.getLogger(__package__)

#: The jobs, in the order ``monitor status`` shows them.
JOBS = ("scan", "report", "annual")
#: The schedule's time zone: the office's wall clock.
TIMEZONE = "Asia/Shanghai"
_TZ = ZoneInfo(TIMEZONE)
#: The period each report job covers (the one before ``now``'s).
_REPORT_KIND = {"report": "month", "annual": "year"}
_INTERRUPTED = "interrupted: the process ended during the run (killed, crashed or stopped)"


def shanghai_now() -> dt.datetime:
    """The current Asia/Shanghai wall-clock time, naive (as every job takes ``now``)."""
    return dt.datetime.now(_TZ).replace(tzinfo=None)


def run_job(
    settings: Settings, name: str, now: dt.datetime, *, transport: object | None = None
) -> dict[str, Any]:
    """Run job ``name`` (one of :data:`JOBS`) once at ``now`` (naive Asia/Shanghai) and
    record it in ``runs``; returns its counts. An exception is recorded (status ``failed``,
    the traceback as the error; admins told after repeated failures) and re-raised."""
    if name not in JOBS:
        raise ValueError(f"unknown job {name!r}; expected one of {', '.join(JOBS)}")
    engine = engine_for(settings)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            _mark_interrupted(conn, name)
            run_id = start_run(conn, name, now, shanghai_now())
        log.info("%s: run #%d started (at %s)", name, run_id, now.isoformat(timespec="seconds"))
        started = time.monotonic()
        try:
            counts = _RUNNERS[name](settings, engine, now, transport)
        except BaseException:
            _record_failure(settings, engine, name, run_id, now, transport)
            raise
        with engine.begin() as conn:
            finish_run(conn, run_id, "ok", counts, None, shanghai_now())
        log.info(
            "%s: run #%d ok in %.1f s: %s",
            name,
            run_id,
            time.monotonic() - started,
            json.dumps(counts, ensure_ascii=False),
        )
        return counts
    finally:
        engine.dispose()


def catch_up(
    settings: Settings,
    now: dt.datetime,
    transport: object | None = None,
    *,
    stopping: Callable[[], bool] = lambda: False,
) -> list[str]:
    """Produce and send the reports the schedule should have made by ``now`` but did not
    (the daemon was down); returns their periods. Each is made once: a report counts as
    made when ``[reports] out_dir`` has its ``<period>.json`` or a successful run of its
    job recorded that period. A failure is logged (and recorded) and the next one tried;
    once ``stopping()`` is true (the daemon was told to stop), no next one is started."""
    made = []
    for name in _REPORT_KIND:
        if stopping():
            break
        period = due_period(settings, name, now)
        if period is None or report_exists(settings, name, period):
            continue
        log.warning("catch-up: the report of %s was not made; making it now", period)
        try:
            counts = run_job(settings, name, now, transport=transport)
        except Exception:
            log.exception("catch-up: the report of %s failed", period)
            continue
        made.append(str(counts["period"]))
    return made


def due_period(settings: Settings, name: str, now: dt.datetime) -> str | None:
    """The period job ``name`` ("report", "annual") should have reported on by ``now``:
    the previous month (year) once the job's first scheduled time in this month (year) has
    passed; None before that, or when the job is off."""
    spec = getattr(settings.schedule, name)
    current = Period.containing(now.date(), _REPORT_KIND[name])
    fire = next_fire(spec, dt.datetime.combine(current.start, dt.time()))
    if fire is None or fire.date() >= current.end or fire > now:
        return None
    return current.previous().label


def report_exists(settings: Settings, name: str, period: str) -> bool:
    """Whether the report of ``period`` was made: its JSON file in ``[reports] out_dir``,
    or a successful run of job ``name`` that recorded it."""
    if (settings.resolve(settings.reports.out_dir) / f"{period}.json").is_file():
        return True
    engine = engine_for(settings)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            found = conn.execute(
                sa.select(runs.c.counts).where(runs.c.job == name, runs.c.status == "ok")
            ).scalars()
            return any(_counts(text).get("period") == period for text in found)
    finally:
        engine.dispose()


def next_fire(spec: str, after: dt.datetime) -> dt.datetime | None:
    """The first time at or after ``after`` (naive Asia/Shanghai) that the crontab string
    ``spec`` fires, naive Asia/Shanghai; None when ``spec`` is "off"."""
    if spec == "off":
        return None
    fire = cron_trigger(spec, TIMEZONE).get_next_fire_time(None, after.replace(tzinfo=_TZ))
    return None if fire is None else fire.astimezone(_TZ).replace(tzinfo=None)


def job_runs(conn: sa.Connection, name: str, limit: int = 3) -> list[dict[str, Any]]:
    """The last ``limit`` runs of job ``name``, newest first: id, started_at, at,
    finished_at, status, counts (a dict), error."""
    rows = conn.execute(
        sa.select(runs).where(runs.c.job == name).order_by(runs.c.id.desc()).limit(limit)
    ).mappings()
    return [{**row, "counts": _counts(row["counts"])} for row in rows]


def job_lines(
    settings: Settings, conn: sa.Connection, now: dt.datetime, limit: int = 3
) -> list[str]:
    """``monitor status``'s lines for each job: its schedule and next fire time after
    ``now``, then its last ``limit`` runs (start, end, result, counts or error)."""
    lines = []
    for name in JOBS:
        spec = getattr(settings.schedule, name)
        fire = next_fire(spec, now)
        head = "off" if fire is None else f'"{spec}", next at {fire:%Y-%m-%d %H:%M}'
        lines.append(f"{name:<10} {head}")
        found = job_runs(conn, name, limit)
        if not found:
            lines.append("  no runs yet")
        for r in found:
            end = f"{r['finished_at']:%Y-%m-%d %H:%M:%S}" if r["finished_at"] else "-"
            if r["status"] == "failed":
                what = (r["error"] or "").strip().splitlines()[-1:] or [""]
                detail = what[0]
            else:
                detail = json.dumps(r["counts"], ensure_ascii=False, sort_keys=True)
            lines.append(
                f"  run #{r['id']} {r['started_at']:%Y-%m-%d %H:%M:%S} → {end}  "
                f"{r['status']:<7} {detail}"
            )
    return lines


# -- calendar coverage -----------------------------------------------------------------------


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
    if year_status(settings, year) == "config":
        return f"calendar: {year} configured in [calendar.years.{year}]"
    return f"calendar: {year} published"


def uncovered_year(settings: Settings, today: dt.date) -> int | None:
    """The first year :func:`coverage_warning` warns about, or None."""
    for year in _needed_years(today):
        if year_status(settings, year) == "not published":
            return year
    return None


def _needed_years(today: dt.date) -> list[int]:
    return [today.year, today.year + 1] if today.month == 12 else [today.year]


# -- the jobs ---------------------------------------------------------------------------------


def _scan(
    settings: Settings, engine: sa.Engine, now: dt.datetime, transport: object | None
) -> dict[str, Any]:
    from monitor.alerts.run import run_alert

    warning = coverage_warning(settings, now.date())
    year = uncovered_year(settings, now.date())
    if warning and year:
        log.warning("calendar: %s", warning)
        calendar_alert(settings, engine, year, warning, now, transport)
    return dict(run_alert(settings, now, transport=transport).counts)


def _report_of(kind: str) -> Callable[..., dict[str, Any]]:
    def job(
        settings: Settings, engine: sa.Engine, now: dt.datetime, transport: object | None
    ) -> dict[str, Any]:
        from monitor.reports.run import run_report

        period = Period.containing(now.date(), kind).previous()
        result = run_report(settings, period.label, now, send=True, transport=transport)
        return {"period": result.period, **result.counts}

    return job


_RUNNERS: dict[str, Callable[..., dict[str, Any]]] = {
    "scan": _scan,
    "report": _report_of("month"),
    "annual": _report_of("year"),
}


def _record_failure(
    settings: Settings,
    engine: sa.Engine,
    name: str,
    run_id: int,
    now: dt.datetime,
    transport: object | None,
) -> None:
    """Record the exception being handled as run ``run_id``'s failure; tell the admins when
    it makes ``admin_alert_after`` in a row. Problems doing so are logged, not raised (the
    job's own exception is the one the caller must see)."""
    error = traceback.format_exc()
    try:
        with engine.begin() as conn:
            finish_run(conn, run_id, "failed", {}, error, shanghai_now())
        failure_alert(settings, engine, name, now, transport)
    except Exception:
        log.exception("%s: could not record the failure of run #%d", name, run_id)


def _mark_interrupted(conn: sa.Connection, name: str) -> None:
    """Record ``running`` rows of job ``name`` as failed: the caller holds the job's lock,
    so whatever process was running them is gone. For ``scan``, the alert run it had begun
    (same ``at``) too."""
    c = runs.c
    stale = list(conn.execute(sa.select(c.id, c.at).where(c.job == name, c.status == "running")))
    if not stale:
        return
    ids = [r.id for r in stale]
    if name == "scan":
        inner = sa.select(c.id).where(
            c.job == "alert", c.status == "running", c.at.in_([r.at for r in stale])
        )
        ids += list(conn.execute(inner).scalars())
    conn.execute(runs.update().where(c.id.in_(ids)).values(status="failed", error=_INTERRUPTED))
    log.warning("%s: run(s) %s had been interrupted", name, ", ".join(f"#{i}" for i in ids))


def _counts(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
