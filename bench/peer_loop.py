"""The peer a user would otherwise write: a per-row loop over cases that walks day by day
with ``chinese_calendar.is_workday``. Kept as the baseline of ``bench_peer``.

It computes what the monitor computes for each obligation (deadline day, level, R and L) from
the same canonical cases, with the same rules (DOMAIN.md §3–4), one Python step per day.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pandas as pd

ONE = dt.timedelta(days=1)


def _deadline(start: dt.date, k: int, natural: bool) -> dt.date:
    if natural:
        day = start + dt.timedelta(days=k)
        while not chinese_calendar.is_workday(day):
            day += ONE
        return day
    day, counted = start, 0
    if k == 0:
        while not chinese_calendar.is_workday(day):
            day += ONE
        return day
    while counted < k:
        day += ONE
        if chinese_calendar.is_workday(day):
            counted += 1
    return day


def _between(after: dt.date, through: dt.date) -> int:
    count, day = 0, after
    while day < through:
        day += ONE
        count += chinese_calendar.is_workday(day)
    return count


def _level(
    start: dt.date,
    deadline: dt.date,
    closed: dt.datetime | None,
    now: dt.datetime,
    warn_before: int = 1,
    escalate: int = 3,
) -> tuple[str, int]:
    today = now.date()
    if closed is not None and closed <= now:
        late = _between(deadline, closed.date())
        return ("late", late) if closed.date() > deadline else ("on_time", 0)
    if today > deadline:
        late = _between(deadline, today)
        return ("escalated" if late >= escalate else "overdue"), late
    return ("warning" if _between(today, deadline) <= warn_before else "ok"), 0


def peer_evaluate(cases: pd.DataFrame, now: dt.datetime) -> list[tuple[str, str, dt.date, str]]:
    """(case_id, obligation, deadline, level) for every obligation, one row at a time."""
    out = []
    for row in cases.itertuples(index=False):
        sub = row.supplemented_at if not pd.isna(row.supplemented_at) else row.submitted_at
        start = sub.date()
        d = _deadline(start, 5, False)
        closed = None if pd.isna(row.accepted_at) else row.accepted_at.to_pydatetime()
        out.append((row.case_id, "acceptance", d, _level(start, d, closed, now)[0]))
        if closed is None or row.status in ("不予受理",):
            continue
        k, unit = row.promised_limit, row.promised_limit_unit
        if pd.isna(k):
            k, unit = row.legal_limit, row.legal_limit_unit
        if pd.isna(k):
            continue
        start = closed.date()
        d = _deadline(start, int(k + row.suspended_days), unit == "natural")
        done = None if pd.isna(row.completed_at) else row.completed_at.to_pydatetime()
        out.append((row.case_id, "completion", d, _level(start, d, done, now)[0]))
    return out
