"""The daemon: crontab strings, the locks, the scheduler it builds, its logs, and the real
thing — ``python -m monitor daemon`` as a process against a real SMTP server (aiosmtpd on
loopback) and an SQLite file: a second daemon and a concurrent ``monitor run`` exit 4,
``kill -9`` mid-send then a restart delivers every message exactly once, SIGTERM lets the
running job finish and exits 0.

The process tests use the real clock (the daemon reads it): the March 2025 cases of
:mod:`tests.monitor.test_alerts` are all long overdue then, so each of the four open ones is
escalated — B001 and B002 to the market regulator, B003 to the police, B004 to the office (no
route), all four to the supervisors: four alert emails.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from monitor.config import Settings
from monitor.config.crontab import cron_trigger, weekday_names
from monitor.daemon.jobs import due_period, next_fire
from monitor.daemon.lock import acquire, daemon_lock_path, job_lock, job_lock_path
from monitor.daemon.logs import BACKUPS, MAX_BYTES, setup_logging
from monitor.daemon.scheduler import build_scheduler, run_scheduled
from monitor.db.runs import job_runs
from monitor.errors import LockHeld, MonitorError
from tests.conftest import SmtpTestServer, _free_port
from tests.monitor.test_alerts import BOSS, GAJ_TO, MARCH, OFFICE, ROUTES, SCJG_TO, SENDER
from tests.monitor.test_alerts import write_cases as write_march_cases

LEADERS = "leaders@example.gov.cn"
ALERTED = sorted([GAJ_TO, SCJG_TO, OFFICE, BOSS])

# --- crontab strings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("*", "*"),
        ("1-5", "mon,tue,wed,thu,fri"),  # crontab: Monday to Friday (APScheduler: Tue–Sat)
        ("0", "sun"),
        ("7", "sun"),
        ("0,6", "sun,sat"),
        ("6-7", "sun,sat"),
        ("5-0", "sun,fri,sat"),
        ("mon-fri", "mon,tue,wed,thu,fri"),
        ("fri-sun", "sun,fri,sat"),
        ("*/2", "sun,tue,thu,sat"),
        ("1/3", "sun,mon,thu"),
        ("1-6", "mon,tue,wed,thu,fri,sat"),
    ],
)
def test_weekday_numbers_are_crontabs(field: str, names: str) -> None:
    assert weekday_names(field) == names


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("8", "weekday 8 is out of range (0-7; 0 and 7 are Sunday)"),
        ("5-2", "the weekday range '5-2' runs backwards"),
        ("monday", "unknown weekday 'monday' (expected 0-7 or sun, mon, …, sat)"),
        ("*/0", "expected a positive step after '/', found '0'"),
    ],
)
def test_bad_weekday_fields(field: str, message: str) -> None:
    with pytest.raises(ValueError) as exc:
        weekday_names(field)
    assert str(exc.value) == message


def test_the_daemon_fires_monday_to_friday_for_1_to_5() -> None:
    # Fri 2025-03-14 18:00 → next is Mon 2025-03-17 08:00, not Sat 03-15.
    assert next_fire("0 8 * * 1-5", dt.datetime(2025, 3, 14, 18, 0)) == dt.datetime(
        2025, 3, 17, 8, 0
    )
    assert next_fire("0 8 * * 0", dt.datetime(2025, 3, 14, 18, 0)) == dt.datetime(2025, 3, 16, 8, 0)
    assert next_fire("off", dt.datetime(2025, 3, 14)) is None


def test_a_weekday_of_7_is_valid_config_and_a_bad_field_is_a_config_error() -> None:
    assert Settings(schedule={"scan": "0 9 * * 7"}).schedule.scan == "0 9 * * 7"
    with pytest.raises(ValueError, match="weekday 9 is out of range"):
        Settings(schedule={"scan": "0 9 * * 9"})
    assert str(cron_trigger("*/30 8-18 * * *").timezone) == "Asia/Shanghai"


# --- locks --------------------------------------------------------------------------------------


def test_a_second_acquire_is_refused_naming_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "var" / "monitor.lock"
    lock = acquire(path)
    assert path.read_text() == f"{os.getpid()}\n"
    with pytest.raises(LockHeld) as exc:
        acquire(path)  # another open file description: refused even in the same process
    assert str(exc.value) == (
        f"the monitor daemon is already running: {path} is held by process {os.getpid()}; "
        "wait for it to finish or stop it (a crashed process does not hold the lock)"
    )
    assert exc.value.exit_code == 4 and isinstance(exc.value, MonitorError)
    lock.release()
    assert path.read_text() == ""
    with acquire(path) as again:
        assert again.held
    assert not again.held


def test_job_locks_are_per_job_and_apart_from_the_daemons(tmp_path: Path) -> None:
    settings = Settings(base_dir=tmp_path, schedule={"lock_file": "run/m.lock"})
    assert daemon_lock_path(settings) == tmp_path / "run" / "m.lock"
    assert job_lock_path(settings, "scan") == tmp_path / "run" / "m.lock.scan"
    with acquire(daemon_lock_path(settings)), job_lock(settings, "scan"):
        with job_lock(settings, "report"):
            pass
        with pytest.raises(LockHeld, match=r"^the scan job is already running: "):
            acquire(job_lock_path(settings, "scan"), "the scan job")


HOLD = """
import sys, time
from monitor.daemon.lock import acquire
lock = acquire(sys.argv[1])
print("held", flush=True)
time.sleep(120)
"""


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    path = tmp_path / "monitor.lock"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "held\n"
        with pytest.raises(LockHeld, match=f"held by process {proc.pid};"):
            acquire(path)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
        assert path.read_text() == f"{proc.pid}\n"  # the file stays; the lock does not
        with acquire(path) as lock:
            assert lock.held
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --- the scheduler ------------------------------------------------------------------------------


def test_the_scheduler_has_one_job_per_schedule_entry_not_off() -> None:
    settings = Settings(schedule={"annual": "off", "misfire_grace_seconds": 120})
    scheduler = build_scheduler(settings)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert sorted(jobs) == ["report", "scan"]
    for name, job in jobs.items():
        assert job.func is run_scheduled and job.args == (settings, name)
        assert (job.coalesce, job.misfire_grace_time, job.max_instances) == (True, 120, 1)
        assert str(job.trigger.timezone) == "Asia/Shanghai"
    assert str(jobs["scan"].trigger) == (
        "cron[month='*', day='*', day_of_week='*', hour='8-18', minute='*/30']"
    )
    assert str(scheduler.timezone) == "Asia/Shanghai"


def test_run_now_runs_scan_at_start_even_when_it_is_off() -> None:
    on = {j.id: j for j in build_scheduler(Settings(), run_now=True).get_jobs()}
    assert on["scan"].next_run_time is not None  # now; then on its cron schedule
    assert getattr(on["report"], "next_run_time", None) is None  # computed at start
    off = {
        j.id: j
        for j in build_scheduler(Settings(schedule={"scan": "off"}), run_now=True).get_jobs()
    }
    assert str(off["scan"].trigger).startswith("date[")


def test_a_failing_scheduled_run_is_logged_with_its_traceback_and_recorded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(base_dir=tmp_path, source={"path": "missing.csv"})
    run_scheduled(settings, "scan")  # does not raise: the daemon goes on
    [failed] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert failed.getMessage() == "scan: the run failed; the daemon goes on"
    assert failed.exc_info is not None and "no such file" in str(failed.exc_info[1])
    from monitor.db.engine import engine_for

    engine = engine_for(settings)
    with engine.connect() as conn:
        [run] = job_runs(conn, "scan")
    engine.dispose()
    assert run["status"] == "failed" and "Traceback" in run["error"]


def test_a_scheduled_run_skips_while_a_monitor_run_holds_the_job(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(base_dir=tmp_path, source={"path": "missing.csv"})
    with job_lock(settings, "scan"):
        run_scheduled(settings, "scan")
    assert "scan: skipped this time: the scan job is already running" in caplog.text
    assert not (tmp_path / "var" / "monitor.db").exists()  # nothing ran


# --- logs ---------------------------------------------------------------------------------------


def test_json_logs_one_object_per_line_with_the_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(base_dir=tmp_path, logging={"file": "log/monitor.log", "level": "INFO"})
    setup_logging(settings, "json")
    log = logging.getLogger("monitor.test")
    log.debug("not shown at INFO")
    log.info("scan: run #%d ok", 7)
    try:
        raise RuntimeError("boom 办件")
    except RuntimeError:
        log.exception("scan: the run failed")
    err = capsys.readouterr().err.splitlines()
    from_file = (tmp_path / "log" / "monitor.log").read_text(encoding="utf-8").splitlines()
    assert err == from_file and len(err) == 2
    first, second = (json.loads(line) for line in err)
    assert set(first) == {"time", "level", "logger", "message"}
    assert (first["level"], first["logger"], first["message"]) == (
        "INFO",
        "monitor.test",
        "scan: run #7 ok",
    )
    assert dt.datetime.fromisoformat(first["time"]).tzinfo is not None
    assert second["message"] == "scan: the run failed" and second["level"] == "ERROR"
    assert second["exc_info"].startswith("Traceback (most recent call last):")
    assert second["exc_info"].endswith("RuntimeError: boom 办件")
    file_handler = logging.getLogger().handlers[-1]
    assert (file_handler.maxBytes, file_handler.backupCount) == (MAX_BYTES, BACKUPS)  # type: ignore[attr-defined]
    assert (MAX_BYTES, BACKUPS) == (10 * 1024 * 1024, 5)


def test_text_logs_and_setup_twice_keeps_one_handler(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(logging={"level": "WARNING"})
    setup_logging(settings)
    setup_logging(settings)
    logging.getLogger("monitor.test").info("hidden")
    logging.getLogger("monitor.test").warning("shown")
    [line] = capsys.readouterr().err.splitlines()
    assert line.endswith(" WARNING monitor.test: shown")


# --- the daemon as a process --------------------------------------------------------------------


class GatedSmtpServer(SmtpTestServer):
    """:class:`SmtpTestServer` that stalls at RCPT TO ``hold`` until ``release`` is set
    (``holding`` is set meanwhile): a send caught mid-way, for kill -9 and SIGTERM tests."""

    def __init__(self, hold: str) -> None:
        super().__init__()
        self.hold = hold
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address == self.hold and not self.release.is_set():
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


@pytest.fixture
def gated_smtp() -> Iterator[Callable[[str], GatedSmtpServer]]:
    """``gated_smtp(address)`` starts a :class:`GatedSmtpServer` holding ``address``."""
    pytest.importorskip("aiosmtpd")
    from aiosmtpd.controller import Controller

    started: list[tuple[GatedSmtpServer, Any]] = []

    def start(hold: str) -> GatedSmtpServer:
        server = GatedSmtpServer(hold)
        server.port = _free_port()
        controller = Controller(
            server, hostname="127.0.0.1", port=server.port, server_hostname="smtp.test"
        )
        controller.start()
        started.append((server, controller))
        return server

    yield start
    for server, controller in started:
        server.release.set()
        controller.stop()


def write_daemon_config(tmp_path: Path, port: int, **schedule: str) -> Path:
    """A config for the real daemon: SQLite and the lock under ``tmp_path/var``, the March
    cases, SMTP to ``port``, mail at any hour (the test runs whenever it runs), reports for
    :data:`LEADERS`, and an estimated calendar for years not yet published."""
    cases = write_march_cases(tmp_path, *MARCH)
    lines = [
        "[database]",
        'url = "sqlite:///var/monitor.db"',
        "[source]",
        f'path = "{cases}"',
        "[calendar]",
        "allow_estimated_years = true",
        "[alerts]",
        f'default_recipients = ["{OFFICE}"]',
        f'escalation_recipients = ["{BOSS}"]',
        "[alerts.window]",
        "working_days_only = false",
        'start = "00:00"',
        'end = "23:59"',
        "[mail]",
        'transport = "smtp"',
        f'from = "{SENDER}"',
        "[mail.smtp]",
        'host = "127.0.0.1"',
        f"port = {port}",
        "timeout = 30.0",
        "[reports]",
        f'recipients = ["{LEADERS}"]',
        "[schedule]",
        *(f'{k} = "{v}"' for k, v in schedule.items()),
    ]
    for r in ROUTES:
        lines += ["[[alerts.routes]]", f'department = "{r["department"]}"']
        lines.append(f"recipients = {json.dumps(r['recipients'])}")
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_TEST_")}


class Daemons:
    """Starts ``monitor`` processes in ``folder`` and kills whatever is left at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, config: Path, log: str, *args: str) -> subprocess.Popen[bytes]:
        with (self.folder / log).open("wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "monitor", "daemon", "--config", str(config), *args],
                cwd=self.folder,
                env=_env(),
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
        self.procs.append(proc)
        return proc

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "monitor", *args],
            cwd=self.folder,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )

    def kill_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture
def daemons(tmp_path: Path) -> Iterator[Daemons]:
    d = Daemons(tmp_path)
    try:
        yield d
    finally:
        d.kill_all()


def wait_for(condition: Callable[[], bool], seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds} s for {what}; daemon log:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)


def runs_of(tmp_path: Path, job: str) -> list[dict[str, Any]]:
    from monitor.db.engine import engine_for

    settings = Settings(base_dir=tmp_path)
    if not (tmp_path / "var" / "monitor.db").exists():
        return []
    engine = engine_for(settings)
    with engine.connect() as conn:
        found = job_runs(conn, job, 20)[::-1]
    engine.dispose()
    return found


def delivered(server: SmtpTestServer) -> list[tuple[str, ...]]:
    """Each message as (recipients…, subject), sorted."""
    return sorted((*r.rcpt_tos, str(r.message["Subject"])) for r in server.received)


def _away_from_midnight() -> None:
    """The mail window is 00:00–23:59 (end excluded): do not start in the last minutes."""
    now = dt.datetime.now(ZoneInfo("Asia/Shanghai"))
    if now.hour == 23 and now.minute >= 57:
        time.sleep((60 - now.minute) * 60 - now.second + 2)


def test_daemon_process_lock_kill_9_restart_and_sigterm(
    tmp_path: Path, gated_smtp: Callable[[str], GatedSmtpServer], daemons: Daemons
) -> None:
    _away_from_midnight()
    server = gated_smtp(SCJG_TO)
    config = write_daemon_config(tmp_path, server.port, scan="0 0 1 1 *")
    shanghai = dt.datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    reports = [p for p in (due_period(Settings(), j, shanghai) for j in ("report", "annual")) if p]

    # 1. The daemon starts: catch-up (the reports due now), then --run-now's scan, which
    #    stalls while sending to the market regulator.
    log1 = tmp_path / "daemon1.log"
    first = daemons.start(config, log1.name, "--run-now", "--log-format", "json")
    wait_for(server.holding.is_set, 60, "the scan to reach the held recipient", log1)

    # 2. While it runs: the same job and a second daemon are refused with exit 4.
    started = time.monotonic()
    run = daemons.run("run", "scan", "--config", str(config))
    assert (run.returncode, run.stdout) == (4, "")
    assert run.stderr.splitlines()[-1] == (
        f"error: the scan job is already running: {tmp_path / 'var' / 'monitor.lock.scan'} is "
        f"held by process {first.pid}; wait for it to finish or stop it (a crashed process "
        "does not hold the lock)"
    )
    second = daemons.run("daemon", "--config", str(config))
    assert second.returncode == 4
    assert second.stderr.splitlines()[-1].startswith(
        f"error: the monitor daemon is already running: {tmp_path / 'var' / 'monitor.lock'} "
        f"is held by process {first.pid};"
    )
    assert time.monotonic() - started < 20  # two refusals, mostly Python starting up

    # 3. kill -9 in the middle of sending; the locks go with the process.
    os.kill(first.pid, signal.SIGKILL)
    assert first.wait(timeout=10) == -signal.SIGKILL
    server.release.set()
    assert [SCJG_TO] not in server.envelope_recipients  # caught before it was sent

    # 4. Restart: nothing is caught up twice, the queued messages go out, none twice.
    log2 = tmp_path / "daemon2.log"
    restarted = daemons.start(config, log2.name, "--run-now", "--log-format", "json")
    wait_for(
        lambda: [r["status"] for r in runs_of(tmp_path, "scan")] == ["failed", "ok"],
        60,
        "the restarted daemon's scan",
        log2,
    )
    # 5. SIGTERM: exit 0, promptly.
    stop = time.monotonic()
    restarted.send_signal(signal.SIGTERM)
    assert restarted.wait(timeout=10) == 0
    assert time.monotonic() - stop < 10

    got = delivered(server)
    assert len(got) == len(set(got)), f"a message was sent twice: {got}"
    assert sorted(r[0] for r in got) == sorted(ALERTED + [LEADERS] * len(reports))
    assert sorted(r[-1] for r in got if r[0] == LEADERS) == sorted(
        f"【办件统计】{p} 政务服务办件情况" for p in reports
    )
    scan_runs = runs_of(tmp_path, "scan")
    assert scan_runs[0]["error"].startswith("interrupted: the process ended during the run")
    for job in ("report", "annual"):  # made once, by the first daemon's catch-up
        made = [r["counts"]["period"] for r in runs_of(tmp_path, job) if r["status"] == "ok"]
        assert made == [p for p in [due_period(Settings(), job, shanghai)] if p]
    messages = [json.loads(line)["message"] for line in log2.read_text().splitlines()]
    assert "catch-up: nothing missed" in messages
    assert "SIGTERM: stopping; a running job may finish first (at most 60 s)" in messages
    assert messages[-1] == "daemon stopped"
    first_log = [json.loads(line) for line in log1.read_text().splitlines()]
    assert {"time", "level", "logger", "message"} <= set(first_log[0])


def test_sigterm_lets_the_running_job_finish_then_exits_0(
    tmp_path: Path, gated_smtp: Callable[[str], GatedSmtpServer], daemons: Daemons
) -> None:
    _away_from_midnight()
    server = gated_smtp(GAJ_TO)
    config = write_daemon_config(
        tmp_path, server.port, scan="0 0 1 1 *", report="off", annual="off"
    )
    log = tmp_path / "daemon.log"
    proc = daemons.start(config, log.name, "--run-now")
    wait_for(server.holding.is_set, 60, "the scan to reach the held recipient", log)

    stop = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    time.sleep(1.5)
    assert proc.poll() is None  # still finishing its job
    server.release.set()
    assert proc.wait(timeout=10) == 0
    assert time.monotonic() - stop < 10
    # The job finished: every alert went out, and the run is recorded as ok.
    assert sorted(r[0] for r in delivered(server)) == ALERTED
    assert [r["status"] for r in runs_of(tmp_path, "scan")] == ["ok"]
    text = log.read_text()
    assert " INFO monitor.daemon: SIGTERM: stopping; a running job may finish first" in text
    assert text.rstrip().endswith("INFO monitor.daemon: daemon stopped")


BOUNDED = """
import sys
from monitor.config import load_settings
from monitor.daemon.scheduler import run_daemon
from monitor.daemon.logs import setup_logging

settings = load_settings(sys.argv[1])
setup_logging(settings)
run_daemon(settings, run_now=True, stop_timeout=1.0)
"""


def test_a_job_that_does_not_finish_is_abandoned_after_the_stop_timeout(
    tmp_path: Path, gated_smtp: Callable[[str], GatedSmtpServer]
) -> None:
    _away_from_midnight()
    server = gated_smtp(GAJ_TO)  # held until the end of the test
    config = write_daemon_config(
        tmp_path, server.port, scan="0 0 1 1 *", report="off", annual="off"
    )
    log = tmp_path / "daemon.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", BOUNDED, str(config)],
            cwd=tmp_path,
            env=_env(),
            stderr=err,
            start_new_session=True,
        )
    try:
        wait_for(server.holding.is_set, 60, "the scan to reach the held recipient", log)
        stop = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert 0.9 < time.monotonic() - stop < 5
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "ERROR monitor.daemon: a job still runs 1 s after the stop signal" in log.read_text()
    assert [r["status"] for r in runs_of(tmp_path, "scan")] == ["running"]  # until next start


def test_no_run_starts_once_the_daemon_is_stopping(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from monitor.daemon import scheduler as daemon

    caplog.set_level(logging.INFO)
    daemon._STOPPING.set()
    try:
        run_scheduled(Settings(base_dir=tmp_path), "scan")
    finally:
        daemon._STOPPING.clear()
    assert "scan: not started: the daemon is stopping" in caplog.text
    assert not (tmp_path / "var").exists()
