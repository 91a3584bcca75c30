"""A partitioned Parquet dataset as the source (``[source] dataset``): the partitions, and
reading one of them.

A dataset is a folder of Parquet files, usually in folders named after the columns they
partition by (``county=330102/part-0000.parquet``, hive style), on this machine or at an
fsspec URL (``s3://lake/banjian``: fsspec and the filesystem's package installed). Each file
is one partition, read, normalised and evaluated on its own; a ``name=value`` folder gives
its rows that column when the file has none (a lake partitioned by 行政区划代码 keeps the
code in the folder name only). Files and folders whose names start with ``.`` or ``_``
(``_SUCCESS``, ``_manifest.json``, ``.tmp``) are not partitions. The rows of one case must
lie in one partition (a lake partitioned by region or by month of submission has that).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from monitor.cases.load import LoadedCases, load_cases
from monitor.config import Settings
from monitor.errors import ConfigError, InputError
from monitor.store.parts import canonical

__all__ = ["dataset_files", "dataset_location", "read_partition", "read_stored"]


def dataset_location(settings: Settings) -> str:
    """``[source] dataset`` as a URL or an absolute path."""
    location = str(settings.source.dataset)
    return location if "://" in location else str(settings.resolve(location))


def dataset_files(location: str) -> list[str]:
    """The dataset's partitions (files), in the order of their paths."""
    if "://" in location:
        fs, root = _filesystem(location)
        try:
            found = fs.find(root)
        except OSError as exc:
            raise InputError(f"{location}: the dataset cannot be listed ({exc})") from None
        protocol = location.split("://", 1)[0]
        names = [f"{protocol}://{p}" for p in found if _is_partition(p, root)]
    else:
        folder = Path(location)
        if not folder.is_dir():
            raise InputError(f"{location}: no such dataset folder ([source] dataset)")
        names = [
            os.path.join(root, name)
            for root, _, files in os.walk(folder, followlinks=True)  # linked folders too
            for name in files
            if _is_partition(os.path.join(root, name), location)
        ]
    if not names:
        raise InputError(f"{location}: a dataset with no Parquet file in it")
    return sorted(names)


def read_partition(settings: Settings, name: str, location: str) -> LoadedCases:
    """One partition's cases, normalised (the data problems name the file)."""
    constants = _folder_columns(name, location)
    if "://" not in name:
        return load_cases(settings, name, constants=constants)
    fs, path = _filesystem(name)
    with tempfile.NamedTemporaryFile(suffix=".parquet") as local:
        try:
            fs.get_file(path, local.name)
        except OSError as exc:
            raise InputError(f"{name}: the partition cannot be read ({exc})") from None
        loaded = load_cases(settings, local.name, constants=constants)
    loaded.source = name
    return loaded


def read_stored(name: str) -> LoadedCases:
    """One file of the case store's cases (``month=2025-03/open.parquet``): stored already
    normalised, so read as it is (the store's data problems are the whole store's table)."""
    try:
        if "://" in name:
            fs, path = _filesystem(name)
            with fs.open(path, "rb") as file:
                table = pq.read_table(file)
        else:
            table = pq.read_table(name)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"{name}: the stored partition cannot be read ({exc})") from None
    cases = canonical(table.to_pandas())
    no_problems = pd.DataFrame({"case_id": pd.Series([], dtype=object)})
    return LoadedCases(cases, no_problems, name, len(cases))


def _is_partition(path: str, root: str) -> bool:
    """A Parquet file below ``root`` none of whose names starts with ``.`` or ``_``."""
    relative = PurePosixPath(path.replace("\\", "/")).relative_to(root.replace("\\", "/"))
    return path.endswith(".parquet") and not any(p.startswith((".", "_")) for p in relative.parts)


def _folder_columns(name: str, location: str) -> dict[str, str]:
    """The ``column=value`` folders between the dataset's root and the file."""
    relative = PurePosixPath(name.replace("\\", "/")).relative_to(location.replace("\\", "/"))
    pairs = (part.split("=", 1) for part in relative.parts[:-1] if "=" in part)
    return {key: value for key, value in pairs if key}


def _filesystem(url: str) -> tuple[object, str]:
    """The fsspec filesystem of ``url`` and the path on it."""
    try:
        import fsspec
    except ImportError:
        raise ConfigError(
            "[source] dataset",
            [
                f"{url} is a URL, which needs fsspec and its filesystem's package (pip install "
                "fsspec s3fs); or give a folder on this machine"
            ],
        ) from None
    try:
        return fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise ConfigError("[source] dataset", [f"{url}: {exc}"]) from None
