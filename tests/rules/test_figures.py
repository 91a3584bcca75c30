"""Period figures (DOMAIN.md §5) and periods, on small datasets counted by hand.

2025 schedule used (State Council notice, checked with ``chinese_calendar`` below):
Qingming 04-04..04-06 off; May Day 05-01..05-05 off, 04-27* (Sun) working; Dragon Boat
05-31..06-02 off; National Day + Mid-Autumn 10-01..10-08 off, 09-28* (Sun) and 10-11* (Sat)
working. Working days are listed as ``day(n)``. Acceptance limit: 5 working days (default);
thresholds: warn 1 working day before D, escalate after 3 working days late (defaults).
A warning is raised on the working day with R = 1 (or on S), overdue on the first working
day after D, escalation on the 3rd working day after D — unless closed before that day.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from rules.calendar import WorkingCalendar
from rules.counting import COUNTED, period_counts
from rules.definitions import DEFINITIONS, FIGURE_KEYS, FRACTIONS, MEAN_KEYS
from rules.evaluate import evaluate
from rules.figures import Figures, period_figures
from rules.levels import Thresholds
from rules.periods import Period
from tests.rules.test_evaluate import cases_frame

MKT, HR, LAND = "县市场监督管理局", "县人力资源和社会保障局", "县自然资源局"
ONLINE = ("一网通办", "浙里办")


def case(cid, dept, channel, submitted, accepted="", completed="", limit="", **extra):
    return {"case_id": cid, "department": dept, "channel": channel, "submitted_at": submitted,
            "accepted_at": accepted, "completed_at": completed, "promised_limit": limit,
            "item_code": "I-" + cid, "item_name": "事项" + cid, **extra}  # fmt: skip


# fmt: off
MAIN = [
    # A1 acc S 04-28, D 05-08; cmp S 04-29: 04-30(1) 05-06(2) 05-07(3) = D. Completed 05-06:
    # early, working days (04-29, 05-06] = 04-30, 05-06 = 2 (across May Day). Warning 05-06.
    case("A1", MKT, "一网通办", "2025-04-28 09:00", "2025-04-29 10:00", "2025-05-06 15:00", "3"),
    # A2 acc S 05-06: 07(1) 08 09 12 13(5) = D; accepted 05-14: late (warn 05-12, overdue
    # 05-14). cmp S 05-14, 20 wd: 05-15..05-30 (12) 06-03..06-06 (16) 09..12(20) = D 06-12;
    # completed 06-05: early, (05-14, 06-05] = 12 + 3 = 15 working days.
    case("A2", MKT, "窗口", "2025-05-06 09:00", "2025-05-14 10:00", "2025-06-05 10:00", "20",
         cross_region="是"),
    # A3 acc S 05-07: 08(1) 09 12 13 14(5) = D; never accepted: warn 05-13, overdue 05-15,
    # escalated 05-19 (15(1) 16(2) 19(3)).
    case("A3", MKT, "一网通办", "2025-05-07 09:00", status="待受理"),
    # A4 withdrawn (撤件) on 05-20: in received only (its warnings, 05-08.., not counted).
    case("A4", MKT, "一网通办", "2025-05-08 09:00", "2025-05-08 10:00", "2025-05-20 09:00", "1",
         status="撤件"),
    # A5 即办: cmp D = S = 05-09; completed Mon 05-12: late. Warning on S (R = 0), overdue
    # 05-12 (closed that day, not before). acc D 05-16, accepted 05-09.
    case("A5", MKT, "一网通办", "2025-05-09 09:00", "2025-05-09 09:30", "2025-05-12 10:00", "即办"),
    # A6 不予受理: acc S 05-19: 20(1) 21 22 23 26(5) = D; refused 05-27: late. Warn 05-23,
    # overdue 05-27. No completion.
    case("A6", MKT, "窗口", "2025-05-19 09:00", "2025-05-27 10:00", status="不予受理"),
    # A7 acc 05-12 on time (warn day 05-16, closed before). cmp S 05-12: 13(1) .. 19(5) = D;
    # completed 06-04: open and late at the end of May; warn 05-16, overdue 05-20, escalated
    # 05-22. June: late, (05-12, 06-04] = 14 (05-13..05-30) + 2 (06-03, 04) = 16.
    case("A7", MKT, "浙里办", "2025-05-12 09:00", "2025-05-12 10:00", "2025-06-04 10:00", "5",
         cross_region="是"),
    # A8 acc S 05-22: 23(1) 26 27 28 29(5) = D; accepted 06-04: not accepted at the end of
    # May (late); warn 05-28, overdue 05-30, escalated 06-04 (30(1) 06-03(2) 06-04(3)).
    # cmp S 06-04, 10 wd: 05(1) 06 09 10 11 12 13 16 17 18(10) = D; open: warn 06-17,
    # overdue 06-19, escalated 06-23 (19(1) 20(2) 23(3)).
    case("A8", MKT, "窗口", "2025-05-22 09:00", "2025-06-04 10:00", "", "10"),
    # A9 acc S Mon 06-23: 24(1) 25 26 27 30(5) = D = last day of June: not late at its end.
    # Warn 06-27; overdue 07-01, escalated 07-03 (01(1) 02(2) 03(3)).
    case("A9", MKT, "窗口", "2025-06-23 09:00"),
    # B1 即办 on S 05-06, completed 05-06: on time; warning on S (R = 0).
    case("B1", HR, "一网通办", "2025-05-06 09:00", "2025-05-06 09:10", "2025-05-06 11:00", "即办"),
    # B2 cmp S 05-13: 14(1) 15(2) = D; completed on D: on time, not early; warn 05-14;
    # (05-13, 05-15] = 2 working days.
    case("B2", HR, "窗口", "2025-05-13 09:00", "2025-05-13 09:30", "2025-05-15 16:00", "2"),
    # B3 cmp S 05-26: 27(1) 28 29(3) = D; completed 05-30: late; warn 05-28, overdue 05-30;
    # (05-26, 05-30] = 4 working days.
    case("B3", HR, "一网通办", "2025-05-26 09:00", "2025-05-26 09:30", "2025-05-30 10:00", "3"),
    # B5 acc S Fri 05-30: 06-03(1) 04 05 06 09(5) = D; never accepted: warn 06-06, overdue
    # 06-10, escalated 06-12.
    case("B5", HR, "一网通办", "2025-05-30 17:00", cross_region="是"),
    # C1 April only: acc S 04-01, accepted 04-01; cmp S 04-01: 02(1) 03(2) 07(3) 08 09(5) = D
    # (Qingming 04-04..06); completed 04-02: early, 1 working day.
    case("C1", LAND, "窗口", "2025-04-01 09:00", "2025-04-01 10:00", "2025-04-02 10:00", "5"),
]
# fmt: on
NOW = dt.datetime(2025, 8, 1, 8, 0)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar.china(2024, 2026)


@pytest.fixture(scope="module")
def main(cal: WorkingCalendar):
    cases = cases_frame(*MAIN)
    return cases, evaluate(cases, cal, NOW)


def figures_of(data, cal, period: str, **options) -> Figures:
    cases, evaluation = data
    options.setdefault("online_channels", ONLINE)
    return period_figures(cases, evaluation, Period.parse(period), cal, **options)


def expect(**given: object) -> dict[str, object]:
    """All figures: the given ones, every other count 0 and every rate / mean None."""
    assert set(given) <= set(FIGURE_KEYS), set(given) - set(FIGURE_KEYS)
    counts = {k: 0 for k in FIGURE_KEYS if k.endswith("_rate") is False}
    counts.update(dict.fromkeys(MEAN_KEYS))
    return {**counts, **{k: None for k in FIGURE_KEYS if k.endswith("_rate")}, **given}


def dept(figs: Figures, name: str) -> dict[str, object]:
    return figs.departments.loc[name].to_dict()


def test_schedule_agrees_with_chinese_calendar(cal: WorkingCalendar) -> None:
    cc = pytest.importorskip("chinese_calendar")
    days = pd.date_range("2025-03-25", "2025-10-20").date
    assert list(cal.is_working_day(days)) == [cc.is_workday(d) for d in days]
    on = ["2025-04-27", "2025-09-28", "2025-10-11", "2025-05-06", "2025-06-03"]
    off = ["2025-05-01", "2025-05-05", "2025-05-31", "2025-06-02", "2025-10-01", "2025-10-08"]
    assert list(cal.is_working_day(np.array(on + off, "datetime64[D]"))) == [True] * 5 + [False] * 6


# ---------------------------------------------------------------- May 2025


MAY_MKT = expect(
    received=7, online=4, online_rate=4 / 7, cross_region=2,  # A2..A8 (A4 withdrawn)
    accepted=4, accepted_late=2, accepted_late_rate=2 / 4,  # A2 late, A5, A6 late, A7
    pending_late=2,  # A3 (D 05-14), A8 (D 05-29, accepted in June)
    completed=2, completed_late=1, completed_late_rate=1 / 2,  # A1, A5 (即办, late)
    open_late=1,  # A7 (D 05-19, completed in June)
    on_time_rate=1 / 2, early_rate=1 / 1, mean_processing_workdays=2.0,  # A1: 2 wd
    warnings=7, overdue=6, escalated=2,  # warn A1c A2a A3a A5c A6a A7c A8a; esc A3a A7c
)  # fmt: skip
MAY_HR = expect(
    received=4, online=3, online_rate=3 / 4, cross_region=1,  # B1 B2 B3 B5 (B2 窗口)
    accepted=3, accepted_late=0, accepted_late_rate=0.0,  # B1 B2 B3
    completed=3, completed_late=1, completed_late_rate=1 / 3,  # B1 (即办), B2, B3 late
    on_time_rate=2 / 3, early_rate=0 / 2, mean_processing_workdays=3.0,  # (2 + 4) / 2
    warnings=3, overdue=1, escalated=0,  # warn B1c B2c B3c; overdue B3c
)  # fmt: skip


def test_may_totals_and_departments(main, cal: WorkingCalendar) -> None:
    figs = figures_of(main, cal, "2025-05")
    assert figs.totals == expect(
        received=11, online=7, online_rate=7 / 11, cross_region=3,
        accepted=7, accepted_late=2, accepted_late_rate=2 / 7, pending_late=2,
        completed=5, completed_late=2, completed_late_rate=2 / 5, open_late=1,
        on_time_rate=3 / 5, early_rate=1 / 3,
        mean_processing_workdays=2.67,  # (2 + 2 + 4) / 3 = 2.666…
        warnings=10, overdue=7, escalated=2,
    )  # fmt: skip
    assert list(figs.totals) == list(FIGURE_KEYS)
    assert list(figs.departments.columns) == list(FIGURE_KEYS)
    assert list(figs.departments.index) == sorted([MKT, HR])  # C: no activity in May
    assert dept(figs, MKT) == MAY_MKT
    assert dept(figs, HR) == MAY_HR
    assert figs.departments["received"].dtype == np.int64
    assert figs.departments["online_rate"].dtype == object
    assert figs.fraction("completed_late_rate") == (2, 5, 2 / 5)
    assert figs.fraction("early_rate", HR) == (0, 2, 0.0)
    assert figs.fraction("mean_processing_workdays") == (8, 3, 2.67)
    assert all(type(figs.totals[k]) is int for k in ("received", "open_late", "warnings"))


def test_county_counts_alone_are_the_county_counts(main, cal: WorkingCalendar) -> None:
    # The report's trend asks for the county's counts only (by_department=False).
    cases, evaluation = main
    may = Period.parse("2025-05")
    whole = period_counts(cases, evaluation, may, cal, online_channels=ONLINE)
    county = period_counts(cases, evaluation, may, cal, online_channels=ONLINE, by_department=False)
    assert county.totals == whole.totals
    assert (county.totals["received"], county.totals["completed_late"]) == (11, 2)
    assert county.departments.empty and list(county.departments.columns) == list(COUNTED)
    assert (county + whole).totals["received"] == 22  # and they still add up


def test_may_excluding_immediate_cases(main, cal: WorkingCalendar) -> None:
    # Without 即办件 (A5, B1): base = A1, B2, B3; late = B3; on time = A1, B2.
    figs = figures_of(main, cal, "2025-05", completion_denominator="exclude_immediate")
    totals = figs.totals
    assert (totals["completed"], totals["completed_late"]) == (5, 1)
    assert (totals["completed_late_rate"], totals["on_time_rate"]) == (1 / 3, 2 / 3)
    assert figs.support["completion_base"] == 3
    changed = {"completed_late": 0, "completed_late_rate": 0 / 1, "on_time_rate": 1 / 1}
    assert dept(figs, MKT) == {**MAY_MKT, **changed}  # A1 only, on time
    changed = {"completed_late_rate": 1 / 2, "on_time_rate": 1 / 2}
    assert dept(figs, HR) == {**MAY_HR, **changed}  # B2 on time, B3 late
    assert figs.fraction("completed_late_rate", HR) == (1, 2, 0.5)
    with pytest.raises(ValueError, match="exclude_immediate"):
        figures_of(main, cal, "2025-05", completion_denominator="some")


def test_june_crosses_month_end(main, cal: WorkingCalendar) -> None:
    figs = figures_of(main, cal, "2025-06")
    assert dept(figs, MKT) == expect(
        received=1, online=0, online_rate=0.0,  # A9
        accepted=1, accepted_late=1, accepted_late_rate=1.0,  # A8 (D 05-29)
        pending_late=1,  # A3; A9's D is 06-30, the last day: not yet late
        completed=2, completed_late=1, completed_late_rate=1 / 2,  # A2 early, A7 late
        open_late=1,  # A8 (D 06-18)
        on_time_rate=1 / 2, early_rate=1 / 2, mean_processing_workdays=15.5,  # (15 + 16) / 2
        warnings=2, overdue=1, escalated=2,  # warn A8c A9a; overdue A8c; esc A8a (06-04) A8c
    )  # fmt: skip
    assert dept(figs, HR) == expect(pending_late=1, warnings=1, overdue=1, escalated=1)  # B5
    assert figs.totals == expect(
        received=1, online=0, online_rate=0.0, accepted=1, accepted_late=1,
        accepted_late_rate=1.0, pending_late=2, completed=2, completed_late=1,
        completed_late_rate=0.5, open_late=1, on_time_rate=0.5, early_rate=0.5,
        mean_processing_workdays=15.5, warnings=3, overdue=2, escalated=3,
    )  # fmt: skip


def test_period_without_completions_has_no_rates(main, cal: WorkingCalendar) -> None:
    # July: nothing received, accepted or completed; A3, A9, B5 still not accepted and late;
    # A8 still open and late; A9 overdue 07-01 and escalated 07-03.
    figs = figures_of(main, cal, "2025-07")
    assert figs.totals == expect(pending_late=3, open_late=1, overdue=1, escalated=1)
    assert dept(figs, MKT) == expect(pending_late=2, open_late=1, overdue=1, escalated=1)
    assert dept(figs, HR) == expect(pending_late=1)
    assert figs.fraction("on_time_rate") == (0, 0, None)


def test_april_and_an_empty_period(main, cal: WorkingCalendar) -> None:
    figs = figures_of(main, cal, "2025-05")
    april = figures_of(main, cal, str(figs.period.previous()))
    # A1 and C1 received and accepted in April; C1 completed 04-02 (early, 1 working day);
    # A1's warnings come in May.
    assert dept(april, LAND) == expect(
        received=1, online=0, online_rate=0.0, accepted=1, accepted_late_rate=0.0,
        completed=1, completed_late_rate=0.0, on_time_rate=1.0, early_rate=1.0,
        mean_processing_workdays=1.0,
    )  # fmt: skip
    assert dept(april, MKT) == expect(
        received=1, online=1, online_rate=1.0, accepted=1, accepted_late_rate=0.0
    )
    march = figures_of(main, cal, "2025-03")
    assert march.totals == expect()
    assert march.departments.empty and list(march.departments.columns) == list(FIGURE_KEYS)


def test_ledger_warning_counts_replace_derived_ones(main, cal: WorkingCalendar) -> None:
    ledger = pd.DataFrame(
        {
            "department": [MKT, MKT, HR, "县公安局", MKT],
            "level": ["warning", "escalated", "overdue", "warning", "ok"],  # "ok": ignored
            "count": [5, 1, 2, 4, 99],
        }
    )
    figs = figures_of(main, cal, "2025-05", warning_counts=ledger)
    assert {k: figs.totals[k] for k in ("warnings", "overdue", "escalated")} == {
        "warnings": 9,
        "overdue": 2,
        "escalated": 1,
    }
    assert dept(figs, MKT) == {**MAY_MKT, "warnings": 5, "overdue": 0, "escalated": 1}
    assert dept(figs, HR) == {**MAY_HR, "warnings": 0, "overdue": 2, "escalated": 0}
    assert dept(figs, "县公安局") == expect(warnings=4)  # only in the ledger
    with pytest.raises(ValueError, match="count"):
        figures_of(main, cal, "2025-05", warning_counts=ledger.drop(columns="count"))


def test_withdrawal_counts_from_its_time(cal: WorkingCalendar) -> None:
    cases = cases_frame(
        # W1 accepted 05-07 (on time), withdrawn 06-10: accepted in May; June: nothing.
        case("W1", MKT, "窗口", "2025-05-06 09:00", "2025-05-07 09:00", "2025-06-10 09:00", "5",
             status="撤件"),
        # W2 withdrawn with no time: cannot be evaluated, counted in received only.
        case("W2", MKT, "一网通办", "2025-05-06 09:00", status="撤件"),
        # W3 withdrawn 05-20 before acceptance (acc D 05-13): received only, not pending.
        case("W3", HR, "窗口", "2025-05-06 09:00", "", "2025-05-20 09:00", status="申请人撤回"),
    )  # fmt: skip
    data = (cases, evaluate(cases, cal, NOW))
    may = figures_of(data, cal, "2025-05")
    # W1 cmp S 05-07: 08(1) 09 12 13 14(5) = D; open at the end of May: warn 05-13,
    # overdue 05-15, escalated 05-19, open late.
    assert dept(may, MKT) == expect(
        received=2, online=1, online_rate=1 / 2, accepted=1, accepted_late_rate=0.0,
        open_late=1, warnings=1, overdue=1, escalated=1,
    )  # fmt: skip
    assert dept(may, HR) == expect(received=1, online=0, online_rate=0.0)
    assert figures_of(data, cal, "2025-06").totals == expect()


def test_warn_ratio_and_escalation_thresholds(cal: WorkingCalendar) -> None:
    # Accepted Mon 05-26, 10 wd: 27(1) 28 29 30 06-03(5) 04 05 06 09 10(10) = D; completed
    # 06-20 10:00. Warning by R ≤ 1: 06-09 (June); by 30 % of k used (3 wd): 05-29 (May).
    # Overdue 06-11. Escalation after e working days late: 11(1) 12 13(3) 16 17 18 19(7)
    # 20(8) 23(9): raised for e = 8 (closed on 06-20, not before), not for e = 9.
    cases = cases_frame(
        case("R1", MKT, "窗口", "2025-05-26 09:00", "2025-05-26 10:00", "2025-06-20 10:00", "10")
    )
    data = (cases, evaluate(cases, cal, NOW))
    assert figures_of(data, cal, "2025-05").totals["warnings"] == 0
    ratio = Thresholds(warn_ratio=0.3)
    assert figures_of(data, cal, "2025-05", thresholds=ratio).totals["warnings"] == 1
    assert figures_of(data, cal, "2025-06", thresholds=ratio).totals["warnings"] == 0
    june = figures_of(data, cal, "2025-06").totals
    assert (june["warnings"], june["overdue"], june["escalated"]) == (1, 1, 1)
    for days, raised in ((8, 1), (9, 0)):
        limits = Thresholds(escalate_after_days=days)
        assert figures_of(data, cal, "2025-06", thresholds=limits).totals["escalated"] == raised


def test_mean_processing_across_national_day(cal: WorkingCalendar) -> None:
    cases = cases_frame(
        # N1 S Fri 09-26: 28*(1) 29(2) 30(3) 10-09(4) 10(5) = D; completed on D: on time,
        # not early; (09-26, 10-10] = 5 working days.
        case("N1", MKT, "窗口", "2025-09-26 09:00", "2025-09-26 10:00", "2025-10-10 16:00", "5"),
        # N2 S 09-30: 10-09(1) 10(2) 11*(3) = D, a working Saturday; completed on it: on
        # time; (09-30, 10-11] = 3.
        case("N2", MKT, "浙里办", "2025-09-30 09:00", "2025-09-30 10:00", "2025-10-11 11:00", "3"),
        # N3 S 10-09, 20 wd: 10(1) 11* 13..17(7) 20..24(12) 27..31(17) 11-03 04 05(20) = D;
        # completed Mon 10-13: early (no warning); (10-09, 10-13] = 10, 11*, 13 = 3.
        case("N3", HR, "一网通办", "2025-10-09 09:00", "2025-10-09 10:00", "2025-10-13 10:00",
             "20", cross_region="是"),
    )  # fmt: skip
    data = (cases, evaluate(cases, cal, dt.datetime(2025, 12, 1)))
    october = figures_of(data, cal, "2025-10")
    assert october.totals == expect(
        received=1, online=1, online_rate=1.0, cross_region=1,  # N3
        accepted=1, accepted_late=0, accepted_late_rate=0.0,  # N3
        completed=3, completed_late=0, completed_late_rate=0.0, on_time_rate=1.0,
        early_rate=1 / 3, mean_processing_workdays=3.67,  # (5 + 3 + 3) / 3 = 3.666…
        warnings=2,  # N1 on 10-09 (R = 1), N2 on 10-10
    )  # fmt: skip
    assert dept(october, MKT)["mean_processing_workdays"] == 4.0  # (5 + 3) / 2
    # The third quarter: N1, N2 received and accepted; both open at its end, not yet late
    # (D 10-10 and 10-11 are after 09-30), no warning yet (R on 09-30: 2 and 3).
    q3 = figures_of(data, cal, "2025-Q3")
    assert q3.totals == expect(
        received=2, online=1, online_rate=0.5, accepted=2, accepted_late_rate=0.0
    )
    q4 = figures_of(data, cal, "2025-Q4")
    assert (q4.totals["received"], q4.totals["completed"], q4.totals["warnings"]) == (1, 3, 2)
    assert q4.totals["mean_processing_workdays"] == 3.67
    year = figures_of(data, cal, "2025")
    assert (year.totals["received"], year.totals["accepted"], year.totals["completed"]) == (3, 3, 3)


def test_reference_county_rates_are_exact(cal: WorkingCalendar) -> None:
    """2.05 million cases, 2,038,000 online, 104 accepted late, 66 completed late (the
    reference report): the rates are exactly those fractions, nothing rounded."""
    sub, acc = "2025-03-03 09:00", "2025-03-03 10:00"
    templates = cases_frame(
        case("T0", MKT, "一网通办", sub, acc, "2025-03-04 10:00", "5"),  # on time both ways
        # acc S 03-03: 04(1) 05 06 07 10(5) = D; accepted 03-11: late (completion on time)
        case("T1", MKT, "一网通办", sub, "2025-03-11 10:00", "2025-03-12 10:00", "5"),
        case("T2", HR, "一网通办", sub, acc, "2025-03-05 10:00", "1"),  # cmp D 03-04: late
        case("T3", HR, "窗口", sub, acc, "2025-03-04 10:00", "5"),  # on time, offline
    )
    repeat = np.repeat(np.arange(4), [2_037_830, 104, 66, 12_000])
    cases = templates.take(repeat).reset_index(drop=True)
    cases["case_id"] = pd.Series(np.arange(len(cases)).astype(str), dtype="str")
    figs = period_figures(
        cases, evaluate(cases, cal, NOW), Period.parse("2025"), cal, online_channels=ONLINE
    )
    totals = figs.totals
    assert (totals["received"], totals["online"]) == (2_050_000, 2_038_000)
    assert (totals["accepted_late"], totals["completed_late"]) == (104, 66)
    assert totals["accepted_late_rate"] == 104 / 2_050_000  # 0.0051 %, not 0.01 % or 0
    assert totals["completed_late_rate"] == 66 / 2_050_000  # 0.0032 %
    assert totals["online_rate"] == 2_038_000 / 2_050_000  # 99.41 %
    assert f"{totals['accepted_late_rate']:.4%}" == "0.0051%"
    assert figs.fraction("accepted_late_rate") == (104, 2_050_000, 104 / 2_050_000)


# ---------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("text", "kind", "label", "start", "end", "last"),
    [
        ("2025-05", "month", "2025-05", "2025-05-01", "2025-06-01", "2025-05-31"),
        (" 2025-5 ", "month", "2025-05", "2025-05-01", "2025-06-01", "2025-05-31"),
        ("2024-02", "month", "2024-02", "2024-02-01", "2024-03-01", "2024-02-29"),
        ("2025-12", "month", "2025-12", "2025-12-01", "2026-01-01", "2025-12-31"),
        ("2025-Q2", "quarter", "2025-Q2", "2025-04-01", "2025-07-01", "2025-06-30"),
        ("2025-q4", "quarter", "2025-Q4", "2025-10-01", "2026-01-01", "2025-12-31"),
        ("2025", "year", "2025", "2025-01-01", "2026-01-01", "2025-12-31"),
    ],
)
def test_period_parse(text, kind, label, start, end, last) -> None:
    period = Period.parse(text)
    assert (period.kind, period.label, str(period)) == (kind, label, label)
    day = dt.date.fromisoformat
    assert (period.start, period.end, period.last_day) == (day(start), day(end), day(last))
    assert Period.parse(label) == period and hash(Period.parse(label)) == hash(period)


@pytest.mark.parametrize(
    "text", ["2025-13", "2025-00", "2025-Q5", "2025-Q0", "May 2025", "", "2025-05-01", "25-05",
             "2025Q2", "2025-H1", "0000"],
)  # fmt: skip
def test_period_parse_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError) as err:
        Period.parse(text)
    assert str(err.value).startswith(
        f"expected a period like 2025-05, 2025-Q2 or 2025, found {text!r}"
    )


def test_period_neighbours() -> None:
    assert str(Period.parse("2025-01").previous()) == "2024-12"
    assert str(Period.parse("2024-12").next()) == "2025-01"
    assert str(Period.parse("2025-Q1").previous()) == "2024-Q4"
    assert str(Period.parse("2025").previous()) == "2024"
    labels = [str(p) for p in Period.parse("2025-02").trailing(4)]
    assert labels == ["2024-11", "2024-12", "2025-01", "2025-02"]
    labels = [str(p) for p in Period.parse("2025-Q1").trailing(5)]
    assert labels == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1"]
    assert [str(p) for p in Period.parse("2025").trailing(2)] == ["2024", "2025"]
    assert Period.parse("2025-03").trailing(1) == [Period.parse("2025-03")]
    assert len(Period.parse("2025-05").trailing(12)) == 12
    with pytest.raises(ValueError, match="n must be"):
        Period.parse("2025").trailing(0)


def test_period_containing() -> None:
    assert str(Period.containing(dt.date(2025, 2, 14), "quarter")) == "2025-Q1"
    assert str(Period.containing(dt.datetime(2025, 12, 31, 23, 59), "month")) == "2025-12"
    assert str(Period.containing(dt.date(2025, 7, 1), "quarter")) == "2025-Q3"
    assert str(Period.containing(dt.date(2025, 7, 1), "year")) == "2025"
    assert dt.date(2025, 5, 31) in Period.parse("2025-05")
    assert dt.date(2025, 6, 1) not in Period.parse("2025-05")
    with pytest.raises(ValueError, match="period kind"):
        Period.containing(dt.date(2025, 1, 1), "week")


def test_definitions_cover_every_figure() -> None:
    assert tuple(DEFINITIONS) == FIGURE_KEYS
    assert all(zh and en for zh, en in DEFINITIONS.values())
    assert set(FRACTIONS) == {k for k in FIGURE_KEYS if k.endswith("_rate")} | set(MEAN_KEYS)
