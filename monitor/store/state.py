"""The store's state in the monitor's database: one ``store_state`` row per generation.

The row of a generation is written before the store's folder switches to it, so the
generation in use always has its row; rows of generations that are gone are deleted after
the switch. ``files`` is a JSON object: the generation's Parquet files, and the calendar's
fingerprint year by year with the rules' (what a later run compares to find what moved), and
the regions' (``[regions]``: a store made under other ones is rebuilt).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa

from monitor.db.tables import store_state
from monitor.store.moves import record_moves

__all__ = ["StoreState", "delete_other_states", "read_state", "write_state"]


@dataclass
class StoreState:
    """One generation's row."""

    generation: int
    kind: str
    at: dt.datetime
    created_at: dt.datetime
    watermark: str | None
    fingerprint: str
    schema_version: int
    rows_read: int
    changed: int
    evaluated: int
    cases: int
    open_cases: int
    files: list[str] = field(default_factory=list)
    years: dict[str, str] = field(default_factory=dict)
    rules: str = ""
    #: A folder source's files as last read (name → [size, time]).
    source_files: dict[str, list[int]] | None = None
    #: The fingerprint of ``[regions]`` the stored cases' codes were given under.
    regions: str = ""

    def row(self) -> dict[str, Any]:
        extra = ("files", "years", "rules", "source_files", "regions")
        values = {k: v for k, v in self.__dict__.items() if k not in extra}
        manifest = {k: getattr(self, k) for k in extra}
        return values | {"files": json.dumps(manifest, ensure_ascii=False)}


def read_state(engine: sa.Engine, generation: int) -> StoreState | None:
    """The row of ``generation``, or None."""
    with engine.connect() as conn:
        row = (
            conn.execute(sa.select(store_state).where(store_state.c.generation == generation))
            .mappings()
            .first()
        )
    if row is None:
        return None
    values = dict(row)
    manifest = json.loads(values.pop("files"))
    return StoreState(
        **values,
        files=manifest["files"],
        years=manifest["years"],
        rules=manifest["rules"],
        source_files=manifest.get("source_files"),
        regions=manifest.get("regions", ""),
    )


def write_state(
    engine: sa.Engine,
    state: StoreState,
    moved: pd.DataFrame | None = None,
    reason: dict[str, Any] | None = None,
) -> None:
    """Record a generation's row (replacing a leftover of that number) and, in the same
    transaction, the deadlines it moved (:mod:`monitor.store.moves`)."""
    with engine.begin() as conn:
        conn.execute(sa.delete(store_state).where(store_state.c.generation == state.generation))
        conn.execute(sa.insert(store_state).values(**state.row()))
        if moved is not None and len(moved):
            record_moves(conn, moved, reason or {}, state.created_at)


def delete_other_states(engine: sa.Engine, keep: int) -> None:
    """Delete the rows of every generation but ``keep``."""
    with engine.begin() as conn:
        conn.execute(sa.delete(store_state).where(store_state.c.generation != keep))


def newest_generation(engine: sa.Engine) -> int:
    """The highest generation number recorded (0 when none)."""
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.max(store_state.c.generation))).scalar() or 0)
