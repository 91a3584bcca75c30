"""The answer loop's counts (:func:`rules.loop.loop_counts`): literal, hand-checked days.

2025: Qingming 04-04..06 off; Sun 04-27 a working day (调休); May Day 05-01..05-05 off; Dragon
Boat 05-31..06-02 off. "c" = the working days d with S < d ≤ r (S the day first seen, r the
day answered); in time when c < N, or c = N and r is a working day.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from rules.calendar import WorkingCalendar
from rules.definitions import LOOP_SUPPORT_KEYS
from rules.loop import loop_counts

A, B = "甲局", "乙局"

# department, first seen, answered (None: not yet), c, in time with N = 1, with N = 2
# fmt: off
ROWS = [
    (A, "2025-04-30 10:00", "2025-05-06 09:00", 1, True, True),    # 05-06: 1st after May Day
    (A, "2025-04-30 10:00", "2025-05-07 18:00", 2, False, True),   # 05-07: the 2nd
    (A, "2025-04-30 10:00", "2025-05-08 08:00", 3, False, False),
    (A, "2025-04-30 10:00", "2025-04-30 23:59", 0, True, True),    # the same day
    (A, "2025-04-28 09:00", "2025-05-03 10:00", 2, False, False),  # Sat after W2 = 04-30
    (A, "2025-04-28 09:00", "2025-04-29 23:00", 1, True, True),
    (B, "2025-04-25 09:00", "2025-04-27 10:00", 1, True, True),    # Sun 04-27, worked
    (B, "2025-04-25 09:00", "2025-04-29 10:00", 3, False, False),  # 27 (调休) 28 29
    (B, "2025-05-30 09:00", "2025-06-03 09:00", 1, True, True),    # after Dragon Boat
    (B, "2025-05-31 09:00", "2025-06-03 09:00", 1, True, True),    # seen on a holiday
    (B, "2025-05-30 09:00", None, 0, False, False),
]
# fmt: on


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar.china(2025, 2026)


def responses() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "department": [r[0] for r in ROWS],
            "first_seen_at": pd.to_datetime([r[1] for r in ROWS]),
            "responded_at": pd.to_datetime([r[2] for r in ROWS]),
        }
    )


def explanations() -> pd.DataFrame:
    # A: three late, two explained, one of them accepted; B: one late, accepted without an
    # explanation (impossible, so not counted as accepted)
    return pd.DataFrame(
        {
            "department": [A, A, A, B],
            "explained": [True, True, False, False],
            "accepted": [True, False, False, True],
        }
    )


def test_the_days_are_those_of_the_table(calendar: WorkingCalendar) -> None:
    seen = pd.to_datetime([r[1] for r in ROWS]).date
    answered = [dt.date.fromisoformat(r[2][:10]) for r in ROWS if r[2]]
    c = calendar.working_days_between(seen[: len(answered)], answered)
    assert list(c) == [r[3] for r in ROWS[: len(answered)]]


@pytest.mark.parametrize("n", [1, 2])
def test_counts_per_department(calendar: WorkingCalendar, n: int) -> None:
    counts = loop_counts(responses(), explanations(), calendar, n)
    assert list(counts.columns) == list(LOOP_SUPPORT_KEYS)
    assert list(counts.index) == sorted([A, B])
    in_time = {A: [r[4 if n == 1 else 5] for r in ROWS if r[0] == A].count(True),
               B: [r[4 if n == 1 else 5] for r in ROWS if r[0] == B].count(True)}  # fmt: skip
    # by hand — N = 1: A 05-06, same day, 04-29 = 3; B 04-27, 06-03 twice = 3.
    #           N = 2: A adds 05-07 = 4; B the same 3.
    assert in_time == ({A: 3, B: 3} if n == 1 else {A: 4, B: 3})
    assert counts.loc[A].to_dict() == {
        "notified_warnings": 6,
        "responded_in_time": in_time[A],
        "responded_warnings": 6,
        "response_workdays": 1 + 2 + 3 + 0 + 2 + 1,
        "late_warnings": 3,
        "late_explained": 2,
        "late_explanations_accepted": 1,
    }
    assert counts.loc[B].to_dict() == {
        "notified_warnings": 5,
        "responded_in_time": in_time[B],
        "responded_warnings": 4,  # the last one is not answered yet
        "response_workdays": 1 + 3 + 1 + 1,
        "late_warnings": 1,
        "late_explained": 0,
        "late_explanations_accepted": 0,
    }


def test_nothing_to_count(calendar: WorkingCalendar) -> None:
    empty = loop_counts(responses().iloc[:0], explanations().iloc[:0], calendar, 2)
    assert empty.empty and list(empty.columns) == list(LOOP_SUPPORT_KEYS)
    only_late = loop_counts(responses().iloc[:0], explanations(), calendar, 2)
    assert only_late.loc[B, "notified_warnings"] == 0
    assert only_late.loc[A, "late_warnings"] == 3


def test_bad_input(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="response_workdays must be at least 1, found 0"):
        loop_counts(responses(), explanations(), calendar, 0)
    with pytest.raises(ValueError, match="responses lacks the column"):
        loop_counts(responses().drop(columns="responded_at"), explanations(), calendar, 2)
