"""The data of the web benchmark: a county's open cases with warnings, and the ledger of them.

:func:`county_cases` draws departments, items and limits from the synthetic county of
:mod:`monitor.demo.synth` (40 departments, volumes skewed towards a few), then dates each case
so that its completion obligation sits at a chosen level at ``NOW`` (60 % warning, 30 %
overdue, 10 % escalated), and keeps the cases that the monitor's own evaluation puts at an
alerting level. :func:`fill_ledger` writes their warnings into the monitor's database with
SQLAlchemy Core, in bulk: the daily alert runs that saw them, each warning's events
(first seen, then each rise of level), and a few thousand answers (submitted, accepted,
returned; some warnings answered twice) with their acknowledgements.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import sqlalchemy as sa

from monitor.alerts.links import recipients_digest
from monitor.cases.evaluate import evaluate_loaded
from monitor.cases.load import load_cases
from monitor.config import Settings
from monitor.db.frames import records
from monitor.db.tables import acks, answers, runs, warning_events, warnings
from monitor.demo.synth import generate_cases
from monitor.web.users import add_user
from rules.calendar import WorkingCalendar

__all__ = ["NOW", "PASSWORD", "USER", "county_cases", "fill_ledger"]

#: The benchmark's clock: a Wednesday morning, after the day's alert run (09:00).
NOW = dt.datetime(2025, 12, 10, 10, 0)
USER, PASSWORD = "bench", "a bench password, long enough"
#: Share of each level among the open warnings. A case is put at its level by its deadline:
#: warning, due today or the next working day; overdue, 1–2 working days late; escalated,
#: 3–18 (the monitor's default rules: warn at ≤ 1 working day left, escalate at 3 late).
LEVEL_SHARES = {"warning": 0.6, "overdue": 0.3, "escalated": 0.1}
ANSWERED, TWICE = 0.15, 0.12  # warnings answered; of those, answered again after a return
_NAMES = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴霞")
_NOTES = (
    "已联系申请人补齐材料，预计近日办结。",
    "系统接口故障已修复，正在补录办理结果。",
    "因现场核查需要延后，已告知申请人。",
    "已办结，办理结果已推送，系统状态待同步。",
)
_MEASURES = "专人跟进，每日核对办件状态，超期件当日上报分管领导。"
_Days = npt.NDArray[np.datetime64]
_RANKS = {"warning": 0, "overdue": 1, "escalated": 2}


def county_cases(n: int, seed: int = 11) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` open cases as the case system exports them (strings, synth's columns) and the
    monitor's evaluation rows of their alerting completion obligations at ``NOW``."""
    rng = np.random.default_rng(seed)
    calendar = WorkingCalendar.china(2025, 2026)
    pool = generate_cases(
        n + n // 4 + 100, dt.date(2025, 1, 1), dt.date(2025, 12, 9), seed=seed, calendar=calendar
    )
    today = np.datetime64(NOW.date(), "D")
    _date(pool, np.full(len(pool), today), rng)
    limits = _evaluate(pool).set_index("case_id")[["limit", "unit"]]
    limits = limits.reindex(pool["办件编号"].astype(str))
    levels = rng.choice(list(LEVEL_SHARES), len(pool), p=list(LEVEL_SHARES.values()))
    late = np.select(
        [levels == "warning", levels == "overdue"],
        [-rng.integers(0, 2, len(pool)), rng.integers(1, 3, len(pool))],
        3 + np.minimum(rng.geometric(0.25, len(pool)) - 1, 15),
    )
    accepted = _accepted_on(late, limits["limit"].to_numpy(), limits["unit"].to_numpy())
    _date(pool, accepted, rng)
    alerting = _evaluate(pool)
    alerting = alerting[alerting["level"].isin(list(LEVEL_SHARES))].head(n)
    if len(alerting) < n:
        raise RuntimeError(f"only {len(alerting):,} of {n:,} cases alert; widen the pool")
    keep = pool["办件编号"].astype(str).isin(alerting["case_id"])
    return pool[keep.to_numpy()].reset_index(drop=True), alerting.reset_index(drop=True)


def _accepted_on(late: Any, limit: Any, unit: Any) -> _Days:
    """The acceptance day that puts each deadline ``late`` working days before today (after
    it when negative): k working days before it, or k natural days before it (the deadline a
    working day, so not rolled), or the day itself for 即办 (never after today)."""
    work = _working_days()
    now_at = int(np.searchsorted(work, np.datetime64(NOW.date(), "D")))
    immediate = limit == 0
    late = np.where(immediate, np.maximum(late, 0), late)
    deadline = work[now_at - late]
    steps = np.where(unit == "workday", limit, 0).astype(np.int64)
    on_work = work[now_at - late - steps]
    natural = deadline - np.where(unit == "natural", limit, 0).astype("timedelta64[D]")
    return np.where(unit == "workday", on_work, natural)


def _date(pool: pd.DataFrame, accepted: _Days, rng: np.random.Generator) -> None:
    """Every case of ``pool`` open, submitted and accepted on ``accepted`` (in office hours,
    before ``NOW`` on its day), nothing suspended or corrected."""
    n = len(pool)
    latest = np.where(accepted == np.datetime64(NOW.date(), "D"), 9 * 3600, 17 * 3600)
    submitted = accepted.astype("datetime64[s]") + (
        rng.integers(8 * 3600 + 1800, latest).astype("timedelta64[s]")
    )
    taken = submitted + rng.integers(300, 1800, n).astype("timedelta64[s]")
    pool["申请时间"] = pd.Series(submitted).dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy()
    pool["受理时间"] = pd.Series(taken).dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy()
    for column in ("补正时间", "办结时间", "特别程序时长"):
        pool[column] = None
    pool["办件状态"] = "办理中"


def _evaluate(pool: pd.DataFrame) -> pd.DataFrame:
    """The completion obligations of ``pool`` as the monitor evaluates them at ``NOW``."""
    with tempfile.TemporaryDirectory(prefix="bench-web-") as folder:
        path = Path(folder) / "cases.csv"
        pool.to_csv(path, index=False)
        settings = Settings(source={"path": str(path)})
        table = evaluate_loaded(settings, load_cases(settings), NOW).evaluation.table
    table = table[table["obligation"] == "completion"]
    return table.astype({"case_id": str, "department": str, "item_code": str, "item_name": str})


def fill_ledger(engine: sa.Engine, settings: Settings, alerting: pd.DataFrame) -> dict[str, int]:
    """The ledger of ``alerting`` (see the module), an office user; rows written per table."""
    work = _working_days()
    ledger, marks = _warnings(work, alerting)
    today = int(np.searchsorted(work, np.datetime64(NOW.date(), "D")))
    run_days = work[int(marks["first"].min()) : today + 1]
    run_rows = pd.DataFrame({"id": np.arange(1, len(run_days) + 1)})
    run_rows["at"] = run_days.astype("datetime64[us]") + np.timedelta64(9, "h")
    run_rows["started_at"] = run_rows["at"]
    run_rows["finished_at"] = run_rows["at"] + pd.Timedelta(seconds=40)
    run_rows[["job", "status", "counts"]] = ("alert", "ok", "{}")
    events = _events(work, ledger, marks, run_days)
    acked, given = _answers(ledger, settings, np.random.default_rng(5))
    tables = [
        (runs, run_rows),
        (warnings, ledger),
        (warning_events, events),
        (acks, acked),
        (answers, given),
    ]
    with engine.begin() as conn:
        for table, rows in tables:
            conn.execute(table.insert(), records(rows))
            if conn.dialect.name == "postgresql":  # explicit ids: move the sequence on
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT max(id) FROM {table.name}))"
                    )
                )
        add_user(conn, USER, PASSWORD, NOW)
    return {table.name: len(rows) for table, rows in tables}


def _working_days() -> _Days:
    """The working days of 2025 and 2026 (China's published calendar)."""
    days = np.arange(np.datetime64("2025-01-01"), np.datetime64("2027-01-01"))
    return days[WorkingCalendar.china(2025, 2026).is_working_day(days)]


def _warnings(work: _Days, alerting: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The warnings' rows, and per warning (positions in ``work``) its deadline ``due``, the
    day it was ``first`` seen and its level's ``rank``: first seen by the run of the working
    day before the deadline (or the first run after acceptance), overdue from the working day
    after the deadline, escalated from the third, notified at each level."""
    deadline = alerting["deadline"].to_numpy().astype("datetime64[D]")
    accepted = alerting["start"].to_numpy().astype("datetime64[D]")
    today = int(np.searchsorted(work, np.datetime64(NOW.date(), "D")))
    due = np.searchsorted(work, deadline)
    first = np.minimum(np.maximum(due - 1, np.searchsorted(work, accepted, side="right")), today)
    rank = alerting["level"].astype(str).map(_RANKS).to_numpy(dtype=np.int64)
    since = np.where(rank == 0, first, np.clip(due + 2 * rank - 1, first, today))
    ledger = pd.DataFrame(
        {
            "id": np.arange(1, len(alerting) + 1),
            "case_id": alerting["case_id"].to_numpy(),
            "obligation": "completion",
            "department": alerting["department"].to_numpy(),
            "item_code": alerting["item_code"].to_numpy(),
            "item_name": alerting["item_name"].to_numpy(),
            "deadline": [d.item() for d in deadline],
            "level": alerting["level"].astype(str).to_numpy(),
            "late_workdays": alerting["late_workdays"].astype("int64").to_numpy(),
            "first_seen_at": _run_time(work[first]),
            "level_since": _run_time(work[since]),
            "last_notified_at": _run_time(work[since]) + np.timedelta64(60, "s"),
            "resolved_at": None,
            "resolution": None,
        }
    )
    ledger["last_notified_level"] = ledger["level"]
    return ledger, pd.DataFrame({"due": due, "first": first, "rank": rank})


def _run_time(days: _Days) -> npt.NDArray[np.datetime64]:
    """When the alert run of each day saw its warnings (it starts at 09:00)."""
    return days.astype("datetime64[us]") + np.timedelta64(9 * 3600 + 20, "s")


def _events(
    work: _Days, ledger: pd.DataFrame, marks: pd.DataFrame, run_days: _Days
) -> pd.DataFrame:
    """Each warning's events: new at its first run (at the level it had then), then each
    rise of level at the run of the day it rose."""
    today = int(np.searchsorted(work, np.datetime64(NOW.date(), "D")))
    first = marks["first"].to_numpy()
    parts = []
    for level, rank in _RANKS.items():
        reached = first if rank == 0 else np.clip(marks["due"] + 2 * rank - 1, first, today)
        steps = pd.DataFrame(
            {"warning_id": ledger["id"], "rank": rank, "to_level": level, "day": reached}
        )
        parts.append(steps[marks["rank"].to_numpy() >= rank])
    steps = pd.concat(parts).sort_values(["warning_id", "rank"])
    # Several levels reached by the same run: one event, to the highest.
    steps = steps.drop_duplicates(["warning_id", "day"], keep="last")
    steps["from_level"] = steps.groupby("warning_id")["to_level"].shift()
    days = work[steps["day"].to_numpy()]
    steps["run_id"] = np.searchsorted(run_days, days) + 1
    steps["at"] = _run_time(days)
    steps["id"] = np.arange(1, len(steps) + 1)
    return steps[["id", "warning_id", "run_id", "at", "from_level", "to_level"]]


def _answers(
    ledger: pd.DataFrame, settings: Settings, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Acknowledgements and answers of a share of the warnings, some time after each was
    first seen: the latest submitted, accepted or returned, some a second answer after a
    first one was returned. A late warning's answer gives a reason and the measures."""
    picked = ledger.sample(frac=ANSWERED, random_state=7)
    again = picked.sample(frac=TWICE, random_state=8)
    rows = pd.concat([picked.assign(final=True), again.assign(final=False)])
    n, final = len(rows), rows["final"].to_numpy()
    first = rows["first_seen_at"].to_numpy()
    span = np.datetime64(NOW, "us") - first
    share = np.where(final, rng.uniform(0.5, 0.95, n), 0.3)
    status = rng.choice(["submitted", "accepted", "returned"], n, p=[0.5, 0.38, 0.12])
    late = rows["level"].isin(["overdue", "escalated"]).to_numpy()
    web = settings.web
    action = rng.choice(web.actions, n, p=[0.3, 0.5, 0.1, 0.1])
    expected = [NOW.date() + dt.timedelta(days=int(d)) for d in rng.integers(1, 10, n)]
    mailbox = {
        d: recipients_digest([f"dept{i}@example.gov.cn"])
        for i, d in enumerate(sorted(set(ledger["department"])))
    }
    frame = pd.DataFrame(
        {
            "warning_id": rows["id"].to_numpy(),
            "case_id": rows["case_id"].to_numpy(),
            "obligation": "completion",
            "action": action,
            "expected_on": np.where(action == "正在办理", np.array(expected, object), None),
            "note": rng.choice(_NOTES, n),
            "late_reason": np.where(late, rng.choice(web.late_reasons, n), None),
            "measures": np.where(late, _MEASURES, None),
            "by": rng.choice(_NAMES, n),
            "recipients": rows["department"].map(mailbox).to_numpy(),
            "address": [f"10.12.{i % 250}.{i % 199 + 1}" for i in range(n)],
            "level": rows["level"].to_numpy(),
            "at": first + (span * share).astype("timedelta64[us]"),
            "status": np.where(final, status, "returned"),
        }
    )
    frame = frame.sort_values("at", kind="stable").reset_index(drop=True)
    frame["id"] = frame["ack_id"] = np.arange(1, n + 1)
    reviewed = frame["status"] != "submitted"
    frame["reviewed_by"] = np.where(reviewed, USER, None)
    frame["reviewed_at"] = (frame["at"] + pd.Timedelta(hours=2)).clip(upper=NOW).where(reviewed)
    returned = frame["status"] == "returned"
    frame["review_note"] = np.where(returned, "超期原因未写清，请补充具体情况。", None)
    acked = frame[["id", "case_id", "obligation", "level", "by", "note", "at"]]
    return acked, frame
