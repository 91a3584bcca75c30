"""The warning ledger: which obligations are in warning, since when, and what happened to them.

One row in ``warnings`` per (case, obligation) that ever alerted; ``warning_events`` records
each change (first seen, raised, lowered, resolved, re-opened) with the run that saw it.
:func:`update_ledger` folds a whole evaluation into the ledger with set logic in pandas and
a handful of bulk statements (no per-row round trips), so a county's 20,000 open warnings
take well under a second on SQLite. Every SQL statement on those two tables is here (the
acknowledgements and silences of :mod:`monitor.alerts.acks` join them; the report's counts
of :mod:`monitor.alerts.counts` aggregate them).

Every function works on a connection the caller owns: run it inside ``engine.begin()`` so a
job's changes commit together. Times are naive Asia/Shanghai datetimes (aware ones are
converted).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa

from monitor.clock import naive
from monitor.db.frames import chunks, frame, plain, records, typed
from monitor.db.tables import LEVEL_RANK, warning_events, warnings

__all__ = [
    "ALERT_LEVELS",
    "OPEN_COLUMNS",
    "LedgerUpdate",
    "find_case",
    "known_departments",
    "mark_notified",
    "notified",
    "open_levels",
    "open_warnings",
    "update_ledger",
    "warning_history",
]

#: Levels that make a warning (least urgent first); ``ok`` and the closed levels do not.
ALERT_LEVELS = tuple(LEVEL_RANK)
#: Columns of :attr:`LedgerUpdate.open`.
OPEN_COLUMNS = [
    "id",
    "case_id",
    "obligation",
    "department",
    "region_code",
    "item_code",
    "item_name",
    "deadline",
    "level",
    "late_workdays",
    "remaining_workdays",
    "first_seen_at",
    "level_since",
    "last_notified_level",
    "last_notified_at",
]
_KEY = ["case_id", "obligation"]
#: Columns copied from the evaluation onto a warning whenever they change.
_VALUES = ["department", "item_code", "item_name", "deadline", "late_workdays", "region_code"]
_REQUIRED = ["case_id", "obligation", "department", "deadline", "state", "level"]
_W = warnings.c
#: A warning's reference: W and its number (:func:`monitor.alerts.listing.reference`).
_REFERENCE = re.compile(r"[Ww](\d{1,12})")


@dataclass
class LedgerUpdate:
    """What :func:`update_ledger` changed: warning ids per kind, and every open warning."""

    new: list[int] = field(default_factory=list)  # first seen, or re-opened after resolution
    raised: list[int] = field(default_factory=list)
    lowered: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    #: Every open warning after the update (:data:`OPEN_COLUMNS`); ``remaining_workdays``
    #: comes from the evaluation (missing once overdue).
    open: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=OPEN_COLUMNS))

    def counts(self) -> dict[str, int]:
        """Counts for a run's record: new, raised, lowered, resolved, open."""
        return {
            "new": len(self.new),
            "raised": len(self.raised),
            "lowered": len(self.lowered),
            "resolved": len(self.resolved),
            "open": len(self.open),
        }


def update_ledger(
    conn: sa.Connection, evaluation: pd.DataFrame, now: dt.datetime, run_id: int | None
) -> LedgerUpdate:
    """Fold an evaluation (:data:`rules.evaluate.EVALUATION_COLUMNS`) into the ledger at ``now``.

    Alerting rows are open obligations at ``warning``, ``overdue`` or ``escalated``. A new
    (case, obligation) gets a warning; a changed level is recorded as raised or lowered; an
    open warning no longer alerting is resolved as ``closed_late``, ``closed_on_time``,
    ``cleared`` (open again at ``ok``) or ``disappeared`` (not in the evaluation). A resolved
    warning that alerts again is re-opened (same row; counted as new; its notification
    record is cleared so the alert goes out again). Columns may be categoricals or plain.
    """
    now = naive(now)
    missing = [c for c in _REQUIRED if c not in evaluation.columns]
    if missing:
        raise ValueError(f"the evaluation lacks column(s) {', '.join(missing)}")
    alerting = _alerting(evaluation)
    both, gone, fresh = _compare(conn, alerting)

    changed = both[both["level"] != both["level_db"]]
    same = both[both["level"] == both["level_db"]]
    refresh = same[_differs(same, _VALUES)]
    fresh = fresh.merge(_resolved(conn, fresh), on=_KEY, how="left")
    reopen = fresh[fresh["id"].notna()].astype({"id": "int64"})
    insert = fresh[fresh["id"].isna()]

    events: list[pd.DataFrame] = []
    resolved = _resolve(conn, gone, evaluation, now)
    events.append(_events(gone["id"], gone["level_db"], "resolved"))
    _update(conn, changed, now, level=True)
    events.append(_events(changed["id"], changed["level_db"], changed["level"]))
    _update(conn, refresh, now, level=False)
    _update(conn, reopen, now, level=True, reopen=True)
    events.append(_events(reopen["id"], "resolved", reopen["level"]))
    if len(insert):
        rows = insert[[*_KEY, *_VALUES, "level"]].assign(first_seen_at=now, level_since=now)
        conn.execute(warnings.insert(), records(rows))

    open_now = _open_frame(conn, alerting)
    inserted = open_now.merge(insert[_KEY], on=_KEY)
    events.append(_events(inserted["id"], None, inserted["level"]))
    _insert_events(conn, pd.concat(events, ignore_index=True), now, run_id)

    rank = _rank(changed["level"]) > _rank(changed["level_db"])
    return LedgerUpdate(
        new=sorted([*_ids(inserted["id"]), *_ids(reopen["id"])]),
        raised=sorted(_ids(changed.loc[rank, "id"])),
        lowered=sorted(_ids(changed.loc[~rank, "id"])),
        resolved=sorted(resolved),
        open=open_now,
    )


def mark_notified(conn: sa.Connection, ids: list[int], levels: list[str], now: dt.datetime) -> None:
    """Record that warning ``ids[i]`` was sent at level ``levels[i]`` at ``now``."""
    if len(ids) != len(levels):
        raise ValueError(f"{len(ids)} warning ids but {len(levels)} levels")
    now = naive(now)
    pairs = pd.DataFrame({"id": [int(i) for i in ids], "level": [str(v) for v in levels]})
    for level, group in pairs.groupby("level", sort=True):
        for part in chunks(group["id"].tolist()):
            conn.execute(
                warnings.update()
                .where(_W.id.in_(part))
                .values(last_notified_level=level, last_notified_at=now)
            )


def open_warnings(
    conn: sa.Connection, include_resolved: bool = False, case_id: str | None = None
) -> pd.DataFrame:
    """Open warnings (every column of ``warnings``) ordered by id; all of them with
    ``include_resolved``; only those of ``case_id`` when given. ``deadline`` is a
    datetime64 column (midnight), like the evaluation's."""
    stmt = sa.select(warnings).order_by(_W.id)
    if not include_resolved:
        stmt = stmt.where(_W.resolved_at.is_(None))
    if case_id is not None:
        stmt = stmt.where(_W.case_id == case_id)
    return typed(frame(conn, stmt))


def warning_history(conn: sa.Connection, warning_ids: list[int]) -> pd.DataFrame:
    """The events of ``warning_ids`` in time order: id, warning_id, case_id, obligation,
    run_id, at, from_level, to_level."""
    e = warning_events.c
    stmt = sa.select(
        e.id, e.warning_id, _W.case_id, _W.obligation, e.run_id, e.at, e.from_level, e.to_level
    ).join(warnings, _W.id == e.warning_id)
    parts = [
        frame(conn, stmt.where(e.warning_id.in_(part)))
        for part in chunks(sorted({int(i) for i in warning_ids}))
    ]
    if not parts:
        parts = [frame(conn, stmt.where(sa.false()))]
    history = pd.concat(parts, ignore_index=True)
    history = typed(history)
    return history.sort_values(["at", "id"], kind="stable").reset_index(drop=True)


def open_levels(conn: sa.Connection, case_id: str, obligation: str | None) -> list[str]:
    """The levels of the open warnings of ``case_id`` (of one ``obligation``, or both)."""
    stmt = sa.select(_W.level).where(_W.case_id == case_id, _W.resolved_at.is_(None))
    if obligation is not None:
        stmt = stmt.where(_W.obligation == obligation)
    return [str(v) for v in conn.execute(stmt).scalars()]


def find_case(conn: sa.Connection, key: str) -> tuple[str, str | None]:
    """(case id, obligation or None) that ``key`` names: a case id the ledger knows, or a
    warning reference (``W12``: the case and obligation of warning 12); anything else is
    taken as a case id."""
    known = conn.execute(sa.select(_W.id).where(_W.case_id == key).limit(1)).first()
    match = _REFERENCE.fullmatch(key.strip())
    if known is None and match:
        row = conn.execute(
            sa.select(_W.case_id, _W.obligation).where(_W.id == int(match[1]))
        ).first()
        if row is not None:
            return str(row.case_id), str(row.obligation)
    return key, None


def known_departments(conn: sa.Connection) -> list[str]:
    """Every department the ledger has warned about."""
    return [str(d) for d in conn.execute(sa.select(_W.department).distinct()).scalars()]


def notified(conn: sa.Connection, ids: list[int]) -> pd.DataFrame:
    """The warnings of ``ids`` that had been sent: case_id, obligation, department,
    item_code, item_name, resolution."""
    columns = ["case_id", "obligation", "department", "item_code", "item_name", "resolution"]
    parts = [
        frame(
            conn,
            sa.select(*[_W[c] for c in columns])
            .where(_W.id.in_(part), _W.last_notified_at.is_not(None))
            .order_by(_W.id),
        )
        for part in chunks(sorted({int(i) for i in ids}))
    ]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


# -- update_ledger's parts -------------------------------------------------------------------


def _compare(
    conn: sa.Connection, alerting: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The alerting rows against the open warnings, by (case, obligation): (in both, the
    warning's values as ``<column>_db``), (open warnings no longer alerting), (alerting
    rows without an open warning)."""
    current = frame(
        conn,
        sa.select(_W.id, _W.case_id, _W.obligation, _W.level, *[_W[c] for c in _VALUES]).where(
            _W.resolved_at.is_(None)
        ),
    )
    current = current.rename(columns={c: f"{c}_db" for c in ["level", *_VALUES]})
    merged = alerting.merge(current, on=_KEY, how="outer", indicator=True)
    side = merged.pop("_merge")
    both = merged[side == "both"].astype({"id": "int64", "late_workdays": "int64"})
    gone = merged[side == "right_only"].astype({"id": "int64"})
    fresh = merged[side == "left_only"].drop(columns="id").astype({"late_workdays": "int64"})
    return both, gone, fresh


def _alerting(evaluation: pd.DataFrame) -> pd.DataFrame:
    """Open rows at an alert level, one per (case, obligation) (the most urgent), as plain
    Python values: the columns of ``warnings`` plus ``remaining_workdays``."""
    mask = (evaluation["state"] == "open") & evaluation["level"].isin(ALERT_LEVELS)
    rows = evaluation.loc[mask.to_numpy(dtype=bool)]
    rows = rows[rows["deadline"].notna()]
    out = pd.DataFrame(index=rows.index)
    for col in [*_KEY, "department", "item_code", "item_name", "level", "region_code"]:
        out[col] = plain(rows[col]) if col in rows else None
    out["deadline"] = pd.to_datetime(rows["deadline"]).dt.date.astype(object)
    late = rows["late_workdays"] if "late_workdays" in rows else pd.Series(0, index=rows.index)
    out["late_workdays"] = pd.to_numeric(late).fillna(0).astype("int64")
    remaining = rows.get("remaining_workdays", pd.Series(pd.NA, index=rows.index))
    out["remaining_workdays"] = pd.to_numeric(remaining).astype("Int64")
    out = out.assign(_rank=_rank(out["level"]))
    out = out.sort_values("_rank", ascending=False, kind="stable").drop_duplicates(_KEY)
    return out.drop(columns="_rank").reset_index(drop=True)


def _differs(rows: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Rows where any ``columns`` differs from ``<column>_db`` (two missing values agree)."""
    out = pd.Series(False, index=rows.index)
    for col in columns:
        a, b = rows[col], rows[f"{col}_db"]
        out |= ~((a == b) | (a.isna() & b.isna()))
    return out


def _resolved(conn: sa.Connection, fresh: pd.DataFrame) -> pd.DataFrame:
    """Resolved warnings (id, case_id, obligation) of the keys in ``fresh``."""
    stmt = sa.select(_W.id, _W.case_id, _W.obligation).where(_W.resolved_at.is_not(None))
    any_resolved = conn.execute(sa.select(_W.id).where(_W.resolved_at.is_not(None)).limit(1))
    if fresh.empty or any_resolved.first() is None:
        return frame(conn, stmt.where(sa.false()))
    parts = [
        frame(conn, stmt.where(_W.case_id.in_(part)))
        for part in chunks(sorted(set(fresh["case_id"])))
    ]
    return pd.concat(parts, ignore_index=True)


def _resolve(
    conn: sa.Connection, gone: pd.DataFrame, evaluation: pd.DataFrame, now: dt.datetime
) -> list[int]:
    """Resolve the warnings in ``gone``, each with the reason the evaluation gives."""
    if gone.empty:
        return []
    seen = evaluation.loc[evaluation["case_id"].isin(set(gone["case_id"])).to_numpy(dtype=bool)]
    seen = pd.DataFrame({c: plain(seen[c]) for c in [*_KEY, "state", "level"]})
    seen = seen.drop_duplicates(_KEY)
    why = gone[["id", *_KEY]].merge(seen, on=_KEY, how="left")
    closed = why["state"] == "closed"
    why["resolution"] = "disappeared"
    why.loc[closed & (why["level"] == "late"), "resolution"] = "closed_late"
    why.loc[closed & (why["level"] == "on_time"), "resolution"] = "closed_on_time"
    why.loc[(why["state"] == "open") & (why["level"] == "ok"), "resolution"] = "cleared"
    for resolution, group in why.groupby("resolution", sort=True):
        for part in chunks(_ids(group["id"])):
            conn.execute(
                warnings.update()
                .where(_W.id.in_(part))
                .values(resolved_at=now, resolution=resolution)
            )
    return _ids(why["id"])


def _update(
    conn: sa.Connection, rows: pd.DataFrame, now: dt.datetime, level: bool, reopen: bool = False
) -> None:
    """One executemany UPDATE of ``rows`` by id: the evaluation's values, and the level
    (``level_since`` = now) or, with ``reopen``, a fresh start of a resolved warning."""
    if rows.empty:
        return
    columns = [*_VALUES, "level"] if level else list(_VALUES)
    values: dict[str, Any] = {c: sa.bindparam(f"p_{c}") for c in columns}
    if level:
        values["level_since"] = now
    if reopen:
        values.update(
            resolved_at=None, resolution=None, last_notified_level=None, last_notified_at=None
        )
    stmt = warnings.update().where(_W.id == sa.bindparam("p_id")).values(values)
    params = rows[["id", *columns]].rename(columns=lambda c: f"p_{c}")
    conn.execute(stmt, records(params))


def _events(ids: pd.Series, from_level: Any, to_level: Any) -> pd.DataFrame:
    """Event rows (warning_id, from_level, to_level); levels are columns or one value."""
    return pd.DataFrame({"warning_id": ids, "from_level": from_level, "to_level": to_level})


def _insert_events(
    conn: sa.Connection, events: pd.DataFrame, now: dt.datetime, run_id: int | None
) -> None:
    """One executemany INSERT of ``events``, all at ``now`` by run ``run_id``."""
    if events.empty:
        return
    events = events.astype({"warning_id": "int64"}).assign(at=now, run_id=run_id)
    conn.execute(warning_events.insert(), records(events))


def _open_frame(conn: sa.Connection, alerting: pd.DataFrame) -> pd.DataFrame:
    """Every open warning (:data:`OPEN_COLUMNS`), with R from the evaluation."""
    cols = [c for c in OPEN_COLUMNS if c != "remaining_workdays"]
    stmt = sa.select(*[_W[c] for c in cols]).where(_W.resolved_at.is_(None)).order_by(_W.id)
    out = frame(conn, stmt).merge(alerting[[*_KEY, "remaining_workdays"]], on=_KEY, how="left")
    return typed(out[OPEN_COLUMNS])


# -- helpers ---------------------------------------------------------------------------------


def _rank(levels: pd.Series) -> pd.Series:
    """:data:`~monitor.db.tables.LEVEL_RANK` of each level (NaN for other values)."""
    return levels.map(LEVEL_RANK).astype("float64")


def _ids(values: pd.Series) -> list[int]:
    """Ids as Python ints."""
    return [int(v) for v in values]
