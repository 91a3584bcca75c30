"""Commands of the warning ledger and the outbox: ``alert``, ``ack``, ``silence``,
``warnings``, ``outbox``, ``status``, ``db``. Registered on the group by :mod:`monitor.cli`."""

from __future__ import annotations

import datetime as dt
import json
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Engine

from monitor.cli.app import State, at_option, common_options, input_option, parse_at
from monitor.text import plural

__all__ = ["COMMANDS"]


def _database(state: State) -> AbstractContextManager[Engine]:
    """The monitor's database for the ``with`` block, schema up to date (created if new)."""
    from monitor.db.engine import open_database

    return open_database(state.settings())


@click.command("alert")
@input_option
@at_option("Run as of this local (Asia/Shanghai) time instead of now.")
@click.option("--dry-run", is_flag=True, help="Change nothing; print what would be sent.")
@common_options
def alert_cmd(state: State, input_path: str | None, at: str | None, dry_run: bool) -> None:
    """Evaluate, update the warning ledger, queue and send alert mail.

    One email per recipient list, listing its cases most urgent first. Prints the counts:
    new, raised, repeated, suppressed, deferred (a repeat waiting for a held message),
    unrouted (no recipient), resolved, queued, sent, failed, dead, held
    (outside the send window). --at stands for "now" in everything the run does.

    \b
    Examples:
      monitor alert
      monitor alert --dry-run
      monitor alert --at 2025-10-09T09:00
    """
    from monitor.alerts.run import run_alert

    result = run_alert(state.settings(), parse_at(at), input_path=input_path, dry_run=dry_run)
    for recipients, subject, n in result.messages:
        prefix = "would send" if dry_run else "queued"
        click.echo(f"{prefix}: {subject}  → {', '.join(recipients)} ({plural(n, 'case')})")
    click.echo(("dry run, nothing changed: " if dry_run else "") + result.line())


@click.command("ack")
@click.argument("case_id")
@click.option(
    "--obligation",
    type=click.Choice(["acceptance", "completion"]),
    default=None,
    help="Only this obligation (default: both).",
)
@click.option("--by", "by", required=True, help="Who responds (name or department).")
@click.option("--note", required=True, help="The response (预警处理).")
@at_option("Time of the response (default now).")
@common_options
def ack_cmd(
    state: State, case_id: str, obligation: str | None, by: str, note: str, at: str | None
) -> None:
    """Record a department's response to the warning of case CASE_ID (预警处理反馈); it stops
    repeats until the level rises.

    \b
    Example:
      monitor ack SX3307260004538066 --by 县市场监督管理局 --note "材料已补齐，今日办结"
    """
    from monitor.alerts.acks import add_ack

    with _database(state) as engine, engine.begin() as conn:
        ack_id = add_ack(conn, case_id, obligation, by, note, parse_at(at))
    click.echo(f"acknowledged {case_id} ({obligation or 'all obligations'}) as #{ack_id}")


@click.command("silence")
@click.option("--department", required=True, help="Department to mute (exact name).")
@click.option("--item", "item_code", default=None, help="Only this item code.")
@click.option(
    "--until",
    "until",
    required=True,
    metavar="DATE",
    help="Mute until this date or datetime (Asia/Shanghai).",
)
@click.option("--reason", required=True, help="Why (kept in the ledger).")
@click.option("--by", "by", default=None, help="Who mutes.")
@at_option("When the silence is set (default now).")
@common_options
def silence_cmd(
    state: State,
    department: str,
    item_code: str | None,
    until: str,
    reason: str,
    by: str | None,
    at: str | None,
) -> None:
    """Mute alerts for a department (or one of its items) until a date.

    \b
    Example:
      monitor silence --department 县气象局 --until 2025-10-20 --reason "系统迁移，线下办理"
    """
    from monitor.alerts.acks import add_silence

    end = parse_at(until, "--until")
    with _database(state) as engine, engine.begin() as conn:
        sid = add_silence(conn, department, item_code, end, reason, by, parse_at(at))
    click.echo(
        f"silenced {department}{' / ' + item_code if item_code else ''} until {end} as #{sid}"
    )


@click.command("warnings")
@click.option("--all", "include_resolved", is_flag=True, help="Include resolved warnings.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@common_options
def warnings_cmd(state: State, include_resolved: bool, fmt: str) -> None:
    """List open warnings with their level history, acknowledgements and silences.

    \b
    Examples:
      monitor warnings
      monitor warnings --all --format json
    """
    from monitor.alerts.acks import acks_in_force, active_silences
    from monitor.alerts.ledger import open_warnings, warning_history

    with _database(state) as engine, engine.connect() as conn:
        table = open_warnings(conn, include_resolved=include_resolved)
        history = warning_history(conn, table["id"].tolist()) if len(table) else None
        acks = acks_in_force(conn)
        silences = active_silences(conn, parse_at(None))
    if fmt == "csv":
        click.echo(table.to_csv(index=False), nl=False)
        return
    if fmt == "json":
        records = _with_history(table, history, acks)
        click.echo(json.dumps(records, ensure_ascii=False, indent=1, default=str))
        return
    click.echo(_warnings_text(table, acks, silences))


@click.group("outbox", invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Include sent messages.")
@common_options
def outbox_group(state: State, show_all: bool) -> None:
    """Messages waiting to be sent and dead letters.

    \b
    Examples:
      monitor outbox
      monitor outbox retry            # re-queue every dead message
      monitor outbox retry --id 12
    """
    ctx = click.get_current_context()
    if ctx.invoked_subcommand is None:
        ctx.invoke(outbox_list, show_all=show_all)


@outbox_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include sent messages.")
@common_options
def outbox_list(state: State, show_all: bool) -> None:
    """List queued and dead messages (with --all, sent ones too).

    \b
    Example:
      monitor outbox list --all
    """
    from monitor.notify.outbox import outbox_rows

    statuses = ("queued", "dead", "sent") if show_all else ("queued", "dead")
    with _database(state) as engine, engine.connect() as conn:
        rows = outbox_rows(conn, statuses)
    if rows.empty:
        click.echo("outbox is empty")
        return
    for r in rows.itertuples(index=False):
        err = f"  last error: {r.last_error}" if isinstance(r.last_error, str) else ""
        click.echo(
            f"#{r.id} {r.status:<6} attempts {r.attempts}  next {r.next_attempt_at}  "
            f"→ {r.recipients}  {r.subject}{err}"
        )


@outbox_group.command("retry")
@click.option("--id", "ids", type=int, multiple=True, help="Only these message ids.")
@common_options
def outbox_retry(state: State, ids: tuple[int, ...]) -> None:
    """Put dead messages back in the queue; the next alert run sends them.

    \b
    Example:
      monitor outbox retry --id 12 --id 13
    """
    from monitor.notify.outbox import retry

    with _database(state) as engine, engine.begin() as conn:
        n = retry(conn, parse_at(None), list(ids) or None)
    click.echo(f"re-queued {plural(n, 'message')}")


@click.command("status")
@at_option("Next fire times and calendar coverage as of this local time instead of now.")
@common_options
def status_cmd(state: State, at: str | None) -> None:
    """Database, outbox backlog and dead letters, last runs; for each job (scan, report,
    annual) its schedule, next run and last runs; the working-day calendar's coverage.

    \b
    Examples:
      monitor status
      monitor status --config /etc/banjian/config.toml
    """
    from monitor.cases.calendar import coverage_line
    from monitor.daemon.jobs import job_lines
    from monitor.db.runs import recent_runs
    from monitor.notify.outbox import outbox_rows

    settings = state.settings()
    now = parse_at(at)
    with _database(state) as engine, engine.connect() as conn:
        rows = outbox_rows(conn, ("queued", "dead"))
        runs = recent_runs(conn, 5)
        jobs = job_lines(settings, conn, now)
    click.echo(f"database   {settings.database_url(hide_password=True)}")
    queued = int((rows["status"] == "queued").sum()) if len(rows) else 0
    dead = int((rows["status"] == "dead").sum()) if len(rows) else 0
    click.echo(
        f"outbox     {queued} queued, {dead} dead"
        + ("  (monitor outbox retry re-queues dead letters)" if dead else "")
    )
    for r in runs.itertuples(index=False):
        click.echo(f"run #{r.id} {r.job:<7} at {r.at}  {r.status:<8} {r.counts or ''}")
    for line in jobs:
        click.echo(line)
    click.echo(coverage_line(settings, now.date()))


@click.group("db")
def db_group() -> None:
    """The monitor's own database (schema migrations).

    \b
    Example:
      monitor db upgrade
    """


@db_group.command("upgrade")
@common_options
def db_upgrade(state: State) -> None:
    """Apply schema migrations (also done automatically at every start).

    \b
    Example:
      monitor db upgrade --config /etc/banjian/config.toml
    """
    from monitor.db.engine import current_revision

    with _database(state) as engine:
        click.echo(f"database at revision {current_revision(engine)}")


def _with_history(
    table: pd.DataFrame, history: pd.DataFrame | None, acks: pd.DataFrame
) -> list[dict]:
    """The warnings as records, each with its ``history`` and the ``ack`` in force (or None)."""
    records = table.to_dict(orient="records")
    in_force = {(a["case_id"], a["obligation"]): a for a in acks.to_dict(orient="records")}
    for rec in records:
        rec["ack"] = in_force.get((rec["case_id"], rec["obligation"]))
    if history is None:
        return records
    by_id = {
        k: g.drop(columns="warning_id").to_dict(orient="records")
        for k, g in history.groupby("warning_id")
    }
    for rec in records:
        rec["history"] = by_id.get(rec["id"], [])
    return records


def _warnings_text(table: pd.DataFrame, acks: pd.DataFrame, silences: pd.DataFrame) -> str:
    if table.empty:
        return "no open warnings"
    lines = [f"{len(table):,} warnings"]
    for r in table.itertuples(index=False):
        state = (
            "resolved " + str(r.resolution) if isinstance(r.resolved_at, dt.datetime) else r.level
        )
        lines.append(
            f"  {r.case_id} {r.obligation:<10} {r.department}  deadline {r.deadline}  "
            f"{state}  since {r.level_since}  notified {r.last_notified_at or '-'}"
        )
    if len(acks):
        lines.append(f"{len(acks)} acknowledgements in force")
    for s in silences.itertuples(index=False):
        lines.append(f"silenced: {s.department} {s.item_code or ''} until {s.until} ({s.reason})")
    return "\n".join(lines)


#: The commands of this module, registered on the group by :mod:`monitor.cli`.
COMMANDS = (alert_cmd, ack_cmd, silence_cmd, warnings_cmd, outbox_group, status_cmd, db_group)
