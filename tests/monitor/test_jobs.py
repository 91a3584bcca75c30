"""The scheduled jobs called directly with ``now``: bookkeeping in ``runs``, the catch-up of
missed reports, the admin email after repeated failures, the calendar coverage warning, and
the ``monitor run`` / ``monitor status`` commands.

SQLite only (a file under ``tmp_path``), mail to a real SMTP server on loopback
(``smtp_server``). The cases are those of :mod:`tests.monitor.test_alerts` (March 2025,
hand-checked levels): at Thu 2025-03-13 09:00, B001 (warning) and B002 (escalated) go to the
market regulator, B003 (warning) to the police, B002 also to the supervisors — three emails.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from monitor.cases.calendar import coverage_line, coverage_warning
from monitor.config import Settings
from monitor.daemon.jobs import catch_up, due_period, report_exists, run_job
from monitor.daemon.lock import job_lock
from monitor.db.engine import engine_for, upgrade
from monitor.db.runs import job_runs, start_run
from monitor.errors import InputError
from rules.calendar import published_years
from tests.conftest import SmtpTestServer
from tests.monitor.test_alerts import (
    BOSS,
    FRI,
    GAJ_TO,
    MARCH,
    ROUTES,
    SCJG_TO,
    SENDER,
    THU,
    counts,
    monitor,
    write_cases,
)

ADMIN = "it-admin@example.gov.cn"
LEADERS = "leaders@example.gov.cn"
APRIL_1 = dt.datetime(2025, 4, 1, 9, 0)  # after the monthly report's 08:00 on the 1st


def job_settings(
    tmp_path: Path,
    port: int,
    *,
    cases: str | None = None,
    schedule: dict[str, Any] | None = None,
    calendar: dict[str, Any] | None = None,
    **alerts: Any,
) -> Settings:
    """SQLite under ``tmp_path``, SMTP to ``port``, the March cases (or ``cases``) as the
    source, reports into ``tmp_path/reports`` for :data:`LEADERS`, :data:`ADMIN` as admin."""
    section: dict[str, Any] = {
        "routes": ROUTES,
        "escalation_recipients": [BOSS],
        "admin_recipients": [ADMIN],
    }
    section.update(alerts)
    return Settings(
        database={"url": f"sqlite:///{tmp_path / 'monitor.db'}"},
        source={"path": cases or write_cases(tmp_path, *MARCH)},
        mail={
            "transport": "smtp",
            "from": SENDER,
            "smtp": {"host": "127.0.0.1", "port": port, "timeout": 5.0},
        },
        alerts=section,
        reports={"out_dir": str(tmp_path / "reports"), "recipients": [LEADERS]},
        schedule={"lock_file": str(tmp_path / "monitor.lock"), **(schedule or {})},
        calendar=calendar or {},
    )


def all_runs(settings: Settings) -> list[dict[str, Any]]:
    """Every run, oldest first: id, job, at, status, counts (dict), error."""
    engine = engine_for(settings)
    upgrade(engine)
    with engine.connect() as conn:
        rows = [r for job in ("scan", "report", "annual", "alert") for r in job_runs(conn, job, 99)]
    engine.dispose()
    keep = ("id", "job", "at", "status", "counts", "error")
    return sorted(({k: r[k] for k in keep} for r in rows), key=lambda r: r["id"])


def to(server: SmtpTestServer, address: str) -> list[str]:
    """Subjects of the messages ``address`` received."""
    return [str(r.message["Subject"]) for r in server.received if address in r.rcpt_tos]


# --- run_job: one run, recorded --------------------------------------------------------------


def test_scan_runs_the_alert_job_and_records_an_ok_run(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    settings = job_settings(tmp_path, smtp_server.port)
    assert run_job(settings, "scan", THU) == counts(new=3, queued=3, sent=3)
    assert smtp_server.envelope_recipients == [[GAJ_TO], [SCJG_TO], [BOSS]]
    runs = all_runs(settings)
    # One record of the run (issue 10, item 13: not a scan row and an alert row beside it);
    # the ledger's events are recorded under it.
    assert [(r["id"], r["job"], r["at"], r["status"]) for r in runs] == [(1, "scan", THU, "ok")]
    assert runs[0]["counts"] == counts(new=3, queued=3, sent=3)
    assert runs[0]["error"] is None
    engine = engine_for(settings)
    with engine.connect() as conn:
        run_ids = conn.execute(sa.text("SELECT DISTINCT run_id FROM warning_events")).scalars()
        assert list(run_ids) == [1]
    engine.dispose()


def test_a_failing_job_is_recorded_with_its_traceback_and_raised(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    settings = job_settings(tmp_path, smtp_server.port, cases=str(tmp_path / "missing.csv"))
    with pytest.raises(InputError, match=r"missing\.csv: no such file"):
        run_job(settings, "scan", THU)
    [run] = all_runs(settings)
    assert (run["job"], run["status"], run["counts"]) == ("scan", "failed", {})
    assert run["error"].startswith("Traceback (most recent call last):")
    assert run["error"].rstrip().endswith("missing.csv: no such file")
    assert smtp_server.messages == []  # one failure is not worth an email


def test_report_is_the_previous_month_written_and_sent(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    settings = job_settings(tmp_path, smtp_server.port)
    result = run_job(settings, "report", APRIL_1)
    assert result == {"period": "2025-03", "queued": 1, "sent": 1, "failed": 0, "dead": 0}
    assert (tmp_path / "reports" / "2025-03.json").is_file()
    assert to(smtp_server, LEADERS) == ["【办件统计】2025-03 政务服务办件情况"]
    assert [(r["job"], r["status"], r["counts"]) for r in all_runs(settings)] == [
        ("report", "ok", result)
    ]


def test_annual_is_the_previous_year(tmp_path: Path, smtp_server: SmtpTestServer) -> None:
    settings = job_settings(tmp_path, smtp_server.port)
    result = run_job(settings, "annual", dt.datetime(2025, 1, 2, 8, 0))
    assert result["period"] == "2024"
    assert (tmp_path / "reports" / "2024.json").is_file()
    assert to(smtp_server, LEADERS) == ["【办件统计】2024 政务服务办件情况"]


def test_an_unknown_job_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown job 'alert'; expected one of scan, report"):
        run_job(job_settings(tmp_path, 25), "alert", THU)


def test_a_run_left_running_by_a_dead_process_is_recorded_as_interrupted(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    settings = job_settings(tmp_path, smtp_server.port)
    engine = engine_for(settings)
    upgrade(engine)
    with engine.begin() as conn:  # what kill -9 mid-run leaves behind
        start_run(conn, "scan", THU, THU)
        start_run(conn, "alert", THU, THU)  # the scan's alert run
        start_run(conn, "alert", FRI, FRI)  # someone's `monitor alert`, killed as well
    engine.dispose()
    run_job(settings, "scan", THU + dt.timedelta(hours=1))
    runs = [(r["id"], r["job"], r["status"]) for r in all_runs(settings)]
    # `monitor alert` holds the scan job's lock (issue 10, item 14): with that lock held,
    # a `running` alert run is as dead as a `running` scan run.
    assert runs == [
        (1, "scan", "failed"),
        (2, "alert", "failed"),
        (3, "alert", "failed"),
        (4, "scan", "ok"),
    ]
    assert all_runs(settings)[0]["error"] == (
        "interrupted: the process ended during the run (killed, crashed or stopped)"
    )
    assert all_runs(settings)[1]["error"] == all_runs(settings)[0]["error"]


# --- catch-up ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("job", "spec", "now", "due"),
    [
        # The monthly report: due once the job's first time this month has passed.
        ("report", "0 8 1 * *", "2025-04-01T07:59", None),
        ("report", "0 8 1 * *", "2025-04-01T08:00", "2025-03"),
        ("report", "0 8 1 * *", "2025-04-30T23:59", "2025-03"),
        ("report", "0 8 1 * *", "2025-01-01T08:00", "2024-12"),
        ("report", "off", "2025-04-15T12:00", None),
        # Mondays at 09:30: Sun 2025-06-01 is before June's first (Mon 2025-06-02).
        ("report", "30 9 * * 1", "2025-06-01T12:00", None),
        ("report", "30 9 * * 1", "2025-06-02T09:30", "2025-05"),
        # The annual report: due once the job's first time this year has passed.
        ("annual", "0 8 2 1 *", "2025-01-02T07:59", None),
        ("annual", "0 8 2 1 *", "2025-01-02T08:00", "2024"),
        ("annual", "0 8 2 1 *", "2025-12-31T23:59", "2024"),
    ],
)
def test_due_period(job: str, spec: str, now: str, due: str | None) -> None:
    settings = Settings(schedule={job: spec})
    assert due_period(settings, job, dt.datetime.fromisoformat(now)) == due


def test_catch_up_makes_a_missing_monthly_report_once(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    settings = job_settings(tmp_path, smtp_server.port, schedule={"annual": "off"})
    assert not report_exists(settings, "report", "2025-03")
    assert catch_up(settings, APRIL_1) == ["2025-03"]
    assert report_exists(settings, "report", "2025-03")
    assert catch_up(settings, APRIL_1) == []
    assert catch_up(settings, APRIL_1 + dt.timedelta(days=3)) == []
    assert to(smtp_server, LEADERS) == ["【办件统计】2025-03 政务服务办件情况"]
    assert [(r["job"], r["status"]) for r in all_runs(settings)] == [("report", "ok")]


def test_catch_up_makes_nothing_before_the_scheduled_time(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    settings = job_settings(tmp_path, smtp_server.port, schedule={"annual": "off"})
    assert catch_up(settings, dt.datetime(2025, 4, 1, 7, 0)) == []
    assert all_runs(settings) == [] and smtp_server.messages == []


def test_catch_up_makes_nothing_when_the_report_file_exists(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    settings = job_settings(tmp_path, smtp_server.port, schedule={"annual": "off"})
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "2025-03.json").write_text('{"period": "2025-03"}\n')
    assert catch_up(settings, APRIL_1) == []
    assert all_runs(settings) == [] and smtp_server.messages == []


def test_catch_up_makes_nothing_when_a_run_made_it_even_if_the_files_are_gone(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    settings = job_settings(tmp_path, smtp_server.port, schedule={"annual": "off"})
    run_job(settings, "report", APRIL_1)
    for path in (tmp_path / "reports").iterdir():
        path.unlink()
    assert catch_up(settings, APRIL_1 + dt.timedelta(hours=2)) == []
    assert len(to(smtp_server, LEADERS)) == 1


def test_catch_up_makes_the_annual_report_too(tmp_path: Path, smtp_server: SmtpTestServer) -> None:
    settings = job_settings(tmp_path, smtp_server.port)
    assert catch_up(settings, dt.datetime(2025, 1, 2, 9, 0)) == ["2024-12", "2024"]
    assert catch_up(settings, dt.datetime(2025, 1, 2, 10, 0)) == []
    assert sorted(to(smtp_server, LEADERS)) == [
        "【办件统计】2024 政务服务办件情况",
        "【办件统计】2024-12 政务服务办件情况",
    ]


def test_catch_up_goes_on_after_a_failure(tmp_path: Path, smtp_server: SmtpTestServer) -> None:
    settings = job_settings(tmp_path, smtp_server.port, cases=str(tmp_path / "missing.csv"))
    assert catch_up(settings, APRIL_1) == []  # both failed; logged and recorded, not raised
    assert [(r["job"], r["status"]) for r in all_runs(settings)] == [
        ("report", "failed"),
        ("annual", "failed"),
    ]


# --- the admins hear about repeated failures, once per streak ---------------------------------


def test_admins_get_one_email_after_n_consecutive_failures(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    cases = tmp_path / "cases.csv"  # not there yet: every scan fails
    settings = job_settings(tmp_path, smtp_server.port, cases=str(cases))

    def fail(at: dt.datetime) -> None:
        with pytest.raises(InputError):
            run_job(settings, "scan", at)

    fail(THU)
    fail(THU + dt.timedelta(minutes=30))
    assert to(smtp_server, ADMIN) == []
    fail(THU + dt.timedelta(minutes=60))  # the third in a row
    assert to(smtp_server, ADMIN) == ["【办件监测】任务 scan 连续失败 3 次"]
    [mail] = [r.message for r in smtp_server.received]
    text = mail.get_body(("plain",)).get_content()
    assert "运行 #1, #2, #3，首次 2025-03-13 09:00" in text
    assert "cases.csv: no such file" in text
    fail(THU + dt.timedelta(minutes=90))  # the same streak: no second email
    fail(THU + dt.timedelta(minutes=120))
    assert len(to(smtp_server, ADMIN)) == 1

    write_cases(tmp_path, *MARCH)  # fixed: a run succeeds and ends the streak
    run_job(settings, "scan", THU + dt.timedelta(minutes=150))
    cases.unlink()  # broken again: a new streak, a new email after three failures
    for minutes in (180, 210):
        fail(THU + dt.timedelta(minutes=minutes))
    assert len(to(smtp_server, ADMIN)) == 1
    fail(THU + dt.timedelta(minutes=240))
    assert len(to(smtp_server, ADMIN)) == 2
    assert [r.rcpt_tos for r in smtp_server.received if ADMIN in r.rcpt_tos] == [[ADMIN]] * 2


def test_admin_email_in_english_and_with_a_threshold_of_one(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    settings = job_settings(
        tmp_path,
        smtp_server.port,
        cases=str(tmp_path / "missing.csv"),
        schedule={"admin_alert_after": 1},
        language="en",
    )
    with pytest.raises(InputError):
        run_job(settings, "report", APRIL_1)
    assert to(smtp_server, ADMIN) == ["[banjian-monitor] job report failed 1 times in a row"]


def test_without_admin_recipients_a_failure_streak_is_only_logged(
    tmp_path: Path, smtp_server: SmtpTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    settings = job_settings(
        tmp_path,
        smtp_server.port,
        cases=str(tmp_path / "missing.csv"),
        schedule={"admin_alert_after": 1},
        admin_recipients=[],
    )
    with pytest.raises(InputError):
        run_job(settings, "scan", THU)
    assert smtp_server.messages == []
    assert "no [alerts] admin_recipients to tell" in caplog.text


# --- calendar coverage --------------------------------------------------------------------------

WARNING_2027 = (
    "the official 2027 holiday schedule is not known (not in the installed holidays package "
    "0.109 and not under [calendar.years.2027] in the configuration): add it under "
    "[calendar.years.2027] (holidays = every weekday off, workdays = the weekend days worked, "
    "调休) or upgrade the holidays package before 1 January 2027, or deadlines from then on "
    "cannot be computed"
)
YEAR_2027 = {"years": {"2027": {"holidays": ["2027-01-01"], "workdays": []}}}


def test_the_installed_holidays_package_carries_2026_and_not_2027() -> None:
    # The coverage tests below rest on this; upgrading `holidays` is deliberate (pyproject).
    assert 2026 in published_years() and 2027 not in published_years()


def test_coverage_warning_from_1_december() -> None:
    settings = Settings()
    assert coverage_warning(settings, dt.date(2026, 11, 30)) is None
    assert coverage_line(settings, dt.date(2026, 11, 30)) == "calendar: 2026 published"
    assert coverage_warning(settings, dt.date(2026, 12, 1)) == WARNING_2027
    assert coverage_warning(settings, dt.date(2026, 12, 31)) == WARNING_2027
    assert coverage_line(settings, dt.date(2026, 12, 1)) == f"calendar: {WARNING_2027}"


def test_coverage_warning_in_the_unknown_year_itself() -> None:
    warning = coverage_warning(Settings(), dt.date(2027, 1, 5))
    assert warning is not None
    assert warning.endswith("add it under [calendar.years.2027] (holidays = every weekday off, "
                            "workdays = the weekend days worked, 调休) or upgrade the holidays "
                            "package now")  # fmt: skip


def test_no_coverage_warning_when_the_year_is_configured() -> None:
    settings = Settings(calendar=YEAR_2027)
    assert coverage_warning(settings, dt.date(2026, 12, 1)) is None
    assert coverage_line(settings, dt.date(2026, 12, 1)) == (
        "calendar: 2027 configured in [calendar.years.2027]"
    )


def test_scan_emails_the_admins_once_about_next_years_calendar(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    settings = job_settings(tmp_path, smtp_server.port)
    december = dt.datetime(2026, 12, 1, 9, 0)
    run_job(settings, "scan", december)
    run_job(settings, "scan", december + dt.timedelta(hours=1))
    run_job(settings, "scan", december + dt.timedelta(days=1))
    assert to(smtp_server, ADMIN) == ["【办件监测】2027 年节假日安排尚未配置"]
    [mail] = [r.message for r in smtp_server.received if ADMIN in r.rcpt_tos]
    text = mail.get_body(("plain",)).get_content()
    assert "[calendar.years.2027]" in text and WARNING_2027 in text.replace("\r\n", "\n")
    # The alerts went out as usual.
    assert {GAJ_TO, SCJG_TO, BOSS} <= {a for r in smtp_server.received for a in r.rcpt_tos}


def test_scan_says_nothing_about_the_calendar_in_november_or_when_configured(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    run_job(job_settings(tmp_path, smtp_server.port), "scan", dt.datetime(2026, 11, 30, 9, 0))
    (tmp_path / "b").mkdir()
    configured = job_settings(tmp_path / "b", smtp_server.port, calendar=YEAR_2027)
    run_job(configured, "scan", dt.datetime(2026, 12, 1, 9, 0))
    assert to(smtp_server, ADMIN) == []


# --- monitor run and monitor status -------------------------------------------------------------


def write_job_config(tmp_path: Path, port: int) -> str:
    lines = [
        "[database]",
        'url = "sqlite:///var/monitor.db"',
        "[source]",
        f'path = "{write_cases(tmp_path, *MARCH)}"',
        "[mail]",
        'transport = "smtp"',
        f'from = "{SENDER}"',
        "[mail.smtp]",
        'host = "127.0.0.1"',
        f"port = {port}",
        "timeout = 5.0",
        "[alerts]",
        f'escalation_recipients = ["{BOSS}"]',
    ]
    for r in ROUTES:
        lines += [
            "[[alerts.routes]]",
            f'department = "{r["department"]}"',
            f"recipients = {json.dumps(r['recipients'])}",
        ]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_cli_run_and_status(
    tmp_path: Path, smtp_server: SmtpTestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_job_config(tmp_path, smtp_server.port)
    code, out, err = monitor(capsys, "run", "scan", "--config", config, "--at", "2025-03-13T09:00")
    assert code == 0, err
    assert json.loads(out) == counts(new=3, queued=3, sent=3)
    assert "scan: run #1 ok in" in err  # the log, on stderr

    code, out, err = monitor(capsys, "status", "--config", config, "--at", "2026-12-01T09:10")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines.pop(0).startswith("versions   monitor ")  # test_alerts checks the whole line
    assert lines[0] == f"database   sqlite:///{tmp_path / 'var' / 'monitor.db'}"
    assert lines[1] == "outbox     0 queued, 0 dead"
    # Each run once, under its job (issue 10, item 13).
    assert lines[2] == 'scan       "*/30 8-18 * * *", next at 2026-12-01 09:30'
    assert lines[3].startswith("  run #1 20")  # started and finished on the wall clock
    assert " → 20" in lines[3]
    assert lines[3].endswith(
        'ok      {"dead": 0, "failed": 0, "held": 0, "new": 3, "queued": 3, '
        '"raised": 0, "repeated": 0, "replaced": 0, "resolved": 0, "sent": 3, "suppressed": 0, '
        '"unrouted": 0}'
    )
    assert lines[4:10] == [
        'report     "0 8 1 * *", next at 2027-01-01 08:00',
        "  no runs yet",
        'annual     "0 8 2 1 *", next at 2027-01-02 08:00',
        "  no runs yet",
        "alert      by hand (monitor alert)",
        "  no runs yet",
    ]
    assert lines[10:] == [f"calendar: {WARNING_2027}"]
    assert sum("run #1 " in line for line in lines) == 1


def test_cli_status_shows_the_last_line_of_a_failure_and_off_jobs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[source]\npath = "missing.csv"\n[schedule]\nreport = "off"\nannual = "off"\n',
        encoding="utf-8",
    )
    code, out, err = monitor(capsys, "run", "report", "--config", str(config))
    assert code == 2
    assert err.splitlines()[-1] == f"error: {tmp_path / 'missing.csv'}: no such file"
    code, out, err = monitor(capsys, "status", "--config", str(config), "--at", "2026-06-01")
    lines = out.splitlines()
    assert lines[-9:] == [
        'scan       "*/30 8-18 * * *", next at 2026-06-01 08:00',
        "  no runs yet",
        "report     off",
        lines[-6],
        "annual     off",
        "  no runs yet",
        "alert      by hand (monitor alert)",
        "  no runs yet",
        "calendar: 2026 published",
    ]
    assert lines[-6].startswith("  run #1 20") and lines[-6].endswith(
        f"failed  monitor.errors.InputError: {tmp_path / 'missing.csv'}: no such file"
    )


def test_cli_run_exits_4_while_the_same_job_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[source]\npath = "missing.csv"\n', encoding="utf-8")
    settings = Settings(base_dir=tmp_path)
    with job_lock(settings, "scan"):
        code, out, err = monitor(capsys, "run", "scan", "--config", str(config))
        assert (code, out) == (4, "")
        assert err.splitlines()[-1] == (
            f"error: the scan job is already running: {tmp_path / 'var' / 'monitor.lock.scan'} "
            f"is held by process {os.getpid()}; wait for it to finish or stop it "
            "(a crashed process does not hold the lock)"
        )
        # Another job is not held up by it (and fails here for its own reason, exit 2).
        assert monitor(capsys, "run", "report", "--config", str(config))[0] == 2
    assert all_runs(Settings(base_dir=tmp_path))[0]["job"] == "report"


def test_cli_run_help_lists_the_jobs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = monitor(capsys, "run", "--help")
    assert code == 0
    assert "scan    evaluate and send alert mail" in out
    assert "monitor run report --at 2025-06-01T08:00" in out
