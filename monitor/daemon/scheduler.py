"""``monitor daemon``: the jobs on their schedule, for months, unattended.

APScheduler 3 (a ``BlockingScheduler`` in Asia/Shanghai time, jobs in memory, rebuilt from
``[schedule]`` at every start). Each job fires on its crontab string (``"off"`` leaves it
out) with ``coalesce`` (runs missed while the server slept become one run),
``misfire_grace_time`` = ``[schedule] misfire_grace_seconds`` (a run later than that is
skipped and the next one waited for) and one instance at a time; jobs run one after the
other on a single worker thread, so two jobs never write to the database at once.

At start the daemon takes ``[schedule] lock_file`` (a second daemon exits 4), makes any
report it missed while it was down (:func:`monitor.daemon.jobs.catch_up`) and logs the next fire
times. Each run calls :func:`monitor.daemon.jobs.run_job` at the current Asia/Shanghai time under
the job's lock (a ``monitor run`` of the same job at that moment makes this run skip, and
the other way round). A job that raises is logged with its traceback and recorded; the
daemon goes on.

SIGTERM or SIGINT: no new runs start; a running job finishes — for at most
``stop_timeout`` seconds (60), after which the process exits anyway (the outbox makes the
interrupted run safe to repeat) — and the process exits 0. A second signal exits at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from apscheduler.events import EVENT_SCHEDULER_STARTED, SchedulerEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.date import DateTrigger

from monitor.clock import SHANGHAI, TIMEZONE
from monitor.clock import now as shanghai_now
from monitor.config import Settings
from monitor.config.crontab import cron_trigger
from monitor.daemon.jobs import JOBS, catch_up, job_spec, next_fire, run_job
from monitor.daemon.lock import acquire, daemon_lock_path, job_lock
from monitor.errors import LockHeld

__all__ = ["STOP_TIMEOUT", "build_scheduler", "run_daemon", "run_scheduled"]

log = logging.getLogger(__package__)

#: Set by SIGTERM / SIGINT: a run that was due at that very moment does not start.
_STOPPING = threading.Event()
#: Seconds a running job may take to finish after SIGTERM before the process exits anyway
#: (below systemd's TimeoutStopSec = 90 in deploy/banjian-monitor.service).
STOP_TIMEOUT = 60.0


def run_daemon(
    settings: Settings, *, run_now: bool = False, stop_timeout: float = STOP_TIMEOUT
) -> None:
    """Run the scheduled jobs until SIGTERM or SIGINT; ``run_now`` also runs ``scan`` once
    at start. Raises :class:`~monitor.errors.LockHeld` when a daemon already runs."""
    lock = acquire(daemon_lock_path(settings), "the monitor daemon")
    _STOPPING.clear()
    stopper = _Stopper(stop_timeout)
    try:
        stopper.install()
        log.info(
            "daemon started (pid %d, config %s, database %s)",
            os.getpid(),
            settings.origin,
            settings.database_url(hide_password=True),
        )
        _catch_up(settings, lambda: stopper.requested)
        if not stopper.requested:
            scheduler = build_scheduler(settings, run_now=run_now)  # --run-now: after catch-up
            stopper.attach(scheduler)
            _log_next_fire_times(settings, run_now)
            scheduler.start()  # returns once a signal has shut it down
            stopper.finish()
        log.info("daemon stopped")
    finally:
        stopper.uninstall()
        lock.release()


def build_scheduler(settings: Settings, *, run_now: bool = False) -> BlockingScheduler:
    """A scheduler with one job per ``[schedule]`` entry that is not ``"off"`` (not
    started); with ``run_now``, ``scan`` also runs as soon as it starts."""
    scheduler = BlockingScheduler(
        timezone=TIMEZONE, executors={"default": ThreadPoolExecutor(max_workers=1)}
    )
    for name in JOBS:
        spec = job_spec(settings, name)
        now_too = run_now and name == "scan"
        if spec == "off" and not now_too:
            continue
        options: dict[str, Any] = {}
        if now_too:
            options["next_run_time"] = dt.datetime.now(SHANGHAI)
        trigger = (
            DateTrigger(options["next_run_time"]) if spec == "off" else cron_trigger(spec, TIMEZONE)
        )
        scheduler.add_job(
            run_scheduled,
            trigger,
            args=(settings, name),
            id=name,
            name=name,
            coalesce=True,
            misfire_grace_time=settings.schedule.misfire_grace_seconds,
            max_instances=1,
            **options,
        )
    return scheduler


def run_scheduled(settings: Settings, name: str) -> None:
    """One scheduled run of job ``name`` at the current time, under the job's lock; never
    raises (a failure is logged with its traceback, and recorded by ``run_job``). Nothing
    runs once the daemon has been told to stop."""
    if _STOPPING.is_set():
        log.info("%s: not started: the daemon is stopping", name)
        return
    try:
        with job_lock(settings, name):
            run_job(settings, name, shanghai_now())
    except LockHeld as exc:
        log.warning("%s: skipped this time: %s", name, exc)
    except Exception:
        log.exception("%s: the run failed; the daemon goes on", name)
    fire = next_fire(job_spec(settings, name), shanghai_now())
    if fire is not None:
        log.info("%s: next run at %s", name, f"{fire:%Y-%m-%d %H:%M}")


def _catch_up(settings: Settings, stopping: Callable[[], bool]) -> None:
    """:func:`monitor.daemon.jobs.catch_up` under the report jobs' locks; failures are logged."""
    try:
        with job_lock(settings, "report"), job_lock(settings, "annual"):
            made = catch_up(settings, shanghai_now(), stopping=stopping)
    except LockHeld as exc:
        log.warning("catch-up skipped: %s", exc)
        return
    except Exception:
        log.exception("catch-up failed; the daemon goes on")
        return
    log.info("catch-up: %s", f"made {', '.join(made)}" if made else "nothing missed")


def _log_next_fire_times(settings: Settings, run_now: bool) -> None:
    now = shanghai_now()
    for name in JOBS:
        spec = job_spec(settings, name)
        fire = next_fire(spec, now)
        when = "off" if fire is None else f'"{spec}", next at {fire:%Y-%m-%d %H:%M}'
        log.info(
            "%s: %s%s", name, when, " (and now: --run-now)" if run_now and name == "scan" else ""
        )


class _Stopper:
    """SIGTERM / SIGINT: shut the scheduler down (waiting for the running job) on another
    thread, with a watchdog that ends the process after ``timeout`` seconds."""

    def __init__(self, timeout: float) -> None:
        self.scheduler: BlockingScheduler | None = None
        self.timeout = timeout
        self.requested = False
        self._lock = threading.RLock()  # the handler may interrupt _started on the same thread
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None
        self._previous: dict[int, Any] = {}

    def install(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            self._previous[signum] = signal.signal(signum, self.handle)

    def attach(self, scheduler: BlockingScheduler) -> None:
        """The scheduler to shut down; a signal that comes before it runs stops it as soon
        as it starts."""
        self.scheduler = scheduler
        scheduler.add_listener(self._started, EVENT_SCHEDULER_STARTED)

    def uninstall(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        if self._timer is not None:
            self._timer.cancel()

    def handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.requested:
            log.warning("%s again: exiting now", name)
            os._exit(1)
        self.requested = True
        _STOPPING.set()
        log.info(
            "%s: stopping; a running job may finish first (at most %.0f s)", name, self.timeout
        )
        self._timer = threading.Timer(self.timeout, self._force)
        self._timer.daemon = True
        self._timer.start()
        self._shutdown()

    def finish(self) -> None:
        """Wait for the shutdown thread, and call the watchdog off."""
        if self._thread is not None:
            self._thread.join()
        if self._timer is not None:
            self._timer.cancel()

    def _started(self, event: SchedulerEvent) -> None:
        if self.requested:
            self._shutdown()

    def _shutdown(self) -> None:
        with self._lock:
            if self._thread is not None or self.scheduler is None or not self.scheduler.running:
                return
            self._thread = threading.Thread(target=self._stop, name="shutdown", daemon=True)
            self._thread.start()

    def _stop(self) -> None:
        """Shut the scheduler down; the running job finishes first (wait=True)."""
        with contextlib.suppress(SchedulerNotRunningError):  # stopped already
            self.scheduler.shutdown(wait=True)  # type: ignore[union-attr]

    def _force(self) -> None:
        log.error(
            "a job still runs %.0f s after the stop signal: exiting without waiting for it "
            "(its run stays 'running' and is recorded as interrupted at the next start)",
            self.timeout,
        )
        logging.shutdown()
        os._exit(0)
