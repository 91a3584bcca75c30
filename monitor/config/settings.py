"""Configuration: the TOML file, validated strictly, with the defaults the demo runs on.

Every key has a default, so a missing ``config.toml`` in the working directory means "the
embedded defaults" (SQLite under ``var/``, the file mail transport). A file named with
``--config`` must exist. Validation is strict: an unknown key, a wrong type or a bad value is
reported as one line per problem naming the key path, what was expected and what was found.
Relative paths in the file are taken relative to the file's own folder. Secrets are never in
the file: ``password_env`` keys name the environment variable that holds them.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from monitor.config.alerts import AlertsSettings
from monitor.config.base import FINITE, MAX_WORKDAYS, Email, Section
from monitor.config.engine import EngineSettings
from monitor.config.problems import describe
from monitor.config.receivers import ReceiverSettings, check_references
from monitor.config.regions import RegionSettings
from monitor.config.store import StoreSettings
from monitor.config.toml import read_toml
from monitor.config.web import WebSettings
from monitor.errors import ConfigError
from monitor.text import has_breaks
from rules.fields import CANONICAL_FIELDS

__all__ = ["DEFAULT_CONFIG", "Settings", "load_settings"]

DEFAULT_CONFIG = "config.toml"

CanonicalField = Literal[*CANONICAL_FIELDS]  # type: ignore[valid-type]
#: A date written as a TOML date (2026-10-01) or as ISO text ("2026-10-01").
Day = Annotated[date, Field(strict=False)]


def _check_url(value: str | None) -> str | None:
    if value is None:
        return value
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(value)
    except ArgumentError:
        raise ValueError(
            "expected an SQLAlchemy URL like sqlite:///var/monitor.db or "
            f"postgresql+psycopg2://user@host/dbname, found {value!r}"
        ) from None
    return value


#: An SQLAlchemy database URL; checked so that a typo is a config error, not a crash later.
DatabaseUrl = Annotated[str, AfterValidator(_check_url)]


class DatabaseSettings(Section):
    url: DatabaseUrl = "sqlite:///var/monitor.db"
    password_env: str | None = None


class SourceSettings(Section):
    path: str | None = None
    #: A partitioned Parquet dataset (a folder of folders such as county=330102/, or an
    #: fsspec URL), read one partition (file) at a time.
    dataset: str | None = None
    url: DatabaseUrl | None = None
    query: str | None = None
    password_env: str | None = None
    sheet: str | None = None
    suspensions: str | None = None
    #: With a store: the column of the query's rows that says when a row last changed
    #: (e.g. 更新时间); each run reads only the rows changed since the last one.
    changed_column: str | None = None
    columns: dict[str, CanonicalField] = {}

    @model_validator(mode="after")
    def _one_source(self) -> SourceSettings:
        if sum(bool(x) for x in (self.path, self.url, self.dataset)) > 1:
            raise ValueError("give one of path, dataset, or url + query")
        if self.url and not self.query:
            raise ValueError("url needs query (the SQL that selects the cases)")
        if self.query and not self.url:
            raise ValueError("query needs url (the SQLAlchemy URL of the source database)")
        if self.changed_column is not None and not self.query:
            raise ValueError("changed_column is for a SQL source (url + query)")
        return self


class YearSchedule(Section):
    holidays: list[Day]
    workdays: list[Day] = []


class CalendarSettings(Section):
    extra_holidays: list[Day] = []
    extra_workdays: list[Day] = []
    allow_estimated_years: bool = False
    years: dict[str, YearSchedule] = {}

    @field_validator("years")
    @classmethod
    def _year_keys(cls, v: dict[str, YearSchedule]) -> dict[str, YearSchedule]:
        for key, schedule in v.items():
            if not re.fullmatch(r"\d{4}", key):
                raise ValueError(f"expected a four-digit year as table name, found {key!r}")
            for kind in ("holidays", "workdays"):
                for d in getattr(schedule, kind):
                    if d.year != int(key):
                        raise ValueError(
                            f"expected only dates of {key} under [calendar.years.{key}], "
                            f"found {d} in {kind}"
                        )
        return v

    @model_validator(mode="after")
    def _no_overlap(self) -> CalendarSettings:
        both = sorted(set(self.extra_holidays) & set(self.extra_workdays))
        if both:
            raise ValueError(f"{both[0]} is in both extra_holidays and extra_workdays")
        return self

    def year_status(self, year: int) -> str:
        """Where ``year``'s official schedule comes from: ``"config"`` (given under
        [calendar.years]), ``"published"`` (carried by the holidays package) or ``"not
        published"``."""
        from rules.calendar import published_years

        if str(year) in self.years:
            return "config"
        return "published" if year in published_years() else "not published"


class AcceptanceSettings(Section):
    # 行政许可法 Art. 32: incomplete applications must be answered within 5 (working) days.
    limit: int = Field(5, ge=0, le=MAX_WORKDAYS)


class ThresholdOverride(Section):
    """Thresholds for one department or item; a key left out keeps the wider setting."""

    warn_before_days: int | None = Field(None, ge=0, le=MAX_WORKDAYS)
    escalate_after_days: int | None = Field(None, ge=1, le=MAX_WORKDAYS)
    warn_ratio: float | None = Field(None, gt=0, le=1, **FINITE)


class RulesSettings(Section):
    warn_before_days: int = Field(1, ge=0, le=MAX_WORKDAYS)
    escalate_after_days: int = Field(3, ge=1, le=MAX_WORKDAYS)
    warn_ratio: float | None = Field(None, gt=0, le=1, **FINITE)
    item_catalogue: str | None = None
    #: Per-department and per-item thresholds: [rules.departments."县公安局"], [rules.items."…"].
    departments: dict[str, ThresholdOverride] = {}
    items: dict[str, ThresholdOverride] = {}
    online_channels: list[str] = [
        "一网通办",
        "浙里办",
        "网上申报",
        "网上办理",
        "移动端",
        "自助终端",
    ]
    acceptance: AcceptanceSettings = AcceptanceSettings()


class SmtpSettings(Section):
    host: str = "localhost"
    port: int = Field(25, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "none"
    username: str | None = None
    password_env: str | None = None
    #: Seconds to wait for the connection (TCP, TLS) and for the answer to each command
    #: RFC 5321 §4.5.3.2 gives no time for (EHLO, STARTTLS, AUTH, QUIT). The greeting,
    #: MAIL, RCPT and DATA wait as that section says (5, 5, 5, 2 + 3 and 10 minutes).
    timeout: float = Field(30.0, gt=0, le=600, **FINITE)


class FileMailSettings(Section):
    dir: str = "var/mail"


class MailSettings(Section):
    transport: Literal["smtp", "file"] = "file"
    from_: Email = Field("monitor@localhost", alias="from")
    smtp: SmtpSettings = SmtpSettings()
    file: FileMailSettings = FileMailSettings()


class ScheduleSettings(Section):
    # Crontab strings (minute hour day month weekday, Sunday = 0 or 7 as in cron),
    # Asia/Shanghai; "off" switches a job off.
    scan: str = "*/30 8-18 * * *"
    report: str = "0 8 1 * *"
    annual: str = "0 8 2 1 *"
    #: With a store: the full reconciliation with the source (cases that vanished from it).
    rebuild: str = "0 2 * * 0"
    #: After this many consecutive failures of a job, [alerts] admin_recipients get one email.
    admin_alert_after: int = Field(3, ge=1, le=100)
    #: A run missed by at most this long (the server was busy or asleep) still runs.
    misfire_grace_seconds: int = Field(600, ge=1, le=86_400)
    #: The lock that keeps a second daemon (or a concurrent `monitor run`) out.
    lock_file: str = "var/monitor.lock"

    @field_validator("scan", "report", "annual", "rebuild")
    @classmethod
    def _crontab(cls, v: str) -> str:
        if v == "off":
            return v
        if has_breaks(v):  # a line break would end the crontab line it is written into
            raise ValueError(
                'expected a 5-field crontab string (minute hour day month weekday) or "off", '
                f"found {v!r} (a line break or control character)"
            )
        from monitor.config.crontab import cron_trigger

        try:
            cron_trigger(v)
        except ValueError as exc:
            why = str(exc)[:1].lower() + str(exc)[1:]
            raise ValueError(
                f'expected a 5-field crontab string (minute hour day month weekday) or "off", '
                f"found {v!r} ({why})"
            ) from None
        return v


class ReportsSettings(Section):
    out_dir: str = "var/reports"
    recipients: list[Email] = []
    language: Literal["zh", "en"] = "zh"
    #: 超期办结率's denominator: every completed case, or all but 即办件 (immediate cases).
    completion_denominator: Literal["all", "exclude_immediate"] = "all"
    #: Late cases listed in a report at the most; the rest are counted.
    late_cases_max: int = Field(200, ge=1, le=100_000)
    #: 预警响应率: a warning is answered in time within this many working days of the day it
    #: was first seen (that day not counted). No law sets it: the office chooses (issue 11).
    response_workdays: int = Field(2, ge=1, le=250)


class LoggingSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"
    #: Also log to this file, rotated at 10 MB, 5 kept (stderr always).
    file: str | None = None


class Settings(Section):
    """The whole configuration; ``base_dir`` is the folder relative paths start from."""

    database: DatabaseSettings = DatabaseSettings()
    source: SourceSettings = SourceSettings()
    calendar: CalendarSettings = CalendarSettings()
    rules: RulesSettings = RulesSettings()
    alerts: AlertsSettings = AlertsSettings()
    mail: MailSettings = MailSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    reports: ReportsSettings = ReportsSettings()
    logging: LoggingSettings = LoggingSettings()
    web: WebSettings = WebSettings()
    receivers: dict[str, ReceiverSettings] = {}
    store: StoreSettings = StoreSettings()
    regions: RegionSettings = RegionSettings()
    engine: EngineSettings = EngineSettings()
    base_dir: Path = Field(default_factory=Path.cwd, exclude=True)
    origin: str = Field("embedded defaults", exclude=True)

    @model_validator(mode="after")
    def _receivers_named(self) -> Settings:
        check_references(self.receivers, self.alerts.named_receivers())
        return self

    def resolve(self, path: str | os.PathLike[str]) -> Path:
        """A path from the config, relative to the config file's folder."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    def database_url(self, *, hide_password: bool = False) -> str:
        """``[database] url`` with relative SQLite paths resolved and the password filled in
        from the environment (or shown as ``***`` with ``hide_password``)."""
        from sqlalchemy.engine import make_url

        url = make_url(self.database.url)
        if url.drivername.startswith("sqlite") and url.database not in (None, "", ":memory:"):
            # A URI filename (file:…?mode=ro&uri=true) keeps its "file:" scheme: only the
            # path inside it is resolved.
            path = url.database
            scheme = "file:" if path.startswith("file:") else ""
            url = url.set(database=scheme + str(self.resolve(path.removeprefix(scheme))))
        if hide_password:
            return url.render_as_string(hide_password=True)
        if self.database.password_env:
            url = url.set(password=secret(self.database.password_env, "[database] password_env"))
        return url.render_as_string(hide_password=False)


def secret(env: str, key: str) -> str:
    """The value of environment variable ``env``, which config key ``key`` names."""
    value = os.environ.get(env)
    if value is None:
        raise ConfigError(key, [f"names environment variable {env}, which is not set"])
    return value


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read and validate the configuration.

    ``path`` None means ``./config.toml`` when it exists, else the embedded defaults.
    """
    if path is None:
        if not Path(DEFAULT_CONFIG).is_file():
            return Settings()
        path = DEFAULT_CONFIG
    file = Path(path)
    data = read_toml(file)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(str(file), describe(exc, Settings)) from None
    return settings.model_copy(update={"base_dir": file.resolve().parent, "origin": str(file)})
