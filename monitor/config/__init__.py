"""Configuration: the TOML file validated into :class:`Settings`, its problems as one line
each, and the effective settings as text (``monitor check-config``).

``settings`` holds the model and :func:`load_settings`; ``toml`` reads the file (bounded in
depth); ``problems`` turns validation errors into lines; ``addresses`` checks email addresses
(for the configuration and for every message); ``describe`` prints the effective settings;
``crontab`` reads the ``[schedule]`` strings. The package's public names are re-exported here.

May import: ``monitor.errors``, ``monitor.text``, ``rules`` (field names, the calendar's
published years). Configuration is plain data: the runtime objects (engine, transport,
calendar, scheduler) are built by the package that uses them.
"""

from __future__ import annotations

from monitor.config.alerts import AlertsSettings, Route, SendWindow
from monitor.config.receivers import RECEIVER_KINDS, ReceiverSettings
from monitor.config.settings import (
    DEFAULT_CONFIG,
    AcceptanceSettings,
    CalendarSettings,
    DatabaseSettings,
    FileMailSettings,
    LoggingSettings,
    MailSettings,
    ReportsSettings,
    RulesSettings,
    ScheduleSettings,
    Settings,
    SmtpSettings,
    SourceSettings,
    ThresholdOverride,
    YearSchedule,
    load_settings,
    secret,
)
from monitor.config.web import WebSettings

__all__ = [
    "DEFAULT_CONFIG",
    "RECEIVER_KINDS",
    "AcceptanceSettings",
    "AlertsSettings",
    "CalendarSettings",
    "DatabaseSettings",
    "FileMailSettings",
    "LoggingSettings",
    "MailSettings",
    "ReceiverSettings",
    "ReportsSettings",
    "Route",
    "RulesSettings",
    "ScheduleSettings",
    "SendWindow",
    "Settings",
    "SmtpSettings",
    "SourceSettings",
    "ThresholdOverride",
    "WebSettings",
    "YearSchedule",
    "load_settings",
    "secret",
]
