"""One timed run of the case-store benchmark, from outside:
``python -m bench.store_step CONFIG OUT ARGS…`` runs ``monitor ARGS --config CONFIG`` as a
child process (start-up included) with its output into OUT, and prints its seconds and peak
memory as JSON (``baseline PARQUET`` instead: a bare ``pandas.read_parquet``; ``peer PARQUET
OUT AT``: the DuckDB SQL peer, ``bench/duckdb_peer.py``)."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main() -> None:
    if sys.argv[1] == "baseline":
        cmd = [sys.executable, "-c", f"import pandas; pandas.read_parquet({sys.argv[2]!r})"]
    elif sys.argv[1] == "peer":  # peer PARQUET OUT AT: the DuckDB SQL peer
        cmd = [sys.executable, "-m", "bench.duckdb_peer", *sys.argv[2:4], "--at", sys.argv[4]]
    else:
        config, out, *args = sys.argv[1:]
        cmd = [sys.executable, "-m", "monitor", *args, "--config", config]
        cmd = [c.replace("{out}", out) for c in cmd]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    json.dump({"seconds": seconds, "peak_mib": peak}, sys.stdout)


if __name__ == "__main__":
    main()
