"""The baseline of bench_regions: read every partition of the configured dataset with pandas
(all columns, one file after another), nothing else.

    python -m bench.regions_read CONFIG
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pandas as pd


def main() -> None:
    config = tomllib.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    root = Path(config["source"]["dataset"])
    rows = 0
    for path in sorted(root.rglob("*.parquet")):
        rows += len(pd.read_parquet(path))
    print(rows)


if __name__ == "__main__":
    main()
