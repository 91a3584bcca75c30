"""``[alerts]``: routes (to addresses and to receivers by name), the send window, repeats
and retries."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from monitor.config.base import MAX_WORKDAYS, Email, Section
from rules.regions import parse_region

__all__ = ["AlertsSettings", "Route", "SendWindow"]


class Route(Section):
    department: str | None = None
    item: str | None = None
    #: A region (行政区划代码: "33", "3301" or "330102"; "330100" is the city 3301) that
    #: contains the case's; kept as its prefix.
    region: str | None = None
    recipients: list[Email] = []
    #: Names of ``[receivers.NAME]`` (钉钉 / 企业微信 robots, webhooks) the warnings also go to.
    receivers: list[str] = []
    continue_: bool = Field(False, alias="continue")

    @field_validator("region")
    @classmethod
    def _region(cls, v: str | None) -> str | None:
        return None if v is None else parse_region(v).prefix

    @model_validator(mode="after")
    def _matches_something(self) -> Route:
        if self.department is None and self.item is None and self.region is None:
            raise ValueError("a route needs department, item or region to match")
        if not self.recipients and not self.receivers:
            raise ValueError("a route needs recipients or receivers")
        return self


class SendWindow(Section):
    """When alert mail may go out (Asia/Shanghai); outside it messages wait in the outbox."""

    working_days_only: bool = True
    start: str = "08:30"
    end: str = "17:30"

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, v: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", v):
            raise ValueError(f"expected a time of day as HH:MM, found {v!r}")
        return v

    @model_validator(mode="after")
    def _ordered(self) -> SendWindow:
        if self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        return self


class AlertsSettings(Section):
    #: Who hears about the monitor itself (repeated job failures, an unknown next year).
    admin_recipients: list[Email] = []
    default_recipients: list[Email] = []
    escalation_recipients: list[Email] = []
    #: Receivers (by name) of the warnings no route claims, and of escalations (督办).
    default_receivers: list[str] = []
    escalation_receivers: list[str] = []
    routes: list[Route] = []

    def named_receivers(self) -> list[tuple[str, list[str]]]:
        """(key, receiver names) of every key here that names receivers."""
        named = [
            ("alerts.default_receivers", self.default_receivers),
            ("alerts.escalation_receivers", self.escalation_receivers),
        ]
        return named + [
            (f"alerts.routes[{i}].receivers", r.receivers) for i, r in enumerate(self.routes)
        ]

    #: Repeat a case at the same level after this many working days (Alertmanager's
    #: repeat_interval); a rise in level is sent at once.
    repeat_every: int = Field(1, ge=1, le=MAX_WORKDAYS)
    resolved_notices: bool = False
    language: Literal["zh", "en"] = "zh"
    #: Cases listed in one email at the most; the rest are counted.
    max_cases_per_email: int = Field(200, ge=1, le=10_000)
    #: Attempts before a message is dead; retries back off from retry_after_minutes,
    #: doubling up to six hours (so a first delay above six hours would mean nothing).
    max_attempts: int = Field(8, ge=1, le=100)
    retry_after_minutes: int = Field(5, ge=1, le=360)
    window: SendWindow = SendWindow()
