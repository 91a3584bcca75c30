"""Why a deadline is that day (issue 11): day-by-day explanations, hand-checked.

National Day 2025 (State Council notice 国办发明电〔2024〕12号): Oct 1–8 off (Oct 1–3 国庆节,
Oct 6 中秋节, Oct 7 and 8 days off given for the working Sun Sep 28 and Sat Oct 11; Oct 4–5 a
weekend); Sep 28 (Sun) and Oct 11 (Sat) are working days (调休上班).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from rules.calendar import WorkingCalendar
from rules.explain import ObligationStory, explain
from tests.rules.test_evaluate import cases_frame as frame
from tests.rules.test_evaluate import catalogue_frame

D = dt.date
NOW = dt.datetime(2025, 10, 20, 9, 0)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar.china(2024, 2026)


def story(stories: tuple[ObligationStory, ...], obligation: str) -> ObligationStory:
    return next(s for s in stories if s.obligation == obligation)


def marks(s: ObligationStory) -> list[tuple[dt.date, str, int | None, bool]]:
    return [(d.day, d.kind, d.number, d.deadline) for d in s.days]


def test_five_working_days_across_national_day(cal: WorkingCalendar) -> None:
    # Accepted Fri 09-26: 09-27 Sat; 09-28 Sun worked (1); 29 (2); 30 (3); Oct 1-8 off;
    # Oct 9 (4), Oct 10 (5) → D = Oct 10. Completed Oct 10: on time.
    cases = frame(
        {
            "submitted_at": "2025-09-26 09:00:00",
            "accepted_at": "2025-09-26 10:00:00",
            "completed_at": "2025-10-10 15:00:00",
            "promised_limit": "5个工作日",
            "legal_limit": "20个工作日",
        }
    )
    done = explain(cases, cal, NOW)
    s = story(done.obligations, "completion")
    assert (s.start, s.start_from, s.limit, s.unit, s.limit_source, s.rule) == (
        D(2025, 9, 26),
        "accepted_at",
        5.0,
        "workday",
        "promised_limit",
        "workdays",
    )
    assert (s.deadline, s.state, s.level, s.late_workdays) == (
        D(2025, 10, 10),
        "closed",
        "on_time",
        0,
    )
    assert marks(s) == [
        (D(2025, 9, 26), "start", None, False),
        (D(2025, 9, 27), "weekend", None, False),
        (D(2025, 9, 28), "swapped_workday", 1, False),
        (D(2025, 9, 29), "counted", 2, False),
        (D(2025, 9, 30), "counted", 3, False),
        (D(2025, 10, 1), "holiday", None, False),
        (D(2025, 10, 2), "holiday", None, False),
        (D(2025, 10, 3), "holiday", None, False),
        (D(2025, 10, 4), "weekend", None, False),
        (D(2025, 10, 5), "weekend", None, False),
        (D(2025, 10, 6), "holiday", None, False),
        (D(2025, 10, 7), "holiday", None, False),
        (D(2025, 10, 8), "holiday", None, False),
        (D(2025, 10, 9), "counted", 4, False),
        (D(2025, 10, 10), "counted", 5, True),
    ]
    notes = {d.day: d.note for d in s.days}
    assert notes[D(2025, 10, 1)] == "国庆节"
    assert notes[D(2025, 10, 6)] == "中秋节"
    assert notes[D(2025, 10, 7)] == "休息日（由 2025-09-28 调休）"
    assert notes[D(2025, 9, 28)] == "调休上班"
    # Its acceptance: submitted and accepted the same day, the default 5 working days.
    a = story(done.obligations, "acceptance")
    assert (a.start_from, a.limit_source, a.deadline, a.level) == (
        "submitted_at",
        "default_acceptance_limit",
        D(2025, 10, 10),
        "on_time",
    )


def test_natural_days_roll_forward_past_the_holiday(cal: WorkingCalendar) -> None:
    # Accepted Sat 09-20, 15 natural days: S + 15 = Sun Oct 5, not a working day → Oct 9
    # (Civil Code Art. 203); Oct 6-9 are the days it rolled over.
    cases = frame(
        {
            "submitted_at": "2025-09-20 09:00:00",
            "accepted_at": "2025-09-20 10:00:00",
            "promised_limit": "15自然日",
        }
    )
    s = story(explain(cases, cal, dt.datetime(2025, 9, 25, 9, 0)).obligations, "completion")
    assert (s.rule, s.deadline, s.level) == ("natural", D(2025, 10, 9), "ok")
    got = marks(s)
    assert got[0] == (D(2025, 9, 20), "start", None, False)
    assert got[1] == (D(2025, 9, 21), "natural", 1, False)
    assert got[15] == (D(2025, 10, 5), "natural", 15, False)
    assert got[16:] == [
        (D(2025, 10, 6), "rolled", None, False),
        (D(2025, 10, 7), "rolled", None, False),
        (D(2025, 10, 8), "rolled", None, False),
        (D(2025, 10, 9), "rolled", None, True),
    ]


def test_an_immediate_case_started_on_a_holiday_is_due_on_the_next_working_day(
    cal: WorkingCalendar,
) -> None:
    # 即办, accepted Sat Oct 4 (in the break): D = Oct 9, the first working day after.
    cases = frame(
        {"submitted_at": "2025-10-04 09:00:00", "accepted_at": "2025-10-04 09:30:00",
         "promised_limit": "即办"}
    )  # fmt: skip
    s = story(explain(cases, cal, dt.datetime(2025, 10, 4, 12, 0)).obligations, "completion")
    assert (s.rule, s.deadline) == ("immediate", D(2025, 10, 9))
    assert marks(s) == [
        (D(2025, 10, 4), "start", None, False),
        (D(2025, 10, 5), "weekend", None, False),
        (D(2025, 10, 6), "holiday", None, False),
        (D(2025, 10, 7), "holiday", None, False),
        (D(2025, 10, 8), "holiday", None, False),
        (D(2025, 10, 9), "counted", None, True),
    ]


def test_a_suspension_interval_is_not_counted(cal: WorkingCalendar) -> None:
    # Accepted Fri 09-26, 5 working days; suspended Sep 28 09:00 - Sep 29 17:00: the days d
    # with Sep 28 < d ≤ Sep 29 = Sep 29 (1 working day). Counted: 28 (1), 30 (2), Oct 9 (3),
    # Oct 10 (4), Sat Oct 11 worked (5) → D = Oct 11.
    cases = frame(
        {"submitted_at": "2025-09-26 09:00:00", "accepted_at": "2025-09-26 10:00:00",
         "promised_limit": "5"}
    )  # fmt: skip
    intervals = pd.DataFrame(
        {
            "case_id": ["C1"],
            "start": [pd.Timestamp("2025-09-28 09:00")],
            "end": [pd.Timestamp("2025-09-29 17:00")],
        }
    )
    s = story(explain(cases, cal, NOW, suspensions=intervals).obligations, "completion")
    assert (s.suspended, s.deadline) == (1.0, D(2025, 10, 11))
    kinds = {day: (kind, number) for day, kind, number, _ in marks(s)}
    assert kinds[D(2025, 9, 29)] == ("suspended", None)
    assert kinds[D(2025, 9, 30)] == ("counted", 2)
    assert kinds[D(2025, 10, 11)] == ("swapped_workday", 5)


def test_suspended_days_as_a_number_extend_the_count(cal: WorkingCalendar) -> None:
    # 特别程序时长 2: D = 5 + 2 = the 7th working day after Mon Oct 13: 14 15 16 17 20 21 22.
    cases = frame(
        {"submitted_at": "2025-10-13 09:00:00", "accepted_at": "2025-10-13 10:00:00",
         "promised_limit": "5", "suspended_days": "2"}
    )  # fmt: skip
    s = story(explain(cases, cal, NOW).obligations, "completion")
    assert s.deadline == D(2025, 10, 22)
    assert [(d.day, d.kind) for d in s.days if d.kind == "extension"] == [
        (D(2025, 10, 21), "extension"),
        (D(2025, 10, 22), "extension"),
    ]


def test_the_limit_source_follows_the_catalogue(cal: WorkingCalendar) -> None:
    # No 承诺时限 on the case: the item catalogue's promised limit applies.
    cases = frame(
        {"submitted_at": "2025-10-13 09:00:00", "accepted_at": "2025-10-13 10:00:00",
         "legal_limit": "20"}
    )  # fmt: skip
    catalogue = catalogue_frame({"item_code": "ITEM-1", "promised_limit": "3个工作日"})
    s = story(explain(cases, cal, NOW, catalogue=catalogue).obligations, "completion")
    assert (s.limit, s.limit_source, s.deadline) == (3.0, "cat_promised_limit", D(2025, 10, 16))
