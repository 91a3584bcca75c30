"""Group robots (钉钉, 企业微信) and webhooks as receivers (issue 12), against real HTTP servers
on loopback that check what each platform checks (:mod:`tests.monitor.robot_servers`).

Fitting a message to a platform's size, signing, keywords, mentions, pacing, and what every
kind of failure means for the outbox: retried (5xx, 429, a rate-limit errcode, no
connection), dead (a wrong token, secret or keyword), in doubt (no answer after the request
went). The signature values are hand-computed with ``openssl dgst``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from monitor.config.receivers import ReceiverSettings
from monitor.errors import ConfigError
from monitor.notify.mail.render import AlertGroup, AlertItem
from monitor.notify.receiver import InDoubtError, PermanentError, TransientError
from monitor.notify.robots import robot_receiver
from monitor.notify.robots.dingtalk import signed_url
from monitor.notify.robots.fit import fit_markdown, size
from monitor.notify.robots.message import RobotMessage
from monitor.notify.robots.pace import Pacer
from monitor.notify.robots.render import render_robot_alert
from monitor.notify.robots.webhook import signature
from tests.monitor.robot_servers import RobotServer

ID_NUMBER = "330225199001011234"
MOBILE = "13812345678"
AT = dt.datetime(2025, 3, 13, 9, 0)
LINK = "https://banjian.example.gov.cn/office/?department=%E5%8E%BF%E5%85%AC%E5%AE%89%E5%B1%80"


def item(n: int, level: str = "warning", name: str = "户口迁移") -> AlertItem:
    return AlertItem(
        case_id=f"B{n:04d}",
        department="县公安局",
        item_name=name,
        obligation="completion",
        level=level,  # type: ignore[arg-type]
        deadline=dt.date(2025, 3, 14),
        late_workdays=0 if level == "warning" else 2,
        remaining_workdays=1 if level == "warning" else None,
        first_seen=AT,
        ref=f"W{n}",
    )


def message(count: int = 2, *, escalation: bool = False, link: str | None = None) -> RobotMessage:
    """The robot message of ``count`` cases of 县公安局 (the first escalated when asked)."""
    items = [item(i + 1) for i in range(count)]
    if escalation:
        items[0] = item(1, "escalated")
    group = AlertGroup(("robot:x",), items, ("县公安局",), AT, escalation=escalation)
    return render_robot_alert(group, "zh", link)


@pytest.fixture
def servers() -> Iterator[Callable[..., RobotServer]]:
    made: list[RobotServer] = []

    def make(kind: str, **options: Any) -> RobotServer:
        made.append(RobotServer(kind, **options))
        return made[-1]

    yield make
    for server in made:
        server.close()


def receiver(
    monkeypatch: pytest.MonkeyPatch,
    server: RobotServer,
    *,
    secret: str | None = None,
    pacer: Pacer | None = None,
    **options: Any,
) -> Any:
    """The receiver of ``server``'s kind, its address (and secret) in the environment."""
    monkeypatch.setenv("ROBOT_URL", server.url)
    settings: dict[str, Any] = {"kind": server.kind, "url_env": "ROBOT_URL", **options}
    if secret is not None:
        monkeypatch.setenv("ROBOT_SECRET", secret)
        settings["secret_env"] = "ROBOT_SECRET"
    return robot_receiver("grp", ReceiverSettings(**settings), pacer or Pacer(100))


class Journal:
    """Records what the receiver reports, in order."""

    def __init__(self) -> None:
        self.events: list[object] = []

    def committing(self) -> None:
        self.events.append("committing")

    def accepted(self, recipients: Any) -> None:
        self.events.append(("accepted", list(recipients)))


# --- the message ------------------------------------------------------------------------------


def test_case_lines_are_masked_and_cannot_become_markup() -> None:
    name = f"身份证{ID_NUMBER} 电话{MOBILE} [点我](http://evil.example) **粗** <@all>"
    group = AlertGroup(("robot:x",), [item(1, name=name)], ("县公安局",), AT)
    (line,) = render_robot_alert(group, "zh").cases
    assert ID_NUMBER not in line and MOBILE not in line
    assert "330225＊＊＊＊＊＊＊＊1234" in line and "138＊＊＊＊5678" in line
    assert "](http://evil" not in line and "<@all>" not in line and "**粗**" not in line
    assert line.startswith("- **预警** W1 · B0001 · 县公安局 · 身份证")
    assert line.endswith(" · 办结 · 截止 2025-03-14 · 剩余 1 个工作日")


def test_a_message_that_fits_shows_every_case_and_no_count() -> None:
    fitted = fit_markdown(message(3, link=LINK), 4096)
    assert (fitted.shows, fitted.left_out) == (3, 0)
    assert "及其他" not in fitted.text and "W3" in fitted.text


def test_cases_that_do_not_fit_are_counted_with_the_link() -> None:
    """200 cases in 企业微信's 4,096 bytes: the header, the cases that fit, "及其他 N 件" with
    the link to the department's list, the footer; nothing over the limit."""
    msg = message(200, link=LINK)
    fitted = fit_markdown(msg, 4096)
    assert size(fitted.text) <= 4096
    assert fitted.shows + fitted.left_out == 200 and 20 < fitted.shows < 60
    assert f"及其他 {fitted.left_out} 件，[在线查看全部]({LINK})" in fitted.text
    assert fitted.text.startswith(msg.header[0])
    assert fitted.text.endswith(msg.footer[-1])
    # One more case line would not have fitted.
    more = fit_markdown(msg, size(fitted.text) + len(msg.cases[fitted.shows].encode()) - 1)
    assert more.shows <= fitted.shows


def test_the_footer_goes_before_the_last_case_does() -> None:
    msg = message(3)
    head_one_case = "\n\n".join([*msg.header, msg.cases[0], "及其他 2 件"])
    fitted = fit_markdown(msg, size(head_one_case))
    assert (fitted.shows, fitted.left_out) == (1, 2)
    assert fitted.text == head_one_case  # no footer, one case, the count


def test_english_words_for_the_count() -> None:
    group = AlertGroup(("robot:x",), [item(i) for i in range(1, 60)], ("x",), AT)
    msg = render_robot_alert(group, "en", LINK)
    assert f"and {fit_markdown(msg, 2000).left_out} more — [see them all]({LINK})" in (
        fit_markdown(msg, 2000).text
    )


def test_a_header_over_the_limit_is_an_error_not_a_cut_message() -> None:
    with pytest.raises(ValueError, match="over the platform's 50 bytes"):
        fit_markdown(message(1), 50)


# --- signatures --------------------------------------------------------------------------------


def test_dingtalk_sign_is_the_documented_hmac() -> None:
    """openssl: printf '1700000000000\\nSECabc' | openssl dgst -sha256 -hmac SECabc -binary |
    base64 → jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM= ('=' URL-encoded)."""
    url = signed_url("https://oapi.dingtalk.com/robot/send?access_token=t", "SECabc", 1700000000000)
    assert url == (
        "https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1700000000000"
        "&sign=jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM%3D"
    )


def test_webhook_signature_is_hmac_of_timestamp_dot_body() -> None:
    """openssl: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec."""
    assert signature("whsec", 1700000000, b'{"a":1}') == (
        "sha256=8ad37ba156048ae0e0a5533c75cdf26fee88b07f93cb57ee4c80adb053012032"
    )


# --- pacing ------------------------------------------------------------------------------------


def test_the_pacer_waits_for_the_oldest_send_to_leave_the_minute() -> None:
    now = [0.0]
    pacer = Pacer(3, 60.0, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    stamps = []
    for at in (0.0, 10.0, 20.0, 21.0, 22.0, 95.0):
        now[0] = max(now[0], at)
        pacer.wait()
        stamps.append(now[0])
    assert stamps == [0.0, 10.0, 20.0, 60.0, 70.0, 95.0]
    assert pacer.waited == pytest.approx(39.0 + 10.0)  # 21 → 60, then 60 → 70


def test_pacing_keeps_a_burst_under_the_platforms_limit(
    servers: Callable[..., RobotServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server allows 3 messages a second. Unpaced, the 4th of a burst is refused with
    钉钉's 130101; paced to 3 a second, 7 messages all arrive, the burst taking ≥ 2 s."""
    server = servers("dingtalk", limit=3, window=1.0)
    unpaced = receiver(monkeypatch, server)
    for _ in range(3):
        unpaced.send(message(1))
    with pytest.raises(TransientError, match="errcode 130101") as refused:
        unpaced.send(message(1))
    assert refused.value.retry and refused.value.receiver_down
    time.sleep(1.1)
    paced = receiver(monkeypatch, server, pacer=Pacer(3, 1.0))
    started = time.monotonic()
    for _ in range(7):
        paced.send(message(1))
    assert time.monotonic() - started >= 2.0
    assert len(server.messages) == 10 and len(server.refused) == 1


# --- 钉钉 --------------------------------------------------------------------------------------


def test_dingtalk_signed_message_with_keyword_arrives(
    servers: Callable[..., RobotServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = servers("dingtalk", secret="SEC0123456789", keywords=("告警",))
    robot = receiver(monkeypatch, server, secret="SEC0123456789", keyword="告警")
    journal = Journal()
    robot.send(message(2), ["robot:grp"], journal)
    assert journal.events == ["committing", ("accepted", ["robot:grp"])]
    (body,) = server.messages
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "【办件预警】县公安局:即将超期 2 件"
    text = body["markdown"]["text"]
    assert "W1 · B0001" in text and text.endswith("\n\n告警")
    assert '<font color="#b7950b">**预警**</font>' in text
    assert body["at"] == {"atMobiles": [], "atUserIds": [], "isAtAll": False}
    assert robot.last_answer == '{"errcode": 0, "errmsg": "ok"}'


def test_dingtalk_escalation_mentions_the_configured_people(
    servers: Callable[..., RobotServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = servers("dingtalk")
    robot = receiver(monkeypatch, server, mention_mobiles=["13900001111"], mention_user_ids=["u7"])
    robot.send(message(2, escalation=True))
    robot.send(message(2))  # not an escalation: nobody mentioned
    first, second = server.messages
    assert first["at"] == {"atMobiles": ["13900001111"], "atUserIds": ["u7"], "isAtAll": False}
    assert first["markdown"]["text"].endswith("@13900001111 @u7")
    assert second["at"]["atMobiles"] == [] and "@139" not in second["markdown"]["text"]


@pytest.mark.parametrize(
    ("secret", "keyword", "token", "expected"),
    [
        ("wrong", "告警", None, "errcode 310000"),  # 加签 with another secret: sign not match
        ("SECright", None, None, "errcode 310000"),  # the group's keyword missing
        ("SECright", "告警", "gone", "errcode 300001"),  # a robot that was removed
    ],
)
def test_dingtalk_refusals_that_need_a_person_are_permanent(
    servers: Callable[..., RobotServer],
    monkeypatch: pytest.MonkeyPatch,
    secret: str,
    keyword: str | None,
    token: str | None,
    expected: str,
) -> None:
    server = servers("dingtalk", secret="SECright", keywords=("告警",))
    robot = receiver(monkeypatch, server, secret=secret, keyword=keyword)
    if token is not None:
        robot.url = server.url.replace(server.token, token)
    journal = Journal()
    with pytest.raises(PermanentError, match=expected) as refused:
        robot.send(message(1), ["robot:grp"], journal)
    assert not refused.value.retry and refused.value.receiver_down
    assert server.token not in str(refused.value)  # the token is never in an error
    assert journal.events == ["committing"] and server.messages == []


def test_dingtalk_rate_limit_and_busy_answers_are_retried(
    servers: Callable[..., RobotServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = servers("dingtalk")
    robot = receiver(monkeypatch, server)
    server.then(("errcode", 130101), ("errcode", -1), ("status", 502))
    for expected in ("errcode 130101", "errcode -1", "HTTP 502"):
        with pytest.raises(TransientError, match=expected):
            robot.send(message(1))
    robot.send(message(1))
    assert len(server.messages) == 1


# --- 企业微信 ----------------------------------------------------------------------------------


def test_wecom_long_message_fits_4096_bytes_with_the_count_and_link(
    servers: Callable[..., RobotServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = servers("wecom")
    robot = receiver(monkeypatch, server, mention_user_ids=["zhangsan"])
    robot.send(message(150, escalation=True, link=LINK))
    (body,) = server.messages
    content = body["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096
    assert "件，[在线查看全部](" + LINK + ")" in content and "及其他 " in content
    assert '<font color="warning">**督办**</font> W1' in content
    assert content.endswith("<@zhangsan>")


def test_wecom_wrong_key_is_permanent_and_rate_limit_transient(
    servers: Callable[..., RobotServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = servers("wecom")
    robot = receiver(monkeypatch, server)
    server.then(("errcode", 45009))
    with pytest.raises(TransientError, match="errcode 45009"):
        robot.send(message(1))
    monkeypatch.setattr(robot, "url", server.url.replace("T0KEN-abc123", "stale-key"))
    with pytest.raises(PermanentError, match="errcode 93000") as refused:
        robot.send(message(1))
    assert refused.value.receiver_down and "stale-key" not in str(refused.value)
    assert server.messages == []


def test_wecom_refuses_mobile_mentions_in_the_configuration() -> None:
    with pytest.raises(ValueError, match="by user id only"):
        ReceiverSettings(kind="wecom", url_env="U", mention_mobiles=["13900001111"])


# --- webhook -----------------------------------------------------------------------------------


def test_webhook_payload_is_signed_and_carries_a_stable_delivery_id(
    servers: Callable[..., RobotServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = servers("webhook", secret="whsec-1")
    hook = receiver(monkeypatch, server, secret="whsec-1")
    msg = message(2)
    hook.send(msg)
    hook.send(msg)  # the same message again (a retry): the same delivery id
    first, second = server.messages
    assert first == second and first["schema"] == "banjian-monitor.alert/1"
    assert first["counts"] == {"escalated": 0, "overdue": 0, "warning": 2}
    assert [c["ref"] for c in first["cases"]] == ["W1", "W2"]
    assert first["title"] == msg.title and "W2 · B0002" in first["text"]
    ids = [h["x-monitor-delivery"] for h in server.headers]
    assert ids[0] == ids[1] and len(ids[0]) == 32


def test_webhook_wrong_secret_is_refused_for_good(
    servers: Callable[..., RobotServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = servers("webhook", secret="whsec-1")
    hook = receiver(monkeypatch, server, secret="not-it")
    with pytest.raises(PermanentError, match="HTTP 401") as refused:
        hook.send(message(1))
    assert refused.value.receiver_down
    server.then(("status", 503))
    with pytest.raises(TransientError, match="HTTP 503"):
        receiver(monkeypatch, server, secret="whsec-1").send(message(1))


# --- the network -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["dingtalk", "wecom", "webhook"])
def test_no_answer_after_the_request_is_in_doubt_and_not_a_second_copy(
    servers: Callable[..., RobotServer], monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """The platform takes the message and answers after 1.5 s; the receiver waits 0.5 s.
    The message is in the group, so the error says so (InDoubtError: not retried)."""
    server = servers(kind)
    robot = receiver(monkeypatch, server, timeout_seconds=0.5)
    server.then(("delay", 1.5), ("drop",))
    for _ in range(2):  # slow, then a connection dropped after the request
        journal = Journal()
        with pytest.raises(InDoubtError, match="may have been delivered"):
            robot.send(message(1), ["robot:grp"], journal)
        assert journal.events == ["committing"]
    assert len(server.messages) == 2  # each taken once; nothing sent again


def test_no_log_line_holds_the_token(
    servers: Callable[..., RobotServer],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    server = servers("wecom")
    robot = receiver(monkeypatch, server)
    robot.send(message(1))
    server.then(("status", 500))
    with pytest.raises(TransientError):
        robot.send(message(1))
    assert len(server.messages) == 1 and caplog.records
    assert all(server.token not in record.getMessage() for record in caplog.records)


def test_an_unreachable_platform_is_transient_and_down(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.monitor.test_alerts import closed_port

    monkeypatch.setenv("ROBOT_URL", f"http://127.0.0.1:{closed_port()}/robot/send?access_token=s3")
    robot = robot_receiver(
        "grp", ReceiverSettings(kind="dingtalk", url_env="ROBOT_URL"), Pacer(100)
    )
    journal = Journal()
    with pytest.raises(TransientError, match=r"cannot reach 127\.0\.0\.1") as down:
        robot.send(message(1), ["robot:grp"], journal)
    assert down.value.receiver_down and "s3" not in str(down.value)
    assert journal.events == ["committing"]  # marked, then cleared by the failure record


def test_an_address_that_is_not_http_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROBOT_URL", "oapi.dingtalk.com/robot/send?access_token=x")
    with pytest.raises(
        ConfigError,
        match=r"\[receivers.grp\] url_env: environment variable "
        r"ROBOT_URL should hold an http\(s\):// address",
    ):
        robot_receiver("grp", ReceiverSettings(kind="dingtalk", url_env="ROBOT_URL"))
    monkeypatch.delenv("ROBOT_URL")
    with pytest.raises(ConfigError, match="names environment variable ROBOT_URL, which is not set"):
        robot_receiver("grp", ReceiverSettings(kind="dingtalk", url_env="ROBOT_URL"))
