"""Warnings raised in a period, from the warning ledger (the report's 预警/超期/督办 counts).

Without a ledger (the monitor has never run against this database) there is nothing to
count: the report then derives the counts from the evaluation instead.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from monitor.db.tables import LEVEL_RANK, warning_events, warnings

__all__ = ["raised_in_period"]

_LEVELS = ("warning", "overdue", "escalated")


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
