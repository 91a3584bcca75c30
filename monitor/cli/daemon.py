"""The ``daemon`` and ``run`` commands. Registered on the group by :mod:`monitor.cli`."""

from __future__ import annotations

import json

import click

from monitor.cli.app import State, at_option, common_options, parse_at
from monitor.errors import NothingSent

__all__ = ["COMMANDS"]

_log_format_option = click.option(
    "--log-format",
    "log_format",
    type=click.Choice(["text", "json"]),
    default=None,
    help="Log lines as text or as one JSON object per line (default: [logging] format).",
)


@click.command("daemon")
@_log_format_option
@click.option(
    "--run-now",
    is_flag=True,
    help="Also run the scan job once right after starting (then on its schedule).",
)
@common_options
def daemon_cmd(state: State, log_format: str | None, run_now: bool) -> None:
    """Run the scan, report and annual jobs on their [schedule], until stopped.

    Times are Asia/Shanghai. At start it makes any monthly or annual report it missed while
    it was down, and logs when each job runs next. Logs go to stderr (and [logging] file).
    SIGTERM or Ctrl-C lets a running job finish (at most 60 s), then exits 0. A second
    daemon on the same lock file exits 4.

    \b
    Examples:
      monitor daemon --config /etc/banjian/config.toml
      monitor daemon --log-format json --run-now
      systemctl start banjian-monitor      # deploy/banjian-monitor.service runs it
    """
    from monitor.daemon.logs import setup_logging
    from monitor.daemon.scheduler import run_daemon

    settings = state.settings()
    setup_logging(settings, log_format, debug=state.debug)
    run_daemon(settings, run_now=run_now)


@click.command("run")
@click.argument("job", type=click.Choice(["scan", "report", "annual", "rebuild"]))
@at_option("Run as of this local (Asia/Shanghai) time instead of now.")
@_log_format_option
@common_options
def run_cmd(state: State, job: str, at: str | None, log_format: str | None) -> None:
    """Run one job once, as the daemon would, and record it: for the system's cron.

    \b
    JOB is one of:
      scan    evaluate and send alert mail (monitor alert)
      report  the previous month's report, written and sent
      annual  the previous year's report, written and sent
      rebuild the case store from the whole source ([store]; monitor store rebuild)

    Prints the run's counts as JSON. Exits 4 when the same job is running already (in the
    daemon or another `monitor run`).

    \b
    Examples:
      monitor run scan --config /etc/banjian/config.toml
      monitor run report --at 2025-06-01T08:00     # the May 2025 report, as on 1 June
      monitor run annual --log-format json
    """
    from monitor.daemon.jobs import run_job
    from monitor.daemon.lock import job_lock
    from monitor.daemon.logs import setup_logging

    settings = state.settings()
    setup_logging(settings, log_format, debug=state.debug)
    now = parse_at(at)
    with job_lock(settings, job):
        counts = run_job(settings, job, now)
    click.echo(json.dumps(counts, ensure_ascii=False, sort_keys=True))
    if counts.get("stopped_by") and not counts.get("sent"):
        raise NothingSent(
            f"nothing could be sent: {counts['stopped_by']}; the messages stay queued for the "
            "next run (monitor outbox)"
        )


#: The commands of this module, registered on the group by :mod:`monitor.cli`.
COMMANDS = (daemon_cmd, run_cmd)
