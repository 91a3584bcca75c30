"""One load, in its own process: ``python -m bench.load_step monitor|baseline PATH``.

``monitor`` is the full normalised load (read + canonical columns + data-quality list);
``baseline`` is the bare read a user would otherwise do: ``pandas.read_csv(path,
engine="pyarrow")`` (with ``encoding="gb18030"`` for that file) or ``pandas.read_parquet``.
"""

from __future__ import annotations

import sys

import pandas as pd

from bench._measure import measure


def main() -> None:
    kind, path = sys.argv[1], sys.argv[2]
    if kind == "monitor":
        from monitor.cases.load import load_cases
        from monitor.config import Settings

        measure(lambda: load_cases(Settings(), path))
    elif path.endswith(".parquet"):
        measure(lambda: pd.read_parquet(path))
    else:
        encoding = "gb18030" if "gb18030" in path else None
        measure(lambda: pd.read_csv(path, engine="pyarrow", encoding=encoding))


if __name__ == "__main__":
    main()
