"""What a period report shows (:class:`ReportData`) and the order of its departments (红黑榜).

Plain data without pandas: the report's child process (:mod:`monitor.reports.helper`) and
the renderings (HTML, workbook) need only this; :mod:`monitor.reports.data` fills it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["ReportData", "WarningSource", "ranked_departments"]


@dataclass(frozen=True)
class WarningSource:
    """Where a period's 预警/超期/督办 counts come from: the warning ledger (``ledger``), or
    derived from the cases by the rules of DOMAIN.md §4 when the ledger has no alert run in
    the period. ``first`` and ``last`` are the ledger's first and last alert run in the
    period; ``complete`` says they span it (a run on its first day and one on its last, or
    today for a running period): warnings raised outside that span are not in the counts.
    """

    ledger: bool = False
    first: datetime | None = None
    last: datetime | None = None
    complete: bool = False


@dataclass
class ReportData:
    """Everything one period report shows (filled by the report job).

    ``totals`` / ``previous_totals`` map every key of :data:`FIGURE_KEYS` to its value: counts
    as ints, rates as fractions (None when the denominator is 0), the mean processing time in
    working days (float or None). Each of ``departments`` is ``{"department": name, **figures,
    "previous": figures or None}``. ``numerators`` gives ``(numerator, denominator)`` per rate
    key (optionally also ``mean_processing_workdays``: summed working days, cases) for the
    totals, ``department_numerators`` the same per department (aligned with ``departments``).
    ``trend`` has up to 12 periods, oldest first: ``{"period", "accepted_late_rate",
    "completed_late_rate", "online_rate"}``. ``late_cases`` (already sorted most late first
    and capped) have ``case_id, item_name, department, obligation ("acceptance" |
    "completion"), deadline, late_workdays``. ``definitions`` maps a figure
    key to its (zh, en) definition with numerator and denominator. ``warning_source`` says
    where the period's warning counts come from. ``answer_loop`` says whether the answer
    loop's figures (:data:`LOOP_KEYS`) are known — only from a ledger that covers the
    period; otherwise they are None and have no fractions — and ``response_workdays`` is the
    N of 预警响应率.
    """

    period: str
    kind: str
    previous: str
    generated_at: datetime
    language: str
    estimated_calendar: bool
    completion_denominator: str
    totals: dict[str, Any]
    previous_totals: dict[str, Any]
    departments: list[dict[str, Any]]
    numerators: dict[str, tuple[int, int]]
    department_numerators: list[dict[str, tuple[int, int]]]
    trend: list[dict[str, Any]]
    late_cases: list[dict[str, Any]]
    late_cases_total: int
    quality: list[tuple[str, int]]
    quality_total: int
    definitions: dict[str, tuple[str, str]]
    warning_source: WarningSource = field(default_factory=WarningSource)
    answer_loop: bool = False
    response_workdays: int = 2
    #: A region's report (行政区划): ``code`` (6 digits), ``name``, ``level`` ("province",
    #: "city", "county") and ``ranks`` (what ``departments`` are: "city", "county" or
    #: "department"); None for the report of every case.
    region: dict[str, str] | None = None


def _rate_sum(row: dict[str, Any]) -> float:
    return sum(row.get(key) or 0.0 for key in ("accepted_late_rate", "completed_late_rate"))


def _answered(row: dict[str, Any], key: str) -> float:
    """An answer-loop rate for the order; missing (nothing to answer or explain, or no
    ledger) counts as 100 %: nothing was left unanswered."""
    value = row.get(key)
    return 1.0 if value is None else float(value)


def ranked_departments(data: ReportData) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(department, its numerators) pairs in the order of the 红黑榜, worst first.

    Highest accepted-late rate plus completed-late rate first (a missing rate counts as 0);
    then the lowest 预警响应率, then the lowest 超期件说明率 (a missing one counts as 100 %);
    then most cases received, then by name.
    """
    numerators = list(data.department_numerators)
    numerators += [{}] * (len(data.departments) - len(numerators))
    pairs = list(zip(data.departments, numerators, strict=False))
    return sorted(
        pairs,
        key=lambda pair: (
            -_rate_sum(pair[0]),
            _answered(pair[0], "warning_response_rate"),
            _answered(pair[0], "late_explained_rate"),
            -(pair[0].get("received") or 0),
            str(pair[0].get("department", "")),
        ),
    )
