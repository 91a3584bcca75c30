"""The ``monitor`` group, the options its commands share, and :func:`main`.

This module imports no command module: the command modules (:mod:`monitor.cli.cases`,
``alerts``, ``reports``, ``daemon``) import their shared options from here, and
:mod:`monitor.cli` registers them on :data:`cli`. The monitor's own errors (bad config, bad
input, an unknown calendar year) become one line on stderr and exit code 2; ``--debug`` shows
the traceback instead.
"""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import logging
import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import click

from monitor import clock
from monitor.config import Settings, load_settings
from monitor.errors import MonitorError, RulesError

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = [
    "State",
    "at_option",
    "audit_unmasked",
    "cli",
    "common_options",
    "input_option",
    "main",
    "parse_at",
    "unmasked_option",
]


class State:
    """What the group's options say, handed to every command: the config path and --debug."""

    def __init__(self) -> None:
        self.config: str | None = None
        self.debug = False

    def settings(self) -> Settings:
        """The validated settings of ``--config`` (or ./config.toml, or the defaults)."""
        return load_settings(self.config)

    def database(self) -> AbstractContextManager[Engine]:
        """The monitor's database for a ``with`` block, schema up to date (created if new)."""
        from monitor.db.engine import open_database

        return open_database(self.settings())


# Paths are not checked by click (its error is a usage text of four lines): the library's
# own error names what is wrong with the file in one line.
_config_option = click.option(
    "--config",
    "config",
    type=click.Path(),
    default=None,
    help="Configuration file (default: ./config.toml, else built-in defaults).",
)
_debug_option = click.option(
    "--debug", is_flag=True, default=False, help="Show tracebacks on errors."
)


def input_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--input PATH`` and ``--sheet NAME`` (the commands get ``input_path`` and
    ``sheet``)."""
    func = click.option(
        "--sheet",
        default=None,
        metavar="NAME",
        help="Excel sheet holding the cases (instead of [source] sheet).",
    )(func)
    return click.option(
        "--input",
        "input_path",
        type=click.Path(),
        default=None,
        help="Case file to read instead of [source] (.csv, .xlsx, .parquet).",
    )(func)


unmasked_option = click.option(
    "--unmasked",
    is_flag=True,
    help="Show identity-card and phone numbers in full, for an authorised export; the "
    "export is logged with who ran it. Without it every output is masked.",
)


def audit_unmasked(settings: Settings, command: str) -> None:
    """Record an unmasked export of personal data: which command, which system user, which
    process; a warning on stderr, and a line in ``[logging] file`` when one is set (the
    log the office keeps)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (a container)
        user = f"uid {os.getuid()}"
    message = f"unmasked export of personal data by {user} (pid {os.getpid()}): monitor {command}"
    click.echo(f"warning: {message}", err=True)
    if settings.logging.file:
        path = settings.resolve(settings.logging.file)
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp = clock.now().isoformat(sep=" ", timespec="seconds")
        with path.open("a", encoding="utf-8") as log:
            log.write(f"{stamp} WARNING monitor.audit: {message}\n")


def at_option(help: str = "Evaluate as of this local (Asia/Shanghai) time instead of now.") -> Any:
    """The ``--at ISO-DATETIME`` option (a string; :func:`parse_at` turns it into a time)."""
    return click.option("--at", "at", default=None, metavar="ISO-DATETIME", help=help)


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


def _print_version(ctx: click.Context, wanted: bool) -> None:
    """``--version``: the installed versions (:mod:`monitor.versions`), then exit."""
    if not wanted or ctx.resilient_parsing:
        return
    from monitor.versions import version_text

    click.echo(version_text())
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@_config_option
@_debug_option
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, _param, value: _print_version(ctx, value),
    help="Print the monitor's, holidays' (and its last official year) and Python's versions.",
)
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


def parse_at(at: str | None, option: str = "--at") -> dt.datetime:
    """``--at`` (or another ``option`` taking a time) as a naive Asia/Shanghai datetime;
    the current time when not given."""
    if at is None:
        return clock.now()
    try:
        value = dt.datetime.fromisoformat(at)
    except ValueError:
        raise click.BadParameter(
            f"{at!r} is not an ISO date or datetime such as 2025-10-09 or 2025-10-09T09:00",
            param_hint=option,
        ) from None
    return clock.naive(value)


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
