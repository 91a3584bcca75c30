"""Acknowledgements (a person has seen a case's warning) and silences (a department or item
muted until a time), plus the small helpers the ledger shares.

An acknowledgement stores the level it acknowledged: the alerts module sends the case again
only when its level rises above that. A silence mutes a whole department, or one item of it,
until a time. Both are re-exported by :mod:`monitor.alerts.ledger`; the same rules apply (the caller
owns the connection and its transaction; naive Asia/Shanghai times).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa

from monitor.db.tables import LEVEL_RANK, acks, silences, warnings
from monitor.errors import InputError

__all__ = [
    "acks_in_force",
    "active_silences",
    "add_ack",
    "add_silence",
    "chunks",
    "frame",
    "naive",
    "plain",
    "typed",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Values per ``IN (…)`` list: well under every backend's limit on bound parameters.
CHUNK = 500
_T = TypeVar("_T")
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
    stmt = sa.select(_W.level).where(_W.case_id == case_id, _W.resolved_at.is_(None))
    if obligation is not None:
        stmt = stmt.where(_W.obligation == obligation)
    levels = conn.execute(stmt).scalars().all()
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


# -- helpers shared with monitor.alerts.ledger -----------------------------------------------


def frame(conn: sa.Connection, stmt: sa.Executable) -> pd.DataFrame:
    """The result of ``stmt`` as a DataFrame (the statement's columns even for no rows)."""
    result = conn.execute(stmt)
    columns = list(result.keys())
    return pd.DataFrame.from_records(list(map(tuple, result.fetchall())), columns=columns)


def chunks(values: Sequence[_T], size: int = CHUNK) -> Iterator[list[_T]]:
    """``values`` in lists of at most ``size`` (for ``IN (…)``)."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def naive(moment: Any) -> dt.datetime:
    """``moment`` as a naive Asia/Shanghai datetime (aware ones converted; pandas too)."""
    if isinstance(moment, pd.Timestamp):
        moment = moment.to_pydatetime()
    if moment.tzinfo is not None:
        moment = moment.astimezone(SHANGHAI).replace(tzinfo=None)
    return moment


def plain(values: pd.Series) -> pd.Series:
    """Text values as Python ``str`` (from str, object or categorical columns), None where
    missing."""
    out = values.astype(object)
    known = out.notna()
    out = out.where(known, None)
    if known.any():
        out[known] = out[known].map(str)
    return out


_INTS = {"id": "int64", "warning_id": "int64", "late_workdays": "int64"}
_NULLABLE_INTS = {"run_id": "Int64", "remaining_workdays": "Int64"}
_TIMES = {"at", "until", "level_since"}


def typed(rows: pd.DataFrame) -> pd.DataFrame:
    """The same dtypes whatever the backend returned, and for no rows: ids and counts int64
    (Int64 where missing is allowed), ``deadline`` datetime64[s], times datetime64[us], text
    object with None where missing."""
    rows = rows.copy()
    for col in rows.columns:
        if col in _INTS:
            rows[col] = rows[col].astype(_INTS[col])
        elif col in _NULLABLE_INTS:
            rows[col] = pd.to_numeric(rows[col]).astype(_NULLABLE_INTS[col])
        elif col == "deadline":
            rows[col] = pd.to_datetime(rows[col]).astype("datetime64[s]")
        elif col in _TIMES or col.endswith("_at"):
            rows[col] = pd.to_datetime(rows[col]).astype("datetime64[us]")
        else:
            values = rows[col].astype(object)
            rows[col] = values.where(values.notna(), None)
    return rows
