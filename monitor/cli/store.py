"""The ``store`` commands: the case store's state, a full rebuild, a verification. Registered
on the group by :mod:`monitor.cli`."""

from __future__ import annotations

import sys

import click

from monitor.cli.app import State, at_option, common_options, parse_at
from monitor.config import Settings
from monitor.errors import ConfigError

__all__ = ["COMMANDS"]


@click.group("store")
def store_group() -> None:
    """The case store ([store]): status, rebuild from the whole source, verify.

    \b
    Examples:
      monitor store status
      monitor store rebuild
      monitor store verify
    """


@store_group.command("status")
@common_options
def store_status(state: State) -> None:
    """The generation in use: when and how it was made, what the last run read and wrote.

    \b
    Example:
      monitor store status --config /etc/banjian/config.toml
    """
    from monitor.store.state import read_state
    from monitor.store.update import SCHEMA_VERSION, store_folder

    settings = state.settings()
    folder = store_folder(settings)
    current = folder.current()
    click.echo(f"store        {folder.root}" + ("" if settings.store.enabled else "  (disabled)"))
    if current is None:
        click.echo("generation   none yet (the next run, or monitor store rebuild, makes one)")
        return
    with state.database() as engine:
        row = read_state(engine, current.number)
    if row is None:
        click.echo(f"generation   {current.number}, not recorded in the database (rebuild it)")
        return
    size = current.size()
    click.echo(
        f"generation   {row.generation} ({row.kind}) at {row.at:%Y-%m-%d %H:%M}, "
        f"made {row.created_at:%Y-%m-%d %H:%M:%S}"
    )
    click.echo(
        f"cases        {row.cases:,} ({row.open_cases:,} open), {len(row.files)} files, "
        f"{size / 1e6:.1f} MB"
    )
    click.echo(
        f"last run     read {row.rows_read:,} rows, {row.changed:,} new or changed, "
        f"evaluated {row.evaluated:,}"
    )
    click.echo(f"watermark    {row.watermark or '— (the source is read whole)'}")
    years = ", ".join(sorted(row.years))
    click.echo(f"fingerprint  {row.fingerprint[:16]} (calendar {years}; rules {row.rules})")
    layout = "" if row.schema_version == SCHEMA_VERSION else f"; this release's is {SCHEMA_VERSION}"
    click.echo(f"layout       version {row.schema_version}{layout}")


@store_group.command("rebuild")
@at_option("Evaluate as of this local time instead of now.")
@common_options
def store_rebuild(state: State, at: str | None) -> None:
    """Read the whole source and evaluate every case again into a new generation: cases
    that left the source leave the store. The scheduled job does it weekly ([schedule]
    rebuild).

    \b
    Example:
      monitor store rebuild
    """
    from monitor.store.update import update_store

    settings = _enabled(state)
    with state.database() as engine:
        run = update_store(settings, engine, parse_at(at), rebuild=True)
    s = run.state
    click.echo(
        f"generation {s.generation}: {s.cases:,} cases ({s.open_cases:,} open) from "
        f"{s.rows_read:,} rows; {run.vanished:,} left the source"
    )


@store_group.command("verify")
@common_options
def store_verify(state: State) -> None:
    """Compare the store with a fresh evaluation of the whole source at the moment of its
    last run: exit 0 when they agree, 1 with the differences when not.

    \b
    Example:
      monitor store verify
    """
    from monitor.store.verify import verify_store

    settings = _enabled(state)
    with state.database() as engine:
        result = verify_store(settings, engine)
    for line in result.differences:
        click.echo(line)
    if result.more:
        click.echo(f"… and {result.more:,} more differences")
    if not result.ok:
        click.echo("the store differs from the source: monitor store rebuild", err=True)
        sys.exit(1)
    click.echo(
        f"the store agrees with the source: {result.cases:,} cases, "
        f"{result.obligations:,} obligations"
    )


def _enabled(state: State) -> Settings:
    """The settings, when the store is enabled; a ConfigError otherwise."""
    settings = state.settings()
    if not settings.store.enabled:
        raise ConfigError("[store] enabled", ["is false: set enabled = true to keep a store"])
    return settings


COMMANDS = (store_group,)
