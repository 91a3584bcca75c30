"""Warnings raised in a period, from the warning ledger (for the report's 预警/超期/督办 counts).

Without a ledger (the monitor has never run its alert job against this database) there is
nothing to count: the report then derives the counts from the evaluation instead.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from monitor.config import Settings
from monitor.db.tables import LEVEL_RANK, runs, warning_events, warnings

__all__ = ["raised_in_period"]

_LEVELS = ("warning", "overdue", "escalated")


def raised_in_period(settings: Settings, start: dt.date, end: dt.date) -> pd.DataFrame | None:
    """``department, level, count``: the warnings raised to each level in [``start``,
    ``end``), each counted once per level, or None when there is no ledger with at least one
    run. Raised means first seen, re-opened or risen to the level; a lowered level (escalated
    back to overdue after a corrected deadline) was not raised."""
    engine = _engine(settings.database_url())
    if engine is None:
        return None
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
    try:
        with engine.connect() as conn:
            rows = conn.execute(stmt).all()
    finally:
        engine.dispose()
    return pd.DataFrame([tuple(r) for r in rows], columns=["department", "level", "count"])


def _engine(url: str) -> sa.Engine | None:
    """An engine on an existing ledger, or None (never creates a database file)."""
    parsed = make_url(url)
    sqlite = parsed.drivername.startswith("sqlite")
    if sqlite and (not parsed.database or not Path(parsed.database).is_file()):
        return None
    engine = sa.create_engine(url, pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            ready = sa.inspect(conn).has_table("runs") and bool(
                conn.execute(sa.select(sa.func.count()).select_from(runs)).scalar()
            )
    except sa.exc.DBAPIError:
        ready = False
    if not ready:
        engine.dispose()
        return None
    return engine
