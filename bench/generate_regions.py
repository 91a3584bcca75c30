"""Generate a city-year or a province-year of cases as a hive-partitioned Parquet dataset.

Each county is a county-year of :func:`monitor.demo.synth.generate_cases` (2025, as in
bench/generate.py: about 1 bad row in 10,000, nothing after 31 December 18:00) with its own
seed and a ``行政区划代码`` column; a county's cases are generated in chunks of at most
``--chunk-rows`` rows, each chunk a contiguous stretch of the year and one file, so files are
in time order and memory stays bounded whatever the total. Department and item names repeat
across counties (every county has its 县市场监督管理局); item codes (事项编码) start with the
county's code and case ids (办件编号) are ``SX`` + county code + 2-digit chunk + 8 digits,
unique across the dataset (apart from the few duplicate ids planted among the bad rows).

    python -m bench.generate_regions                        # city: 20 M cases, 10 counties
    python -m bench.generate_regions --preset province      # 200 M cases, 100 counties, 11 cities
    python -m bench.generate_regions --cases 2000000 --counties 4 --out /tmp/small --workers 1

Layout: ``DIR/county=330101/part-0000.parquet`` … (timestamps typed ``timestamp[us]`` as in
bench/generate.py's Parquet) and ``DIR/_manifest.json`` (totals, per-county counts and files,
seed, generation time). Everything is written into ``DIR.tmp``, which becomes ``DIR`` only
when complete; readers use :mod:`bench.regions_data`. County codes are synthetic, ``33CCNN``:
province 33, city CC from 01, county NN from 01 (python-stdnum's table of real codes is not
a dependency).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import multiprocessing as mp
import resource
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.regions_data import MANIFEST, PRESETS, default_dir

YEAR_START, YEAR_END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
AS_OF = dt.datetime(2025, 12, 31, 18, 0)
BAD_SHARE = 200 / 2_050_000  # bench/generate.py's bad rows per case
TIMESTAMPS = ("申请时间", "补正时间", "受理时间", "办结时间")
MAX_CHUNK = 2_100_000  # ids keep 8 digits of generate_cases' sequence: enough up to here
#: preset: (cases, counties, cities)
PRESET_SIZES = {"city": (20_000_000, 10, 1), "province": (200_000_000, 100, 11)}


@dataclass(frozen=True)
class Task:
    """One file: a stretch of one county's year."""

    county: str
    part: int
    start: dt.date
    end: dt.date
    rows: int
    seed: int
    root: Path
    compression: str

    @property
    def relpath(self) -> str:
        return f"county={self.county}/part-{self.part:04d}.parquet"


def county_codes(counties: int, cities: int) -> list[str]:
    """``counties`` codes ``33CCNN`` spread over ``cities`` cities (the first ones get one
    more when it does not divide)."""
    if not 1 <= cities <= min(counties, 99):
        raise ValueError("need 1 ≤ cities ≤ min(counties, 99)")
    per_city = [counties // cities + (c < counties % cities) for c in range(cities)]
    if max(per_city) > 99:
        raise ValueError(f"{max(per_city)} counties in a city: at most 99 fit in 33CCNN")
    return [f"33{c + 1:02d}{k + 1:02d}" for c, n in enumerate(per_city) for k in range(n)]


def county_sizes(total: int, counties: int, seed: int) -> list[int]:
    """``total`` split over the counties, each within about ±10 % of the mean, summing
    exactly to ``total`` (largest remainders)."""
    weights = np.random.default_rng([seed, 1]).uniform(0.9, 1.1, counties)
    exact = total * weights / weights.sum()
    sizes = np.floor(exact).astype(np.int64)
    short = total - int(sizes.sum())
    sizes[np.argsort(sizes - exact)[:short]] += 1
    return [int(s) for s in sizes]


def day_weights(calendar: Any) -> np.ndarray:
    """The relative submission volume of each day of the year, as generate_cases draws it
    (working days 1, other days 0.06, a yearly wave of ±15 %)."""
    first = (YEAR_START - dt.date(1970, 1, 1)).days
    days = np.arange(first, first + (YEAR_END - YEAR_START).days + 1)
    work = calendar.is_working_day(days.view("datetime64[D]"))
    return np.where(work, 1.0, 0.06) * (1 + 0.15 * np.sin(days * 2 * np.pi / 365.25))


def spans(rows: int, chunk_rows: int, weights: np.ndarray) -> list[tuple[dt.date, dt.date, int]]:
    """``rows`` in ``ceil(rows / chunk_rows)`` chunks of (almost) equal size, each over
    consecutive days carrying an equal share of the year's volume."""
    n = max(1, math.ceil(rows / chunk_rows))
    if n > min(100, len(weights)):
        raise ValueError(f"{rows:,} rows need {n} chunks: at most 100 per county")
    cum = np.cumsum(weights) / weights.sum()
    ends = [int(np.searchsorted(cum, (i + 1) / n - 1e-12)) for i in range(n - 1)]
    ends = [*ends, len(weights) - 1]
    out, first = [], 0
    for i, last in enumerate(ends):
        last = max(last, first)  # never an empty stretch
        size = rows // n + (i < rows % n)
        out.append((YEAR_START + dt.timedelta(first), YEAR_START + dt.timedelta(last), size))
        first = last + 1
    return out


def plan(args: argparse.Namespace, root: Path, calendar: Any) -> list[Task]:
    """Every file to write, biggest first (no county is left for the end alone)."""
    codes = county_codes(args.counties, args.cities)
    weights = day_weights(calendar)
    tasks = []
    for code, size in zip(codes, county_sizes(args.cases, args.counties, args.seed), strict=True):
        for part, (start, end, rows) in enumerate(spans(size, args.chunk_rows, weights)):
            state = np.random.SeedSequence([args.seed, int(code), part]).generate_state(1)
            tasks.append(Task(code, part, start, end, rows, int(state[0]), root, args.compression))
    return sorted(tasks, key=lambda t: -t.rows)


_CALENDAR: Any = None


def write_part(task: Task) -> dict[str, Any]:
    """Generate and write one file (in a worker process); what was written, for the
    manifest and the progress line."""
    global _CALENDAR
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from monitor.demo.synth import generate_cases
    from rules.calendar import WorkingCalendar

    t0 = time.perf_counter()
    if _CALENDAR is None:
        _CALENDAR = WorkingCalendar.china(2025, 2026)
    bad = round(task.rows * BAD_SHARE) if task.rows > 1 else 0
    frame = generate_cases(
        task.rows - bad, task.start, task.end, seed=task.seed, calendar=_CALENDAR,
        bad_rows=bad, as_of=AS_OF,
    )  # fmt: skip
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    del frame
    prefix = f"SX{task.county}{task.part:02d}"
    columns = {name: table[name] for name in table.column_names}
    columns["办件编号"] = pc.utf8_replace_slice(columns["办件编号"], 0, 10, prefix)
    columns["事项编码"] = pc.utf8_replace_slice(columns["事项编码"], 0, 6, task.county)
    for name in TIMESTAMPS:
        columns[name] = pc.strptime(
            columns[name], format="%Y-%m-%d %H:%M:%S", unit="us", error_is_null=True
        )
    columns["行政区划代码"] = pa.repeat(pa.scalar(task.county, pa.large_string()), len(table))
    path = task.root / task.relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path, compression=task.compression)
    return {
        "county": task.county,
        "path": task.relpath,
        "rows": len(table),
        "bad_rows": bad,
        "start": task.start.isoformat(),
        "end": task.end.isoformat(),
        "bytes": path.stat().st_size,
        "seconds": time.perf_counter() - t0,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _progress(done: int, total: int, part: dict[str, Any], rows: int, goal: int, t0: float) -> None:
    elapsed = time.perf_counter() - t0
    rate = rows / elapsed if elapsed else 0.0
    eta = (goal - rows) / rate if rate else 0.0
    print(
        f"[{done}/{total}] {part['path']} {part['rows']:,} rows in {part['seconds']:.1f} s"
        f" | {rows:,}/{goal:,} rows, {elapsed:,.0f} s, {rate:,.0f} rows/s, ETA {eta:,.0f} s",
        flush=True,
    )


def generate(tasks: list[Task], workers: int, goal: int) -> tuple[list[dict[str, Any]], float]:
    """Write every task's file with ``workers`` processes; the parts and the seconds."""
    parts: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    with mp.get_context("spawn").Pool(workers) as pool:
        for part in pool.imap_unordered(write_part, tasks):
            parts.append(part)
            rows = sum(p["rows"] for p in parts)
            _progress(len(parts), len(tasks), part, rows, goal, t0)
    return parts, time.perf_counter() - t0


def _ours(path: Path) -> bool:
    """Whether ``path`` holds only what this generator writes (safe to delete)."""
    return all(p.name == MANIFEST or p.name.startswith("county=") for p in path.iterdir())


def _prepare(out: Path, tmp: Path) -> None:
    """Make ``tmp`` empty to write into (a stale one removed); refuse to replace an ``out``
    that is not a dataset of ours."""
    for path in (out, tmp):
        if path.exists() and not (path.is_dir() and _ours(path)):
            raise SystemExit(f"{path} exists and is not a generated dataset: not touching it")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)


def _manifest(
    args: argparse.Namespace, parts: list[dict[str, Any]], seconds: float
) -> dict[str, Any]:
    """The dataset's description: totals, per-county counts and files, how it was made."""
    counties: dict[str, dict[str, Any]] = {}
    for part in sorted(parts, key=lambda p: p["path"]):
        county = counties.setdefault(part["county"], {"cases": 0, "bad_rows": 0, "files": []})
        county["cases"] += part["rows"]
        county["bad_rows"] += part["bad_rows"]
        county["files"].append({k: part[k] for k in ("path", "rows", "start", "end", "bytes")})
    return {
        "generator": "bench.generate_regions",
        "preset": args.preset,
        "total": sum(p["rows"] for p in parts),
        "bad_rows": sum(p["bad_rows"] for p in parts),
        "bytes": sum(p["bytes"] for p in parts),
        "counties": counties,
        "cities": args.cities,
        "seed": args.seed,
        "chunk_rows": args.chunk_rows,
        "compression": args.compression,
        "partitioning": "hive: county=<6-digit code>",
        "timestamps": {name: "timestamp[us]" for name in TIMESTAMPS},
        "year": YEAR_START.year,
        "as_of": AS_OF.isoformat(),
        "generated_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "generation_seconds": round(seconds, 1),
        "workers": args.workers,
    }


def _publish(tmp: Path, out: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest last, then put ``tmp`` in place of ``out`` (two renames)."""
    (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    old = out.with_name(out.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=PRESETS, default="city")
    parser.add_argument("--cases", type=int, help="total rows (default: the preset's)")
    parser.add_argument("--counties", type=int, help="default: the preset's (10 / 100)")
    parser.add_argument("--cities", type=int, help="default: the preset's (1 / 11)")
    parser.add_argument("--out", type=Path, help="default: bench/data/<preset>")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--chunk-rows", type=int, default=1_000_000, help="rows per file")
    parser.add_argument("--compression", default="snappy", help="Parquet codec (snappy)")
    args = parser.parse_args(argv)
    cases, counties, cities = PRESET_SIZES[args.preset]
    args.cases = cases if args.cases is None else args.cases
    args.counties = counties if args.counties is None else args.counties
    args.cities = min(cities, args.counties) if args.cities is None else args.cities
    args.out = default_dir(args.preset) if args.out is None else args.out
    if not 1 <= args.chunk_rows <= MAX_CHUNK:
        parser.error(f"--chunk-rows must be in 1..{MAX_CHUNK:,}")
    if args.cases < args.counties or args.counties < 1 or args.workers < 1:
        parser.error("need cases ≥ counties ≥ 1 and workers ≥ 1")
    return args


def main(argv: list[str] | None = None) -> None:
    from rules.calendar import WorkingCalendar

    args = parse_args(argv)
    out = args.out.resolve()
    tmp = out.with_name(out.name + ".tmp")
    tasks = plan(args, tmp, WorkingCalendar.china(2025, 2026))
    _prepare(out, tmp)
    print(
        f"{args.cases:,} cases, {args.counties} counties in {args.cities} cities, "
        f"{len(tasks)} files, {args.workers} workers -> {out}",
        flush=True,
    )
    parts, seconds = generate(tasks, args.workers, args.cases)
    manifest = _manifest(args, parts, seconds)
    _publish(tmp, out, manifest)
    worker_peak = max(p["peak_mib"] for p in parts)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    main_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"wrote {manifest['total']:,} rows in {seconds:,.1f} s "
        f"({manifest['total'] / seconds:,.0f} rows/s), {manifest['bytes'] / 2**30:,.2f} GiB "
        f"-> {out}\npeak memory: largest worker {max(worker_peak, children):,.0f} MiB, "
        f"main {main_peak:,.0f} MiB, {args.workers} workers",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
