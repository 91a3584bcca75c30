"""The source's cases for the web pages, kept in memory: loaded once, loaded again when the
source file changes (or, for a SQL source, after ``reload_seconds``), so that a page is
served without reading the source."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pandas as pd

from monitor.cases.load import LoadedCases, load_cases
from monitor.config import Settings

__all__ = ["CaseSource"]


class CaseSource:
    """The cases of ``[source]`` by case id; thread-safe (waitress serves on threads)."""

    def __init__(self, settings: Settings, reload_seconds: float = 300.0) -> None:
        self.settings = settings
        self.reload_seconds = reload_seconds
        self._lock = threading.Lock()
        self._loaded: LoadedCases | None = None
        self._positions: dict[str, int] = {}
        self._stamp: object = None

    def case(self, case_id: str) -> pd.DataFrame | None:
        """The canonical row of ``case_id`` (a one-row frame), or None when the source has
        no valid case of that id."""
        loaded = self.loaded()
        position = self._positions.get(case_id)
        return None if position is None else loaded.cases.iloc[[position]]

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
