"""The work on one partition, the same whichever engine runs it: read and normalise the file,
keep the cases of the report's region (:mod:`rules.rollup`), evaluate them with the rules
(:func:`monitor.cases.evaluate.evaluate_loaded`), and return what the run needs of them:

- the obligations to list (a scan: those of the open cases, or every one with ``--all``;
  a report: those of the cases that are not settled — open, late or withdrawn) and their
  cases;
- the others counted instead of listed: by department, level and whether an estimated
  calendar year was used (as the case store's ``closed_counts``), and, for a report, the
  settled cases' counts month by month (:class:`monitor.store.figures.MonthCounter`).

Both counts add up across partitions, which is how the engines combine them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from monitor.cases.evaluate import Evaluated, evaluate_loaded
from monitor.cases.normalise import THREADS
from monitor.cases.regions import region_names
from monitor.config import Settings
from monitor.engine.dataset import read_partition, read_stored
from monitor.store.figures import MonthCounter, settled
from rules.counting import COUNTED
from rules.regions import Region
from rules.rollup import regional

__all__ = ["CLOSED_KEYS", "MONTH_KEYS", "Job", "Part", "closed_meta", "month_meta", "run_part"]

#: The keys of the two counts (the count columns: ``count``; :data:`rules.counting.COUNTED`).
CLOSED_KEYS = ["department", "level", "estimated_calendar"]
MONTH_KEYS = ["month", "department"]
#: The county's row of the month counts: its department, as a key the engines group by.
TOTAL = ""


@dataclass(frozen=True)
class Job:
    """What every partition is asked: the run's settings, moment and purpose."""

    settings: Settings
    location: str
    now: dt.datetime
    #: "scan" or "report".
    purpose: str
    #: A scan of every obligation (``--all``): nothing is counted instead of listed.
    whole: bool = False
    #: A report's region: its cases only, ranked by the regions one level down.
    region: Region | None = None
    years: tuple[int, int] | None = None
    #: A scan's cases to list even when closed (the alert job's open warnings: the ledger
    #: resolves them by how they closed).
    keep: frozenset[str] = frozenset()
    #: Threads one partition's normalising uses (1 on a Dask worker: a core per worker).
    threads: int = 2
    #: ``location`` is the case store's ``cases`` folder: its files are read as stored
    #: (normalised already), not normalised again.
    stored: bool = False


@dataclass
class Part:
    """What one partition gives back."""

    cases: pd.DataFrame
    table: pd.DataFrame
    #: Position in ``cases`` of each row of ``table``.
    case_rows: np.ndarray
    quality: pd.DataFrame
    problems: pd.DataFrame
    rows_read: int
    closed: pd.DataFrame = field(default_factory=lambda: closed_meta())
    months: pd.DataFrame = field(default_factory=lambda: month_meta())


def closed_meta() -> pd.DataFrame:
    """An empty frame of the closed obligations' counts."""
    return pd.DataFrame(
        {
            "department": pd.Series(dtype=object),
            "level": pd.Series(dtype=object),
            "estimated_calendar": pd.Series(dtype=bool),
            "count": pd.Series(dtype=np.int64),
        }
    )


def month_meta() -> pd.DataFrame:
    """An empty frame of the settled cases' month counts."""
    columns = {k: pd.Series(dtype=object) for k in MONTH_KEYS}
    return pd.DataFrame({**columns, **{k: pd.Series(dtype=np.int64) for k in COUNTED}})


def run_part(name: str, job: Job) -> Part:
    """The partition ``name`` evaluated and split as the module says."""
    token = THREADS.set(job.threads)
    if job.threads == 1:  # a Dask worker: Arrow's own pool kept to the worker's core too
        pa.set_cpu_count(1)
    try:
        evaluated = _evaluated(name, job)
    finally:
        THREADS.reset(token)
    cases = evaluated.loaded.cases
    table = evaluated.evaluation.table
    case_rows = evaluated.evaluation.case_rows
    if job.purpose == "scan" and job.whole:
        keep_case = np.ones(len(cases), dtype=bool)
    elif job.purpose == "scan":
        keep_case = np.zeros(len(cases), dtype=bool)
        if job.keep:
            keep_case |= cases["case_id"].isin(job.keep).to_numpy(dtype=bool)
        keep_case[case_rows[(table["state"] == "open").to_numpy()]] = True
    else:
        keep_case = ~_settled(cases, table, case_rows)
    keep_row = keep_case[case_rows]
    kept = evaluated.evaluation.of_cases(keep_case)
    part = Part(
        cases[keep_case].reset_index(drop=True),
        kept.table,
        kept.case_rows,
        quality=evaluated.loaded.quality,
        problems=evaluated.evaluation.problems,
        rows_read=evaluated.loaded.rows_read,
        closed=_closed_counts(table[~keep_row]),
    )
    if job.purpose == "report":
        part.months = _month_counts(job.settings, evaluated, keep_case, keep_row)
    return part


def _evaluated(name: str, job: Job) -> Evaluated:
    """The partition's cases (of the job's region, relabelled) evaluated at the job's now."""
    loaded = read_stored(name) if job.stored else read_partition(job.settings, name, job.location)
    if job.region is not None:
        loaded.cases = regional(loaded.cases, job.region, region_names(job.settings).name)
    return evaluate_loaded(job.settings, loaded, job.now, years=job.years)


def _settled(cases: pd.DataFrame, table: pd.DataFrame, case_rows: np.ndarray) -> np.ndarray:
    """Per case: settled (closed, not withdrawn, every obligation closed by its deadline).
    The store matches obligations to cases by ``_id``: here, the case's position."""
    ids = np.arange(len(cases), dtype=np.uint64)
    return settled(cases.assign(_id=ids), table.assign(_id=ids[case_rows]))


def _closed_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Obligations counted by department, level and estimated calendar."""
    if table.empty:
        return closed_meta()
    sizes = table.groupby(CLOSED_KEYS, sort=False, observed=True, dropna=False).size()
    counts = sizes[sizes > 0].rename("count").reset_index()
    counts["department"] = counts["department"].astype(object).fillna(TOTAL)
    counts["level"] = counts["level"].astype(object)
    counts["estimated_calendar"] = counts["estimated_calendar"].astype(bool)
    return counts.astype({"count": np.int64})


def _month_counts(
    settings: Settings, evaluated: Evaluated, keep_case: np.ndarray, keep_row: np.ndarray
) -> pd.DataFrame:
    """The settled cases' counts in each month they reach (the county's row: ``TOTAL``)."""
    cases = evaluated.loaded.cases[~keep_case].reset_index(drop=True)
    if cases.empty:
        return month_meta()
    table = evaluated.evaluation.table[~keep_row]
    positions = evaluated.evaluation.case_rows[~keep_row].astype(np.uint64)
    counter = MonthCounter(settings, evaluated.calendar)
    counts = counter.counts(
        cases.assign(_id=np.flatnonzero(~keep_case).astype(np.uint64)),
        table.assign(_id=positions),
        "",
    )
    counts["department"] = counts["department"].astype(object).fillna(TOTAL)
    return counts[[*MONTH_KEYS, *COUNTED]]
