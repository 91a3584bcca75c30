"""Bringing the store up to date: one run reads what changed, evaluates the changed cases and
every open one at ``now`` (an open obligation's level moves with the clock), keeps the closed
ones as stored, and writes a new generation.

The first run, ``monitor store rebuild``, a store of another schema version and one made under
another ``[regions]`` (the codes of cases without their own) read the whole source and
evaluate everything. When the calendar or the rules changed since the store was made (their
fingerprints), the cases whose counting runs through a changed year (or all of them, for the
rules) are evaluated again too, and the open obligations whose deadline moved are recorded,
for the next alert run to tell their departments (截止日调整).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa

from monitor import clock
from monitor.cases.evaluate import Evaluated, evaluate_loaded
from monitor.cases.load import LoadedCases
from monitor.config import Settings
from monitor.store.changes import SourceRead, id_hash, member, read_source
from monitor.store.figures import MonthCounter
from monitor.store.fingerprint import (
    calendar_years,
    digest,
    reached_cases,
    regions_fingerprint,
    rules_fingerprint,
)
from monitor.store.layout import Generation, StoreFolder, write_lock
from monitor.store.parts import canonical, index, read_table, stored_case_ids
from monitor.store.state import (
    StoreState,
    delete_other_states,
    newest_generation,
    read_state,
    write_state,
)
from monitor.store.write import Written, moved_deadlines, write_generation

__all__ = ["SCHEMA_VERSION", "StoreRun", "store_folder", "update_store"]

#: The layout and columns of the store's files; a store of another version is rebuilt.
SCHEMA_VERSION = 5


@dataclass
class StoreRun:
    """What a run did: the new state, the cases it evaluated (changed and open ones, at
    ``now``), the open obligations whose deadline moved, the cases that left the source."""

    state: StoreState
    evaluated: Evaluated
    moved: pd.DataFrame = field(default_factory=pd.DataFrame)
    vanished: int = 0
    #: What changed under the stored deadlines: the calendar's years, the rules.
    changed_years: list[int] = field(default_factory=list)
    rules_changed: bool = False


def store_folder(settings: Settings) -> StoreFolder:
    """The configured store's folder (or URL)."""
    where = settings.store.dir
    return StoreFolder(where if "://" in where else settings.resolve(where))


def update_store(
    settings: Settings,
    engine: sa.Engine,
    now: dt.datetime,
    *,
    rebuild: bool = False,
    kind: str | None = None,
) -> StoreRun:
    """Bring the store up to date at ``now`` and return what the run did."""
    folder = store_folder(settings)
    with write_lock(folder.root):
        old = folder.current()
        state = read_state(engine, old.number) if old is not None else None
        regions = regions_fingerprint(settings)
        # Stored cases keep the region [regions] gave them: a change there reads them again.
        full = (
            rebuild
            or state is None
            or state.schema_version != SCHEMA_VERSION
            or state.regions != regions
        )
        read = read_source(
            settings,
            None if full or state is None else state.watermark,
            whole=full,
            marks=None if state is None else state.source_files,
        )
        number = max(newest_generation(engine), old.number if old else 0) + 1
        first = _first_year(read.loaded.cases, state)
        years = calendar_years(settings, first, now.year + 2)
        rules = rules_fingerprint(settings)
        if full or old is None or state is None:
            generation = folder.begin(number, empty=True)
            run = _rebuild(settings, generation, read, now, old, state, years, rules)
        else:
            generation = folder.begin(number)
            run = _incremental(settings, generation, read, now, old, state, years, rules)
        run.state.kind = kind or ("rebuild" if full else run.state.kind)
        run.state.source_files = read.marks
        run.state.regions = regions
        reason = {"years": run.changed_years, "rules": run.rules_changed}
        write_state(engine, run.state, run.moved, reason)
        folder.switch(generation)
        folder.prune()
        delete_other_states(engine, number)
        return run


def _rebuild(
    settings: Settings,
    generation: Generation,
    read: SourceRead,
    now: dt.datetime,
    old: Generation | None,
    state: StoreState | None,
    years: dict[str, str],
    rules: str,
) -> StoreRun:
    """Everything from the source, into an empty generation."""
    evaluated = evaluate_loaded(settings, read.loaded, now, years=(now.year - 1, now.year))
    number = generation.number
    before = old.read("obligations", "open") if old is not None else pd.DataFrame()
    vanished = 0
    if old is not None:
        vanished = len(stored_case_ids(old) - set(read.loaded.cases["case_id"]))
    written = write_generation(
        generation,
        evaluated,
        read.loaded.quality,
        evaluated.evaluation.problems,
        fresh=True,
        counter=MonthCounter(settings),
    )
    moved = pd.DataFrame()
    changed_years: list[int] = []
    if state is not None and (state.years != years or state.rules != rules):
        moved = moved_deadlines(before, evaluated.evaluation.table, set())
        changed_years = sorted(int(y) for y, h in years.items() if state.years.get(y, h) != h)
    return StoreRun(
        _state(number, "rebuild", now, read, years, rules, written, len(read.loaded.cases)),
        evaluated,
        moved,
        vanished,
        changed_years,
        state is not None and state.rules != rules,
    )


def _incremental(
    settings: Settings,
    generation: Generation,
    read: SourceRead,
    now: dt.datetime,
    old: Generation,
    state: StoreState,
    years: dict[str, str],
    rules: str,
) -> StoreRun:
    """What changed, the open cases and what a changed calendar reaches."""
    stored = index(old, ids=read.whole)
    source = read.loaded.cases
    changed, vanished, added = _changes(stored, source, read.whole)
    changed_years = {int(y) for y, h in years.items() if state.years.get(y, h) != h}
    reached = _reached(old, stored, changed_years, state.rules != rules, now)
    open_ids = stored.loc[stored["part"] == "open", "_id"].to_numpy(dtype="uint64")
    again = np.setdiff1d(
        np.union1d(open_ids, reached),
        np.concatenate([changed["_id"].to_numpy(dtype="uint64"), vanished]),
    )
    cases = canonical(pd.concat([changed, _stored_cases(old, stored, again)], ignore_index=True))
    loaded = LoadedCases(cases, read.loaded.quality, read.loaded.source, read.loaded.rows_read)
    evaluated = evaluate_loaded(settings, loaded, now, years=(now.year - 1, now.year))
    moved = pd.DataFrame()
    if len(reached):
        before = _obligations_of(old, stored, again)
        moved = moved_deadlines(before, evaluated.evaluation.table, set(changed["case_id"]))
    gone_ids = set(cases["case_id"]) | _names(stored, vanished)
    quality, problems = _problems(old, read, evaluated, gone_ids)
    written = write_generation(
        generation,
        evaluated,
        quality,
        problems,
        fresh=False,
        stored=stored,
        vanished=vanished,
        counter=MonthCounter(settings),
    )
    total = len(stored) - len(vanished) + added
    kind = "recompute" if len(reached) else "update"
    result = _state(generation.number, kind, now, read, years, rules, written, total)
    result.watermark = read.watermark or state.watermark
    result.changed = len(changed)
    return StoreRun(
        result, evaluated, moved, len(vanished), sorted(changed_years), state.rules != rules
    )


def _names(stored: pd.DataFrame, ids: np.ndarray) -> set[str]:
    """The case ids of the stored cases ``ids`` (digests); empty without ids in the index."""
    if not len(ids) or "case_id" not in stored:
        return set()
    return set(stored.loc[member(stored["_id"].to_numpy(dtype="uint64"), ids), "case_id"])


def _changes(
    stored: pd.DataFrame, source: pd.DataFrame, whole: bool
) -> tuple[pd.DataFrame, np.ndarray, int]:
    """The source's cases that are new or differ from the stored ones, (when the whole
    source was read) the digests of the stored cases it no longer has, and how many cases
    are new. Matched by the ids' digests, as numbers."""
    stored_id = stored["_id"].to_numpy(dtype="uint64")
    source_id = source["_id"].to_numpy(dtype="uint64")
    at = pd.Index(stored_id).get_indexer(source_id)  # -1: not stored
    known = at >= 0
    stored_hash = stored["_hash"].to_numpy(dtype="uint64")
    fresh = ~known
    fresh[known] = stored_hash[at[known]] != source["_hash"].to_numpy(dtype="uint64")[known]
    vanished = stored_id[~member(stored_id, source_id)] if whole else np.zeros(0, "uint64")
    return source[fresh], vanished, int((~known).sum())


def _reached(
    old: Generation, stored: pd.DataFrame, years: set[int], rules: bool, now: dt.datetime
) -> np.ndarray:
    """The digests of the stored cases a change of the calendar's ``years`` reaches (all of
    them, for ``rules``)."""
    if rules:
        return stored["_id"].to_numpy(dtype="uint64")
    if not years:
        return np.zeros(0, "uint64")
    everything = pd.concat(
        [old.read("obligations", "open"), old.read("obligations", "closed")], ignore_index=True
    )
    return id_hash(sorted(reached_cases(everything, years, now)))


def _problems(
    old: Generation, read: SourceRead, evaluated: Evaluated, evaluated_ids: set[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The whole store's data problems after this run: the source rows' (those not read
    again keep theirs) and the rules' (those of cases not evaluated again are kept)."""
    quality = read.loaded.quality
    if not read.whole:
        kept = read_table(old, "quality")
        ids = read.loaded.cases["case_id"]
        quality = pd.concat([kept[~kept["case_id"].isin(ids)], quality], ignore_index=True)
    problems = read_table(old, "problems")
    problems = pd.concat(
        [problems[~problems["case_id"].isin(evaluated_ids)], evaluated.evaluation.problems],
        ignore_index=True,
    )
    return quality, problems


def _stored_cases(old: Generation, stored: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    """The stored cases of digests ``ids`` (from the files of their months only)."""
    return _of(old, "cases", stored, ids)


def _obligations_of(old: Generation, stored: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    """The stored obligations of the cases of digests ``ids``."""
    return _of(old, "obligations", stored, ids)


def _of(old: Generation, dataset: str, stored: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    where = stored[member(stored["_id"].to_numpy(dtype="uint64"), ids)]
    frames = []
    for (month, part), _ in where.groupby(["month", "part"]):
        frame = old.read(dataset, part, [month])
        frames.append(frame[member(frame["_id"].to_numpy(dtype="uint64"), ids)])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _first_year(cases: pd.DataFrame, state: StoreState | None) -> int:
    """The first year the calendar's fingerprint covers: the store's, else the data's."""
    if state is not None and state.years:
        return min(int(y) for y in state.years)
    submitted = pd.to_datetime(cases["submitted_at"]).dropna()
    return int(submitted.min().year) if len(submitted) else clock.now().year


def _state(
    number: int,
    kind: str,
    now: dt.datetime,
    read: SourceRead,
    years: dict[str, str],
    rules: str,
    written: Written,
    cases: int,
) -> StoreState:
    return StoreState(
        generation=number,
        kind=kind,
        at=now,
        created_at=clock.now(),
        watermark=read.watermark,
        fingerprint=digest(years, rules),
        schema_version=SCHEMA_VERSION,
        rows_read=read.loaded.rows_read,
        changed=cases,
        evaluated=written.evaluated,
        cases=cases,
        open_cases=written.open_cases,
        files=written.files,
        years=years,
        rules=rules,
    )
