"""The effective settings as text (``monitor check-config``), secrets shown only as set/unset."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from monitor.config.settings import Settings
from monitor.text import hide_password

__all__ = ["describe_settings"]


def describe_settings(settings: Settings) -> str:
    """Every section with its effective values, then what the checks found."""
    lines = [f"# configuration: {settings.origin}", f"# paths relative to: {settings.base_dir}"]
    data = settings.model_dump(by_alias=True, exclude={"base_dir", "origin"})
    for section in ("database", "source"):  # a password written into a URL is never shown
        if data[section]["url"]:
            data[section]["url"] = hide_password(data[section]["url"])
    for section, values in data.items():
        lines += _section(section, values)
    lines += ["", "# checks"]
    lines.append(f"database: {settings.database_url(hide_password=True)}")
    for key, env in _secret_keys(settings):
        state = "set" if env in os.environ else "NOT SET"
        if key.endswith("url_env") and state == "set" and not _is_http(os.environ[env]):
            state = "set but does not hold an http(s):// address"
        lines.append(f"secret {key}: environment variable {env} is {state}")
    years = sorted({*(int(y) for y in settings.calendar.years)})
    for y in years:
        lines.append(f"calendar {y}: {settings.calendar.year_status(y)}")
    if settings.calendar.allow_estimated_years:
        lines.append("calendar: estimated years allowed; outputs that use one say so")
    lines.append("ok")
    return "\n".join(lines)


def _section(name: str, values: dict[str, Any]) -> list[str]:
    out = ["", f"[{name}]"]
    nested = []
    for key, value in values.items():
        if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            nested += [(f"{name}.{key}.{k}", v) for k, v in value.items()]
        elif isinstance(value, dict) and key != "columns":
            nested.append((f"{name}.{key}", value))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                out += ["", f"[[{name}.{key}]]"]
                out += [f"{k} = {_toml(v)}" for k, v in item.items()]
        else:
            out.append(f"{key} = {_toml(value)}")
    for sub, vals in nested:
        out += _section(sub, vals)
    return out


def _toml(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, BaseModel):
        value = value.model_dump()
    return json.dumps(value, ensure_ascii=False, default=str)


def _is_http(value: str) -> bool:
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _secret_keys(settings: Settings) -> list[tuple[str, str]]:
    keys = [
        ("[database] password_env", settings.database.password_env),
        ("[source] password_env", settings.source.password_env),
        ("[mail.smtp] password_env", settings.mail.smtp.password_env),
        ("[web] secret_env", settings.web.secret_env if settings.web.base_url else None),
    ]
    for name, receiver in settings.receivers.items():
        keys.append((f"[receivers.{name}] url_env", receiver.url_env))
        keys.append((f"[receivers.{name}] secret_env", receiver.secret_env))
    return [(k, v) for k, v in keys if v]
