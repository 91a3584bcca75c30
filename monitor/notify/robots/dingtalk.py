"""钉钉 / 浙政钉 group robots (自定义机器人): a markdown message, signed, with the keyword.

What the platform documents and this module does:

- the message is ``{"msgtype": "markdown", "markdown": {"title", "text"}, "at": {...}}``;
  ``at.atMobiles`` / ``at.atUserIds`` / ``at.isAtAll`` mention people, and a mobile number
  or user id is highlighted only where ``@number`` appears in the text, so the mention line
  is added to the text of an escalation (督办);
- 加签: with a secret, the address gets ``timestamp`` (milliseconds) and ``sign``, the
  Base64 of HMAC-SHA256 over ``timestamp + "\\n" + secret`` keyed with the secret,
  URL-encoded; the platform refuses a timestamp more than an hour from its clock;
- 自定义关键词: a message without one of the robot's keywords is refused, so ``keyword`` is
  added as the message's last line unless its text already holds it;
- an answer is ``{"errcode": 0, "errmsg": "ok"}`` for success. Rate limiting (130101 "send
  too fast", 410100) and a busy system (-1) are retried; the rest — 310000 (keyword, sign,
  timestamp or IP whitelist refused), 300001 / 300005 / 400101 (no such token), 400102 (robot
  stopped), 400013 (group dissolved) — need someone to change the configuration. The
  markdown text is kept within ``MAX_BYTES``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any

from monitor.notify.receiver import NO_JOURNAL, Journal
from monitor.notify.robots.fit import fit_markdown
from monitor.notify.robots.message import RobotMessage
from monitor.notify.robots.pace import Pacer
from monitor.notify.robots.post import post_checked

__all__ = ["MAX_BYTES", "DingTalkRobot", "signed_url"]

#: The markdown text's limit in bytes (the platform's message limit is 20,000 bytes; the
#: rest of the request leaves room).
MAX_BYTES = 18_000
#: Answers worth a retry: the robot's rate limit, the platform busy.
RETRY = {130101: "rate limit", 410100: "rate limit", -1: "platform busy"}
#: Answers that mean the robot's configuration is wrong for every message.
DOWN = {300001, 300005, 310000, 400013, 400101, 400102, 400106}
COLOURS = {
    "督办": '<font color="#c0392b">{}</font>',
    "超期": '<font color="#d35400">{}</font>',
    "预警": '<font color="#b7950b">{}</font>',
    "Escalated": '<font color="#c0392b">{}</font>',
    "Overdue": '<font color="#d35400">{}</font>',
    "Due soon": '<font color="#b7950b">{}</font>',
}


def signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """``url`` with 钉钉's ``timestamp`` and ``sign`` for ``secret`` (加签)."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp_ms}&sign={sign}"


class DingTalkRobot:
    """One 钉钉 group robot; ``last_answer`` is its last answer, as text."""

    def __init__(
        self,
        name: str,
        url: str,
        *,
        secret: str | None = None,
        keyword: str | None = None,
        mobiles: Sequence[str] = (),
        user_ids: Sequence[str] = (),
        everyone: bool = False,
        timeout: float = 10.0,
        pacer: Pacer,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.where = f"receiver {name} (钉钉)"
        self.url, self.secret, self.keyword = url, secret, keyword
        self.mobiles, self.user_ids, self.everyone = list(mobiles), list(user_ids), everyone
        self.timeout, self.pacer, self.clock = timeout, pacer, clock
        self.last_answer: str | None = None

    def body(self, message: RobotMessage) -> dict[str, Any]:
        """The request body of ``message``."""
        mention = message.escalation and (self.mobiles or self.user_ids or self.everyone)
        added = []
        if mention:
            names = [f"@{m}" for m in self.mobiles] + [f"@{u}" for u in self.user_ids]
            added.append(" ".join(names) or "@所有人")
        text = fit_markdown(message, MAX_BYTES, colours=COLOURS, added=added).text
        if self.keyword and self.keyword not in text:
            text = fit_markdown(
                message, MAX_BYTES, colours=COLOURS, added=[*added, self.keyword]
            ).text
        at = {
            "atMobiles": self.mobiles if mention else [],
            "atUserIds": self.user_ids if mention else [],
            "isAtAll": bool(mention and self.everyone),
        }
        return {"msgtype": "markdown", "markdown": {"title": message.title, "text": text}, "at": at}

    def send(
        self,
        message: RobotMessage,
        recipients: Sequence[str] | None = None,
        journal: Journal = NO_JOURNAL,
    ) -> None:
        """Post ``message``; the outbox's DeliveryError kinds on failure."""
        url = self.url
        if self.secret:
            url = signed_url(url, self.secret, int(self.clock() * 1000))
        post_checked(self, url, self.body(message), recipients, journal, RETRY, DOWN)
