"""One case's whole history in the ledger (``monitor warnings --case CASE_ID``): its
warnings (each obligation) with every level they reached, every message that carried the
case, every acknowledgement (and whether it is in force) and the silences of its department.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from monitor.alerts.acks import acks_in_force, acks_of, silences_of
from monitor.alerts.ledger import find_case, open_warnings, warning_history
from monitor.alerts.listing import plain_value, reference
from monitor.errors import InputError
from monitor.mask import mask
from monitor.notify.outbox import messages_about

__all__ = ["CaseHistory", "case_history", "to_json", "to_text"]


@dataclass
class CaseHistory:
    """What the ledger holds about one case, as of ``at``."""

    case_id: str
    at: dt.datetime
    warnings: pd.DataFrame
    events: pd.DataFrame
    messages: pd.DataFrame
    acks: pd.DataFrame
    silences: pd.DataFrame


def case_history(conn: sa.Connection, key: str, at: dt.datetime) -> CaseHistory:
    """The history of the case ``key`` names (a case id or a warning reference such as
    ``W12``); :class:`InputError` when the ledger never warned about it."""
    case_id, _ = find_case(conn, key)
    warnings = open_warnings(conn, include_resolved=True, case_id=case_id)
    if warnings.empty:
        raise InputError(f"the warning ledger has no warning for case {mask(key)}")
    in_force = acks_in_force(conn, at)
    acks = acks_of(conn, case_id)
    mine = in_force[in_force["case_id"] == case_id]
    current = set(zip(mine["at"], mine["by"], mine["note"], strict=True))
    return CaseHistory(
        case_id=case_id,
        at=at,
        warnings=warnings.assign(ref=warnings["id"].map(reference)),
        events=warning_history(conn, warnings["id"].tolist()),
        messages=messages_about(conn, case_id),
        acks=acks.assign(
            in_force=[t in current for t in zip(acks["at"], acks["by"], acks["note"], strict=True)]
        ),
        silences=silences_of(conn, sorted(set(warnings["department"]))),
    )


def to_json(history: CaseHistory, *, masked: bool = True) -> dict[str, Any]:
    """The history as JSON-ready data (times ISO 8601, missing values null)."""
    show = mask if masked else str

    def records(frame: pd.DataFrame, text: tuple[str, ...]) -> list[dict[str, Any]]:
        out = []
        for row in frame.to_dict(orient="records"):
            out.append(
                {
                    k: show(v) if k in text and v is not None else plain_value(v)
                    for k, v in row.items()
                }
            )
        return out

    text = ("case_id", "department", "item_code", "item_name", "by", "note", "reason")
    return {
        "case_id": show(history.case_id),
        "at": plain_value(history.at),
        "warnings": records(history.warnings.drop(columns="id"), text),
        "levels": records(history.events.drop(columns=["id"]), text),
        "messages": records(history.messages, ("recipients",) if masked else ()),
        "acks": records(history.acks.drop(columns="id"), text),
        "silences": records(history.silences, text),
    }


def to_text(history: CaseHistory, *, masked: bool = True) -> str:
    """The history as lines for a terminal, oldest first within each part."""
    show = mask if masked else str
    lines = [f"case {show(history.case_id)} (as of {history.at:%Y-%m-%d %H:%M})"]
    refs = dict(zip(history.warnings["id"], history.warnings["ref"], strict=True))
    for w in history.warnings.itertuples(index=False):
        state = f"resolved ({w.resolution})" if _time(w.resolved_at) else f"open, {w.level}"
        lines.append(
            f"{w.ref} {w.obligation} · {show(w.department)} · deadline {w.deadline:%Y-%m-%d}"
            f" · {state}"
        )
    lines.append("levels:")
    for e in history.events.itertuples(index=False):
        lines.append(
            f"  {e.at:%Y-%m-%d %H:%M}  {refs.get(e.warning_id, '')}  "
            f"{e.from_level or 'new'} → {e.to_level}"
        )
    lines.append("messages:")
    for m in history.messages.itertuples(index=False):
        sent = f"sent {m.sent_at:%Y-%m-%d %H:%M}" if _time(m.sent_at) else m.status
        lines.append(
            f"  #{m.id} {m.kind} {m.obligation} at {m.level}, queued "
            f"{m.created_at:%Y-%m-%d %H:%M}, {sent} → {m.recipients}"
        )
    lines.append("acknowledgements:")
    for a in history.acks.itertuples(index=False):
        force = "in force" if a.in_force else "lapsed"
        lines.append(
            f"  #{a.id} {a.at:%Y-%m-%d %H:%M} {a.obligation or 'both'} at {a.level} by "
            f"{show(a.by)} ({force}): {show(a.note)}"
        )
    departments = ", ".join(show(d) for d in history.warnings["department"].unique())
    lines.append(f"silences of {departments}:")
    for s in history.silences.itertuples(index=False):
        lines.append(
            f"  #{s.id} {show(s.item_code) if s.item_code else 'all items'} from "
            f"{s.created_at:%Y-%m-%d %H:%M} until {s.until:%Y-%m-%d %H:%M} by {s.by or '-'}: "
            f"{show(s.reason)}"
        )
    return "\n".join(lines)


def _time(value: Any) -> bool:
    return isinstance(value, dt.datetime) and not pd.isna(value)
