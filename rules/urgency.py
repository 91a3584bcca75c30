"""The order of urgency (most urgent first) in which every listing shows obligations.

Escalated (督办), overdue (超期), warning (预警), ok, then the closed ones late and on time;
within a level the most days late, then the fewest days left, then the earliest deadline,
then by case id and obligation (受理 before 办结). One order whatever order the cases came
in (a source read whole or a store updated piece by piece).

Millions of rows are sorted by one Arrow sort over three keys: the level, days late, days
left and deadline packed into one 64-bit integer that sorts as they do, then the case id
(Arrow's string sort is much faster than NumPy's), then the obligation. When the packed key
would not fit (values spread over more than 2⁶² combinations) the four are sorted as keys
of their own: the same order, only slower.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from rules.levels import LEVELS

__all__ = ["most_urgent_first", "urgency_order"]

_OBLIGATION_ORDER = ["acceptance", "completion"]
_URGENCY = {"escalated": 0, "overdue": 1, "warning": 2, "ok": 3, "late": 4, "on_time": 5}
#: Packed keys stay below this, so that no product of spans overflows int64.
_PACKED_LIMIT = 2**62


def most_urgent_first(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``table`` most urgent first (the module's order), index 0…n−1."""
    return table.take(urgency_order(table)).reset_index(drop=True)


def urgency_order(table: pd.DataFrame) -> np.ndarray:
    """The positions of ``table``'s rows, most urgent first."""
    urgency = np.array([_URGENCY[name] for name in LEVELS] + [9])[_codes(table["level"], LEVELS)]
    numeric = {
        "urgency": urgency.astype(np.int64),
        "late": -table["late_workdays"].to_numpy(dtype=np.int64),
        "remaining": table["remaining_workdays"].to_numpy(dtype=float, na_value=np.inf),
        "deadline": table["deadline"].to_numpy().astype("datetime64[D]").astype(np.int64),
    }
    packed = _packed(list(numeric.values()))
    first: dict[str, np.ndarray] = numeric if packed is None else {"packed": packed}
    keys = pa.table(
        {
            **first,
            "case": _text(table["case_id"]),
            "obligation": _codes(table["obligation"], _OBLIGATION_ORDER),
        }
    )
    order = pc.sort_indices(keys, sort_keys=[(name, "ascending") for name in keys.column_names])
    return order.to_numpy()


def _packed(columns: Sequence[np.ndarray]) -> np.ndarray | None:
    """The columns as one int64 that sorts as they do one after the other, or None when
    their combinations do not fit."""
    packed = np.zeros(len(columns[0]) if columns else 0, dtype=np.int64)
    total = 1
    for values in columns:
        ranks, span = _ranks(values)
        total *= span
        if total >= _PACKED_LIMIT:
            return None
        packed *= span
        packed += ranks
    return packed


def _ranks(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Integers from 0 that sort as ``values`` do (equal values equal; NaN last, as Arrow
    sorts it), and how many there can be."""
    if len(values) == 0:
        return values.astype(np.int64), 1
    if values.dtype.kind == "f":
        finite = values[np.isfinite(values)]
        whole = bool(np.all(finite == np.round(finite))) and (
            finite.size == 0 or float(np.abs(finite).max()) < 2**52
        )
        if not whole or np.isnan(values).any():
            return _dense(values)
        low = float(finite.min()) if finite.size else 0.0
        high = float(finite.max()) if finite.size else 0.0
        values = np.where(values == np.inf, high + 1, np.where(values == -np.inf, low - 1, values))
        values = values.astype(np.int64)
    low, high = int(values.min()), int(values.max())
    if high - low < 2**32:
        return values - low, high - low + 1
    return _dense(values)


def _dense(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Each value's place among the distinct values (NaN last), and how many there are."""
    _, inverse = np.unique(values, return_inverse=True)
    return inverse.astype(np.int64), int(inverse.max()) + 1


def _text(values: pd.Series) -> pa.Array:
    """``values`` as an Arrow string array (no copy when pandas keeps them in Arrow)."""
    text = values.astype(str)
    if hasattr(text.array, "__arrow_array__"):
        return pa.array(text.array)
    return pa.array(text.to_numpy(dtype=object), type=pa.string())


def _codes(values: pd.Series, order: Sequence[str]) -> np.ndarray:
    """Each value's position in ``order`` (``len(order)`` for any other value), read off a
    categorical's codes when it is one (no text compared per row)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        names = [str(c) for c in values.cat.categories]
        lookup = [order.index(n) if n in order else len(order) for n in names]
        return np.array([*lookup, len(order)])[values.cat.codes.to_numpy()]
    codes = pd.Categorical(values.astype(str), categories=list(order)).codes
    return np.where(codes < 0, len(order), codes)
