"""Generate the reference county-year for the benchmarks.

2.05 million cases (the reference county's yearly volume, 99.4 % online) for 2025, written
as UTF-8 CSV, GB18030 CSV and Parquet (timestamps typed) under bench/data/.

    python bench/generate.py            # 2,050,000 cases
    python bench/generate.py --cases 200000
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import pandas as pd

from monitor.demo.synth import generate_cases
from rules.calendar import WorkingCalendar

DATA = Path(__file__).resolve().parent / "data"
TIMESTAMPS = ["申请时间", "补正时间", "受理时间", "办结时间"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2_050_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    calendar = WorkingCalendar.china(2025, 2026)
    frame = generate_cases(
        args.cases,
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
        seed=args.seed,
        calendar=calendar,
        bad_rows=200,
        as_of=dt.datetime(2025, 12, 31, 18, 0),
    )
    print(f"generated {len(frame):,} rows in {time.perf_counter() - t0:.1f} s")

    stem = args.out / f"county-{args.cases}"
    frame.to_csv(f"{stem}.csv", index=False, encoding="utf-8")
    frame.to_csv(f"{stem}.gb18030.csv", index=False, encoding="gb18030")
    typed = frame.copy()
    for col in TIMESTAMPS:
        typed[col] = pd.to_datetime(typed[col], format="%Y-%m-%d %H:%M:%S", errors="coerce")
    typed.to_parquet(f"{stem}.parquet", index=False)
    for suffix in (".csv", ".gb18030.csv", ".parquet"):
        path = Path(f"{stem}{suffix}")
        print(f"wrote {path} ({path.stat().st_size / 2**20:,.0f} MiB)")


if __name__ == "__main__":
    main()
