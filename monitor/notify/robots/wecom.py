"""企业微信 group robots (群机器人): a markdown message within 4,096 bytes.

What the platform documents and this module does:

- the message is ``{"msgtype": "markdown", "markdown": {"content": …}}``; the content is at
  most 4,096 bytes of UTF-8, so cases that do not fit are counted ("及其他 N 件") with the
  link to the full list;
- markdown messages mention people with ``<@userid>`` in the content (the mobile-number
  list of text messages does not apply to them): ``mention_user_ids`` of an escalation;
- three font colours: ``warning`` (orange-red) for escalated and overdue cases, ``comment``
  (grey) for those due soon;
- an answer is ``{"errcode": 0, "errmsg": "ok"}`` for success. 45009 (the robot's limit of
  20 messages a minute), 45033 (too many at once) and -1 (system busy) are retried; 93000
  (the webhook address is invalid), 93008 (the robot is not in the group) and any other
  code need someone to change something.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from monitor.notify.receiver import NO_JOURNAL, Journal
from monitor.notify.robots.fit import fit_markdown
from monitor.notify.robots.message import RobotMessage
from monitor.notify.robots.pace import Pacer
from monitor.notify.robots.post import post_checked

__all__ = ["MAX_BYTES", "WeComRobot"]

#: The platform's limit for markdown content, in bytes.
MAX_BYTES = 4096
RETRY = {45009: "rate limit", 45033: "too many at once", -1: "platform busy"}
#: Answers that mean the robot's address is wrong for every message.
DOWN = {93000, 93008}
COLOURS = {
    "督办": '<font color="warning">{}</font>',
    "超期": '<font color="warning">{}</font>',
    "预警": '<font color="comment">{}</font>',
    "Escalated": '<font color="warning">{}</font>',
    "Overdue": '<font color="warning">{}</font>',
    "Due soon": '<font color="comment">{}</font>',
}


class WeComRobot:
    """One 企业微信 group robot; ``last_answer`` is its last answer, as text."""

    def __init__(
        self,
        name: str,
        url: str,
        *,
        user_ids: Sequence[str] = (),
        timeout: float = 10.0,
        pacer: Pacer,
    ) -> None:
        self.where = f"receiver {name} (企业微信)"
        self.url, self.user_ids = url, list(user_ids)
        self.timeout, self.pacer = timeout, pacer
        self.last_answer: str | None = None

    def body(self, message: RobotMessage) -> dict[str, Any]:
        """The request body of ``message``."""
        added = []
        if message.escalation and self.user_ids:
            added.append(" ".join(f"<@{u}>" for u in self.user_ids))
        text = fit_markdown(message, MAX_BYTES, colours=COLOURS, added=added).text
        return {"msgtype": "markdown", "markdown": {"content": text}}

    def send(
        self,
        message: RobotMessage,
        recipients: Sequence[str] | None = None,
        journal: Journal = NO_JOURNAL,
    ) -> None:
        """Post ``message``; the outbox's DeliveryError kinds on failure."""
        post_checked(self, self.url, self.body(message), recipients, journal, RETRY, DOWN)
