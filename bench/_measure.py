"""Run one measured step in a fresh process; print its seconds and peak memory as JSON.

Used by the benchmark scripts so that every timing has its own clean peak-memory figure.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable


def measure(step: Callable[[], object]) -> None:
    """Time ``step`` once and print ``{"seconds": s, "peak_mib": m}`` on stdout."""
    t0 = time.perf_counter()
    step()
    seconds = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    json.dump({"seconds": seconds, "peak_mib": peak_kib / 1024}, sys.stdout)
