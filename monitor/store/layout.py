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
        figures/month=2025-03/…             the reports' counts (:mod:`monitor.store.figures`)
        quality.parquet                     the data problems of the source's rows

``current/cases`` and ``current/obligations`` are hive-partitioned datasets: pandas, DuckDB,
pyarrow and Dask read them as they are (``month`` becomes a column). A run writes a new
generation — a hard link of every file that did not change, new files for what did — and
switches ``current`` to it with one ``rename`` of a link. Killed before the switch, the
previous generation is untouched and the next run removes the unfinished one; killed after
it, the new generation is whole. Every other generation is deleted once a switch is done.
Writers take the folder's lock (:func:`write_lock`), so two processes never write at once.

``[store] dir`` may also be an fsspec URL (``s3://bucket/banjian``, ``memory://store``) where
the filesystem's package is installed (:mod:`monitor.store.remote`): a generation then starts
as copies, and the pointer is a small file ``CURRENT`` naming it, replaced in one write.
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
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from monitor.errors import LockHeld
from monitor.store.remote import Remote, lock_file

__all__ = ["Generation", "StoreFolder", "write_lock"]

_GENERATION = re.compile(r"g(\d{6})")


@contextmanager
def write_lock(root: Path | str, wait: float = 900.0) -> Iterator[None]:
    """Hold the store's write lock (``root/.lock``, the kernel's ``flock``: released when the
    holder ends in any way; for a URL, a lock file of this machine named after it), waiting up
    to ``wait`` seconds for another writer to finish."""
    path = lock_file(str(root)) if isinstance(root, str) else root / ".lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
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
    """One generation's folder (on this machine, or at a URL through ``remote``)."""

    def __init__(self, root: Path | str, number: int, remote: Remote | None = None) -> None:
        self.number = number
        self.remote = remote
        name = f"g{number:06d}"
        self.path: Any = f"{root}/{name}" if remote is not None else Path(root) / name

    def file(self, dataset: str, month: str, part: str) -> Any:
        """``dataset`` ("cases", "obligations", "figures"), ``month`` ("2025-03"), ``part``
        ("open", "closed", …)."""
        return self.table_file(f"{dataset}/month={month}/{part}")

    def table_file(self, name: str) -> Any:
        """The path of ``name``.parquet in the generation."""
        if self.remote is not None:
            return f"{self.path}/{name}.parquet"
        return self.path / f"{name}.parquet"

    def files(self) -> list[str]:
        """Every Parquet file of the generation, relative to its folder, sorted."""
        if self.remote is not None:
            return self.remote.files(self.path)
        return sorted(str(p.relative_to(self.path)) for p in self.path.rglob("*.parquet"))

    def size(self) -> int:
        """The bytes of its files."""
        if self.remote is not None:
            return self.remote.size(self.path)
        return sum(p.stat().st_size for p in self.path.rglob("*.parquet"))

    def months(self, dataset: str, part: str) -> list[str]:
        """The months that have a ``part`` file of ``dataset``."""
        prefix = f"{dataset}/month="
        found = [f for f in self.files() if f.startswith(prefix) and f.endswith(f"/{part}.parquet")]
        return sorted(f[len(prefix) :].split("/", 1)[0] for f in found)

    def exists(self, path: Any) -> bool:
        return self.remote.exists(path) if self.remote is not None else Path(path).is_file()

    def read_file(self, path: Any, columns: list[str] | None = None) -> pa.Table:
        """One file as an Arrow table."""
        if self.remote is not None:
            return self.remote.read(path, columns)
        return pq.read_table(path, columns=columns)

    def read(self, dataset: str, part: str, months: Iterable[str] | None = None) -> pd.DataFrame:
        """The ``part`` files of ``dataset`` for ``months`` (all when None), one frame, with
        no ``month`` column; empty (no columns) when there is none."""
        chosen = self.months(dataset, part) if months is None else sorted(set(months))
        paths = [p for p in (self.file(dataset, m, part) for m in chosen) if self.exists(p)]
        with ThreadPoolExecutor(2) as pool:  # Arrow reads without the GIL
            tables = [t for t in pool.map(self.read_file, paths) if t.num_columns]
        if not tables:
            return pd.DataFrame()
        try:  # one conversion: the months' dictionaries become one categorical
            return pa.concat_tables(tables, promote_options="permissive").to_pandas()
        except pa.ArrowInvalid:  # files of types that do not combine: pandas combines them
            return pd.concat([t.to_pandas() for t in tables], ignore_index=True)

    def write(self, dataset: str, month: str, part: str, frame: pd.DataFrame) -> None:
        """Write one file (nothing, and no file, for an empty frame)."""
        path = self.file(dataset, month, part)
        self.write_file(path, frame if not frame.empty else None)

    def write_file(self, path: Any, frame: pd.DataFrame | None) -> None:
        """Write ``frame`` to ``path`` (remove it for None): locally to a hidden name first,
        then renamed, so a reader never sees half a file (an object store's write is whole
        when it is done)."""
        table = None if frame is None else pa.Table.from_pandas(frame, preserve_index=False)
        if self.remote is not None:
            self.remote.write(path, table)
            return
        path.unlink(missing_ok=True)
        if table is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        hidden = path.with_name(f".{path.name}.tmp")
        pq.write_table(table, hidden)
        os.replace(hidden, path)


class StoreFolder:
    """The store's root folder (or URL): its generations and the ``current`` pointer."""

    def __init__(self, root: Path | str) -> None:
        self.remote = Remote.of(root) if isinstance(root, str) and "://" in root else None
        self.root: Any = root if self.remote is not None else Path(root)
        self.link = f"{root}/CURRENT" if self.remote is not None else self.root / "current"

    def generation(self, number: int) -> Generation:
        return Generation(self.root, number, self.remote)

    def current(self) -> Generation | None:
        """The generation in use, or None before the first."""
        try:
            target = self.remote.pointer(self.link) if self.remote else os.readlink(self.link)
        except FileNotFoundError:
            return None
        match = _GENERATION.fullmatch(Path(target).name)
        if match is None:
            raise ValueError(f"{self.link} points to {target}, not a generation of the store")
        return self.generation(int(match.group(1)))

    def begin(self, number: int, *, empty: bool = False) -> Generation:
        """A new generation ``number``, holding hard links to every file of the current one
        (copies where the filesystem has no hard links) unless ``empty``; a leftover folder
        of that number (a run killed before its switch) is removed first."""
        new = self.generation(number)
        old = self.current()
        if self.remote is not None:
            self.remote.remove(new.path)
            if old is not None and not empty:
                self.remote.copy_tree(old.path, new.path, old.files())
            return new
        if new.path.exists():
            shutil.rmtree(new.path)
        new.path.mkdir(parents=True)
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
        """Make ``generation`` the one in use, atomically (a new link renamed over the old;
        at a URL, the pointer file written in one piece)."""
        name = f"g{generation.number:06d}"
        if self.remote is not None:
            self.remote.set_pointer(self.link, name)
            return
        temporary = self.root / f".current-{generation.number}"
        temporary.unlink(missing_ok=True)
        os.symlink(name, temporary)
        os.replace(temporary, self.link)

    def prune(self) -> list[int]:
        """Remove every generation folder but the one in use; returns their numbers."""
        current = self.current()
        names = self.remote.children(self.root) if self.remote else os.listdir(self.root)
        removed = []
        for name in names:
            match = _GENERATION.fullmatch(name)
            if match and (current is None or int(match.group(1)) != current.number):
                path = f"{self.root}/{name}" if self.remote else self.root / name
                if self.remote is not None:
                    self.remote.remove(path)
                else:
                    shutil.rmtree(path, ignore_errors=True)
                removed.append(int(match.group(1)))
        return sorted(removed)
