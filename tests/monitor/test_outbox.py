"""The outbox's delivery pass against a real SMTP server on loopback (issue 10, items 19-23).

What a slow, hanging or unreachable server costs; what a process killed while the server
thinks about the end of a message leaves behind; delivery per recipient; errors that say what
will happen; a message that cannot be built. Every test runs on each backend of the
``engine`` fixture and talks to aiosmtpd (``smtp_server``) or to a socket that never answers.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.alerts.run import run_alert
from monitor.config import Settings
from monitor.db.engine import upgrade
from monitor.db.runs import recent_runs
from monitor.db.tables import notifications
from monitor.errors import ConfigError
from monitor.notify.mail import SmtpTransport, StageTimeouts, transport_for
from monitor.notify.outbox import Delivered, deliver, outbox_rows, queue, retry
from monitor.notify.receiver import Receiver
from tests.conftest import SmtpTestServer
from tests.monitor.test_alerts import (
    BOSS,
    GAJ_TO,
    OFFICE,
    SCJG_TO,
    THU,
    closed_port,
    counts,
    make_settings,
    url_of,
    write_cases,
)

MINUTE = dt.timedelta(minutes=1)


def put(engine: sa.Engine, key: str, *recipients: str, now: dt.datetime = THU) -> None:
    """Queue one alert message to ``recipients`` (stored as the alert job stores them)."""
    with engine.begin() as conn:
        queue(
            conn,
            key=key,
            kind="alert",
            run_id=None,
            recipients=recipients,
            subject=f"【办件预警】{key}",
            text="text",
            html="<p>html</p>",
            case_count=1,
            now=now,
        )


def rows(engine: sa.Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        frame = outbox_rows(conn, ("queued", "dead", "sent"))
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def in_flight(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn:
        c = notifications.c
        return list(conn.execute(sa.select(c.sending_since).order_by(c.id)).scalars())


def send(
    engine: sa.Engine, settings: Settings, now: dt.datetime, transport: Receiver | None = None
) -> Delivered:
    """One delivery pass of alert mail, whatever the send window."""
    receiver = transport or transport_for(settings)
    return deliver(engine, receiver, settings, now, None, window=False)


@pytest.fixture
def db(engine: sa.Engine) -> sa.Engine:
    upgrade(engine)
    return engine


# --- item 19: timing ---------------------------------------------------------------------------


def test_a_slow_answer_to_the_end_of_the_message_is_not_a_second_copy(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    """The server takes 1.5 s to answer the final "." with ``timeout = 0.5``: before, the
    run gave up, counted a failure, and the next run sent the message a second time."""
    cases = write_cases(tmp_path, "B003")
    settings = make_settings(url_of(engine), smtp_server.port)
    settings.mail.smtp.timeout = 0.5
    smtp_server.delay_next(1.5)
    assert run_alert(settings, THU, input_path=cases).counts == counts(new=1, queued=1, sent=1)
    assert run_alert(settings, THU + 10 * MINUTE, input_path=cases).counts == counts()
    assert len(smtp_server.messages) == 1


def test_an_unreachable_server_costs_one_attempt_per_pass(
    engine: sa.Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Three messages, the server refuses connections: one attempt, one log line; the other
    two stay queued as they were (due, no attempt burned)."""
    cases = write_cases(tmp_path, "B001", "B002", "B003")
    port = closed_port()
    settings = make_settings(url_of(engine), port)
    with caplog.at_level(logging.WARNING, logger="monitor"):
        run = run_alert(settings, THU, input_path=cases)
    assert run.counts == counts(new=3, queued=3, failed=3)
    assert run.delivered is not None and run.delivered.nothing_sent
    assert run.delivered.stopped_by == f"SMTP 127.0.0.1:{port} refused the connection"
    got = rows(engine)
    assert [(r["status"], r["attempts"]) for r in got] == [
        ("queued", 1),
        ("queued", 0),
        ("queued", 0),
    ]
    assert [r["next_attempt_at"] for r in got] == [THU + 5 * MINUTE, THU, THU]
    assert [r["last_error"] for r in got] == [
        f"SMTP 127.0.0.1:{port} refused the connection; will try again",
        None,
        None,
    ]
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [
        f"SMTP 127.0.0.1:{port} refused the connection; message 1 will be retried, 2 more "
        "due messages not tried in this pass (still queued)"
    ]


class SilentServer:
    """A socket that accepts connections and never says a word; counts the connections."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self) -> None:
        self.listener.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def test_a_hanging_server_costs_one_timeout_per_pass(
    db: sa.Engine, silent_server: SilentServer
) -> None:
    for key in ("k1", "k2", "k3"):
        put(db, key, GAJ_TO)
    settings = make_settings(url_of(db), silent_server.port)
    transport = SmtpTransport(
        "127.0.0.1",
        silent_server.port,
        stages=StageTimeouts(command=0.5, greeting=0.5),
    )
    started = time.monotonic()
    done = send(db, settings, THU, transport)
    assert time.monotonic() - started < 1.4  # one greeting's wait, not three
    assert (done.sent, done.failed, done.dead) == (0, 3, 0)
    assert done.stopped_by == (
        f"SMTP 127.0.0.1:{silent_server.port} did not answer within 0.5 s "
        "(waiting for the greeting)"
    )
    assert len(silent_server.connections) == 1
    assert [r["attempts"] for r in rows(db)] == [1, 0, 0]


# --- item 20: killed while the server thinks about the end of the message ------------------

SENDER_PROCESS = """
import datetime as dt, sys
from monitor.config import Settings
from monitor.db.engine import engine_for
from monitor.notify.mail import transport_for
from monitor.notify.outbox import deliver
settings = Settings(
    database={"url": sys.argv[1]},
    mail={"transport": "smtp", "smtp": {"host": "127.0.0.1", "port": int(sys.argv[2])}},
)
deliver(engine_for(settings), transport_for(settings), settings,
        dt.datetime.fromisoformat(sys.argv[3]), None, window=False)
"""


def _kill_while(server: SmtpTestServer, engine: sa.Engine, until: str) -> None:
    """Run a delivery pass in another process and ``kill -9`` it once ``until`` holds:
    "received" (the server has the message and waits to answer) or "rcpt" (the server waits
    to answer RCPT, before DATA)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SENDER_PROCESS, url_of(engine), str(server.port), THU.isoformat()]
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if until == "received" and server.received and in_flight(engine)[0] is not None:
                break
            if until == "rcpt" and "rcpt" in server.delayed:
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"the sending process never reached {until!r}")
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()


def test_killed_while_the_server_answers_the_end_is_never_sent_twice(
    db: sa.Engine, smtp_server: SmtpTestServer
) -> None:
    """The crash window, measured: the server has the message and delays its 250 by 30 s;
    the sender is killed during the delay. Before: the next run sent it again (two copies).
    Now the message is marked in flight from just before the final "." until the answer is
    recorded; a later run leaves a young mark alone and dead-letters an old one, saying why.
    """
    put(db, "k1", GAJ_TO, OFFICE)
    settings = make_settings(url_of(db), smtp_server.port)
    smtp_server.delay_next(30.0)
    _kill_while(smtp_server, db, "received")
    assert len(smtp_server.messages) == 1
    assert in_flight(db) == [THU]  # marked before the ".", never answered

    # Minutes later (the killed process could have been a live one still waiting): nothing.
    assert send(db, settings, THU + MINUTE) == send(db, settings, THU + 2 * MINUTE)
    assert len(smtp_server.messages) == 1
    # Past the grace (longer than any wait for an answer): a dead letter that says why.
    done = send(db, settings, THU + 20 * MINUTE)
    assert (done.sent, done.failed, done.dead) == (0, 0, 1)
    (row,) = rows(db)
    assert row["status"] == "dead" and in_flight(db) == [None]
    assert row["last_error"] == (
        "the sending process stopped at 2025-03-13 09:00:00 after the end of the message went "
        "to the server and before its answer came: it may have been delivered, so it is not "
        f"sent again by itself; ask {GAJ_TO}, {OFFICE} whether it arrived, else `monitor "
        "outbox retry --id 1`"
    )
    assert len(smtp_server.messages) == 1  # still one copy
    # A person who finds it did not arrive re-queues it: then it goes.
    with db.begin() as conn:
        assert retry(conn, THU + 30 * MINUTE, [1]) == 1
    assert send(db, settings, THU + 30 * MINUTE).sent == 1
    assert len(smtp_server.messages) == 2


def test_killed_before_the_end_is_sent_again_once(
    db: sa.Engine, smtp_server: SmtpTestServer
) -> None:
    """Killed while the server waits to answer RCPT: the server cannot have the message
    (DATA never ended), there is no mark, and the next run sends it — one copy in all."""
    put(db, "k1", GAJ_TO)
    settings = make_settings(url_of(db), smtp_server.port)
    smtp_server.delay_next(30.0, stage="rcpt")
    _kill_while(smtp_server, db, "rcpt")
    assert smtp_server.messages == [] and in_flight(db) == [None]
    done = send(db, settings, THU + MINUTE)
    assert (done.sent, done.dead) == (1, 0)
    assert len(smtp_server.messages) == 1


# --- item 21: per recipient --------------------------------------------------------------------


def test_outbox_retry_goes_only_to_the_recipient_that_was_refused(
    db: sa.Engine, smtp_server: SmtpTestServer
) -> None:
    put(db, "k1", SCJG_TO, OFFICE)
    settings = make_settings(url_of(db), smtp_server.port)
    smtp_server.fail_next(1, code=550, stage="rcpt")  # SCJG_TO: no such user (yet)
    done = send(db, settings, THU)
    assert (done.sent, done.dead) == (0, 1)
    (row,) = rows(db)
    assert (row["status"], row["delivered_to"]) == ("dead", OFFICE)
    assert row["last_error"].startswith(
        f"SMTP 127.0.0.1:{smtp_server.port} accepted the message but refused {SCJG_TO} (550"
    )
    with db.begin() as conn:
        retry(conn, THU + MINUTE)
    assert send(db, settings, THU + MINUTE).sent == 1
    # Before: the retry went to both, and OFFICE had the message twice.
    assert smtp_server.envelope_recipients == [[OFFICE], [SCJG_TO]]
    assert rows(db)[0]["delivered_to"] == f"{OFFICE},{SCJG_TO}"


def test_a_4xx_for_one_recipient_is_retried_for_that_one_only(
    db: sa.Engine, smtp_server: SmtpTestServer
) -> None:
    put(db, "k1", SCJG_TO, OFFICE, BOSS)
    settings = make_settings(url_of(db), smtp_server.port)
    smtp_server.fail_next(1, code=452, stage="rcpt")  # mailbox full for now
    done = send(db, settings, THU)
    assert (done.sent, done.failed, done.dead) == (0, 1, 0)
    assert rows(db)[0]["last_error"].endswith("; will try again")
    assert send(db, settings, THU + 5 * MINUTE).sent == 1
    assert smtp_server.envelope_recipients == [[OFFICE, BOSS], [SCJG_TO]]


# --- item 22: what the log and the stored errors say ---------------------------------------------


def test_a_dead_letter_does_not_promise_a_retry(db: sa.Engine, smtp_server: SmtpTestServer) -> None:
    put(db, "k1", GAJ_TO)
    settings = make_settings(url_of(db), smtp_server.port, max_attempts=2)
    smtp_server.fail_next(2, code=451)
    assert send(db, settings, THU).failed == 1
    assert rows(db)[0]["last_error"] == (
        f"SMTP 127.0.0.1:{smtp_server.port} answered 451 4.0.0 test server: try again later; "
        "will try again"
    )
    assert send(db, settings, THU + 5 * MINUTE).dead == 1
    assert rows(db)[0]["last_error"] == (
        f"SMTP 127.0.0.1:{smtp_server.port} answered 451 4.0.0 test server: try again later; "
        "gave up after 2 attempts ([alerts] max_attempts)"
    )


def test_a_missing_password_variable_stops_the_alert_job_before_it_starts(
    engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MONITOR_TEST_SMTP_PASSWORD", raising=False)
    settings = make_settings(url_of(engine), closed_port())
    settings.mail.smtp.username = "monitor"
    settings.mail.smtp.password_env = "MONITOR_TEST_SMTP_PASSWORD"
    with pytest.raises(ConfigError, match="names environment variable MONITOR_TEST_SMTP_PASS"):
        run_alert(settings, THU, input_path=write_cases(tmp_path, "B003"))
    # Before: the run was recorded, the message queued, the run left "running".
    upgrade(engine)
    with engine.connect() as conn:
        assert recent_runs(conn).empty
        assert outbox_rows(conn, ("queued", "dead", "sent")).empty


# --- item 23: one bad message never blocks the others --------------------------------------------


def test_a_message_that_cannot_be_built_is_dead_and_the_others_go(
    db: sa.Engine, smtp_server: SmtpTestServer
) -> None:
    put(db, "k1", "a..b@example.cn")  # stored before the configuration refused such addresses
    put(db, "k2", GAJ_TO)
    settings = make_settings(url_of(db), smtp_server.port)
    done = send(db, settings, THU)
    assert (done.sent, done.failed, done.dead) == (1, 0, 1)
    bad, good = rows(db)
    assert bad["status"] == "dead" and good["status"] == "sent"
    assert bad["last_error"] == (
        "the message cannot be built: not a valid email address: 'a..b@example.cn' (an email "
        "address cannot have two periods in a row)"
    )
    assert smtp_server.envelope_recipients == [[GAJ_TO]]
