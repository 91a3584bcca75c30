"""Benchmark: normalised load of a county-year against a bare pandas read of the same file.

Targets (issue 2): normalised load ≤ 2× the bare read for CSV and Parquet; peak memory
≤ 3 GB. Each run is a fresh process; runs alternate between monitor and baseline.

    python bench/generate.py && python -m bench.bench_load [--repeat 5] [--cases 2050000]
"""

from __future__ import annotations

import argparse

from bench.common import ROOT, compare, run_step

TARGETS = {".csv": 2.0, ".gb18030.csv": None, ".parquet": 2.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cases", type=int, default=2_050_000)
    args = parser.parse_args()
    stem = ROOT / "bench" / "data" / f"county-{args.cases}"
    for suffix, target in TARGETS.items():
        path = f"{stem}{suffix}"
        ours, base = [], []
        for _ in range(args.repeat):
            base.append(run_step("load_step", "baseline", path))
            ours.append(run_step("load_step", "monitor", path))
        compare(f"load {suffix.lstrip('.')}", ours, base, target)


if __name__ == "__main__":
    main()
