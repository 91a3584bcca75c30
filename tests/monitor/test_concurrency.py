"""Cron and the daemon overlap (issue 10, items 13, 14 and 20): ``monitor alert`` holds the
scan job's lock, a run a killed process left ``running`` is marked interrupted by the next
one, two alert runs that meet in the ledger (no lock between them: two hosts on one
database) leave it right, and two processes that meet a new database both migrate it.

B001 … B005 are :mod:`tests.monitor.test_alerts`' March cases: at Thu 2025-03-13 09:00 three
warnings go out (B001 warning, B002 escalated, B003 warning).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.alerts.run import run_alert
from monitor.config import Settings
from monitor.daemon.lock import job_lock
from monitor.db.engine import current_revision, head_revision, open_database
from monitor.db.runs import INTERRUPTED, start_run
from monitor.db.tables import notifications
from tests.monitor.test_alerts import (
    MARCH,
    THU,
    make_settings,
    monitor,
    url_of,
    write_cases,
    write_config,
)


def test_monitor_alert_exits_4_while_the_scan_job_holds_the_lock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'monitor.db'}", 1)
    cases = write_cases(tmp_path, *MARCH)
    settings = Settings(schedule={"lock_file": str(tmp_path / "var" / "monitor.lock")})
    (tmp_path / "config.toml").write_text(
        Path(config).read_text(encoding="utf-8")
        + f'[schedule]\nlock_file = "{settings.schedule.lock_file}"\n',
        encoding="utf-8",
    )
    with job_lock(settings, "scan"):
        code, out, err = monitor(
            capsys, "alert", "--config", config, "--input", cases, "--at", "2025-03-13T09:00"
        )
    assert (code, out) == (4, "")
    assert err.startswith("error: the scan job is already running: ")
    assert not (tmp_path / "monitor.db").exists()  # nothing was touched


def test_a_killed_monitor_alert_is_marked_interrupted_by_the_next(
    engine: sa.Engine, tmp_path: Path
) -> None:
    settings = make_settings(url_of(engine), mail_dir=tmp_path / "mail")
    with open_database(settings) as db, db.begin() as conn:
        start_run(conn, "alert", THU, THU)  # what kill -9 during `monitor alert` leaves
    run_alert(settings, THU, input_path=write_cases(tmp_path, *MARCH))
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, status, error FROM runs ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, "failed", INTERRUPTED), (2, "ok", None)]


def test_two_alert_runs_that_meet_leave_the_ledger_right(engine: sa.Engine, tmp_path: Path) -> None:
    settings = make_settings(url_of(engine), mail_dir=tmp_path / "mail")
    cases = write_cases(tmp_path, *MARCH)
    with open_database(settings):
        pass  # migrated once, so that the two runs meet in the ledger, not in Alembic
    start, errors = threading.Barrier(2), []

    def alert() -> None:
        start.wait()
        try:
            run_alert(settings, THU, input_path=cases)
        except Exception as exc:  # pragma: no cover - what the test is about
            errors.append(exc)

    threads = [threading.Thread(target=alert) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with engine.connect() as conn:
        warnings = conn.execute(
            sa.text("SELECT case_id, obligation FROM warnings ORDER BY case_id")
        ).all()
        firsts = conn.execute(
            sa.text("SELECT COUNT(*) FROM warning_events WHERE from_level IS NULL")
        ).scalar()
        key = notifications.c.key
        keys = conn.execute(sa.select(sa.func.count(), sa.func.count(sa.distinct(key)))).one()
    assert [tuple(w) for w in warnings] == [
        ("B001", "completion"),
        ("B002", "completion"),
        ("B003", "completion"),
    ]
    assert firsts == 3  # each warning first seen once
    assert keys == (3, 3)  # each message queued once


def test_two_processes_meeting_a_new_database_both_migrate_it(tmp_path: Path) -> None:
    """Two processes (Alembic's context is one per process) open a new SQLite file at the
    same moment: both end with the schema at head, neither fails."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    script = (
        "import sys, time\n"
        "from monitor.config import Settings\n"
        "from monitor.db.engine import open_database\n"
        "time.sleep(max(0.0, float(sys.argv[2]) - time.time()))\n"
        "with open_database(Settings(database={'url': sys.argv[1]})):\n"
        "    pass\n"
    )
    at = str(time.time() + 3)
    procs = [
        subprocess.Popen([sys.executable, "-c", script, url, at], stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(p.wait(60), p.stderr.read() if p.stderr else "") for p in procs]
    assert results == [(0, ""), (0, "")]
    with open_database(Settings(database={"url": url})) as engine:
        assert current_revision(engine) == head_revision()
