"""The evaluation a command works from when ``[store]`` is enabled.

:func:`store_evaluation` brings the store up to date at ``now`` and returns either the cases
this run evaluated (the changed ones and every open one: what ``monitor scan`` lists and the
alert job folds into the warning ledger) or every stored case (``scan --all``, reports,
``inspect``). The data problems are always the whole store's. A moment before the store's
last run (``--at`` in the past) evaluates every stored case at that moment instead, and
leaves the store as it is: closed obligations were not all closed then.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import sqlalchemy as sa

from monitor.cases.calendar import build_calendar
from monitor.cases.evaluate import Evaluated, Scanned, evaluate_loaded
from monitor.cases.load import LoadedCases
from monitor.cases.regions import REGION_FIELD
from monitor.config import Settings
from monitor.store.changes import id_hash
from monitor.store.figures import SettledCounts, counts_key, stored_counts
from monitor.store.layout import Generation
from monitor.store.parts import canonical, read_table
from monitor.store.state import read_state
from monitor.store.update import StoreRun, store_folder, update_store
from rules.evaluate import EVALUATION_COLUMNS, Evaluation

__all__ = [
    "generation_at",
    "report_evaluation",
    "source_rows",
    "store_evaluation",
    "store_scan",
    "store_source",
    "stored_everything",
]


def store_evaluation(
    settings: Settings,
    engine: sa.Engine,
    now: dt.datetime,
    *,
    whole: bool,
    years: tuple[int, int] | None = None,
) -> tuple[Evaluated, StoreRun | None]:
    """The evaluation at ``now`` from the store, and the run that updated it (None when the
    moment was before the store's last run and nothing was written)."""
    generation, at, run = generation_at(settings, engine, now)
    if run is None or whole:
        return _whole(settings, generation, now, years, at), run
    cases = run.evaluated.loaded.cases
    table = run.evaluated.evaluation.table
    quality = read_table(generation, "quality")
    loaded = LoadedCases(cases, quality, store_source(generation), source_rows(len(cases), quality))
    evaluation = Evaluation(table, read_table(generation, "problems"), _case_rows(cases, table))
    counted = read_table(generation, "closed_counts")
    return Evaluated(loaded, evaluation, now, run.evaluated.calendar, counted), run


def store_scan(settings: Settings, engine: sa.Engine, now: dt.datetime, *, whole: bool) -> Scanned:
    """What ``monitor scan`` shows at ``now`` from the store (every obligation when
    ``whole``): the stored obligations alone when the store is up to date at ``now`` (the
    cases themselves are not needed to list them), else as :func:`store_evaluation`."""
    if whole:
        generation, at, _ = generation_at(settings, engine, now)
        if now == at:
            table = _stored_obligations(generation, EVALUATION_COLUMNS)
            found = len(read_table(generation, "problems"))
            return Scanned(table, len(read_table(generation, "quality")) + found)
    return Scanned.of(store_evaluation(settings, engine, now, whole=whole)[0])


def report_evaluation(
    settings: Settings,
    engine: sa.Engine,
    now: dt.datetime,
    years: tuple[int, int],
    until: dt.date | None = None,
) -> tuple[Evaluated, SettledCounts | None]:
    """What a report counts at ``now``: the open cases and the closed ones that are not
    settled (late or withdrawn), and the settled cases' stored counts
    (:mod:`monitor.store.figures`); every stored case evaluated at ``now`` and None when the
    store has no counts made under the present settings, or ``now`` is before its last run.
    The store is brought up to date first unless it already is at ``now``.

    ``until``: the end of the last period the report counts. A case submitted later counts
    in none of its periods, so the months after it are not read, unless one of their
    obligations used an estimated calendar year (the report says so whatever the month)."""
    generation, at, _ = generation_at(settings, engine, now)
    settled = stored_counts(generation, counts_key(settings)) if at == now else None
    if settled is None:
        return _whole(settings, generation, now, years, at), None
    months = _months_until(generation, until)
    cases = canonical(
        pd.concat(
            [
                generation.read("cases", "open", months["cases", "open"]),
                generation.read("figures", "cases", months["figures", "cases"]),
            ]
        )
    ).reset_index(drop=True)
    table = canonical(
        pd.concat(
            [
                generation.read("obligations", "open", months["obligations", "open"]),
                generation.read("figures", "obligations", months["figures", "obligations"]),
            ]
        )
    ).reset_index(drop=True)
    quality = read_table(generation, "quality")
    loaded = LoadedCases(cases, quality, store_source(generation), source_rows(len(cases), quality))
    problems = read_table(generation, "problems")
    evaluation = Evaluation(table, problems, _case_rows(cases, table))
    calendar = build_calendar(settings, *_span(cases, now, years, table))
    counted = read_table(generation, "closed_counts")
    return Evaluated(loaded, evaluation, now, calendar, counted), settled


_REPORTED = (
    ("cases", "open"),
    ("figures", "cases"),
    ("obligations", "open"),
    ("figures", "obligations"),
)


def _months_until(
    generation: Generation, until: dt.date | None
) -> dict[tuple[str, str], list[str] | None]:
    """Per file kind a report reads, the months to read: those up to ``until`` (exclusive),
    or every month (None) without ``until``, when a later month has an obligation of an
    estimated calendar year, or when no case would be left."""
    every: dict[tuple[str, str], list[str] | None] = dict.fromkeys(_REPORTED)
    if until is None:
        return every
    last = (until - dt.timedelta(days=1)).strftime("%Y-%m")
    stored = {kind: generation.months(*kind) for kind in _REPORTED}
    chosen = {kind: [m for m in months if m <= last] for kind, months in stored.items()}
    later = [(kind, m) for kind in _REPORTED[2:] for m in stored[kind] if m > last]
    for (dataset, part), month in later:
        flags = generation.read_file(generation.file(dataset, month, part), ["estimated_calendar"])
        if pc.any(flags.column(0)).as_py():
            return every
    if not chosen["cases", "open"] and not chosen["figures", "cases"]:
        return every
    return dict(chosen)


def generation_at(
    settings: Settings, engine: sa.Engine, now: dt.datetime
) -> tuple[Generation, dt.datetime, StoreRun | None]:
    """The generation to read at ``now``, the moment it was made at, and the run that made
    it: the one in use when it was made at ``now`` or later (nothing is written: a moment
    in the past is evaluated from it), else a new one brought up to date at ``now``."""
    folder = store_folder(settings)
    current = folder.current()
    state = read_state(engine, current.number) if current is not None else None
    if current is not None and state is not None and now <= state.at:
        return current, state.at, None
    run = update_store(settings, engine, now)
    return folder.generation(run.state.generation), now, run


def _span(
    cases: pd.DataFrame, now: dt.datetime, years: tuple[int, int] | None, table: pd.DataFrame
) -> tuple[int, int]:
    """The years a calendar spans: ``years``, the cases' submissions, the obligations'
    deadlines and the year after now."""
    first, last = years if years is not None else (now.year - 1, now.year)
    last = max(last, now.year + 1)
    if len(cases) and cases["submitted_at"].notna().any():
        first = min(first, pd.Timestamp(cases["submitted_at"].min()).year)
    if len(table) and table["deadline"].notna().any():
        last = max(last, pd.Timestamp(table["deadline"].max()).year)
    return int(first), int(last)


def _whole(
    settings: Settings,
    generation: Generation,
    now: dt.datetime,
    years: tuple[int, int] | None,
    at: dt.datetime,
) -> Evaluated:
    """Every stored case and obligation at ``now``, for a generation made at ``at``: as
    stored when ``now`` is ``at`` (the open obligations were evaluated then, closed ones
    never change: ``store verify`` checks it), else the stored cases evaluated again."""
    if now != at:
        return _evaluated_whole(settings, generation, now, years)
    cases, table, quality, problems = stored_everything(generation)
    rows = _case_rows(cases, table)
    loaded = LoadedCases(cases, quality, store_source(generation), source_rows(len(cases), quality))
    table = table[EVALUATION_COLUMNS] if len(table) else table
    calendar = build_calendar(settings, *_span(cases, now, years, table))
    return Evaluated(loaded, Evaluation(table, problems, rows), now, calendar)


def _evaluated_whole(
    settings: Settings, generation: Generation, now: dt.datetime, years: tuple[int, int] | None
) -> Evaluated:
    """Every stored case evaluated at ``now`` (a moment other than the generation's)."""
    cases = canonical(
        pd.concat(
            [generation.read("cases", "closed"), generation.read("cases", "open")],
            ignore_index=True,
        )
    )
    quality = read_table(generation, "quality")
    loaded = LoadedCases(cases, quality, store_source(generation), source_rows(len(cases), quality))
    return evaluate_loaded(settings, loaded, now, years=years)


def stored_everything(generation: Generation) -> tuple[pd.DataFrame, ...]:
    """Every stored case and obligation, and the data problems."""
    cases = pd.concat(
        [generation.read("cases", "closed"), generation.read("cases", "open")], ignore_index=True
    )
    table = _stored_obligations(generation, [*EVALUATION_COLUMNS, "_id"])
    return (
        canonical(cases),
        table,
        read_table(generation, "quality"),
        read_table(generation, "problems"),
    )


def _stored_obligations(generation: Generation, columns: list[str]) -> pd.DataFrame:
    """Every stored obligation, closed and open, with ``columns``."""
    table = pd.concat(
        [generation.read("obligations", "closed"), generation.read("obligations", "open")],
        ignore_index=True,
    )
    return canonical(table)[columns] if len(table) else table


def _case_rows(cases: pd.DataFrame, table: pd.DataFrame) -> np.ndarray:
    """Each obligation's case, as a position in ``cases`` (matched by the ids' digests,
    through a hash index)."""
    if table.empty:
        return np.zeros(0, np.int64)
    case_id = cases["_id"].to_numpy(dtype="uint64") if "_id" in cases else id_hash(cases["case_id"])
    wanted = table["_id"].to_numpy(dtype="uint64") if "_id" in table else id_hash(table["case_id"])
    return pd.Index(case_id).get_indexer(wanted).astype(np.int64)


def source_rows(cases: int, quality: pd.DataFrame) -> int:
    """Rows the source held: the ``cases`` stored and the rows kept out of them (a case with
    an invalid region code is kept)."""
    if "source_row" not in quality:
        return cases
    rows = quality["source_row"]
    if "field" in quality:
        rows = rows[(quality["field"] != REGION_FIELD).to_numpy(bool)]
    bad = rows.nunique()
    return cases + int(bad)


def store_source(generation: Generation) -> str:
    """How a run names the store it read (its root and generation)."""
    root = str(generation.path).rsplit("/", 1)[0]
    return f"case store {root} (generation {generation.number})"
