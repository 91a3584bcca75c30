"""The ``monitor`` command: a thin shell over the library.

Commands parse their arguments, call library functions and print. The monitor's own errors
(bad config, bad input, an unknown calendar year) become one line on stderr and exit code 2;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from monitor import __version__
from monitor.config import Settings, load_settings
from monitor.errors import InputError, MonitorError, RulesError

__all__ = ["cli", "main", "parse_at"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


class State:
    def __init__(self) -> None:
        self.config: str | None = None
        self.debug = False

    def settings(self) -> Settings:
        return load_settings(self.config)


_config_option = click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    default=None,
    help="Configuration file (default: ./config.toml, else built-in defaults).",
)
_debug_option = click.option(
    "--debug", is_flag=True, default=False, help="Show tracebacks on errors."
)
input_option = click.option(
    "--input",
    "input_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Case file to read instead of [source] (.csv, .xlsx, .parquet).",
)


def common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add --config and --debug to a command (they may also come before the command)."""

    @_config_option
    @_debug_option
    @click.pass_context
    @functools.wraps(func)
    def wrapper(ctx: click.Context, config: str | None, debug: bool, **kwargs: Any) -> Any:
        state = ctx.ensure_object(State)
        state.config = config or state.config
        state.debug = debug or state.debug
        return func(state, **kwargs)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@_config_option
@_debug_option
@click.version_option(__version__, prog_name="monitor")
@click.pass_context
def cli(ctx: click.Context, config: str | None, debug: bool) -> None:
    """Watch government-service cases (办件): deadlines, warnings, rates.

    \b
    Examples, to start with:
      monitor demo                        generate a demo county and run the main job
      monitor check-config                validate config.toml and print the settings
      monitor inspect --input cases.csv   what a case file holds
    """
    state = ctx.ensure_object(State)
    state.config, state.debug = config, debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


@cli.command("check-config")
@common_options
def check_config(state: State) -> None:
    """Validate the configuration and print the effective settings.

    Exits 2 with one line per problem (key, what was expected, what was found).

    \b
    Example:
      monitor check-config --config /etc/banjian/config.toml
    """
    from monitor.settings_text import describe_settings

    settings = state.settings()
    click.echo(describe_settings(settings))


@cli.command("inspect")
@input_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@common_options
def inspect_cmd(state: State, input_path: str | None, fmt: str) -> None:
    """Show what a source of cases holds: rows, departments, bad rows, dates, calendar years.

    \b
    Examples:
      monitor inspect
      monitor inspect --input exports/2025-05.xlsx --format json
    """
    from monitor.loading import load_cases
    from monitor.overview import overview, render_overview

    settings = state.settings()
    data = overview(load_cases(settings, input_path), settings)
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(render_overview(data))


@cli.command("scan")
@input_option
@click.option(
    "--at",
    "at",
    default=None,
    metavar="ISO-DATETIME",
    help="Evaluate as of this local (Asia/Shanghai) time instead of now.",
)
@click.option(
    "--all",
    "include_all",
    is_flag=True,
    help="Every obligation of every valid case, open or closed.",
)
@click.option(
    "--department",
    default=None,
    help="Only this department (exact name); the summary and --fail-on cover it alone.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "xlsx"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write to this file instead of stdout (required for xlsx).",
)
@click.option(
    "--fail-on",
    type=click.Choice(["warning", "overdue", "escalated"]),
    default=None,
    help="Exit 3 when an open obligation is at this level or worse.",
)
@common_options
def scan_cmd(
    state: State,
    input_path: str | None,
    at: str | None,
    include_all: bool,
    department: str | None,
    fmt: str,
    output: str | None,
    fail_on: str | None,
) -> None:
    """Show open cases that are due soon (预警), late (超期) or escalated (督办).

    Without --all: open obligations at warning or worse, most urgent first. A summary line
    (counts by level) goes to stderr.

    \b
    Examples:
      monitor scan
      monitor scan --at 2025-10-09T09:00 --department 县市场监督管理局
      monitor scan --all --format csv --output scan.csv
      monitor scan --fail-on escalated     # exit 3 for cron / monitoring when anything is
    """
    from monitor.evaluation import evaluate_loaded
    from monitor.loading import load_cases
    from monitor.scan import exceeds, in_department, render, select, summary_line

    now = parse_at(at)
    if fmt == "xlsx" and output is None:  # before the (possibly long) evaluation
        raise InputError("--format xlsx needs --output PATH (a workbook is not terminal text)")
    settings = state.settings()
    evaluated = evaluate_loaded(settings, load_cases(settings, input_path), now)
    # The summary and --fail-on cover what was asked for: one department, or all of them.
    table = in_department(evaluated.evaluation.table, department)
    text = render(
        select(table, include_all=include_all, department=None),
        fmt,
        Path(output) if output else None,
    )
    if text is not None:
        click.echo(text, nl=False)
    estimated = bool(table["estimated_calendar"].any())
    click.echo(summary_line(table, now, evaluated.problems, estimated, department), err=True)
    if fail_on and exceeds(table, fail_on):
        sys.exit(3)


def parse_at(at: str | None) -> dt.datetime:
    """``--at`` as a naive Asia/Shanghai datetime; the current time when not given."""
    if at is None:
        return dt.datetime.now(SHANGHAI).replace(tzinfo=None)
    try:
        value = dt.datetime.fromisoformat(at)
    except ValueError:
        raise click.BadParameter(
            f"{at!r} is not an ISO date or datetime such as 2025-10-09 or 2025-10-09T09:00",
            param_hint="--at",
        ) from None
    if value.tzinfo is not None:
        value = value.astimezone(SHANGHAI).replace(tzinfo=None)
    return value


@cli.command("demo")
@click.option(
    "--cases",
    "n_cases",
    type=click.IntRange(100, 5_000_000),
    default=60_000,
    show_default=True,
    help="Number of cases to generate.",
)
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for the demo data (default: var/demo beside the config).",
)
@common_options
def demo_cmd(state: State, n_cases: int, seed: int, out_dir: str | None) -> None:
    """Generate a demo county and run the main job on it.

    Writes a few months of synthetic cases (about 40 departments, Chinese names, mostly online,
    a few late cases and some bad rows) to var/demo/cases.csv, then loads and inspects them.

    \b
    Example:
      monitor demo --cases 20000
    """
    from monitor.demo import run_demo

    settings = state.settings()
    run_demo(
        settings,
        n_cases=n_cases,
        seed=seed,
        out_dir=Path(out_dir) if out_dir else None,
        echo=click.echo,
    )


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``monitor`` console script."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        code = cli.main(args=args, prog_name="monitor", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (MonitorError, RulesError) as exc:
        if debug:
            raise
        click.echo(f"error: {exc}", err=True)
        sys.exit(getattr(exc, "exit_code", 2))
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


# The ledger and mail commands register themselves on the group.
import monitor.cli_alerts  # noqa: E402
import monitor.cli_daemon  # noqa: E402
import monitor.cli_reports  # noqa: E402, F401
