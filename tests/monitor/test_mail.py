"""Alert mail: masking, rendering (golden files), the MIME message and the transports.

The SMTP tests talk to a real server (aiosmtpd on 127.0.0.1, fixtures in conftest.py): plain,
STARTTLS and implicit TLS with a self-signed certificate, with and without a login.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import socket
import threading
from collections.abc import Callable, Sequence
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from monitor.config import Settings
from monitor.errors import ConfigError
from monitor.mask import mask, mask_series
from monitor.notify.mail import (
    AlertGroup,
    AlertItem,
    FileTransport,
    InDoubtMailError,
    PermanentMailError,
    SmtpTransport,
    StageTimeouts,
    TransientMailError,
    build_message,
    check_transport,
    render_alert,
    transport_for,
)
from tests.conftest import SmtpTestServer, TlsCert, _free_port

KEY = "3f2a9c0d5e6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6f7e8d9c0b1a2f"
SENDER = "monitor@example.gov.cn"
WHEN = datetime(2024, 3, 12, 9, 30)  # naive Asia/Shanghai
SEEN = datetime(2024, 3, 8, 9, 0)
PASSWORD_ENV = "MONITOR_TEST_SMTP_PASSWORD"
SUBJECT = "【办件预警】县市场监督管理局:已超期 1 件"

# aiosmtpd warns when a server asks for a login without TLS; the plain-login tests mean it.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


# --- mask -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("330225199001011234", "330225********1234"),
        ("33022519900101123X", "330225********123X"),
        ("33022519900101123x", "330225********123x"),
        ("申请人身份证330225199001011234,请核对", "申请人身份证330225********1234,请核对"),
        ("13812345678", "138****5678"),
        ("19912345678", "199****5678"),
        ("电话:13812345678。", "电话:138****5678。"),
        ("138-1234-5678", "138-****-5678"),
        ("138 1234 5678", "138 **** 5678"),
        ("+86 13812345678", "+86 138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("330225900101123", "330225******123"),  # 15-digit identity number (before 1999)
        (
            "张三 330225199001011234 13812345678",
            "张三 330225********1234 138****5678",
        ),
        # Left alone: case ids, longer digit runs, numbers that are not of the shape.
        ("SX3307260008224152", "SX3307260008224152"),
        ("SX330225199001011234", "SX330225199001011234"),
        ("202403050001234567890", "202403050001234567890"),
        ("202403050001234567", "202403050001234567"),  # 18 digits, no birth date inside
        ("8613812345678", "8613812345678"),
        ("1381234567", "1381234567"),
        ("12812345678", "12812345678"),
        ("138123456789", "138123456789"),
        ("13812345678a", "13812345678a"),
        ("138-1234 5678", "138-1234 5678"),
        ("2024-03-12", "2024-03-12"),
        ("", ""),
        # Landlines with their area code (issue 10, item 10).
        ("0574-65123456", "0574-****3456"),
        ("值班电话 0574-6512345。", "值班电话 0574-***2345。"),
        ("010-62345678", "010-****5678"),
        ("010 62345678", "010 ****5678"),
        ("(0574)65123456", "(0574)****3456"),
        ("（0574）65123456", "（0574）****3456"),
        ("0574-0512345", "0574-0512345"),  # a local number never starts with 0
        ("2025-0574-65", "2025-0574-65"),
    ],
)
def test_mask(text: str, expected: str) -> None:
    assert mask(text) == expected


# --- render -----------------------------------------------------------------------------------


def _item(case_id: str, level: str, **kw: object) -> AlertItem:
    fields: dict[str, object] = {
        "department": "县市场监督管理局",
        "item_name": "食品经营许可",
        "obligation": "completion",
        "deadline": date(2024, 3, 12),
        "late_workdays": 0,
        "remaining_workdays": None,
        "first_seen": SEEN,
    }
    fields.update(kw)
    return AlertItem(case_id=case_id, level=level, **fields)  # type: ignore[arg-type]


def _group(**kw: object) -> AlertGroup:
    """The fixed group of the golden files: 1 escalated, 1 overdue, 3 warnings, 4 shown."""
    items = [
        _item(
            "SX3307260008224152",
            "escalated",
            ref="W1",
            item_name="食品经营许可(联系人 13812345678)",
            deadline=date(2024, 3, 5),
            late_workdays=5,
        ),
        _item(
            "SX3307260008224153",
            "overdue",
            ref="W2",
            item_name="个体工商户登记 <script>alert(1)</script>",
            obligation="acceptance",
            deadline=date(2024, 3, 11),
            late_workdays=1,
        ),
        _item(
            "SX3307260008224154",
            "warning",
            ref="W3",
            item_name="药品经营许可 申请人330225199001011234",
            remaining_workdays=0,
        ),
        _item(
            "SX3307260008224155",
            "warning",
            ref="W4",
            item_name="特种设备使用登记",
            deadline=date(2024, 3, 13),
            remaining_workdays=1,
        ),
        _item(
            "SX3307260008224156",
            "warning",
            ref="W5",
            item_name="食品生产许可",
            deadline=date(2024, 3, 14),
            remaining_workdays=2,
        ),
    ]
    fields: dict[str, object] = {
        "recipients": ("scjg@example.gov.cn",),
        "items": items,
        "departments": ("县市场监督管理局",),
        "generated_at": WHEN,
        "max_items": 4,
    }
    fields.update(kw)
    return AlertGroup(**fields)  # type: ignore[arg-type]


def test_golden_zh(golden: Callable[[str, str], None]) -> None:
    mail = render_alert(_group(), "zh")
    golden("alert_zh.txt", mail.text)
    golden("alert_zh.html", mail.html)


def test_golden_en(golden: Callable[[str, str], None]) -> None:
    golden("alert_en.txt", render_alert(_group(), "en").text)


@pytest.mark.parametrize(
    ("language", "group", "subject"),
    [
        ("zh", _group(), "【办件预警】县市场监督管理局:即将超期 3 件,已超期 1 件,督办 1 件"),
        (
            "zh",
            _group(
                items=[_item("A1", "escalated", department="县公安局")] * 2,
                departments=("县公安局",),
            ),
            "【办件预警】县公安局:督办 2 件",
        ),
        (
            "zh",
            _group(departments=("县公安局", "县市场监督管理局", "县卫生健康局")),
            "【办件预警】3个部门:即将超期 3 件,已超期 1 件,督办 1 件",
        ),
        (
            "zh",
            _group(escalation=True),
            "【办件督办】县市场监督管理局:即将超期 3 件,已超期 1 件,督办 1 件",
        ),
        ("en", _group(), "[Case alert] 县市场监督管理局: 3 due soon, 1 overdue, 1 escalated"),
        (
            "en",
            _group(items=[_item("A1", "overdue")], departments=("县公安局", "县民政局")),
            "[Case alert] 2 departments: 1 overdue",
        ),
        ("en", _group(escalation=True, items=[_item("A1", "warning")]), None),
    ],
)
def test_subject(language: str, group: AlertGroup, subject: str | None) -> None:
    got = render_alert(group, language).subject
    assert got == (subject or "[Case escalation] 县市场监督管理局: 1 due soon")


def test_subject_departments_from_items_when_none_given() -> None:
    group = _group(items=[_item("A1", "overdue", department="县公安局")], departments=())
    assert render_alert(group, "zh").subject == "【办件预警】县公安局:已超期 1 件"


def test_subject_masks_department_and_stays_one_line() -> None:
    group = _group(departments=("县公安局 值班13812345678\r\nBcc: x@y.cn",))
    subject = render_alert(group, "zh").subject
    assert subject.startswith("【办件预警】县公安局 值班138****5678 Bcc: x@y.cn:")
    assert "\n" not in subject and "\r" not in subject


def test_sections_most_urgent_first_whatever_the_input_order() -> None:
    group = _group(items=list(reversed(_group().items)), max_items=200)
    for language, titles in (
        ("zh", ["督办 1 件", "超期 1 件", "预警 3 件"]),
        ("en", ["Escalated (1)", "Overdue (1)", "Due soon (3)"]),
    ):
        mail = render_alert(group, language)
        for body, mark in ((mail.text, "\n{}\n"), (mail.html, ">{}</h2>")):
            positions = [body.index(mark.format(title)) for title in titles]
            assert positions == sorted(positions)
        assert "未列出" not in mail.text and "not listed" not in mail.text


def test_rows_beyond_max_items_are_counted() -> None:
    items = [_item(f"SX{n:04d}", "overdue", late_workdays=1) for n in range(7)]
    zh = render_alert(_group(items=items, max_items=3), "zh")
    assert "另有 4 件未列出" in zh.text and "另有 4 件未列出" in zh.html
    assert "SX0002" in zh.text and "SX0003" not in zh.text
    assert "超期 7 件" in zh.text  # the section counts all its cases
    assert "4 more not listed" in render_alert(_group(items=items, max_items=3), "en").html


def test_columns_and_workday_cells() -> None:
    mail = render_alert(_group(max_items=200), "zh")
    lines = mail.text.splitlines()
    header = next(line for line in lines if line.startswith("预警编号"))
    assert header.split() == [
        "预警编号",
        "办件编号",
        "部门",
        "事项",
        "环节",
        "截止日",
        "超期/剩余工作日",
    ]
    row = {line.split()[1]: line for line in lines if line.startswith("W")}
    assert row["SX3307260008224152"].startswith("W1        SX3307260008224152  ")
    assert row["SX3307260008224152"].endswith("办结  2024-03-05  超期 5")
    assert row["SX3307260008224153"].endswith("受理  2024-03-11  超期 1")
    assert row["SX3307260008224154"].endswith("2024-03-12  今日到期")
    assert row["SX3307260008224155"].endswith("2024-03-13  剩余 1")
    assert "monitor ack 预警编号 --by 姓名 --note 处理情况" in mail.text
    assert "Asia/Shanghai" in mail.text and "Asia/Shanghai" in mail.html


def test_html_is_escaped_masked_inline_and_self_contained() -> None:
    mail = render_alert(_group(), "zh")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.html
    assert "<script" not in mail.html.lower()
    assert "<script>alert(1)</script>" in mail.text  # plain text is not HTML: shown as is
    for body in (mail.text, mail.html):
        assert "138****5678" in body and "13812345678" not in body
        assert "330225********1234" in body and "330225199001011234" not in body
        assert "SX3307260008224152" in body
    assert "<style" not in mail.html  # inlined into style attributes
    assert 'style="' in mail.html and "border-collapse: collapse" in mail.html
    assert "http:" not in mail.html and "https:" not in mail.html and "src=" not in mail.html


def test_aware_generated_at_is_shown_in_shanghai_time() -> None:
    at = datetime(2024, 3, 12, 1, 30, tzinfo=ZoneInfo("UTC"))
    assert "2024-03-12 09:30" in render_alert(_group(generated_at=at), "zh").text


def test_unknown_language_or_level() -> None:
    with pytest.raises(ValueError, match="expected language 'zh' or 'en', found 'fr'"):
        render_alert(_group(), "fr")
    with pytest.raises(ValueError, match="case X1: expected level in"):
        render_alert(_group(items=[_item("X1", "late")]), "zh")


# --- message ----------------------------------------------------------------------------------


def _message(subject: str = SUBJECT, **kw: object) -> EmailMessage:
    mail = render_alert(_group(), "zh")
    fields: dict[str, object] = {
        "sender": SENDER,
        "recipients": ["scjg@example.gov.cn", "办公室 <bgs@example.gov.cn>"],
        "subject": subject,
        "text": mail.text,
        "html": mail.html,
        "key": KEY,
        "date": WHEN,
    }
    fields.update(kw)
    return build_message(**fields)  # type: ignore[arg-type]


def _reparse(msg: EmailMessage) -> EmailMessage:
    return email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)  # type: ignore[return-value]


def test_message_headers_and_parts() -> None:
    msg = _reparse(_message())
    assert msg["Subject"] == SUBJECT
    assert msg["From"] == SENDER
    assert [a.addr_spec for a in msg["To"].addresses] == [
        "scjg@example.gov.cn",
        "bgs@example.gov.cn",
    ]
    assert msg["Message-ID"] == "<3f2a9c0d5e6b7a8f9e0d1c2b3a4f5e6d@banjian-monitor>"
    assert msg["Date"] == "Tue, 12 Mar 2024 09:30:00 +0800"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg.get_content_type() == "multipart/alternative"
    plain, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content_charset() == "utf-8" and html.get_content_charset() == "utf-8"
    assert "个体工商户登记 <script>alert(1)</script>" in plain.get_content()
    assert "&lt;script&gt;" in html.get_content()


def test_message_header_injection_is_flattened() -> None:
    msg = _reparse(_message(subject="超期提醒\r\nBcc: evil@x.cn\nX-Evil: 1"))
    assert msg["Bcc"] is None and msg["X-Evil"] is None
    assert msg["Subject"] == "超期提醒 Bcc: evil@x.cn X-Evil: 1"


@pytest.mark.parametrize(
    "bad",
    [
        "a@example.gov.cn\r\nBcc: evil@x.cn",
        "a@example.gov.cn\nBcc: evil@x.cn",
        "a@example.gov.cn, evil@x.cn",
        "not-an-address",
        "a b@example.gov.cn",
        '"Evil" <a@example.gov.cn>',
        "<a@example.gov.cn> trailing",
    ],
)
def test_message_bad_recipient(bad: str) -> None:
    with pytest.raises(ValueError, match="not a valid email address") as info:
        _message(recipients=["ok@example.gov.cn", bad])
    assert repr(bad) in str(info.value)


@pytest.mark.parametrize(
    "bad", ["a..b@example.cn", ".a@example.cn", "a@-example.cn", "a@example..cn", "张三@example.cn"]
)
def test_message_refuses_what_the_configuration_refuses(bad: str) -> None:
    with pytest.raises(ValueError, match="not a valid email address") as info:
        _message(recipients=[bad])
    assert repr(bad) in str(info.value)
    with pytest.raises(ValueError):
        Settings.model_validate({"alerts": {"default_recipients": [bad]}})


def test_message_carries_every_address_the_configuration_accepts() -> None:
    """An internationalised domain passes the configuration; the message carries it in
    Punycode (before: accepted by the configuration, then a ValueError at every send)."""
    good = ["scjg@example.gov.cn", "a@例子.中国", "First.Last+alerts@Example.CN"]
    Settings.model_validate({"alerts": {"default_recipients": good}})
    msg = _reparse(_message(recipients=good))
    assert [a.addr_spec for a in msg["To"].addresses] == [
        "scjg@example.gov.cn",
        "a@xn--fsqu00a.xn--fiqs8s",
        "First.Last+alerts@example.cn",
    ]


def test_message_bad_sender_key_and_no_recipients() -> None:
    with pytest.raises(ValueError, match=r"'monitor@\\nexample'"):
        _message(sender="monitor@\nexample")
    with pytest.raises(ValueError, match="cannot make a Message-ID from key '<x>'"):
        _message(key="<x>")
    with pytest.raises(ValueError, match="at least one recipient"):
        _message(recipients=[])
    with pytest.raises(ValueError, match="expected a list of recipient addresses"):
        _message(recipients="a@example.gov.cn")


def test_message_default_sender_and_aware_date() -> None:
    at = datetime(2024, 3, 12, 1, 30, tzinfo=ZoneInfo("UTC"))
    msg = _reparse(_message(sender="monitor@localhost", date=at))
    assert msg["From"] == "monitor@localhost"
    assert msg["Date"] == "Tue, 12 Mar 2024 01:30:00 +0000"


# --- SMTP transport ---------------------------------------------------------------------------


def _smtp(server: SmtpTestServer, **kw: object) -> SmtpTransport:
    return SmtpTransport("127.0.0.1", server.port, timeout=5, **kw)  # type: ignore[arg-type]


def _short(**stages: float) -> StageTimeouts:
    """RFC 5321's stage timeouts with ``stages`` replaced (tests cannot wait 5 minutes)."""
    return dataclasses.replace(StageTimeouts(command=0.3), **stages)


def test_smtp_delivers(smtp_server: SmtpTestServer) -> None:
    _smtp(smtp_server).send(_message(subject="【办件预警】县局:已超期 1 件\r\nBcc: evil@x.cn"))
    assert smtp_server.envelope_recipients == [["scjg@example.gov.cn", "bgs@example.gov.cn"]]
    assert smtp_server.received[0].mail_from == SENDER
    (msg,) = smtp_server.messages
    assert msg["Subject"] == "【办件预警】县局:已超期 1 件 Bcc: evil@x.cn"
    assert msg["Bcc"] is None
    plain, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain is not None and html is not None
    text, markup = plain.get_content(), html.get_content()
    assert "<script>alert(1)</script>" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup and "<script" not in markup
    for body in (text, markup):
        assert "138****5678" in body and "13812345678" not in body
        assert "330225********1234" in body and "330225199001011234" not in body


def test_smtp_connection_refused_is_transient() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TransientMailError, match=f"SMTP 127.0.0.1:{port} refused the connection"):
        SmtpTransport("127.0.0.1", port, timeout=5).send(_message())


def test_smtp_silent_server_times_out_as_transient() -> None:
    with socket.socket() as listener:  # accepts the connection, never says hello
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        # The greeting waits RFC 5321's 5 minutes unless told otherwise.
        transport = SmtpTransport("127.0.0.1", port, timeout=0.3, stages=_short(greeting=0.3))
        with pytest.raises(TransientMailError, match=f"127.0.0.1:{port} did not answer within"):
            transport.send(_message())


def test_smtp_dropped_connection_is_transient() -> None:
    with socket.socket() as listener:  # accepts the connection and hangs up at once
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        hang_up = threading.Thread(target=lambda: listener.accept()[0].close())
        hang_up.start()
        with pytest.raises(TransientMailError, match=f"127.0.0.1:{port} closed the connection"):
            SmtpTransport("127.0.0.1", port, timeout=5).send(_message())
        hang_up.join()


def test_smtp_451_is_transient_and_a_retry_gets_through(smtp_server: SmtpTestServer) -> None:
    smtp_server.fail_next(1, code=451)
    transport = _smtp(smtp_server)
    with pytest.raises(TransientMailError, match=f"127.0.0.1:{smtp_server.port} answered 451"):
        transport.send(_message())
    assert smtp_server.messages == []
    transport.send(_message())
    assert len(smtp_server.messages) == 1


def test_smtp_550_is_permanent(smtp_server: SmtpTestServer) -> None:
    smtp_server.fail_next(1, code=554)
    with pytest.raises(PermanentMailError, match=f"127.0.0.1:{smtp_server.port} answered 554"):
        _smtp(smtp_server).send(_message())


def test_smtp_all_recipients_refused(smtp_server: SmtpTestServer) -> None:
    smtp_server.fail_next(2, code=550, stage="rcpt")
    with pytest.raises(PermanentMailError, match="refused every recipient") as info:
        _smtp(smtp_server).send(_message())
    assert set(info.value.refused) == {"scjg@example.gov.cn", "bgs@example.gov.cn"}
    assert info.value.refused["scjg@example.gov.cn"][0] == 550
    smtp_server.fail_next(2, code=450, stage="rcpt")
    with pytest.raises(TransientMailError, match="refused every recipient"):
        _smtp(smtp_server).send(_message())


def test_smtp_some_recipients_refused_is_permanent(smtp_server: SmtpTestServer) -> None:
    smtp_server.fail_next(1, code=550, stage="rcpt")
    with pytest.raises(PermanentMailError, match=r"refused scjg@example\.gov\.cn") as info:
        _smtp(smtp_server).send(_message())
    assert list(info.value.refused) == ["scjg@example.gov.cn"]
    assert smtp_server.envelope_recipients == [["bgs@example.gov.cn"]]  # the other has it


def test_smtp_login_without_tls(
    start_smtp_server: Callable[..., SmtpTestServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_smtp_server(users={"monitor": "s3cret"})
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    _smtp(server, username="monitor", password_env=PASSWORD_ENV).send(_message())
    assert server.logins == ["monitor"] and len(server.messages) == 1


def test_smtp_wrong_password_is_permanent(
    start_smtp_server: Callable[..., SmtpTestServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_smtp_server(users={"monitor": "s3cret"})
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    transport = _smtp(server, username="monitor", password_env=PASSWORD_ENV)
    with pytest.raises(PermanentMailError, match=f"{server.port} refused the login of 'monitor'"):
        transport.send(_message())
    assert server.messages == []


def test_smtp_login_required_but_not_configured(
    start_smtp_server: Callable[..., SmtpTestServer],
) -> None:
    server = start_smtp_server(users={"monitor": "s3cret"})
    with pytest.raises(PermanentMailError, match=f"127.0.0.1:{server.port} answered 530"):
        _smtp(server).send(_message())


def test_smtp_password_variable_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with pytest.raises(ConfigError, match=f"names environment variable {PASSWORD_ENV}"):
        SmtpTransport("127.0.0.1", 25, username="monitor", password_env=PASSWORD_ENV)
    with pytest.raises(ConfigError, match="username 'monitor' needs password_env"):
        SmtpTransport("127.0.0.1", 25, username="monitor")


def test_smtp_starttls_with_login(
    start_smtp_server: Callable[..., SmtpTestServer],
    tls_cert: TlsCert,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = start_smtp_server(security="starttls", cert=tls_cert, users={"monitor": "s3cret"})
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    transport = _smtp(
        server,
        security="starttls",
        username="monitor",
        password_env=PASSWORD_ENV,
        ssl_context=tls_cert.client_context(),
    )
    transport.send(_message())
    assert server.logins == ["monitor"]
    assert server.messages[0]["Message-ID"] == "<3f2a9c0d5e6b7a8f9e0d1c2b3a4f5e6d@banjian-monitor>"


def test_smtp_plain_against_starttls_server_is_permanent(
    start_smtp_server: Callable[..., SmtpTestServer], tls_cert: TlsCert
) -> None:
    server = start_smtp_server(security="starttls", cert=tls_cert)
    with pytest.raises(PermanentMailError, match=f"127.0.0.1:{server.port} answered 530"):
        _smtp(server).send(_message())


def test_smtp_ssl_with_login(
    start_smtp_server: Callable[..., SmtpTestServer],
    tls_cert: TlsCert,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = start_smtp_server(security="ssl", cert=tls_cert, users={"monitor": "s3cret"})
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    transport = _smtp(
        server,
        security="ssl",
        username="monitor",
        password_env=PASSWORD_ENV,
        ssl_context=tls_cert.client_context(),
    )
    transport.send(_message())
    assert server.logins == ["monitor"] and len(server.messages) == 1


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_smtp_untrusted_certificate_is_permanent(
    start_smtp_server: Callable[..., SmtpTestServer], tls_cert: TlsCert, security: str
) -> None:
    server = start_smtp_server(security=security, cert=tls_cert)
    transport = _smtp(server, security=security)  # the system's trust store: not our cert
    with pytest.raises(PermanentMailError, match=f"{server.port}: TLS certificate not trusted"):
        transport.send(_message())
    assert server.messages == []


# --- SMTP timing, the journal and the envelope (issue 10, items 19-21) -----------------------


class Events:
    """A journal that remembers what it was told, and what the server had by then."""

    def __init__(self, server: SmtpTestServer | None = None) -> None:
        self.server = server
        self.events: list[object] = []

    def committing(self) -> None:
        received = len(self.server.received) if self.server else None
        self.events.append(("committing", received))

    def accepted(self, recipients: Sequence[str]) -> None:
        self.events.append(("accepted", list(recipients)))


def test_smtp_stage_timeouts_are_rfc_5321s_and_timeout_the_command_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    transport = transport_for(
        Settings.model_validate({"mail": {"transport": "smtp", "smtp": {"timeout": 20.0}}})
    )
    assert isinstance(transport, SmtpTransport)
    assert transport.stages == StageTimeouts(
        command=20.0,
        greeting=300.0,
        mail=300.0,
        rcpt=300.0,
        data_initiation=120.0,
        data_block=180.0,
        data_termination=600.0,
    )


def test_smtp_waits_for_the_answer_to_the_end_of_the_message_past_timeout(
    smtp_server: SmtpTestServer,
) -> None:
    """A server that takes 1 s to answer the final "." (a virus scan) is not cut off by a
    0.3 s ``timeout``: before, that was a timeout, a retry, and the message twice."""
    smtp_server.delay_next(1.0)
    SmtpTransport("127.0.0.1", smtp_server.port, timeout=0.3).send(_message())
    assert len(smtp_server.messages) == 1


def test_smtp_waits_for_rcpt_past_timeout(smtp_server: SmtpTestServer) -> None:
    smtp_server.delay_next(1.0, stage="rcpt")
    SmtpTransport("127.0.0.1", smtp_server.port, timeout=0.3).send(_message())
    assert smtp_server.envelope_recipients == [["scjg@example.gov.cn", "bgs@example.gov.cn"]]


def test_smtp_journal_hears_the_commit_before_the_end_and_the_acceptance_after(
    smtp_server: SmtpTestServer,
) -> None:
    journal = Events(smtp_server)
    _smtp(smtp_server).send(_message(), None, journal)
    # The mark comes while the server does not have the message yet.
    assert journal.events == [
        ("committing", 0),
        ("accepted", ["scjg@example.gov.cn", "bgs@example.gov.cn"]),
    ]


def test_smtp_lost_answer_to_the_end_is_in_doubt_not_transient(
    smtp_server: SmtpTestServer,
) -> None:
    smtp_server.delay_next(2.0)
    journal = Events()
    transport = SmtpTransport(
        "127.0.0.1", smtp_server.port, timeout=5, stages=_short(data_termination=0.3)
    )
    with pytest.raises(InDoubtMailError) as info:
        transport.send(_message(), None, journal)
    assert str(info.value) == (
        f"SMTP 127.0.0.1:{smtp_server.port} did not answer the end of the message within "
        "0.3 s: it may have taken the message"
    )
    assert (info.value.retry, info.value.receiver_down) == (False, True)
    assert journal.events == [("committing", None)]  # never "accepted"
    assert len(smtp_server.messages) == 1  # it did take it


def test_smtp_failure_before_the_end_is_not_in_doubt() -> None:
    with socket.socket() as listener:  # accepts the connection, never says hello
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        journal = Events()
        transport = SmtpTransport("127.0.0.1", port, stages=_short(greeting=0.3))
        with pytest.raises(TransientMailError) as info:
            transport.send(_message(), None, journal)
    assert str(info.value) == (
        f"SMTP 127.0.0.1:{port} did not answer within 0.3 s (waiting for the greeting)"
    )
    assert info.value.receiver_down and journal.events == []


def test_smtp_envelope_goes_to_the_given_recipients_only(smtp_server: SmtpTestServer) -> None:
    journal = Events()
    _smtp(smtp_server).send(_message(), ["bgs@example.gov.cn"], journal)
    assert smtp_server.envelope_recipients == [["bgs@example.gov.cn"]]
    (msg,) = smtp_server.messages
    assert [a.addr_spec for a in msg["To"].addresses] == [  # the headers still name both
        "scjg@example.gov.cn",
        "bgs@example.gov.cn",
    ]
    assert journal.events[-1] == ("accepted", ["bgs@example.gov.cn"])


def test_smtp_some_recipients_refused_4xx_is_transient_for_them(
    smtp_server: SmtpTestServer,
) -> None:
    smtp_server.fail_next(1, code=450, stage="rcpt")
    journal = Events()
    with pytest.raises(TransientMailError, match=r"refused scjg@example\.gov\.cn") as info:
        _smtp(smtp_server).send(_message(), None, journal)
    assert info.value.delivered == ("bgs@example.gov.cn",)
    assert not info.value.receiver_down
    assert journal.events[-1] == ("accepted", ["bgs@example.gov.cn"])


def test_smtp_unreachable_and_closing_servers_are_down_a_refused_message_is_not(
    smtp_server: SmtpTestServer,
) -> None:
    with pytest.raises(TransientMailError) as info:
        SmtpTransport("127.0.0.1", _free_port(), timeout=5).send(_message())
    assert info.value.receiver_down
    smtp_server.fail_next(1, code=421)
    with pytest.raises(TransientMailError) as info:
        _smtp(smtp_server).send(_message())
    assert info.value.receiver_down
    smtp_server.fail_next(1, code=451)
    with pytest.raises(TransientMailError) as info:
        _smtp(smtp_server).send(_message())
    assert not info.value.receiver_down


def test_check_transport_names_the_missing_password_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    settings = Settings.model_validate(
        {
            "mail": {
                "transport": "smtp",
                "smtp": {"username": "monitor", "password_env": PASSWORD_ENV},
            }
        }
    )
    with pytest.raises(ConfigError) as info:
        check_transport(settings)
    assert str(info.value) == (
        f"[mail.smtp] password_env: names environment variable {PASSWORD_ENV}, which is not set"
    )
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    check_transport(settings)  # nothing is connected to


# --- file transport and the transport from settings -------------------------------------------


def test_file_transport_writes_parseable_eml(tmp_path: Path) -> None:
    folder = tmp_path / "var" / "mail"
    transport = FileTransport(folder)
    msg = _message()
    transport.send(msg)
    transport.send(msg)  # the same message again replaces its file
    (path,) = folder.iterdir()
    assert path.name == "20240312T013000Z-3f2a9c0d5e6b7a8f.eml" == transport.path_for(msg).name
    data = path.read_bytes()
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert parsed["Subject"] == SUBJECT
    body = parsed.get_body(("plain",))
    assert body is not None and "138****5678" in body.get_content()


def test_file_transport_unwritable_folder_names_it(tmp_path: Path) -> None:
    blocker = tmp_path / "mail"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(PermanentMailError, match=f"mail folder {blocker} cannot be written to"):
        FileTransport(blocker).send(_message())


def test_transport_for_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings.model_validate({"mail": {"file": {"dir": "out/mail"}}})
    settings = settings.model_copy(update={"base_dir": tmp_path})
    file = transport_for(settings)
    assert isinstance(file, FileTransport) and file.dir == tmp_path / "out" / "mail"
    assert isinstance(transport_for(settings.mail), FileTransport)
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    smtp = transport_for(
        Settings.model_validate(
            {
                "mail": {
                    "transport": "smtp",
                    "smtp": {
                        "host": "mail.example.gov.cn",
                        "port": 587,
                        "security": "starttls",
                        "username": "monitor",
                        "password_env": PASSWORD_ENV,
                        "timeout": 10.0,
                    },
                }
            }
        )
    )
    assert isinstance(smtp, SmtpTransport)
    assert (smtp.server, smtp.security, smtp.username, smtp.timeout) == (
        "mail.example.gov.cn:587",
        "starttls",
        "monitor",
        10.0,
    )


@pytest.mark.parametrize("kind", ["smtp", "file"])
def test_every_transport_round_trips_the_alert(
    kind: str, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    """The same rendered alert, sent through each transport, reads back the same."""
    mail = render_alert(_group(), "zh")
    msg = build_message(
        SENDER, ["scjg@example.gov.cn"], mail.subject, mail.text, mail.html, KEY, WHEN
    )
    if kind == "smtp":
        _smtp(smtp_server).send(msg)
        (got,) = smtp_server.messages
    else:
        FileTransport(tmp_path).send(msg)
        (path,) = tmp_path.glob("*.eml")
        got = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[assignment]
    assert got["Subject"] == mail.subject
    plain, html = got.get_body(("plain",)), got.get_body(("html",))
    assert plain is not None and html is not None
    # Text parts travel with CRLF line ends (RFC 2046 §4.1.1); readers turn them back.
    assert plain.get_content().replace("\r\n", "\n") == mail.text
    assert html.get_content().replace("\r\n", "\n") == mail.html


def test_mask_series_masks_what_mask_masks_and_nothing_else() -> None:
    """The column form (scan and warnings exports, millions of case ids) gives exactly what
    :func:`mask` gives, for text, categoricals and missing values."""
    texts = [
        "330225199001011234",
        "申请人身份证33022519900101123X,请核对",
        "电话:13812345678。",
        "+86 138 1234 5678",
        "330225900101123",
        "值班电话 0574-65123456",
        "（0574）6512345",
        "SX3307260008224152",
        "SX330225199001011234",
        "2024-03-12",
        "县公安局",
    ]
    column = pd.Series([*texts, None], dtype="str")
    masked = mask_series(column)
    assert masked.iloc[:-1].tolist() == [mask(t) for t in texts]
    assert pd.isna(masked.iloc[-1])
    categories = mask_series(pd.Series(texts * 2, dtype="category"))
    assert categories.astype(str).tolist() == [mask(t) for t in texts] * 2


def test_an_identity_number_as_case_id_is_masked_and_the_mail_names_the_reference() -> None:
    """When the case system numbers cases by the applicant's identity number, the mail shows
    it masked and tells how to answer by the warning's reference instead (issue 10, item 10)."""
    identity = "330225199001011234"
    group = _group(items=[_item(identity, "overdue", ref="W7", late_workdays=1)], max_items=200)
    for language in ("zh", "en"):
        mail = render_alert(group, language)
        for body in (mail.text, mail.html):
            assert identity not in body
            assert "330225********1234" in body
            assert "W7" in body
    assert "monitor ack 预警编号" in render_alert(group, "zh").text
    assert "monitor ack REF" in render_alert(group, "en").text
