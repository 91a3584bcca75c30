"""The source's cases for the web pages, kept in memory: loaded once, loaded again when the
source file changes (or, for a SQL source, after ``reload_seconds``), so that a page is
served without reading the source. A partitioned dataset (``[source] dataset``, a city's or
a province's) is not held whole: a page's case is looked up in its partitions (their
case-id columns), and the found case is remembered for ``reload_seconds``."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from monitor.cases.load import LoadedCases, load_cases
from monitor.config import Settings
from monitor.engine.lookup import dataset_case

__all__ = ["CaseSource"]

#: Cases of a partitioned dataset a web process remembers (each a partition's few rows).
REMEMBERED = 256


class CaseSource:
    """The cases of ``[source]`` by case id; thread-safe (waitress serves on threads)."""

    def __init__(self, settings: Settings, reload_seconds: float = 300.0) -> None:
        self.settings = settings
        self.reload_seconds = reload_seconds
        self._lock = threading.Lock()
        self._loaded: LoadedCases | None = None
        self._positions: dict[str, int] = {}
        self._stamp: object = None
        self._found: dict[str, tuple[int, tuple[pd.DataFrame, LoadedCases] | None]] = {}

    def case(self, case_id: str) -> tuple[pd.DataFrame, LoadedCases] | None:
        """The canonical row of ``case_id`` (a one-row frame) and the cases it was loaded
        with, or None when the source has no valid case of that id."""
        if self.settings.source.dataset:
            return self._dataset_case(case_id)
        loaded = self.loaded()
        position = self._positions.get(case_id)
        return None if position is None else (loaded.cases.iloc[[position]], loaded)

    def _dataset_case(self, case_id: str) -> tuple[pd.DataFrame, LoadedCases] | None:
        """From ``[source] dataset``: the partition holding the case, read (not the whole
        dataset); remembered for ``reload_seconds``, the last :data:`REMEMBERED` cases."""
        slot = int(time.monotonic() // self.reload_seconds)
        with self._lock:
            known = self._found.get(case_id)
        if known is not None and known[0] == slot:
            return known[1]
        loaded = dataset_case(self.settings, case_id)
        found = None
        if loaded is not None:
            rows = (loaded.cases["case_id"].astype(str) == case_id).to_numpy()
            if rows.any():
                found = (loaded.cases[rows].iloc[:1], replace(loaded, cases=loaded.cases[rows]))
        with self._lock:
            self._found[case_id] = (slot, found)
            while len(self._found) > REMEMBERED:
                self._found.pop(next(iter(self._found)))
        return found

    def loaded(self) -> LoadedCases:
        """The loaded source, loaded again when it changed."""
        with self._lock:
            stamp = self._current_stamp()
            if self._loaded is None or stamp != self._stamp:
                self._loaded = load_cases(self.settings)
                ids = self._loaded.cases["case_id"].astype(str)
                self._positions = {case: i for i, case in enumerate(ids)}
                self._stamp = stamp
            return self._loaded

    def _current_stamp(self) -> object:
        """What says the source changed: a file's modification time and size, or the time
        (in ``reload_seconds`` slots) for a SQL source."""
        if self.settings.source.path:
            path = Path(self.settings.resolve(self.settings.source.path))
            try:
                info = path.stat()
            except OSError:
                return None
            return (info.st_mtime_ns, info.st_size)
        return int(time.monotonic() // self.reload_seconds)
