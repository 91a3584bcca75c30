"""The office's clock: the Asia/Shanghai zone, the current wall-clock time, conversions.

Every time the monitor handles is a naive datetime in Asia/Shanghai wall-clock time (the case
systems export local times, and the ledger stores them so). Only the CLI and the daemon read
the clock (:func:`now`); everything else takes ``now`` as an argument.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["SHANGHAI", "TIMEZONE", "aware", "local", "naive", "now"]

#: The zone of every time the monitor reads, stores and shows.
TIMEZONE = "Asia/Shanghai"
SHANGHAI = ZoneInfo(TIMEZONE)


def now() -> dt.datetime:
    """The current Asia/Shanghai wall-clock time, naive (as every job takes ``now``)."""
    return dt.datetime.now(SHANGHAI).replace(tzinfo=None)


def naive(moment: Any) -> dt.datetime:
    """``moment`` as a naive Asia/Shanghai datetime: an aware one is converted, a naive one
    is taken as Asia/Shanghai already; a pandas Timestamp becomes a plain datetime."""
    if hasattr(moment, "to_pydatetime"):  # pandas.Timestamp, without importing pandas
        moment = moment.to_pydatetime()
    if moment.tzinfo is not None:
        moment = moment.astimezone(SHANGHAI).replace(tzinfo=None)
    return moment


def local(moment: dt.datetime) -> dt.datetime:
    """``moment`` in Asia/Shanghai for display; a naive value is taken to be Asia/Shanghai
    already (and stays naive)."""
    return moment if moment.tzinfo is None else moment.astimezone(SHANGHAI)


def aware(moment: dt.datetime) -> dt.datetime:
    """``moment`` with a zone: a naive value is taken as Asia/Shanghai (mail Date headers)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)
