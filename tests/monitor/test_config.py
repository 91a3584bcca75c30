"""Configuration: the TOML file, strict validation, defaults, paths and secrets.

House style: one file under ``configs/`` per configuration failure, each asserting the exact
lines of :attr:`ConfigError.problems`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from monitor.config import Settings, load_settings
from monitor.errors import ConfigError

CONFIGS = Path(__file__).parent / "configs"
GOOD = CONFIGS / "good.toml"
REPO_ROOT = Path(__file__).resolve().parents[2]

DB_ENV = "MONITOR_TEST_DB_PASSWORD"  # named by [database] password_env in good.toml


def _write(folder: Path, text: str, name: str = "config.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the good file and the defaults -----------------------------------------------------------


def test_good_file_loads_with_its_values() -> None:
    s = load_settings(GOOD)

    assert s.origin == str(GOOD)
    assert s.base_dir == CONFIGS.resolve()

    assert s.database.url == "postgresql+psycopg2://monitor@db.example.gov.cn/monitor"
    assert s.database.password_env == DB_ENV

    assert s.source.path == "data/cases.xlsx"
    assert s.source.url is None
    assert s.source.query is None
    assert s.source.password_env is None
    assert s.source.sheet == "办件明细"
    assert s.source.suspensions == "data/suspensions.csv"
    assert s.source.columns == {"业务编号": "case_id", "承办单位": "department"}

    # A TOML date and an ISO date in text are both dates.
    assert s.calendar.extra_holidays == [date(2026, 9, 14)]
    assert s.calendar.extra_workdays == [date(2026, 9, 19)]
    assert s.calendar.allow_estimated_years is False
    assert list(s.calendar.years) == ["2027"]
    assert s.calendar.years["2027"].holidays == [
        date(2027, 1, 1),
        date(2027, 2, 5),
        date(2027, 2, 8),
    ]
    assert s.calendar.years["2027"].workdays == [date(2027, 2, 20)]

    assert s.rules.warn_before_days == 2
    assert s.rules.escalate_after_days == 5
    assert s.rules.warn_ratio == 0.8
    assert s.rules.item_catalogue == "data/items.xlsx"
    assert s.rules.online_channels == ["一网通办", "浙里办"]
    assert s.rules.acceptance.limit == 3

    assert s.alerts.default_recipients == ["zwfw-office@example.gov.cn"]
    assert s.alerts.escalation_recipients == [
        "supervisor@example.gov.cn",
        "deputy@example.gov.cn",
    ]
    first, second = s.alerts.routes
    assert (first.department, first.item, first.continue_) == ("县市场监督管理局", None, False)
    assert first.recipients == ["scjg-contact@example.gov.cn"]
    assert (second.department, second.item, second.continue_) == (None, "食品经营许可", True)
    assert second.recipients == ["food@example.gov.cn"]

    assert s.mail.transport == "smtp"
    assert s.mail.from_ == "banjian-monitor@example.gov.cn"
    smtp = s.mail.smtp
    assert (smtp.host, smtp.port, smtp.security) == ("smtp.example.gov.cn", 465, "ssl")
    assert (smtp.username, smtp.password_env) == ("monitor", "MONITOR_TEST_SMTP_PASSWORD")
    assert smtp.timeout == 10.0
    assert s.mail.file.dir == "out/mail"

    assert s.schedule.scan == "*/15 8-18 * * 1-5"
    assert s.schedule.report == "0 9 1 * *"
    assert s.schedule.annual == "off"

    assert s.reports.out_dir == "out/reports"
    assert s.reports.recipients == ["leaders@example.gov.cn"]
    assert s.reports.language == "en"
    assert s.reports.response_workdays == 3


def test_defaults() -> None:
    s = Settings()
    assert s.origin == "embedded defaults"
    assert s.database.url == "sqlite:///var/monitor.db"
    assert s.database.password_env is None
    assert s.source.path is None and s.source.url is None
    assert s.source.columns == {}
    assert s.calendar.extra_holidays == [] and s.calendar.extra_workdays == []
    assert s.calendar.allow_estimated_years is False
    assert s.calendar.years == {}
    assert s.rules.warn_before_days == 1
    assert s.rules.escalate_after_days == 3
    assert s.rules.warn_ratio is None
    assert s.rules.acceptance.limit == 5
    assert "一网通办" in s.rules.online_channels
    assert s.alerts.routes == []
    assert s.mail.transport == "file"
    assert s.mail.from_ == "monitor@localhost"
    assert (s.mail.smtp.host, s.mail.smtp.port, s.mail.smtp.security) == ("localhost", 25, "none")
    assert s.mail.file.dir == "var/mail"
    assert s.schedule.scan == "*/30 8-18 * * *"
    assert s.reports.language == "zh"
    assert s.reports.response_workdays == 2
    assert s.reports.out_dir == "var/reports"


def test_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    s = load_settings(_write(tmp_path, ""))
    assert s.model_dump() == Settings().model_dump()
    assert s.base_dir == tmp_path.resolve()


def test_the_repository_config_toml_validates() -> None:
    s = load_settings(REPO_ROOT / "config.toml")
    assert s.source.path == "var/demo/cases.csv"
    assert s.mail.transport == "file"
    assert s.database.url == "sqlite:///var/monitor.db"
    assert s.alerts.routes[0].department == "县市场监督管理局"


# --- one file per failure ---------------------------------------------------------------------

BAD: dict[str, list[str]] = {
    "bad-unknown-key.toml": [
        "rules.warn_befor_days: unknown key; did you mean 'warn_before_days'?",
    ],
    "bad-unknown-section.toml": [
        "notifications: unknown section; known sections: database, source, calendar, rules, "
        "alerts, mail, schedule, reports, logging, web, receivers, store, regions, engine",
    ],
    "bad-wrong-type.toml": [
        "rules.warn_before_days: expected a valid integer, found 'two' (text)",
    ],
    "bad-negative-acceptance-limit.toml": [
        "rules.acceptance.limit: expected a number greater than or equal to 0, "
        "found -1 (an integer)",
    ],
    "bad-transport.toml": [
        "mail.transport: expected 'smtp' or 'file', found 'sendmail' (text)",
    ],
    "bad-security.toml": [
        "mail.smtp.security: expected 'none', 'starttls' or 'ssl', found 'tls' (text)",
    ],
    "bad-recipient-email.toml": [
        "alerts.default_recipients[1]: expected an email address like name@example.gov.cn, "
        "found 'zwfw-office' (an email address must have an @-sign)",
    ],
    "bad-from.toml": [
        "mail.from: expected an email address like name@example.gov.cn, found 'banjian-monitor' "
        "(an email address must have an @-sign)",
    ],
    "bad-crontab.toml": [
        "schedule.scan: expected a 5-field crontab string (minute hour day month weekday) or "
        "\"off\", found 'every 30 minutes' (wrong number of fields; got 3, expected 5)",
    ],
    "bad-route-without-match.toml": [
        "alerts.routes[0]: a route needs department, item or region to match",
    ],
    "bad-source-path-and-url.toml": [
        "source: give one of path, dataset, or url + query",
    ],
    "bad-url-without-query.toml": [
        "source: url needs query (the SQL that selects the cases)",
    ],
    "bad-toml-syntax.toml": [
        "not valid TOML: Expected ']' at the end of a table declaration (at line 2, column 7)",
    ],
    "bad-holiday-and-workday.toml": [
        "calendar: 2026-09-14 is in both extra_holidays and extra_workdays",
    ],
    "bad-year-holiday-other-year.toml": [
        "calendar.years: expected only dates of 2027 under [calendar.years.2027], "
        "found 2026-12-31 in holidays",
    ],
    "bad-warn-ratio.toml": [
        "rules.warn_ratio: expected a number less than or equal to 1, found 1.5 (a number)",
    ],
    "bad-port-zero.toml": [
        "mail.smtp.port: expected a number greater than or equal to 1, found 0 (an integer)",
    ],
    "bad-response-workdays-zero.toml": [
        "reports.response_workdays: expected a number greater than or equal to 1, "
        "found 0 (an integer)",
    ],
    "bad-column-mapping.toml": [
        "source.columns.业务编号: expected 'case_id', 'department', 'region_code', 'item_code', "
        "'item_name', 'channel', 'cross_region', 'submitted_at', 'supplemented_at', "
        "'accepted_at', 'completed_at', 'promised_limit', 'legal_limit', 'suspended_days' or "
        "'status', "
        "found 'case_number' (text)",
    ],
    "bad-database-url.toml": [
        "database.url: expected an SQLAlchemy URL like sqlite:///var/monitor.db or "
        "postgresql+psycopg2://user@host/dbname, found 'monitor.db'",
    ],
    # Issue 10, item 23: what check-config accepted and a later run crashed on.
    "bad-recipient-two-dots.toml": [
        "alerts.default_recipients[0]: expected an email address like name@example.gov.cn, "
        "found 'a..b@example.cn' (an email address cannot have two periods in a row)",
    ],
    "bad-route-recipient-leading-dot.toml": [
        "alerts.routes[0].recipients[0]: expected an email address like name@example.gov.cn, "
        "found '.a@example.cn' (an email address cannot start with a period)",
    ],
    "bad-report-recipient-domain-hyphen.toml": [
        "reports.recipients[0]: expected an email address like name@example.gov.cn, "
        "found 'a@-example.cn' (an email address cannot have a hyphen immediately after the "
        "@-sign)",
    ],
    "bad-from-domain-two-dots.toml": [
        "mail.from: expected an email address like name@example.gov.cn, "
        "found 'monitor@example..cn' (an email address cannot have two periods in a row)",
    ],
    "bad-admin-recipient-no-domain-dot.toml": [
        "alerts.admin_recipients[0]: expected an email address like name@example.gov.cn, "
        "found 'admin@mailhost' (the part after the @-sign is not valid; it should have a "
        "period)",
    ],
    "bad-smtp-timeout-inf.toml": [
        "mail.smtp.timeout: expected a finite number, found inf (a number)",
    ],
    "bad-smtp-timeout-too-long.toml": [
        "mail.smtp.timeout: expected a number less than or equal to 600, found 3600.0 (a number)",
    ],
    "bad-warn-ratio-nan.toml": [
        "rules.warn_ratio: expected a finite number, found nan (a number)",
    ],
    "bad-retry-after-too-long.toml": [
        "alerts.retry_after_minutes: expected a number less than or equal to 360, "
        "found 10080 (an integer)",
    ],
    "bad-escalate-after-huge.toml": [
        "rules.escalate_after_days: expected a number less than or equal to 366, "
        "found 9223372036854775807 (an integer)",
    ],
    "bad-crontab-newline.toml": [
        "schedule.report: expected a 5-field crontab string (minute hour day month weekday) or "
        "\"off\", found '0 8 1 * *\\n' (a line break or control character)",
    ],
    "bad-nested-too-deep.toml": [
        "tables or arrays nested more than 16 levels deep",
    ],
    "bad-nested-arrays-too-deep.toml": [
        "tables or arrays nested more than 16 levels deep",
    ],
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_file_is_reported_exactly(name: str) -> None:
    path = CONFIGS / name
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert info.value.problems == BAD[name]
    assert info.value.path == str(path)
    assert str(info.value) == f"{path}: {BAD[name][0]}"
    assert info.value.exit_code == 2


def test_every_bad_file_has_an_expected_message() -> None:
    on_disk = {p.name for p in CONFIGS.glob("bad-*.toml")}
    assert on_disk == set(BAD)


def test_several_problems_are_one_line_each(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "[rules]\nwarn_befor_days = 2\nwarn_ratio = 2\n[mail.smtp]\nport = 0\n",
    )
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert info.value.problems == [
        "rules.warn_ratio: expected a number less than or equal to 1, found 2 (an integer)",
        "rules.warn_befor_days: unknown key; did you mean 'warn_before_days'?",
        "mail.smtp.port: expected a number greater than or equal to 1, found 0 (an integer)",
    ]
    lines = str(info.value).splitlines()
    assert lines[0] == f"{path}: 3 problems in the configuration:"
    assert lines[1:] == [f"  {p}" for p in info.value.problems]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # Unknown keys deep down still get a suggestion (a table of tables, a list of tables).
        (
            "[calendar.years.2027]\nholidays = [2027-01-01]\nworkday = [2027-02-20]\n",
            "calendar.years.2027.workday: unknown key; did you mean 'workdays'?",
        ),
        (
            "[[alerts.routes]]\ndepartment = 'x'\nrecipients = []\ncontinu = true\n",
            "alerts.routes[0].continu: unknown key; did you mean 'continue'?",
        ),
        ("[mail.smpt]\nhost = 'x'\n", "mail.smpt: unknown section; did you mean 'smtp'?"),
        ("rules = 3\n", "rules: expected a table, found 3 (an integer)"),
        (
            "[rules]\nwarn_before_days = true\n",
            "rules.warn_before_days: expected a valid integer, found true (a boolean)",
        ),
        (
            "[[alerts.routes]]\ndepartment = 'x'\nrecipients = ['bad']\n",
            "alerts.routes[0].recipients[0]: expected an email address like "
            "name@example.gov.cn, found 'bad' (an email address must have an @-sign)",
        ),
        (
            "[[alerts.routes]]\nitem = 'x'\n",
            "alerts.routes[0]: a route needs recipients or receivers",
        ),
        (
            "[receivers.ding]\nkind = 'dingtalk'\nurl_env = 'DING_URL'\n"
            "[[alerts.routes]]\nitem = 'x'\nreceivers = ['ding', 'wecom-1']\n",
            "(top level): alerts.routes[0].receivers names wecom-1, which is not a "
            "[receivers.NAME] section (known: ding)",
        ),
        (
            "[receivers.w]\nkind = 'wecom'\nurl_env = 'W_URL'\nkeyword = '办件'\n",
            'receivers.w: keyword is 钉钉\'s keyword rule: only for kind = "dingtalk"',
        ),
        (
            "[receivers.d]\nkind = 'dingtalk'\nurl_env = 'https://oapi.dingtalk.com/x'\n",
            "receivers.d.url_env: expected an environment variable name, found "
            "'https://oapi.dingtalk.com/x'",
        ),
        (  # SMTPUTF8 cannot be assumed of a county's mail server: ASCII before the @-sign
            "[alerts]\ndefault_recipients = ['张三@example.cn']\n",
            "alerts.default_recipients[0]: expected an email address like name@example.gov.cn, "
            "found '张三@example.cn' (internationalized characters before the @-sign are not "
            "supported: '三', '张')",
        ),
        (
            "[alerts]\nescalation_recipients = ['boss@example.gov.cn ']\n",
            "alerts.escalation_recipients[0]: expected an email address like "
            "name@example.gov.cn, found 'boss@example.gov.cn ' (the part after the @-sign "
            "contains invalid characters: SPACE)",
        ),
        (
            "[calendar.years.27]\nholidays = [2027-01-01]\n",
            "calendar.years: expected a four-digit year as table name, found '27'",
        ),
        (
            "[source]\nquery = 'SELECT 1'\n",
            "source: query needs url (the SQLAlchemy URL of the source database)",
        ),
    ],
)
def test_more_problems(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(_write(tmp_path, text))
    assert info.value.problems == [problem]


# --- finding the file -------------------------------------------------------------------------


def test_missing_file_named_explicitly_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert info.value.problems == ["no such configuration file"]
    assert str(info.value) == f"{path}: no such configuration file"


def test_no_path_and_no_config_toml_gives_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert s.origin == "embedded defaults"
    assert s.model_dump() == Settings().model_dump()


def test_no_path_reads_config_toml_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, "[rules]\nwarn_before_days = 4\n")
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert s.origin == "config.toml"
    assert s.rules.warn_before_days == 4
    assert s.base_dir == tmp_path.resolve()


def test_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes("[reports]\nlanguage = '中文'\n".encode("gb18030"))
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    [problem] = info.value.problems
    assert problem.startswith("cannot be read: 'utf-8' codec can't decode byte")


# --- paths ------------------------------------------------------------------------------------


def test_relative_paths_resolve_against_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "etc" / "banjian"
    folder.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)  # the working directory must not matter
    s = load_settings(_write(folder, "[source]\npath = 'data/cases.csv'\n"))
    base = folder.resolve()
    assert s.base_dir == base
    assert s.resolve(s.source.path) == base / "data" / "cases.csv"
    assert s.resolve("../shared/items.xlsx") == base / ".." / "shared" / "items.xlsx"
    assert s.resolve("/srv/cases.csv") == Path("/srv/cases.csv")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert s.resolve("~/cases.csv") == tmp_path / "home" / "cases.csv"


def test_sqlite_url_resolves_against_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "conf"
    folder.mkdir()
    s = load_settings(_write(folder, "[database]\nurl = 'sqlite:///var/monitor.db'\n"))
    assert s.database_url() == f"sqlite:///{folder.resolve()}/var/monitor.db"
    assert s.database_url(hide_password=True) == s.database_url()


def test_default_sqlite_url_resolves_against_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings().database_url() == f"sqlite:///{Path.cwd()}/var/monitor.db"


@pytest.mark.parametrize("url", ["sqlite:////srv/monitor/monitor.db", "sqlite://"])
def test_absolute_and_memory_sqlite_urls_are_kept(tmp_path: Path, url: str) -> None:
    s = load_settings(_write(tmp_path, f"[database]\nurl = '{url}'\n"))
    assert s.database_url() == url


# --- secrets ----------------------------------------------------------------------------------


def test_password_env_fills_in_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DB_ENV, "s3cr3t")
    s = load_settings(GOOD)
    assert s.database_url() == "postgresql+psycopg2://monitor:s3cr3t@db.example.gov.cn/monitor"


def test_password_with_special_characters_survives(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DB_ENV, "p@ss/w:rd%")
    url = make_url(load_settings(GOOD).database_url())
    assert url.password == "p@ss/w:rd%"
    assert url.host == "db.example.gov.cn"


def test_unset_password_env_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DB_ENV, raising=False)
    s = load_settings(GOOD)
    with pytest.raises(ConfigError) as info:
        s.database_url()
    assert info.value.problems == [f"names environment variable {DB_ENV}, which is not set"]
    assert str(info.value) == (
        f"[database] password_env: names environment variable {DB_ENV}, which is not set"
    )


def test_hidden_password_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DB_ENV, "s3cr3t")
    shown = load_settings(GOOD).database_url(hide_password=True)
    assert "s3cr3t" not in shown
    assert shown == "postgresql+psycopg2://monitor@db.example.gov.cn/monitor"


def test_hide_password_works_without_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DB_ENV, raising=False)
    shown = load_settings(GOOD).database_url(hide_password=True)
    assert shown == "postgresql+psycopg2://monitor@db.example.gov.cn/monitor"


def test_password_written_into_the_url_is_hidden(tmp_path: Path) -> None:
    s = load_settings(_write(tmp_path, "[database]\nurl = 'postgresql://u:hunter2@h/db'\n"))
    assert s.database_url(hide_password=True) == "postgresql://u:***@h/db"
