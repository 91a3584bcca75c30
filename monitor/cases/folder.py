"""A folder as the source: the case system (or a person) drops export files into it.

``[source] path`` (or ``--input``) naming a folder reads every case file in it (``.csv``,
``.xlsx``, ``.xlsm``, ``.parquet``; hidden files, ``~$`` lock files of an open workbook and
anything else are skipped), in the order of their names: a case in several files takes its
record from the last one (name files by date, ``2025-03-14.csv``, and the newest wins). Each
file is normalised on its own; a data problem names its file. With the case store, a run
reads only the files that are new or changed since the last one (by name, size and time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from monitor.cases.normalise import QUALITY_COLUMNS
from monitor.errors import InputError

__all__ = ["CASE_FILE_SUFFIXES", "case_files", "combine", "file_marks"]

CASE_FILE_SUFFIXES = frozenset({".csv", ".xlsx", ".xlsm", ".parquet"})
_SUPERSEDED = "duplicate case_id; a later record wins"


def case_files(folder: Path) -> list[Path]:
    """The case files of ``folder``, by name; InputError when there is none."""
    found = sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.suffix.lower() in CASE_FILE_SUFFIXES
        and not p.name.startswith((".", "~$"))
    )
    if not found:
        kinds = ", ".join(sorted(CASE_FILE_SUFFIXES))
        raise InputError(f"{folder}: a folder with no case file in it ({kinds})")
    return found


def file_marks(files: Iterable[Path]) -> dict[str, list[int]]:
    """Name → [size, modification time in ns]: what tells a new or changed file."""
    out = {}
    for path in files:
        info = path.stat()
        out[path.name] = [info.st_size, info.st_mtime_ns]
    return out


def combine(
    files: list[Path], load_one: Callable[[Path], tuple[pd.DataFrame, pd.DataFrame, int]]
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The cases of ``files`` (each loaded by ``load_one``: cases, data problems, rows),
    the last file's record of a case winning, with the data problems naming their file."""
    cases, problems, rows = [], [], 0
    for path in files:
        one, quality, n = load_one(path)
        cases.append(one.assign(_file=path.name))
        problems.append(quality.assign(reason=quality["reason"] + f" (in {path.name})"))
        rows += n
    frame = pd.concat(cases, ignore_index=True)
    later = frame["case_id"].duplicated(keep="last").to_numpy()
    if later.any():
        old = frame[later]
        problems.append(
            pd.DataFrame(
                {
                    "source_row": old["source_row"].to_numpy(),
                    "case_id": old["case_id"].to_numpy(),
                    "field": "case_id",
                    "reason": [f"{_SUPERSEDED} (in {f})" for f in old["_file"]],
                    "value": old["case_id"].astype(str).to_numpy(),
                }
            )
        )
    frame = frame[~later].drop(columns="_file").reset_index(drop=True)
    for column in frame.columns:  # categories of several files: categories again
        if any(isinstance(c[column].dtype, pd.CategoricalDtype) for c in cases):
            frame[column] = frame[column].astype("category")
    quality = pd.concat(problems, ignore_index=True)[QUALITY_COLUMNS]
    return frame, quality, rows
