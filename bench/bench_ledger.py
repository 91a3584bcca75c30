"""Benchmark: folding an evaluation into the warning ledger on SQLite.

Target: each step ≤ 2 s on SQLite for 20,000 alerting obligations: the first run (all new),
a second run where 10 % changed level and 5 % were closed (resolved), and marking all of
them notified. Each repeat starts from a fresh database file; medians over the repeats.
The evaluation also holds ``--background`` rows that do not alert (closed or ``ok``), as a
county-year's does (2.05 million cases × 2 obligations), so filtering it is in the timing.

    python -m bench.bench_ledger [--repeat 5] [--alerting 20000] [--background 4080000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from monitor.alerts.ledger import mark_notified, update_ledger
from monitor.config import Settings
from monitor.db.engine import engine_for, upgrade
from monitor.db.runs import start_run
from rules.evaluate import EVALUATION_COLUMNS

NOW = dt.datetime(2025, 12, 31, 10, 0)
TARGET = 2.0
CATEGORIES = ["department", "item_code", "item_name", "obligation", "unit", "state", "level"]


def evaluation(n: int, offset: int, levels: np.ndarray, state: np.ndarray) -> pd.DataFrame:
    """``n`` evaluation rows, case ids from ``offset``, with the given levels and states."""
    rng = np.random.default_rng(offset)
    ids = np.arange(offset, offset + n)
    deadline = np.datetime64("2025-12-31") + rng.integers(-20, 3, n).astype("timedelta64[D]")
    late = np.where(np.isin(levels, ["overdue", "escalated", "late"]), rng.integers(1, 9, n), 0)
    table = pd.DataFrame(
        {
            "case_id": pd.Series([f"BJ{i:09d}" for i in ids], dtype="str"),
            "department": np.array([f"县第{i % 40}局" for i in range(40)])[ids % 40],
            "item_code": np.array([f"3301{i:05d}" for i in range(300)])[ids % 300],
            "item_name": np.array([f"事项{i}" for i in range(300)])[ids % 300],
            "obligation": np.where(ids % 3 == 0, "acceptance", "completion"),
            "start": np.datetime64("2025-12-01", "s"),
            "limit": 15.0,
            "unit": "workday",
            "suspended": 0.0,
            "deadline": deadline.astype("datetime64[s]"),
            "closed_at": np.where(state == "closed", np.datetime64("2025-12-30T10:00", "s"), None),
            "state": state,
            "level": levels,
            "remaining_workdays": pd.array(np.where(late > 0, None, 1), dtype="Int64"),
            "late_workdays": late,
            "estimated_calendar": False,
        }
    )
    table["closed_at"] = pd.to_datetime(table["closed_at"])
    return table[EVALUATION_COLUMNS]


def categorical(table: pd.DataFrame) -> pd.DataFrame:
    """The evaluation's dtypes: categoricals for the repeated text."""
    return table.astype(dict.fromkeys(CATEGORIES, "category"))


def scenarios(alerting: int, background: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The first evaluation (all alerting rows new) and the second (10 % changed level,
    5 % closed), both with the same background of rows that do not alert."""
    rng = np.random.default_rng(7)
    levels = rng.choice(["warning", "overdue", "escalated"], alerting, p=[0.5, 0.35, 0.15])
    first = evaluation(alerting, 0, levels, np.full(alerting, "open"))
    pick = rng.permutation(alerting)
    changed, closed = pick[: alerting // 10], pick[alerting // 10 : alerting // 10 * 3 // 2]
    levels2 = levels.copy()
    levels2[changed] = np.where(levels[changed] == "warning", "overdue", "warning")
    state2 = np.full(alerting, "open", dtype=object)
    state2[closed] = "closed"
    levels2[closed] = np.where(rng.random(len(closed)) < 0.5, "late", "on_time")
    second = evaluation(alerting, 0, levels2, state2)
    bg_levels = rng.choice(["on_time", "late", "ok"], background, p=[0.9, 0.05, 0.05])
    bg_state = np.where(bg_levels == "ok", "open", "closed")
    rest = evaluation(background, 10_000_000, bg_levels, bg_state)
    return (
        categorical(pd.concat([first, rest], ignore_index=True)),
        categorical(pd.concat([second, rest], ignore_index=True)),
    )


def timed(step: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    step()
    return time.perf_counter() - t0


def one_repeat(folder: Path, first: pd.DataFrame, second: pd.DataFrame) -> dict[str, float]:
    """Fresh database; time run 1, mark_notified of all, run 2 (each its own transaction)."""
    engine = engine_for(Settings(database={"url": f"sqlite:///{folder / 'ledger.db'}"}))
    upgrade(engine)
    out: dict[str, float] = {}
    result: dict[str, object] = {}

    def run(table: pd.DataFrame, at: dt.datetime, key: str) -> None:
        with engine.begin() as conn:
            result[key] = update_ledger(conn, table, at, start_run(conn, "alert", at, at))

    def notify() -> None:
        opened = result["first"].open  # type: ignore[attr-defined]
        with engine.begin() as conn:
            mark_notified(conn, opened["id"].tolist(), opened["level"].tolist(), NOW)

    out["first"] = timed(lambda: run(first, NOW, "first"))
    out["notify"] = timed(notify)
    out["second"] = timed(lambda: run(second, NOW + dt.timedelta(days=1), "second"))
    second_update = result["second"]
    out["counts"] = second_update.counts()  # type: ignore[attr-defined,assignment]
    with engine.connect() as conn:
        out["events"] = conn.execute(sa.text("SELECT COUNT(*) FROM warning_events")).scalar()
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--alerting", type=int, default=20_000)
    parser.add_argument("--background", type=int, default=4_080_000)
    args = parser.parse_args()
    first, second = scenarios(args.alerting, args.background)
    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="bench-ledger-") as tmp:
            runs.append(one_repeat(Path(tmp), first, second))
    print(
        f"ledger on SQLite, {args.alerting:,} alerting of {len(first):,} evaluation rows, "
        f"{args.repeat} repeats (fresh database each); second run: {runs[0]['counts']}, "
        f"{runs[0]['events']:,} events in all"
    )
    labels = {
        "first": f"update_ledger, all {args.alerting:,} new",
        "notify": f"mark_notified, {args.alerting:,}",
        "second": "update_ledger, 10 % level, 5 % closed",
    }
    for key, label in labels.items():
        times = [r[key] for r in runs]
        median = statistics.median(times)
        verdict = "meets" if median <= TARGET else "MISSES"
        each = ", ".join(f"{t:.2f}" for t in times)
        print(f"{label:<40} median {median:6.3f} s ({each}) {verdict} target ≤ {TARGET:g} s")


if __name__ == "__main__":
    main()
