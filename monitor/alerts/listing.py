"""The warning ledger as people read it: ``monitor warnings`` as a table, JSON or CSV.

Each warning carries its reference (``W`` + its number: short, stable, no personal data; it
is accepted wherever a case id is), its level and deadline day (the deadline is the end of
that day), the acknowledgement in force (one whose level the warning has not risen above)
and the silence that mutes it at the moment asked about. Text from the case system is
masked unless asked otherwise, and CSV never holds a formula.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from monitor.alerts.acks import acks_in_force, active_silences
from monitor.alerts.ledger import open_warnings, warning_history
from monitor.mask import mask_series
from monitor.spreadsheet import neutralise_series
from monitor.text import display_width, pad, plural

__all__ = [
    "LedgerView",
    "ledger_view",
    "plain_value",
    "reference",
    "to_csv",
    "to_json",
    "to_table",
]

#: Columns of a warning in every format (the CSV's columns, in order).
COLUMNS = [
    "ref",
    "case_id",
    "obligation",
    "department",
    "item_code",
    "item_name",
    "level",
    "deadline",
    "late_workdays",
    "first_seen_at",
    "level_since",
    "last_notified_level",
    "last_notified_at",
    "resolved_at",
    "resolution",
    "ack_level",
    "ack_by",
    "ack_note",
    "ack_at",
    "silence_id",
    "silenced_until",
    "silenced_by",
    "silence_reason",
]
#: Free text that may hold personal data (masked on the way out).
_TEXT = ("case_id", "department", "item_code", "item_name", "ack_by", "ack_note")
_SILENCE_TEXT = ("department", "item_code", "by", "reason")


def reference(warning_id: int) -> str:
    """The short reference of a warning: ``W`` + its number (``W12``)."""
    return f"W{int(warning_id)}"


@dataclass
class LedgerView:
    """Warnings (:data:`COLUMNS`), their level history and the silences in force at ``at``."""

    at: dt.datetime
    warnings: pd.DataFrame
    history: pd.DataFrame
    silences: pd.DataFrame


def ledger_view(conn: sa.Connection, at: dt.datetime, *, include_resolved: bool) -> LedgerView:
    """The ledger at ``at``: open warnings (all of them with ``include_resolved``), each
    with the acknowledgement in force and the silence that mutes it."""
    table = open_warnings(conn, include_resolved=include_resolved)
    history = warning_history(conn, table["id"].tolist())
    acks = acks_in_force(conn, at).rename(
        columns={"level": "ack_level", "by": "ack_by", "note": "ack_note", "at": "ack_at"}
    )
    silences = active_silences(conn, at)
    table = table.merge(acks, on=["case_id", "obligation"], how="left")
    table = table.assign(ref=table["id"].map(reference), **_silence_columns(table, silences))
    table["deadline"] = pd.to_datetime(table["deadline"]).dt.date
    return LedgerView(at, table, history, silences)


def _silence_columns(table: pd.DataFrame, silences: pd.DataFrame) -> dict[str, list[Any]]:
    """Per warning: the silence that mutes it (the one lasting longest), or empty."""
    chosen: list[Any] = [None] * len(table)
    for s in silences.sort_values("until").itertuples(index=False):  # a handful of silences
        hit = (table["department"] == s.department) & (
            table["item_code"].eq(s.item_code) if s.item_code is not None else True
        )
        for i in hit.to_numpy().nonzero()[0]:
            chosen[i] = s
    return {
        "silence_id": [s.id if s else None for s in chosen],
        "silenced_until": [s.until if s else None for s in chosen],
        "silenced_by": [s.by if s else None for s in chosen],
        "silence_reason": [s.reason if s else None for s in chosen],
    }


def _masked(view: LedgerView) -> LedgerView:
    warnings = view.warnings.assign(
        **{c: mask_series(view.warnings[c]) for c in (*_TEXT, "silence_reason", "silenced_by")}
    )
    history = view.history.assign(case_id=mask_series(view.history["case_id"]))
    silences = view.silences.assign(**{c: mask_series(view.silences[c]) for c in _SILENCE_TEXT})
    return LedgerView(view.at, warnings, history, silences)


def to_json(view: LedgerView, *, masked: bool = True) -> dict[str, Any]:
    """``{"at", "warnings": [...], "silences": [...]}``: every time ISO 8601 (null when
    none), each warning with its ``history``, ``ack`` and ``silence`` (or null)."""
    if masked:
        view = _masked(view)
    history = {
        int(k): [
            {key: plain_value(v) for key, v in r.items()}
            for r in g.drop(columns=["warning_id"]).to_dict(orient="records")
        ]
        for k, g in view.history.groupby("warning_id")
    }
    records = []
    for row in view.warnings.to_dict(orient="records"):
        rec = {k: plain_value(row[k]) for k in COLUMNS[:15]}
        rec["ack"] = (
            None
            if pd.isna(row["ack_level"])
            else {k: plain_value(row[f"ack_{k}"]) for k in ("level", "by", "note", "at")}
        )
        rec["silence"] = None if row["silence_id"] is None else int(row["silence_id"])
        rec["history"] = history.get(int(row["id"]), [])
        records.append(rec)
    silences = [{k: plain_value(v) for k, v in r.items()} for r in view.silences.to_dict("records")]
    return {"at": plain_value(view.at), "warnings": records, "silences": silences}


def to_csv(view: LedgerView, *, masked: bool = True) -> str:
    """One row per warning (:data:`COLUMNS`), text a spreadsheet cannot run as a formula."""
    if masked:
        view = _masked(view)
    frame = view.warnings[COLUMNS].copy()
    for col in (*_TEXT, "silence_reason", "silenced_by"):
        frame[col] = neutralise_series(frame[col])
    buffer = io.StringIO()
    frame.map(plain_value).to_csv(buffer, index=False)
    return buffer.getvalue()


def to_table(view: LedgerView, *, masked: bool = True) -> str:
    """The warnings as aligned columns, then the acknowledgements and silences in force."""
    if masked:
        view = _masked(view)
    table = view.warnings
    lines = [f"{plural(len(table), 'warning')} at {view.at:%Y-%m-%d %H:%M}"]
    header = ("ref", "case", "obligation", "department", "level", "deadline", "since", "sent")
    rows = [header] + [_row(r) for r in table.itertuples(index=False)]
    widths = [max(display_width(str(r[i])) for r in rows) for i in range(len(header))]
    lines += [
        "  ".join(pad(str(v), w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    acked = int(table["ack_level"].notna().sum()) if len(table) else 0
    lines.append(f"{plural(acked, 'acknowledgement')} in force")
    for s in view.silences.itertuples(index=False):
        what = f"{s.department} / {s.item_code}" if s.item_code else f"{s.department} (all items)"
        lines.append(
            f"silence #{s.id}: {what} until {s.until:%Y-%m-%d %H:%M}, set by {s.by or '-'} "
            f"at {s.created_at:%Y-%m-%d %H:%M} ({s.reason})"
        )
    return "\n".join(lines)


def _row(r: Any) -> tuple[str, ...]:
    level = f"resolved: {r.resolution}" if _is_time(r.resolved_at) else r.level
    sent = "-"
    if _is_time(r.last_notified_at):
        sent = f"{r.last_notified_level} {r.last_notified_at:%Y-%m-%d %H:%M}"
    return (
        r.ref,
        r.case_id,
        r.obligation,
        r.department,
        level,
        f"{r.deadline}",
        f"{r.level_since:%Y-%m-%d %H:%M}",
        sent,
    )


def _is_time(value: Any) -> bool:
    """A time, not missing (pandas' NaT is a datetime too)."""
    return isinstance(value, dt.datetime) and value is not pd.NaT


def plain_value(value: Any) -> Any:
    """A value as JSON / CSV shows it: times ISO 8601, days ``YYYY-MM-DD``, missing None,
    numpy numbers as Python numbers."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:  # NaN (numpy's floats too)
        return None
    if isinstance(value, dt.datetime):  # pandas Timestamps too
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value
