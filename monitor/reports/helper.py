"""The trend chart and the workbook made by child processes, overlapping the report's work.

Importing matplotlib and openpyxl, drawing the chart and writing the workbook take about a
second, a third of a month's report made from the case store. :class:`ReportHelpers` starts
two children (``python -m monitor.reports.helper chart|workbook``) as the report command
begins: they import what they need on the second core while the report reads the store and
counts; then each is sent its part of the report (:meth:`Helper.ask`) and makes it with the
function the report's own process would use (:func:`~monitor.reports.chart.trend_svg`,
:func:`~monitor.reports.excel.write_excel`: the same bytes) while the report writes its JSON.
If a child cannot be started, fails or takes longer than :data:`TIMEOUT_SECONDS`, its part
is made in the report's process (which then also reports any error, e.g. a workbook that
cannot be written); the child's error is logged at debug level. No child outlives the
``with`` block.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import Any

from monitor.reports.chart import trend_svg
from monitor.reports.model import ReportData

__all__ = ["TIMEOUT_SECONDS", "Helper", "ReportHelpers"]

log = logging.getLogger(__name__)

#: How long a child may take once asked (it is usually done in a third of a second).
TIMEOUT_SECONDS = 120.0


def _chart(trend: list[dict[str, Any]], language: str) -> bytes:
    """The trend chart as SVG (UTF-8)."""
    return str(trend_svg(trend, language)).encode("utf-8")


def _workbook(data: ReportData, path: str) -> bytes:
    """The report's workbook written to ``path``; nothing to return."""
    from monitor.reports.excel import write_excel

    write_excel(data, Path(path))
    return b""


#: What a child can make, and the module it imports while it waits to be asked.
TASKS: dict[str, tuple[Callable[..., bytes], str]] = {
    "chart": (_chart, "matplotlib.figure"),
    "workbook": (_workbook, "monitor.reports.excel"),
}


class Helper:
    """A child process that does one task of :data:`TASKS` once; a context manager."""

    def __init__(
        self, task: str, command: Sequence[str] | None = None, *, start: bool = True
    ) -> None:
        self.task = task
        self._start = start
        self._command = list(command or [sys.executable, "-m", __name__, task])
        self._asked: tuple[Any, ...] | None = None
        self._reply: tuple[int, bytes, bytes] | None = None
        self._thread: threading.Thread | None = None
        self._child: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Helper:
        if not self._start:
            return self
        try:
            self._child = subprocess.Popen(
                self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        except OSError as exc:
            log.debug("the %s is made here: no child process (%s)", self.task, exc)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        child = self._child
        if child is not None and child.poll() is None:
            child.kill()
        if self._thread is not None:
            self._thread.join()
        elif child is not None:
            child.communicate()  # closes the pipes and reaps the child

    def ask(self, *args: Any) -> None:
        """Send the task's arguments: the child works while the caller goes on."""
        self._asked = args
        if self._child is None:
            return
        payload = pickle.dumps(args)
        self._thread = threading.Thread(target=self._talk, args=(self._child, payload))
        self._thread.start()

    def result(self) -> bytes:
        """What the task returns: the child's, or made here if the child has none."""
        if self._asked is None:
            raise RuntimeError(f"the {self.task}'s result asked for before ask()")
        if self._thread is not None:
            self._thread.join()
        if self._reply is not None and self._reply[0] == 0:
            return self._reply[1]
        if self._reply is not None:
            code, _, err = self._reply
            log.debug("the %s's child process failed (%s): %s", self.task, code, err[-2000:])
        return TASKS[self.task][0](*self._asked)

    def _talk(self, child: subprocess.Popen[bytes], payload: bytes) -> None:
        try:
            out, err = child.communicate(payload, timeout=TIMEOUT_SECONDS)
            self._reply = (child.returncode, out, err)
        except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
            child.kill()
            child.communicate()
            self._reply = (-1, b"", str(exc).encode())


class ReportHelpers(ExitStack):
    """The chart's and the workbook's :class:`Helper`, started together for a ``with`` block;
    without ``start``, no child: both are made in this process (a long-lived one, such as
    the daemon's, imports matplotlib and openpyxl once)."""

    def __init__(self, *, start: bool = True) -> None:
        super().__init__()
        self.chart = Helper("chart", start=start)
        self.workbook = Helper("workbook", start=start)

    def __enter__(self) -> ReportHelpers:
        super().__enter__()
        self.enter_context(self.chart)
        self.enter_context(self.workbook)
        return self


def _main() -> None:
    """The child: get ready now, then do the task with the arguments read from stdin."""
    function, module = TASKS[sys.argv[1]]
    with contextlib.suppress(OSError):  # the report's own process comes first for a core
        os.nice(10)
    importlib.import_module(module)
    args = pickle.loads(sys.stdin.buffer.read())
    sys.stdout.buffer.write(function(*args))


if __name__ == "__main__":
    _main()
