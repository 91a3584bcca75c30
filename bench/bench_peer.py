"""Benchmark: the vectorised rules against a per-row ``chinese_calendar`` loop.

Target (issue 3): at least 200× faster per case, both on the same 100,000-case sample of the
county-year in the same run. Both compute deadline and level of every obligation; the
script also checks that they agree.

    python bench/generate.py && python -m bench.bench_peer [--sample 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from bench.common import ROOT
from bench.peer_loop import peer_evaluate
from monitor.cases.evaluate import evaluate_loaded
from monitor.cases.load import load_cases
from monitor.config import Settings

NOW = dt.datetime(2025, 12, 31, 18, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=2_050_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    settings = Settings()
    loaded = load_cases(settings, ROOT / "bench" / "data" / f"county-{args.cases}.parquet")
    # Plain cases (not withdrawn, which the peer does not model), a fixed random sample.
    plain = loaded.cases[~loaded.cases["status"].isin(["撤件"])]
    loaded.cases = plain.sample(n=args.sample, random_state=1).reset_index(drop=True)

    ours = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        table = evaluate_loaded(settings, loaded, NOW).evaluation.table
        ours.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    peer = peer_evaluate(loaded.cases, NOW)
    peer_s = time.perf_counter() - t0

    mine = {
        (r.case_id, r.obligation): (r.deadline, r.level)
        for r in table[["case_id", "obligation", "deadline", "level"]].itertuples()
    }
    agree = sum(
        mine.get((c, o)) == (dt.datetime(d.year, d.month, d.day).date(), lvl)
        or _same(mine.get((c, o)), d, lvl)
        for c, o, d, lvl in peer
    )
    m = statistics.median(ours)
    ratio = peer_s / m
    print(
        f"sample {args.sample:,} cases, {len(table):,} obligations: monitor median {m:.3f} s "
        f"({m / args.sample * 1e6:.2f} µs/case), chinese_calendar loop {peer_s:.1f} s "
        f"({peer_s / args.sample * 1e6:.0f} µs/case): {ratio:,.0f}× "
        f"{'meets' if ratio >= 200 else 'MISSES'} target ≥ 200×; "
        f"agreement {agree:,}/{len(peer):,} obligations"
    )


def _same(mine: tuple | None, day: dt.date, level: str) -> bool:
    return mine is not None and str(mine[0])[:10] == day.isoformat() and mine[1] == level


if __name__ == "__main__":
    main()
