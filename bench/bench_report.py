"""Benchmark: the monthly report of a month of the county-year, end to end, from Parquet.

Target (issue 5): ≤ 5× a bare ``pandas.read_parquet`` of the same file, both measured as
whole processes in the same run (alternating), medians over --repeat runs.

    python bench/generate.py && python -m bench.bench_report [--repeat 5]
"""

from __future__ import annotations

from bench.common import end_to_end

if __name__ == "__main__":
    end_to_end(__doc__, "report", "report --period 2025-06", 5.0)
