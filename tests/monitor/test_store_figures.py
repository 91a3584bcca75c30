"""The store's counts of settled cases (:mod:`monitor.store.figures`): what they hold for a
hand-checked case, which cases are kept as rows instead, and that a report made from them
equals one made from the source — also when the settings they were made under changed.

The cases are the March 2025 set of ``test_alerts``; 13 March 2025 is a Thursday.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.reports.run import run_report
from monitor.store.figures import counts_key, stored_counts
from monitor.store.layout import StoreFolder
from monitor.store.update import update_store
from monitor.store.use import report_evaluation
from rules.periods import Period
from tests.monitor.test_alerts import MARCH, ROWS, THU
from tests.monitor.test_store import HOUR, db, settings_for, write  # noqa: F401

HRSS = "县人力资源和社会保障局"
#: B003 completed on 17 March, after its deadline (5 working days from its acceptance on
#: Friday 7 March: 14 March): late, so kept as a row.
B003_LATE = (
    ROWS["B003"]
    .replace("2025-03-07 10:00:00,,", "2025-03-07 10:00:00,2025-03-17 10:00:00,")
    .replace("办理中", "已办结")
)


def test_a_settled_case_is_counted_by_month_and_a_late_one_kept_as_a_row(
    db: sa.Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    rows = [ROWS[i] for i in ("B001", "B002", "B004", "B005")] + [B003_LATE]
    write(tmp_path, rows)
    settings = settings_for(db, tmp_path)
    run = update_store(settings, db, THU + 105 * HOUR)  # Monday 17 March, 18:00
    generation = StoreFolder(tmp_path / "var" / "store").current()
    assert generation is not None and generation.number == run.state.generation
    counts = generation.read("figures", "counts")
    # B005 (失业登记, 窗口): submitted and accepted on Monday 3 March, completed on Wednesday
    # the 5th; its deadline D = 3 March + 5 working days = Monday 10 March. Working days
    # from acceptance to completion: 4 and 5 March = 2. No warning: on its last day open
    # (the 5th) R = ord(10 Mar) − ord(5 Mar) = 3 > warn_before_days (1).
    expected = {
        "received": 1,
        "online": 0,
        "cross_region": 0,
        "accepted": 1,
        "accepted_late": 0,
        "pending_late": 0,
        "completed": 1,
        "completed_late": 0,
        "open_late": 0,
        "warnings": 0,
        "overdue": 0,
        "escalated": 0,
        "completion_base": 1,
        "on_time": 1,
        "completed_promised": 1,
        "early": 1,
        "processing_workdays": 2,
    }
    assert list(counts["month"]) == ["2025-03", "2025-03"]
    assert counts["department"].iloc[0] == HRSS and counts["department"].isna().iloc[1]
    for _, row in counts.iterrows():
        assert {k: int(row[k]) for k in expected} == expected
    assert set(counts["key"]) == {counts_key(settings)}
    # B003 closed late: its case and two obligations kept as rows, not counted.
    kept = generation.read("figures", "cases")
    assert list(kept["case_id"]) == ["B003"]
    assert len(generation.read("figures", "obligations")) == 2
    settled = stored_counts(generation, counts_key(settings))
    assert settled is not None
    quarter = settled.of(Period.parse("2025-Q1"))
    assert quarter.totals["processing_workdays"] == 2
    assert list(quarter.departments.index) == [HRSS]
    assert settled.of(Period.parse("2025-04")).totals["received"] == 0


@pytest.mark.parametrize("period", ["2025-03", "2025-Q1", "2025"])
def test_reports_from_the_counts_equal_those_from_the_source(
    db: sa.Engine,  # noqa: F811
    tmp_path: Path,
    period: str,
) -> None:
    """Before and after B003 and B004 close (B003 late), and under other settings (the
    counts then are not used: the report counts every stored case)."""
    at = THU + 105 * HOUR  # Monday 17 March, 18:00
    write(tmp_path, [ROWS[i] for i in MARCH])
    settings = settings_for(db, tmp_path)
    update_store(settings, db, THU)
    b004 = ROWS["B004"].replace(",,10个", ",2025-03-14 16:00:00,10个").replace("办理中", "已办结")
    rows = [ROWS[i] for i in ("B001", "B002", "B005")] + [B003_LATE, b004]
    write(tmp_path, rows)
    plain = str(tmp_path / "plain.csv")
    Path(plain).write_text((tmp_path / "cases.csv").read_text(encoding="utf-8"), encoding="utf-8")
    other = settings_for(db, tmp_path, reports={"completion_denominator": "exclude_immediate"})
    for chosen, used in ((settings, True), (other, False)):
        evaluated, settled = report_evaluation(chosen, db, at, (2024, 2025))
        assert (settled is not None) is used
        if used:  # B005 and B004 are settled; the open and the late ones are rows
            assert sorted(evaluated.loaded.cases["case_id"]) == ["B001", "B002", "B003"]
        found = {}
        for name, source in (("stored", None), ("fresh", plain)):
            out = tmp_path / name
            run_report(chosen, period, at, input_path=source, out_dir=out, engine=db)
            data = json.loads((out / f"{period}.json").read_text(encoding="utf-8"))
            data.pop("generated_at", None)
            found[name] = data
        assert found["stored"] == found["fresh"]
        assert found["stored"]["totals"]["completed"] == 3  # B005, B004, B003
        assert found["stored"]["totals"]["completed_late"] == 1


def test_a_month_left_without_closed_cases_loses_its_counts(
    db: sa.Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    write(tmp_path, [ROWS[i] for i in MARCH])
    settings = settings_for(db, tmp_path)
    update_store(settings, db, THU)
    write(tmp_path, [ROWS[i] for i in ("B001", "B002", "B003", "B004")])  # B005 leaves
    update_store(settings, db, THU + HOUR)
    generation = StoreFolder(tmp_path / "var" / "store").current()
    assert generation is not None
    assert generation.months("figures", "counts") == []
    assert generation.months("cases", "closed") == []
    assert stored_counts(generation, counts_key(settings)) is not None
    assert generation.read("figures", "cases").empty  # nor unsettled rows


def test_a_report_does_not_read_the_months_after_its_periods(
    db: sa.Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    # B099: B001 submitted a month later (Sunday 6 April), still open on 15 April.
    april = ROWS["B001"].replace("B001,", "B099,", 1).replace("2025-03-", "2025-04-")
    write(tmp_path, [ROWS[i] for i in MARCH] + [april])
    settings = settings_for(db, tmp_path)
    now = dt.datetime(2025, 4, 15, 18, 0)
    update_store(settings, db, now)
    years = (2024, 2026)
    every, _ = report_evaluation(settings, db, now, years)
    march, _ = report_evaluation(settings, db, now, years, until=dt.date(2025, 4, 1))
    assert "B099" in set(every.loaded.cases["case_id"])
    assert "B099" not in set(march.loaded.cases["case_id"])
    assert set(march.evaluation.table["case_id"]) <= set(march.loaded.cases["case_id"])
    # Its periods count as from the source itself (B099 counts in none of them).
    source = str(tmp_path / "cases.csv")
    received = {}
    for label in ("2025-03", "2025-Q1", "2025-02"):
        out = {}
        for name, given in (("store", None), ("source", source)):
            folder = tmp_path / f"{label}-{name}"
            run_report(settings, label, now, input_path=given, out_dir=folder, engine=db)
            out[name] = json.loads((folder / f"{label}.json").read_text(encoding="utf-8"))
        assert out["store"] == out["source"]
        received[label] = out["store"]["totals"]["received"]
    assert received == {"2025-03": 5, "2025-Q1": 5, "2025-02": 0}  # B001–B005, all in March


def test_a_later_month_of_an_estimated_calendar_year_is_read_all_the_same(
    db: sa.Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    # 2027 has no published schedule in the holidays package: its deadlines are estimated,
    # and a report says so whatever the month; so the later month is read too.
    rows = [
        ROWS["B001"].replace("2025-03-", "2027-11-"),
        ROWS["B002"].replace("2025-03-", "2027-12-"),
    ]
    write(tmp_path, rows)
    settings = settings_for(db, tmp_path, calendar={"allow_estimated_years": True})
    now = dt.datetime(2027, 12, 20, 18, 0)
    update_store(settings, db, now)
    evaluated, _ = report_evaluation(settings, db, now, (2026, 2028), until=dt.date(2027, 12, 1))
    assert set(evaluated.loaded.cases["case_id"]) == {"B001", "B002"}
    assert evaluated.evaluation.estimated
