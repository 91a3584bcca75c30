"""The record of job runs (the ``runs`` table): every SQL statement on it.

A run is recorded when it starts (``running``) and when it ends (``ok`` with its counts as
JSON, or ``failed`` with the error). Every function works on a connection the caller owns;
times are naive Asia/Shanghai datetimes (aware ones are converted).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
import sqlalchemy as sa

from monitor.clock import naive
from monitor.db.frames import frame, typed
from monitor.db.tables import runs

__all__ = [
    "ALERT_JOBS",
    "INTERRUPTED",
    "alert_runs",
    "any_run",
    "failure_streak",
    "finish_run",
    "job_runs",
    "mark_interrupted",
    "recent_runs",
    "recorded_periods",
    "start_run",
]

#: The jobs that fold an evaluation into the warning ledger.
ALERT_JOBS = ("alert", "scan")
#: The error recorded for a run whose process ended before it did.
INTERRUPTED = "interrupted: the process ended during the run (killed, crashed or stopped)"


def start_run(conn: sa.Connection, job: str, at: dt.datetime, started_at: dt.datetime) -> int:
    """Record the start of a job run (status ``running``); returns the run id.

    ``at`` is the run's "now" (``--at``), ``started_at`` the wall clock.
    """
    result = conn.execute(
        runs.insert().values(job=job, at=naive(at), started_at=naive(started_at), status="running")
    )
    return int(result.inserted_primary_key[0])


def finish_run(
    conn: sa.Connection,
    run_id: int,
    status: str,
    counts: dict[str, Any],
    error: str | None,
    finished_at: dt.datetime,
) -> None:
    """Record the end of a run: status (``ok``, ``failed``), counts as JSON, the error."""
    conn.execute(
        runs.update()
        .where(runs.c.id == run_id)
        .values(
            status=status,
            counts=json.dumps(counts, ensure_ascii=False, sort_keys=True, default=_json),
            error=error,
            finished_at=naive(finished_at),
        )
    )


def recent_runs(conn: sa.Connection, limit: int = 10) -> pd.DataFrame:
    """The latest ``limit`` runs, newest first: id, job, started_at, at, finished_at,
    status, counts (JSON text), error."""
    return typed(frame(conn, sa.select(runs).order_by(runs.c.id.desc()).limit(limit)))


def _json(value: Any) -> Any:
    """JSON for what :func:`json.dumps` cannot encode: numpy scalars, else the text."""
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def job_runs(conn: sa.Connection, name: str, limit: int = 3) -> list[dict[str, Any]]:
    """The last ``limit`` runs of job ``name``, newest first: id, started_at, at,
    finished_at, status, counts (a dict), error."""
    rows = conn.execute(
        sa.select(runs).where(runs.c.job == name).order_by(runs.c.id.desc()).limit(limit)
    ).mappings()
    return [{**row, "counts": _counts(row["counts"])} for row in rows]


def mark_interrupted(conn: sa.Connection, name: str) -> list[int]:
    """Record ``running`` rows of job ``name`` as failed: the caller holds the job's lock,
    so whatever process was running them is gone. ``scan`` and ``alert`` share one lock
    (``monitor alert`` takes the scan job's): each marks the other's too. Returns the ids
    marked."""
    c = runs.c
    jobs = ALERT_JOBS if name in ALERT_JOBS else (name,)
    ids = list(
        conn.execute(sa.select(c.id).where(c.job.in_(jobs), c.status == "running")).scalars()
    )
    if ids:
        conn.execute(runs.update().where(c.id.in_(ids)).values(status="failed", error=INTERRUPTED))
    return ids


def _counts(text: str | None) -> dict[str, Any]:
    """A run's counts (JSON text) as a dict; an empty one for anything else."""
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def failure_streak(conn: sa.Connection, name: str) -> list[sa.Row]:
    """The failed runs of job ``name`` since its last successful one, oldest first (id, at,
    error)."""
    c = runs.c
    last_ok = sa.select(sa.func.max(c.id)).where(c.job == name, c.status == "ok")
    stmt = (
        sa.select(c.id, c.at, c.error)
        .where(
            c.job == name,
            c.status == "failed",
            c.id > sa.func.coalesce(last_ok.scalar_subquery(), 0),
        )
        .order_by(c.id)
    )
    return list(conn.execute(stmt))


def recorded_periods(conn: sa.Connection, name: str) -> set[str]:
    """The periods that successful runs of job ``name`` recorded in their counts (the
    report jobs record the period they made)."""
    found = conn.execute(
        sa.select(runs.c.counts).where(runs.c.job == name, runs.c.status == "ok")
    ).scalars()
    return {str(p) for p in (_counts(text).get("period") for text in found) if p is not None}


def alert_runs(
    conn: sa.Connection, start: dt.datetime, end: dt.datetime
) -> tuple[dt.datetime, dt.datetime] | None:
    """The first and last moment (``at``) of the successful alert runs — ``monitor alert``
    and the daemon's ``scan`` — with ``start`` ≤ at < ``end``; None when there was none. Only
    these runs write warnings into the ledger: other jobs (a report) do not make it cover a
    period."""
    c = runs.c
    first, last = conn.execute(
        sa.select(sa.func.min(c.at), sa.func.max(c.at)).where(
            c.job.in_(ALERT_JOBS), c.status == "ok", c.at >= naive(start), c.at < naive(end)
        )
    ).one()
    return None if first is None else (first, last)


def any_run(conn: sa.Connection) -> bool:
    """Whether the database has the ``runs`` table with at least one run in it."""
    if not sa.inspect(conn).has_table("runs"):
        return False
    return bool(conn.execute(sa.select(sa.func.count()).select_from(runs)).scalar())
