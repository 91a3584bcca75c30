"""``[engine]``: what evaluates the cases — this process (``"local"``, pandas) or Dask.

With ``kind = "dask"`` the rules run partition by partition on a Dask cluster: ``address``
names its scheduler (``"tcp://scheduler:8786"``), or ``"local"`` starts a LocalCluster of
``workers`` processes on this machine for the run. Either engine works through a partitioned
source (``[source] dataset``) one partition at a time, so memory follows the partition size,
not the year. With ``[store] enabled``, the Dask engine evaluates the store's month files for
``scan`` and ``report`` (:mod:`monitor.engine.stored`). Otherwise ``kind`` makes no
difference (one file or query is one partition).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from monitor.config.base import FINITE, Section

__all__ = ["EngineSettings"]


class EngineSettings(Section):
    kind: Literal["local", "dask"] = "local"
    #: The Dask scheduler (``tcp://host:8786``) or ``"local"`` (a LocalCluster for the run).
    address: str = "local"
    #: Worker processes of a LocalCluster (``address = "local"``).
    workers: int = Field(2, ge=1, le=256)
    #: Threads per worker process of a LocalCluster.
    threads_per_worker: int = Field(1, ge=1, le=64)
    #: Memory limit per worker of a LocalCluster ("4GiB", or "auto": the machine's share).
    memory_limit: str = "auto"
    #: Seconds to wait for the scheduler before the run fails (exit 2) naming the address.
    connect_timeout: float = Field(10.0, gt=0, le=600, **FINITE)

    @field_validator("address")
    @classmethod
    def _address(cls, v: str) -> str:
        v = v.strip()
        if v == "local" or "://" in v:
            return v
        raise ValueError(
            f'expected "local" or a scheduler address like "tcp://scheduler:8786", found {v!r}'
        )
