"""Shared helpers of the benchmarks: run steps in subprocesses, take medians, print a table."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_step(module: str, *args: str) -> dict[str, float]:
    """Run ``python -m bench.<module> ARGS`` and return its measurement."""
    out = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(
    label: str, ours: list[dict[str, float]], base: list[dict[str, float]], target: float | None
) -> dict[str, float]:
    """Print medians, the ratio and peak memory of two series of runs."""
    m_ours = statistics.median(r["seconds"] for r in ours)
    m_base = statistics.median(r["seconds"] for r in base)
    peak = max(r["peak_mib"] for r in ours)
    ratio = m_ours / m_base
    verdict = (
        ""
        if target is None
        else (" meets" if ratio <= target else " MISSES") + f" target ≤ {target:g}×"
    )
    print(
        f"{label:<28} monitor {m_ours:7.2f} s   baseline {m_base:7.2f} s   "
        f"ratio {ratio:5.2f}×{verdict}   peak {peak:,.0f} MiB "
        f"(baseline {max(r['peak_mib'] for r in base):,.0f} MiB)"
    )
    return {"ours": m_ours, "baseline": m_base, "ratio": ratio, "peak_mib": peak}


def end_to_end(doc: str, kind: str, label: str, target: float) -> None:
    """A benchmark script's main: ``monitor`` (``scan_step`` KIND) against a bare
    ``read_parquet``, both whole processes, alternating, medians over ``--repeat``."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cases", type=int, default=2_050_000)
    args = parser.parse_args()
    path = str(ROOT / "bench" / "data" / f"county-{args.cases}.parquet")
    ours, base = [], []
    for _ in range(args.repeat):
        base.append(run_step("scan_step", "baseline", path))
        ours.append(run_step("scan_step", kind, path))
    compare(label, ours, base, target)
