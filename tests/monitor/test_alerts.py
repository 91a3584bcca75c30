"""The alert job end to end: ledger → choose → route → outbox → a real SMTP server.

Every end-to-end test runs on each backend of the ``engine`` fixture (SQLite always,
PostgreSQL and MariaDB when their URLs are set) against a real SMTP server on loopback
(aiosmtpd, ``smtp_server``); the messages are parsed back and checked.

The cases (hand-checked with ``chinese_calendar``; March 2025 has no holiday, 3-8/9 and
3-15/16 are weekends; default rules: warn when ≤ 1 working day is left, escalate after 3
working days late). Every case was accepted the day it was submitted (acceptance on time),
so only its completion obligation alerts, with deadline D = the 5th working day after
acceptance:

- B001 县市场监督管理局 330100-001, accepted Thu 3-6 → D = Thu 3-13 (3-7, 3-10, 3-11, 3-12,
  3-13): 3-12 warning (1 left), 3-13 warning (due today), 3-14 overdue (1 late), 3-17
  overdue (2), 3-18 escalated (3). Its item name carries an 18-digit ID number, a mobile
  number and ``<script>``.
- B002 县市场监督管理局 330100-002, accepted Mon 3-3 → D = Mon 3-10: 3-12 overdue (2 late),
  3-13 escalated (3 late: 3-11, 3-12, 3-13) and escalated from then on.
- B003 县公安局 330200-001, accepted Fri 3-7 → D = Fri 3-14: 3-13 warning (1 left), 3-14
  warning (due today), Sat 3-15 overdue (0 working days late), Mon 3-17 overdue (1 late).
- B004 县人力资源和社会保障局, accepted 3-11 with 10 working days → D = 3-25: ok all along.
- B005 县人力资源和社会保障局, completed 3-5 → on time, never alerts.
- C001 县公安局 (October file), accepted Tue 9-30 with 4 working days; 10-1…10-8 are the
  National Day holidays and Sat 10-11 is a working day (调休) → D = Mon 10-13 (10-9, 10-10,
  10-11, 10-13): Sat 10-11 warning (1 left).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import platform
import re
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from monitor import __version__
from monitor.alerts.acks import add_silence
from monitor.alerts.choose import choose
from monitor.alerts.ledger import OPEN_COLUMNS, open_warnings, warning_history
from monitor.alerts.run import COUNTS, run_alert
from monitor.cases.calendar import build_calendar
from monitor.cli import main
from monitor.config import Settings
from monitor.db.engine import head_revision, upgrade
from monitor.db.runs import recent_runs
from monitor.db.tables import notifications
from monitor.notify.outbox import outbox_rows, queue
from tests.conftest import SmtpTestServer, _free_port

SENDER = "monitor@example.gov.cn"
SCJG = "县市场监督管理局"
GAJ = "县公安局"
SCJG_TO = "scjg@example.gov.cn"
GAJ_TO = "gaj@example.gov.cn"
OFFICE = "office@example.gov.cn"
BOSS = "boss@example.gov.cn"

ID_NUMBER = "330225199001011234"
MOBILE = "13812345678"
B001_NAME = f"食品经营许可（申请人身份证{ID_NUMBER} 电话{MOBILE}）<script>alert(1)</script>"

HEADER = (
    "办件编号,实施部门,事项编码,事项名称,申请渠道,申请时间,补正时间,受理时间,办结时间,"
    "承诺时限,法定时限,特别程序时长,办件状态"
)
ROWS = {
    "B001": f"B001,{SCJG},330100-001,{B001_NAME},一网通办,2025-03-06 09:00:00,,"
    "2025-03-06 09:30:00,,5个工作日,20个工作日,,办理中",
    "B002": f"B002,{SCJG},330100-002,药品经营许可,窗口,2025-03-03 09:00:00,,"
    "2025-03-03 10:00:00,,5个工作日,20个工作日,,办理中",
    "B003": f"B003,{GAJ},330200-001,户口迁移,窗口,2025-03-07 09:00:00,,"
    "2025-03-07 10:00:00,,5个工作日,20个工作日,,办理中",
    "B004": "B004,县人力资源和社会保障局,330300-001,社会保障卡申领,窗口,2025-03-11 09:00:00,,"
    "2025-03-11 09:30:00,,10个工作日,20个工作日,,办理中",
    "B005": "B005,县人力资源和社会保障局,330300-002,失业登记,窗口,2025-03-03 09:00:00,,"
    "2025-03-03 09:30:00,2025-03-05 15:00:00,5个工作日,20个工作日,,已办结",
    "C001": f"C001,{GAJ},330200-001,户口迁移,窗口,2025-09-30 09:00:00,,"
    "2025-09-30 10:00:00,,4个工作日,20个工作日,,办理中",
}
MARCH = ("B001", "B002", "B003", "B004", "B005")

SUBJECT_GAJ = "【办件预警】县公安局:即将超期 1 件"
SUBJECT_SCJG = "【办件预警】县市场监督管理局:即将超期 1 件,督办 1 件"
SUBJECT_BOSS = "【办件督办】县市场监督管理局:督办 1 件"

THU = dt.datetime(2025, 3, 13, 9, 0)
FRI = dt.datetime(2025, 3, 14, 9, 0)
SAT = dt.datetime(2025, 3, 15, 10, 0)
MON = dt.datetime(2025, 3, 17, 9, 0)
TUE = dt.datetime(2025, 3, 18, 9, 0)
MINUTE = dt.timedelta(minutes=1)


# --- helpers ----------------------------------------------------------------------------------


def counts(**nonzero: int) -> dict[str, int]:
    """A run's counts: every count 0 except ``nonzero``."""
    unknown = set(nonzero) - set(COUNTS)
    assert not unknown, unknown
    return dict.fromkeys(COUNTS, 0) | nonzero


def write_cases(tmp_path: Path, *ids: str, name: str = "cases.csv") -> str:
    """A case CSV under ``tmp_path`` with the rows ``ids`` of :data:`ROWS`."""
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *(ROWS[i] for i in ids)]) + "\n", encoding="utf-8")
    return str(path)


def url_of(engine: sa.Engine) -> str:
    """The fixture database's URL, password included."""
    return engine.url.render_as_string(hide_password=False)


ROUTES = [
    {"department": SCJG, "recipients": [SCJG_TO]},
    {"department": GAJ, "recipients": [GAJ_TO]},
]


def make_settings(
    url: str,
    port: int | None = None,
    *,
    mail_dir: Path | None = None,
    window: dict[str, object] | None = None,
    **alerts: object,
) -> Settings:
    """Settings built in code: the database ``url``, SMTP to 127.0.0.1:``port`` (or the file
    transport into ``mail_dir``), the routes above and ``alerts`` overrides."""
    if mail_dir is not None:
        mail: dict[str, object] = {
            "transport": "file",
            "from": SENDER,
            "file": {"dir": str(mail_dir)},
        }
    else:
        assert port is not None
        mail = {
            "transport": "smtp",
            "from": SENDER,
            "smtp": {"host": "127.0.0.1", "port": port, "timeout": 5.0},
        }
    section: dict[str, object] = {
        "routes": ROUTES,
        "default_recipients": [OFFICE],
        "escalation_recipients": [BOSS],
    }
    section.update(alerts)
    if window is not None:
        section["window"] = window
    return Settings(database={"url": url}, mail=mail, alerts=section)


def closed_port() -> int:
    """A loopback port nothing listens on (the SMTP server is down)."""
    return _free_port()


def outbox(engine: sa.Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return outbox_rows(conn, ("queued", "dead", "sent"))


def warnings_table(engine: sa.Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return open_warnings(conn, include_resolved=True)


def subjects(server: SmtpTestServer) -> list[str]:
    return [str(m["Subject"]) for m in server.messages]


def text_of(msg: object) -> str:
    """The plain-text part (line ends as sent, CRLF, turned into ``\\n``)."""
    return msg.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[attr-defined]


def html_of(msg: object) -> str:
    """The HTML part (line ends turned into ``\\n``)."""
    return msg.get_body(("html",)).get_content().replace("\r\n", "\n")  # type: ignore[attr-defined]


def monitor(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``monitor ARGS`` in-process through :func:`monitor.cli.main`: exit code, out, err."""
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    code = exc.value.code
    return (0 if code is None else int(code)), out.out, out.err


def write_config(tmp_path: Path, url: str, port: int, **alerts: object) -> str:
    """A config.toml for the CLI: the same settings as :func:`make_settings` (SMTP)."""
    lines = [
        "[database]",
        f'url = "{url}"',
        "[mail]",
        'transport = "smtp"',
        f'from = "{SENDER}"',
        "[mail.smtp]",
        'host = "127.0.0.1"',
        f"port = {port}",
        "timeout = 5.0",
        "[alerts]",
        f'default_recipients = ["{OFFICE}"]',
        f'escalation_recipients = ["{BOSS}"]',
    ]
    lines += [f"{k} = {json.dumps(v)}" for k, v in alerts.items()]
    for r in ROUTES:
        lines += [
            "[[alerts.routes]]",
            f'department = "{r["department"]}"',
            f"recipients = {json.dumps(r['recipients'])}",
        ]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


# --- choose(): what is included, what is suppressed -------------------------------------------

CAL = build_calendar(Settings(), 2024, 2025)


def open_frame(*rows: dict[str, object]) -> pd.DataFrame:
    """Open warnings as :func:`monitor.alerts.ledger.update_ledger` returns them; each row gives
    case_id, level and optionally last (level, time), department, item_code, obligation."""
    records = []
    for i, r in enumerate(rows, start=1):
        last_level, last_at = r.get("last", (None, None))  # type: ignore[misc]
        records.append(
            {
                "id": i,
                "case_id": r["case_id"],
                "obligation": r.get("obligation", "completion"),
                "department": r.get("department", SCJG),
                "item_code": r.get("item_code", "330100-001"),
                "item_name": "食品经营许可",
                "deadline": pd.Timestamp("2025-03-13"),
                "level": r["level"],
                "late_workdays": 0,
                "remaining_workdays": pd.NA,
                "first_seen_at": pd.Timestamp("2025-03-12 09:00"),
                "level_since": pd.Timestamp("2025-03-12 09:00"),
                "last_notified_level": last_level,
                "last_notified_at": pd.Timestamp(last_at) if last_at else pd.NaT,
            }
        )
    return pd.DataFrame(records, columns=OPEN_COLUMNS)


NO_ACKS = pd.DataFrame(columns=["case_id", "obligation", "level", "by", "note", "at"])
NO_SILENCES = pd.DataFrame(
    columns=["id", "department", "item_code", "until", "reason", "by", "created_at"]
)


def acks_frame(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """Acks in force: (case_id, obligation, acknowledged level)."""
    return pd.DataFrame(
        [
            (c, o, lv, "县市场监督管理局", "已处理", pd.Timestamp("2025-03-13 10:00"))
            for c, o, lv in rows
        ],
        columns=NO_ACKS.columns,
    )


def silences_frame(*rows: tuple[str, str | None]) -> pd.DataFrame:
    """Active silences: (department, item_code or None)."""
    return pd.DataFrame(
        [
            (i, d, item, pd.Timestamp("2025-03-20"), "迁移", None, pd.Timestamp("2025-03-10"))
            for i, (d, item) in enumerate(rows, start=1)
        ],
        columns=NO_SILENCES.columns,
    )


def chosen(
    frame: pd.DataFrame,
    now: dt.datetime,
    repeat_every: int = 1,
    acks: pd.DataFrame = NO_ACKS,
    silences: pd.DataFrame = NO_SILENCES,
) -> tuple[list[tuple[str, str]], int]:
    """``choose`` → ([(case_id, reason)], suppressed)."""
    out, suppressed = choose(frame, acks, silences, now, CAL, repeat_every)
    return [
        (str(c), str(r)) for c, r in zip(out["case_id"], out["reason"], strict=True)
    ], suppressed


def test_choose_nothing_open() -> None:
    out, suppressed = choose(open_frame(), NO_ACKS, NO_SILENCES, THU, CAL, 1)
    assert out.empty
    assert "reason" in out.columns
    assert suppressed == 0


def test_choose_new() -> None:
    frame = open_frame(
        {"case_id": "B001", "level": "warning"}, {"case_id": "B002", "level": "escalated"}
    )
    assert chosen(frame, THU) == ([("B001", "new"), ("B002", "new")], 0)


def test_choose_level_rise_is_sent_at_once_even_the_same_day() -> None:
    frame = open_frame(
        {"case_id": "B001", "level": "overdue", "last": ("warning", "2025-03-13 09:00")},
        {"case_id": "B002", "level": "escalated", "last": ("overdue", "2025-03-13 09:00")},
        {"case_id": "B003", "level": "escalated", "last": ("warning", "2025-03-13 09:00")},
        {"case_id": "B004", "level": "warning", "last": ("warning", "2025-03-13 09:00")},
    )
    at = dt.datetime(2025, 3, 13, 15, 0)
    assert chosen(frame, at) == ([("B001", "raised"), ("B002", "raised"), ("B003", "raised")], 0)
    # Also with a long repeat interval: a rise never waits for it.
    assert chosen(frame, at, repeat_every=5)[0] == [
        ("B001", "raised"),
        ("B002", "raised"),
        ("B003", "raised"),
    ]


def test_choose_lower_level_waits_for_the_repeat_interval() -> None:
    frame = open_frame(
        {"case_id": "B001", "level": "warning", "last": ("overdue", "2025-03-13 09:00")}
    )
    assert chosen(frame, dt.datetime(2025, 3, 13, 15, 0)) == ([], 0)
    assert chosen(frame, FRI) == ([("B001", "repeated")], 0)


def test_choose_same_level_repeats_after_repeat_every_working_days() -> None:
    frame = open_frame(
        {"case_id": "B002", "level": "escalated", "last": ("escalated", "2025-03-12 16:00")}
    )
    # Sent Wed 16:00: not again on Wed; Thu 09:00 is one working day later.
    assert chosen(frame, dt.datetime(2025, 3, 12, 17, 0)) == ([], 0)
    assert chosen(frame, dt.datetime(2025, 3, 13, 8, 0)) == ([("B002", "repeated")], 0)
    # Every 2 working days: not Thu (1), Fri (2) yes.
    assert chosen(frame, THU, repeat_every=2) == ([], 0)
    assert chosen(frame, FRI, repeat_every=2) == ([("B002", "repeated")], 0)


def test_choose_repeat_skips_the_weekend() -> None:
    frame = open_frame(
        {"case_id": "B002", "level": "escalated", "last": ("escalated", "2025-03-14 09:00")}
    )
    assert chosen(frame, dt.datetime(2025, 3, 14, 17, 0)) == ([], 0)  # Friday, same day
    assert chosen(frame, SAT) == ([], 0)  # Saturday: 0 working days since Friday
    assert chosen(frame, dt.datetime(2025, 3, 16, 12, 0)) == ([], 0)  # Sunday
    assert chosen(frame, MON) == ([("B002", "repeated")], 0)  # Monday: 1
    # Every 2 working days: Monday 1, Tuesday 2.
    assert chosen(frame, MON, repeat_every=2) == ([], 0)
    assert chosen(frame, TUE, repeat_every=2) == ([("B002", "repeated")], 0)


def test_choose_repeat_skips_the_national_day_holidays() -> None:
    frame = open_frame(
        {"case_id": "C001", "level": "overdue", "last": ("overdue", "2025-09-30 09:00")}
    )
    assert chosen(frame, dt.datetime(2025, 10, 8, 9, 0)) == ([], 0)  # 10-1…10-8 off
    assert chosen(frame, dt.datetime(2025, 10, 9, 9, 0)) == ([("C001", "repeated")], 0)
    # Sent Fri 10-10: Sat 10-11 is a working day (调休), so it repeats then.
    frame = open_frame(
        {"case_id": "C001", "level": "overdue", "last": ("overdue", "2025-10-10 09:00")}
    )
    assert chosen(frame, dt.datetime(2025, 10, 11, 9, 0)) == ([("C001", "repeated")], 0)


def test_choose_ack_stops_repeats_until_the_level_rises() -> None:
    frame = open_frame(
        {"case_id": "B001", "level": "overdue", "last": ("overdue", "2025-03-14 09:00")},
        {"case_id": "B002", "level": "escalated", "last": ("overdue", "2025-03-14 09:00")},
        {"case_id": "B003", "level": "overdue", "last": ("overdue", "2025-03-14 09:00")},
        {"case_id": "B004", "level": "overdue", "last": ("warning", "2025-03-14 09:00")},
    )
    acks = acks_frame(
        ("B001", "completion", "overdue"),  # acked at its level: repeats stop
        ("B002", "completion", "overdue"),  # rose above the ack: sent
        ("B003", "acceptance", "overdue"),  # another obligation: no effect
        ("B004", "completion", "warning"),  # rose above the ack: sent
    )
    assert chosen(frame, MON, acks=acks) == (
        [("B002", "raised"), ("B003", "repeated"), ("B004", "raised")],
        1,
    )
    # Not due yet (same day): an ack suppresses nothing, so nothing is counted.
    assert chosen(frame, dt.datetime(2025, 3, 14, 15, 0), acks=acks) == (
        [("B002", "raised"), ("B004", "raised")],
        0,
    )


def test_choose_ack_of_a_new_warning_at_its_level_suppresses_it() -> None:
    frame = open_frame({"case_id": "B001", "level": "warning"})
    acks = acks_frame(("B001", "completion", "warning"))
    assert chosen(frame, THU, acks=acks) == ([], 1)


def test_choose_silence_by_department_and_by_department_and_item() -> None:
    frame = open_frame(
        {"case_id": "B001", "level": "warning", "department": SCJG, "item_code": "330100-001"},
        {"case_id": "B002", "level": "escalated", "department": SCJG, "item_code": "330100-002"},
        {"case_id": "B003", "level": "warning", "department": GAJ, "item_code": "330200-001"},
        {"case_id": "B006", "level": "overdue", "department": GAJ, "item_code": "330200-009"},
        {
            "case_id": "B007",
            "level": "escalated",
            "department": "县人民医院",
            "item_code": "330100-002",
            "last": ("overdue", "2025-03-13 08:00"),
        },
    )
    # 县公安局 as a whole; 县市场监督管理局 only for 330100-002 (not that item elsewhere).
    silences = silences_frame((GAJ, None), (SCJG, "330100-002"))
    assert chosen(frame, THU, silences=silences) == ([("B001", "new"), ("B007", "raised")], 3)
    # A silence mutes a rise too.
    rise = open_frame(
        {
            "case_id": "B003",
            "level": "overdue",
            "department": GAJ,
            "last": ("warning", "2025-03-13 09:00"),
        }
    )
    assert chosen(rise, dt.datetime(2025, 3, 13, 15, 0), silences=silences) == ([], 1)


# --- end to end with the real SMTP server, on every database ---------------------------------


def test_first_run_sends_one_message_per_recipient_list(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    settings = make_settings(url_of(engine), smtp_server.port)
    run = run_alert(settings, THU, input_path=write_cases(tmp_path, *MARCH))

    assert run.counts == counts(new=3, queued=3, sent=3)
    assert run.messages == [
        ((GAJ_TO,), SUBJECT_GAJ, 1),
        ((SCJG_TO,), SUBJECT_SCJG, 2),
        ((BOSS,), SUBJECT_BOSS, 1),
    ]
    assert smtp_server.envelope_recipients == [[GAJ_TO], [SCJG_TO], [BOSS]]
    assert subjects(smtp_server) == [SUBJECT_GAJ, SUBJECT_SCJG, SUBJECT_BOSS]
    for msg, to in zip(smtp_server.messages, [GAJ_TO, SCJG_TO, BOSS], strict=True):
        assert msg["From"] == SENDER
        assert msg["To"] == to
        assert msg["Auto-Submitted"] == "auto-generated"
        assert re.fullmatch(r"<[0-9a-f]{32}@banjian-monitor>", str(msg["Message-ID"]))
        assert msg.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        assert msg["Date"] == "Thu, 13 Mar 2025 09:00:00 +0800"

    gaj, scjg, boss = smtp_server.messages
    assert "B003" in text_of(gaj) and "B00" not in text_of(gaj).replace("B003", "")
    # The department's message: escalated first, then the warning due today.
    text = text_of(scjg)
    assert text.startswith(
        "县市场监督管理局有以下办件即将超期或已超期，请尽快处理。\n统计时间：2025-03-13 09:00\n"
    )
    assert (
        text.index("督办 1 件") < text.index("B002") < text.index("预警 1 件") < text.index("B001")
    )
    assert "超期 3" in text and "今日到期" in text
    # The supervisors' copy lists the escalated case only.
    assert text_of(boss).startswith("县市场监督管理局有以下办件超期已达督办条件，请督促尽快办理。")
    assert "B002" in text_of(boss) and "B001" not in text_of(boss)

    # Ledger: three open warnings, each notified at its level at THU; a finished run.
    table = warnings_table(engine)
    assert table[["case_id", "obligation", "level", "last_notified_level"]].values.tolist() == [
        ["B001", "completion", "warning", "warning"],
        ["B002", "completion", "escalated", "escalated"],
        ["B003", "completion", "warning", "warning"],
    ]
    assert table["last_notified_at"].tolist() == [pd.Timestamp(THU)] * 3
    rows = outbox(engine)
    assert rows["status"].tolist() == ["sent"] * 3
    assert rows["sent_at"].tolist() == [THU] * 3
    with engine.connect() as conn:
        runs = recent_runs(conn)
    assert runs[["job", "status"]].values.tolist() == [["alert", "ok"]]
    assert runs["at"].tolist() == [pd.Timestamp(THU)]
    assert json.loads(runs["counts"].iloc[0]) == counts(new=3, queued=3, sent=3)


def test_mail_masks_personal_numbers_and_escapes_markup(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    settings = make_settings(url_of(engine), smtp_server.port)
    run = run_alert(settings, THU, input_path=write_cases(tmp_path, "B001"))
    assert run.counts == counts(new=1, queued=1, sent=1)
    (msg,) = smtp_server.messages
    assert msg["Subject"] == "【办件预警】县市场监督管理局:即将超期 1 件"
    text, html = text_of(msg), html_of(msg)
    masked = "食品经营许可（申请人身份证330225********1234 电话138****5678）"
    assert masked + "<script>alert(1)</script>" in text  # plain text: no markup to escape
    assert masked + "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html
    raw = msg.as_string()
    for part in (text, html, raw):
        assert ID_NUMBER not in part and MOBILE not in part
    # The ledger keeps the source's text; only what leaves the monitor is masked.
    assert warnings_table(engine)["item_name"].tolist() == [B001_NAME]


def test_a_repeated_run_at_the_same_time_sends_nothing_new(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    settings = make_settings(url_of(engine), smtp_server.port)
    cases = write_cases(tmp_path, *MARCH)
    assert run_alert(settings, THU, input_path=cases).counts == counts(new=3, queued=3, sent=3)
    again = run_alert(settings, THU, input_path=cases)
    assert again.counts == counts()
    assert again.messages == []
    later = run_alert(settings, THU + 6 * dt.timedelta(hours=1), input_path=cases)
    assert later.counts == counts()
    assert len(smtp_server.messages) == 3
    assert len(outbox(engine)) == 3
    with engine.connect() as conn:
        assert recent_runs(conn)["status"].tolist() == ["ok", "ok", "ok"]


def test_a_level_rise_is_sent_at_once_and_repeats_wait(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    settings = make_settings(url_of(engine), smtp_server.port, repeat_every=2)
    cases = write_cases(tmp_path, *MARCH)
    assert run_alert(settings, THU, input_path=cases).counts == counts(new=3, queued=3, sent=3)

    # Friday: B001 warning → overdue is sent at once; B002 and B003 wait (1 working day < 2).
    fri = run_alert(settings, FRI, input_path=cases)
    assert fri.counts == counts(raised=1, queued=1, sent=1)
    assert subjects(smtp_server)[3:] == ["【办件预警】县市场监督管理局:已超期 1 件"]
    assert "B001" in text_of(smtp_server.messages[3])
    assert "B002" not in text_of(smtp_server.messages[3])

    # Monday (2 working days after Thursday): B002 (escalated) and B003 (now overdue: a rise)
    # go again, B001 (overdue, sent Friday) waits; the escalation copy goes to the boss.
    mon = run_alert(settings, MON, input_path=cases)
    assert mon.counts == counts(raised=1, repeated=1, queued=3, sent=3)
    assert subjects(smtp_server)[4:] == [
        "【办件预警】县公安局:已超期 1 件",
        "【办件预警】县市场监督管理局:督办 1 件",
        SUBJECT_BOSS,
    ]
    with engine.connect() as conn:
        table = open_warnings(conn)
        history = warning_history(conn, table["id"].tolist())
    assert table[["case_id", "level", "last_notified_level"]].values.tolist() == [
        ["B001", "overdue", "overdue"],
        ["B002", "escalated", "escalated"],
        ["B003", "overdue", "overdue"],
    ]
    assert table["last_notified_at"].tolist() == [
        pd.Timestamp(FRI),
        pd.Timestamp(MON),
        pd.Timestamp(MON),
    ]
    b001 = history[history["case_id"] == "B001"]
    assert b001[["from_level", "to_level"]].values.tolist() == [
        [None, "warning"],
        ["warning", "overdue"],
    ]
    assert b001["at"].tolist() == [pd.Timestamp(THU), pd.Timestamp(FRI)]


def test_two_departments_on_one_list_get_one_message(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    settings = make_settings(
        url_of(engine),
        smtp_server.port,
        routes=[{"department": "县*局", "recipients": [OFFICE]}],
        default_recipients=[],
    )
    run = run_alert(settings, THU, input_path=write_cases(tmp_path, *MARCH))
    assert run.counts == counts(new=3, queued=2, sent=2)
    assert smtp_server.envelope_recipients == [[OFFICE], [BOSS]]
    assert subjects(smtp_server) == ["【办件预警】2个部门:即将超期 2 件,督办 1 件", SUBJECT_BOSS]
    text = text_of(smtp_server.messages[0])
    assert text.startswith("2个部门有以下办件即将超期或已超期")
    # Most urgent first: B002 escalated; then the warnings by deadline, B001 (3-13), B003 (3-14).
    assert text.index("B002") < text.index("B001") < text.index("B003")
    assert GAJ in text and SCJG in text


def test_unrouted_warnings_are_counted_and_not_marked(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    settings = make_settings(
        url_of(engine),
        smtp_server.port,
        routes=[{"department": SCJG, "recipients": [SCJG_TO]}],
        default_recipients=[],
        escalation_recipients=[],
    )
    cases = write_cases(tmp_path, "B001", "B003")
    assert run_alert(settings, THU, input_path=cases).counts == counts(
        new=2, unrouted=1, queued=1, sent=1
    )
    table = warnings_table(engine)
    assert table[["case_id", "last_notified_level"]].values.tolist() == [
        ["B001", "warning"],
        ["B003", None],
    ]
    assert smtp_server.envelope_recipients == [[SCJG_TO]]


def test_server_down_then_back_delivers_exactly_once(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    cases = write_cases(tmp_path, "B003")
    down = make_settings(url_of(engine), closed_port())
    run = run_alert(down, THU, input_path=cases)
    assert run.counts == counts(new=1, queued=1, failed=1)
    rows = outbox(engine)
    assert rows[["status", "attempts", "subject", "recipients"]].values.tolist() == [
        ["queued", 1, SUBJECT_GAJ, GAJ_TO]
    ]
    assert rows["next_attempt_at"].tolist() == [THU + 5 * MINUTE]
    assert "refused the connection" in rows["last_error"].iloc[0]
    # The warning counts as notified: the message is in the outbox.
    assert warnings_table(engine)["last_notified_level"].tolist() == ["warning"]

    up = make_settings(url_of(engine), smtp_server.port)
    assert run_alert(up, THU + 10 * MINUTE, input_path=cases).counts == counts(sent=1)
    assert run_alert(up, THU + 20 * MINUTE, input_path=cases).counts == counts()
    assert subjects(smtp_server) == [SUBJECT_GAJ]
    assert smtp_server.envelope_recipients == [[GAJ_TO]]
    rows = outbox(engine)
    assert rows[["status", "attempts"]].values.tolist() == [["sent", 2]]
    assert rows["last_error"].tolist() == [None]
    assert rows["sent_at"].tolist() == [THU + 10 * MINUTE]


def test_4xx_is_retried_after_the_backoff_delay(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    cases = write_cases(tmp_path, "B003")
    settings = make_settings(url_of(engine), smtp_server.port, retry_after_minutes=10)
    smtp_server.fail_next(1, code=451)
    assert run_alert(settings, THU, input_path=cases).counts == counts(new=1, queued=1, failed=1)
    assert smtp_server.messages == []
    rows = outbox(engine)
    assert rows[["status", "attempts"]].values.tolist() == [["queued", 1]]
    assert rows["next_attempt_at"].tolist() == [THU + 10 * MINUTE]
    assert "451" in rows["last_error"].iloc[0]

    # Before the delay: nothing is due, nothing is sent.
    assert run_alert(settings, THU + 9 * MINUTE, input_path=cases).counts == counts()
    assert smtp_server.messages == []
    # After it: sent once.
    assert run_alert(settings, THU + 10 * MINUTE, input_path=cases).counts == counts(sent=1)
    assert subjects(smtp_server) == [SUBJECT_GAJ]
    assert outbox(engine)[["status", "attempts"]].values.tolist() == [["sent", 2]]


def test_backoff_doubles(engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path) -> None:
    cases = write_cases(tmp_path, "B003")
    settings = make_settings(url_of(engine), smtp_server.port)
    smtp_server.fail_next(3, code=421)
    at = THU
    for attempt, delay in [(1, 5), (2, 10), (3, 20)]:
        assert run_alert(settings, at, input_path=cases).counts["failed"] == 1
        rows = outbox(engine)
        assert rows["attempts"].tolist() == [attempt]
        assert rows["next_attempt_at"].tolist() == [at + delay * MINUTE]
        at += delay * MINUTE
    assert run_alert(settings, at, input_path=cases).counts == counts(sent=1)
    assert len(smtp_server.messages) == 1


def test_5xx_is_dead_at_once(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    cases = write_cases(tmp_path, "B003")
    settings = make_settings(url_of(engine), smtp_server.port)
    smtp_server.fail_next(1, code=550)
    assert run_alert(settings, THU, input_path=cases).counts == counts(new=1, queued=1, dead=1)
    with engine.connect() as conn:
        rows = outbox_rows(conn)  # queued and dead
    assert rows[["status", "attempts", "subject"]].values.tolist() == [["dead", 1, SUBJECT_GAJ]]
    assert "550" in rows["last_error"].iloc[0]
    # Dead stays dead: later runs do not try again.
    assert run_alert(settings, THU + dt.timedelta(hours=1), input_path=cases).counts == counts()
    assert smtp_server.messages == []


def test_dead_after_max_attempts_then_outbox_retry_requeues(
    engine: sa.Engine,
    smtp_server: SmtpTestServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cases = write_cases(tmp_path, "B003")
    settings = make_settings(url_of(engine), smtp_server.port, max_attempts=2)
    smtp_server.fail_next(2, code=451)
    assert run_alert(settings, THU, input_path=cases).counts == counts(new=1, queued=1, failed=1)
    assert run_alert(settings, THU + 5 * MINUTE, input_path=cases).counts == counts(dead=1)
    with engine.connect() as conn:
        rows = outbox_rows(conn)
    assert rows[["status", "attempts", "recipients", "subject"]].values.tolist() == [
        ["dead", 2, GAJ_TO, SUBJECT_GAJ]
    ]
    assert rows["last_error"].iloc[0].startswith(f"SMTP 127.0.0.1:{smtp_server.port} answered 451")
    assert run_alert(settings, THU + 60 * MINUTE, input_path=cases).counts == counts()
    assert smtp_server.messages == []

    config = write_config(tmp_path, url_of(engine), smtp_server.port, max_attempts=2)
    code, out, err = monitor(capsys, "status", "--config", config)
    assert code == 0, err
    assert "outbox     0 queued, 1 dead  (monitor outbox retry re-queues dead letters)" in out
    code, out, err = monitor(capsys, "outbox", "--config", config)
    assert (code, err) == (0, "")
    assert out.startswith(
        f"#1 dead   attempts 2  next 2025-03-13 09:15:00  → {GAJ_TO}  {SUBJECT_GAJ}"
    )
    assert "last error: SMTP 127.0.0.1" in out

    code, out, err = monitor(capsys, "outbox", "retry", "--config", config)
    assert (code, out, err) == (0, "re-queued 1 message\n", "")
    with engine.connect() as conn:
        assert outbox_rows(conn)[["status", "attempts"]].values.tolist() == [["queued", 0]]
    # The next run sends it (also when the run replays an earlier time with --at).
    assert run_alert(settings, THU + 70 * MINUTE, input_path=cases).counts == counts(sent=1)
    assert subjects(smtp_server) == [SUBJECT_GAJ]
    code, out, err = monitor(capsys, "outbox", "retry", "--config", config)
    assert (code, out) == (0, "re-queued 0 messages\n")


def test_send_window_holds_until_it_opens(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    cases = write_cases(tmp_path, "B003")
    settings = make_settings(url_of(engine), smtp_server.port)
    early = dt.datetime(2025, 3, 13, 7, 0)
    assert run_alert(settings, early, input_path=cases).counts == counts(new=1, queued=1, held=1)
    assert run_alert(settings, early.replace(hour=8, minute=29), input_path=cases).counts == counts(
        held=1
    )
    assert smtp_server.messages == []
    assert outbox(engine)[["status", "attempts"]].values.tolist() == [["queued", 0]]
    assert run_alert(settings, early.replace(hour=8, minute=30), input_path=cases).counts == counts(
        sent=1
    )
    assert subjects(smtp_server) == [SUBJECT_GAJ]
    assert outbox(engine)["sent_at"].tolist() == [dt.datetime(2025, 3, 13, 8, 30)]
    # After the end of the window (17:30) a new message is held again.
    assert run_alert(settings, dt.datetime(2025, 3, 14, 17, 30), input_path=cases).counts == counts(
        repeated=1, queued=1, held=1
    )
    assert len(smtp_server.messages) == 1


def test_send_window_working_days_only(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    cases = write_cases(tmp_path, "B003")
    settings = make_settings(url_of(engine), smtp_server.port)
    # Saturday 3-15: B003 is overdue (0 working days late); queued, held.
    assert run_alert(settings, SAT, input_path=cases).counts == counts(new=1, queued=1, held=1)
    assert smtp_server.messages == []
    # The same Saturday with working_days_only = false: sent.
    any_day = make_settings(url_of(engine), smtp_server.port, window={"working_days_only": False})
    assert run_alert(any_day, SAT + 5 * MINUTE, input_path=cases).counts == counts(sent=1)
    assert subjects(smtp_server) == ["【办件预警】县公安局:已超期 1 件"]


def test_send_window_opens_on_a_working_saturday(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    """Sat 2025-10-11 is a working day (调休 after National Day): the window is open."""
    settings = make_settings(url_of(engine), smtp_server.port)
    cases = write_cases(tmp_path, "C001")
    run = run_alert(settings, dt.datetime(2025, 10, 11, 9, 0), input_path=cases)
    assert run.counts == counts(new=1, queued=1, sent=1)
    assert subjects(smtp_server) == [SUBJECT_GAJ]
    assert "剩余 1" in text_of(smtp_server.messages[0])
    # Sunday 10-12: nothing due (C001 still a warning, 0 working days since Saturday).
    assert run_alert(settings, dt.datetime(2025, 10, 12, 9, 0), input_path=cases).counts == counts()


def test_silence_mutes_until_it_expires(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    settings = make_settings(url_of(engine), smtp_server.port)
    cases = write_cases(tmp_path, *MARCH)
    upgrade(engine)
    with engine.begin() as conn:
        add_silence(conn, GAJ, None, dt.datetime(2025, 3, 14), "系统迁移", "办公室", THU - MINUTE)
        add_silence(
            conn, SCJG, "330100-002", dt.datetime(2025, 3, 20), "线下办理", None, THU - MINUTE
        )
    # Thursday: B003 (县公安局) and B002 (330100-002, also its escalation copy) are muted.
    run = run_alert(settings, THU, input_path=cases)
    assert run.counts == counts(new=1, suppressed=2, queued=1, sent=1)
    assert subjects(smtp_server) == ["【办件预警】县市场监督管理局:即将超期 1 件"]
    # Friday: the 县公安局 silence has ended, B003 goes out (new: never sent); B002 is still
    # muted; B001 rose to overdue.
    run = run_alert(settings, FRI, input_path=cases)
    assert run.counts == counts(new=1, raised=1, suppressed=1, queued=2, sent=2)
    assert subjects(smtp_server)[1:] == [SUBJECT_GAJ, "【办件预警】县市场监督管理局:已超期 1 件"]
    # Thursday 3-20 00:00 the item silence has ended: B002 is new (never sent); B001 (sent
    # overdue) and B003 (sent warning) rose to escalated; all three go to the supervisors.
    run = run_alert(settings, dt.datetime(2025, 3, 20, 9, 0), input_path=cases)
    assert run.counts == counts(new=1, raised=2, queued=3, sent=3)
    assert subjects(smtp_server)[3:] == [
        "【办件预警】县公安局:督办 1 件",
        "【办件预警】县市场监督管理局:督办 2 件",
        "【办件督办】2个部门:督办 3 件",
    ]


def test_dry_run_changes_nothing(
    engine: sa.Engine,
    smtp_server: SmtpTestServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cases = write_cases(tmp_path, *MARCH)
    config = write_config(tmp_path, url_of(engine), smtp_server.port)
    code, out, err = monitor(
        capsys,
        "alert",
        "--config",
        config,
        "--input",
        cases,
        "--at",
        "2025-03-13T09:00",
        "--dry-run",
    )
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"would send: {SUBJECT_GAJ}  → {GAJ_TO} (1 case)",
        f"would send: {SUBJECT_SCJG}  → {SCJG_TO} (2 cases)",
        f"would send: {SUBJECT_BOSS}  → {BOSS} (1 case)",
        "dry run, nothing changed: new 3, raised 0, repeated 0, suppressed 0, replaced 0, "
        "unrouted 0, resolved 0, queued 3, sent 0, failed 0, dead 0, held 0",
    ]
    assert smtp_server.messages == []
    with engine.connect() as conn:
        assert open_warnings(conn, include_resolved=True).empty
        assert outbox_rows(conn, ("queued", "dead", "sent")).empty
        assert recent_runs(conn).empty
        assert conn.execute(sa.select(sa.func.count()).select_from(notifications)).scalar() == 0
    # A real run afterwards finds everything new.
    settings = make_settings(url_of(engine), smtp_server.port)
    assert run_alert(settings, THU, input_path=cases).counts == counts(new=3, queued=3, sent=3)


def test_queue_key_is_deterministic(engine: sa.Engine) -> None:
    upgrade(engine)
    fields = {
        "kind": "alert",
        "run_id": None,
        "recipients": [GAJ_TO],
        "subject": SUBJECT_GAJ,
        "text": "t",
        "html": "<p>h</p>",
        "case_count": 1,
        "now": THU,
    }
    with engine.begin() as conn:
        assert queue(conn, key="k" * 64, **fields) is True
        assert queue(conn, key="k" * 64, **fields) is False
        assert queue(conn, key="j" * 64, **fields) is True
    assert outbox(engine)["status"].tolist() == ["queued", "queued"]


def test_file_transport_writes_one_eml_per_message(engine: sa.Engine, tmp_path: Path) -> None:
    mail_dir = tmp_path / "mail"
    settings = make_settings(url_of(engine), mail_dir=mail_dir)
    cases = write_cases(tmp_path, *MARCH)
    assert run_alert(settings, THU, input_path=cases).counts == counts(new=3, queued=3, sent=3)
    files = sorted(mail_dir.glob("*.eml"))
    assert len(files) == 3
    assert all(f.name.startswith("20250313T010000Z-") for f in files)
    parsed = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]
    assert sorted(str(m["Subject"]) for m in parsed) == sorted(
        [SUBJECT_GAJ, SUBJECT_SCJG, SUBJECT_BOSS]
    )
    assert sorted(str(m["To"]) for m in parsed) == sorted([GAJ_TO, SCJG_TO, BOSS])
    for m in parsed:
        assert [p.get_content_type() for p in m.iter_parts()] == ["text/plain", "text/html"]
    assert run_alert(settings, THU, input_path=cases).counts == counts()
    assert len(list(mail_dir.glob("*.eml"))) == 3
    assert [p.name for p in mail_dir.iterdir() if not p.name.endswith(".eml")] == []


# --- the CLI ----------------------------------------------------------------------------------


def test_cli_alert_ack_warnings_and_repeats(
    engine: sa.Engine,
    smtp_server: SmtpTestServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cases = write_cases(tmp_path, "B001")
    config = write_config(tmp_path, url_of(engine), smtp_server.port)
    alert = ("alert", "--config", config, "--input", cases, "--at")

    code, out, err = monitor(capsys, *alert, "2025-03-14T09:00")
    assert (code, err) == (0, "")
    subject = "【办件预警】县市场监督管理局:已超期 1 件"
    assert out.splitlines() == [
        f"queued: {subject}  → {SCJG_TO} (1 case)",
        "new 1, raised 0, repeated 0, suppressed 0, replaced 0, unrouted 0, resolved 0, "
        "queued 1, sent 1, failed 0, dead 0, held 0",
    ]

    code, out, err = monitor(
        capsys, "ack", "B001", "--config", config, "--by", SCJG, "--note", "材料已补齐，今日办结",
        "--at", "2025-03-14T10:00",
    )  # fmt: skip
    assert (code, out, err) == (0, "acknowledged B001 (all obligations) as #1\n", "")

    code, out, err = monitor(
        capsys, "warnings", "--config", config, "--format", "json", "--at", "2025-03-14T11:00"
    )
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["at"], data["silences"]) == ("2025-03-14T11:00:00", [])
    (record,) = data["warnings"]
    keys = ("ref", "case_id", "obligation", "department", "level", "deadline", "resolved_at")
    assert {k: record[k] for k in keys} == {
        "ref": "W1",
        "case_id": "B001",
        "obligation": "completion",
        "department": SCJG,
        "level": "overdue",
        "deadline": "2025-03-13",  # the deadline is the end of that day: a day
        "resolved_at": None,
    }
    assert record["last_notified_level"] == "overdue"
    assert [(h["from_level"], h["to_level"], h["at"]) for h in record["history"]] == [
        (None, "overdue", "2025-03-14T09:00:00")
    ]
    assert record["ack"] == {
        "level": "overdue",
        "by": SCJG,
        "note": "材料已补齐，今日办结",
        "at": "2025-03-14T10:00:00",
    }
    assert record["silence"] is None

    code, out, err = monitor(capsys, "warnings", "--config", config, "--at", "2025-03-14T11:00")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "1 warning at 2025-03-14 11:00"
    assert lines[1].split() == [
        "ref", "case", "obligation", "department", "level", "deadline", "since", "sent"
    ]  # fmt: skip
    assert lines[2].split() == [
        "W1", "B001", "completion", SCJG, "overdue", "2025-03-13", "2025-03-14", "09:00",
        "overdue", "2025-03-14", "09:00",
    ]  # fmt: skip
    assert "1 acknowledgement in force" in lines

    # Monday: the overdue repeat is suppressed by the ack; Tuesday it escalates: sent again.
    code, out, err = monitor(capsys, *alert, "2025-03-17T09:00")
    assert out.splitlines()[-1].startswith("new 0, raised 0, repeated 0, suppressed 1,")
    code, out, err = monitor(capsys, *alert, "2025-03-18T09:00")
    assert out.splitlines() == [
        f"queued: 【办件预警】县市场监督管理局:督办 1 件  → {SCJG_TO} (1 case)",
        f"queued: {SUBJECT_BOSS}  → {BOSS} (1 case)",
        "new 0, raised 1, repeated 0, suppressed 0, replaced 0, unrouted 0, resolved 0, "
        "queued 2, sent 2, failed 0, dead 0, held 0",
    ]
    assert subjects(smtp_server) == [
        subject,
        "【办件预警】县市场监督管理局:督办 1 件",
        SUBJECT_BOSS,
    ]


def test_cli_silence_and_warnings(
    engine: sa.Engine,
    smtp_server: SmtpTestServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cases = write_cases(tmp_path, *MARCH)
    config = write_config(tmp_path, url_of(engine), smtp_server.port)
    code, out, err = monitor(
        capsys, "silence", "--config", config, "--department", GAJ, "--until", "2099-01-01",
        "--reason", "系统迁移，线下办理",
    )  # fmt: skip
    # A date alone mutes to the end of that day.
    assert (code, out, err) == (0, f"silenced {GAJ} until 2099-01-01 23:59 as #1\n", "")
    code, out, err = monitor(
        capsys, "silence", "--config", config, "--department", SCJG, "--item", "330100-002",
        "--until", "2099-01-01T12:00", "--reason", "线下办理",
    )  # fmt: skip
    assert (code, out) == (0, f"silenced {SCJG} / 330100-002 until 2099-01-01 12:00 as #2\n")

    code, out, err = monitor(
        capsys, "alert", "--config", config, "--input", cases, "--at", "2025-03-13T09:00"
    )
    assert out.splitlines() == [
        f"queued: 【办件预警】县市场监督管理局:即将超期 1 件  → {SCJG_TO} (1 case)",
        "new 1, raised 0, repeated 0, suppressed 2, replaced 0, unrouted 0, resolved 0, "
        "queued 1, sent 1, failed 0, dead 0, held 0",
    ]
    code, out, err = monitor(capsys, "warnings", "--config", config)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("3 warnings at ")
    assert any(
        line.startswith(f"silence #1: {GAJ} (all items) until 2099-01-01 23:59, set by - at ")
        and line.endswith("(系统迁移，线下办理)")
        for line in lines
    )
    assert any(
        line.startswith(f"silence #2: {SCJG} / 330100-002 until 2099-01-01 12:00, set by - ")
        for line in lines
    )


def test_cli_errors_are_one_line_exit_2(
    engine: sa.Engine,
    smtp_server: SmtpTestServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(tmp_path, url_of(engine), smtp_server.port)
    code, out, err = monitor(capsys, "ack", "NOPE", "--config", config, "--by", "x", "--note", "y")
    assert (code, out) == (2, "")
    assert err == "error: case NOPE has no open warning to acknowledge\n"
    code, out, err = monitor(
        capsys,
        "ack",
        "NOPE",
        "--obligation",
        "acceptance",
        "--config",
        config,
        "--by",
        "x",
        "--note",
        "y",
    )
    assert (code, err) == (2, "error: case NOPE (acceptance) has no open warning to acknowledge\n")
    code, out, err = monitor(
        capsys,
        "silence",
        "--config",
        config,
        "--department",
        GAJ,
        "--until",
        "2025-01-01",
        "--reason",
        "r",
    )
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert err.startswith(f"error: a silence of {GAJ} must end after now (")
    assert err.endswith("found until 2025-01-01 23:59\n")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM silences")).scalar() == 0
        assert conn.execute(sa.text("SELECT COUNT(*) FROM acks")).scalar() == 0


def test_cli_status_outbox_and_db_upgrade(
    engine: sa.Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = url_of(engine)
    shown = url
    if engine.dialect.name == "postgresql":
        # The test server trusts loopback, so any password works: it must not be shown.
        url = url.replace("postgres@", "postgres:s3cret@", 1)
        shown = url.replace(":s3cret@", ":***@")
    port = closed_port()
    config = write_config(tmp_path, url, port)

    code, out, err = monitor(capsys, "db", "upgrade", "--config", config)
    assert (code, out, err) == (0, f"database at revision {head_revision()}\n", "")
    code, out, err = monitor(capsys, "outbox", "--config", config)
    assert (code, out) == (0, "outbox is empty\n")

    cases = write_cases(tmp_path, "B003")
    code, out, err = monitor(
        capsys, "alert", "--config", config, "--input", cases, "--at", "2025-03-13T09:00"
    )
    # The server is down: the counts, then one line naming it, and exit 5 (issue 10, item 22).
    assert code == 5
    assert out.splitlines()[-1] == (
        "new 1, raised 0, repeated 0, suppressed 0, replaced 0, unrouted 0, resolved 0, "
        "queued 1, sent 0, failed 1, dead 0, held 0"
    )
    assert err == (
        f"error: nothing could be sent: SMTP 127.0.0.1:{port} refused the connection; "
        "1 message stays queued for the next run (monitor outbox)\n"
    )
    code, out, err = monitor(capsys, "status", "--config", config)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == (
        f"versions   monitor {__version__}, holidays {version('holidays')} (official schedules "
        f"through 2026), Python {platform.python_version()}"
    )
    assert lines[1] == f"database   {shown}"
    assert lines[2] == "outbox     1 queued, 0 dead"
    alert = lines.index("alert      by hand (monitor alert)")
    assert lines[alert + 1].startswith("  run #1 20")  # the wall clock it ran at
    assert ' ok      {"dead": 0,' in lines[alert + 1]
    assert "s3cret" not in out
    code, out, err = monitor(capsys, "outbox", "list", "--config", config)
    assert out == (
        f"#1 queued attempts 1  next 2025-03-13 09:05:00  → {GAJ_TO}  {SUBJECT_GAJ}  last error: "
        f"SMTP 127.0.0.1:{port} refused the connection; will try again\n"
    )
    code, out, err = monitor(capsys, "db", "upgrade", "--config", config)
    assert (code, out) == (0, f"database at revision {head_revision()}\n")


def test_a_held_digest_is_replaced_by_a_fresh_one_not_sent_beside_it(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    # B003: warning on Thu 3-13 (1 left) and Fri 3-14 (due today): same level, so on Friday
    # it is due for a repeat. Thursday's digest was held (07:00, before the window): Friday's
    # run replaces it with a fresh one (issue 10, item 7), and 县公安局 receives one message,
    # Friday's, saying what is true on Friday.
    cases = write_cases(tmp_path, "B003")
    settings = make_settings(url_of(engine), smtp_server.port)
    thu_early = dt.datetime(2025, 3, 13, 7, 0)
    assert run_alert(settings, thu_early, input_path=cases).counts == counts(
        new=1, queued=1, held=1
    )
    fri_early = dt.datetime(2025, 3, 14, 7, 0)
    assert run_alert(settings, fri_early, input_path=cases).counts == counts(
        repeated=1, queued=1, replaced=1, held=1
    )
    # 09:00: the fresh digest is still true (B003 still due today): it goes out as it is.
    assert run_alert(settings, FRI, input_path=cases).counts == counts(sent=1)
    assert smtp_server.envelope_recipients == [[GAJ_TO]]
    (message,) = smtp_server.messages
    text = message.get_body(("plain",)).get_content()
    assert "今日到期" in text and "剩余 1" not in text
    # Sent now: Monday's run repeats it (B003 is overdue by then: a rise, sent at once).
    assert run_alert(settings, MON, input_path=cases).counts == counts(raised=1, queued=1, sent=1)


def test_a_digest_held_over_the_weekend_goes_out_fresh_on_monday(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    # B003's deadline is Fri 3-14: on Saturday it is overdue with 0 working days late, and
    # the digest waits (no working day). On Monday it is 1 working day late: one message,
    # with Monday's count, not Saturday's beside it (issue 10, item 7).
    cases = write_cases(tmp_path, "B003")
    settings = make_settings(url_of(engine), smtp_server.port)
    assert run_alert(settings, SAT, input_path=cases).counts == counts(new=1, queued=1, held=1)
    assert run_alert(settings, MON, input_path=cases).counts == counts(
        repeated=1, queued=1, replaced=1, sent=1
    )
    (message,) = smtp_server.messages
    text = message.get_body(("plain",)).get_content()
    assert "超期 1" in text and "超期 0" not in text
    with engine.connect() as conn:
        statuses = conn.execute(sa.select(notifications.c.status).order_by(notifications.c.id))
        assert list(statuses.scalars()) == ["replaced", "sent"]


def test_a_held_digest_of_a_case_closed_since_is_replaced_without_it(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    # B003 alone: its digest held on Thursday at 07:00; completed by Friday's export.
    # Friday's run finds the held digest untrue (its only case closed): it is replaced by
    # nothing, and no message goes out.
    cases = write_cases(tmp_path, "B003")
    settings = make_settings(url_of(engine), smtp_server.port)
    run_alert(settings, dt.datetime(2025, 3, 13, 7, 0), input_path=cases)
    closed = ROWS["B003"].replace(",,5个工作日", ",2025-03-13 16:00:00,5个工作日")
    (tmp_path / "closed.csv").write_text(f"{HEADER}\n{closed}\n", encoding="utf-8")
    assert run_alert(settings, FRI, input_path=str(tmp_path / "closed.csv")).counts == counts(
        resolved=1, replaced=1
    )
    assert smtp_server.messages == []


def test_resolved_notice_goes_to_whoever_was_alerted(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    settings = make_settings(url_of(engine), smtp_server.port, resolved_notices=True)
    assert run_alert(settings, THU, input_path=write_cases(tmp_path, "B003")).counts == counts(
        new=1, queued=1, sent=1
    )
    # B003 completed on Fri 3-14 at 15:00, its deadline day: closed on time.
    done = ROWS["B003"].replace("2025-03-07 10:00:00,,", "2025-03-07 10:00:00,2025-03-14 15:00:00,")
    path = tmp_path / "done.csv"
    path.write_text(f"{HEADER}\n{done.replace('办理中', '已办结')}\n", encoding="utf-8")
    assert run_alert(settings, MON, input_path=str(path)).counts == counts(
        resolved=1, queued=1, sent=1
    )
    assert subjects(smtp_server) == [SUBJECT_GAJ, "【办件预警解除】县公安局:已解除 1 件"]
    assert smtp_server.envelope_recipients[-1] == [GAJ_TO]
    assert "按时办结" in text_of(smtp_server.messages[-1])
