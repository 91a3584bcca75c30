"""Benchmark: ``monitor scan --all --format csv`` end to end against a bare read_parquet.

Target (issue 3): ≤ 3× a bare ``pandas.read_parquet`` of the same file, both measured as
whole processes in the same run (alternating), medians over --repeat runs.

    python bench/generate.py && python -m bench.bench_scan [--repeat 5]
"""

from __future__ import annotations

import argparse

from bench.common import ROOT, compare, run_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cases", type=int, default=2_050_000)
    args = parser.parse_args()
    path = str(ROOT / "bench" / "data" / f"county-{args.cases}.parquet")
    ours, base = [], []
    for _ in range(args.repeat):
        base.append(run_step("scan_step", "baseline", path))
        ours.append(run_step("scan_step", "scan", path))
    compare("scan --all --format csv", ours, base, 3.0)


if __name__ == "__main__":
    main()
