"""Check: the local and the Dask engine agree on every obligation and every figure of a
county-year (one county of the city dataset, about 2.2 million cases, as its own dataset).

Runs ``monitor scan --all --format csv`` and ``monitor report --period 2025`` (JSON) with
each engine and compares the outputs byte for byte (the report's ``generated_at`` is the
same ``--at``); prints their digests, sizes and times.

    python -m bench.generate_regions --preset city     # once
    python -m bench.engines_agree
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_regions import AT, ROOT, config
from bench.regions_data import dataset_path

COUNTY = "county=330101"


def run(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lake = folder / "lake"
        lake.mkdir()
        (lake / COUNTY).symlink_to(dataset_path("city") / COUNTY)
        digests = {}
        for engine in ("local", "dask:2"):
            cfg = config(folder, lake, engine)
            out = folder / engine.replace(":", "-")
            out.mkdir()
            monitor = [sys.executable, "-m", "monitor", "--config", str(cfg)]
            scan = out / "scan.csv"
            seconds = run(
                [*monitor, "scan", "--all", "--at", AT, "--format", "csv", "--output", str(scan)]
            )
            seconds += run([*monitor, "report", "--period", "2025", "--at", AT, "--out", str(out)])
            report = out / "2025.json"
            digests[engine] = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (scan, report)]
            rows = scan.read_bytes().count(b"\n") - 1
            print(
                f"{engine:<7} {seconds:6.1f} s  scan {rows:,} obligations "
                f"{digests[engine][0][:16]}  report {digests[engine][1][:16]}"
            )
        same = digests["local"] == digests["dask:2"]
        print("the engines agree on every obligation and figure" if same else "THEY DIFFER")
        sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
