"""Evaluation of both obligations (DOMAIN.md §3–4) against hand-checked dates.

Every expected start S, deadline D, R and L below is a literal counted by hand on a printed
calendar of the State Council schedules (checked against both ``holidays`` and
``chinese_calendar``, which agree for 2023–2026). Comments list the counted working days as
``day(n)``; ``*`` marks a 调休 working weekend day. Breaks used here:

- 2023 National Day: 09-29..10-06 off, 10-07* and 10-08* working;
- 2024 Spring Festival: 02-10..02-17 off, 02-04* and 02-18* working;
- 2024 Qingming: 04-04..04-06 off, 04-07* working;
- 2024 Labour Day: 05-01..05-05 off, 04-28* and 05-11* working;
- 2024 Mid-Autumn 09-15..09-17 off, 09-14* working; National Day 10-01..10-07 off,
  09-29* and 10-12* working;
- 2025 Spring Festival: 01-28..02-04 off, 01-26* and 02-08* working;
- 2025 National Day + Mid-Autumn: 10-01..10-08 off, 09-28* and 10-11* working;
- 2026 New Year: 01-01..01-03 off, 01-04* working;
- 2026 Spring Festival: 02-15..02-23 off, 02-14* and 02-28* working.

Cases go through :func:`monitor.cases.normalise.normalise` (from text cells, as a CSV gives them),
so the frame ``evaluate`` sees has exactly the canonical dtypes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from monitor.cases.normalise import normalise
from monitor.cases.sources import RawTable
from rules.calendar import WorkingCalendar
from rules.errors import UnknownYearError
from rules.evaluate import Evaluation, RuleSettings, evaluate
from rules.levels import Thresholds
from rules.limits import parse_limits
from rules.urgency import most_urgent_first

ACC, CMP = "acceptance", "completion"

#: Every column of a canonical source, as text cells; "" is an empty cell.
BLANK = {
    "case_id": "C1",
    "department": "县市场监督管理局",
    "item_code": "ITEM-1",
    "item_name": "食品经营许可",
    "channel": "一网通办",
    "cross_region": "否",
    "status": "",
    "submitted_at": "",
    "supplemented_at": "",
    "accepted_at": "",
    "completed_at": "",
    "promised_limit": "",
    "legal_limit": "",
    "suspended_days": "",
}


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar.china(2023, 2026)


def cases_frame(*records: dict[str, str]) -> pd.DataFrame:
    """Canonical cases from records of text cells (the missing cells empty)."""
    raw = pd.DataFrame([{**BLANK, **r} for r in records], dtype=object)
    cases, quality = normalise(RawTable(raw, "cases.csv"), {})
    assert quality.empty, quality.to_dict("records")
    return cases


def catalogue_frame(*records: dict[str, str]) -> pd.DataFrame:
    """An item catalogue as ``monitor.cases.reference.load_catalogue`` gives it: limits parsed
    into number + unit, threshold columns as floats (NaN where empty)."""
    raw = pd.DataFrame(records, dtype=object)
    out = pd.DataFrame({"item_code": raw["item_code"].astype("str")})
    for col in ("acceptance_limit", "promised_limit", "legal_limit"):
        if col in raw:
            parsed = parse_limits(raw[col].replace("", None))
            out[col] = parsed.value.to_numpy()
            out[f"{col}_unit"] = parsed.unit.array
    for col in ("warn_before_days", "warn_ratio", "escalate_after_days"):
        if col in raw:
            out[col] = pd.to_numeric(raw[col].replace("", None)).astype(float)
    return out


def intervals_frame(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """Suspension intervals ``(case_id, start, end)`` as ``load_suspensions`` gives them."""
    return pd.DataFrame(
        {
            "case_id": pd.Series([r[0] for r in rows], dtype="str"),
            "start": pd.to_datetime([r[1] for r in rows]).astype("datetime64[s]"),
            "end": pd.to_datetime([r[2] for r in rows]).astype("datetime64[s]"),
        }
    )


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def day(value: object) -> str | None:
    return None if pd.isna(value) else str(pd.Timestamp(value).date())


def one(ev: Evaluation, case_id: str, obligation: str) -> pd.Series:
    hit = ev.table[(ev.table["case_id"] == case_id) & (ev.table["obligation"] == obligation)]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def observed(row: pd.Series) -> dict[str, object]:
    r = row["remaining_workdays"]
    return {
        "S": day(row["start"]),
        "D": day(row["deadline"]),
        "state": row["state"],
        "level": row["level"],
        "R": None if pd.isna(r) else int(r),
        "L": int(row["late_workdays"]),
    }


# ---------------------------------------------------------------- the table


@dataclass(frozen=True)
class Row:
    """One case, the moment ``now``, and the expected values of one of its obligations."""

    obligation: str
    now: str
    S: str
    D: str
    state: str
    level: str
    R: int | None
    L: int
    submitted: str = ""
    supplemented: str = ""
    accepted: str = ""
    completed: str = ""
    promised: str = ""
    legal: str = ""
    suspended: str = ""
    status: str = ""
    #: Suspension intervals (start, end) of this case, for the ``suspensions`` frame.
    intervals: tuple[tuple[str, str], ...] = ()

    def record(self) -> dict[str, str]:
        return {
            "status": self.status,
            "submitted_at": self.submitted or self.accepted,
            "supplemented_at": self.supplemented,
            "accepted_at": self.accepted,
            "completed_at": self.completed,
            "promised_limit": self.promised,
            "legal_limit": self.legal,
            "suspended_days": self.suspended,
        }

    def expected(self) -> dict[str, object]:
        return {
            "S": self.S,
            "D": self.D,
            "state": self.state,
            "level": self.level,
            "R": self.R,
            "L": self.L,
        }


P = pytest.param

# Acceptance: the default limit of 5 working days unless said otherwise.
ACCEPTANCE_ROWS = [
    P(
        # Tue; 03-06(1) 07(2) 08(3) 11(4) 12(5). R: 07 08 11 12.
        Row(ACC, "2024-03-06 09:00", "2024-03-05", "2024-03-12", "open", "ok", 4, 0,
            submitted="2024-03-05 10:20:00"),
        id="acc-S-workday-ok",
    ),
    P(
        # Sat; 03-11(1) .. 03-15(5). R: 12 13 14 15.
        Row(ACC, "2024-03-11 10:00", "2024-03-09", "2024-03-15", "open", "ok", 4, 0,
            submitted="2024-03-09 10:00:00", status="待受理"),
        id="acc-S-saturday",
    ),
    P(
        # National Day holiday; 10-08(1) 09(2) 10(3) 11(4) 12*(5): D is a 调休 Saturday.
        Row(ACC, "2024-10-11 09:00", "2024-10-03", "2024-10-12", "open", "warning", 1, 0,
            submitted="2024-10-03 10:00:00"),
        id="acc-S-holiday-D-on-workday-saturday-R1",
    ),
    P(
        # S = 02-04*, a 调休 Sunday; 05(1) .. 09(5). On D: R = 0.
        Row(ACC, "2024-02-09 15:00", "2024-02-04", "2024-02-09", "open", "warning", 0, 0,
            submitted="2024-02-04 09:00:00"),
        id="acc-S-workday-sunday-R0-on-D",
    ),
    P(
        # 2024 Spring Festival: 02-09(1) 18*(2) 19(3) 20(4) 21(5). R: 20 21 = warn_before + 1.
        Row(ACC, "2024-02-19 10:00", "2024-02-08", "2024-02-21", "open", "ok", 2, 0,
            submitted="2024-02-08 11:00:00"),
        id="acc-2024-spring-R2-ok",
    ),
    P(
        Row(ACC, "2024-03-01 09:00", "2024-02-08", "2024-02-21", "closed", "on_time", None, 0,
            submitted="2024-02-08 11:00:00", accepted="2024-02-21 17:30:00"),
        id="acc-2024-spring-accepted-on-D",
    ),
    P(
        Row(ACC, "2024-03-01 09:00", "2024-02-08", "2024-02-21", "closed", "late", None, 1,
            submitted="2024-02-08 11:00:00", accepted="2024-02-22 09:00:00"),
        id="acc-2024-spring-accepted-next-workday-L1",
    ),
    P(
        # 2025 Spring Festival: Fri 01-24; 26*(1) 27(2) 02-05(3) 06(4) 07(5). L: 08* 10.
        Row(ACC, "2025-02-10 09:00", "2025-01-24", "2025-02-07", "open", "overdue", None, 2,
            submitted="2025-01-24 16:00:00"),
        id="acc-2025-spring-L2-overdue",
    ),
    P(
        # 2026 Spring Festival: 02-13(1) 14*(2) 24(3) 25(4) 26(5). R: 26.
        Row(ACC, "2026-02-25 09:00", "2026-02-12", "2026-02-26", "open", "warning", 1, 0,
            submitted="2026-02-12 10:00:00"),
        id="acc-2026-spring-R1",
    ),
    P(
        # S = 02-18, in the 2026 break; 24(1) 25(2) 26(3) 27(4) 28*(5). L: 03-02 (03-01 Sun).
        Row(ACC, "2026-03-02 09:00", "2026-02-18", "2026-02-28", "open", "overdue", None, 1,
            submitted="2026-02-18 10:00:00"),
        id="acc-2026-spring-S-holiday-L1",
    ),
    P(
        # 2025 National Day: Tue 09-30; 10-09(1) 10(2) 11*(3) 13(4) 14(5). R: 14.
        Row(ACC, "2025-10-13 09:00", "2025-09-30", "2025-10-14", "open", "warning", 1, 0,
            submitted="2025-09-30 15:00:00"),
        id="acc-2025-national-R1",
    ),
    P(
        # S = 09-28*, a 调休 Sunday; 29(1) 30(2) 10-09(3) 10(4) 11*(5). L: 13.
        Row(ACC, "2025-10-13 09:00", "2025-09-28", "2025-10-11", "open", "overdue", None, 1,
            submitted="2025-09-28 09:00:00"),
        id="acc-2025-national-S-workday-sunday-L1",
    ),
    P(
        # S = 10-05, in the break; 09(1) 10(2) 11*(3) 13(4) 14(5). Accepted 10-17: L 15 16 17.
        Row(ACC, "2025-10-20 09:00", "2025-10-05", "2025-10-14", "closed", "late", None, 3,
            submitted="2025-10-05 10:00:00", accepted="2025-10-17 10:00:00"),
        id="acc-2025-national-S-holiday-late-L3",
    ),
    P(
        # 2023 National Day: Thu 09-28; 10-07*(1) 08*(2) 09(3) 10(4) 11(5). R: 09 10 11.
        Row(ACC, "2023-10-08 10:00", "2023-09-28", "2023-10-11", "open", "ok", 3, 0,
            submitted="2023-09-28 10:00:00"),
        id="acc-2023-national-now-on-workday-sunday",
    ),
    P(
        # 补正: S is the supplement's day 03-06; 07(1) 08(2) 11(3) 12(4) 13(5). R: 13.
        Row(ACC, "2024-03-12 10:00", "2024-03-06", "2024-03-13", "open", "warning", 1, 0,
            submitted="2024-03-01 09:00:00", supplemented="2024-03-06 14:00:00"),
        id="acc-supplement-restarts",
    ),
    P(
        # 补正 on Sat 04-27; 28*(1) 29(2) 30(3) 05-06(4) 07(5) over Labour Day.
        Row(ACC, "2024-05-10 09:00", "2024-04-27", "2024-05-07", "closed", "on_time", None, 0,
            submitted="2024-04-25 10:00:00", supplemented="2024-04-27 10:00:00",
            accepted="2024-05-07 16:00:00"),
        id="acc-supplement-saturday-labour-day-on-time",
    ),
    P(
        # 补正 Thu 2025-01-23; 24(1) 26*(2) 27(3) 02-05(4) 06(5). Accepted 02-07: L 1.
        Row(ACC, "2025-02-10 09:00", "2025-01-23", "2025-02-06", "closed", "late", None, 1,
            submitted="2025-01-20 10:00:00", supplemented="2025-01-23 10:00:00",
            accepted="2025-02-07 09:00:00"),
        id="acc-supplement-2025-spring-late",
    ),
    P(
        # Accepted later on the day of `now`: still open at `now`, on D.
        Row(ACC, "2024-03-12 10:00", "2024-03-05", "2024-03-12", "open", "warning", 0, 0,
            submitted="2024-03-05 10:20:00", accepted="2024-03-12 16:00:00"),
        id="acc-closed-after-now-is-open",
    ),
    P(
        # D 03-12; L: 13 14 15 = escalate_after_days.
        Row(ACC, "2024-03-15 09:00", "2024-03-05", "2024-03-12", "open", "escalated", None, 3,
            submitted="2024-03-05 10:20:00"),
        id="acc-L3-escalated",
    ),
    P(
        # 撤件 before acceptance: closed at the withdrawal (completed_at), before D.
        Row(ACC, "2024-03-20 09:00", "2024-03-05", "2024-03-12", "closed", "on_time", None, 0,
            submitted="2024-03-05 09:00:00", completed="2024-03-08 10:00:00", status="撤件"),
        id="acc-withdrawn-before-D",
    ),
    P(
        # 撤件 on 03-14, still not accepted, after D 03-12: L 13 14.
        Row(ACC, "2024-03-20 09:00", "2024-03-05", "2024-03-12", "closed", "late", None, 2,
            submitted="2024-03-05 09:00:00", completed="2024-03-14 10:00:00", status="撤件"),
        id="acc-withdrawn-after-D",
    ),
    P(
        # 不予受理 is an acceptance decision: it closes the acceptance obligation.
        Row(ACC, "2024-03-20 09:00", "2024-03-05", "2024-03-12", "closed", "on_time", None, 0,
            submitted="2024-03-05 09:00:00", accepted="2024-03-07 10:00:00", status="不予受理",
            promised="20个工作日"),
        id="acc-rejected-on-time",
    ),
]  # fmt: skip

# Completion: S is the day of accepted_at (submitted the same moment unless given).
COMPLETION_ROWS = [
    # --- one 20-working-day case accepted Tue 2024-03-05, every level boundary.
    # 03-06 07 08(3) 11..15(8) 18..22(13) 25..29(18) 04-01(19) 04-02(20).
    P(
        Row(CMP, "2024-03-29 09:00", "2024-03-05", "2024-04-02", "open", "ok", 2, 0,
            accepted="2024-03-05 10:20:00", promised="20个工作日"),
        id="cmp-k20-R2-ok",
    ),
    P(
        Row(CMP, "2024-04-01 09:00", "2024-03-05", "2024-04-02", "open", "warning", 1, 0,
            accepted="2024-03-05 10:20:00", promised="20个工作日"),
        id="cmp-k20-R1-warning",
    ),
    P(
        Row(CMP, "2024-04-02 23:59", "2024-03-05", "2024-04-02", "open", "warning", 0, 0,
            accepted="2024-03-05 10:20:00", promised="20个工作日"),
        id="cmp-k20-R0-on-D",
    ),
    P(
        Row(CMP, "2024-04-03 08:00", "2024-03-05", "2024-04-02", "open", "overdue", None, 1,
            accepted="2024-03-05 10:20:00", promised="20个工作日"),
        id="cmp-k20-L1",
    ),
    P(
        # Qingming 04-04..06 off: still L = 1 (04-03) on the Saturday.
        Row(CMP, "2024-04-06 12:00", "2024-03-05", "2024-04-02", "open", "overdue", None, 1,
            accepted="2024-03-05 10:20:00", promised="20个工作日"),
        id="cmp-k20-L1-over-qingming",
    ),
    P(
        # L: 04-03 07* = escalate_after_days - 1.
        Row(CMP, "2024-04-07 09:00", "2024-03-05", "2024-04-02", "open", "overdue", None, 2,
            accepted="2024-03-05 10:20:00", promised="20个工作日"),
        id="cmp-k20-L2-on-workday-sunday",
    ),
    P(
        # L: 04-03 07* 08.
        Row(CMP, "2024-04-08 09:00", "2024-03-05", "2024-04-02", "open", "escalated", None, 3,
            accepted="2024-03-05 10:20:00", promised="20个工作日"),
        id="cmp-k20-L3-escalated",
    ),
    P(
        # L: 04-03 07* 08 09 10 11 12.
        Row(CMP, "2024-04-12 09:00", "2024-03-05", "2024-04-02", "open", "escalated", None, 7,
            accepted="2024-03-05 10:20:00", promised="20个工作日"),
        id="cmp-k20-L7-escalated",
    ),
    P(
        Row(CMP, "2024-04-10 09:00", "2024-03-05", "2024-04-02", "closed", "on_time", None, 0,
            accepted="2024-03-05 10:20:00", completed="2024-04-02 17:59:00",
            promised="20个工作日"),
        id="cmp-k20-closed-on-D",
    ),
    P(
        Row(CMP, "2024-04-10 09:00", "2024-03-05", "2024-04-02", "closed", "late", None, 1,
            accepted="2024-03-05 10:20:00", completed="2024-04-03 09:00:00",
            promised="20个工作日"),
        id="cmp-k20-closed-next-workday-L1",
    ),
    P(
        Row(CMP, "2024-04-10 09:00", "2024-03-05", "2024-04-02", "closed", "late", None, 2,
            accepted="2024-03-05 10:20:00", completed="2024-04-07 10:00:00",
            promised="20个工作日"),
        id="cmp-k20-closed-on-workday-sunday-L2",
    ),
    P(
        # Completed after `now`: open at `now`.
        Row(CMP, "2024-04-01 09:00", "2024-03-05", "2024-04-02", "open", "warning", 1, 0,
            accepted="2024-03-05 10:20:00", completed="2024-04-10 09:00:00",
            promised="20个工作日"),
        id="cmp-k20-closed-after-now-is-open",
    ),
    P(
        # 承诺 10 < 法定 20: the promised limit applies. 03-06 .. 03-19(10). R: 19.
        Row(CMP, "2024-03-18 09:00", "2024-03-05", "2024-03-19", "open", "warning", 1, 0,
            accepted="2024-03-05 10:20:00", promised="10个工作日", legal="20个工作日"),
        id="cmp-promised-before-legal",
    ),
    P(
        # Only 法定时限: 01-29 30 31 02-01 02(5) 04*(6) 05..09(11) 18*(12) 19..23(17)
        # 26 27 28(20).
        Row(CMP, "2024-02-28 09:00", "2024-01-26", "2024-02-28", "open", "warning", 0, 0,
            accepted="2024-01-26 09:00:00", legal="20个工作日"),
        id="cmp-legal-only-k20-2024-spring",
    ),
    P(
        # 2023-12-26..29(4) 2024-01-01 off, 02..05(8) 08..12(13) 15..19(18) 22(19) 23(20).
        Row(CMP, "2024-01-19 09:00", "2023-12-25", "2024-01-23", "open", "ok", 2, 0,
            accepted="2023-12-25 09:00:00", promised="20个工作日"),
        id="cmp-k20-over-2024-new-year",
    ),
    P(
        # 01-16 17(2) 20..24(7) 26*(8) 27(9) 02-05 06 07(12) 08*(13) 10..14(18) 17(19) 18(20).
        Row(CMP, "2025-02-17 09:00", "2025-01-15", "2025-02-18", "open", "warning", 1, 0,
            accepted="2025-01-15 09:00:00", promised="20个工作日"),
        id="cmp-k20-2025-spring-R1",
    ),
    P(
        # Mon 01-27; 02-05(1) 06(2) 07(3) 08*(4) 10(5). L: 11 12 13.
        Row(CMP, "2025-02-13 09:00", "2025-01-27", "2025-02-10", "open", "escalated", None, 3,
            accepted="2025-01-27 10:00:00", promised="5个工作日"),
        id="cmp-k5-2025-spring-L3-escalated",
    ),
    P(
        # 02-03..06(4) 09..13(9) 14*(10) 24..27(14) 28*(15) 03-02..06(20).
        Row(CMP, "2026-03-10 09:00", "2026-02-02", "2026-03-06", "closed", "on_time", None, 0,
            accepted="2026-02-02 09:00:00", completed="2026-03-06 16:00:00",
            promised="20个工作日"),
        id="cmp-k20-2026-spring-closed-on-D",
    ),
    P(
        # 09-23..26(4) 28*(5) 29 30(7) 10-09 10(9) 11*(10) 13..17(15) 20..24(20).
        Row(CMP, "2025-10-23 09:00", "2025-09-22", "2025-10-24", "open", "warning", 1, 0,
            accepted="2025-09-22 09:00:00", promised="20个工作日"),
        id="cmp-k20-2025-national-R1",
    ),
    P(
        # Wed 09-24; 25(1) 26(2) 28*(3). L: 29 30 (10-01..08 off).
        Row(CMP, "2025-10-08 09:00", "2025-09-24", "2025-09-28", "open", "overdue", None, 2,
            accepted="2025-09-24 09:00:00", promised="3个工作日"),
        id="cmp-k3-2025-national-L2-in-break",
    ),
    P(
        # Same; L: 29 30 10-09.
        Row(CMP, "2025-10-09 09:00", "2025-09-24", "2025-09-28", "open", "escalated", None, 3,
            accepted="2025-09-24 09:00:00", promised="3个工作日"),
        id="cmp-k3-2025-national-L3-after-break",
    ),
    P(
        # 2024 Mid-Autumn: Fri 09-13; 14*(1) 18(2) 19(3) 20(4) 23(5).
        Row(CMP, "2024-09-25 09:00", "2024-09-13", "2024-09-23", "closed", "late", None, 1,
            accepted="2024-09-13 09:00:00", completed="2024-09-24 10:00:00",
            promised="5个工作日"),
        id="cmp-k5-2024-mid-autumn-late",
    ),
    P(
        # 2026 New Year: Wed 2025-12-31; 01-04*(1) 05(2) 06(3). R: 05 06.
        Row(CMP, "2026-01-04 09:00", "2025-12-31", "2026-01-06", "open", "ok", 2, 0,
            accepted="2025-12-31 09:00:00", promised="3个工作日"),
        id="cmp-k3-2026-new-year",
    ),
    P(
        # A bare "3" is working days: Fri 05-10; 11*(1) 13(2) 14(3).
        Row(CMP, "2024-05-13 09:00", "2024-05-10", "2024-05-14", "open", "warning", 1, 0,
            accepted="2024-05-10 09:00:00", promised="3"),
        id="cmp-bare-number-is-workdays",
    ),
    P(
        # k = 1: Fri 02-09 -> 02-18*, the 调休 Sunday after the 2024 break.
        Row(CMP, "2024-02-18 09:00", "2024-02-09", "2024-02-18", "open", "warning", 0, 0,
            accepted="2024-02-09 15:00:00", promised="1个工作日"),
        id="cmp-k1-2024-spring-R0",
    ),
    P(
        Row(CMP, "2024-02-19 09:00", "2024-02-09", "2024-02-18", "open", "overdue", None, 1,
            accepted="2024-02-09 15:00:00", promised="1个工作日"),
        id="cmp-k1-2024-spring-L1",
    ),
    P(
        # D Fri 03-08 (04..08); T = Sat 03-09 > D with no working day late yet.
        Row(CMP, "2024-03-09 09:00", "2024-03-01", "2024-03-08", "open", "overdue", None, 0,
            accepted="2024-03-01 10:00:00", promised="5个工作日"),
        id="cmp-k5-past-D-on-weekend-L0",
    ),
    P(
        # Completed on Saturday 03-09, a date after D: late, though L = 0.
        Row(CMP, "2024-03-11 09:00", "2024-03-01", "2024-03-08", "closed", "late", None, 0,
            accepted="2024-03-01 10:00:00", completed="2024-03-09 11:00:00",
            promised="5个工作日"),
        id="cmp-k5-closed-on-weekend-after-D",
    ),
    # --- 即办 (k = 0)
    P(
        Row(CMP, "2024-03-06 17:00", "2024-03-06", "2024-03-06", "open", "warning", 0, 0,
            accepted="2024-03-06 09:30:00", promised="即办"),
        id="cmp-k0-S-workday",
    ),
    P(
        # Sat 03-09 -> Mon 03-11. L: 12.
        Row(CMP, "2024-03-12 09:00", "2024-03-09", "2024-03-11", "open", "overdue", None, 1,
            accepted="2024-03-09 10:00:00", promised="即办"),
        id="cmp-k0-S-saturday-L1",
    ),
    P(
        # 2025-10-03 in the break -> 10-09.
        Row(CMP, "2025-10-10 09:00", "2025-10-03", "2025-10-09", "closed", "on_time", None, 0,
            accepted="2025-10-03 10:00:00", completed="2025-10-09 10:00:00", promised="即办"),
        id="cmp-k0-S-holiday-on-time",
    ),
    P(
        # S = 2026-02-14*, a working Saturday: D = S. Completed 02-24: L 24 (15..23 off).
        Row(CMP, "2026-02-25 09:00", "2026-02-14", "2026-02-14", "closed", "late", None, 1,
            accepted="2026-02-14 10:00:00", completed="2026-02-24 09:00:00", promised="即办"),
        id="cmp-k0-S-workday-saturday-late",
    ),
    # --- natural days (自然日)
    P(
        # 02-05 + 15 = 02-20, in the 2026 break -> 24. L: 25 26.
        Row(CMP, "2026-02-26 09:00", "2026-02-05", "2026-02-24", "open", "overdue", None, 2,
            accepted="2026-02-05 10:00:00", promised="15自然日"),
        id="cmp-natural-ends-2026-spring",
    ),
    P(
        # 2026-01-19 + 30 = 02-18, in the break -> 24. L: 25 26 27 28* 03-02.
        Row(CMP, "2026-03-02 09:00", "2026-01-19", "2026-02-24", "open", "escalated", None, 5,
            accepted="2026-01-19 10:00:00", promised="30自然日"),
        id="cmp-natural-30-ends-2026-spring-L5",
    ),
    P(
        # 2025-09-26 + 7 = 10-03, in the break -> 10-09.
        Row(CMP, "2025-10-15 09:00", "2025-09-26", "2025-10-09", "closed", "on_time", None, 0,
            accepted="2025-09-26 10:00:00", completed="2025-10-09 11:00:00",
            promised="7自然日"),
        id="cmp-natural-ends-2025-national-on-D",
    ),
    P(
        Row(CMP, "2025-10-15 09:00", "2025-09-26", "2025-10-09", "closed", "late", None, 1,
            accepted="2025-09-26 10:00:00", completed="2025-10-10 11:00:00",
            promised="7自然日"),
        id="cmp-natural-ends-2025-national-late-L1",
    ),
    P(
        # 03-01 + 15 = Sat 03-16 -> Mon 18. R: 18.
        Row(CMP, "2024-03-15 09:00", "2024-03-01", "2024-03-18", "open", "warning", 1, 0,
            accepted="2024-03-01 10:00:00", promised="15自然日"),
        id="cmp-natural-ends-weekend",
    ),
    P(
        # 01-25 + 10 = 02-04*, a working Sunday: stays. R: 02 04*.
        Row(CMP, "2024-02-01 09:00", "2024-01-25", "2024-02-04", "open", "ok", 2, 0,
            accepted="2024-01-25 10:00:00", promised="10自然日"),
        id="cmp-natural-ends-on-workday-sunday",
    ),
    P(
        # S in the break: 10-01 + 5 = 10-06 (off), 07 (off) -> 08.
        Row(CMP, "2024-10-08 09:00", "2024-10-01", "2024-10-08", "open", "warning", 0, 0,
            accepted="2024-10-01 10:00:00", promised="5自然日"),
        id="cmp-natural-S-holiday",
    ),
    # --- suspensions (特别程序) as suspended_days
    P(
        # 20 + 3 = 23: .. 04-02(20) 03(21) 07*(22) 08(23). R: 07* 08. Unsuspended: overdue.
        Row(CMP, "2024-04-03 09:00", "2024-03-05", "2024-04-08", "open", "ok", 2, 0,
            accepted="2024-03-05 10:20:00", promised="20个工作日", suspended="3"),
        id="cmp-suspended-days-3-workdays",
    ),
    P(
        # Natural: 09-19 + 10 + 2 = 10-01 -> 10-09. R: 10-09.
        Row(CMP, "2025-09-30 09:00", "2025-09-19", "2025-10-09", "open", "warning", 1, 0,
            accepted="2025-09-19 10:00:00", promised="10自然日", suspended="2"),
        id="cmp-suspended-days-natural",
    ),
    P(
        # 即办 on Sat 03-09 is due Mon 03-11; 2 suspended working days move it to 12(1) 13(2).
        Row(CMP, "2024-03-12 09:00", "2024-03-09", "2024-03-13", "open", "warning", 1, 0,
            accepted="2024-03-09 10:00:00", promised="即办", suspended="2"),
        id="cmp-suspended-days-k0-S-saturday",
    ),
    P(
        # 即办 on Wed 03-06 is due 03-06; 1 suspended working day: 07.
        Row(CMP, "2024-03-07 09:00", "2024-03-06", "2024-03-07", "open", "warning", 0, 0,
            accepted="2024-03-06 10:00:00", promised="即办", suspended="1"),
        id="cmp-suspended-days-k0-S-workday",
    ),
    # --- suspensions as intervals: working days d with start < d <= end
    P(
        # (05-08, 05-13]: 09 10 11* 13 = 4. 10 + 4 = 14: 07..10(4) 11*(5) 13..17(10)
        # 20..23(14). R: 21 22 23.
        Row(CMP, "2024-05-20 09:00", "2024-05-06", "2024-05-23", "open", "ok", 3, 0,
            accepted="2024-05-06 09:00:00", promised="10个工作日",
            intervals=(("2024-05-08 09:00", "2024-05-13 17:00"),)),
        id="cmp-interval-workdays",
    ),
    P(
        # (05-07, 05-08]: 08 = 1; (05-10, 05-13]: 11* 13 = 2. 10 + 3 = 13: .. 17(10)
        # 20 21 22(13). L: 23.
        Row(CMP, "2024-05-23 09:00", "2024-05-06", "2024-05-22", "open", "overdue", None, 1,
            accepted="2024-05-06 09:00:00", promised="10个工作日",
            intervals=(("2024-05-07 10:00", "2024-05-08 10:00"),
                       ("2024-05-10 09:00", "2024-05-13 09:00"))),
        id="cmp-two-intervals",
    ),
    P(
        # (09-27, 10-09]: 29* 30 10-08 09 = 4. 20 + 4 = 24: 24..27(4) 29*(5) 30(6)
        # 10-08..11(10) 12*(11) 14..18(16) 21..25(21) 28 29 30(24). R: 29 30.
        Row(CMP, "2024-10-28 09:00", "2024-09-23", "2024-10-30", "open", "ok", 2, 0,
            accepted="2024-09-23 09:00:00", promised="20个工作日",
            intervals=(("2024-09-27 00:00", "2024-10-09 00:00"),)),
        id="cmp-interval-over-2024-national-day",
    ),
    P(
        # Natural: (09-12, 09-18] = 6 days. 09-10 + 15 + 6 = 10-01 -> 10-08. R: 08.
        Row(CMP, "2024-09-30 09:00", "2024-09-10", "2024-10-08", "open", "warning", 1, 0,
            accepted="2024-09-10 10:00:00", promised="15自然日",
            intervals=(("2024-09-12 09:00", "2024-09-18 09:00"),)),
        id="cmp-interval-natural",
    ),
    # --- intervals seen at a past now (--at): only their part before now counts (issue 10)
    P(
        # The interval (05-08 09:00, 05-13 17:00] has not started at 05-07 17:00: nothing is
        # suspended yet. 10: 07 08 09 10 11*(5) 13..17(10). R: 08 09 10 11* 13..17 = 9.
        Row(CMP, "2024-05-07 17:00", "2024-05-06", "2024-05-17", "open", "ok", 9, 0,
            accepted="2024-05-06 09:00:00", promised="10个工作日",
            intervals=(("2024-05-08 09:00", "2024-05-13 17:00"),)),
        id="cmp-interval-starts-after-now",
    ),
    P(
        # Still suspended at Fri 05-10 12:00: counted up to now, (05-08, 05-10]: 09 10 = 2.
        # 10 + 2 = 12: .. 17(10) 20(11) 21(12). R: 11* 13 14 15 16 17 20 21 = 8.
        Row(CMP, "2024-05-10 12:00", "2024-05-06", "2024-05-21", "open", "ok", 8, 0,
            accepted="2024-05-06 09:00:00", promised="10个工作日",
            intervals=(("2024-05-08 09:00", "2024-05-13 17:00"),)),
        id="cmp-interval-open-at-now",
    ),
    P(
        # Two intervals, the second after now (Mon 05-13 08:00): only (05-07, 05-08] = 08
        # counts. 10 + 1 = 11: .. 17(10) 20(11). R: 14..17 20 = 5.
        Row(CMP, "2024-05-13 08:00", "2024-05-06", "2024-05-20", "open", "ok", 5, 0,
            accepted="2024-05-06 09:00:00", promised="10个工作日",
            intervals=(("2024-05-07 10:00", "2024-05-08 10:00"),
                       ("2024-05-13 09:00", "2024-05-15 09:00"))),
        id="cmp-interval-one-before-one-after-now",
    ),
    P(
        # Natural days, still suspended at Sat 09-14 10:00 (a 调休 working day): (09-12,
        # 09-14] = 2 days. 09-10 + 15 + 2 = 09-27 (Fri). R: 14* is T; 15..17 off (中秋);
        # 18 19 20 23 24 25 26 27 = 8. (Counted to its end, 6 days: D would be 10-08.)
        Row(CMP, "2024-09-14 10:00", "2024-09-10", "2024-09-27", "open", "ok", 8, 0,
            accepted="2024-09-10 10:00:00", promised="15自然日",
            intervals=(("2024-09-12 09:00", "2024-09-18 09:00"),)),
        id="cmp-interval-natural-open-at-now",
    ),
    # --- status
    P(
        # 撤件 after acceptance: completion closed at the withdrawal, before D 04-02.
        Row(CMP, "2024-04-10 09:00", "2024-03-05", "2024-04-02", "closed", "on_time", None, 0,
            accepted="2024-03-05 10:20:00", completed="2024-03-20 10:00:00",
            promised="20个工作日", status="撤件"),
        id="cmp-withdrawn-after-acceptance",
    ),
    P(
        Row(CMP, "2024-03-06 09:00", "2024-03-05", "2024-04-02", "open", "ok", 19, 0,
            submitted="2024-03-04 16:00:00", accepted="2024-03-05 10:20:00",
            promised="20个工作日", status="已受理"),
        id="cmp-accepted-status",
    ),
]  # fmt: skip

ROWS = ACCEPTANCE_ROWS + COMPLETION_ROWS


def run_row(row: Row, calendar: WorkingCalendar) -> Evaluation:
    suspensions = None
    if row.intervals:
        suspensions = intervals_frame(*(("C1", a, b) for a, b in row.intervals))
    return evaluate(
        cases_frame(row.record()),
        calendar,
        at(row.now),
        RuleSettings(),
        suspensions=suspensions,
    )


def test_table_is_big_enough() -> None:
    assert len(ROWS) >= 60
    ids = [p.id for p in ROWS]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("row", ROWS)
def test_obligation_table(row: Row, cal: WorkingCalendar) -> None:
    ev = run_row(row, cal)
    assert observed(one(ev, "C1", row.obligation)) == row.expected()
    assert not ev.estimated
    # (An accepted case in an acceptance row may lack a completion limit: not this test's.)
    assert ev.problems[ev.problems["obligation"] == row.obligation].empty


# ---------------------------------------------------------------- obligations a case has


def test_rejected_and_unaccepted_cases_have_no_completion(cal: WorkingCalendar) -> None:
    cases = cases_frame(
        {"case_id": "REJ", "status": "不予受理", "submitted_at": "2024-03-05 09:00:00",
         "accepted_at": "2024-03-07 10:00:00", "promised_limit": "20个工作日"},
        {"case_id": "PEND", "status": "待受理", "submitted_at": "2024-03-05 09:00:00",
         "promised_limit": "20个工作日"},
        {"case_id": "WD", "status": "撤件", "submitted_at": "2024-03-05 09:00:00",
         "completed_at": "2024-03-06 09:00:00", "promised_limit": "20个工作日"},
    )  # fmt: skip
    ev = evaluate(cases, cal, at("2024-03-20 09:00"))
    got = sorted(zip(ev.table["case_id"], ev.table["obligation"].astype(str), strict=True))
    assert got == [("PEND", ACC), ("REJ", ACC), ("WD", ACC)]
    assert ev.problems.empty


# ---------------------------------------------------------------- thresholds

# 20 working days from Tue 2024-03-05: D = 04-02 (see the table). Used working days since S:
# by 03-18 06 07 08 11..15 18 = 9 (9/20 = 0.45), by 03-19 10 (0.5).
TWENTY = {
    "submitted_at": "2024-03-05 10:20:00",
    "accepted_at": "2024-03-05 10:20:00",
    "promised_limit": "20个工作日",
}


@pytest.mark.parametrize(
    ("now", "level", "R"),
    [
        P("2024-03-18 09:00", "ok", 11, id="share-0.45-ok"),
        P("2024-03-19 09:00", "warning", 10, id="share-0.5-warning"),
    ],
)
def test_warn_ratio(now: str, level: str, R: int, cal: WorkingCalendar) -> None:
    settings = RuleSettings(thresholds=Thresholds(warn_ratio=0.5))
    ev = evaluate(cases_frame(TWENTY), cal, at(now), settings)
    row = one(ev, "C1", CMP)
    assert (row["level"], row["remaining_workdays"]) == (level, R)


def test_warn_ratio_off_by_default(cal: WorkingCalendar) -> None:
    # At 03-29 18 of 20 working days are used (0.9), R = 2: ok without a ratio.
    row = one(evaluate(cases_frame(TWENTY), cal, at("2024-03-29 09:00")), "C1", CMP)
    assert (row["level"], row["remaining_workdays"]) == ("ok", 2)


def test_warn_ratio_only_where_k_at_least_1(cal: WorkingCalendar) -> None:
    """即办 (k = 0) has no elapsed share: even a catalogue ratio of 0 (which the catalogue
    accepts, and which puts every k ≥ 1 case at warning) leaves it to warn_before_days."""
    cases = cases_frame(
        # 即办 on Sat 03-09: D = Mon 03-11, R = 1 on 03-09.
        {"case_id": "K0", "item_code": "Z", "submitted_at": "2024-03-09 10:00:00",
         "accepted_at": "2024-03-09 10:00:00", "promised_limit": "即办"},
        # 20 working days: at 03-09 used 06 07 08 = 3 (0.15), R = 17.
        {"case_id": "K20", "item_code": "Z", **TWENTY},
    )  # fmt: skip
    catalogue = catalogue_frame({"item_code": "Z", "warn_ratio": "0"})
    settings = RuleSettings(thresholds=Thresholds(warn_before_days=0))
    ev = evaluate(cases, cal, at("2024-03-09 12:00"), settings, catalogue)
    k0, k20 = one(ev, "K0", CMP), one(ev, "K20", CMP)
    assert (k0["level"], k0["remaining_workdays"]) == ("ok", 1)
    assert (k20["level"], k20["remaining_workdays"]) == ("warning", 17)


# Overrides: 县人社局 warns 3 days ahead and escalates after 4; item A (config) warns 2 ahead
# and escalates after 3, item F (config) warns 4 ahead; the catalogue has item C warning 3
# ahead, item D warning 0 ahead, item E warning 1 ahead (E also in config, warning 5 ahead).
DEPARTMENTS = {"县人社局": {"warn_before_days": 3, "escalate_after_days": 4}}
ITEMS = {
    "A": {"warn_before_days": 2, "escalate_after_days": 3},
    "F": {"warn_before_days": 4},
    "E": {"warn_before_days": 5},
}
THRESHOLD_CASES = [
    # case_id, department, item, level at 03-28 (R = 03-29 04-01 04-02 = 3), level at 04-08
    # (L = 04-03 07* 08 = 3).
    ("GLOBAL", "县民政局", "B", "ok", "escalated"),  # global: warn 1, escalate 3
    ("DEPT", "县人社局", "B", "warning", "overdue"),  # department: 3, 4
    ("ITEM-OVER-DEPT", "县人社局", "A", "ok", "escalated"),  # item A beats the department
    ("ITEM-OVER-GLOBAL", "县民政局", "F", "warning", "escalated"),  # F: 4; escalate global
    ("CAT-OVER-GLOBAL", "县民政局", "C", "warning", "escalated"),  # catalogue C: 3
    ("CAT-OVER-DEPT", "县人社局", "D", "ok", "overdue"),  # catalogue D: 0; escalate dept 4
    ("CAT-OVER-CONFIG", "县民政局", "E", "ok", "escalated"),  # catalogue E 1 beats config 5
]


@pytest.mark.parametrize(
    ("now", "column", "R", "L"),
    [("2024-03-28 09:00", 3, 3, 0), ("2024-04-08 09:00", 4, None, 3)],
    ids=["warn_before_days", "escalate_after_days"],
)
def test_threshold_precedence(
    now: str, column: int, R: int | None, L: int, cal: WorkingCalendar
) -> None:
    cases = cases_frame(
        *({**TWENTY, "case_id": c, "department": d, "item_code": i} for c, d, i, *_ in
          THRESHOLD_CASES)
    )  # fmt: skip
    catalogue = catalogue_frame(
        {"item_code": "C", "warn_before_days": "3"},
        {"item_code": "D", "warn_before_days": "0"},
        {"item_code": "E", "warn_before_days": "1"},
    )
    settings = RuleSettings(department_thresholds=DEPARTMENTS, item_thresholds=ITEMS)
    ev = evaluate(cases, cal, at(now), settings, catalogue)
    for case in THRESHOLD_CASES:
        row = one(ev, case[0], CMP)
        r = row["remaining_workdays"]
        got = (row["level"], None if pd.isna(r) else int(r), int(row["late_workdays"]))
        assert got == (case[column], R, L), case[0]


def test_department_warn_ratio_override(cal: WorkingCalendar) -> None:
    # At 03-19, 10 of 20 working days used (0.5); only 县人社局 has a ratio.
    cases = cases_frame(
        {**TWENTY, "case_id": "RATIO", "department": "县人社局"},
        {**TWENTY, "case_id": "NONE", "department": "县民政局"},
    )
    settings = RuleSettings(department_thresholds={"县人社局": {"warn_ratio": 0.5}})
    ev = evaluate(cases, cal, at("2024-03-19 09:00"), settings)
    assert one(ev, "RATIO", CMP)["level"] == "warning"
    assert one(ev, "NONE", CMP)["level"] == "ok"


# ---------------------------------------------------------------- limits


def test_catalogue_limits(cal: WorkingCalendar) -> None:
    catalogue = catalogue_frame(
        {"item_code": "A", "acceptance_limit": "3个工作日", "promised_limit": "10个工作日"},
        {"item_code": "Z", "acceptance_limit": "即办", "promised_limit": ""},
        {"item_code": "N", "acceptance_limit": "10自然日", "promised_limit": ""},
    )
    cases = cases_frame(
        # Tue 03-05, 3 working days: 06 07 08. Completion: the item's 10 working days,
        # 06 07 08 11..15 18 19.
        {"case_id": "CA", "item_code": "A", "submitted_at": "2024-03-05 10:00:00",
         "accepted_at": "2024-03-05 10:30:00"},
        # 即办 on Sat 03-09: Mon 03-11.
        {"case_id": "CZ", "item_code": "Z", "submitted_at": "2024-03-09 10:00:00"},
        # 03-05 + 10 natural days = Fri 03-15.
        {"case_id": "CN", "item_code": "N", "submitted_at": "2024-03-05 10:00:00"},
        # Not in the catalogue: the default 5 working days, 03-12.
        {"case_id": "CX", "item_code": "X", "submitted_at": "2024-03-05 10:00:00"},
    )  # fmt: skip
    # At a time when all four cases exist (CZ is submitted on 03-09).
    ev = evaluate(cases, cal, at("2024-03-11 09:00"), catalogue=catalogue)
    got = {
        (r.case_id, str(r.obligation)): (r.limit, str(r.unit), day(r.deadline))
        for r in ev.table.itertuples()
    }
    assert got == {
        ("CA", ACC): (3.0, "workday", "2024-03-08"),
        ("CA", CMP): (10.0, "workday", "2024-03-19"),
        ("CZ", ACC): (0.0, "workday", "2024-03-11"),
        ("CN", ACC): (10.0, "natural", "2024-03-15"),
        ("CX", ACC): (5.0, "workday", "2024-03-12"),
    }
    assert ev.problems.empty


def test_acceptance_limit_setting(cal: WorkingCalendar) -> None:
    # acceptance_limit = 2: Tue 03-05 -> 06 07.
    cases = cases_frame({"submitted_at": "2024-03-05 10:00:00"})
    ev = evaluate(cases, cal, at("2024-03-06 09:00"), RuleSettings(acceptance_limit=2))
    row = one(ev, "C1", ACC)
    assert (day(row["deadline"]), row["level"], row["remaining_workdays"]) == (
        "2024-03-07",
        "warning",
        1,
    )


def test_completion_limit_precedence(cal: WorkingCalendar) -> None:
    """Case promised → catalogue promised → case legal → catalogue legal (DOMAIN.md §3)."""
    catalogue = catalogue_frame(
        {"item_code": "P", "promised_limit": "10自然日", "legal_limit": "15个工作日"},
        {"item_code": "L", "promised_limit": "", "legal_limit": "15个工作日"},
    )
    accepted = {"submitted_at": "2024-03-05 10:20:00", "accepted_at": "2024-03-05 10:20:00"}
    cases = cases_frame(
        {**accepted, "case_id": "CASE-PROMISED", "item_code": "P",
         "promised_limit": "3个工作日", "legal_limit": "20个工作日"},
        {**accepted, "case_id": "CAT-PROMISED", "item_code": "P", "legal_limit": "20个工作日"},
        {**accepted, "case_id": "CASE-LEGAL", "item_code": "L", "legal_limit": "20个工作日"},
        {**accepted, "case_id": "CAT-LEGAL", "item_code": "L"},
    )  # fmt: skip
    # At a time when all four cases exist (CZ is submitted on 03-09).
    ev = evaluate(cases, cal, at("2024-03-11 09:00"), catalogue=catalogue)
    got = {
        c: (
            one(ev, c, CMP)["limit"],
            str(one(ev, c, CMP)["unit"]),
            day(one(ev, c, CMP)["deadline"]),
        )
        for c in ("CASE-PROMISED", "CAT-PROMISED", "CASE-LEGAL", "CAT-LEGAL")
    }
    assert got == {
        "CASE-PROMISED": (3.0, "workday", "2024-03-08"),  # 06 07 08
        "CAT-PROMISED": (10.0, "natural", "2024-03-15"),  # 03-05 + 10, a Friday
        "CASE-LEGAL": (20.0, "workday", "2024-04-02"),  # see the table
        "CAT-LEGAL": (15.0, "workday", "2024-03-26"),  # 06 07 08 11..15 18..22 25 26
    }
    assert ev.problems.empty


def test_no_limit_is_a_problem_not_a_guess(cal: WorkingCalendar) -> None:
    catalogue = catalogue_frame({"item_code": "A", "promised_limit": "10个工作日"})
    cases = cases_frame(
        {"case_id": "NOLIM", "item_code": "X", "submitted_at": "2024-03-05 10:00:00",
         "accepted_at": "2024-03-05 11:00:00"},
        {"case_id": "OK", "item_code": "A", "submitted_at": "2024-03-05 10:00:00",
         "accepted_at": "2024-03-05 11:00:00"},
    )  # fmt: skip
    ev = evaluate(cases, cal, at("2024-03-06 09:00"), catalogue=catalogue)
    got = sorted(zip(ev.table["case_id"], ev.table["obligation"].astype(str), strict=True))
    assert got == [("NOLIM", ACC), ("OK", ACC), ("OK", CMP)]
    assert len(ev.problems) == 1
    problem = ev.problems.iloc[0]
    assert (problem["case_id"], problem["obligation"]) == ("NOLIM", CMP)
    assert problem["reason"].startswith("no time limit")


def test_promised_over_legal_is_flagged_and_still_evaluated(cal: WorkingCalendar) -> None:
    cases = cases_frame(
        {"case_id": "OVER", "submitted_at": "2024-03-05 10:20:00",
         "accepted_at": "2024-03-05 10:20:00", "promised_limit": "30个工作日",
         "legal_limit": "20个工作日"},
    )  # fmt: skip
    ev = evaluate(cases, cal, at("2024-03-06 09:00"))
    # 30 working days: .. 04-02(20) 03(21) 07*(22) 08..12(27) 15 16 17(30).
    row = one(ev, "OVER", CMP)
    assert (row["limit"], day(row["deadline"]), row["level"]) == (30.0, "2024-04-17", "ok")
    assert len(ev.problems) == 1
    problem = ev.problems.iloc[0]
    assert (problem["case_id"], problem["obligation"]) == ("OVER", CMP)
    assert problem["reason"].startswith("promised limit exceeds the legal limit")
    assert problem["value"] == "30 > 20"


# ---------------------------------------------------------------- suspension intervals


def test_intervals_replace_suspended_days_of_their_case_only(cal: WorkingCalendar) -> None:
    """A case with intervals takes their days instead of its ``suspended_days``; a case
    without intervals keeps its ``suspended_days``; acceptance is never suspended."""
    accepted = {
        "submitted_at": "2024-05-06 09:00:00",
        "accepted_at": "2024-05-06 09:00:00",
        "promised_limit": "10个工作日",
        "suspended_days": "5",
    }
    cases = cases_frame({**accepted, "case_id": "IV"}, {**accepted, "case_id": "DAYS"})
    # (05-08, 05-13]: 09 10 11* 13 = 4.
    suspensions = intervals_frame(("IV", "2024-05-08 09:00", "2024-05-13 17:00"))
    # At 05-14, after the interval (issue 10: an interval after now does not count yet).
    ev = evaluate(cases, cal, at("2024-05-14 09:00"), suspensions=suspensions)
    iv, days = one(ev, "IV", CMP), one(ev, "DAYS", CMP)
    # 10 + 4 = 14: 07..10(4) 11*(5) 13..17(10) 20..23(14).
    assert (iv["suspended"], day(iv["deadline"])) == (4.0, "2024-05-23")
    # 10 + 5 = 15: .. 23(14) 24(15).
    assert (days["suspended"], day(days["deadline"])) == (5.0, "2024-05-24")
    assert one(ev, "IV", ACC)["suspended"] == 0.0


# ---------------------------------------------------------------- estimated years


def test_estimated_year_is_marked(cal: WorkingCalendar) -> None:
    cal27 = WorkingCalendar.china(2023, 2027, allow_estimated=True)
    cases = cases_frame(
        {"submitted_at": "2026-12-14 09:00:00", "accepted_at": "2026-12-15 09:00:00",
         "promised_limit": "20个工作日"},
    )  # fmt: skip
    ev = evaluate(cases, cal27, at("2026-12-20 10:00"))
    # Acceptance: Mon 12-14; 15 16 17 18 21, all in 2026.
    acc = one(ev, "C1", ACC)
    assert (day(acc["deadline"]), acc["level"], acc["estimated_calendar"]) == (
        "2026-12-21",
        "on_time",
        False,
    )
    # Completion: 12-16 17 18(3) 21..25(8) 28..31(12), 2027-01-01 off (the estimate's New
    # Year), 04..08(17) 11 12 13(20). R on Sun 12-20: 20 - 3 = 17.
    cmp = one(ev, "C1", CMP)
    assert (day(cmp["deadline"]), cmp["remaining_workdays"], cmp["estimated_calendar"]) == (
        "2027-01-13",
        17,
        True,
    )
    assert ev.estimated


def test_unpublished_year_is_an_error() -> None:
    cal27 = WorkingCalendar.china(2023, 2027)
    cases = cases_frame(
        {"submitted_at": "2026-12-14 09:00:00", "accepted_at": "2026-12-15 09:00:00",
         "promised_limit": "20个工作日"},
    )  # fmt: skip
    with pytest.raises(UnknownYearError, match="2027") as err:
        evaluate(cases, cal27, at("2026-12-20 10:00"))
    assert err.value.year == 2027


# ---------------------------------------------------------------- ordering


def test_most_urgent_first(cal: WorkingCalendar) -> None:
    # All accepted Tue 2024-03-05; at Fri 03-15. Deadlines by limit (working days):
    # 1 -> 03-06, 3 -> 03-08, 5 -> 03-12, 6 -> 03-13, 7 -> 03-14, 8 -> 03-15, 9 -> 03-18,
    # 10 -> 03-19, 14 -> 03-25.
    specs = [
        ("K-6", "14", "", "ok", 6, 0),  # R: 18..22 25
        ("W-1", "9", "", "warning", 1, 0),
        ("LATE", "1", "2024-03-08 10:00:00", "late", None, 2),  # 07 08
        ("E-5", "3", "", "escalated", None, 5),  # 11..15
        ("O-1", "7", "", "overdue", None, 1),
        ("ONTIME", "5", "2024-03-08 10:00:00", "on_time", None, 0),
        ("W-0", "8", "", "warning", 0, 0),
        ("E-7", "1", "", "escalated", None, 7),  # 07 08 11..15
        ("O-2", "6", "", "overdue", None, 2),
        ("K-2", "10", "", "ok", 2, 0),
    ]
    cases = cases_frame(
        *({"case_id": c, "submitted_at": "2024-03-05 10:20:00",
           "accepted_at": "2024-03-05 10:20:00", "completed_at": done,
           "promised_limit": f"{k}个工作日"} for c, k, done, *_ in specs)
    )  # fmt: skip
    ev = evaluate(cases, cal, at("2024-03-15 09:00"))
    table = ev.table[ev.table["obligation"] == CMP]
    ordered = most_urgent_first(table)
    got = [
        (r.case_id, r.level, None if pd.isna(r.remaining_workdays) else r.remaining_workdays,
         r.late_workdays)
        for r in ordered.itertuples()
    ]  # fmt: skip
    assert got == [
        ("E-7", "escalated", None, 7),
        ("E-5", "escalated", None, 5),
        ("O-2", "overdue", None, 2),
        ("O-1", "overdue", None, 1),
        ("W-0", "warning", 0, 0),
        ("W-1", "warning", 1, 0),
        ("K-2", "ok", 2, 0),
        ("K-6", "ok", 6, 0),
        ("LATE", "late", None, 2),
        ("ONTIME", "on_time", None, 0),
    ]
    assert sorted(got) == sorted((c, lv, r, lt) for c, _, _, lv, r, lt in specs)
    # Acceptance rows (all accepted on S, due 03-12) are on time: after every open row and
    # the late one, with the other on-time rows.
    whole = most_urgent_first(ev.table)
    assert list(whole["case_id"][:9]) == [g[0] for g in got[:9]]
    assert set(whole["level"][9:]) == {"on_time"}


# ---------------------------------------------------------------- replaying the past


def test_replay_sees_only_what_had_happened_at_now(cal: WorkingCalendar) -> None:
    cases = cases_frame(
        # Submitted Tue 03-05, accepted Thu 03-07, completed Mon 03-11.
        {"case_id": "PAST", "submitted_at": "2024-03-05 10:00:00",
         "accepted_at": "2024-03-07 10:00:00", "completed_at": "2024-03-11 10:00:00",
         "promised_limit": "5个工作日", "status": "已办结"},
        # Submitted after now: it does not exist yet.
        {"case_id": "FUTURE", "submitted_at": "2024-03-08 10:00:00"},
        # Refused (不予受理) on 03-07: at 03-06 it was simply waiting for acceptance.
        {"case_id": "REFUSED", "submitted_at": "2024-03-05 09:00:00",
         "accepted_at": "2024-03-07 09:00:00", "status": "不予受理"},
    )  # fmt: skip
    ev = evaluate(cases, cal, at("2024-03-06 17:00"))
    got = {
        (r.case_id, str(r.obligation)): (str(r.state), str(r.level)) for r in ev.table.itertuples()
    }
    # Acceptance deadline 5 working days after 03-05: 06 07 08 11 12 → D = 03-12, R at 03-06
    # = 07 08 11 12 = 4 → ok. No completion yet: PAST was accepted only on 03-07.
    assert got == {
        ("PAST", ACC): ("open", "ok"),
        ("REFUSED", ACC): ("open", "ok"),
    }


def test_withdrawn_or_refused_without_a_time_is_a_data_problem(cal: WorkingCalendar) -> None:
    cases = cases_frame(
        {"case_id": "W", "submitted_at": "2024-03-05 10:00:00", "status": "撤件"},
        {"case_id": "R", "submitted_at": "2024-03-05 10:00:00", "status": "不予受理"},
        {"case_id": "OK", "submitted_at": "2024-03-05 10:00:00", "status": "撤件",
         "completed_at": "2024-03-06 10:00:00"},
    )  # fmt: skip
    ev = evaluate(cases, cal, at("2024-03-20 09:00"))
    assert set(ev.table["case_id"]) == {"OK"}
    listed = ev.problems[ev.problems["reason"].str.startswith("withdrawn (撤件) or refused")]
    assert sorted(listed["case_id"]) == ["R", "W"]
    # OK: withdrawn on 03-06, before its acceptance deadline 03-12: closed on time.
    assert one(ev, "OK", ACC)["level"] == "on_time"


def test_of_cases_keeps_the_obligations_of_the_kept_cases_renumbered() -> None:
    table = pd.DataFrame({"case_id": ["A", "A", "B", "C", "C"], "estimated_calendar": False})
    problems = pd.DataFrame({"case_id": ["D"]})
    evaluation = Evaluation(table, problems, np.array([0, 0, 1, 2, 2]))
    kept = evaluation.of_cases(np.array([True, False, True]))
    assert kept.table["case_id"].tolist() == ["A", "A", "C", "C"]
    assert kept.case_rows.tolist() == [0, 0, 1, 1]  # C is the second kept case
    assert kept.problems is problems
