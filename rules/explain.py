"""Why a deadline is that day (期限说明): each obligation of one case, day by day.

For each obligation: where it starts (S, and from which time), which limit applies and where
it comes from (the case's 承诺时限, the item catalogue, the 法定时限, the default acceptance
limit), the rule that turns S and the limit into the deadline D, and every calendar day from
S to D marked: the start day (not counted, Civil Code Art. 201), a counted working day (with
its number), a weekend, a statutory holiday (named), a 调休 working day (a weekend worked,
counted), a local closure, a day of a suspension (特别程序, 行政许可法 Art. 45, not counted), a
natural day, a day the deadline rolled over (Civil Code Art. 203). The same explanation feeds
``monitor explain`` and the case page departments answer from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from rules.calendar import WorkingCalendar
from rules.evaluate import RuleSettings, evaluate, prepare
from rules.limits import NATURAL
from rules.obligations import ACCEPTANCE, COMPLETION

__all__ = ["RULES", "SOURCES", "CaseStory", "Day", "ObligationStory", "explain"]

#: Where a limit comes from: the column that gave it → (Chinese, English).
SOURCES: dict[str, tuple[str, str]] = {
    "promised_limit": ("办件的承诺时限", "the case's promised limit (承诺时限)"),
    "cat_promised_limit": ("事项目录的承诺时限", "the item catalogue's promised limit"),
    "legal_limit": ("办件的法定时限", "the case's legal limit (法定时限)"),
    "cat_legal_limit": ("事项目录的法定时限", "the item catalogue's legal limit"),
    "cat_acceptance_limit": ("事项目录的受理时限", "the item catalogue's acceptance limit"),
    "default_acceptance_limit": (
        "默认受理时限（行政许可法第三十二条）",
        "the default acceptance limit (行政许可法 Art. 32)",
    ),
}
#: The rule that makes D → (Chinese, English).
RULES: dict[str, tuple[str, str]] = {
    "workdays": (
        "期限为起算日之后的第 k 个工作日，起算日当天不计入"
        "（民法典第二百零一条；行政许可法第八十二条）。",
        "D is the k-th working day after S; S itself does not count (Civil Code Art. 201; "
        "行政许可法 Art. 82).",
    ),
    "immediate": (
        "即办件：起算日为工作日的，当日为期限；否则为其后第一个工作日。",
        "Immediate (即办): D is S when S is a working day, else the next working day.",
    ),
    "natural": (
        "期限为起算日之后第 k 日；期限末日为节假日的，顺延至其后第一个工作日"
        "（民法典第二百零三条）。",
        "D is S + k days; when that day is not a working day, the next working day (Civil "
        "Code Art. 203).",
    ),
}


@dataclass(frozen=True)
class Day:
    """One calendar day of an obligation's period: ``kind`` says how it counts (``start``,
    ``counted``, ``swapped_workday``, ``extra_workday``, ``extension``, ``weekend``,
    ``holiday``, ``closure``, ``suspended``, ``natural``, ``rolled``), ``number`` the count
    it reached (working or natural days), ``note`` a holiday's name or a rule."""

    day: dt.date
    kind: str
    number: int | None
    note: str
    deadline: bool


@dataclass(frozen=True)
class ObligationStory:
    """The explanation of one obligation (see the module's docstring)."""

    obligation: str
    start: dt.date
    start_from: str  # the field whose time is S: submitted_at, supplemented_at, accepted_at
    limit: float
    unit: str
    limit_source: str  # a key of SOURCES
    suspended: float
    deadline: dt.date
    rule: str  # a key of RULES
    closed_at: dt.datetime | None
    state: str
    level: str
    remaining_workdays: int | None
    late_workdays: int
    days: tuple[Day, ...]


@dataclass(frozen=True)
class CaseStory:
    """Every obligation of one case, and the data problems that kept any out."""

    case_id: str
    obligations: tuple[ObligationStory, ...]
    problems: tuple[str, ...]


def explain(
    case: pd.DataFrame,
    calendar: WorkingCalendar,
    now: dt.datetime,
    settings: RuleSettings | None = None,
    catalogue: pd.DataFrame | None = None,
    suspensions: pd.DataFrame | None = None,
) -> CaseStory:
    """The explanation of the one case in ``case`` (canonical rows of one case id; the last
    record wins, as in loading) at ``now``, by the same rules as :func:`evaluate`."""
    settings = settings or RuleSettings()
    case = case.tail(1).reset_index(drop=True)
    evaluation = evaluate(case, calendar, now, settings, catalogue, suspensions)
    work, rows, _ = prepare(case, now, settings, catalogue)
    suspended_days = _suspended_days(case, suspensions, calendar, now)
    stories = tuple(
        _story(row, work, rows, calendar, suspended_days)
        for row in evaluation.table.to_dict(orient="records")
    )
    return CaseStory(
        case_id=str(case["case_id"].iat[0]),
        obligations=stories,
        problems=tuple(str(r) for r in evaluation.problems["reason"]),
    )


def _story(
    row: dict,
    work: pd.DataFrame,
    rows: pd.DataFrame,
    calendar: WorkingCalendar,
    suspended_days: frozenset[dt.date],
) -> ObligationStory:
    ob = ACCEPTANCE if row["obligation"] == "acceptance" else COMPLETION
    position = int(rows.loc[rows["obligation"] == ob.name, "row"].iat[0])
    start = pd.Timestamp(row["start"]).date()
    deadline = pd.Timestamp(row["deadline"]).date()
    k, natural = float(row["limit"]), row["unit"] == NATURAL
    rule = "natural" if natural else "immediate" if k == 0 else "workdays"
    in_intervals = suspended_days if ob is COMPLETION else frozenset()
    days = _days(start, deadline, k, natural, calendar, in_intervals)
    closed = row["closed_at"]
    remaining = row["remaining_workdays"]
    return ObligationStory(
        obligation=ob.name,
        start=start,
        start_from=_first_present(work, position, ob.starts),
        limit=k,
        unit=str(row["unit"]),
        limit_source=_first_present(work, position, tuple(v for v, _ in ob.limits)),
        suspended=float(row["suspended"]),
        deadline=deadline,
        rule=rule,
        closed_at=None if pd.isna(closed) else pd.Timestamp(closed).to_pydatetime(),
        state=str(row["state"]),
        level=str(row["level"]),
        remaining_workdays=None if pd.isna(remaining) else int(remaining),
        late_workdays=int(row["late_workdays"]),
        days=days,
    )


def _days(
    start: dt.date,
    deadline: dt.date,
    k: float,
    natural: bool,
    calendar: WorkingCalendar,
    suspended: frozenset[dt.date],
) -> tuple[Day, ...]:
    """Every day from ``start`` to ``deadline``, each marked."""
    span = pd.date_range(start, max(start, deadline)).date
    working = calendar.is_working_day(span)
    out, counted = [], 0
    for day, works in zip(span, working, strict=True):
        kind, note = _kind(day, bool(works), calendar)
        number = None
        if day == start:
            kind, note = "start", "起算日不计入" if k else note
        elif natural:
            offset = (day - start).days
            kind, number = ("natural", offset) if offset <= k else ("rolled", None)
        elif works and day in suspended:
            kind, note = "suspended", "特别程序期间不计入"
        elif works and not k:
            note = "即办件：顺延至第一个工作日"
        elif works:
            counted += 1
            number = counted
            if counted > k:
                kind, note = "extension", "特别程序时长顺延"
        out.append(Day(day, kind, number, note, day == deadline))
    return tuple(out)


def _kind(day: dt.date, works: bool, calendar: WorkingCalendar) -> tuple[str, str]:
    """How the calendar sees ``day``: (kind, note)."""
    noted, name = calendar.notes.get(day, ("", ""))
    if works:
        if noted == "workday":
            return "swapped_workday", name
        if noted == "extra_workday":
            return "extra_workday", name
        return "counted", ""
    if noted in ("holiday", "closure"):
        return noted, name
    return "weekend", "周末"


def _first_present(work: pd.DataFrame, position: int, columns: tuple[str, ...]) -> str:
    """The first of ``columns`` with a value in row ``position`` of ``work``."""
    for column in columns:
        if column in work and pd.notna(work[column].iat[position]):
            return column
    return ""


def _suspended_days(
    case: pd.DataFrame,
    suspensions: pd.DataFrame | None,
    calendar: WorkingCalendar,
    now: dt.datetime,
) -> frozenset[dt.date]:
    """The days the case's suspension intervals suspend (start < d ≤ end), up to ``now``."""
    if suspensions is None or not len(suspensions):
        return frozenset()
    mine = suspensions[suspensions["case_id"].astype(str) == str(case["case_id"].iat[0])]
    days: set[dt.date] = set()
    today = now.date()
    for interval in mine.itertuples(index=False):  # a handful of intervals
        first = pd.Timestamp(interval.start).date() + dt.timedelta(days=1)
        last = min(pd.Timestamp(interval.end).date(), today)
        if first <= last:
            days.update(pd.date_range(first, last).date)
    return frozenset(days)
