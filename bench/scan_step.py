"""One end-to-end run, timed from outside:
``python -m bench.scan_step scan|report|baseline PATH``.

``scan`` runs ``monitor scan --all --format csv`` on the file, ``report`` runs ``monitor
report --period 2025-06`` (each as a child process, the way an operator runs it);
``baseline`` runs a child process that does a bare ``pandas.read_parquet``. All are timed
as whole processes, start-up included.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time


def main() -> None:
    kind, path = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "report":
            cmd = [
                sys.executable,
                "-m",
                "monitor",
                "report",
                "--input",
                path,
                "--period",
                "2025-06",
                "--out",
                tmp,
                "--at",
                "2025-12-31T18:00",
            ]
        elif kind in ("scan", "monitor"):
            cmd = [
                sys.executable,
                "-m",
                "monitor",
                "scan",
                "--input",
                path,
                "--all",
                "--format",
                "csv",
                "--output",
                f"{tmp}/scan.csv",
                "--at",
                "2025-12-31T18:00",
            ]
        else:
            cmd = [sys.executable, "-c", f"import pandas; pandas.read_parquet({path!r})"]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=tmp)
        seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    json.dump({"seconds": seconds, "peak_mib": peak}, sys.stdout)


if __name__ == "__main__":
    main()
