"""``monitor store verify``: the store against a fresh evaluation of the whole source, at the
moment of the store's last run (when its open obligations were evaluated; closed ones do not
change with the clock). Every obligation must agree field by field, and the stored cases
must be the source's."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from monitor.cases.evaluate import evaluate_loaded
from monitor.config import Settings
from monitor.errors import InputError
from monitor.store.changes import CASE_COLUMNS, read_source
from monitor.store.state import read_state
from monitor.store.update import store_folder
from monitor.store.use import stored_everything
from rules.evaluate import EVALUATION_COLUMNS

__all__ = ["Verified", "verify_store"]

_KEY = ["case_id", "obligation"]


@dataclass
class Verified:
    """What differs (one line each, at most ``limit`` shown) and how much was compared."""

    cases: int = 0
    obligations: int = 0
    differences: list[str] = field(default_factory=list)
    more: int = 0

    @property
    def ok(self) -> bool:
        return not self.differences


def verify_store(settings: Settings, engine: sa.Engine, limit: int = 20) -> Verified:
    """Compare the store with a fresh evaluation of the source; InputError without a store."""
    folder = store_folder(settings)
    current = folder.current()
    state = read_state(engine, current.number) if current is not None else None
    if current is None or state is None:
        raise InputError(f"{folder.root}: no case store yet (monitor store rebuild makes one)")
    cases, table, _, _ = stored_everything(current)
    table = table.drop(columns=["_id"], errors="ignore")
    read = read_source(settings, None, whole=True)
    fresh = evaluate_loaded(settings, read.loaded, state.at).evaluation.table
    out = Verified(len(cases), len(table))
    found: list[str] = []
    stored_ids, source_ids = set(cases["case_id"]), set(read.loaded.cases["case_id"])
    found += [f"case {c}: in the store, not in the source" for c in sorted(stored_ids - source_ids)]
    found += [f"case {c}: in the source, not in the store" for c in sorted(source_ids - stored_ids)]
    found += _field_differences(
        cases.set_index("case_id"), read.loaded.cases.set_index("case_id"), list(CASE_COLUMNS[1:])
    )
    both = stored_ids & source_ids  # a case in one side only is named once, above
    found += _field_differences(
        table[table["case_id"].isin(both)].set_index(_KEY),
        fresh[fresh["case_id"].isin(both)].set_index(_KEY),
        [c for c in EVALUATION_COLUMNS if c not in _KEY],
        presence=True,
    )
    out.differences, out.more = found[:limit], max(0, len(found) - limit)
    return out


def _field_differences(
    stored: pd.DataFrame, fresh: pd.DataFrame, columns: list[str], *, presence: bool = False
) -> list[str]:
    """One line per row and field that differ, for the rows both have; with ``presence``,
    one per row only one side has."""
    both = stored.index.intersection(fresh.index)
    lines = []
    if presence:
        lines += [
            f"{_name(k)}: evaluated fresh, not in the store"
            for k in fresh.index.difference(stored.index)
        ]
        lines += [
            f"{_name(k)}: in the store, not evaluated fresh"
            for k in stored.index.difference(fresh.index)
        ]
    a, b = stored.loc[both], fresh.loc[both]
    for column in columns:
        if column not in a or column not in b:
            continue
        x, y = _comparable(a[column]), _comparable(b[column])
        same = (x == y).to_numpy(dtype=bool, na_value=False) | (x.isna() & y.isna()).to_numpy()
        for key in x.index[~same]:
            lines.append(f"{_name(key)}: {column} stored {x[key]!r}, fresh {y[key]!r}")
    return lines


def _comparable(column: pd.Series) -> pd.Series:
    """``column`` as values that compare by meaning: times as times (whatever their
    precision), numbers as floats, text and categories as text."""
    kind = column.dtype.kind if not isinstance(column.dtype, pd.CategoricalDtype) else "O"
    if kind == "M":
        return pd.to_datetime(column).astype("datetime64[s]")
    if kind in "iufb":
        return column.astype("float64")
    return (
        column.astype(object)
        .where(column.notna(), None)
        .map(lambda v: None if v is None else str(v), na_action="ignore")
    )


def _name(key: object) -> str:
    return " ".join(str(k) for k in key) if isinstance(key, tuple) else f"case {key}"
