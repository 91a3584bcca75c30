"""The ``monitor`` command: output, exit codes, one-line errors, and help with examples.

Most tests run the click group in-process with :class:`click.testing.CliRunner` (or call
:func:`monitor.cli.main`, which exits); a few run ``python -m monitor`` for real to check what a
user sees: exit codes, stderr and no traceback unless ``--debug``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor import __version__
from monitor.cli import cli, main
from monitor.config import load_settings
from monitor.errors import ConfigError

CONFIGS = Path(__file__).parent / "configs"
GOOD = CONFIGS / "good.toml"
SECRETS = ("MONITOR_TEST_DB_PASSWORD", "MONITOR_TEST_SMTP_PASSWORD")  # named in good.toml

# 5 rows: 3 good cases in 2 departments, 1 with a bad submission date, and a second record of
# A002 that supersedes the first (the later record wins).
CASES_CSV = """\
办件编号,实施部门,申请时间,受理时间,办结时间,承诺时限
A001,县市场监督管理局,2025-03-03 09:00:00,2025-03-03 10:00:00,2025-03-10 16:00:00,10个工作日
A002,县市场监督管理局,2025-03-04 10:00:00,2025-03-04 11:00:00,,5个工作日
A003,县人力资源和社会保障局,2025-03-05 11:00:00,2025-03-05 11:30:00,2025-03-05 15:00:00,即办
A004,县人力资源和社会保障局,not a date,,,即办
A002,县市场监督管理局,2025-03-06 09:00:00,2025-03-06 09:30:00,,5个工作日
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cases_csv(tmp_path: Path) -> Path:
    path = tmp_path / "cases.csv"
    path.write_text(CASES_CSV, encoding="utf-8")
    return path


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m monitor ARGS`` for real, without the test secrets in its environment."""
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


# --- help and version -------------------------------------------------------------------------


def test_group_help_has_examples(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert any(line.strip().startswith("Example") for line in result.output.splitlines())
    for name in cli.commands:
        assert name in result.output


def test_the_documented_commands_are_registered() -> None:
    assert {"check-config", "inspect", "demo"} <= set(cli.commands)


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_an_example(runner: CliRunner, name: str) -> None:
    command = cli.commands[name]
    assert command.help and command.help.strip(), f"{name} has no help text"
    assert command.get_short_help_str().strip(), f"{name} has no short help"
    result = runner.invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.strip().startswith("Example") for line in lines), f"{name}: no example"
    # Examples show how to call this very command.
    assert f"monitor {name}" in result.output
    assert "-h, --help" in result.output
    assert runner.invoke(cli, [name, "-h"]).output == result.output


def test_version(runner: CliRunner) -> None:
    """The monitor's version (the installed distribution's), the holidays package's with the
    last year whose official schedule it carries (0.109 carries 2026's, published by the
    State Council in November 2025, and not 2027's), and Python's."""
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == (
        f"monitor {__version__}\n"
        f"holidays {version('holidays')} (official schedules through 2026)\n"
        f"Python {platform.python_version()}\n"
    )
    assert __version__ == version("banjian-monitor")
    assert version("holidays").startswith("0.109")


# --- check-config -----------------------------------------------------------------------------


def test_check_config_prints_every_section_and_ok(runner: CliRunner, no_secrets: None) -> None:
    result = runner.invoke(cli, ["check-config", "--config", str(GOOD)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for section in [
        "[database]",
        "[source]",
        "[calendar]",
        "[calendar.years.2027]",
        "[rules]",
        "[rules.acceptance]",
        "[alerts]",
        "[[alerts.routes]]",
        "[mail]",
        "[mail.smtp]",
        "[mail.file]",
        "[schedule]",
        "[reports]",
    ]:
        assert section in lines, section
    assert lines[0] == f"# configuration: {GOOD}"
    assert f"# paths relative to: {CONFIGS.resolve()}" in lines
    assert "warn_before_days = 2" in lines
    assert 'from = "banjian-monitor@example.gov.cn"' in lines
    assert "database: postgresql+psycopg2://monitor@db.example.gov.cn/monitor" in lines
    assert "calendar 2027: config" in lines
    assert lines[-1] == "ok"


def test_check_config_shows_secrets_only_as_set_or_not_set(
    runner: CliRunner, no_secrets: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_TEST_DB_PASSWORD", "s3cr3t-db-value")
    result = runner.invoke(cli, ["check-config", "--config", str(GOOD)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        "secret [database] password_env: environment variable MONITOR_TEST_DB_PASSWORD is set"
        in lines
    )
    assert (
        "secret [mail.smtp] password_env: environment variable MONITOR_TEST_SMTP_PASSWORD "
        "is NOT SET" in lines
    )
    assert "s3cr3t-db-value" not in result.output


def test_check_config_names_each_receivers_variables(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_url = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef"
    monkeypatch.setenv("MONITOR_TEST_DING_URL", token_url)
    monkeypatch.delenv("MONITOR_TEST_DING_SECRET", raising=False)
    config = tmp_path / "config.toml"
    config.write_text(
        "[receivers.scjg-ding]\nkind = 'dingtalk'\nurl_env = 'MONITOR_TEST_DING_URL'\n"
        "secret_env = 'MONITOR_TEST_DING_SECRET'\nkeyword = '办件预警'\n"
        "[[alerts.routes]]\ndepartment = '县市场监督管理局'\nreceivers = ['scjg-ding']\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["check-config", "--config", str(config)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        "secret [receivers.scjg-ding] url_env: environment variable MONITOR_TEST_DING_URL is set"
        in lines
    )
    assert (
        "secret [receivers.scjg-ding] secret_env: environment variable MONITOR_TEST_DING_SECRET "
        "is NOT SET" in lines
    )
    assert "0123456789abcdef" not in result.output
    monkeypatch.setenv("MONITOR_TEST_DING_URL", "access_token=0123456789abcdef")  # pasted half
    result = runner.invoke(cli, ["check-config", "--config", str(config)])
    assert (
        "secret [receivers.scjg-ding] url_env: environment variable MONITOR_TEST_DING_URL is set "
        "but does not hold an http(s):// address" in result.output.splitlines()
    )
    assert "0123456789abcdef" not in result.output


def test_check_config_never_shows_a_password_written_into_a_url(
    runner: CliRunner, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[database]\nurl = 'postgresql://monitor:hunter2@db/monitor'\n"
        "[source]\nurl = 'mysql+pymysql://reader:swordfish@cases/zwfw'\nquery = 'SELECT 1'\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["check-config", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.output
    assert "swordfish" not in result.output
    assert 'url = "postgresql://monitor:***@db/monitor"' in result.output.splitlines()


def test_check_config_uses_the_defaults_without_a_config_file(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["check-config"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "# configuration: embedded defaults"
    assert f"database: sqlite:///{Path.cwd()}/var/monitor.db" in lines
    assert not any(line.startswith("secret ") for line in lines)
    assert lines[-1] == "ok"


def test_config_option_may_come_before_the_command(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--config", str(GOOD), "check-config"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"# configuration: {GOOD}"


def test_bad_config_raises_the_config_error_in_process(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["check-config", "--config", str(CONFIGS / "bad-port-zero.toml")])
    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigError)


# --- main(): one line on stderr, exit 2 -------------------------------------------------------


def test_main_prints_one_line_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    bad = CONFIGS / "bad-transport.toml"
    with pytest.raises(SystemExit) as info:
        main(["check-config", "--config", str(bad)])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"error: {bad}: mail.transport: expected 'smtp' or 'file', found 'sendmail' (text)\n"
    )


def test_main_exits_0_on_success(capsys: pytest.CaptureFixture[str], no_secrets: None) -> None:
    with pytest.raises(SystemExit) as info:
        main(["check-config", "--config", str(GOOD)])
    assert info.value.code == 0
    assert capsys.readouterr().out.splitlines()[-1] == "ok"


def test_main_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["inspect", "--format", "xml"])
    assert info.value.code == 2
    assert "Invalid value for '--format'" in capsys.readouterr().err


def test_inspect_without_any_source_says_how_to_give_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(["inspect"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: embedded defaults: no source of cases;")
    assert "--input PATH" in err


# --- real runs of `python -m monitor` ---------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["bad-unknown-key.toml", "bad-toml-syntax.toml", "bad-year-holiday-other-year.toml"],
)
def test_subprocess_bad_config_is_one_line_exit_2(tmp_path: Path, name: str) -> None:
    path = CONFIGS / name
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    proc = run("check-config", "--config", str(path), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == f"error: {path}: {info.value.problems[0]}\n"
    assert "Traceback" not in proc.stderr


def test_subprocess_several_problems_one_line_each(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        "[rules]\nwarn_befor_days = 2\n[mail]\ntransport = 'sendmail'\n", encoding="utf-8"
    )
    proc = run("check-config", cwd=tmp_path)  # ./config.toml is read without --config
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "error: config.toml: 2 problems in the configuration:",
        "  rules.warn_befor_days: unknown key; did you mean 'warn_before_days'?",
        "  mail.transport: expected 'smtp' or 'file', found 'sendmail' (text)",
    ]
    assert "Traceback" not in proc.stderr


def test_subprocess_missing_config_file(tmp_path: Path) -> None:
    proc = run("check-config", "--config", "missing.toml", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == "error: missing.toml: no such configuration file\n"


def test_subprocess_inspect_missing_input(tmp_path: Path) -> None:
    proc = run("inspect", "--input", "missing.csv", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == "error: missing.csv: no such file\n"


def test_subprocess_debug_shows_the_traceback(tmp_path: Path) -> None:
    proc = run("inspect", "--input", "missing.csv", "--debug", cwd=tmp_path)
    assert proc.returncode != 0
    assert "Traceback (most recent call last)" in proc.stderr
    assert proc.stderr.rstrip().splitlines()[-1] == (
        "monitor.errors.InputError: missing.csv: no such file"
    )


def test_subprocess_debug_before_the_command(tmp_path: Path) -> None:
    proc = run("--debug", "check-config", "--config", "missing.toml", cwd=tmp_path)
    assert proc.returncode != 0
    assert "Traceback (most recent call last)" in proc.stderr
    assert "ConfigError: missing.toml: no such configuration file" in proc.stderr


def test_the_program_leaves_as_the_interpreter_would(tmp_path: Path) -> None:
    # monitor.cli.program skips the interpreter's teardown of its modules, but not what
    # shows: exit handlers run, other threads finish, output is flushed, the exit code kept.
    code = (
        "import atexit, sys, threading, time\n"
        "from pathlib import Path\n"
        "out = Path(sys.argv[1])\n"
        "atexit.register(lambda: (out / 'handler').write_text('ran'))\n"
        "def late():\n"
        "    time.sleep(0.3)\n"
        "    (out / 'thread').write_text('joined')\n"
        "threading.Thread(target=late).start()\n"
        "sys.argv = ['monitor', *sys.argv[2:]]\n"
        "from monitor.cli import program\n"
        "program()\n"
    )
    for args, exit_code in ((["--version"], 0), (["scan", "--input", "nosuch.csv"], 2)):
        for name in ("handler", "thread"):
            (tmp_path / name).unlink(missing_ok=True)
        proc = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path), *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )
        assert proc.returncode == exit_code, proc.stderr
        assert (tmp_path / "handler").read_text() == "ran"
        assert (tmp_path / "thread").read_text() == "joined"
        if exit_code == 0:
            assert proc.stdout.startswith(f"monitor {__version__}\n")
        else:
            assert "nosuch.csv" in proc.stderr and "Traceback" not in proc.stderr


def test_subprocess_help_and_version(tmp_path: Path) -> None:
    proc = run("--help", cwd=tmp_path)
    assert proc.returncode == 0
    assert "Examples" in proc.stdout
    proc = run("--version", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[0] == f"monitor {__version__}"


def test_subprocess_inspect_json(tmp_path: Path, cases_csv: Path) -> None:
    proc = run("inspect", "--input", cases_csv.name, "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    data = json.loads(proc.stdout)
    assert (data["rows_read"], data["cases"], data["bad_rows"], data["duplicates"]) == (5, 3, 1, 1)


# --- inspect ----------------------------------------------------------------------------------


def test_inspect_json_counts(
    runner: CliRunner, cases_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./config.toml: the embedded defaults
    result = runner.invoke(cli, ["inspect", "--input", str(cases_csv), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {
        "source",
        "rows_read",
        "cases",
        "bad_rows",
        "duplicates",
        "departments",
        "problems",
        "submitted",
        "calendar_years",
    } <= set(data)
    assert data["source"] == str(cases_csv)
    assert data["rows_read"] == 5
    assert data["cases"] == 3  # A001, A003 and the later A002
    assert data["bad_rows"] == 1  # A004, bad date
    assert data["duplicates"] == 1  # the first A002
    assert data["departments"] == [
        {"department": "县市场监督管理局", "cases": 2},
        {"department": "县人力资源和社会保障局", "cases": 1},
    ]
    problems = sorted(data["problems"], key=lambda p: p["reason"])
    assert problems == [
        {"reason": "duplicate case_id; a later record wins", "rows": 1},
        {"reason": "unparseable date in submitted_at", "rows": 1},
    ]
    # Valid cases only: the superseded A002 (2025-03-04) does not count.
    assert data["submitted"] == {"first": "2025-03-03 09:00:00", "last": "2025-03-06 09:00:00"}
    assert [(y["year"], y["needed_for"]) for y in data["calendar_years"]] == [
        (2025, "data"),
        (2026, "deadlines"),
    ]
    assert data["calendar_years"][0]["schedule"] == "published"


def test_inspect_table(
    runner: CliRunner, cases_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["inspect", "--input", str(cases_csv)])
    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.output.splitlines()]
    assert f"source      {cases_csv}  (utf-8)" in lines
    assert "rows read   5" in lines
    assert "cases       3 valid" in lines
    assert "departments (2):" in lines
    assert "submitted   2025-03-03 09:00:00 .. 2025-03-06 09:00:00" in lines


def test_inspect_reads_the_configured_source(
    runner: CliRunner, cases_csv: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    config = folder / "config.toml"
    # Relative to the config file's folder, not to the working directory.
    config.write_text("[source]\npath = '../cases.csv'\n", encoding="utf-8")
    result = runner.invoke(cli, ["inspect", "--config", str(config), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["cases"] == 3


def test_unknown_command_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["no-such-command"])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert "No such command" in result.output


def test_inspect_masks_personal_data_in_department_names(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10, item 26: a department name carrying an identity number (a data-entry slip
    seen in real exports) is masked in inspect's output, unless --unmasked."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "cases.csv"
    path.write_text(
        "办件编号,实施部门,申请时间,承诺时限\n"
        "A1,县民政局330225199001011234,2025-03-03 09:00:00,5\n",
        encoding="utf-8",
    )
    for fmt in ("table", "json"):
        out = runner.invoke(cli, ["inspect", "--input", str(path), "--format", fmt]).stdout
        assert "330225199001011234" not in out
        assert "县民政局330225********1234" in out
    out = runner.invoke(cli, ["inspect", "--input", str(path), "--unmasked"]).stdout
    assert "县民政局330225199001011234" in out


def test_sheet_option_reads_the_named_sheet_in_inspect_scan_and_report(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.errors import InputError

    """Issue 10, item 11: the cases on the second sheet of a workbook, read with --sheet;
    without it, the error names the sheet and the option."""
    import openpyxl

    monkeypatch.chdir(tmp_path)
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本表为办件导出说明"])
    cases = book.create_sheet("办件")
    cases.append(["办件编号", "实施部门", "申请时间", "承诺时限"])
    cases.append(["A1", "县民政局", "2025-03-03 09:00:00", "5"])
    path = tmp_path / "export.xlsx"
    book.save(path)
    plain = runner.invoke(cli, ["inspect", "--input", str(path)])
    assert isinstance(plain.exception, InputError)  # main() prints it as one line, exit 2
    assert "--sheet 办件" in str(plain.exception)
    for args in (
        ["inspect", "--input", str(path), "--sheet", "办件", "--format", "json"],
        ["scan", "--input", str(path), "--sheet", "办件", "--at", "2025-03-04T09:00", "--all"],
        ["report", "--period", "2025-03", "--input", str(path), "--sheet", "办件",
         "--at", "2025-04-01T09:00", "--out", str(tmp_path / "r")],
    ):  # fmt: skip
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (args[0], result.output)
    assert (
        json.loads(
            runner.invoke(
                cli, ["inspect", "--input", str(path), "--sheet", "办件", "--format", "json"]
            ).stdout
        )["cases"]
        == 1
    )


@pytest.mark.parametrize("option", ["--input", "--config"])
def test_a_folder_given_as_a_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    """Issue 10, item 16: not click's four-line usage text."""
    with pytest.raises(SystemExit) as exc:
        main(["inspect", option, str(tmp_path)])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert len(err.splitlines()) == 1, err
    assert str(tmp_path) in err
