"""Evaluation timings in one process: ``python -m bench.evaluate_step PATH REPEAT``.

Loads the county-year once, then evaluates both obligations and their levels REPEAT times;
prints the median seconds of the evaluation alone and the process's peak memory as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import statistics
import sys
import time

from monitor.cases.evaluate import evaluate_loaded
from monitor.cases.load import load_cases
from monitor.config import Settings

NOW = dt.datetime(2025, 12, 31, 18, 0)  # the end of the benchmark's county-year


def main() -> None:
    path, repeat = sys.argv[1], int(sys.argv[2])
    settings = Settings()
    loaded = load_cases(settings, path)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = evaluate_loaded(settings, loaded, NOW)
        times.append(time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump(
        {
            "seconds": statistics.median(times),
            "runs": times,
            "peak_mib": peak,
            "cases": len(loaded.cases),
            "obligations": len(result.evaluation.table),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
