"""Where the city-year and province-year datasets live, for the benchmarks that read them.

``python -m bench.generate_regions --preset city|province`` writes them (see there);
:func:`dataset_path` and :func:`manifest` refuse a dataset that is missing or incomplete (an
interrupted run leaves only ``DIR.tmp``, never ``DIR/_manifest.json``).

    from bench.regions_data import dataset_path, files, manifest
    root = dataset_path("city")           # bench/data/city, checked complete
    manifest("city")["counties"]          # {"330101": {"cases": …, "files": […]}, …}
    for path in files("city"): ...        # the Parquet files, county by county
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
PRESETS = ("city", "province")
MANIFEST = "_manifest.json"


class MissingDatasetError(FileNotFoundError):
    """The dataset has not been generated (or its generation did not finish)."""


def default_dir(preset: str) -> Path:
    """The directory the generator writes ``preset`` to (not checked)."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}: one of {', '.join(PRESETS)}")
    return DATA / preset


def dataset_path(preset: str) -> Path:
    """The directory of the complete ``preset`` dataset; :class:`MissingDatasetError` if
    there is none."""
    root = default_dir(preset)
    if not (root / MANIFEST).is_file():
        pending = root.with_name(root.name + ".tmp")
        note = (
            f" ({pending} exists: a generation is running or was interrupted)"
            if pending.exists()
            else ""
        )
        raise MissingDatasetError(
            f"no complete {preset} dataset at {root}{note}; generate it with "
            f"`python -m bench.generate_regions --preset {preset}`"
        )
    return root


def manifest(preset: str) -> dict[str, Any]:
    """The dataset's ``_manifest.json``: total, per-county counts and files, seed, time."""
    data: dict[str, Any] = json.loads((dataset_path(preset) / MANIFEST).read_text("utf-8"))
    return data


def files(preset: str) -> list[Path]:
    """The dataset's Parquet files, county by county and each county's in time order."""
    root = dataset_path(preset)
    counties = manifest(preset)["counties"]
    return [root / part["path"] for county in counties.values() for part in county["files"]]
