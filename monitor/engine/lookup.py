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
            column = parquet.read(columns=[header]).column(0)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"{name}: the partition cannot be read ({exc})") from None
    ids = pc.utf8_trim_whitespace(pc.cast(column, pa.string()))
    return bool(pc.any(pc.equal(ids, case_id)).as_py())


@contextmanager
def _opened(name: str) -> Iterator[Any]:
    """The partition as something Parquet reads: its path, or an fsspec file."""
    if "://" not in name:
        yield name
        return
    import fsspec

    with fsspec.open(name, "rb") as file:
        yield file
