"""Group robots (钉钉 / 浙政钉, 企业微信) and generic webhooks as receivers of the outbox.

``message`` is what the alert job hands over (:class:`RobotMessage`, stored as JSON in the
outbox); each platform's module turns it into that platform's request, fitted to its size
limit, signed as it requires, paced to its rate limit, and maps the platform's answers to
the outbox's :class:`~monitor.notify.receiver.DeliveryError` kinds.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from monitor.config import secret
from monitor.config.receivers import ReceiverSettings
from monitor.errors import ConfigError
from monitor.notify.receiver import Receiver
from monitor.notify.robots.pace import Pacer, pacer_for

__all__ = ["robot_receiver"]


def robot_receiver(name: str, settings: ReceiverSettings, pacer: Pacer | None = None) -> Receiver:
    """The receiver ``[receivers.NAME]`` describes, its address and secret read from the
    environment now (a ConfigError naming the variable when one is not set, or when the
    address is not an http(s) address). ``pacer``: this process's pacer of ``name`` unless
    given."""
    from monitor.notify.robots.dingtalk import DingTalkRobot
    from monitor.notify.robots.webhook import Webhook
    from monitor.notify.robots.wecom import WeComRobot

    key = f"[receivers.{name}]"
    url = secret(settings.url_env, f"{key} url_env").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{key} url_env",
            [f"environment variable {settings.url_env} should hold an http(s):// address"],
        )
    key_secret = secret(settings.secret_env, f"{key} secret_env") if settings.secret_env else None
    pace = pacer or pacer_for(name, settings.rate())
    timeout = settings.timeout_seconds
    if settings.kind == "dingtalk":
        return DingTalkRobot(
            name,
            url,
            secret=key_secret,
            keyword=settings.keyword,
            mobiles=settings.mention_mobiles,
            user_ids=settings.mention_user_ids,
            everyone=settings.mention_all,
            timeout=timeout,
            pacer=pace,
        )
    if settings.kind == "wecom":
        return WeComRobot(
            name, url, user_ids=settings.mention_user_ids, timeout=timeout, pacer=pace
        )
    return Webhook(name, url, secret=key_secret, timeout=timeout, pacer=pace)
