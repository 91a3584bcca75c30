"""Deadlines a calendar change moved (截止日调整), kept in the monitor's database until the alert
run tells their departments: a change found by any run that updates the store (``monitor
scan`` included) waits there, and is told once."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import sqlalchemy as sa

from monitor.db.tables import deadline_moves

__all__ = ["mark_told", "pending_moves", "record_moves", "why_text"]


def record_moves(conn: sa.Connection, moved: pd.DataFrame, reason: dict, at: dt.datetime) -> int:
    """Record the moves not recorded yet (the same move found again by a run that redid
    an interrupted one is not a second notice); returns how many were new."""
    if moved.empty:
        return 0
    c = deadline_moves.c
    known = {
        (r.case_id, r.obligation, r.old_deadline, r.new_deadline)
        for r in conn.execute(
            sa.select(c.case_id, c.obligation, c.old_deadline, c.new_deadline).where(
                c.case_id.in_(moved["case_id"].astype(str).unique().tolist())
            )
        )
    }
    rows = [
        {
            "case_id": str(r.case_id),
            "obligation": str(r.obligation),
            "department": str(r.department),
            "item_name": None if pd.isna(r.item_name) else str(r.item_name),
            "old_deadline": r.old_deadline,
            "new_deadline": r.new_deadline,
            "reason": json.dumps(reason, sort_keys=True),
            "found_at": at,
        }
        for r in moved.itertuples(index=False)
        if (str(r.case_id), str(r.obligation), r.old_deadline, r.new_deadline) not in known
    ]
    if rows:
        conn.execute(sa.insert(deadline_moves), rows)
    return len(rows)


def pending_moves(conn: sa.Connection) -> pd.DataFrame:
    """The moves no notice has told yet, oldest first."""
    c = deadline_moves.c
    query = sa.select(deadline_moves).where(c.notified_at.is_(None)).order_by(c.id)
    return pd.DataFrame(conn.execute(query).mappings().all(), columns=list(c.keys()))


def mark_told(conn: sa.Connection, ids: list[int], at: dt.datetime) -> None:
    """The moves ``ids`` are in a queued notice."""
    if ids:
        c = deadline_moves.c
        conn.execute(sa.update(deadline_moves).where(c.id.in_(ids)).values(notified_at=at))


def why_text(reason: str, language: str) -> str:
    """Why deadlines moved (``reason``: the stored JSON), in words for the departments."""
    data = json.loads(reason)
    years = [str(y) for y in data.get("years", [])]
    if language == "en":
        parts = [
            f"the working-day calendar of {', '.join(years)} changed (a new official holiday "
            "schedule or a local closure)"
        ] * bool(years)
        parts += ["the rules or the item catalogue changed"] * bool(data.get("rules"))
        return "; ".join(parts)
    parts = [f"{'、'.join(years)} 年工作日历调整（国务院节假日安排发布或本地停工调整）"] * bool(
        years
    )
    parts += ["办件规则或事项目录调整"] * bool(data.get("rules"))
    return "；".join(parts)
