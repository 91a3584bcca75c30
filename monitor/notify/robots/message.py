"""A message for a group robot or a webhook, as the alert job makes it and the outbox stores
it: already masked, in parts, so that each platform's receiver can fit it to its size limit
(cases left out are counted: "及其他 N 件")."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ROBOT", "RobotMessage", "robot_name"]

#: How a receiver is written as the recipient of a message: ``robot:NAME``.
ROBOT = "robot:"


def robot_name(recipients: str | tuple[str, ...] | list[str]) -> str | None:
    """The receiver's name when ``recipients`` (stored comma-separated, or a list) is a
    receiver's, else None (mail)."""
    first = (recipients.split(",") if isinstance(recipients, str) else list(recipients))[:1]
    return first[0].removeprefix(ROBOT) if first and first[0].startswith(ROBOT) else None


@dataclass(frozen=True)
class RobotMessage:
    """``title``: one line (钉钉 shows it in the chat list). ``header``, ``cases`` (one per
    case, most urgent first, each "- **LEVEL** …") and ``footer``: markdown lines, in that
    order; a platform that cannot show every case counts the rest ("及其他 N 件") and points
    to ``more_link``, the address of the full list when there is one. ``escalation``: about
    escalated cases (督办), so the receiver's @-mentions apply. ``payload``: the grouped alert
    as data, what a generic webhook receives (docs/webhook.md has its schema).
    ``language``: "zh" or "en" (the words a receiver adds)."""

    title: str
    header: tuple[str, ...]
    cases: tuple[str, ...]
    footer: tuple[str, ...] = ()
    more_link: str | None = None
    escalation: bool = False
    payload: dict[str, Any] = field(default_factory=dict)
    language: str = "zh"

    def to_json(self) -> str:
        """The message as JSON text (what the outbox stores)."""
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RobotMessage:
        """The message :meth:`to_json` wrote; ValueError for anything else."""
        data = json.loads(text)
        if not isinstance(data, dict) or not isinstance(data.get("title"), str):
            raise ValueError("not a stored robot message")
        return cls(
            title=data["title"],
            header=tuple(data.get("header", ())),
            cases=tuple(data.get("cases", ())),
            footer=tuple(data.get("footer", ())),
            more_link=data.get("more_link"),
            escalation=bool(data.get("escalation", False)),
            payload=dict(data.get("payload", {})),
            language=str(data.get("language", "zh")),
        )
