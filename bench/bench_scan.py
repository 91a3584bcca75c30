"""Benchmark: ``monitor scan --all --format csv`` end to end against a bare read_parquet.

Target (issue 3): ≤ 3× a bare ``pandas.read_parquet`` of the same file, both measured as
whole processes in the same run (alternating), medians over --repeat runs.

    python bench/generate.py && python -m bench.bench_scan [--repeat 5]
"""

from __future__ import annotations

from bench.common import end_to_end

if __name__ == "__main__":
    end_to_end(__doc__, "scan", "scan --all --format csv", 3.0)
