"""Robot and webhook receivers through the alert job and the outbox (issue 12), end to end:
``run_alert`` and the CLI against loopback robot servers (:mod:`tests.monitor.robot_servers`)
and the loopback SMTP server, on each database backend of the ``engine`` fixture.

Routing by receiver name beside mail; sent once, retried on 5xx and rate limits, dead on a
wrong secret and re-queued by ``outbox retry``; in doubt when the answer is lost; the crash
window (``kill -9`` while the platform holds its answer) never a second copy; a receiver that
is down holds only its own messages; ``monitor test-receiver``.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from monitor.alerts.run import run_alert
from monitor.config import Settings
from monitor.db.engine import upgrade
from monitor.notify.mail import transport_for
from monitor.notify.outbox import Delivered, deliver, queue, retry
from monitor.notify.robots import pace
from monitor.notify.robots.pace import pacer_for
from tests.conftest import SmtpTestServer
from tests.monitor.robot_servers import RobotServer
from tests.monitor.test_alerts import (
    BOSS,
    GAJ,
    MARCH,
    OFFICE,
    SCJG,
    SCJG_TO,
    SENDER,
    THU,
    closed_port,
    monitor,
    url_of,
    write_cases,
)
from tests.monitor.test_outbox import in_flight, rows

MINUTE = dt.timedelta(minutes=1)
DING_SECRET = "SECd1ngta1k"
HOOK_SECRET = "whsec-office"


@pytest.fixture(autouse=True)
def fresh_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no sends counted: the pacers live as long as the process, and
    the tests of one process send a robot more than 20 messages a minute."""
    monkeypatch.setattr(pace, "_PACERS", {})


@pytest.fixture
def robots(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, RobotServer]]:
    """Three platforms: 县市场监督管理局's 钉钉 group (signed, keyword 告警), 县公安局's
    企业微信 group, the office's webhook (signed); their addresses in the environment."""
    made = {
        "ding": RobotServer("dingtalk", secret=DING_SECRET, keywords=("告警",)),
        "wecom": RobotServer("wecom"),
        "hook": RobotServer("webhook", secret=HOOK_SECRET),
    }
    monkeypatch.setenv("SCJG_DING_URL", made["ding"].url)
    monkeypatch.setenv("SCJG_DING_SECRET", DING_SECRET)
    monkeypatch.setenv("GAJ_WECOM_URL", made["wecom"].url)
    monkeypatch.setenv("OFFICE_HOOK_URL", made["hook"].url)
    monkeypatch.setenv("OFFICE_HOOK_SECRET", HOOK_SECRET)
    yield made
    for server in made.values():
        server.close()


RECEIVERS: dict[str, dict[str, Any]] = {
    "scjg-ding": {
        "kind": "dingtalk",
        "url_env": "SCJG_DING_URL",
        "secret_env": "SCJG_DING_SECRET",
        "keyword": "告警",
        "mention_mobiles": ["13900001111"],
    },
    "gaj-wecom": {"kind": "wecom", "url_env": "GAJ_WECOM_URL"},
    "office-hook": {
        "kind": "webhook",
        "url_env": "OFFICE_HOOK_URL",
        "secret_env": "OFFICE_HOOK_SECRET",
    },
}


def settings_for(engine: sa.Engine, smtp_port: int) -> Settings:
    """县市场监督管理局: mail and its 钉钉 group; 县公安局: its 企业微信 group only; escalations:
    mail to the supervisor and the office's webhook."""
    return Settings(
        database={"url": url_of(engine)},
        mail={
            "transport": "smtp",
            "from": SENDER,
            "smtp": {"host": "127.0.0.1", "port": smtp_port, "timeout": 5.0},
        },
        alerts={
            "routes": [
                {"department": SCJG, "recipients": [SCJG_TO], "receivers": ["scjg-ding"]},
                {"department": GAJ, "receivers": ["gaj-wecom"]},
            ],
            "default_recipients": [OFFICE],
            "escalation_recipients": [BOSS],
            "escalation_receivers": ["office-hook"],
        },
        receivers=RECEIVERS,
    )


@pytest.fixture
def db(engine: sa.Engine) -> sa.Engine:
    upgrade(engine)
    return engine


def by_recipients(engine: sa.Engine) -> dict[str, dict[str, Any]]:
    return {str(r["recipients"]): r for r in rows(engine)}


def test_one_run_reaches_every_group_once_beside_the_mail(
    db: sa.Engine, smtp_server: SmtpTestServer, robots: dict[str, RobotServer], tmp_path: Path
) -> None:
    """B001 (due soon) and B002 (escalated) of 县市场监督管理局, B003 (due soon) of 县公安局."""
    cases = write_cases(tmp_path, *MARCH)
    settings = settings_for(db, smtp_server.port)
    done = run_alert(settings, THU, input_path=cases)
    assert (done.counts["queued"], done.counts["sent"]) == (5, 5)
    assert sorted(by_recipients(db)) == [
        BOSS,
        "robot:gaj-wecom",
        "robot:office-hook",
        "robot:scjg-ding",
        SCJG_TO,
    ]
    (ding,) = robots["ding"].messages
    assert ding["markdown"]["title"] == "【办件预警】县市场监督管理局:即将超期 1 件,督办 1 件"
    text = ding["markdown"]["text"]
    assert "**督办**</font> W" in text and "B002" in text and "B001" in text
    assert "330225199001011234" not in text and "13812345678" not in text  # masked
    assert ding["at"]["atMobiles"] == ["13900001111"] and "@13900001111" in text
    (wecom,) = robots["wecom"].messages
    assert "B003" in wecom["markdown"]["content"] and "B001" not in wecom["markdown"]["content"]
    (hook,) = robots["hook"].messages
    assert hook["kind"] == "escalation" and [c["case_id"] for c in hook["cases"]] == ["B002"]
    # Ten minutes later nothing is due again: no second copy anywhere.
    assert run_alert(settings, THU + 10 * MINUTE, input_path=cases).counts["sent"] == 0
    assert [len(s.messages) for s in robots.values()] == [1, 1, 1]
    assert len(smtp_server.messages) == 2  # SCJG_TO and BOSS


def test_a_5xx_is_retried_and_arrives_once_while_the_rest_goes(
    db: sa.Engine, smtp_server: SmtpTestServer, robots: dict[str, RobotServer], tmp_path: Path
) -> None:
    cases = write_cases(tmp_path, *MARCH)
    settings = settings_for(db, smtp_server.port)
    robots["ding"].then(("status", 502))
    done = run_alert(settings, THU, input_path=cases)
    assert (done.counts["sent"], done.counts["failed"]) == (4, 1)
    row = by_recipients(db)["robot:scjg-ding"]
    assert row["status"] == "queued" and row["attempts"] == 1
    assert row["last_error"].startswith("receiver scjg-ding (钉钉): 127.0.0.1:")
    assert row["last_error"].endswith('answered HTTP 502: {"error": "scripted"}; will try again')
    assert robots["ding"].messages == [] and len(robots["wecom"].messages) == 1
    # Before the retry is due nothing goes; after it (5 minutes), once.
    assert run_alert(settings, THU + 2 * MINUTE, input_path=cases).counts["sent"] == 0
    assert run_alert(settings, THU + 6 * MINUTE, input_path=cases).counts["sent"] == 1
    assert (
        len(robots["ding"].messages) == 1
        and by_recipients(db)["robot:scjg-ding"]["status"] == "sent"
    )


def test_a_rate_limit_answer_waits_for_a_retry(
    db: sa.Engine, smtp_server: SmtpTestServer, robots: dict[str, RobotServer], tmp_path: Path
) -> None:
    cases = write_cases(tmp_path, *MARCH)
    settings = settings_for(db, smtp_server.port)
    robots["wecom"].then(("errcode", 45009))
    run_alert(settings, THU, input_path=cases)
    row = by_recipients(db)["robot:gaj-wecom"]
    assert row["status"] == "queued" and "errcode 45009" in row["last_error"]
    assert run_alert(settings, THU + 6 * MINUTE, input_path=cases).counts["sent"] == 1
    assert len(robots["wecom"].messages) == 1


def test_a_wrong_secret_is_dead_until_fixed_then_retried(
    db: sa.Engine,
    smtp_server: SmtpTestServer,
    robots: dict[str, RobotServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cases = write_cases(tmp_path, *MARCH)
    settings = settings_for(db, smtp_server.port)
    monkeypatch.setenv("SCJG_DING_SECRET", "SECsomething-else")
    done = run_alert(settings, THU, input_path=cases)
    assert (done.counts["sent"], done.counts["dead"]) == (4, 1)
    row = by_recipients(db)["robot:scjg-ding"]
    assert row["status"] == "dead"
    assert "errcode 310000" in row["last_error"] and "sign not match" in row["last_error"]
    assert DING_SECRET not in row["last_error"] and robots["ding"].token not in row["last_error"]
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{url_of(db)}"\n', encoding="utf-8")
    code, out, _ = monitor(capsys, "outbox", "--config", str(config))
    assert code == 0 and "dead   attempts 1" in out and "→ robot:scjg-ding" in out
    # The office fixes the secret and re-queues the message: it goes, once.
    monkeypatch.setenv("SCJG_DING_SECRET", DING_SECRET)
    with db.begin() as conn:
        assert retry(conn, THU + 30 * MINUTE) == 1
    assert run_alert(settings, THU + 30 * MINUTE, input_path=cases).counts["sent"] == 1
    assert len(robots["ding"].messages) == 1


def test_a_lost_answer_is_a_dead_letter_not_a_second_copy(
    db: sa.Engine, smtp_server: SmtpTestServer, robots: dict[str, RobotServer], tmp_path: Path
) -> None:
    cases = write_cases(tmp_path, *MARCH)
    settings = settings_for(db, smtp_server.port)
    robots["hook"].then(("drop",))
    run_alert(settings, THU, input_path=cases)
    row = by_recipients(db)["robot:office-hook"]
    assert row["status"] == "dead"
    assert "it may have been delivered" in row["last_error"]
    assert "not sent again by itself" in row["last_error"]
    for later in (10, 60, 600):
        run_alert(settings, THU + later * MINUTE, input_path=cases)
    assert len(robots["hook"].messages) == 1


def test_a_receiver_without_its_address_holds_only_its_own_messages(
    db: sa.Engine,
    smtp_server: SmtpTestServer,
    robots: dict[str, RobotServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cases = write_cases(tmp_path, *MARCH)
    settings = settings_for(db, smtp_server.port)
    monkeypatch.delenv("GAJ_WECOM_URL")
    done = run_alert(settings, THU, input_path=cases)
    assert (done.counts["sent"], done.counts["failed"]) == (4, 1)
    row = by_recipients(db)["robot:gaj-wecom"]
    assert row["status"] == "queued"
    assert "names environment variable GAJ_WECOM_URL, which is not set" in row["last_error"]
    monkeypatch.setenv("GAJ_WECOM_URL", robots["wecom"].url)
    assert run_alert(settings, THU + 6 * MINUTE, input_path=cases).counts["sent"] == 1
    assert len(robots["wecom"].messages) == 1


def test_a_robot_that_is_unreachable_does_not_hold_the_mail(
    db: sa.Engine,
    smtp_server: SmtpTestServer,
    robots: dict[str, RobotServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cases = write_cases(tmp_path, *MARCH)
    monkeypatch.setenv(
        "SCJG_DING_URL", f"http://127.0.0.1:{closed_port()}/robot/send?access_token=x"
    )
    done = run_alert(settings_for(db, smtp_server.port), THU, input_path=cases)
    assert (done.counts["sent"], done.counts["failed"]) == (4, 1)
    assert len(smtp_server.messages) == 2
    assert "cannot reach 127.0.0.1" in by_recipients(db)["robot:scjg-ding"]["last_error"]


def test_passes_in_one_process_share_a_robots_pace() -> None:
    assert pacer_for("scjg-ding", 20) is pacer_for("scjg-ding", 20)
    assert pacer_for("scjg-ding", 20) is not pacer_for("gaj-wecom", 20)


# --- the crash window: killed while the platform holds its answer ------------------------------

SENDER_PROCESS = """
import datetime as dt, json, sys
from monitor.config import Settings
from monitor.db.engine import engine_for
from monitor.notify.mail import transport_for
from monitor.notify.outbox import deliver
settings = Settings(**json.loads(sys.argv[1]))
deliver(engine_for(settings), transport_for(settings), settings,
        dt.datetime.fromisoformat(sys.argv[2]), None, window=False)
"""


def queue_robot_message(engine: sa.Engine) -> None:
    from monitor.notify.robots.message import RobotMessage

    msg = RobotMessage(
        title="【办件预警】县公安局:即将超期 1 件", header=("#### t",), cases=("- **预警** W1",)
    )
    with engine.begin() as conn:
        queue(
            conn,
            key="r1",
            kind="alert",
            run_id=None,
            recipients=("robot:gaj-wecom",),
            subject=msg.title,
            text=msg.to_json(),
            html="",
            case_count=1,
            now=THU,
        )


def send(engine: sa.Engine, settings: Settings, now: dt.datetime) -> Delivered:
    return deliver(engine, transport_for(settings), settings, now, None, window=False)


def test_killed_while_the_platform_answers_is_never_sent_twice(
    db: sa.Engine, smtp_server: SmtpTestServer, robots: dict[str, RobotServer]
) -> None:
    """The crash window, measured: the 企业微信 server has the message and holds its answer
    30 s; the sender is killed meanwhile. The message was marked in flight just before the
    request; later passes leave a young mark alone and dead-letter an old one, saying why."""
    queue_robot_message(db)
    settings = settings_for(db, smtp_server.port)
    robots["wecom"].then(("delay", 30.0))
    dumped = settings.model_dump(mode="json", by_alias=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", SENDER_PROCESS, json.dumps(dumped), THU.isoformat()]
    )
    try:
        deadline = time.monotonic() + 20
        while not (robots["wecom"].messages and in_flight(db)[0] is not None):
            assert time.monotonic() < deadline, "the sender never reached the platform"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
    assert in_flight(db) == [THU]
    assert send(db, settings, THU + MINUTE).sent == 0  # a young mark: left alone
    done = send(db, settings, THU + 20 * MINUTE)
    assert (done.sent, done.dead) == (0, 1)
    (row,) = rows(db)
    assert row["status"] == "dead" and row["last_error"] == (
        "the sending process stopped at 2025-03-13 09:00:00 after the end of the message went "
        "to the server and before its answer came: it may have been delivered, so it is not "
        "sent again by itself; look in the group (or system) of receiver gaj-wecom whether it "
        "arrived, else `monitor outbox retry --id 1`"
    )
    assert len(robots["wecom"].messages) == 1  # one copy in the group
    with db.begin() as conn:
        assert retry(conn, THU + 30 * MINUTE, [1]) == 1  # someone checked: it had not arrived
    robots["wecom"].script.clear()
    assert send(db, settings, THU + 30 * MINUTE).sent == 1
    assert len(robots["wecom"].messages) == 2


# --- monitor test-receiver ---------------------------------------------------------------------


def write_config(tmp_path: Path, engine: sa.Engine) -> str:
    lines = [f'[database]\nurl = "{url_of(engine)}"']
    for name, receiver in RECEIVERS.items():
        lines.append(f"[receivers.{name}]")
        lines += [
            f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in receiver.items()
        ]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_test_receiver_sends_one_message_and_prints_the_answer(
    db: sa.Engine,
    robots: dict[str, RobotServer],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(tmp_path, db)
    code, out, _ = monitor(capsys, "test-receiver", "scjg-ding", "--mention", "--config", config)
    assert (code, out) == (
        0,
        'receiver scjg-ding (dingtalk): delivered; it answered {"errcode": 0, "errmsg": "ok"}\n',
    )
    (body,) = robots["ding"].messages
    assert "测试消息" in body["markdown"]["title"] and body["at"]["atMobiles"] == ["13900001111"]
    code, out, _ = monitor(capsys, "test-receiver", "office-hook", "--config", config)
    assert code == 0 and robots["hook"].messages[0]["kind"] == "test"
    assert rows(db) == []  # not through the outbox


def test_test_receiver_errors_say_what_to_fix(
    db: sa.Engine,
    robots: dict[str, RobotServer],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = write_config(tmp_path, db)
    code, _, err = monitor(capsys, "test-receiver", "nobody", "--config", config)
    assert code == 2
    assert (
        "[receivers.nobody]: is not in the configuration"
        " (receivers: gaj-wecom, office-hook, scjg-ding)" in err
    )
    monkeypatch.setenv("SCJG_DING_SECRET", "SECwrong")
    code, _, err = monitor(capsys, "test-receiver", "scjg-ding", "--config", config)
    assert code == 2 and "errcode 310000" in err and "sign not match" in err
    assert "Traceback" not in err and robots["ding"].token not in err
    robots["wecom"].then(("status", 503))
    code, _, err = monitor(capsys, "test-receiver", "gaj-wecom", "--config", config)
    assert code == 5 and "HTTP 503" in err and "not delivered" in err
    monkeypatch.delenv("OFFICE_HOOK_URL")
    code, _, err = monitor(capsys, "test-receiver", "office-hook", "--config", config)
    assert code == 2 and "OFFICE_HOOK_URL, which is not set" in err
