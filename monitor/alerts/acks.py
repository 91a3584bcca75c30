"""Acknowledgements (a person has seen a case's warning) and silences (a department or item
muted until a time).

An acknowledgement stores the level it acknowledged: :mod:`monitor.alerts.choose` sends the
case again only when its level rises above that. A silence mutes a whole department, or one
item of it, until a time. The caller owns the connection and its transaction; times are naive
Asia/Shanghai datetimes.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from monitor.alerts.ledger import open_levels
from monitor.clock import naive
from monitor.db.frames import frame, typed
from monitor.db.tables import LEVEL_RANK, acks, silences, warnings
from monitor.errors import InputError

__all__ = [
    "acks_in_force",
    "acks_of",
    "active_silences",
    "add_ack",
    "add_silence",
    "lift_silence",
    "silences_of",
]

_W = warnings.c


def add_ack(
    conn: sa.Connection,
    case_id: str,
    obligation: str | None,
    by: str,
    note: str,
    at: dt.datetime,
) -> int:
    """Acknowledge the open warning(s) of ``case_id``; returns the ack's id.

    ``obligation`` None acknowledges both obligations; the level stored is the highest open
    one. A case without an open warning (of that obligation) is an :class:`InputError`.
    """
    levels = open_levels(conn, case_id, obligation)
    if not levels:
        which = f" ({obligation})" if obligation else ""
        raise InputError(f"case {case_id}{which} has no open warning to acknowledge")
    level = max(levels, key=lambda v: LEVEL_RANK.get(v, 0))
    result = conn.execute(
        acks.insert().values(
            case_id=case_id, obligation=obligation, level=level, by=by, note=note, at=naive(at)
        )
    )
    return int(result.inserted_primary_key[0])


def acks_in_force(conn: sa.Connection, now: dt.datetime | None = None) -> pd.DataFrame:
    """The acknowledgement in force of each open warning: case_id, obligation, level, by,
    note, at.

    An ack without an obligation counts for every open warning of its case; among the acks
    that cover a warning (made by ``now``, when given) the latest (by time, then id) wins.
    It is in force while the warning's level has not risen above the level it acknowledged:
    once it has, the ack has lapsed and the warning goes out again. Acks of warnings that
    are no longer open are left out.
    """
    a = acks.c
    covers = sa.and_(
        _W.case_id == a.case_id,
        _W.resolved_at.is_(None),
        sa.or_(a.obligation.is_(None), a.obligation == _W.obligation),
    )
    stmt = sa.select(
        a.id, a.case_id, _W.obligation, a.level, a.by, a.note, a.at, _W.level.label("current")
    ).join(warnings, covers)
    if now is not None:
        stmt = stmt.where(a.at <= naive(now))
    rows = typed(frame(conn, stmt))
    rows = rows.sort_values(["at", "id"], kind="stable")
    rows = rows.drop_duplicates(["case_id", "obligation"], keep="last")
    rank = {None: 0, **LEVEL_RANK}
    lapsed = rows["current"].map(rank).fillna(0) > rows["level"].map(rank).fillna(0)
    rows = rows[~lapsed.to_numpy(dtype=bool)].drop(columns=["id", "current"])
    return rows.sort_values(["case_id", "obligation"]).reset_index(drop=True)


def add_silence(
    conn: sa.Connection,
    department: str,
    item_code: str | None,
    until: dt.datetime,
    reason: str,
    by: str | None,
    now: dt.datetime,
) -> int:
    """Mute ``department`` (or one item of it) until ``until``; returns the silence's id.

    ``until`` must be after ``now`` (:class:`InputError` otherwise).
    """
    until, now = naive(until), naive(now)
    if until <= now:
        raise InputError(
            f"a silence of {department}{' / ' + item_code if item_code else ''} must end "
            f"after now ({now:%Y-%m-%d %H:%M}), found until {until:%Y-%m-%d %H:%M}"
        )
    result = conn.execute(
        silences.insert().values(
            department=department,
            item_code=item_code,
            until=until,
            reason=reason,
            by=by,
            created_at=now,
        )
    )
    return int(result.inserted_primary_key[0])


def lift_silence(conn: sa.Connection, silence_id: int, by: str | None, now: dt.datetime) -> str:
    """End silence ``silence_id`` at ``now`` (its reason records who lifted it and when);
    returns what it muted. :class:`InputError` when there is no such silence in force."""
    now = naive(now)
    row = conn.execute(sa.select(silences).where(silences.c.id == silence_id)).mappings().first()
    if row is None:
        raise InputError(f"there is no silence #{silence_id} (monitor warnings lists them)")
    if row["until"] <= now:
        raise InputError(f"silence #{silence_id} already ended at {row['until']:%Y-%m-%d %H:%M}")
    note = f"{row['reason']} [lifted at {now:%Y-%m-%d %H:%M} by {by or 'unknown'}]"
    conn.execute(
        silences.update().where(silences.c.id == silence_id).values(until=now, reason=note)
    )
    return f"{row['department']}{' / ' + row['item_code'] if row['item_code'] else ''}"


def acks_of(conn: sa.Connection, case_id: str) -> pd.DataFrame:
    """Every acknowledgement of ``case_id``, oldest first: id, case_id, obligation, level,
    by, note, at."""
    stmt = sa.select(acks).where(acks.c.case_id == case_id).order_by(acks.c.at, acks.c.id)
    return typed(frame(conn, stmt))


def silences_of(conn: sa.Connection, departments: list[str]) -> pd.DataFrame:
    """Every silence (past, in force or to come) of ``departments``, by id."""
    stmt = sa.select(silences).where(silences.c.department.in_(departments))
    return typed(frame(conn, stmt.order_by(silences.c.id)))


def active_silences(conn: sa.Connection, now: dt.datetime) -> pd.DataFrame:
    """Silences still running at ``now``: id, department, item_code, until, reason, by,
    created_at (``item_code`` missing: the whole department)."""
    stmt = sa.select(silences).where(silences.c.until > naive(now)).order_by(silences.c.id)
    return typed(frame(conn, stmt))
