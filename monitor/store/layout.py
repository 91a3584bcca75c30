"""The store's folder: generations of Parquet files, and an atomic switch between them.

::

    var/store/
      current -> g000007                    the generation in use (a symbolic link)
      g000007/
        cases/month=2025-03/closed.parquet  cases submitted in March 2025 whose every
                                            obligation is closed
        cases/month=2025-03/open.parquet    … and those with one still open
        obligations/month=2025-03/closed.parquet, open.parquet
                                            their evaluated obligations
        quality.parquet                     the data problems of the source's rows

``current/cases`` and ``current/obligations`` are hive-partitioned datasets: pandas, DuckDB,
pyarrow and Dask read them as they are (``month`` becomes a column). A run writes a new
generation — a hard link of every file that did not change, new files for what did — and
switches ``current`` to it with one ``rename`` of a link. Killed before the switch, the
previous generation is untouched and the next run removes the unfinished one; killed after
it, the new generation is whole. Every other generation is deleted once a switch is done.
Writers take the folder's lock (:func:`write_lock`), so two processes never write at once.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from monitor.errors import LockHeld

__all__ = ["Generation", "StoreFolder", "write_lock"]

_GENERATION = re.compile(r"g(\d{6})")


@contextmanager
def write_lock(root: Path, wait: float = 900.0) -> Iterator[None]:
    """Hold the store's write lock (``root/.lock``, the kernel's ``flock``: released when the
    holder ends in any way), waiting up to ``wait`` seconds for another writer to finish."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LockHeld(
                        f"the case store {root} is being written by another process for more "
                        f"than {wait:.0f} s; try again when it has finished"
                    ) from None
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)


class Generation:
    """One generation's folder."""

    def __init__(self, root: Path, number: int) -> None:
        self.number = number
        self.path = root / f"g{number:06d}"

    def file(self, dataset: str, month: str, part: str) -> Path:
        """``dataset`` ("cases" or "obligations"), ``month`` ("2025-03"), ``part``
        ("open" or "closed")."""
        return self.path / dataset / f"month={month}" / f"{part}.parquet"

    def files(self) -> list[str]:
        """Every Parquet file of the generation, relative to its folder, sorted."""
        return sorted(str(p.relative_to(self.path)) for p in self.path.rglob("*.parquet"))

    def months(self, dataset: str, part: str) -> list[str]:
        """The months that have a ``part`` file of ``dataset``."""
        found = self.path.glob(f"{dataset}/month=*/{part}.parquet")
        return sorted(p.parent.name.removeprefix("month=") for p in found)

    def read(self, dataset: str, part: str, months: Iterable[str] | None = None) -> pd.DataFrame:
        """The ``part`` files of ``dataset`` for ``months`` (all when None), one frame, with
        no ``month`` column; empty (no columns) when there is none."""
        chosen = self.months(dataset, part) if months is None else sorted(set(months))
        paths = [p for p in (self.file(dataset, m, part) for m in chosen) if p.is_file()]
        with ThreadPoolExecutor(2) as pool:  # Arrow reads without the GIL
            tables = [t for t in pool.map(pq.read_table, paths) if t.num_columns]
        if not tables:
            return pd.DataFrame()
        try:  # one conversion: the months' dictionaries become one categorical
            return pa.concat_tables(tables, promote_options="permissive").to_pandas()
        except pa.ArrowInvalid:  # files of types that do not combine: pandas combines them
            return pd.concat([t.to_pandas() for t in tables], ignore_index=True)

    def write(self, dataset: str, month: str, part: str, frame: pd.DataFrame) -> None:
        """Write one file (nothing, and no file, for an empty frame): to a hidden name first,
        then renamed, so a reader never sees half a file."""
        path = self.file(dataset, month, part)
        path.unlink(missing_ok=True)
        if frame.empty:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        hidden = path.with_name(f".{path.name}.tmp")
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), hidden)
        os.replace(hidden, path)


class StoreFolder:
    """The store's root folder: its generations and the ``current`` link."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.link = root / "current"

    def current(self) -> Generation | None:
        """The generation in use, or None before the first."""
        try:
            target = os.readlink(self.link)
        except FileNotFoundError:
            return None
        match = _GENERATION.fullmatch(Path(target).name)
        if match is None:
            raise ValueError(f"{self.link} points to {target}, not a generation of the store")
        return Generation(self.root, int(match.group(1)))

    def begin(self, number: int, *, empty: bool = False) -> Generation:
        """A new generation ``number``, holding hard links to every file of the current one
        (copies where the filesystem has no hard links) unless ``empty``; a leftover folder
        of that number (a run killed before its switch) is removed first."""
        new = Generation(self.root, number)
        if new.path.exists():
            shutil.rmtree(new.path)
        new.path.mkdir(parents=True)
        old = self.current()
        if old is not None and not empty:
            for name in old.files():
                target = new.path / name
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(old.path / name, target)
                except OSError:
                    shutil.copy2(old.path / name, target)
        return new

    def switch(self, generation: Generation) -> None:
        """Make ``generation`` the one in use, atomically (a new link renamed over the old)."""
        temporary = self.root / f".current-{generation.number}"
        temporary.unlink(missing_ok=True)
        os.symlink(generation.path.name, temporary)
        os.replace(temporary, self.link)

    def prune(self) -> list[int]:
        """Remove every generation folder but the one in use; returns their numbers."""
        current = self.current()
        removed = []
        for path in self.root.glob("g??????"):
            match = _GENERATION.fullmatch(path.name)
            if match and (current is None or int(match.group(1)) != current.number):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(int(match.group(1)))
        return sorted(removed)
