"""Benchmark: the case store read by each engine (issue 14).

The county-year store (``python -m bench.store_data``: today's SQLite table of 2.04 million
cases) is made once at today's moment; then, alternating, whole ``monitor`` processes with
the store up to date:

- ``monitor scan --all --format csv`` and ``monitor report --period 2025``, with the local
  engine (the store's stored obligations and month counts) and with Dask (a LocalCluster of
  2 workers: every stored month file evaluated again on the cluster);
- the two engines' CSV and report JSON must be byte-identical;
- medians over ``--repeat`` and the peak summed memory of each process tree.

    python bench/generate.py && python -m bench.store_data && python -m bench.store_engines
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from bench.bench_regions import measured
from bench.store_data import OUT, TODAY


def config(folder: Path, engine: str) -> Path:
    """The store over today's table, read with ``engine`` ("local" or "dask:N")."""
    kind, _, workers = engine.partition(":")
    table = 'kind = "local"' if kind == "local" else f'kind = "dask"\nworkers = {workers}'
    path = folder / f"{engine.replace(':', '-')}.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{folder / "monitor.db"}"\n'
        f'[source]\nurl = "sqlite:///{OUT / "today.db"}"\nquery = "SELECT * FROM cases"\n'
        f'changed_column = "更新时间"\n[store]\nenabled = true\ndir = "{folder / "store"}"\n'
        f"[engine]\n{table}\n",
        encoding="utf-8",
    )
    return path


def step(name: str, cfg: Path, out: Path) -> list[str]:
    monitor = [sys.executable, "-m", "monitor", "--config", str(cfg)]
    at = ["--at", TODAY.isoformat()]
    if name == "scan --all":
        return [*monitor, "scan", "--all", "--format", "csv", "--output", str(out), *at]
    return [*monitor, "report", "--period", "2025", "--out", str(out), *at]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engines", default="local,dask:2")
    args = parser.parse_args()
    engines = args.engines.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rebuild = [sys.executable, "-m", "monitor", "--config", str(config(folder, "local"))]
        made = measured([*rebuild, "store", "rebuild", "--at", TODAY.isoformat()])
        print(f"store rebuilt in {made['seconds']:.1f} s", flush=True)
        runs: dict[tuple[str, str], list[dict[str, float]]] = {}
        for _ in range(args.repeat):
            for name in ("scan --all", "report"):
                for engine in engines:
                    out = folder / f"{name.split()[0]}-{engine.replace(':', '-')}"
                    target = out.with_suffix(".csv") if name == "scan --all" else out
                    run = measured(step(name, config(folder, engine), target))
                    runs.setdefault((name, engine), []).append(run)
                    print(f"  {name:<10} {engine:<7} {run['seconds']:7.1f} s", flush=True)
        for (name, engine), found in runs.items():
            median = statistics.median(r["seconds"] for r in found)
            peak = max(r["peak_mib"] for r in found)
            print(f"{name:<10} {engine:<7} {median:7.1f} s  peak {peak:7,.0f} MiB")
        first, *others = engines
        for other in others:
            tags = [e.replace(":", "-") for e in (first, other)]
            scans, reports = (
                [(folder / pattern.format(t)).read_bytes() for t in tags]
                for pattern in ("scan-{}.csv", "report-{}/2025.json")
            )
            print(
                f"{first} and {other} agree: scan --all CSV {scans[0] == scans[1]}, "
                f"report JSON {reports[0] == reports[1]}"
            )


if __name__ == "__main__":
    main()
