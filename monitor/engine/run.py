"""The engines, and what a scan or a report gets from them.

The local engine runs :func:`monitor.engine.parts.run_part` on one partition after another
in this process; the Dask engine makes one task of it per partition, and the two counts
become Dask DataFrames (``dd.from_delayed``) summed by a Dask ``groupby`` on the cluster, so
only their sums and the listed rows come back. Both combine the listed rows the same way:
in the order of the partitions, each obligation's case renumbered among all the cases.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from monitor.cases.calendar import build_calendar
from monitor.cases.evaluate import Evaluated, Scanned
from monitor.cases.load import LoadedCases
from monitor.config import Settings
from monitor.engine.cluster import dask_client
from monitor.engine.dataset import dataset_files, dataset_location
from monitor.engine.parts import (
    CLOSED_KEYS,
    MONTH_KEYS,
    TOTAL,
    Job,
    Part,
    closed_meta,
    month_meta,
    run_part,
)
from monitor.store.figures import SettledCounts
from rules.counting import COUNTED
from rules.evaluate import Evaluation
from rules.regions import Region

__all__ = [
    "Combined",
    "dataset_evaluation",
    "dataset_report",
    "dataset_scan",
    "reported",
    "run_dataset",
    "scanned",
]

log = logging.getLogger(__package__)


@dataclass
class Combined:
    """The parts of every partition together (the counts summed)."""

    part: Part
    #: What the cases were read from, as the run names it.
    source: str
    partitions: int


def run_dataset(settings: Settings, job: Job) -> Combined:
    """Every partition of ``job.location`` through :func:`run_part`, on the configured engine."""
    files = dataset_files(job.location)
    log.info("%s: %d partitions, engine %s", job.location, len(files), settings.engine.kind)
    if settings.engine.kind == "dask":
        threads = settings.engine.threads_per_worker  # the cores the worker process has
        with dask_client(settings.engine):
            parts, closed, months = _on_dask(files, replace(job, threads=threads))
    else:
        parts = [run_part(name, job) for name in files]
        closed = _summed([p.closed for p in parts], CLOSED_KEYS, "count")
        months = _summed([p.months for p in parts], MONTH_KEYS, *COUNTED)
    source = f"dataset {job.location} ({len(files)} partitions)"
    return Combined(_together(parts, closed, months), source, len(files))


def dataset_scan(settings: Settings, now: dt.datetime, *, whole: bool) -> Scanned:
    """What ``monitor scan`` shows from ``[source] dataset``: the open cases' obligations
    (every obligation when ``whole``), the others counted by department and level."""
    job = Job(settings, dataset_location(settings), now, "scan", whole=whole)
    return scanned(settings, run_dataset(settings, job), now, whole=whole)


def scanned(settings: Settings, combined: Combined, now: dt.datetime, *, whole: bool) -> Scanned:
    """What a scan shows of the parts of a scan job."""
    evaluated = _evaluated(settings, combined, now, (now.year, now.year))
    counted = None if whole else evaluated.counted  # with --all every obligation is listed
    return Scanned(evaluated.evaluation.table, evaluated.problems, counted)


def dataset_evaluation(
    settings: Settings, now: dt.datetime, years: tuple[int, int], keep: frozenset[str]
) -> Evaluated:
    """What the alert job folds into the ledger from ``[source] dataset``: the open cases
    and the cases ``keep`` (those of open warnings), evaluated at ``now``."""
    job = Job(settings, dataset_location(settings), now, "scan", years=years, keep=keep)
    combined = run_dataset(settings, job)
    return _evaluated(settings, combined, now, years)


def dataset_report(
    settings: Settings, now: dt.datetime, years: tuple[int, int], region: Region | None
) -> tuple[Evaluated, SettledCounts]:
    """What a report counts from ``[source] dataset`` (of ``region`` when given): the cases
    that are not settled evaluated at ``now``, and the settled ones' month counts."""
    job = Job(settings, dataset_location(settings), now, "report", region=region, years=years)
    return reported(settings, run_dataset(settings, job), now, years)


def reported(
    settings: Settings, combined: Combined, now: dt.datetime, years: tuple[int, int]
) -> tuple[Evaluated, SettledCounts]:
    """What a report counts of the parts of a report job."""
    months = combined.part.months.copy()
    months["department"] = months["department"].where(months["department"] != TOTAL, None)
    return _evaluated(settings, combined, now, years), SettledCounts(months)


def _evaluated(
    settings: Settings, combined: Combined, now: dt.datetime, years: tuple[int, int]
) -> Evaluated:
    """The listed cases and obligations as an evaluation, the others counted."""
    part = combined.part
    loaded = LoadedCases(part.cases, part.quality, combined.source, part.rows_read)
    evaluation = Evaluation(part.table, part.problems, part.case_rows)
    calendar = build_calendar(settings, *_span(part, now, years))
    return Evaluated(loaded, evaluation, now, calendar, _counted(part.closed))


def _on_dask(files: list[str], job: Job) -> tuple[list[Part], pd.DataFrame, pd.DataFrame]:
    """The parts on the cluster: the listed rows gathered, the counts summed there."""
    import dask
    import dask.dataframe as dd

    shared = dask.delayed(job, traverse=False)
    # Each partition's work runs once and stays on the cluster while its counts are summed
    # there and its listed rows are gathered here.
    parts = dask.persist(*[dask.delayed(run_part, pure=True)(name, shared) for name in files])
    closed = dd.from_delayed([p.closed for p in parts], meta=closed_meta(), verify_meta=False)
    months = dd.from_delayed([p.months for p in parts], meta=month_meta(), verify_meta=False)
    closed_sum, months_sum = dask.compute(  # small sums: a tree reduction, not a shuffle
        closed.groupby(CLOSED_KEYS).sum(split_out=1), months.groupby(MONTH_KEYS).sum(split_out=1)
    )
    gathered = dask.compute(*[dask.delayed(_listed)(p) for p in parts])
    return list(gathered), closed_sum.reset_index(), months_sum.reset_index()


def _listed(part: Part) -> Part:
    """The part without its counts (summed on the cluster instead)."""
    return Part(part.cases, part.table, part.case_rows, part.quality, part.problems, part.rows_read)


def _summed(frames: list[pd.DataFrame], keys: list[str], *values: str) -> pd.DataFrame:
    """``frames`` together, summed by ``keys``."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return closed_meta() if keys == CLOSED_KEYS else month_meta()
    together = pd.concat(frames, ignore_index=True)
    return together.groupby(keys, sort=False)[list(values)].sum().reset_index()


def _together(parts: list[Part], closed: pd.DataFrame, months: pd.DataFrame) -> Part:
    """One part of all ``parts``: the cases and obligations in partition order."""
    offsets = np.cumsum([0] + [len(p.cases) for p in parts[:-1]])
    case_rows = [p.case_rows + offset for p, offset in zip(parts, offsets, strict=True)]
    return Part(
        pd.concat([p.cases for p in parts], ignore_index=True),
        pd.concat([p.table for p in parts], ignore_index=True),
        np.concatenate(case_rows).astype(np.int64) if case_rows else np.zeros(0, np.int64),
        pd.concat([p.quality for p in parts], ignore_index=True),
        pd.concat([p.problems for p in parts], ignore_index=True),
        sum(p.rows_read for p in parts),
        closed,
        months,
    )


def _counted(closed: pd.DataFrame) -> pd.DataFrame:
    """The closed obligations' counts as :attr:`Evaluated.counted` has them."""
    counted = closed.copy()
    counted["department"] = counted["department"].where(counted["department"] != TOTAL, None)
    counted["estimated_calendar"] = counted["estimated_calendar"].astype(bool)
    counted["count"] = counted["count"].astype(np.int64)
    return counted


def _span(part: Part, now: dt.datetime, years: tuple[int, int]) -> tuple[int, int]:
    """The report's calendar years: ``years``, the listed cases' and deadlines', next year."""
    first, last = years[0], max(years[1], now.year + 1)
    submitted = part.cases["submitted_at"].dropna()
    if len(submitted):
        first = min(first, pd.Timestamp(submitted.min()).year)
    deadline = part.table["deadline"].dropna() if len(part.table) else part.table
    if len(deadline):
        last = max(last, pd.Timestamp(deadline.max()).year)
    return int(first), int(last)
