"""Working-day calendar (DOMAIN.md §2, §3) against hand-checked dates.

The expected values are literals taken from the State Council notices for 2024–2026
(checked against both the ``holidays`` package and ``chinese_calendar``, which agree), and
every deadline row was counted by hand on a printed calendar. In comments, ``*`` marks a
调休 working weekend day.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from rules.calendar import WorkingCalendar, YearSchedule, published_years
from rules.errors import CalendarRangeError, UnknownYearError

NAT = np.datetime64("NaT", "D")


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar.china(2024, 2026)


def days(*values: str | None) -> np.ndarray:
    return np.array([v or "NaT" for v in values], dtype="datetime64[D]")


def span(first: str, last: str) -> np.ndarray:
    """Every day from first to last, both included."""
    return np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)


# ---------------------------------------------------------------- is_working_day

# Every 调休 working weekend day (调休上班日) of 2024–2026.
WORKING_WEEKENDS = [
    "2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11",  # Sun Sun Sun Sun Sat
    "2024-09-14", "2024-09-29", "2024-10-12",  # Sat Sun Sat
    "2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",  # Sun Sat Sun Sun Sat
    "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20",  # Sun Sat Sat Sat Sun
    "2026-10-10",  # Sat
]  # fmt: skip

# Every day of each break is a day off (first, last both included).
BREAKS = {
    "2024 New Year": ("2024-01-01", "2024-01-01"),
    "2024 Spring Festival": ("2024-02-10", "2024-02-17"),
    "2024 Qingming": ("2024-04-04", "2024-04-06"),
    "2024 Labour Day": ("2024-05-01", "2024-05-05"),
    "2024 Dragon Boat": ("2024-06-08", "2024-06-10"),
    "2024 Mid-Autumn": ("2024-09-15", "2024-09-17"),
    "2024 National Day": ("2024-10-01", "2024-10-07"),
    "2025 New Year": ("2025-01-01", "2025-01-01"),
    "2025 Spring Festival": ("2025-01-28", "2025-02-04"),
    "2025 Qingming": ("2025-04-04", "2025-04-06"),
    "2025 Labour Day": ("2025-05-01", "2025-05-05"),
    "2025 Dragon Boat": ("2025-05-31", "2025-06-02"),
    "2025 National Day + Mid-Autumn": ("2025-10-01", "2025-10-08"),
    "2026 New Year": ("2026-01-01", "2026-01-03"),
    "2026 Spring Festival": ("2026-02-15", "2026-02-23"),
    "2026 Qingming": ("2026-04-04", "2026-04-06"),
    "2026 Labour Day": ("2026-05-01", "2026-05-05"),
    "2026 Dragon Boat": ("2026-06-19", "2026-06-21"),
    "2026 Mid-Autumn": ("2026-09-25", "2026-09-27"),
    "2026 National Day": ("2026-10-01", "2026-10-07"),
}

# Ordinary days around the breaks: the working days just before/after and plain weekends.
ORDINARY = [
    ("2024-02-09", True), ("2024-02-19", True), ("2024-02-29", True), ("2024-02-03", False),
    ("2024-02-24", False), ("2024-03-09", False), ("2024-03-10", False),
    ("2024-04-30", True), ("2024-05-06", True), ("2024-05-12", False),
    ("2024-09-30", True), ("2024-10-08", True), ("2024-10-13", False),
    ("2025-01-27", True), ("2025-02-05", True), ("2025-02-09", False),
    ("2025-04-30", True), ("2025-05-06", True), ("2025-06-03", True),
    ("2025-09-30", True), ("2025-10-09", True), ("2025-10-12", False),
    ("2025-12-31", True), ("2026-01-05", True), ("2026-02-13", True), ("2026-02-24", True),
    ("2026-03-01", False), ("2026-04-30", True), ("2026-05-06", True), ("2026-05-10", False),
    ("2026-09-30", True), ("2026-10-08", True), ("2026-10-11", False),
]  # fmt: skip


@pytest.mark.parametrize("day", WORKING_WEEKENDS)
def test_tiaoxiu_weekend_days_are_working(cal: WorkingCalendar, day: str) -> None:
    assert np.datetime64(day, "D").astype(dt.date).weekday() >= 5
    assert cal.is_working_day(day).tolist() == [True]


@pytest.mark.parametrize(("first", "last"), BREAKS.values(), ids=BREAKS.keys())
def test_every_day_of_a_break_is_off(cal: WorkingCalendar, first: str, last: str) -> None:
    assert not cal.is_working_day(span(first, last)).any()


@pytest.mark.parametrize(("day", "expected"), ORDINARY)
def test_ordinary_days(cal: WorkingCalendar, day: str, expected: bool) -> None:
    assert cal.is_working_day(day).tolist() == [expected]


@pytest.mark.parametrize(("first", "last", "count"), [
    ("2024-01-01", "2024-12-31", 251),  # 262 weekdays - 19 weekday holidays + 8 调休
    ("2025-01-01", "2025-12-31", 248),  # 261 - 18 + 5
    ("2026-01-01", "2026-12-31", 248),  # 261 - 19 + 6
])  # fmt: skip
def test_working_days_per_year(cal: WorkingCalendar, first: str, last: str, count: int) -> None:
    assert cal.is_working_day(span(first, last)).sum() == count


# ---------------------------------------------------------------- add_working_days

# start, then the deadline for k = 0, 1, 5, 20 (hand-counted; start never counts for k ≥ 1).
ADD_ROWS = [
    # 2024 Spring Festival (Feb 10–17 off; Feb 4* and Feb 18* Sundays working)
    ("2024-02-08", "2024-02-08", "2024-02-09", "2024-02-21", "2024-03-13"),  # Thu working
    # 5: 9, 18*, 19, 20, 21
    ("2024-02-03", "2024-02-04", "2024-02-04", "2024-02-08", "2024-03-06"),  # Sat
    # 20: 4*,5,6,7,8, 9,18*,19,20,21, 22,23,26,27,28, 29,M1,4,5,6
    ("2024-02-13", "2024-02-18", "2024-02-18", "2024-02-22", "2024-03-14"),  # holiday Tue
    ("2024-02-04", "2024-02-04", "2024-02-05", "2024-02-09", "2024-03-07"),  # 调休 Sun
    # 2024 Labour Day (May 1–5 off; Apr 28* Sun, May 11* Sat working)
    ("2024-04-28", "2024-04-28", "2024-04-29", "2024-05-08", "2024-05-28"),  # 调休 Sun
    # 5: 29, 30, M6, 7, 8; 20: ..., 9, 10, 11*, 13–17, 20–24, 27, 28
    ("2024-04-30", "2024-04-30", "2024-05-06", "2024-05-10", "2024-05-30"),  # Tue working
    ("2024-05-01", "2024-05-06", "2024-05-06", "2024-05-10", "2024-05-30"),  # holiday Wed
    ("2024-05-04", "2024-05-06", "2024-05-06", "2024-05-10", "2024-05-30"),  # Sat in break
    # 2024 Mid-Autumn and National Day (Sep 15–17, Oct 1–7 off; Sep 14*, 29*, Oct 12* working)
    ("2024-09-13", "2024-09-13", "2024-09-14", "2024-09-23", "2024-10-17"),  # Fri; 1 → Sat*
    # 5: 14*, 18, 19, 20, 23; 20: ..., 24–27, 29*, 30, O8–11, 12*, 14–17
    ("2024-09-29", "2024-09-29", "2024-09-30", "2024-10-11", "2024-10-31"),  # 调休 Sun
    # 5: 30, O8, 9, 10, 11
    ("2024-09-30", "2024-09-30", "2024-10-08", "2024-10-12", "2024-11-01"),  # Mon; 5 → Sat*
    ("2024-10-01", "2024-10-08", "2024-10-08", "2024-10-12", "2024-11-01"),  # holiday Tue
    # 2025 Spring Festival (Jan 28–Feb 4 off; Jan 26* Sun, Feb 8* Sat working)
    ("2025-01-24", "2025-01-24", "2025-01-26", "2025-02-07", "2025-02-27"),  # Fri; 1 → Sun*
    # 5: 26*, 27, F5, 6, 7
    ("2025-01-25", "2025-01-26", "2025-01-26", "2025-02-07", "2025-02-27"),  # Sat
    ("2025-01-26", "2025-01-26", "2025-01-27", "2025-02-08", "2025-02-28"),  # 调休 Sun
    ("2025-01-27", "2025-01-27", "2025-02-05", "2025-02-10", "2025-03-03"),  # Mon working
    # 5: 5, 6, 7, 8*, 10; 20: ..., 11–14, 17–21, 24–28, M3
    ("2025-01-28", "2025-02-05", "2025-02-05", "2025-02-10", "2025-03-03"),  # 除夕, holiday
    # 2025 Labour Day (May 1–5 off; Apr 27* Sun working) then Dragon Boat (May 31–Jun 2 off)
    ("2025-04-27", "2025-04-27", "2025-04-28", "2025-05-07", "2025-05-28"),  # 调休 Sun
    ("2025-05-01", "2025-05-06", "2025-05-06", "2025-05-12", "2025-06-03"),  # holiday Thu
    # 20: 6,7,8,9,12, 13,14,15,16,19, 20,21,22,23,26, 27,28,29,30, J3 (Jun 2 is off)
    # 2025 National Day + Mid-Autumn (Oct 1–8 off; Sep 28* Sun, Oct 11* Sat working)
    ("2025-09-27", "2025-09-28", "2025-09-28", "2025-10-10", "2025-10-30"),  # Sat
    ("2025-09-28", "2025-09-28", "2025-09-29", "2025-10-11", "2025-10-31"),  # 调休 Sun
    # 5: 29, 30, O9, 10, 11*
    ("2025-09-30", "2025-09-30", "2025-10-09", "2025-10-14", "2025-11-04"),  # Tue working
    # 20: 9,10,11*,13,14, 15,16,17,20,21, 22,23,24,27,28, 29,30,31,N3,4
    ("2025-10-01", "2025-10-09", "2025-10-09", "2025-10-14", "2025-11-04"),  # holiday Wed
    ("2025-10-08", "2025-10-09", "2025-10-09", "2025-10-14", "2025-11-04"),  # 8th day off
    # 2026 New Year (Jan 1–3 off; Jan 4* Sun working)
    ("2025-12-31", "2025-12-31", "2026-01-04", "2026-01-08", "2026-01-29"),  # Wed; 1 → Sun*
    ("2026-01-01", "2026-01-04", "2026-01-04", "2026-01-08", "2026-01-29"),  # holiday Thu
    # 2026 Spring Festival (Feb 15–23 off; Feb 14* and Feb 28* Saturdays working)
    ("2026-02-07", "2026-02-09", "2026-02-09", "2026-02-13", "2026-03-12"),  # Sat
    # 20: 9–13, 14*, 24–27, 28*, M2–6, 9–12
    ("2026-02-13", "2026-02-13", "2026-02-14", "2026-02-27", "2026-03-19"),  # Fri; 1 → Sat*
    # 5: 14*, 24, 25, 26, 27
    ("2026-02-14", "2026-02-14", "2026-02-24", "2026-02-28", "2026-03-20"),  # 调休 Sat
    ("2026-02-16", "2026-02-24", "2026-02-24", "2026-02-28", "2026-03-20"),  # holiday Mon
    ("2026-02-23", "2026-02-24", "2026-02-24", "2026-02-28", "2026-03-20"),  # last day off
    # 2026 Labour Day (May 1–5 off; May 9* Sat working)
    ("2026-04-30", "2026-04-30", "2026-05-06", "2026-05-11", "2026-06-01"),  # Thu working
    # 5: 6, 7, 8, 9*, 11; 20: ..., 12–15, 18–22, 25–29, J1
    ("2026-05-01", "2026-05-06", "2026-05-06", "2026-05-11", "2026-06-01"),  # holiday Fri
    ("2026-05-09", "2026-05-09", "2026-05-11", "2026-05-15", "2026-06-05"),  # 调休 Sat
    # 2026 Mid-Autumn and National Day (Sep 25, Oct 1–7 off; Sep 20* Sun, Oct 10* Sat working)
    ("2026-09-20", "2026-09-20", "2026-09-21", "2026-09-28", "2026-10-23"),  # 调休 Sun
    # 5: 21, 22, 23, 24, 28 (25 off); 20: ..., 29, 30, O8, 9, 10*, 12–16, 19–23
    ("2026-09-30", "2026-09-30", "2026-10-08", "2026-10-13", "2026-11-03"),  # Wed working
    ("2026-10-04", "2026-10-08", "2026-10-08", "2026-10-13", "2026-11-03"),  # Sun in break
    # An ordinary month: 20 working days after a Monday is four weeks later.
    ("2024-03-04", "2024-03-04", "2024-03-05", "2024-03-11", "2024-04-01"),  # Mon
]
KS = (0, 1, 5, 20)
ADD_CASES = [(start, k, end) for start, *ends in ADD_ROWS for k, end in zip(KS, ends, strict=True)]


@pytest.mark.parametrize(("start", "k", "expected"), ADD_CASES)
def test_add_working_days(cal: WorkingCalendar, start: str, k: int, expected: str) -> None:
    assert cal.add_working_days(start, k).tolist() == [dt.date.fromisoformat(expected)]


def test_add_working_days_whole_table_in_one_call(cal: WorkingCalendar) -> None:
    starts = days(*(s for s, _, _ in ADD_CASES))
    ks = np.array([k for _, k, _ in ADD_CASES])
    assert (cal.add_working_days(starts, ks) == days(*(e for _, _, e in ADD_CASES))).all()


def test_add_working_days_refuses_negative_k(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="k must be"):
        cal.add_working_days("2024-03-04", -1)


# ---------------------------------------------------------------- roll_forward, between

ROLL = [
    ("2024-03-04", "2024-03-04"),  # working Mon stays
    ("2024-03-10", "2024-03-11"),  # Sun → Mon
    ("2024-02-03", "2024-02-04"),  # Sat → 调休 Sun
    ("2024-02-10", "2024-02-18"),  # Spring Festival → 调休 Sun
    ("2025-10-01", "2025-10-09"),  # Oct 1–8 → Thu Oct 9
    ("2025-10-11", "2025-10-11"),  # 调休 Sat stays
    ("2026-01-01", "2026-01-04"),  # New Year → 调休 Sun
    ("2026-02-21", "2026-02-24"),  # Sat inside the break → Tue after Mon Feb 23 (off)
    ("2026-10-03", "2026-10-08"),
]


@pytest.mark.parametrize(("day", "expected"), ROLL)
def test_roll_forward(cal: WorkingCalendar, day: str, expected: str) -> None:
    assert cal.roll_forward(day).tolist() == [dt.date.fromisoformat(expected)]


BETWEEN = [
    ("2024-02-08", "2024-02-21", 5),  # 9, 18*, 19, 20, 21
    ("2024-02-21", "2024-02-08", -5),  # reversed
    ("2024-02-09", "2024-02-17", 0),  # the whole break
    ("2024-02-09", "2024-02-18", 1),  # 18*
    ("2024-03-04", "2024-03-04", 0),  # same day
    ("2024-03-03", "2024-03-04", 1),  # through end counts
    ("2024-03-04", "2024-03-05", 1),  # after end does not
    ("2025-09-30", "2025-10-08", 0),
    ("2025-09-30", "2025-10-11", 3),  # 9, 10, 11*
    ("2025-12-31", "2026-01-04", 1),  # 4*
    ("2024-12-31", "2025-12-31", 248),
    ("2026-02-13", "2026-03-01", 6),  # 14*, 24, 25, 26, 27, 28*
]


@pytest.mark.parametrize(("after", "through", "expected"), BETWEEN)
def test_working_days_between(
    cal: WorkingCalendar, after: str, through: str, expected: int
) -> None:
    assert cal.working_days_between(after, through).tolist() == [expected]


# ---------------------------------------------------------------- vectorised behaviour


def test_mixed_inputs_and_nat(cal: WorkingCalendar) -> None:
    mixed = [dt.date(2024, 2, 4), None, np.datetime64("2025-10-08"), "2026-02-28"]
    assert cal.is_working_day(mixed).tolist() == [True, False, False, True]
    assert cal.roll_forward(mixed).astype(str).tolist() == [
        "2024-02-04", "NaT", "2025-10-09", "2026-02-28",
    ]  # fmt: skip
    through = ["2024-02-18", "2024-03-01", "2025-10-11", "2026-02-28"]
    # Feb 5–9, 18* | NaT | Oct 9, 10, 11* | same day
    assert cal.working_days_between(mixed, through).tolist() == [6, 0, 3, 0]


def test_series_datetime64_ns_with_times_and_nat(cal: WorkingCalendar) -> None:
    start = pd.Series(
        pd.to_datetime(["2024-02-08 10:20", None, "2025-09-30 23:59", "2026-02-14 08:00"])
    ).astype("datetime64[ns]")
    k = pd.Series([5, 20, 1, 0])
    out = cal.add_working_days(start, k)
    assert out.dtype == np.dtype("datetime64[D]")
    assert out.astype(str).tolist() == ["2024-02-21", "NaT", "2025-10-09", "2026-02-14"]
    assert cal.is_working_day(start).tolist() == [True, False, True, True]
    assert cal.roll_forward(start).astype(str).tolist()[1] == "NaT"
    through = pd.Series(pd.to_datetime(["2024-02-21", "2024-03-01", None, "2026-03-01"]))
    assert cal.working_days_between(start, through).tolist() == [5, 0, 0, 5]


def test_object_series_of_dates_with_nat(cal: WorkingCalendar) -> None:
    # Series.dt.date yields Python dates and pd.NaT in an object array.
    start = pd.Series(pd.to_datetime(["2025-01-28 09:00", None])).dt.date
    assert cal.add_working_days(start, 1).astype(str).tolist() == ["2025-02-05", "NaT"]
    assert cal.is_working_day(start).tolist() == [False, False]


def test_array_of_k_for_one_start_day_repeated(cal: WorkingCalendar) -> None:
    start = days(*["2025-09-30"] * 6)
    out = cal.add_working_days(start, np.array([0, 1, 2, 3, 4, 5]))
    assert out.astype(str).tolist() == [
        "2025-09-30", "2025-10-09", "2025-10-10", "2025-10-11", "2025-10-13", "2025-10-14",
    ]  # fmt: skip


# ---------------------------------------------------------------- coverage of years


def test_2027_is_still_unpublished_in_the_installed_holidays_package() -> None:
    # If this fails, the package now carries 2027: move the tests below to the next year.
    assert {2024, 2025, 2026} <= published_years()
    assert 2027 not in published_years()


@pytest.fixture(scope="module")
def cal_2027() -> WorkingCalendar:
    return WorkingCalendar.china(2024, 2027)


def _assert_unknown_2027(excinfo: pytest.ExceptionInfo[UnknownYearError]) -> None:
    message = str(excinfo.value)
    assert excinfo.value.year == 2027
    assert "2027" in message
    assert "[calendar.years.2027]" in message
    assert "allow_estimated_years" in message


@pytest.mark.parametrize(
    "touch",
    [
        lambda c: c.is_working_day("2027-03-01"),
        lambda c: c.roll_forward(["2026-06-01", "2027-01-01"]),
        lambda c: c.add_working_days("2027-01-04", 0),
        lambda c: c.working_days_between("2026-12-31", "2027-01-04"),
        lambda c: c.add_working_days("2026-12-20", 20),  # lands on 2027-01-18
        lambda c: c.add_working_days("2026-12-31", 1),  # lands on 2027-01-04
    ],
    ids=["is_working_day", "roll_forward", "add_start", "between", "add_lands_20", "add_lands_1"],
)
def test_unpublished_year_raises(cal_2027: WorkingCalendar, touch) -> None:
    assert cal_2027.estimated_years == frozenset({2027})
    with pytest.raises(UnknownYearError) as excinfo:
        touch(cal_2027)
    _assert_unknown_2027(excinfo)


def test_published_dates_still_work_in_a_calendar_reaching_2027(cal_2027) -> None:
    assert cal_2027.add_working_days(["2026-12-01", None], 20).astype(str).tolist() == [
        "2026-12-29",  # Dec 2–4, 7–11, 14–18, 21–25, 28, 29
        "NaT",
    ]
    assert cal_2027.add_working_days("2026-12-31", 0).tolist() == [dt.date(2026, 12, 31)]


def test_allow_estimated_computes_and_marks_exactly_the_2027_entries() -> None:
    c = WorkingCalendar.china(2024, 2027, allow_estimated=True)
    start = days("2026-12-20", "2026-12-01", "2027-03-01", None)
    end = c.add_working_days(start, np.array([20, 20, 0, 5]))
    # Dec 21–25, 28–31 (9), Jan 1 off, Jan 4–8, 11–15 (19), 18 (20).
    assert end.astype(str).tolist() == ["2027-01-18", "2026-12-29", "2027-03-01", "NaT"]
    assert c.estimated(start, end).tolist() == [True, False, True, False]
    assert c.estimated(days("2026-12-31", "2027-01-01")).tolist() == [False, True]


@pytest.mark.parametrize("day", ["2023-12-31", "2027-01-04"])
def test_outside_the_built_span_raises_range_error(cal: WorkingCalendar, day: str) -> None:
    with pytest.raises(CalendarRangeError, match="2024–2026"):
        cal.is_working_day(day)


def test_result_past_the_built_span_raises_range_error(cal: WorkingCalendar) -> None:
    with pytest.raises(CalendarRangeError):
        cal.add_working_days("2026-12-20", 20)


def test_operator_schedule_makes_2027_known() -> None:
    # An illustrative schedule (not the real 2027 notice): Jan 1 and Mon Feb 8 off,
    # Sat Feb 6 working. It replaces the package's estimate (which has Fri Feb 5 off).
    schedule = YearSchedule(
        holidays=(dt.date(2027, 1, 1), dt.date(2027, 2, 8)), workdays=(dt.date(2027, 2, 6),)
    )
    c = WorkingCalendar.china(2024, 2027, schedules={2027: schedule})
    assert c.estimated_years == frozenset()
    week = days("2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08")
    assert c.is_working_day(week).tolist() == [False, True, True, False, False]
    assert not c.estimated(week).any()
    assert c.add_working_days("2026-12-20", 20).tolist() == [dt.date(2027, 1, 18)]
    assert c.add_working_days("2027-02-05", 1).tolist() == [dt.date(2027, 2, 6)]


# ---------------------------------------------------------------- local closures


def test_typhoon_closure_is_off_and_shifts_deadlines(cal: WorkingCalendar) -> None:
    typhoon = WorkingCalendar.china(2024, 2026, extra_holidays=[dt.date(2025, 7, 30)])  # Wed
    assert cal.is_working_day("2025-07-30").tolist() == [True]
    assert typhoon.is_working_day("2025-07-30").tolist() == [False]
    # From Mon Jul 28, k=5: 29, 30, 31, A1, 4 → with the closure 29, 31, A1, 4, 5.
    assert cal.add_working_days("2025-07-28", 5).tolist() == [dt.date(2025, 8, 4)]
    assert typhoon.add_working_days("2025-07-28", 5).tolist() == [dt.date(2025, 8, 5)]
    assert typhoon.working_days_between("2025-07-28", "2025-08-01").tolist() == [3]
    assert typhoon.roll_forward("2025-07-30").tolist() == [dt.date(2025, 7, 31)]


def test_extra_workday_makes_a_saturday_working(cal: WorkingCalendar) -> None:
    extra = WorkingCalendar.china(2024, 2026, extra_workdays=[dt.date(2025, 8, 2)])  # Sat
    assert cal.is_working_day("2025-08-02").tolist() == [False]
    assert extra.is_working_day("2025-08-02").tolist() == [True]
    assert cal.add_working_days("2025-08-01", 1).tolist() == [dt.date(2025, 8, 4)]
    assert extra.add_working_days("2025-08-01", 1).tolist() == [dt.date(2025, 8, 2)]


def test_extra_days_win_over_the_official_schedule() -> None:
    c = WorkingCalendar.china(
        2024, 2026, extra_holidays=[dt.date(2024, 2, 4)], extra_workdays=[dt.date(2024, 10, 7)]
    )
    # 调休 Sun Feb 4 closed; National Day Mon Oct 7 opened.
    assert c.is_working_day(days("2024-02-04", "2024-10-07")).tolist() == [False, True]


def test_working_day_ordinal_differences_count_working_days(cal: WorkingCalendar) -> None:
    # 2025 National Day: Sun 09-28 works, 10-01..10-08 off, Thu 10-09 and Sat 10-11 work.
    o = cal.working_day_ordinal(days("2025-09-27", "2025-09-28", "2025-10-08", "2025-10-11", None))
    assert (o[1] - o[0], o[2] - o[1], o[3] - o[2]) == (1, 2, 3)  # 09-28 | 29 30 | 09 10 11
    assert o[4] == 0  # NaT
