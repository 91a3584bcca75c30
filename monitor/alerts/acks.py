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

__all__ = ["acks_in_force", "active_silences", "add_ack", "add_silence"]

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


def acks_in_force(conn: sa.Connection) -> pd.DataFrame:
    """The latest ack of each open warning: case_id, obligation, level, by, note, at.

    An ack without an obligation counts for every open warning of its case; among the acks
    that cover a warning the latest (by time, then id) wins. Acks of warnings that are no
    longer open are left out.
    """
    a = acks.c
    covers = sa.and_(
        _W.case_id == a.case_id,
        _W.resolved_at.is_(None),
        sa.or_(a.obligation.is_(None), a.obligation == _W.obligation),
    )
    stmt = sa.select(a.id, a.case_id, _W.obligation, a.level, a.by, a.note, a.at).join(
        warnings, covers
    )
    rows = typed(frame(conn, stmt))
    rows = rows.sort_values(["at", "id"], kind="stable")
    rows = rows.drop_duplicates(["case_id", "obligation"], keep="last")
    return rows.drop(columns="id").sort_values(["case_id", "obligation"]).reset_index(drop=True)


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


def active_silences(conn: sa.Connection, now: dt.datetime) -> pd.DataFrame:
    """Silences still running at ``now``: id, department, item_code, until, reason, by,
    created_at (``item_code`` missing: the whole department)."""
    stmt = sa.select(silences).where(silences.c.until > naive(now)).order_by(silences.c.id)
    return typed(frame(conn, stmt))
