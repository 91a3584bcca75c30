"""``[receivers.NAME]``: the work-messenger group robots and webhooks alerts go to beside mail.

A receiver is named once and used by name in ``[[alerts.routes]] receivers``,
``[alerts] default_receivers`` and ``escalation_receivers``. Its address holds the robot's
token, so it is a secret: ``url_env`` names the environment variable with the whole webhook
address, and ``secret_env`` the one with the signing secret (钉钉's 加签 secret, the generic
webhook's HMAC key). Neither is ever in the file.

- ``dingtalk``: a 钉钉 / 浙政钉 group robot (``https://oapi.dingtalk.com/robot/send?access_token=…``),
  optionally signed (加签: HMAC-SHA256 of timestamp and secret) and with a keyword rule
  (自定义关键词: ``keyword`` is put into every message).
- ``wecom``: a 企业微信 group robot (``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…``).
- ``webhook``: a JSON POST of the grouped alert to any address (a provincial platform, a ticket
  system), with an ``X-Monitor-Signature`` HMAC-SHA256 header when ``secret_env`` is set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["RECEIVER_KINDS", "ReceiverSettings", "check_references"]

#: The kinds of receiver besides mail.
RECEIVER_KINDS = ("dingtalk", "wecom", "webhook")
_ENV = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
#: The messages a minute each platform takes from one robot (钉钉: 20; 企业微信: 20).
PLATFORM_RATE = {"dingtalk": 20, "wecom": 20, "webhook": 60}


class ReceiverSettings(BaseModel):
    """One robot or webhook."""

    model_config = ConfigDict(extra="forbid", strict=True)

    kind: Literal["dingtalk", "wecom", "webhook"]
    #: The environment variable holding the webhook address (it carries the token).
    url_env: str
    #: The environment variable holding the signing secret (钉钉 加签; webhook HMAC key).
    secret_env: str | None = None
    #: 钉钉's keyword rule (自定义关键词): a word every message must contain.
    keyword: str | None = Field(None, min_length=1, max_length=20)
    #: Who is @-mentioned in messages about escalated cases (督办): phone numbers, user ids,
    #: or everyone in the group.
    mention_mobiles: list[str] = []
    mention_user_ids: list[str] = []
    mention_all: bool = False
    #: Messages a minute at the most (the platform's limit when not set); sending waits
    #: rather than exceed it.
    per_minute: int | None = Field(None, ge=1, le=600)
    #: Seconds to wait for the platform's answer.
    timeout_seconds: float = Field(10.0, gt=0, le=120, allow_inf_nan=False, strict=False)

    @field_validator("url_env", "secret_env")
    @classmethod
    def _env(cls, v: str | None) -> str | None:
        if v is not None and not _ENV.fullmatch(v):
            raise ValueError(f"expected an environment variable name, found {v!r}")
        return v

    @field_validator("mention_mobiles")
    @classmethod
    def _mobiles(cls, v: list[str]) -> list[str]:
        for number in v:
            if not re.fullmatch(r"1\d{10}", number):
                raise ValueError(f"expected an 11-digit mobile number, found {number!r}")
        return v

    @model_validator(mode="after")
    def _fits_kind(self) -> ReceiverSettings:
        if self.keyword is not None and self.kind != "dingtalk":
            raise ValueError('keyword is 钉钉\'s keyword rule: only for kind = "dingtalk"')
        if self.kind == "wecom" and self.secret_env is not None:
            raise ValueError('企业微信 robots are not signed: secret_env is not for kind = "wecom"')
        if self.kind == "wecom" and (self.mention_mobiles or self.mention_all):
            raise ValueError(
                "企业微信 markdown messages mention people by user id only (<@userid>):"
                " use mention_user_ids"
            )
        if self.kind == "webhook" and (
            self.mention_mobiles or self.mention_user_ids or self.mention_all
        ):
            raise ValueError('mentions are for group robots, not for kind = "webhook"')
        return self

    def rate(self) -> int:
        """Messages a minute at the most."""
        return self.per_minute or PLATFORM_RATE[self.kind]


def check_references(
    receivers: Mapping[str, ReceiverSettings], named: list[tuple[str, list[str]]]
) -> None:
    """ValueError unless every receiver's name is well formed and every name in ``named``
    ((key, names) pairs) is one of ``receivers``."""
    for name in receivers:
        if not _NAME.fullmatch(name):
            raise ValueError(
                f"a receiver name is letters, digits, '_', '.' or '-' (up to 64), found {name!r}"
            )
    for where, names in named:
        unknown = [n for n in names if n not in receivers]
        if unknown:
            known = ", ".join(sorted(receivers)) or "none"
            raise ValueError(
                f"{where} names {', '.join(unknown)}, which is not a [receivers.NAME] section"
                f" (known: {known})"
            )
