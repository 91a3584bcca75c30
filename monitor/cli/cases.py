"""Commands on the cases themselves: ``check-config``, ``inspect``, ``scan``, ``explain``,
``demo``.

Read-only: none of them writes the ledger or sends anything (``demo`` writes its own folder).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from monitor.cli.app import (
    State,
    at_option,
    audit_unmasked,
    common_options,
    input_option,
    parse_at,
    unmasked_option,
)
from monitor.errors import InputError

if TYPE_CHECKING:
    from monitor.cases.evaluate import Scanned
    from monitor.cases.load import LoadedCases
    from monitor.config import Settings

__all__ = ["COMMANDS"]


@click.command("check-config")
@common_options
def check_config(state: State) -> None:
    """Validate the configuration and print the effective settings.

    Exits 2 with one line per problem (key, what was expected, what was found).

    \b
    Example:
      monitor check-config --config /etc/banjian/config.toml
    """
    from monitor.config.describe import describe_settings

    settings = state.settings()
    click.echo(describe_settings(settings))


@click.command("inspect")
@input_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@unmasked_option
@common_options
def inspect_cmd(
    state: State, input_path: str | None, sheet: str | None, fmt: str, unmasked: bool
) -> None:
    """Show what a source of cases holds: rows, departments, bad rows, dates, calendar years.

    \b
    Examples:
      monitor inspect
      monitor inspect --input exports/2025-05.xlsx --format json
    """
    from monitor.cases.evaluate import problems_before_evaluation
    from monitor.cases.inspect_output import overview, render_overview
    from monitor.cases.load import load_cases
    from monitor.cases.quality import data_problems

    settings = state.settings()
    if unmasked:
        audit_unmasked(settings, f"inspect --format {fmt}")
    if settings.store.enabled and input_path is None:
        from monitor.store.use import store_evaluation

        with state.database() as engine:
            loaded = store_evaluation(settings, engine, parse_at(None), whole=True)[0].loaded
    elif settings.source.dataset and input_path is None:
        from monitor.engine.dataset import dataset_files, dataset_location

        location = dataset_location(settings)
        raise InputError(
            f"[source] dataset {location} is read partition by partition (scan, report, "
            f"alert, explain); inspect one of its files with --input, e.g. --input "
            f"{dataset_files(location)[0]}"
        )
    else:
        loaded = load_cases(settings, input_path, sheet=sheet)
    found = problems_before_evaluation(settings, loaded, parse_at(None))
    data = overview(loaded, settings, data_problems(loaded, found), masked=not unmasked)
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(render_overview(data))


@click.command("scan")
@input_option
@at_option()
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
@unmasked_option
@common_options
def scan_cmd(
    state: State,
    input_path: str | None,
    sheet: str | None,
    at: str | None,
    include_all: bool,
    department: str | None,
    fmt: str,
    output: str | None,
    fail_on: str | None,
    unmasked: bool,
) -> None:
    """Show open cases that are due soon (预警), late (超期) or escalated (督办).

    Without --all: open obligations at warning or worse, most urgent first. A summary line
    (counts by level) goes to stderr. Identity-card and phone numbers are masked in every
    format unless --unmasked; in CSV and Excel no cell can start a formula.

    \b
    Examples:
      monitor scan
      monitor scan --at 2025-10-09T09:00 --department 县市场监督管理局
      monitor scan --all --format csv --output scan.csv
      monitor scan --fail-on escalated     # exit 3 for cron / monitoring when anything is
    """
    from monitor.cases.scan_output import exceeds, in_department, render, selection, summary_line

    now = parse_at(at)
    if fmt == "xlsx" and output is None:  # before the (possibly long) evaluation
        raise InputError("--format xlsx needs --output PATH (a workbook is not terminal text)")
    settings = state.settings()
    if unmasked:
        audit_unmasked(settings, f"scan --format {fmt}")
    scanned = _scanned(state, settings, input_path, sheet, now, include_all)
    # The summary and --fail-on cover what was asked for: one department, or all of them.
    table = in_department(scanned.table, department)
    chosen, order = selection(table, include_all=include_all, department=None)
    text = render(chosen, fmt, Path(output) if output else None, masked=not unmasked, order=order)
    if text is not None:
        click.echo(text, nl=False)
    estimated = bool(table["estimated_calendar"].any())
    click.echo(
        summary_line(table, now, scanned.problems, estimated, department, scanned.counted),
        err=True,
    )
    if fail_on and exceeds(table, fail_on):
        sys.exit(3)


def _scanned(
    state: State,
    settings: Settings,
    input_path: str | None,
    sheet: str | None,
    now: dt.datetime,
    include_all: bool,
) -> Scanned:
    """What ``scan`` lists: from the store when one is configured (and no --input)."""
    from monitor.cases.evaluate import Scanned, evaluate_loaded
    from monitor.cases.load import load_cases

    if settings.source.dataset and input_path is None:
        from monitor.engine.run import dataset_scan

        return dataset_scan(settings, now, whole=include_all)
    if settings.store.enabled and input_path is None:
        from monitor.engine.stored import stored_scan
        from monitor.store.use import store_scan

        scan = stored_scan if settings.engine.kind == "dask" else store_scan
        with state.database() as engine:
            return scan(settings, engine, now, whole=include_all)
    loaded = load_cases(settings, input_path, sheet=sheet)
    return Scanned.of(evaluate_loaded(settings, loaded, now))


@click.command("explain")
@click.argument("case_id")
@input_option
@at_option()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@unmasked_option
@common_options
def explain_cmd(
    state: State,
    case_id: str,
    input_path: str | None,
    sheet: str | None,
    at: str | None,
    fmt: str,
    unmasked: bool,
) -> None:
    """Why each deadline of case CASE_ID is that day: start, limit and its source, the
    rule, and every day from the start to the deadline (counted, weekend, holiday, 调休,
    closure, suspended).

    \b
    Examples:
      monitor explain SX3307260008051945
      monitor explain SX3307260008051945 --at 2025-10-09T09:00 --format json
    """
    from monitor.cases.explain_output import explain_case, to_json, to_text
    from monitor.cases.load import load_cases

    now = parse_at(at)
    settings = state.settings()
    if unmasked:
        audit_unmasked(settings, f"explain --format {fmt}")
    if settings.source.dataset and input_path is None:
        loaded = _partition_of(settings, case_id)
    else:
        loaded = load_cases(settings, input_path, sheet=sheet)
    story = explain_case(settings, loaded, case_id, now)
    if fmt == "json":
        click.echo(json.dumps(to_json(story, masked=not unmasked), ensure_ascii=False, indent=1))
    else:
        click.echo(to_text(story, masked=not unmasked))


def _partition_of(settings: Settings, case_id: str) -> LoadedCases:
    """The partition of ``[source] dataset`` that holds ``case_id``, read."""
    from monitor.engine.dataset import dataset_location
    from monitor.engine.lookup import dataset_case
    from monitor.mask import mask

    loaded = dataset_case(settings, case_id)
    if loaded is None:
        raise InputError(
            f"[source] dataset {dataset_location(settings)}: no partition holds a case "
            f"{mask(case_id)}"
        )
    return loaded


@click.command("demo")
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
    from monitor.demo.run import run_demo

    settings = state.settings()
    run_demo(
        settings,
        n_cases=n_cases,
        seed=seed,
        out_dir=Path(out_dir) if out_dir else None,
        echo=click.echo,
    )


#: The commands of this module, registered on the group by :mod:`monitor.cli`.
COMMANDS = (check_config, inspect_cmd, scan_cmd, explain_cmd, demo_cmd)
