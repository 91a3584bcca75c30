"""``[store]``: the case store the monitor keeps, so that a run reads only what changed.

With ``enabled = true`` the scan job, ``monitor scan``, ``alert``, ``report`` and ``inspect``
(without ``--input``) work from the store in ``dir``: the normalised cases and their
evaluated obligations as a Parquet dataset partitioned by month of submission, brought up to
date at each run from what changed in the source (``[source] changed_column`` for a SQL
source, each row's content for a file). ``margin_minutes``: how far before the last change
seen a SQL source is asked again (clock skew between servers, transactions that commit late).
"""

from __future__ import annotations

from pydantic import Field

from monitor.config.base import Section

__all__ = ["StoreSettings"]


class StoreSettings(Section):
    enabled: bool = False
    #: The store's folder (relative paths from the configuration file's folder), or an fsspec
    #: URL (``s3://bucket/banjian``) where fsspec and the filesystem's package are installed.
    dir: str = "var/store"
    #: Minutes before the last change seen that a SQL source is read again.
    margin_minutes: int = Field(10, ge=0, le=7 * 24 * 60)
