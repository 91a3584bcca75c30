"""Benchmark: the case store in steady state against today's full read (issue 13).

The county-year as a case system's SQLite table (``python -m bench.store_data``): the store
was made from yesterday's table; today's has a working day's changes. In the same run,
alternating, whole processes, medians over ``--repeat``:

- ``monitor scan`` (open cases due soon, late or escalated, as CSV) reading the whole table
  and evaluating every case (no store), against the same command with the store (restored
  to yesterday's before each run): target ≥ 5× faster; the rows the store's run read from
  the source ≤ the rows changed that day + those inside the margin; the two outputs equal;
- ``monitor report --period 2025-06`` from the store (up to date) against a bare
  ``pandas.read_parquet`` of the county-year: target ≤ 2×;
- ``monitor scan --all --format csv`` from the store against the DuckDB SQL peer
  (``bench/duckdb_peer.py``) over the same cases as Parquet: target no slower; every row
  must agree;
- peak memory of each.

    python bench/generate.py && python -m bench.store_data && python -m bench.bench_store
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.bench_duckdb import agreement
from bench.common import ROOT, compare, run_step
from bench.store_data import OUT, TODAY, YESTERDAY


def config(path: Path, work: Path, source: Path, store: bool) -> Path:
    """A configuration: the monitor's database under ``work``, the SQL ``source``."""
    text = (
        f'[database]\nurl = "sqlite:///{work / "monitor.db"}"\n'
        f'[source]\nurl = "sqlite:///{source}"\nquery = "SELECT * FROM cases"\n'
    )
    if store:
        text += f'changed_column = "更新时间"\n[store]\nenabled = true\ndir = "{work / "store"}"\n'
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cases", type=int, default=2_050_000)
    args = parser.parse_args()
    facts = json.loads((OUT / "changes.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        snapshot, live, full = root / "snapshot", root / "live", root / "full"
        for d in (snapshot, live, full):
            d.mkdir()
        made = config(root / "yesterday.toml", snapshot, OUT / "yesterday.db", store=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "monitor",
                "store",
                "rebuild",
                "--at",
                YESTERDAY.isoformat(),
                "--config",
                str(made),
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        stored = config(root / "store.toml", live, OUT / "today.db", store=True)
        plain = config(root / "full.toml", full, OUT / "today.db", store=False)
        scan = ["scan", "--format", "csv", "--output", "{out}", "--at", TODAY.isoformat()]
        ours, base = [], []
        for _ in range(args.repeat):
            base.append(run_step("store_step", str(plain), str(root / "full.csv"), *scan))
            shutil.rmtree(live)
            shutil.copytree(snapshot, live, symlinks=True)
            ours.append(run_step("store_step", str(stored), str(root / "store.csv"), *scan))
        same = (root / "full.csv").read_bytes() == (root / "store.csv").read_bytes()
        with sqlite3.connect(live / "monitor.db") as conn:
            read, changed, evaluated = conn.execute(
                "SELECT rows_read, changed, evaluated FROM store_state"
            ).fetchone()
        print(
            f"today's changes: {facts['changed']:,} changed + {facts['added']:,} new rows; "
            f"open cases {facts['open_yesterday']:,} → {facts['open_today']:,}"
        )
        print(
            f"store run read {read:,} rows ({changed:,} new or changed, {evaluated:,} cases "
            f"evaluated); outputs equal: {same}"
        )
        result = compare("scan, store vs full read", ours, base, None)
        print(f"  speed-up {1 / result['ratio']:.1f}× (target ≥ 5×)")
        parquet = str(ROOT / "bench" / "data" / f"county-{args.cases}.parquet")
        report = ["report", "--period", "2025-06", "--out", "{out}", "--at", TODAY.isoformat()]
        ours, base = [], []
        for _ in range(args.repeat):
            base.append(run_step("store_step", "baseline", parquet))
            ours.append(run_step("store_step", str(stored), str(root / "reports"), *report))
        compare("report from the store", ours, base, 2.0)
        every = ["scan", "--all", "--format", "csv", "--output", "{out}", "--at", TODAY.isoformat()]
        ours, base = [], []
        peer_csv, our_csv = root / "peer.csv", root / "all.csv"
        for _ in range(args.repeat):
            base.append(
                run_step(
                    "store_step",
                    "peer",
                    str(OUT / "today.parquet"),
                    str(peer_csv),
                    TODAY.isoformat(),
                )
            )
            ours.append(run_step("store_step", str(stored), str(our_csv), *every))
        compare("scan --all csv, store vs DuckDB", ours, base, 1.0)
        print(f"  every row agrees: {agreement(our_csv, peer_csv)}")


if __name__ == "__main__":
    main()
