"""Tests of the synthetic case generator (monitor.demo.synth)."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from monitor.demo.synth import COLUMNS, generate_cases
from rules.calendar import WorkingCalendar

START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
N = 50_000
TIMES = ("申请时间", "补正时间", "受理时间", "办结时间")


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar.china(2024, 2026)


@pytest.fixture(scope="module")
def cases(cal: WorkingCalendar) -> pd.DataFrame:
    return generate_cases(N, START, END, seed=7, calendar=cal)


def _days(series: pd.Series) -> np.ndarray:
    return pd.to_datetime(series, format="%Y-%m-%d %H:%M:%S").to_numpy().astype("datetime64[D]")


def _limit(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(k, natural) of limit texts such as "20个工作日", "15自然日", "即办", "10"."""
    s = text.astype("str")
    natural = s.str.endswith("自然日").to_numpy()
    k = s.str.replace("即办", "0").str.extract(r"^(\d+)")[0].astype(int).to_numpy()
    return k, natural


def _late(cases: pd.DataFrame, cal: WorkingCalendar) -> tuple[int, int]:
    """Late acceptances and late completions by the rules of DOMAIN.md §3."""
    accepted = cases[cases["受理时间"].notna()]
    s = _days(accepted["补正时间"].fillna(accepted["申请时间"]))
    late_acc = int((_days(accepted["受理时间"]) > cal.add_working_days(s, 5)).sum())

    done = cases[(cases["办件状态"] == "已办结")]
    k, natural = _limit(done["承诺时限"].fillna(done["法定时限"]))
    k = k + done["特别程序时长"].fillna("0").astype(int).to_numpy()
    acc = _days(done["受理时间"])
    deadline = np.where(
        natural,
        cal.roll_forward(acc + k.astype("timedelta64[D]")),
        cal.add_working_days(acc, np.where(natural, 0, k)),
    )
    late_comp = int((_days(done["办结时间"]) > deadline).sum())
    return late_acc, late_comp


def test_deterministic_for_a_seed(cal: WorkingCalendar) -> None:
    a = generate_cases(3_000, START, END, seed=3, calendar=cal, bad_rows=8)
    b = generate_cases(3_000, START, END, seed=3, calendar=cal, bad_rows=8)
    c = generate_cases(3_000, START, END, seed=4, calendar=cal, bad_rows=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_columns_and_string_values(cases: pd.DataFrame) -> None:
    assert tuple(cases.columns) == COLUMNS
    assert len(cases) == N
    for col in COLUMNS:
        values = cases[col].dropna()
        assert values.map(type).eq(str).all(), col
    assert cases["办件编号"].str.fullmatch(r"SX330726\d{10}").all()
    assert cases["事项编码"].str.fullmatch(r"330726-\d{6}-\d{4}").all()
    assert set(cases["异地通办"]) == {"是", "否"}
    for col in TIMES:
        assert cases[col].dropna().str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all(), col
    limits = pd.concat([cases["承诺时限"], cases["法定时限"]]).dropna()
    assert limits.str.fullmatch(r"即办|\d+(个工作日|工作日|自然日)?").all()
    forms = {re.sub(r"\d+", "N", v) for v in limits.unique()}
    assert {"即办", "N", "N个工作日", "N工作日", "N自然日"} <= forms
    assert cases["特别程序时长"].notna().mean() < 0.05
    assert cases["特别程序时长"].dropna().str.fullmatch(r"\d+").all()


def test_departments_items_and_skew(cases: pd.DataFrame) -> None:
    per_dept = cases["实施部门"].value_counts()
    assert 35 <= len(per_dept) <= 45
    assert per_dept.iloc[:5].sum() > 0.5 * N  # a few departments handle most cases
    items = cases.groupby("实施部门")["事项名称"].nunique()
    assert 4 <= items.mean() <= 6
    assert {"县市场监督管理局", "县公安局", "县税务局"} <= set(per_dept.index)
    assert {"食品经营许可", "不动产登记", "社会保障卡申领"} <= set(cases["事项名称"])


def test_channels_and_cross_region(cases: pd.DataFrame) -> None:
    online = cases["申请渠道"] != "窗口"
    assert 0.99 < online.mean() < 0.998
    assert set(cases["申请渠道"]) == {"一网通办", "浙里办", "移动端", "自助终端", "窗口"}
    assert 0.005 < (cases["异地通办"] == "是").mean() < 0.015


def test_submissions_follow_the_calendar(cases: pd.DataFrame, cal: WorkingCalendar) -> None:
    sub = pd.to_datetime(cases["申请时间"])
    assert sub.min() >= pd.Timestamp(START) and sub.max() <= pd.Timestamp(END) + pd.Timedelta(
        1, "D"
    )
    assert sub.is_monotonic_increasing
    working = cal.is_working_day(sub.to_numpy().astype("datetime64[D]"))
    assert 0.9 < working.mean() < 0.995  # a few online submissions on rest days
    window = cases["申请渠道"] == "窗口"
    assert working[window.to_numpy()].all()
    assert 0.01 < cases["补正时间"].notna().mean() < 0.05


def test_times_and_statuses_are_consistent(cases: pd.DataFrame) -> None:
    t = {col: pd.to_datetime(cases[col]) for col in TIMES}
    s = t["补正时间"].fillna(t["申请时间"])
    assert (t["补正时间"].dropna() >= t["申请时间"][t["补正时间"].notna()]).all()
    assert not (t["受理时间"] < s).any()
    assert not (t["办结时间"] < t["受理时间"]).any()
    status = cases["办件状态"]
    assert set(status) == {"待受理", "已受理", "办理中", "已办结", "不予受理", "撤件"}
    assert (status == "已办结").mean() > 0.95
    assert t["办结时间"][status.isin(["已办结", "撤件"])].notna().all()
    assert t["办结时间"][~status.isin(["已办结", "撤件"])].isna().all()
    assert t["受理时间"][status.isin(["已办结", "已受理", "办理中", "不予受理"])].notna().all()
    assert t["受理时间"][status == "待受理"].isna().all()
    assert t["受理时间"][status == "撤件"].isna().any()  # withdrawn before acceptance


def test_ids_unique_except_planted_duplicates(cal: WorkingCalendar) -> None:
    df = generate_cases(N, START, END, seed=1, calendar=cal, bad_rows=12)
    assert df["办件编号"].iloc[:N].is_unique
    dup_ids = df.loc[df["办件编号"].duplicated(), "办件编号"]
    assert 2 <= len(dup_ids) <= 3
    assert sorted(dup_ids) == sorted(df.attrs["duplicate_ids"])
    for case_id in dup_ids:
        first, last = df[df["办件编号"] == case_id].to_dict("records")
        assert (first["办件状态"], last["办件状态"]) == ("办理中", "已办结")
        assert pd.isna(first["办结时间"]) and pd.notna(last["办结时间"])
        assert {k: v for k, v in first.items() if k not in ("办结时间", "办件状态")} == {
            k: v for k, v in last.items() if k not in ("办结时间", "办件状态")
        }


def test_bad_rows_appear(cal: WorkingCalendar) -> None:
    df = generate_cases(5_000, START, END, seed=2, calendar=cal, bad_rows=15)
    assert len(df) == 5_015
    assert sum(df.attrs["bad_rows"].values()) == 15
    bad = df.iloc[5_000:]
    assert (bad["申请时间"] == "2024-13-45").any()
    assert (bad["受理时间"] == "昨天").any()
    assert (bad["承诺时限"] == "-5个工作日").any()
    assert bad["实施部门"].isna().any() and (bad["实施部门"] == "").any()
    sub = pd.to_datetime(bad["申请时间"], errors="coerce")
    acc = pd.to_datetime(bad["受理时间"], errors="coerce")
    done = pd.to_datetime(bad["办结时间"], errors="coerce")
    assert (acc < sub).sum() >= 2
    assert (done < acc).sum() >= 2
    good = df.iloc[:5_000]
    assert good["实施部门"].notna().all() and (good["实施部门"] != "").all()
    assert not good["申请时间"].isin(["2024-13-45"]).any()
    assert len(generate_cases(500, START, END, calendar=cal)) == 500


def test_nothing_after_as_of(cal: WorkingCalendar) -> None:
    as_of = dt.datetime(2025, 6, 30, 15, 0)
    df = generate_cases(N, START, END, seed=5, calendar=cal, as_of=as_of)
    for col in TIMES:
        assert pd.to_datetime(df[col]).max() <= as_of, col
    recent = pd.to_datetime(df["申请时间"]) >= pd.Timestamp(2025, 6, 25)
    still_open = ~df["办件状态"].isin(["已办结", "撤件", "不予受理"])
    assert still_open[recent].mean() > 0.05  # recent cases are still open
    assert still_open[~recent].mean() < 0.01
    assert (df["办件状态"][recent] == "待受理").any()


def test_late_cases_are_few_but_present(cases: pd.DataFrame, cal: WorkingCalendar) -> None:
    late_acc, late_comp = _late(cases, cal)
    assert late_acc >= 1 and late_comp >= 1
    assert late_acc + late_comp < 0.002 * N


def test_late_share_controls_lateness(cal: WorkingCalendar) -> None:
    assert _late(generate_cases(20_000, START, END, calendar=cal, late_share=0.0), cal) == (0, 0)
    late_acc, late_comp = _late(
        generate_cases(20_000, START, END, calendar=cal, late_share=0.02), cal
    )
    assert 0.01 * 20_000 < late_acc + late_comp < 0.03 * 20_000
    assert late_acc > late_comp > 0


def test_keeps_inside_the_calendar(cal: WorkingCalendar) -> None:
    df = generate_cases(20_000, dt.date(2026, 12, 1), dt.date(2026, 12, 31), calendar=cal)
    assert pd.to_datetime(df["办结时间"]).max() <= pd.Timestamp(2026, 12, 31, 23, 59, 59)
    with pytest.raises(ValueError):
        generate_cases(10, START, END, calendar=cal, as_of=dt.datetime(2024, 12, 1))
    with pytest.raises(ValueError):
        generate_cases(10, START, dt.date(2027, 1, 31), calendar=cal)
