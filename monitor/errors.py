"""The application's exceptions, in one place.

Each carries a message that names what is wrong and where (file, key, column, row) and, where
there is one, the fix. The CLI prints it as one line and exits with :attr:`exit_code`.
Domain errors from :mod:`rules` (such as an unknown calendar year) are re-exported here.
"""

from __future__ import annotations

from rules.errors import CalendarError, CalendarRangeError, RulesError, UnknownYearError

__all__ = [
    "CalendarError",
    "CalendarRangeError",
    "ConfigError",
    "InputError",
    "LedgerConflict",
    "LockHeld",
    "MonitorError",
    "NothingSent",
    "RulesError",
    "UnknownYearError",
]


class MonitorError(Exception):
    """Base class of the monitor's own errors; ``exit_code`` is what the CLI exits with."""

    exit_code = 2


class ConfigError(MonitorError, ValueError):
    """The configuration file is missing, unreadable or invalid.

    ``problems`` holds one line per problem, each naming the key path, what was expected and
    what was found.
    """

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        if len(problems) == 1:
            super().__init__(f"{path}: {problems[0]}")
            return
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{path}: {len(problems)} problems in the configuration:\n{lines}")


class InputError(MonitorError, ValueError):
    """A source of cases (file, table, query) cannot be read or has the wrong shape."""


class NothingSent(MonitorError):
    """A run queued messages but the receiver was down and not one went; the CLI exits 5
    (for cron: the run itself worked, the messages wait in the outbox)."""

    exit_code = 5


class LedgerConflict(MonitorError):
    """Another process wrote the warning ledger during a run, again and again; the CLI
    exits 4, as for a held lock."""

    exit_code = 4


class LockHeld(MonitorError):
    """Another process holds the lock of the daemon or of a job; the CLI exits 4.

    The message names the lock file and the process id that holds it.
    """

    exit_code = 4
