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
from typing import Any

import sqlalchemy as sa

from monitor import clock
from monitor.cases.calendar import coverage_warning, uncovered_year
from monitor.config import Settings
from monitor.config.crontab import cron_trigger
from monitor.daemon.admin import calendar_alert, failure_alert
from monitor.db.engine import open_database
from monitor.db.runs import finish_run, job_runs, mark_interrupted, recorded_periods, start_run
from monitor.errors import ConfigError
from monitor.notify.receiver import Receiver
from rules.periods import Period

__all__ = [
    "JOBS",
    "catch_up",
    "due_period",
    "job_lines",
    "job_spec",
    "next_fire",
    "report_exists",
    "run_job",
]

log = logging.getLogger(__package__)

#: The jobs, in the order ``monitor status`` shows them.
JOBS = ("scan", "report", "annual", "rebuild")
#: The period each report job covers (the one before ``now``'s).
_REPORT_KIND = {"report": "month", "annual": "year"}


def job_spec(settings: Settings, name: str) -> str:
    """Job ``name``'s crontab string, or "off" (``rebuild`` is off without a store)."""
    if name == "rebuild" and not settings.store.enabled:
        return "off"
    return str(getattr(settings.schedule, name))


def run_job(
    settings: Settings, name: str, now: dt.datetime, *, transport: Receiver | None = None
) -> dict[str, Any]:
    """Run job ``name`` (one of :data:`JOBS`) once at ``now`` (naive Asia/Shanghai) and
    record it in ``runs``; returns its counts. An exception is recorded (status ``failed``,
    the traceback as the error; admins told after repeated failures) and re-raised."""
    if name not in JOBS:
        raise ValueError(f"unknown job {name!r}; expected one of {', '.join(JOBS)}")
    with open_database(settings) as engine:
        with engine.begin() as conn:
            interrupted = mark_interrupted(conn, name)
            run_id = start_run(conn, name, now, clock.now())
        if interrupted:
            log.warning(
                "%s: run(s) %s had been interrupted",
                name,
                ", ".join(f"#{i}" for i in interrupted),
            )
        log.info("%s: run #%d started (at %s)", name, run_id, now.isoformat(timespec="seconds"))
        started = time.monotonic()
        try:
            counts = _RUNNERS[name](settings, engine, now, transport, run_id)
        except BaseException:
            _record_failure(settings, engine, name, run_id, now, transport)
            raise
        with engine.begin() as conn:
            finish_run(conn, run_id, "ok", counts, None, clock.now())
        log.info(
            "%s: run #%d ok in %.1f s: %s",
            name,
            run_id,
            time.monotonic() - started,
            json.dumps(counts, ensure_ascii=False),
        )
        return counts


def catch_up(
    settings: Settings,
    now: dt.datetime,
    transport: Receiver | None = None,
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
    with open_database(settings) as engine, engine.connect() as conn:
        return period in recorded_periods(conn, name)


def next_fire(spec: str, after: dt.datetime) -> dt.datetime | None:
    """The first time at or after ``after`` (naive Asia/Shanghai) that the crontab string
    ``spec`` fires, naive Asia/Shanghai; None when ``spec`` is "off"."""
    if spec == "off":
        return None
    trigger = cron_trigger(spec, clock.TIMEZONE)
    fire = trigger.get_next_fire_time(None, clock.aware(after))
    return None if fire is None else clock.naive(fire)


def job_lines(
    settings: Settings, conn: sa.Connection, now: dt.datetime, limit: int = 3
) -> list[str]:
    """``monitor status``'s lines for each job: its schedule and next fire time after
    ``now``, then its last ``limit`` runs (start, end, result, counts or error); last the
    runs of ``monitor alert`` (by hand, not scheduled). Each run is listed once."""
    lines = []
    for name in (*JOBS, "alert"):
        if name == "rebuild" and not settings.store.enabled:
            continue  # no store, nothing to rebuild
        if name == "alert":
            head = "by hand (monitor alert)"
        else:
            spec = job_spec(settings, name)
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


# -- the jobs ---------------------------------------------------------------------------------


def _scan(
    settings: Settings,
    engine: sa.Engine,
    now: dt.datetime,
    transport: Receiver | None,
    run_id: int,
) -> dict[str, Any]:
    from monitor.alerts.run import run_alert

    warning = coverage_warning(settings, now.date())
    year = uncovered_year(settings, now.date())
    if warning and year:
        log.warning("calendar: %s", warning)
        calendar_alert(settings, engine, year, warning, now, transport)
    # The alert is this run: its ledger events are recorded under the scan's run id, and
    # no second ("alert") run is recorded beside it.
    alerted = run_alert(settings, now, transport=transport, engine=engine, run_id=run_id)
    counts: dict[str, Any] = dict(alerted.counts)
    if alerted.store is not None:  # what the case store read (monitor status shows it)
        counts["store"] = alerted.store
    if alerted.delivered is not None and alerted.delivered.stopped_by:
        counts["stopped_by"] = alerted.delivered.stopped_by  # the receiver that was down
    return counts


def _report_of(kind: str) -> Callable[..., dict[str, Any]]:
    def job(
        settings: Settings,
        engine: sa.Engine,
        now: dt.datetime,
        transport: Receiver | None,
        run_id: int,
    ) -> dict[str, Any]:
        from monitor.reports.run import run_report

        period = Period.containing(now.date(), kind).previous()
        result = run_report(
            settings, period.label, now, send=True, transport=transport, engine=engine
        )
        return {"period": result.period, **result.counts}

    return job


def _rebuild(
    settings: Settings,
    engine: sa.Engine,
    now: dt.datetime,
    transport: Receiver | None,
    run_id: int,
) -> dict[str, Any]:
    """The store's weekly full reconciliation with the source (cases that left it)."""
    from monitor.store.update import update_store

    if not settings.store.enabled:
        raise ConfigError("[store] enabled", ["is false: there is no store to rebuild"])
    run = update_store(settings, engine, now, rebuild=True)
    s = run.state
    return {
        "cases": s.cases,
        "open": s.open_cases,
        "rows_read": s.rows_read,
        "vanished": run.vanished,
        "generation": s.generation,
    }


_RUNNERS: dict[str, Callable[..., dict[str, Any]]] = {
    "scan": _scan,
    "rebuild": _rebuild,
    "report": _report_of("month"),
    "annual": _report_of("year"),
}


def _record_failure(
    settings: Settings,
    engine: sa.Engine,
    name: str,
    run_id: int,
    now: dt.datetime,
    transport: Receiver | None,
) -> None:
    """Record the exception being handled as run ``run_id``'s failure; tell the admins when
    it makes ``admin_alert_after`` in a row. Problems doing so are logged, not raised (the
    job's own exception is the one the caller must see)."""
    error = traceback.format_exc()
    try:
        with engine.begin() as conn:
            finish_run(conn, run_id, "failed", {}, error, clock.now())
        failure_alert(settings, engine, name, now, transport)
    except Exception:
        log.exception("%s: could not record the failure of run #%d", name, run_id)
