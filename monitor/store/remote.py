"""A case store at an fsspec URL (``[store] dir = "s3://bucket/banjian"``): the file operations
:mod:`monitor.store.layout` needs, on the filesystem fsspec gives for the URL.

The URL's package must be installed beside fsspec (``s3fs`` for ``s3://``, ``gcsfs`` for
``gs://``, …; ``memory://`` needs none). What differs from a folder on this machine: a new
generation starts as copies of the files that did not change (an object store has no hard
links), the pointer to the generation in use is a small object ``CURRENT`` replaced in one
write (readers go through it: ``…/CURRENT`` names ``g000042``), and the writers' lock is a
file on this machine — one machine writes a given store.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from monitor.errors import ConfigError

__all__ = ["Remote", "lock_file"]


def lock_file(url: str) -> Path:
    """This machine's lock file for the store at ``url``."""
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"banjian-store-{digest}.lock"


class Remote:
    """The filesystem of a store URL; every method takes full URLs (``memory://store/g…``)."""

    def __init__(self, fs: Any) -> None:
        self.fs = fs

    @classmethod
    def of(cls, url: str) -> Remote:
        """The filesystem of ``url``, or a configuration error naming what is missing."""
        try:
            import fsspec
        except ImportError:
            raise ConfigError(
                "[store] dir",
                [
                    f"{url} is a URL, which needs the fsspec package and the one of its "
                    "filesystem (e.g. pip install fsspec s3fs); or give a folder on this machine"
                ],
            ) from None
        try:
            fs, _ = fsspec.core.url_to_fs(url)
        except (ImportError, ValueError) as exc:
            raise ConfigError("[store] dir", [f"{url}: {exc}"]) from None
        return cls(fs)

    def _path(self, url: str) -> str:
        return str(self.fs._strip_protocol(url))

    def files(self, root: str) -> list[str]:
        """The Parquet files under ``root``, relative to it, sorted."""
        base = self._path(root).rstrip("/")
        try:
            found = self.fs.find(base)
        except FileNotFoundError:
            return []
        names = [str(p)[len(base) + 1 :] for p in found if str(p).endswith(".parquet")]
        return sorted(n for n in names if n)

    def size(self, root: str) -> int:
        base = self._path(root)
        return sum(int(info.get("size") or 0) for info in self.fs.find(base, detail=True).values())

    def exists(self, url: str) -> bool:
        return bool(self.fs.isfile(self._path(url)))

    def read(self, url: str, columns: list[str] | None = None) -> pa.Table:
        with self.fs.open(self._path(url), "rb") as handle:
            return pq.read_table(handle, columns=columns)

    def write(self, url: str, table: pa.Table | None) -> None:
        """Write ``table`` to ``url`` in one piece (remove it for None)."""
        path = self._path(url)
        if table is None:
            if self.fs.exists(path):
                self.fs.rm(path)
            return
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        self.fs.pipe_file(path, sink.getvalue().to_pybytes())

    def remove(self, url: str) -> None:
        path = self._path(url)
        if self.fs.exists(path):
            self.fs.rm(path, recursive=True)

    def copy_tree(self, old: str, new: str, names: list[str]) -> None:
        for name in names:
            self.fs.copy(self._path(f"{old}/{name}"), self._path(f"{new}/{name}"))

    def pointer(self, url: str) -> str:
        """The generation the pointer file names (FileNotFoundError before the first)."""
        return bytes(self.fs.cat_file(self._path(url))).decode().strip()

    def set_pointer(self, url: str, name: str) -> None:
        self.fs.pipe_file(self._path(url), name.encode())

    def children(self, root: str) -> list[str]:
        """The names directly under ``root``."""
        try:
            entries = self.fs.ls(self._path(root), detail=False)
        except FileNotFoundError:
            return []
        return [str(e).rstrip("/").rsplit("/", 1)[-1] for e in entries]
