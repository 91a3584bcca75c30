"""The Dask client of one run: a LocalCluster started for it (``[engine] address = "local"``)
or the scheduler at ``address``, which must answer within ``connect_timeout`` seconds — an
unreachable scheduler is a configuration error naming the address (exit 2), not a hang."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from monitor.config.engine import EngineSettings
from monitor.errors import ConfigError

__all__ = ["dask_client"]

log = logging.getLogger(__package__)


@contextmanager
def dask_client(engine: EngineSettings) -> Iterator[Any]:
    """A ``distributed.Client`` for the run, closed (and its LocalCluster stopped) after."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError(
            "[engine] kind",
            ['"dask" needs dask and distributed: pip install "banjian-monitor[dask]"'],
        ) from None
    if not log.isEnabledFor(logging.DEBUG):  # the cluster's own INFO lines are noise here
        logging.getLogger("distributed").setLevel(logging.WARNING)
    if engine.address == "local":
        with (
            LocalCluster(
                n_workers=engine.workers,
                threads_per_worker=engine.threads_per_worker,
                processes=True,
                memory_limit=engine.memory_limit,
                dashboard_address=None,
                # A task's failure reaches this process as its exception, said in one line;
                # the workers' own log of it (a traceback) only with --debug.
                silence_logs=logging.DEBUG if log.isEnabledFor(logging.DEBUG) else logging.CRITICAL,
            ) as cluster,
            Client(cluster) as client,
        ):
            log.info("dask: a LocalCluster of %d workers", engine.workers)
            yield client
        return
    try:
        client = Client(engine.address, timeout=engine.connect_timeout)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(
            "[engine] address",
            [
                f"no Dask scheduler answered at {engine.address} within "
                f"{engine.connect_timeout:g} s ({reason})"
            ],
        ) from None
    with client:
        log.info("dask: scheduler %s, %d workers", engine.address, len(client.nthreads()))
        yield client
