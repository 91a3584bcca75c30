"""The case-store benchmark's data: the county-year as a case system's SQL table, yesterday's
and today's.

``python -m bench.store_data [--cases 2050000]`` writes under bench/data/store/:

- ``yesterday.db``: the county's cases as they stood on Monday 29 December 2025 at 18:00 (a
  SQLite table ``cases``, the source's columns plus 更新时间, the time of each row's last
  event; what had not happened yet is blank, and a case not yet completed is 办理中 or 待受理);
- ``today.db``: the same table a working day later (Tuesday 30 December, 18:00): the rows
  whose case changed that day rewritten with their new 更新时间, the day's new cases added;
- ``today.parquet``: today's table as Parquet (without 更新时间), for the DuckDB peer;
- ``changes.json``: how many rows changed and how many cases are open at each moment.

The generated county closes most cases within days (12,600 open on that Monday); the issue's
steady state has about 30,000 open. So the completed cases with a long time limit whose
deadline falls after 31 December (about 15,000) are made still in hand: no completion time,
status 办理中, in both tables (:func:`still_open`): about 27,600 cases open.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sqlite3
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.generate import DATA

YESTERDAY = dt.datetime(2025, 12, 29, 18, 0)
TODAY = dt.datetime(2025, 12, 30, 18, 0)
OUT = DATA / "store"
TIMES = ["申请时间", "补正时间", "受理时间", "办结时间"]
CLOSING = {"已办结", "撤件", "不予受理"}


def as_of(frame: pd.DataFrame, moment: dt.datetime) -> pd.DataFrame:
    """The rows as a case system would hold them at ``moment``."""
    stamp = pd.Timestamp(moment)
    rows = frame[frame["申请时间"] <= stamp].copy()
    for column in TIMES[1:]:
        rows.loc[rows[column] > stamp, column] = pd.NaT
    unfinished = rows["办结时间"].isna() & rows["办件状态"].isin(CLOSING)
    refused_early = (rows["办件状态"] == "不予受理") & rows["受理时间"].notna()
    unfinished &= ~refused_early
    rows.loc[unfinished, "办件状态"] = np.where(
        rows.loc[unfinished, "受理时间"].notna(), "办理中", "待受理"
    )
    rows["更新时间"] = rows[TIMES].max(axis=1)
    return rows


def still_open(frame: pd.DataFrame) -> pd.DataFrame:
    """The completed cases whose promised limit (approximately: a working day is 7/5 of a
    day) ends after 31 December, made still in hand."""
    limit = frame["承诺时限"].astype(str).str.extract(r"^(\d+)(个?工作日|自然日)?$")
    days = pd.to_numeric(limit[0], errors="coerce")
    days = days.where(limit[1].eq("自然日"), days * 7 / 5)
    due = frame["受理时间"] + pd.to_timedelta(days, unit="D")
    chosen = (
        frame["办结时间"].notna()
        & frame["办件状态"].eq("已办结")
        & (due > pd.Timestamp("2025-12-31"))
        & (frame["申请时间"] < pd.Timestamp(YESTERDAY))
    )
    out = frame.copy()
    out.loc[chosen, "办结时间"] = pd.NaT
    out.loc[chosen, "办件状态"] = "办理中"
    return out


def write_db(path: Path, rows: pd.DataFrame) -> None:
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as conn:
        rows.to_sql("cases", conn, index=False, chunksize=100_000)
        conn.execute('CREATE INDEX ix_cases_changed ON cases ("更新时间")')
        conn.execute('CREATE INDEX ix_cases_id ON cases ("办件编号")')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2_050_000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    frame = still_open(pd.read_parquet(DATA / f"county-{args.cases}.parquet"))
    before, after = as_of(frame, YESTERDAY), as_of(frame, TODAY)
    OUT.mkdir(parents=True, exist_ok=True)
    write_db(OUT / "yesterday.db", before)
    key = "办件编号"
    old = before.drop_duplicates(key, keep="last").set_index(key)
    new = after.drop_duplicates(key, keep="last").set_index(key)
    common = new.index.intersection(old.index)
    before_rows, after_rows = old.loc[common], new.loc[common]
    same = (before_rows == after_rows) | (before_rows.isna() & after_rows.isna())
    changed_ids = common[~same.all(axis=1).to_numpy()]
    added_ids = new.index.difference(old.index)
    shutil.copy(OUT / "yesterday.db", OUT / "today.db")
    with sqlite3.connect(OUT / "today.db") as conn:
        ids = list(changed_ids)
        for start in range(0, len(ids), 900):
            marks = ",".join("?" * len(ids[start : start + 900]))
            conn.execute(f'DELETE FROM cases WHERE "{key}" IN ({marks})', ids[start : start + 900])
        rows = after[after[key].isin(changed_ids.append(added_ids))]
        rows.to_sql("cases", conn, index=False, if_exists="append")
    after.drop(columns=["更新时间"]).to_parquet(OUT / "today.parquet", index=False)
    open_before = int((before["办结时间"].isna() & ~before["办件状态"].isin(CLOSING)).sum())
    open_after = int((after["办结时间"].isna() & ~after["办件状态"].isin(CLOSING)).sum())
    facts = {
        "yesterday_rows": len(before),
        "today_rows": len(after),
        "changed": len(changed_ids),
        "added": len(added_ids),
        "open_yesterday": open_before,
        "open_today": open_after,
    }
    (OUT / "changes.json").write_text(json.dumps(facts, indent=1))
    print(json.dumps(facts), f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
