"""The ``monitor`` program: :func:`~monitor.cli.app.main`, then out without the teardown.

After a command has done its work and written everything, the interpreter's finalisation
still tears down the 1,300 modules it loaded (pandas, pyarrow, SQLAlchemy…) one object at a
time: 0.3–0.5 s of every run, a sixth of a month's report. :func:`program` ends the process
the way that finalisation would in every respect that shows — other threads joined, the
``atexit`` handlers run (logging flushed and closed, temporary folders removed), stdout and
stderr flushed — and then leaves with :func:`os._exit`. An error that escapes
:func:`~monitor.cli.app.main` (``--debug``) takes the ordinary way out, with its traceback.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading

from monitor.cli.app import main

__all__ = ["program"]


def program() -> None:
    """Entry point of the ``monitor`` console script and ``python -m monitor``."""
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    _leave(code)


def _leave(code: object) -> None:
    """Exit with ``code`` (as ``sys.exit`` takes it) once the work of finalisation that
    shows is done."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    current = threading.current_thread()
    for thread in threading.enumerate():
        if thread is not current and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()  # CPython's own finalisation calls this same function
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: as the interpreter, exit 120
        status = status or 120
    os._exit(status)
