"""Commands on the monitor's own state: ``outbox`` (messages waiting, dead letters),
``status`` (database, runs, schedule, calendar coverage) and ``db`` (migrations). Registered
on the group by :mod:`monitor.cli`."""

from __future__ import annotations

import click
from sqlalchemy import Engine

from monitor.cli.app import State, at_option, common_options, parse_at
from monitor.config import Settings
from monitor.text import plural

__all__ = ["COMMANDS"]


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
    with state.database() as engine, engine.connect() as conn:
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
    from monitor.daemon.lock import job_lock
    from monitor.notify.outbox import retry

    with job_lock(state.settings(), "scan"), state.database() as engine, engine.begin() as conn:
        n = retry(conn, parse_at(None), list(ids) or None)
    click.echo(f"re-queued {plural(n, 'message')}")


@click.command("status")
@at_option("Next fire times and calendar coverage as of this local time instead of now.")
@common_options
def status_cmd(state: State, at: str | None) -> None:
    """Database, outbox backlog and dead letters; for each job (scan, report, annual) its
    schedule, next run and last runs, then the last `monitor alert` runs; the working-day
    calendar's coverage.

    \b
    Examples:
      monitor status
      monitor status --config /etc/banjian/config.toml
    """
    from monitor.cases.calendar import coverage_line
    from monitor.daemon.jobs import job_lines
    from monitor.notify.outbox import outbox_rows

    settings = state.settings()
    now = parse_at(at)
    with state.database() as engine:
        with engine.connect() as conn:
            rows = outbox_rows(conn, ("queued", "dead"))
            jobs = job_lines(settings, conn, now)
        store = _store_line(settings, engine) if settings.store.enabled else None
    from monitor.versions import installed_versions

    v = installed_versions()
    click.echo(
        f"versions   monitor {v['monitor']}, holidays {v['holidays']} (official schedules "
        f"through {v['schedules_through']}), Python {v['python']}"
    )
    click.echo(f"database   {settings.database_url(hide_password=True)}")
    queued = int((rows["status"] == "queued").sum()) if len(rows) else 0
    dead = int((rows["status"] == "dead").sum()) if len(rows) else 0
    click.echo(
        f"outbox     {queued} queued, {dead} dead"
        + ("  (monitor outbox retry re-queues dead letters)" if dead else "")
    )
    if store:
        click.echo(store)
    for line in jobs:
        click.echo(line)
    click.echo(coverage_line(settings, now.date()))


def _store_line(settings: Settings, engine: Engine) -> str:
    """``monitor status``'s line on the case store: its generation and the last run's reads
    (each scan run's own are in its counts, under "store")."""
    from monitor.store.state import read_state
    from monitor.store.update import store_folder

    current = store_folder(settings).current()
    row = read_state(engine, current.number) if current is not None else None
    if row is None:
        return "store      no generation yet (the next scan makes one)"
    return (
        f"store      generation {row.generation} ({row.kind}) at {row.at:%Y-%m-%d %H:%M}: "
        f"{row.cases:,} cases, {row.open_cases:,} open; its run read {row.rows_read:,} rows, "
        f"{row.changed:,} new or changed, evaluated {row.evaluated:,}"
    )


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

    with state.database() as engine:
        click.echo(f"database at revision {current_revision(engine)}")


@db_group.command("downgrade")
@click.argument("revision")
@common_options
def db_downgrade(state: State, revision: str) -> None:
    """Take the schema back to REVISION, to roll back to the release whose head it is.

    REVISION is that release's schema head (docs/operations.md, "Roll back"). Run it with
    the newer release still installed (it knows how to undo its migrations), the daemon
    stopped; then install the older release before any monitor command runs again (a newer
    one would migrate the database forward at once). Warnings, acknowledgements and the
    outbox are kept; what only the newer schema held is dropped.

    
    Example:
      monitor db downgrade 0008 --config /etc/banjian/config.toml
    """
    from monitor.daemon.lock import job_lock
    from monitor.db.engine import downgrade, engine_for

    settings = state.settings()
    engine = engine_for(settings)
    try:
        with job_lock(settings, "scan"):
            before = downgrade(engine, revision)
    finally:
        engine.dispose()
    click.echo(
        f"database at revision {revision} (was {before}); now install the release whose "
        "schema head it is, before any monitor command runs"
    )


#: The commands of this module, registered on the group by :mod:`monitor.cli`.
COMMANDS = (outbox_group, status_cmd, db_group)
