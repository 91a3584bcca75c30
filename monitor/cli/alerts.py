"""Commands of the warning ledger: ``alert``, ``ack``, ``silence``, ``warnings``. Registered
on the group by :mod:`monitor.cli`."""

from __future__ import annotations

import datetime as dt
import json
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
from monitor.errors import InputError, NothingSent
from monitor.mask import mask
from monitor.text import plural

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from monitor.config import Settings

__all__ = ["COMMANDS"]


@click.command("alert")
@input_option
@at_option("Run as of this local (Asia/Shanghai) time instead of now.")
@click.option("--dry-run", is_flag=True, help="Change nothing; print what would be sent.")
@common_options
def alert_cmd(
    state: State, input_path: str | None, sheet: str | None, at: str | None, dry_run: bool
) -> None:
    """Evaluate, update the warning ledger, queue and send alert mail.

    One email per recipient list, listing its cases most urgent first. Prints the counts:
    new, raised, repeated, suppressed, replaced (held digests replaced by a fresher one),
    unrouted (no recipient), resolved, queued, sent, failed, dead, held
    (outside the send window). --at stands for "now" in everything the run does. It holds
    the scan job's lock, as the daemon's scan does: while either runs, the other exits 4.

    \b
    Examples:
      monitor alert
      monitor alert --dry-run
      monitor alert --at 2025-10-09T09:00
    """
    from monitor.alerts.run import run_alert
    from monitor.daemon.lock import job_lock

    settings = state.settings()
    now = parse_at(at)
    with job_lock(settings, "scan"):
        result = run_alert(settings, now, input_path=input_path, sheet=sheet, dry_run=dry_run)
    for recipients, subject, n in result.messages:
        prefix = "would send" if dry_run else "queued"
        click.echo(f"{prefix}: {subject}  → {', '.join(recipients)} ({plural(n, 'case')})")
    click.echo(("dry run, nothing changed: " if dry_run else "") + result.line())
    delivered = result.delivered
    if delivered is not None and delivered.nothing_sent:
        n = delivered.failed
        waiting = "1 message stays" if n == 1 else f"{n:,} messages stay"
        raise NothingSent(
            f"nothing could be sent: {delivered.stopped_by}; {waiting} queued for the next run "
            "(monitor outbox)"
        )


@click.command("ack")
@click.argument("case_id")
@click.option(
    "--obligation",
    type=click.Choice(["acceptance", "completion"]),
    default=None,
    help="Only this obligation (default: both, or the one a warning reference names).",
)
@click.option("--by", "by", required=True, help="Who responds (name or department).")
@click.option("--note", required=True, help="The response (预警处理).")
@at_option("Time of the response (default now).")
@common_options
def ack_cmd(
    state: State, case_id: str, obligation: str | None, by: str, note: str, at: str | None
) -> None:
    """Record a department's response to the warning of CASE_ID (预警处理反馈); it stops
    repeats until the level rises.

    CASE_ID is a case id (办件编号) or the warning's reference printed in the alert mail
    (W12), which names one obligation of one case without repeating personal data.

    \b
    Examples:
      monitor ack SX3307260004538066 --by 县市场监督管理局 --note "材料已补齐，今日办结"
      monitor ack W12 --by 县公安局 --note "已办结"
    """
    from monitor.alerts.acks import add_ack
    from monitor.alerts.ledger import find_case

    with state.database() as engine, engine.begin() as conn:
        case, named = find_case(conn, case_id)
        ack_id = add_ack(conn, case, obligation or named, by, note, parse_at(at))
    shown = case_id if case == case_id else f"{case_id} ({mask(case)})"
    click.echo(f"acknowledged {shown} ({obligation or named or 'all obligations'}) as #{ack_id}")


@click.command("silence")
@click.option("--department", default=None, help="Department to mute (exact name).")
@click.option("--item", "item_code", default=None, help="Only this item code.")
@click.option(
    "--until",
    "until",
    default=None,
    metavar="DATE",
    help="Mute until this date (to the end of that day) or datetime, Asia/Shanghai.",
)
@click.option("--reason", default=None, help="Why (kept in the ledger).")
@click.option("--by", "by", default=None, help="Who mutes (or lifts).")
@click.option(
    "--lift", "lift", type=int, default=None, metavar="ID", help="End silence ID now instead."
)
@click.option("--force", is_flag=True, help="Mute a department no case and no route names (yet).")
@at_option("When the silence is set or lifted (default now).")
@common_options
def silence_cmd(
    state: State,
    department: str | None,
    item_code: str | None,
    until: str | None,
    reason: str | None,
    by: str | None,
    lift: int | None,
    force: bool,
    at: str | None,
) -> None:
    """Mute alerts for a department (or one of its items) until a date; or lift a silence.

    A date alone mutes to the end of that day. A department that appears in no warning, no
    route and no [rules.departments] is refused as a likely typo, unless --force.

    \b
    Examples:
      monitor silence --department 县气象局 --until 2025-10-20 --reason "系统迁移，线下办理"
      monitor silence --lift 3 --by 值班员
    """
    from monitor.alerts.acks import add_silence, lift_silence

    now = parse_at(at)
    if lift is not None:
        with state.database() as engine, engine.begin() as conn:
            lifted = lift_silence(conn, lift, by, now)
        click.echo(f"lifted silence #{lift} of {lifted} at {now:%Y-%m-%d %H:%M}")
        return
    missing = [o for o, v in (("--department", department), ("--until", until)) if not v]
    missing += ["--reason"] if not reason else []
    if missing:
        raise click.UsageError(f"silence needs {', '.join(missing)} (or --lift ID)")
    assert department and until and reason
    end = _until(until)
    settings = state.settings()
    with state.database() as engine, engine.begin() as conn:
        _check_department(conn, settings, department, force)
        sid = add_silence(conn, department, item_code, end, reason, by, now)
    what = f"{department}{' / ' + item_code if item_code else ''}"
    click.echo(f"silenced {what} until {end:%Y-%m-%d %H:%M} as #{sid}")


def _until(text: str) -> dt.datetime:
    """``--until``: a date alone is the end of that day."""
    moment = parse_at(text, "--until")
    if len(text.strip()) == 10:  # YYYY-MM-DD
        return dt.datetime.combine(moment.date(), dt.time.max)
    return moment


def _check_department(conn: Connection, settings: Settings, name: str, force: bool) -> None:
    """Refuse (or, with ``force``, warn about) a department the monitor has never seen."""
    import difflib
    from fnmatch import fnmatchcase

    from monitor.alerts.ledger import known_departments

    known = set(known_departments(conn)) | set(settings.rules.departments)
    routes = [r.department for r in settings.alerts.routes if r.department]
    if name in known or any(fnmatchcase(name, p) for p in routes):
        return
    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    message = f"department {name!r} appears in no warning, no route and no [rules.departments]"
    if not force:
        raise InputError(f"{message}{hint} (give --force to mute it anyway)")
    click.echo(f"warning: {message}; muted anyway (--force)", err=True)


@click.command("warnings")
@click.option("--all", "include_resolved", is_flag=True, help="Include resolved warnings.")
@click.option(
    "--case",
    "case_key",
    default=None,
    metavar="CASE_ID",
    help="One case's whole history (a case id or a warning reference such as W12).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@at_option("Acknowledgements and silences in force at this local time (default now).")
@unmasked_option
@common_options
def warnings_cmd(
    state: State,
    include_resolved: bool,
    case_key: str | None,
    fmt: str,
    at: str | None,
    unmasked: bool,
) -> None:
    """List open warnings: reference, level, deadline day, last send, the acknowledgement
    and the silence in force; then the silences in force.

    Identity-card and phone numbers are masked unless --unmasked; CSV never holds a
    spreadsheet formula.

    \b
    Examples:
      monitor warnings
      monitor warnings --all --format json
      monitor warnings --case W12
    """
    from monitor.alerts import history as case_history
    from monitor.alerts import listing

    now = parse_at(at)
    settings = state.settings()
    if unmasked:
        audit_unmasked(settings, f"warnings --format {fmt}")
    with state.database() as engine, engine.connect() as conn:
        if case_key is not None:
            found = case_history.case_history(conn, case_key, now)
        else:
            view = listing.ledger_view(conn, now, include_resolved=include_resolved)
    if case_key is not None:
        if fmt == "json":
            data = case_history.to_json(found, masked=not unmasked)
            click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        else:
            click.echo(case_history.to_text(found, masked=not unmasked))
    elif fmt == "json":
        data = listing.to_json(view, masked=not unmasked)
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
    elif fmt == "csv":
        click.echo(listing.to_csv(view, masked=not unmasked), nl=False)
    else:
        click.echo(listing.to_table(view, masked=not unmasked))


#: The commands of this module, registered on the group by :mod:`monitor.cli`.
COMMANDS = (alert_cmd, ack_cmd, silence_cmd, warnings_cmd)
