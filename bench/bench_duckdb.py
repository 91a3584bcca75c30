"""Benchmark: ``monitor scan --all --format csv`` against the same rules as DuckDB SQL.

Both read the same Parquet file and write a CSV of every obligation at 2025-12-31T18:00, as
whole child processes timed from outside (``bench.scan_step scan|duckdb``), alternating in
the same run; medians over --repeat runs, the ratio monitor / peer and the peak memory of
each. Then the two CSVs are compared: rows matched by case id and obligation, every shared
column compared as written (deadline, level, state, remaining and late working days, …).
The run fails (exit 1) unless every row agrees, listing the first differences.

    python bench/generate.py && python -m bench.bench_duckdb [--cases 2050000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from bench.common import ROOT, compare, run_step

KEYS = ["case_id", "obligation"]
SHOWN = 10  # differences listed when the outputs disagree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2_050_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    path = str(ROOT / "bench" / "data" / f"county-{args.cases}.parquet")
    with tempfile.TemporaryDirectory() as tmp:
        ours_csv, peer_csv = f"{tmp}/monitor.csv", f"{tmp}/duckdb.csv"
        ours, peer = [], []
        for _ in range(args.repeat):
            peer.append(run_step("scan_step", "duckdb", path, peer_csv))
            ours.append(run_step("scan_step", "scan", path, ours_csv))
        print(f"{args.cases:,} cases, {args.repeat} runs each; baseline = DuckDB SQL peer")
        for name, runs in (("monitor", ours), ("duckdb peer", peer)):
            times = ", ".join(f"{r['seconds']:.2f}" for r in runs)
            print(f"  {name:<12} runs {times} s; peak {max(r['peak_mib'] for r in runs):,.0f} MiB")
        compare("scan --all vs DuckDB SQL", ours, peer, None)
        ok = agreement(Path(ours_csv), Path(peer_csv))
    sys.exit(0 if ok else 1)


def agreement(ours_csv: Path, peer_csv: Path) -> bool:
    """Compare the two CSVs row by row, both sorted by case id and obligation; print the
    counts and the first differences. True when every row of each equals the other's."""
    order = [(k, "ascending") for k in KEYS]
    ours, peer = _read(ours_csv).sort_by(order), _read(peer_csv).sort_by(order)
    shared = [c for c in ours.column_names if c in peer.column_names and c not in KEYS]
    for name, table, other in (("monitor", ours, peer), ("duckdb peer", peer, ours)):
        missing = sorted(set(other.column_names) - set(table.column_names))
        if missing:
            print(f"  {name} lacks the columns {', '.join(missing)}")
    aligned = ours.num_rows == peer.num_rows and all(ours[k].equals(peer[k]) for k in KEYS)
    if aligned:  # the same keys in the same order: compare in place
        joined = pa.table({k: ours[k] for k in KEYS} | _sides(ours, peer, shared))
    else:  # rows missing on a side: match them by key
        joined = _joined(ours, peer, shared)
    same = pc.and_(_present(joined, "_m"), _present(joined, "_d"))
    for col in shared:
        same = pc.and_(same, pc.fill_null(pc.equal(joined[f"{col}_m"], joined[f"{col}_d"]), False))
    agree = pc.sum(same).as_py() or 0
    print(
        f"agreement: {agree:,} of {joined.num_rows:,} rows agree on all {len(shared)} columns "
        f"besides case_id and obligation ({', '.join(shared)}); "
        f"monitor {ours.num_rows:,} rows, peer {peer.num_rows:,}"
    )
    if agree == joined.num_rows == ours.num_rows == peer.num_rows:
        return True
    _show(joined.filter(pc.invert(same)), shared)
    return False


def _read(path: Path) -> pa.Table:
    """Every column as the text written (an empty cell is the empty string)."""
    with path.open(encoding="utf-8", newline="") as f:
        names = next(csv.reader(f))
    types = {name: pa.string() for name in names}
    convert = pacsv.ConvertOptions(column_types=types, strings_can_be_null=False)
    return pacsv.read_csv(path, convert_options=convert)


def _sides(ours: pa.Table, peer: pa.Table, shared: list[str]) -> dict[str, pa.ChunkedArray]:
    """Columns of both, aligned: ``c`` of the monitor as ``c_m``, of the peer as ``c_d``, and
    ``present_m`` / ``present_d``."""
    cols = {f"{c}{suffix}": t[c] for suffix, t in (("_m", ours), ("_d", peer)) for c in shared}
    present = pa.chunked_array([np.ones(ours.num_rows, dtype=bool)])
    return cols | {"present_m": present, "present_d": present}


def _joined(ours: pa.Table, peer: pa.Table, shared: list[str]) -> pa.Table:
    """Rows of both matched by (case id, obligation), sorted by them, columns named as
    :func:`_sides` names them (a row missing on one side has that side's columns null)."""

    def side(table: pa.Table, suffix: str) -> pa.Table:
        cols = {k: table[k] for k in KEYS} | {f"{c}{suffix}": table[c] for c in shared}
        return pa.table(cols | {f"present{suffix}": np.ones(table.num_rows, dtype=bool)})

    joined = side(ours, "_m").join(side(peer, "_d"), KEYS, join_type="full outer")
    return joined.sort_by([(k, "ascending") for k in KEYS])


def _present(joined: pa.Table, suffix: str) -> pa.ChunkedArray:
    return pc.fill_null(joined[f"present{suffix}"], False)


def _show(diff: pa.Table, shared: list[str]) -> None:
    """The first differing rows: the key, and each column that differs (monitor → peer)."""
    print(f"first {min(SHOWN, diff.num_rows)} of {diff.num_rows:,} differing rows:")
    for row in diff.slice(0, SHOWN).to_pylist():
        key = f"{row['case_id']} {row['obligation']}"
        if not row["present_m"] or not row["present_d"]:
            print(f"  {key}: only in the {'peer' if not row['present_m'] else 'monitor'}")
            continue
        cells = [
            f"{c} {row[f'{c}_m']!r} → {row[f'{c}_d']!r}"
            for c in shared
            if row[f"{c}_m"] != row[f"{c}_d"]
        ]
        print(f"  {key}: {'; '.join(cells)}")


if __name__ == "__main__":
    main()
