"""``[web]``: the pages departments answer their warnings from, and the office's pages.

Configuration as plain data; :mod:`monitor.web` builds the application from it. The secret
that signs the links in alert mail and the session cookies comes from the environment
variable ``secret_env`` names, never from the file.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["WebSettings"]

_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~/-]*)?")


class WebSettings(BaseModel):
    """``monitor web`` and the links in alert mail."""

    model_config = ConfigDict(extra="forbid", strict=True)

    #: Where ``monitor web`` listens (the office's reverse proxy forwards to it).
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    #: The address departments reach the pages at (through the reverse proxy); alert mail
    #: carries links only when it is set.
    base_url: str | None = None
    #: The environment variable holding the secret that signs links and sessions.
    secret_env: str = "MONITOR_WEB_SECRET"
    #: A link in an alert stays valid this many working days after the alert.
    link_workdays: int = Field(10, ge=1, le=250)
    #: The longest answer (note, measures) a form takes, in characters.
    answer_max_chars: int = Field(2000, ge=100, le=20_000)
    #: Failed logins to the office pages allowed per address and per user name within
    #: ``login_window_minutes``; more are refused (status 429) until the window passes.
    login_attempts: int = Field(5, ge=1, le=100)
    login_window_minutes: int = Field(15, ge=1, le=1440)
    #: An office login lasts this many hours.
    session_hours: int = Field(8, ge=1, le=72)
    #: What a department reports it did (预警处理反馈).
    actions: list[str] = ["已办结", "正在办理", "已申请特别程序", "非本部门办件"]
    #: The reasons a late case may give (超期原因).
    late_reasons: list[str] = ["材料补正未登记", "特别程序未登记", "系统故障", "人员原因", "其他"]

    @field_validator("base_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and not _URL.fullmatch(v):
            raise ValueError(
                f"expected an http(s) address like https://zwfw.example.gov.cn/monitor, found {v!r}"
            )
        return v.rstrip("/") if v else v

    @field_validator("actions", "late_reasons")
    @classmethod
    def _choices(cls, v: list[str]) -> list[str]:
        if not v or any(not c.strip() for c in v) or len(set(v)) != len(v):
            raise ValueError("expected a non-empty list of distinct, non-empty choices")
        return v
