"""The ``report`` command. Registered on the group by :mod:`monitor.cli`."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import click

from monitor.cli.app import State, at_option, common_options, input_option, parse_at
from monitor.errors import NothingSent

if TYPE_CHECKING:
    from monitor.reports.helper import ReportHelpers
    from rules.regions import Region

__all__ = ["COMMANDS"]


@click.command("report")
@click.option(
    "--period",
    required=True,
    metavar="PERIOD",
    help="A month (2025-05), a quarter (2025-Q2) or a year (2025).",
)
@input_option
@at_option()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for the report files (default: [reports] out_dir).",
)
@click.option(
    "--send",
    is_flag=True,
    help="Email the report to [reports] recipients (HTML body, workbook attached).",
)
@click.option(
    "--region",
    metavar="CODE",
    default=None,
    help="The report of one region (行政区划代码): a province (33) ranks its cities, a city "
    "(3301) its counties, a county (330102) its departments.",
)
@common_options
def report_cmd(
    state: State,
    period: str,
    input_path: str | None,
    sheet: str | None,
    at: str | None,
    out_dir: str | None,
    send: bool,
    region: str | None,
) -> None:
    """Write the rate report of a period: P.html, P.json, P.xlsx and index.html.

    Figures per DOMAIN.md §5 for the county and each department, with the previous period
    beside them: received, online rate (一网通办办件率), late acceptance (超期受理率), late
    completion (超期办结率), cases late at period end, on-time and early rates, processing time,
    warnings raised; a 12-period trend chart, the late cases and the data problems.

    \b
    Examples:
      monitor report --period 2025-05
      monitor report --period 2025-Q2 --out /srv/www/reports
      monitor report --period 2025 --send
      monitor report --period 2025 --region 3301     # P-330100.html: the city's counties
    """
    from rules.periods import Period
    from rules.regions import parse_region

    # Checked here, so that no other error (a path or a config key that happens to say
    # "period") is ever reported as a bad --period.
    try:
        Period.parse(period)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from None
    try:
        chosen = parse_region(region) if region is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--region") from None
    from monitor.reports.helper import ReportHelpers

    with ReportHelpers() as helpers:  # started first: they import while this process does
        _report(state, period, input_path, sheet, at, out_dir, send, helpers, chosen)


def _report(
    state: State,
    period: str,
    input_path: str | None,
    sheet: str | None,
    at: str | None,
    out_dir: str | None,
    send: bool,
    helpers: ReportHelpers,
    region: Region | None,
) -> None:
    """The report, its files listed and what sending did (``report_cmd``'s work)."""
    from monitor.daemon.lock import job_lock
    from monitor.reports.run import run_report

    settings = state.settings()
    with job_lock(settings, "report") if send else nullcontext():
        result = run_report(
            settings,
            period,
            parse_at(at),
            input_path=input_path,
            sheet=sheet,
            out_dir=Path(out_dir) if out_dir else None,
            send=send,
            helpers=helpers,
            region=region,
        )
    for kind, path in result.paths.items():
        click.echo(f"{kind:<6} {path}")
    if send and not settings.reports.recipients:
        click.echo("no recipients: [reports] recipients is empty, nothing sent")
    elif send:
        click.echo(", ".join(f"{k} {v}" for k, v in result.counts.items() if k != "stopped_by"))
        if result.counts.get("stopped_by") and not result.counts.get("sent"):
            raise NothingSent(
                f"nothing could be sent: {result.counts['stopped_by']}; the report stays queued "
                "for the next run (monitor outbox)"
            )


#: The commands of this module, registered on the group by :mod:`monitor.cli`.
COMMANDS = (report_cmd,)
