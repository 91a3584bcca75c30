"""One case of a partitioned dataset (``[source] dataset``), for ``monitor explain`` and the
web's case pages: each partition's case-id column alone is read until the partition that
holds the case is found; that partition is then read and normalised as a run reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from monitor.cases.headers import header_map
from monitor.cases.load import LoadedCases
from monitor.config import Settings
from monitor.engine.dataset import dataset_files, dataset_location, read_partition
from monitor.errors import InputError

__all__ = ["dataset_case"]


def dataset_case(settings: Settings, case_id: str) -> LoadedCases | None:
    """The partition of ``[source] dataset`` that holds ``case_id``, read and normalised;
    None when no partition has that id."""
    location = dataset_location(settings)
    for name in dataset_files(location):
        if _holds(settings, name, case_id.strip()):
            return read_partition(settings, name, location)
    return None


def _holds(settings: Settings, name: str, case_id: str) -> bool:
    """Whether the case-id column of the partition ``name`` has ``case_id``."""
    try:
        with _opened(name) as file:
            parquet = pq.ParquetFile(file)
            header = header_map(parquet.schema_arrow.names, settings.source.columns).get("case_id")
            if header is None:  # read whole, the partition's missing column is said then
                return False
            groups = _row_groups(parquet.metadata, header, case_id)
            if not groups:
                return False
            column = parquet.read_row_groups(groups, columns=[header]).column(0)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"{name}: the partition cannot be read ({exc})") from None
    ids = pc.utf8_trim_whitespace(pc.cast(column, pa.string()))
    return bool(pc.any(pc.equal(ids, case_id)).as_py())


def _row_groups(metadata: pq.FileMetaData, header: str, case_id: str) -> list[int]:
    """The row groups whose text statistics of ``header`` (its least and greatest id) do
    not rule ``case_id`` out: ids that start with the region's code (SX330726…) keep most
    files and row groups of another region from being read at all."""
    chosen = []
    for number in range(metadata.num_row_groups):
        group = metadata.row_group(number)
        stats = next(
            (
                group.column(i).statistics
                for i in range(group.num_columns)
                if group.column(i).path_in_schema == header
            ),
            None,
        )
        if stats is None or not stats.has_min_max or _within(stats.min, stats.max, case_id):
            chosen.append(number)
    return chosen


def _within(low: object, high: object, case_id: str) -> bool:
    """Whether ``case_id`` may lie between ``low`` and ``high``: always, unless both are
    text with no surrounding white space (ids are compared trimmed)."""
    texts = isinstance(low, str) and isinstance(high, str)
    if not texts or low != low.strip() or high != high.strip():  # type: ignore[union-attr]
        return True
    return low <= case_id <= high  # type: ignore[operator]


@contextmanager
def _opened(name: str) -> Iterator[Any]:
    """The partition as something Parquet reads: its path, or an fsspec file."""
    if "://" not in name:
        yield name
        return
    import fsspec

    with fsspec.open(name, "rb") as file:
        yield file
