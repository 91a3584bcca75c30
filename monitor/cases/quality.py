"""Data problems (数据质量): one list of them for every command and report.

A problem is a record kept out of the rules or superseded (found while loading: an
unparseable date, a missing field, a duplicate id), a case the rules cannot serve or flag
(withdrawn or refused with no time, no time limit at all, a promised limit over the legal
one), or a row of the suspension file that cannot be used. ``monitor inspect``, ``monitor
scan`` and the reports all count them with :func:`data_problems`, so they agree.
"""

from __future__ import annotations

import pandas as pd

from monitor.cases.load import LoadedCases

__all__ = ["QUALITY_COLUMNS", "by_reason", "data_problems"]

#: The columns of :func:`data_problems`.
QUALITY_COLUMNS = ["reason", "case_id", "value", "source_row"]


def data_problems(loaded: LoadedCases, found: pd.DataFrame) -> pd.DataFrame:
    """Every data problem of ``loaded``: its quality list, then ``found`` (the problems the
    evaluation lists, :attr:`rules.evaluate.Evaluation.problems`, or
    :func:`monitor.cases.evaluate.problems_before_evaluation`), one row per problem
    (:data:`QUALITY_COLUMNS`)."""
    loading = loaded.quality.reindex(columns=QUALITY_COLUMNS)
    evaluating = found.reindex(columns=QUALITY_COLUMNS)
    frames = [f for f in (loading, evaluating) if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in QUALITY_COLUMNS})
    return pd.concat(frames, ignore_index=True)


def by_reason(problems: pd.DataFrame) -> list[tuple[str, int]]:
    """(reason, rows) pairs, most rows first."""
    return [(str(k), int(v)) for k, v in problems["reason"].value_counts().items()]
