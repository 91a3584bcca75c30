"""The case store's partitions on the Dask engine (``[store] enabled`` with ``[engine] kind =
"dask"``).

The store is brought up to date in this process as always (it reads what changed in the
source and evaluates the changed and the open cases). Then ``monitor scan`` and ``monitor
report`` evaluate the store's cases on the cluster, each month's ``open`` and ``closed``
file a partition (``cases/month=2025-03/closed.parquet``), with the same per-partition work
as a dataset (:func:`monitor.engine.parts.run_part`; the stored cases are normalised
already, so they are read as they are): the listed rows come back, the counts are summed on
the cluster, and the store's own month counts are not used. The store's write lock is held
while the cluster reads, so no other run switches to a new generation and removes the one
being read; the data problems are the store's table.

The alert job folds the store's own run into the warning ledger with either engine: it
evaluates only the changed and the open cases, which is what the ledger needs.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from monitor.cases.evaluate import Evaluated, Scanned
from monitor.config import Settings
from monitor.engine.parts import Job
from monitor.engine.run import Combined, reported, run_dataset, scanned
from monitor.store.figures import SettledCounts
from monitor.store.layout import write_lock
from monitor.store.parts import read_table
from monitor.store.update import store_folder
from monitor.store.use import generation_at, source_rows, store_source
from rules.regions import Region

__all__ = ["stored_report", "stored_scan"]


def stored_scan(settings: Settings, db: sa.Engine, now: dt.datetime, *, whole: bool) -> Scanned:
    """What ``monitor scan`` shows at ``now``: the stored cases evaluated on the engine, the
    open cases' obligations listed (every obligation when ``whole``), the others counted."""
    combined = _run_stored(settings, db, now, "scan", whole=whole, years=(now.year, now.year))
    return scanned(settings, combined, now, whole=whole)


def stored_report(
    settings: Settings,
    db: sa.Engine,
    now: dt.datetime,
    years: tuple[int, int],
    region: Region | None,
) -> tuple[Evaluated, SettledCounts]:
    """What a report counts at ``now`` (of ``region`` when given): the stored cases that are
    not settled, evaluated on the engine, and the settled ones' month counts."""
    combined = _run_stored(settings, db, now, "report", region=region, years=years)
    return reported(settings, combined, now, years)


def _run_stored(
    settings: Settings,
    db: sa.Engine,
    now: dt.datetime,
    purpose: str,
    *,
    whole: bool = False,
    region: Region | None = None,
    years: tuple[int, int],
) -> Combined:
    """Every stored case through the engine at ``now``, the store up to date first."""
    generation_at(settings, db, now)  # a run at now, unless the store was made at now or later
    folder = store_folder(settings)
    with write_lock(folder.root):
        generation = folder.current()
        assert generation is not None  # generation_at made one
        location = f"{generation.path}/cases"
        job = Job(
            settings, location, now, purpose, whole=whole, region=region, years=years, stored=True
        )
        combined = run_dataset(settings, job)
        quality = read_table(generation, "quality")
    part = combined.part
    part.quality = quality
    part.rows_read = source_rows(part.rows_read, quality)
    source = f"{store_source(generation)}, {combined.partitions} partitions on the engine"
    return Combined(part, source, combined.partitions)
