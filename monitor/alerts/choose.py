"""Which open warnings go out now (Alertmanager's dedup and inhibit stages, one decision).

A warning is included when it is new, when its level rose above the level last sent, or when
``repeat_every`` working days have passed since it was last sent at its level; one level per
case (its current one). A warning of a silenced department or item is suppressed, and so is
an acknowledged one until its level rises above the acknowledged level. The clock (``now``)
and the calendar are passed in.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from monitor.db.tables import LEVEL_RANK
from rules.calendar import WorkingCalendar

__all__ = ["choose"]


def choose(
    open_: pd.DataFrame,
    acks: pd.DataFrame,
    silences: pd.DataFrame,
    now: dt.datetime,
    calendar: WorkingCalendar,
    repeat_every: int,
) -> tuple[pd.DataFrame, int]:
    """The open warnings to include now, with a ``reason`` column (new, raised, repeated),
    and how many due ones were suppressed by a silence or an acknowledgement."""
    if open_.empty:
        return open_.assign(reason=pd.Series(dtype=object)), 0
    rank = open_["level"].map(LEVEL_RANK).to_numpy()
    sent_rank = open_["last_notified_level"].map(LEVEL_RANK).fillna(0).to_numpy()
    never = open_["last_notified_at"].isna().to_numpy()
    last = pd.to_datetime(open_["last_notified_at"]).to_numpy().astype("datetime64[D]")
    today = np.datetime64(now.date(), "D")
    waited = calendar.working_days_between(np.where(never, today, last), today)
    reason = np.select(
        [never, rank > sent_rank, waited >= repeat_every], ["new", "raised", "repeated"], ""
    )
    due = reason != ""
    muted = _silenced(open_, silences) | (_acknowledged(open_, acks, rank) & (reason != "raised"))
    chosen = open_[due & ~muted].assign(reason=reason[due & ~muted])
    return chosen.reset_index(drop=True), int((due & muted).sum())


def _silenced(open_: pd.DataFrame, silences: pd.DataFrame) -> np.ndarray:
    out = np.zeros(len(open_), bool)
    for s in silences.itertuples(index=False):  # a handful of silences, not cases
        hit = (open_["department"].astype(object) == s.department).to_numpy()
        if s.item_code is not None and not pd.isna(s.item_code):
            # Not ``&=``: pandas (copy-on-write) hands out read-only arrays.
            hit = hit & (open_["item_code"].astype(object) == s.item_code).to_numpy()
        out |= hit
    return out


def _acknowledged(open_: pd.DataFrame, acks: pd.DataFrame, rank: np.ndarray) -> np.ndarray:
    """Acknowledged at the current level or higher (a rise is sent again)."""
    if acks.empty:
        return np.zeros(len(open_), bool)
    acked = acks.assign(ack_rank=acks["level"].map(LEVEL_RANK).fillna(0))
    both = acked[acked["obligation"].isna()].groupby("case_id")["ack_rank"].max()
    one = acked[acked["obligation"].notna()].set_index(["case_id", "obligation"])["ack_rank"]
    keys = pd.MultiIndex.from_arrays(
        [open_["case_id"].astype(str), open_["obligation"].astype(str)]
    )
    best = np.fmax(
        open_["case_id"].astype(str).map(both).to_numpy(dtype=float),
        one.reindex(keys).to_numpy(dtype=float),
    )
    return ~np.isnan(best) & (best >= rank)
