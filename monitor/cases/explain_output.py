"""``monitor explain``: why each deadline of one case is that day, as text or JSON.

The explanation itself is :func:`rules.explain.explain`; this module finds the case in the
loaded source, builds the calendar it needs with the configured catalogue and suspensions,
and prints the story day by day. Text from the case system is masked unless asked otherwise.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd

from monitor.cases.evaluate import evaluate_loaded, rule_settings
from monitor.cases.load import LoadedCases
from monitor.cases.reference import configured_reference
from monitor.config import Settings
from monitor.errors import InputError
from monitor.mask import mask
from rules.explain import RULES, SOURCES, CaseStory, ObligationStory, explain

__all__ = ["explain_case", "explain_rows", "to_json", "to_text"]

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_KINDS = {
    "start": "start, not counted",
    "counted": "counted",
    "swapped_workday": "counted (a weekend worked, 调休)",
    "extra_workday": "counted (an extra working day)",
    "extension": "counted (特别程序 days added)",
    "weekend": "weekend",
    "holiday": "holiday",
    "closure": "local closure",
    "suspended": "suspended (特别程序), not counted",
    "natural": "natural day",
    "rolled": "rolled over to a working day",
}


def explain_case(
    settings: Settings, loaded: LoadedCases, case_id: str, now: dt.datetime
) -> CaseStory:
    """The explanation of case ``case_id`` of ``loaded`` at ``now``."""
    one = loaded.cases[(loaded.cases["case_id"].astype(str) == case_id).to_numpy()]
    if one.empty:
        raise InputError(
            f"{loaded.source}: no valid case {mask(case_id)} (a bad row is listed by monitor "
            "inspect)"
        )
    return explain_rows(settings, loaded, one, now)


def explain_rows(
    settings: Settings, loaded: LoadedCases, one: pd.DataFrame, now: dt.datetime
) -> CaseStory:
    """The explanation of the case in ``one`` (its canonical row, from ``loaded``)."""
    evaluated = evaluate_loaded(settings, dataclasses.replace(loaded, cases=one), now)
    catalogue, suspensions, _ = configured_reference(settings)
    return explain(one, evaluated.calendar, now, rule_settings(settings), catalogue, suspensions)


def to_json(story: CaseStory, *, masked: bool = True) -> dict[str, Any]:
    """The explanation as JSON-ready data: days ISO 8601, the rule and source in words."""
    data = dataclasses.asdict(story)
    data["case_id"] = mask(story.case_id) if masked else story.case_id
    for ob, raw in zip(story.obligations, data["obligations"], strict=True):
        raw["rule_text"] = RULES[ob.rule][1]
        raw["limit_source_text"] = SOURCES.get(ob.limit_source, ("", ""))[1]
    return _iso(data)


def to_text(story: CaseStory, *, masked: bool = True) -> str:
    """The explanation for a terminal: each obligation, then its days."""
    shown = mask(story.case_id) if masked else story.case_id
    lines = [f"case {shown}"]
    for ob in story.obligations:
        lines += ["", *_obligation_lines(ob)]
    if story.problems:
        lines += ["", "data problems: " + "; ".join(story.problems)]
    return "\n".join(lines)


def _obligation_lines(ob: ObligationStory) -> list[str]:
    unit = "natural days" if ob.unit == "natural" else "working days"
    limit = "immediate (即办)" if ob.rule == "immediate" else f"{ob.limit:g} {unit}"
    source = SOURCES.get(ob.limit_source, ("", ob.limit_source))[1]
    closed = f"closed {ob.closed_at:%Y-%m-%d %H:%M}, " if ob.closed_at else ""
    late = f", {ob.late_workdays} working days late" if ob.late_workdays else ""
    suspended = f", {ob.suspended:g} suspended days added" if ob.suspended else ""
    lines = [
        f"{ob.obligation}: starts {ob.start} ({ob.start_from}), limit {limit} from {source}"
        f"{suspended}",
        f"  deadline {ob.deadline} (the end of that day): {closed}{ob.level}{late}",
        f"  rule: {RULES[ob.rule][1]}",
    ]
    for day in ob.days:
        count = f" {day.number}" if day.number is not None else ""
        note = f"  {day.note}" if day.note else ""
        mark = "  ← deadline" if day.deadline else ""
        lines.append(
            f"  {day.day} {_WEEKDAYS[day.day.weekday()]}  {_KINDS[day.kind]}{count}{note}{mark}"
        )
    return lines


def _iso(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_iso(v) for v in value]
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    return value
