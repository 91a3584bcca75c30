"""What is installed: the monitor's version, the ``holidays`` package's and the last year whose
official holiday schedule (the State Council's notice, with its 调休 working weekends) that
version carries, and Python's. ``monitor --version`` and ``monitor status`` print it: after an
upgrade of ``holidays`` for a new year (every November or December), it shows whether the
new year's schedule is there."""

from __future__ import annotations

import platform
from importlib import metadata

from monitor import __version__

__all__ = ["installed_versions", "version_text"]


def installed_versions() -> dict[str, str]:
    """``monitor``, ``holidays``, ``schedules_through`` (a year, or "none") and ``python``."""
    from rules.calendar import published_years

    years = published_years()
    return {
        "monitor": __version__,
        "holidays": metadata.version("holidays"),
        "schedules_through": str(max(years)) if years else "none",
        "python": platform.python_version(),
    }


def version_text() -> str:
    """The lines of ``monitor --version``."""
    v = installed_versions()
    return "\n".join(
        [
            f"monitor {v['monitor']}",
            f"holidays {v['holidays']} (official schedules through {v['schedules_through']})",
            f"Python {v['python']}",
        ]
    )
