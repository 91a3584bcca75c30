"""What was loaded: the figures ``monitor inspect`` prints."""

from __future__ import annotations

from typing import Any

import pandas as pd

from monitor.cases.load import LoadedCases
from monitor.cases.quality import by_reason
from monitor.config import Settings
from monitor.mask import mask
from monitor.text import display_width, plural
from rules.fields import TIMESTAMP_FIELDS

__all__ = ["overview", "render_overview"]


def overview(
    loaded: LoadedCases, settings: Settings, problems: pd.DataFrame, *, masked: bool = True
) -> dict[str, Any]:
    """A JSON-ready summary of loaded cases; ``problems`` are all their data problems
    (:func:`monitor.cases.quality.data_problems`, as ``scan`` and the reports count them).
    Department names are masked unless ``masked`` is False."""
    show = mask if masked else str
    cases = loaded.cases
    stamps = pd.concat([cases[f] for f in TIMESTAMP_FIELDS], ignore_index=True).dropna()
    first, last = (stamps.min(), stamps.max()) if len(stamps) else (None, None)
    years: list[dict[str, Any]] = []
    if first is not None:
        # Deadlines of the last cases may run into the next year.
        for year in range(first.year, last.year + 2):
            need = "data" if year <= last.year else "deadlines"
            years.append(
                {"year": year, "needed_for": need, "schedule": settings.calendar.year_status(year)}
            )
    per_dept = cases["department"].value_counts()

    return {
        "source": loaded.source,
        "encoding": loaded.encoding,
        "rows_read": loaded.rows_read,
        "cases": len(cases),
        "bad_rows": loaded.bad_rows,
        "duplicates": loaded.duplicates,
        "departments": [{"department": show(d), "cases": int(n)} for d, n in per_dept.items()],
        "data_problems": len(problems),
        "problems": [{"reason": r, "rows": n} for r, n in by_reason(problems)],
        "submitted": _range(cases["submitted_at"]),
        "dates": {"first": _iso(first), "last": _iso(last)},
        "calendar_years": years,
    }


def render_overview(data: dict[str, Any]) -> str:
    """The summary as text for a terminal."""
    sub = data["submitted"]
    lines = [
        f"source      {data['source']}" + (f"  ({data['encoding']})" if data["encoding"] else ""),
        f"rows read   {data['rows_read']:,}",
        f"cases       {data['cases']:,} valid",
        f"bad rows    {data['bad_rows']:,} kept out of the rules (listed in data quality)",
        f"duplicates  {plural(data['duplicates'], 'record')} superseded by a later one with the "
        "same id",
        f"submitted   {sub['first'] or '-'} .. {sub['last'] or '-'}",
        f"all dates   {data['dates']['first'] or '-'} .. {data['dates']['last'] or '-'}",
        "calendar    "
        + (
            ", ".join(
                f"{y['year']} {y['schedule']}"
                + (" (for deadlines)" if y["needed_for"] == "deadlines" else "")
                for y in data["calendar_years"]
            )
            or "-"
        ),
        "",
        f"departments ({len(data['departments'])}):",
    ]
    width = max((display_width(d["department"]) for d in data["departments"]), default=10)
    for d in data["departments"]:
        pad = " " * (width - display_width(d["department"]))
        lines.append(f"  {d['department']}{pad}  {d['cases']:>10,}")
    if data["problems"]:
        lines += ["", f"data problems ({data['data_problems']:,}, by reason):"]
        lines += [f"  {p['rows']:>8,}  {p['reason']}" for p in data["problems"]]
    return "\n".join(lines)


def _range(col: pd.Series) -> dict[str, str | None]:
    col = col.dropna()
    return {
        "first": _iso(col.min()) if len(col) else None,
        "last": _iso(col.max()) if len(col) else None,
    }


def _iso(ts: Any) -> str | None:
    return None if ts is None or pd.isna(ts) else pd.Timestamp(ts).isoformat(sep=" ")
