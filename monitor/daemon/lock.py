"""One instance at a time: a lock file held with ``flock`` for as long as the process runs.

The daemon holds ``[schedule] lock_file`` for its whole life, so a second daemon refuses to
start; every job run (by the daemon or by ``monitor run JOB``) holds ``<lock_file>.<JOB>``
while it runs, so the same job never runs twice at once. A refusal is :class:`LockHeld`
(exit code 4) naming the process that holds the lock.

The lock is the kernel's (``flock(LOCK_EX | LOCK_NB)`` on an open file), not the file's
existence: when the holder ends in any way, ``kill -9`` included, the kernel releases it, so
a stale lock file never blocks anyone. The file is left in place (deleting it would let two
processes lock two different files of the same name); it holds the holder's pid, for the
message only. Linux and other POSIX systems.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from monitor.config import Settings
from monitor.errors import LockHeld

__all__ = ["Lock", "LockHeld", "acquire", "daemon_lock_path", "job_lock", "job_lock_path"]


class Lock:
    """A held lock; :meth:`release` (or leaving the ``with`` block) lets it go."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        """Whether this object still holds the lock."""
        return self._fd is not None

    def release(self) -> None:
        """Empty the file and let the lock go (idempotent)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the last descriptor releases the flock

    def __enter__(self) -> Lock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire(path: str | os.PathLike[str], what: str = "the monitor daemon") -> Lock:
    """Take the lock on ``path`` (created with its folder when missing) or raise
    :class:`LockHeld` naming the pid that holds it; ``what`` says what the lock guards."""
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_pid(fd)
        os.close(fd)
        who = f"process {holder}" if holder else "another process"
        raise LockHeld(
            f"{what} is already running: {file} is held by {who}; wait for it to finish or "
            f"stop it (a crashed process does not hold the lock)"
        ) from None
    except BaseException:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return Lock(file, fd)


def daemon_lock_path(settings: Settings) -> Path:
    """``[schedule] lock_file``, resolved from the config file's folder."""
    return settings.resolve(settings.schedule.lock_file)


def job_lock_path(settings: Settings, job: str) -> Path:
    """The lock of one job: ``<lock_file>.<job>``."""
    main = daemon_lock_path(settings)
    return main.with_name(f"{main.name}.{job}")


@contextmanager
def job_lock(settings: Settings, job: str) -> Iterator[Lock]:
    """Hold the lock of ``job`` for the ``with`` block (:class:`LockHeld` when taken)."""
    lock = acquire(job_lock_path(settings, job), f"the {job} job")
    try:
        yield lock
    finally:
        lock.release()


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
