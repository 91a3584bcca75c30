"""Benchmark: evaluating both obligations and their levels for a county-year.

Target (issue 3): median ≤ 1.0 s for the 2.05-million-case county-year on this 2-core
machine, peak memory ≤ 3 GB (the whole process: loading included).

    python bench/generate.py && python -m bench.bench_evaluate [--repeat 7]
"""

from __future__ import annotations

import argparse

from bench.common import ROOT, run_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--cases", type=int, default=2_050_000)
    args = parser.parse_args()
    path = str(ROOT / "bench" / "data" / f"county-{args.cases}.parquet")
    r = run_step("evaluate_step", path, str(args.repeat))
    runs = ", ".join(f"{t:.2f}" for t in r["runs"])
    verdict = "meets" if r["seconds"] <= 1.0 else "MISSES"
    print(
        f"evaluate {r['cases']:,} cases → {r['obligations']:,} obligations: "
        f"median {r['seconds']:.2f} s ({runs}) {verdict} target ≤ 1.0 s; "
        f"peak {r['peak_mib']:,.0f} MiB {'meets' if r['peak_mib'] <= 3072 else 'MISSES'} "
        f"target ≤ 3 GB"
    )


if __name__ == "__main__":
    main()
