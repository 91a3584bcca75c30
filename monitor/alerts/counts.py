"""What the warning ledger says of a period, for the report: the warnings raised in it (the
预警/超期/督办 counts), and the rows behind the answer loop's figures (预警处理反馈, read by
:func:`rules.loop.loop_counts`): when each warning first seen was first answered, and whether
the warnings that became late were explained.

Without a ledger (the monitor has never run against this database) there is nothing to
count: the report then derives the counts from the evaluation instead, and the answer loop's
figures are unknown. One query per function, whatever the size of the ledger.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from monitor.clock import naive
from monitor.db.frames import frame, typed
from monitor.db.tables import LEVEL_RANK, acks, answers, warning_events, warnings

__all__ = ["explanations_in_period", "raised_in_period", "responses_in_period"]

_LEVELS = ("warning", "overdue", "escalated")
#: The levels of a late warning (超期件): overdue and escalated.
_LATE = ("overdue", "escalated")


def raised_in_period(conn: sa.Connection, start: dt.date, end: dt.date) -> pd.DataFrame:
    """``department, level, count``: the warnings raised to each level in [``start``,
    ``end``), each counted once per level. Raised means first seen, re-opened or risen to
    the level; a lowered level (escalated back to overdue after a corrected deadline) was
    not raised."""
    e, w = warning_events.c, warnings.c
    to_rank = sa.case(LEVEL_RANK, value=e.to_level, else_=0)
    from_rank = sa.case(LEVEL_RANK, value=e.from_level, else_=0)  # NULL, "resolved": 0
    stmt = (
        sa.select(w.department, e.to_level, sa.func.count(sa.distinct(e.warning_id)).label("count"))
        .select_from(warning_events.join(warnings, e.warning_id == w.id))
        .where(
            e.at >= dt.datetime.combine(start, dt.time()),
            e.at < dt.datetime.combine(end, dt.time()),
            e.to_level.in_(_LEVELS),
            to_rank > from_rank,
        )
        .group_by(w.department, e.to_level)
    )
    rows = conn.execute(stmt).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["department", "level", "count"])


def responses_in_period(
    conn: sa.Connection, start: dt.date, end: dt.date, until: dt.datetime
) -> pd.DataFrame:
    """``warning_id, department, first_seen_at, responded_at``: every warning first seen in
    [``start``, ``end``) that was sent out (``last_notified_at`` set), with its first
    response — the earliest acknowledgement of its case at or after ``first_seen_at`` and at
    or before ``until`` (the report's now) whose obligation is the warning's or NULL (both);
    a department's answer makes one, so does ``monitor ack`` — NaT when there is none."""
    w, a = warnings.c, acks.c
    first_response = (
        sa.select(sa.func.min(a.at))
        .where(
            a.case_id == w.case_id,
            sa.or_(a.obligation.is_(None), a.obligation == w.obligation),
            a.at >= w.first_seen_at,
            a.at <= naive(until),
        )
        .scalar_subquery()
    )
    stmt = sa.select(
        w.id.label("warning_id"),
        w.department,
        w.first_seen_at,
        first_response.label("responded_at"),
    ).where(
        w.first_seen_at >= dt.datetime.combine(start, dt.time()),
        w.first_seen_at < dt.datetime.combine(end, dt.time()),
        w.last_notified_at.is_not(None),
    )
    return typed(frame(conn, stmt.order_by(w.id)))


def explanations_in_period(
    conn: sa.Connection, start: dt.date, end: dt.date, until: dt.datetime
) -> pd.DataFrame:
    """``warning_id, department, explained, accepted``: every warning that reached overdue
    or escalated in [``start``, ``end``) (a ledger event to that level in it; once each),
    whether an answer to it made by ``until`` gives the reason it is late (超期原因), and
    whether such an answer was accepted by the office by ``until``."""
    w, e, an = warnings.c, warning_events.c, answers.c
    until = naive(until)
    reached = (
        sa.select(e.id)
        .where(
            e.warning_id == w.id,
            e.to_level.in_(_LATE),
            e.at >= dt.datetime.combine(start, dt.time()),
            e.at < dt.datetime.combine(end, dt.time()),
        )
        .exists()
    )
    reason = sa.and_(
        an.warning_id == w.id, an.late_reason.is_not(None), an.late_reason != "", an.at <= until
    )
    accepted = sa.and_(
        reason, an.status == "accepted", sa.func.coalesce(an.reviewed_at, an.at) <= until
    )
    stmt = sa.select(
        w.id.label("warning_id"),
        w.department,
        sa.case((sa.select(an.id).where(reason).exists(), 1), else_=0).label("explained"),
        sa.case((sa.select(an.id).where(accepted).exists(), 1), else_=0).label("accepted"),
    ).where(reached)
    rows = typed(frame(conn, stmt.order_by(w.id)))
    return rows.astype({"explained": bool, "accepted": bool})
