"""The trend chart drawn by a child process, overlapping the report's own work.

Importing matplotlib and drawing the chart take 0.6–1 s, a quarter of a month's report made
from the case store. :class:`ReportHelper` starts ``python -m monitor.reports.helper`` as
the report begins: the child imports matplotlib on the second core while the report reads
the store and counts; then it is sent the trend (:meth:`ReportHelper.ask`) and draws it with
the function the report's own process would use (:func:`~monitor.reports.chart.trend_svg`:
the same bytes) while the report writes its JSON and workbook. If the child cannot be
started, fails or takes longer than :data:`TIMEOUT_SECONDS`, the chart is drawn in the
report's process; the child's error is logged at debug level. The child never outlives the
``with`` block.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from markupsafe import Markup

from monitor.reports.chart import trend_svg

__all__ = ["TIMEOUT_SECONDS", "ReportHelper"]

log = logging.getLogger(__name__)

#: How long the child may take once asked (it is usually done in a third of a second).
TIMEOUT_SECONDS = 120.0


class ReportHelper:
    """A child process that draws one trend chart; a context manager."""

    def __init__(self, command: Sequence[str] | None = None) -> None:
        self._command = list(command or [sys.executable, "-m", __name__])
        self._asked: tuple[list[dict[str, Any]], str] | None = None
        self._reply: tuple[int, bytes, bytes] | None = None
        self._thread: threading.Thread | None = None
        self._child: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ReportHelper:
        try:
            self._child = subprocess.Popen(
                self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        except OSError as exc:
            log.debug("the chart is drawn here: no child process (%s)", exc)
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

    def ask(self, trend: list[dict[str, Any]], language: str) -> None:
        """Send the trend: the child draws it while the caller goes on."""
        self._asked = (trend, language)
        if self._child is None:
            return
        payload = json.dumps({"trend": trend, "language": language}, default=_plain).encode()
        self._thread = threading.Thread(target=self._talk, args=(self._child, payload))
        self._thread.start()

    def chart(self) -> Markup:
        """The chart of the trend asked for: the child's, or drawn here if it has none."""
        if self._asked is None:
            raise RuntimeError("ReportHelper.chart() before ask()")
        if self._thread is not None:
            self._thread.join()
        if self._reply is not None and self._reply[0] == 0:
            return Markup(self._reply[1].decode("utf-8"))
        if self._reply is not None:
            code, _, err = self._reply
            log.debug("the chart's child process failed (%s): %s", code, err.decode()[-2000:])
        return trend_svg(*self._asked)

    def _talk(self, child: subprocess.Popen[bytes], payload: bytes) -> None:
        try:
            out, err = child.communicate(payload, timeout=TIMEOUT_SECONDS)
            self._reply = (child.returncode, out, err)
        except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
            child.kill()
            child.communicate()
            self._reply = (-1, b"", str(exc).encode())


def _plain(value: Any) -> Any:
    """A NumPy number (``numpy.float64``, ``numpy.int64``) as Python's, for JSON."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} in a trend row")


def _main() -> None:
    """The child: import matplotlib now, then draw the trend read from stdin to stdout."""
    import matplotlib.figure  # noqa: F401  (the point of the child: imported while waiting)

    asked = json.loads(sys.stdin.buffer.read())
    sys.stdout.buffer.write(str(trend_svg(asked["trend"], asked["language"])).encode("utf-8"))


if __name__ == "__main__":
    _main()
