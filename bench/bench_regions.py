"""Benchmark: a city-year (20 M cases) or a province-year (200 M) from a partitioned Parquet
dataset, with the local engine and with Dask (a LocalCluster on this machine).

Each run is a whole ``monitor`` process (``scan`` at the end of 2025, or ``report --period
2025``), timed from start to exit; memory is the peak of the summed resident memory of the
process and all its descendants (the Dask scheduler, nannies and workers), sampled every
0.1 s. The baseline is reading every partition with pandas and nothing else, the floor of
any engine that reads the data once, in the same process layout as the local engine.

    python -m bench.generate_regions --preset city        # the dataset, once
    python -m bench.bench_regions                          # city: scan + report, both engines
    python -m bench.bench_regions --preset province --engines dask:1,dask:2 --steps scan --repeat 1
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from bench.regions_data import dataset_path, manifest

ROOT = Path(__file__).resolve().parent.parent
AT = "2025-12-31T18:00"


def config(folder: Path, dataset: Path, engine: str) -> Path:
    """A configuration that reads ``dataset`` with ``engine`` ("local" or "dask:N")."""
    kind, _, workers = engine.partition(":")
    table = 'kind = "local"' if kind == "local" else f'kind = "dask"\nworkers = {workers or 2}'
    path = folder / f"{engine.replace(':', '-')}.toml"
    path.write_text(
        f'[source]\ndataset = "{dataset}"\n\n[engine]\n{table}\n\n'
        f'[schedule]\nlock_file = "{folder / "monitor.lock"}"\n\n'
        f'[database]\nurl = "sqlite:///{folder / "monitor.db"}"\n',
        encoding="utf-8",
    )
    return path


def command(step: str, cfg: Path, out: Path) -> list[str]:
    """The ``monitor`` command line of ``step``."""
    monitor = [sys.executable, "-m", "monitor", "--config", str(cfg)]
    if step == "scan":
        return [*monitor, "scan", "--at", AT, "--format", "csv", "--output", str(out / "scan.csv")]
    if step == "report":
        return [*monitor, "report", "--period", "2025", "--at", AT, "--out", str(out)]
    if step == "read":
        return [sys.executable, "-m", "bench.regions_read", str(cfg)]
    raise ValueError(step)


def measured(argv: list[str]) -> dict[str, float]:
    """Run ``argv``; its seconds and the peak summed memory of its process tree (MiB)."""
    started = time.perf_counter()
    proc = psutil.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            total = 0
            try:
                for p in [proc, *proc.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
            except psutil.Error:
                pass
            peak[0] = max(peak[0], total)
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = proc.communicate()
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{stderr.decode()}")
    return {"seconds": time.perf_counter() - started, "peak_mib": peak[0] / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="city", choices=["city", "province"])
    parser.add_argument("--engines", default="local,dask:2")
    parser.add_argument("--steps", default="read,scan,report")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    dataset = dataset_path(args.preset)
    millions = manifest(args.preset)["total"] / 1e6
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for _ in range(args.repeat):
            for step in args.steps.split(","):
                engines = ["local"] if step == "read" else args.engines.split(",")
                for engine in engines:
                    cfg = config(folder, dataset, engine)
                    run = measured(command(step, cfg, folder))
                    results.setdefault((step, engine), []).append(run)
                    print(
                        f"  {step:<6} {engine:<7} {run['seconds']:8.1f} s "
                        f"{run['peak_mib']:8,.0f} MiB",
                        flush=True,
                    )
    print(f"\n{args.preset}: {millions:,.0f} million cases, medians of {args.repeat}")
    summary = {}
    for (step, engine), runs in results.items():
        median = statistics.median(r["seconds"] for r in runs)
        peak = max(r["peak_mib"] for r in runs)
        summary[f"{step} {engine}"] = {"seconds": median, "peak_mib": peak}
        print(
            f"{step:<6} {engine:<7} {median:8.1f} s  {median / millions:6.2f} s per million  "
            f"peak {peak:8,.0f} MiB"
        )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
