"""The ``test-receiver`` command. Registered on the group by :mod:`monitor.cli`."""

from __future__ import annotations

import click

from monitor.cli.app import State, common_options
from monitor.errors import ConfigError, NothingSent

__all__ = ["COMMANDS"]


@click.command("test-receiver")
@click.argument("name")
@click.option(
    "--mention", is_flag=True, help="Send it as an escalation, with the receiver's @-mentions."
)
@common_options
def test_receiver_cmd(state: State, name: str, mention: bool) -> None:
    """Send one test message to receiver NAME ([receivers.NAME]) and print the answer.

    The message says it is a test; it does not go through the outbox. Exits 2 when the
    platform refuses it for good (a wrong token, secret or keyword: fix the configuration),
    5 when it could not be delivered now (unreachable, rate-limited, no answer).

    \b
    Examples:
      monitor test-receiver scjg-ding
      monitor test-receiver office-wecom --mention
    """
    from monitor.clock import now
    from monitor.notify.receiver import DeliveryError, PermanentError
    from monitor.notify.robots import robot_receiver
    from monitor.notify.robots.message import ROBOT, RobotMessage
    from monitor.notify.robots.render import PAYLOAD_SCHEMA

    settings = state.settings()
    config = settings.receivers.get(name)
    if config is None:
        known = ", ".join(sorted(settings.receivers)) or "none is configured"
        raise ConfigError(
            f"[receivers.{name}]", [f"is not in the configuration (receivers: {known})"]
        )
    at = now().strftime("%Y-%m-%d %H:%M")
    message = RobotMessage(
        title=f"【办件预警】测试消息（{name}）",
        header=(
            f"#### 【办件预警】测试消息（{name}）",
            "这是办件监测系统的测试消息，用于确认群机器人配置正确，无需处理。",
            f"发送时间：{at}（北京时间）",
        ),
        cases=(),
        escalation=mention,
        payload={"schema": PAYLOAD_SCHEMA, "kind": "test", "receiver": name, "cases": []},
    )
    receiver = robot_receiver(name, config)
    try:
        receiver.send(message, [ROBOT + name])
    except PermanentError as exc:
        raise ConfigError(
            f"[receivers.{name}]", [f"the platform refused the test message: {exc}"]
        ) from exc
    except DeliveryError as exc:
        raise NothingSent(f"receiver {name}: the test message was not delivered: {exc}") from exc
    answer = getattr(receiver, "last_answer", None)
    click.echo(
        f"receiver {name} ({config.kind}): delivered"
        + (f"; it answered {answer}" if answer else "")
    )


COMMANDS = (test_receiver_cmd,)
