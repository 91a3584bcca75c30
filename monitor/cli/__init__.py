"""The ``monitor`` command: a thin shell over the library.

:mod:`monitor.cli.app` holds the group, the options the commands share and :func:`main`
(:mod:`monitor.cli.program`: the program around it, which leaves without the teardown);
one module per family of commands (``cases``, ``calendar``, ``alerts``, ``operations``,
``reports``, ``daemon``, ``receivers``, ``store``, ``users``, ``web``) defines
its commands and lists them in ``COMMANDS``; this module registers them on the group.

May import: every package of ``monitor`` (commands import what they call inside the command,
so that ``monitor --help`` loads no pandas). Nothing imports ``monitor.cli`` but
``monitor.__main__`` and the console script.
"""

from __future__ import annotations

from monitor.cli import (
    alerts,
    calendar,
    cases,
    daemon,
    operations,
    receivers,
    reports,
    store,
    users,
    web,
)
from monitor.cli.app import cli, main, parse_at
from monitor.cli.program import program

__all__ = ["cli", "main", "parse_at", "program"]

for _module in (
    cases,
    calendar,
    alerts,
    operations,
    reports,
    daemon,
    receivers,
    store,
    users,
    web,
):
    for _command in _module.COMMANDS:
        cli.add_command(_command)
