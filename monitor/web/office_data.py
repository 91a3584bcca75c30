"""What the office's pages list: warnings with the status of their latest answer, by
department, filtered and a page at a time; and the answers waiting for review.

Filtering, counting and paging happen in SQL, so that a page of a ledger with tens of
thousands of open warnings costs one page of rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import sqlalchemy as sa

from monitor.db.frames import frame, typed
from monitor.db.tables import answers, warnings

__all__ = [
    "ANSWER_STATES",
    "LEVELS",
    "PAGE_SIZE",
    "Filters",
    "answer_count",
    "by_department",
    "pending_answers",
    "read_filters",
    "total",
    "warning_rows",
]

#: Rows on one page of a list.
PAGE_SIZE = 100
#: The levels a list can be filtered by, most serious first.
LEVELS = ("escalated", "overdue", "warning")
#: The states of a warning's answer a list can be filtered by: none yet, or the latest
#: answer's status.
ANSWER_STATES = ("none", "submitted", "accepted", "returned")
_W, _A = warnings.c, answers.c
_DONE = answers.alias("done").c


@dataclass(frozen=True)
class Filters:
    """What a list shows: a department, a level, warnings first raised from ``since`` to
    ``until`` (days, inclusive), an answer state, resolved warnings too, which page."""

    department: str | None = None
    level: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    answer: str | None = None
    resolved: bool = False
    page: int = 1

    def query(self, **changes: Any) -> str:
        """These filters (with ``changes``) as a query string (for links and exports)."""
        values = replace(self, **changes)
        pairs = {
            "department": values.department,
            "level": values.level,
            "since": values.since.isoformat() if values.since else None,
            "until": values.until.isoformat() if values.until else None,
            "answer": values.answer,
            "resolved": "1" if values.resolved else None,
            "page": str(values.page) if values.page > 1 else None,
        }
        return urlencode({k: v for k, v in pairs.items() if v})


def read_filters(args: Mapping[str, str]) -> tuple[Filters, dict[str, str]]:
    """The filters of a request's query ``args`` and, per field, what was wrong with it
    (a wrong value is left out of the filters, never an error page)."""
    problems: dict[str, str] = {}

    def choice(name: str, allowed: tuple[str, ...], message: str) -> str | None:
        value = (args.get(name) or "").strip()
        if value and value not in allowed:
            problems[name] = message
            return None
        return value or None

    def day(name: str) -> dt.date | None:
        value = (args.get(name) or "").strip()
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            problems[name] = "请填写日期，如 2025-10-20。"
            return None

    since, until = day("since"), day("until")
    if since and until and since > until:
        problems["until"] = "结束日期不能早于开始日期。"
        until = None
    page = (args.get("page") or "1").strip()
    filters = Filters(
        department=(args.get("department") or "").strip() or None,
        level=choice("level", LEVELS, "未知的预警等级。"),
        since=since,
        until=until,
        answer=choice("answer", ANSWER_STATES, "未知的反馈状态。"),
        resolved=args.get("resolved") == "1",
        page=int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1,
    )
    return filters, problems


def _latest() -> sa.Subquery:
    """Each answered warning's latest answer id (ids grow with time)."""
    return (
        sa.select(_A.warning_id, sa.func.max(_A.id).label("answer_id"))
        .group_by(_A.warning_id)
        .subquery("latest")
    )


def _filtered(filters: Filters, columns: list[Any], *, joined: bool = True) -> sa.Select[Any]:
    """``columns`` of the warnings of ``filters`` (without the latest answers joined when
    ``joined`` is false, which the answer filter needs)."""
    stmt = sa.select(*columns)
    if joined or filters.answer:
        latest = _latest()
        stmt = stmt.select_from(
            warnings.outerjoin(latest, latest.c.warning_id == _W.id).outerjoin(
                answers, _A.id == latest.c.answer_id
            )
        )
    if not filters.resolved:
        stmt = stmt.where(_W.resolved_at.is_(None))
    if filters.department:
        stmt = stmt.where(_W.department == filters.department)
    if filters.level:
        stmt = stmt.where(_W.level == filters.level)
    if filters.since:
        stmt = stmt.where(_W.first_seen_at >= dt.datetime.combine(filters.since, dt.time()))
    if filters.until:
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time())
        stmt = stmt.where(_W.first_seen_at < end)
    if filters.answer == "none":
        stmt = stmt.where(_A.id.is_(None))
    elif filters.answer:
        stmt = stmt.where(_A.status == filters.answer)
    return stmt


_ROW = [
    _W.id,
    _W.case_id,
    _W.obligation,
    _W.department,
    _W.item_name,
    _W.deadline,
    _W.level,
    _W.late_workdays,
    _W.first_seen_at,
    _W.resolved_at,
    _A.id.label("answer_id"),
    _A.status.label("answer_status"),
    _A.by.label("answered_by"),
    _A.at.label("answered_at"),
    _A.action.label("answer_action"),
    _A.late_reason,
    sa.exists()
    .where(_DONE.warning_id == _W.id, _DONE.status == "accepted", _DONE.late_reason.is_not(None))
    .label("explained"),
]
#: Most serious first, then by deadline. The levels' names sort in their order of severity
#: (escalated < overdue < warning, see :data:`LEVELS`), so the order is the columns' own and
#: the index ``ix_warnings_level_deadline`` serves it.
_ORDER = (_W.level, _W.deadline, _W.id)


def warning_rows(
    conn: sa.Connection, filters: Filters, limit: int | None = PAGE_SIZE
) -> pd.DataFrame:
    """The warnings of ``filters``' page (all of them when ``limit`` is None), most serious
    first, then by deadline: the warning's columns, its latest answer's, ``explained`` (an
    explanation of its lateness accepted) and ``disposal`` (:func:`_disposal`).

    A page is found first (its ids, by the index), then its rows with their answers."""
    if limit is None:
        rows = typed(frame(conn, _filtered(filters, _ROW).order_by(*_ORDER)))
    else:
        ids_stmt = _filtered(filters, [_W.id], joined=False).order_by(*_ORDER)
        ids = list(conn.execute(ids_stmt.limit(limit).offset((filters.page - 1) * limit)).scalars())
        stmt = _filtered(Filters(resolved=True), _ROW).where(_W.id.in_(ids)).order_by(*_ORDER)
        rows = typed(frame(conn, stmt))
    rows["explained"] = rows["explained"].astype(bool)
    rows["disposal"] = _disposal(rows)
    return rows


def _disposal(rows: pd.DataFrame) -> pd.Series:
    """Where a late warning's 超期件处置 stands: ``closed`` (an explanation accepted),
    ``review`` (one waiting for review), ``returned`` (the latest sent back), ``missing``
    (none given); None for a warning that is not late."""
    late = rows["level"].isin(("overdue", "escalated")) | (rows["late_workdays"] > 0)
    given = rows["late_reason"].notna()
    status = rows["answer_status"]
    out = pd.Series("missing", index=rows.index, dtype=object)
    out[given & (status == "submitted")] = "review"
    out[given & (status == "returned")] = "returned"
    out[rows["explained"]] = "closed"
    return out.where(late, None)


def by_department(conn: sa.Connection, filters: Filters) -> list[dict[str, Any]]:
    """Per department of ``filters`` (every department, the department filter ignored):
    warnings, of them unanswered, waiting for review, accepted, returned; most warnings
    first. The warnings ``filters`` select number :func:`total` of these rows."""
    status = sa.func.coalesce(_A.status, "none")
    stmt = _filtered(replace(filters, department=None), [_W.department, status.label("s")])
    counted = stmt.subquery()
    rows = conn.execute(
        sa.select(counted.c.department, counted.c.s, sa.func.count()).group_by(
            counted.c.department, counted.c.s
        )
    ).all()
    table: dict[str, dict[str, Any]] = {}
    for department, state, n in rows:
        row = table.setdefault(
            str(department),
            {"department": str(department), "total": 0} | {s: 0 for s in ANSWER_STATES},
        )
        row[str(state)] += int(n)
        row["total"] += int(n)
    return sorted(table.values(), key=lambda r: (-r["total"], r["department"]))


def total(departments: list[dict[str, Any]], filters: Filters) -> int:
    """How many warnings ``filters`` select, from their :func:`by_department` rows."""
    return sum(
        row["total"]
        for row in departments
        if not filters.department or row["department"] == filters.department
    )


def _answers_of(department: str | None, statuses: tuple[str, ...], columns: list[Any]) -> Any:
    stmt = (
        sa.select(*columns)
        .select_from(answers.join(warnings, _W.id == _A.warning_id))
        .where(_A.status.in_(statuses))
    )
    return stmt.where(_W.department == department) if department else stmt


def pending_answers(
    conn: sa.Connection,
    department: str | None,
    statuses: tuple[str, ...] = ("submitted",),
    *,
    limit: int | None = None,
    page: int = 1,
) -> pd.DataFrame:
    """Answers in ``statuses`` (of ``department`` when given), oldest first, page ``page``
    of ``limit`` (all when None): every column of ``answers`` plus the warning's department,
    item, deadline, current level and resolution."""
    columns = [
        answers,
        _W.department,
        _W.item_name,
        _W.deadline,
        _W.level.label("current_level"),
        _W.late_workdays,
        _W.resolved_at,
    ]
    stmt = _answers_of(department, statuses, columns).order_by(_A.at, _A.id)
    if limit is not None:
        stmt = stmt.limit(limit).offset((page - 1) * limit)
    return typed(frame(conn, stmt))


def answer_count(conn: sa.Connection, department: str | None, statuses: tuple[str, ...]) -> int:
    """How many answers :func:`pending_answers` lists on all its pages."""
    stmt = _answers_of(department, statuses, [sa.func.count()])
    return int(conn.execute(stmt).scalar() or 0)
