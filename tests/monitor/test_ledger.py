"""The warning ledger on every backend: warnings opened, raised, lowered, resolved, re-opened;
notifications, acknowledgements, silences and runs."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import sqlalchemy as sa

from monitor.alerts.acks import acks_in_force, active_silences, add_ack, add_silence
from monitor.alerts.ledger import (
    OPEN_COLUMNS,
    LedgerUpdate,
    mark_notified,
    open_warnings,
    update_ledger,
    warning_history,
)
from monitor.db.runs import finish_run, start_run
from monitor.db.tables import runs
from monitor.errors import InputError
from rules.evaluate import EVALUATION_COLUMNS

NOW = dt.datetime(2024, 3, 20, 10, 0)
DAY = dt.timedelta(days=1)


def row(
    case_id: str,
    level: str,
    obligation: str = "completion",
    *,
    late: int = 0,
    remaining: int | None = None,
    deadline: str = "2024-03-22",
    department: str = "县市场监督管理局",
    item_code: str | None = "330100-001",
) -> dict[str, object]:
    """One evaluation row; the state follows from the level."""
    closed = level in ("on_time", "late")
    return {
        "case_id": case_id,
        "department": department,
        "item_code": item_code,
        "item_name": "食品经营许可",
        "obligation": obligation,
        "start": pd.Timestamp("2024-03-01"),
        "limit": 15.0,
        "unit": "workday",
        "suspended": 0.0,
        "deadline": pd.Timestamp(deadline),
        "closed_at": pd.Timestamp("2024-03-19 16:00") if closed else pd.NaT,
        "state": "closed" if closed else "open",
        "level": level,
        "remaining_workdays": remaining,
        "late_workdays": late,
        "estimated_calendar": False,
    }


def evaluation(*rows: dict[str, object], categorical: bool = False) -> pd.DataFrame:
    table = pd.DataFrame(list(rows), columns=EVALUATION_COLUMNS)
    table["remaining_workdays"] = table["remaining_workdays"].astype("Int64")
    if categorical:
        for col in ["department", "item_code", "item_name", "obligation", "state", "level"]:
            table[col] = table[col].astype("category")
        table["case_id"] = table["case_id"].astype("str")
    return table


def apply(
    engine: sa.Engine, table: pd.DataFrame, now: dt.datetime = NOW, run: bool = True
) -> tuple[LedgerUpdate, int | None]:
    with engine.begin() as conn:
        run_id = start_run(conn, "alert", now, now) if run else None
        return update_ledger(conn, table, now, run_id), run_id


def by_case(frame: pd.DataFrame) -> dict[tuple[str, str], dict[str, object]]:
    return {(r["case_id"], r["obligation"]): r for r in frame.to_dict("records")}


def history(engine: sa.Engine, ids: list[int]) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        h = warning_history(conn, ids)
    return [
        (r.case_id, r.from_level, r.to_level, None if pd.isna(r.run_id) else r.run_id)
        for r in h.itertuples()
    ]


@pytest.mark.parametrize("categorical", [False, True], ids=["plain", "categorical"])
def test_new_warnings(migrated_engine: sa.Engine, categorical: bool) -> None:
    table = evaluation(
        row("A1", "warning", remaining=1),
        row("A2", "overdue", "acceptance", late=2, item_code=None, deadline="2024-03-18"),
        row("A3", "escalated", late=5, deadline="2024-03-13"),
        row("B1", "ok", remaining=4),  # not alerting
        row("B2", "late", late=1),  # closed
        row("B3", "on_time"),
        categorical=categorical,
    )
    update, run_id = apply(migrated_engine, table)

    assert len(update.new) == 3
    assert update.raised == update.lowered == update.resolved == []
    assert update.counts() == {"new": 3, "raised": 0, "lowered": 0, "resolved": 0, "open": 3}
    opened = update.open
    assert list(opened.columns) == OPEN_COLUMNS
    assert sorted(opened["id"]) == update.new
    got = by_case(opened)
    assert set(got) == {("A1", "completion"), ("A2", "acceptance"), ("A3", "completion")}
    a1, a2 = got["A1", "completion"], got["A2", "acceptance"]
    assert a1["level"] == "warning" and a1["remaining_workdays"] == 1
    assert a1["deadline"] == pd.Timestamp("2024-03-22")
    assert a1["first_seen_at"] == a1["level_since"] == pd.Timestamp(NOW)
    assert a1["item_code"] == "330100-001" and a1["department"] == "县市场监督管理局"
    assert a1["last_notified_level"] is None and pd.isna(a1["last_notified_at"])
    assert a2["level"] == "overdue" and a2["late_workdays"] == 2 and a2["item_code"] is None
    assert pd.isna(a2["remaining_workdays"])
    assert opened["deadline"].dtype == "datetime64[s]"

    assert sorted(history(migrated_engine, update.new)) == [
        ("A1", None, "warning", run_id),
        ("A2", None, "overdue", run_id),
        ("A3", None, "escalated", run_id),
    ]


def test_raised_then_same_then_lowered(migrated_engine: sa.Engine) -> None:
    first, run1 = apply(migrated_engine, evaluation(row("A1", "warning", remaining=1)))
    (wid,) = first.new

    raised, run2 = apply(migrated_engine, evaluation(row("A1", "overdue", late=1)), NOW + DAY)
    assert raised.raised == [wid] and raised.new == raised.lowered == raised.resolved == []
    (w,) = raised.open.to_dict("records")
    assert (w["level"], w["late_workdays"]) == ("overdue", 1)
    assert w["level_since"] == pd.Timestamp(NOW + DAY)
    assert w["first_seen_at"] == pd.Timestamp(NOW)

    # Same level, one more day late: the count follows, no event, level_since kept.
    same, _ = apply(migrated_engine, evaluation(row("A1", "overdue", late=2)), NOW + 2 * DAY)
    assert same.new == same.raised == same.lowered == same.resolved == []
    (w,) = same.open.to_dict("records")
    assert w["late_workdays"] == 2 and w["level_since"] == pd.Timestamp(NOW + DAY)

    # A later deadline (a correction in the source) lowers it.
    table = evaluation(row("A1", "warning", remaining=1, deadline="2024-03-25"))
    lowered, run4 = apply(migrated_engine, table, NOW + 3 * DAY)
    assert lowered.lowered == [wid] and lowered.raised == []
    (w,) = lowered.open.to_dict("records")
    assert (w["level"], w["late_workdays"]) == ("warning", 0)
    assert w["deadline"] == pd.Timestamp("2024-03-25")

    assert history(migrated_engine, [wid]) == [
        ("A1", None, "warning", run1),
        ("A1", "warning", "overdue", run2),
        ("A1", "overdue", "warning", run4),
    ]
    with migrated_engine.connect() as conn:
        h = warning_history(conn, [wid])
    assert h["at"].tolist() == [pd.Timestamp(NOW), pd.Timestamp(NOW + DAY), NOW + 3 * DAY]


def test_unchanged_evaluation_changes_nothing(migrated_engine: sa.Engine) -> None:
    table = evaluation(row("A1", "overdue", late=1), row("A2", "warning", remaining=1))
    first, _ = apply(migrated_engine, table)
    again, _ = apply(migrated_engine, table, NOW + dt.timedelta(hours=1))
    assert again.counts() == {"new": 0, "raised": 0, "lowered": 0, "resolved": 0, "open": 2}
    assert len(history(migrated_engine, first.new)) == 2
    with migrated_engine.connect() as conn:
        assert open_warnings(conn)["level_since"].tolist() == [pd.Timestamp(NOW)] * 2


def test_each_kind_of_resolution(migrated_engine: sa.Engine) -> None:
    first, _ = apply(
        migrated_engine,
        evaluation(
            row("C1", "overdue", late=1),
            row("C2", "warning", remaining=1),
            row("C3", "warning", remaining=1),
            row("C4", "escalated", late=4),
            row("C5", "warning", "acceptance", remaining=0),
        ),
    )
    ids = {k[0]: r["id"] for k, r in by_case(first.open).items()}
    later = NOW + DAY
    update, run_id = apply(
        migrated_engine,
        evaluation(
            row("C1", "late", late=1),  # closed after its deadline
            row("C2", "on_time"),  # closed in time
            row("C3", "ok", remaining=3),  # open again at ok (e.g. suspended)
            # C4 is not in the evaluation at all
            row("C5", "warning", "completion", remaining=9),  # the other obligation
        ),
        later,
    )
    assert update.resolved == sorted(ids[c] for c in ("C1", "C2", "C3", "C4", "C5"))
    assert len(update.new) == 1  # C5's completion
    assert update.open["case_id"].tolist() == ["C5"]
    with migrated_engine.connect() as conn:
        everything = open_warnings(conn, include_resolved=True)
        assert open_warnings(conn)["case_id"].tolist() == ["C5"]
    resolved = everything[everything["resolved_at"].notna()]
    assert dict(zip(resolved["case_id"], resolved["resolution"], strict=True)) == {
        "C1": "closed_late",
        "C2": "closed_on_time",
        "C3": "cleared",
        "C4": "disappeared",
        "C5": "disappeared",  # its acceptance row is gone from the evaluation
    }
    assert set(resolved["resolved_at"]) == {pd.Timestamp(later)}
    assert resolved.set_index("case_id")["level"].to_dict()["C4"] == "escalated"  # kept
    assert history(migrated_engine, [ids["C1"], ids["C4"]])[-2:] == [
        ("C1", "overdue", "resolved", run_id),
        ("C4", "escalated", "resolved", run_id),
    ]


def test_resolved_warning_alerting_again_is_reopened(migrated_engine: sa.Engine) -> None:
    first, _ = apply(migrated_engine, evaluation(row("R1", "overdue", late=1)))
    (wid,) = first.new
    with migrated_engine.begin() as conn:
        mark_notified(conn, [wid], ["overdue"], NOW)
    resolved, run_r = apply(migrated_engine, evaluation(row("R1", "ok")), NOW + DAY)
    assert resolved.resolved == [wid] and resolved.open.empty

    table = evaluation(row("R1", "escalated", late=4, deadline="2024-03-15"))
    again, run_id = apply(migrated_engine, table, NOW + 2 * DAY)
    assert again.new == [wid]  # the same row, counted as new
    (w,) = again.open.to_dict("records")
    assert (w["level"], w["late_workdays"]) == ("escalated", 4)
    assert w["level_since"] == pd.Timestamp(NOW + 2 * DAY)
    assert w["first_seen_at"] == pd.Timestamp(NOW)
    assert w["last_notified_level"] is None  # so the alert goes out again
    with migrated_engine.connect() as conn:
        (full,) = open_warnings(conn).to_dict("records")
    assert pd.isna(full["resolved_at"]) and full["resolution"] is None
    assert history(migrated_engine, [wid])[-2:] == [
        ("R1", "overdue", "resolved", run_r),
        ("R1", "resolved", "escalated", run_id),
    ]


def test_duplicate_rows_keep_the_most_urgent(migrated_engine: sa.Engine) -> None:
    update, _ = apply(
        migrated_engine, evaluation(row("D1", "warning"), row("D1", "escalated", late=3))
    )
    assert update.open[["case_id", "level"]].values.tolist() == [["D1", "escalated"]]


def test_case_ids_differing_in_letter_case_are_two_cases(migrated_engine: sa.Engine) -> None:
    update, _ = apply(migrated_engine, evaluation(row("ab-1", "warning"), row("AB-1", "overdue")))
    assert sorted(update.open["case_id"]) == ["AB-1", "ab-1"]


def test_empty_evaluation(migrated_engine: sa.Engine) -> None:
    update, _ = apply(migrated_engine, evaluation(), run=False)
    assert update.counts()["open"] == 0
    assert list(update.open.columns) == OPEN_COLUMNS


def test_mark_notified(migrated_engine: sa.Engine) -> None:
    first, _ = apply(
        migrated_engine,
        evaluation(row("N1", "warning"), row("N2", "overdue", late=1), row("N3", "warning")),
    )
    ids = {k[0]: r["id"] for k, r in by_case(first.open).items()}
    sent = NOW + dt.timedelta(minutes=5, microseconds=250)
    with migrated_engine.begin() as conn:
        mark_notified(conn, [ids["N1"], ids["N2"]], ["warning", "overdue"], sent)
        with pytest.raises(ValueError, match="2 warning ids but 1 levels"):
            mark_notified(conn, [1, 2], ["warning"], sent)
    with migrated_engine.connect() as conn:
        got = by_case(open_warnings(conn))
    assert got["N1", "completion"]["last_notified_level"] == "warning"
    assert got["N2", "completion"]["last_notified_level"] == "overdue"
    assert got["N2", "completion"]["last_notified_at"] == pd.Timestamp(sent)
    assert got["N3", "completion"]["last_notified_level"] is None


def test_acks(migrated_engine: sa.Engine) -> None:
    apply(
        migrated_engine,
        evaluation(
            row("K1", "warning", "acceptance"),
            row("K1", "overdue", "completion", late=1),
            row("K2", "warning"),
        ),
    )
    with migrated_engine.begin() as conn:
        add_ack(conn, "K1", None, "张三", "已电话催办", NOW)  # both obligations: highest level
        add_ack(conn, "K2", "completion", "李四", "已知悉", NOW)
        later = add_ack(conn, "K2", "completion", "王五", "再次确认", NOW + DAY)
        assert isinstance(later, int)
        with pytest.raises(InputError, match="case K9 has no open warning"):
            add_ack(conn, "K9", None, "张三", "", NOW)
        with pytest.raises(InputError, match=r"case K2 \(acceptance\) has no open warning"):
            add_ack(conn, "K2", "acceptance", "张三", "", NOW)
    with migrated_engine.connect() as conn:
        acks = acks_in_force(conn)
    assert acks[["case_id", "obligation", "level", "by"]].values.tolist() == [
        ["K1", "acceptance", "overdue", "张三"],
        ["K1", "completion", "overdue", "张三"],
        ["K2", "completion", "warning", "王五"],  # the latest wins
    ]

    # A later ack of one obligation wins over the earlier one for both.
    with migrated_engine.begin() as conn:
        add_ack(conn, "K1", "acceptance", "赵六", "", NOW + DAY)
    with migrated_engine.connect() as conn:
        acks = acks_in_force(conn).set_index(["case_id", "obligation"])
    assert acks.loc[("K1", "acceptance"), "level"] == "warning"
    assert acks.loc[("K1", "completion"), "by"] == "张三"

    # Resolved warnings take their acks with them.
    apply(migrated_engine, evaluation(row("K1", "on_time")), NOW + 2 * DAY)
    with migrated_engine.connect() as conn:
        assert acks_in_force(conn).empty


def test_silences(migrated_engine: sa.Engine) -> None:
    with migrated_engine.begin() as conn:
        whole = add_silence(conn, "县公安局", None, NOW + DAY, "系统迁移", "admin", NOW)
        item = add_silence(conn, "县民政局", "330100-9", NOW + 2 * DAY, "政策调整", None, NOW)
        with pytest.raises(InputError, match="must end after now"):
            add_silence(conn, "县公安局", None, NOW, "", "admin", NOW)
        with pytest.raises(InputError, match="must end after now"):
            add_silence(conn, "县公安局", None, NOW - DAY, "", "admin", NOW)
    with migrated_engine.connect() as conn:
        active = active_silences(conn, NOW + dt.timedelta(hours=1))
        assert active["id"].tolist() == [whole, item]
        assert active["item_code"].tolist() == [None, "330100-9"]
        assert active["until"].tolist() == [pd.Timestamp(NOW + DAY), pd.Timestamp(NOW + 2 * DAY)]
        assert active_silences(conn, NOW + DAY)["id"].tolist() == [item]  # the first has ended
        assert active_silences(conn, NOW + 3 * DAY).empty


def test_runs(migrated_engine: sa.Engine) -> None:
    started = dt.datetime(2024, 3, 20, 10, 0, 1, 500)
    with migrated_engine.begin() as conn:
        run_id = start_run(conn, "alert", NOW, started)
        (status,) = conn.execute(sa.select(runs.c.status).where(runs.c.id == run_id)).one()
        assert status == "running"
        finish_run(conn, run_id, "ok", {"new": 3, "部门": 1}, None, started + DAY)
        failed = start_run(conn, "report", NOW, started)
        finish_run(conn, failed, "failed", {}, "boom", started + DAY)
    with migrated_engine.connect() as conn:
        got = {r.id: r for r in conn.execute(sa.select(runs))}
    assert got[run_id].status == "ok" and got[run_id].at == NOW
    assert got[run_id].started_at == started and got[run_id].finished_at == started + DAY
    assert json.loads(got[run_id].counts) == {"new": 3, "部门": 1}
    assert (got[failed].status, got[failed].error) == ("failed", "boom")


def test_history_of_no_warnings(migrated_engine: sa.Engine) -> None:
    with migrated_engine.connect() as conn:
        h = warning_history(conn, [])
    assert h.empty and "to_level" in h.columns


def test_missing_column_is_an_error(migrated_engine: sa.Engine) -> None:
    with migrated_engine.begin() as conn, pytest.raises(ValueError, match="lacks column"):
        update_ledger(conn, evaluation().drop(columns="state"), NOW, None)
