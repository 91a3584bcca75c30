"""One end-to-end run, timed from outside:
``python -m bench.scan_step scan|report|duckdb|baseline PATH [OUT.csv]``.

``scan`` runs ``monitor scan --all --format csv`` on the file, ``report`` runs ``monitor
report --period 2025-06`` (each as a child process, the way an operator runs it);
``duckdb`` runs the same rules as DuckDB SQL (``python -m bench.duckdb_peer``), writing its
CSV; ``baseline`` runs a child process that does a bare ``pandas.read_parquet``. All are timed
as whole processes, start-up included. With ``OUT.csv``, ``scan`` and ``duckdb`` write their
CSV there (kept, for comparing) instead of into a temporary folder.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AT = "2025-12-31T18:00"
ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    kind, path = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        out = sys.argv[3] if len(sys.argv) > 3 else f"{tmp}/scan.csv"
        cmd, cwd = _command(kind, path, tmp, out)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=cwd)
        seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    json.dump({"seconds": seconds, "peak_mib": peak}, sys.stdout)


def _command(kind: str, path: str, tmp: str, out: str) -> tuple[list[str], str]:
    """The child's command line and working folder. The monitor runs in an empty folder
    (built-in settings, no ./config.toml); the DuckDB peer from the repository, which holds
    the ``bench`` package."""
    python = sys.executable
    if kind == "report":
        report = ["report", "--input", path, "--period", "2025-06", "--out", tmp, "--at", AT]
        return [python, "-m", "monitor", *report], tmp
    if kind in ("scan", "monitor"):
        scan = ["scan", "--input", path, "--all", "--format", "csv", "--output", out]
        return [python, "-m", "monitor", *scan, "--at", AT], tmp
    if kind == "duckdb":
        return [python, "-m", "bench.duckdb_peer", path, out, "--at", AT], str(ROOT)
    return [python, "-c", f"import pandas; pandas.read_parquet({path!r})"], tmp


if __name__ == "__main__":
    main()
