"""The answer loop's figures in the period report (预警处理反馈, issue 11): 预警响应率, 平均响应
时长, 超期件说明率, 超期说明通过率, from a ledger built by hand on every backend, through the
report job into P.json, P.html and P.xlsx, and into the ranking (红黑榜).

2025 schedule (checked with ``chinese_calendar`` in
``tests/monitor/test_reports.py::test_schedule_agrees_with_chinese_calendar``): Qingming
04-04..06 off; Sun 04-27 a working day (调休); May Day 05-01..05-05 off; 05-06 (Tue) the first
working day after it. "(a, b]" counts the working days after a up to b. The report is made
at Tue 06-10 09:00 (``NOW``); alert runs on 03-31 23:00, 04-01 09:00 and 04-30 10:00 make
the ledger cover March (partly) and April (wholly); none ran in May.

Warnings first seen in April and sent out (N = 2 unless said; "c" = (S, r], S the day first
seen, r the day of the first answer; in time when c < N, or c = N on a working day):

- A1 市场监管 completion, seen Wed 04-30: answered on its page Wed 05-07: c = 05-06 05-07 = 2,
  in time (with N = 1: late). A calendar without May Day would give c = 5.
- A2 市场监管 acceptance, seen Wed 04-30: `monitor ack` of both obligations Thu 05-08: c = 3,
  late; a later page answer (05-09) gives the 超期原因, accepted by the office on 05-12.
- A3 市场监管 completion, seen Mon 04-28: an ack of its *acceptance* on 04-28 does not count;
  answered Sat 05-03 (a holiday): c = 04-29 04-30 = 2 = N, but not on a working day (W2 =
  04-30): late. 超期原因 given twice (returned, then submitted): explained, not accepted.
- A4 市场监管 completion, seen Tue 04-29, answered the same day: c = 0, in time.
- A5 市场监管 acceptance, seen Fri 04-25, never sent out (silenced): not counted.
- A6 市场监管 completion, seen Mon 03-31 23:00 (March), overdue then, never answered.
- B1 公安 completion, seen Fri 04-25, escalated that day; an ack on 06-11, after the report
  was made: not answered, not explained.
- B2 公安 acceptance, seen Fri 04-25, answered Tue 04-29: c = Sun 04-27 (调休) 04-28 04-29 = 3,
  late (without the 调休 day: 2, in time).
- B3 公安 completion, seen Wed 04-30 overdue, answered Mon 05-12: c = 05-06..05-09 05-12 = 5,
  late; its 超期原因 accepted only on 06-11, after the report: explained, not accepted.
- B4 公安 completion, seen Mon 04-28 overdue, answered that day (c = 0, in time) with an empty
  超期原因: not explained.
- C1 人社 acceptance, seen Wed 04-30, answered that day: in time.

April, N = 2 — 市场监管: in time A1 A4 of A1..A4 = 2 / 4; answered 4, days 2 + 3 + 2 + 0 = 7,
mean 7 / 4 = 1.75; late (overdue or escalated in April) A2 A3 = 2 (A3 twice, once; A6 in
March), explained 2 / 2, accepted A2 = 1 / 2. 公安: in time B4 = 1 / 4; answered B2 B3 B4,
days 3 + 5 + 0 = 8, mean 8 / 3 = 2.67; late B1 B3 B4 = 3, explained B3 = 1 / 3, accepted
0 / 1. 人社: 1 / 1, mean 0 / 1 = 0; nothing late: 0 / 0. County: 4 / 9; 15 / 8 = 1.875 →
1.88; 3 / 5; 1 / 3. With N = 1: in time A4 B4 C1: 市场监管 1 / 4, 公安 1 / 4, county 3 / 9.

Cases of April (only the ranking's first key needs them): 人社 H1 accepted late (submitted
Tue 04-01; 5 wd: 04-02 03 07 08 09 = D 04-09, accepted 04-10), so 人社 ranks first whatever
its answers; 市场监管 M1..M3 and 公安 P1 on time, 市场监管 receiving more.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from monitor.alerts.acks import add_ack
from monitor.alerts.answers import Answer, record_answer, review
from monitor.alerts.counts import explanations_in_period, responses_in_period
from monitor.config import Settings
from monitor.db.engine import upgrade
from monitor.db.tables import runs, warning_events, warnings
from monitor.reports.run import run_report
from monitor.reports.words import LABELS
from rules.definitions import DEFINITIONS, LOOP_KEYS

MKT, POLICE, HR = "县市场监督管理局", "县公安局", "县人力资源和社会保障局"
NOW = dt.datetime(2025, 6, 10, 9, 0)
HEADER = (
    "办件编号,实施部门,事项编码,事项名称,申请渠道,异地通办,申请时间,补正时间,受理时间,"
    "办结时间,承诺时限,法定时限,特别程序时长,办件状态"
)
CASES = [
    f"M{i},{MKT},330100-00{i},营业执照变更,窗口,否,2025-04-07 09:00:00,,2025-04-07 10:00:00,"
    "2025-04-08 15:00:00,5个工作日,20个工作日,,已办结"
    for i in (1, 2, 3)
] + [
    f"P1,{POLICE},330200-001,户籍证明,窗口,否,2025-04-07 09:00:00,,2025-04-07 10:00:00,"
    "2025-04-08 15:00:00,5个工作日,20个工作日,,已办结",
    f"H1,{HR},330300-001,社保登记,窗口,否,2025-04-01 09:00:00,,2025-04-10 10:00:00,"
    "2025-04-11 15:00:00,5个工作日,20个工作日,,已办结",
]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


# case, obligation, department, first seen, sent out?, events (at, from, to)
# fmt: off
WARNINGS: list[tuple[str, str, str, str, bool, list[tuple[str, str | None, str]]]] = [
    ("A1", "completion", MKT, "2025-04-30 10:00", True, [("2025-04-30 10:00", None, "warning")]),
    ("A2", "acceptance", MKT, "2025-04-30 10:00", True, [
        ("2025-04-30 10:00", None, "overdue"), ("2025-05-06 09:00", "overdue", "escalated")]),
    ("A3", "completion", MKT, "2025-04-28 09:00", True, [
        ("2025-04-28 09:00", None, "warning"), ("2025-04-29 09:00", "warning", "overdue"),
        ("2025-04-30 09:00", "overdue", "escalated")]),
    ("A3", "acceptance", MKT, "2025-04-25 09:00", False, [("2025-04-25 09:00", None, "warning")]),
    ("A4", "completion", MKT, "2025-04-29 09:00", True, [("2025-04-29 09:00", None, "warning")]),
    ("A5", "acceptance", MKT, "2025-04-25 09:00", False, [("2025-04-25 09:00", None, "warning")]),
    ("A6", "completion", MKT, "2025-03-31 23:00", True, [("2025-03-31 23:00", None, "overdue")]),
    ("B1", "completion", POLICE, "2025-04-25 09:00", True, [
        ("2025-04-25 09:00", None, "escalated")]),
    ("B2", "acceptance", POLICE, "2025-04-25 09:00", True, [
        ("2025-04-25 09:00", None, "warning")]),
    ("B3", "completion", POLICE, "2025-04-30 08:00", True, [("2025-04-30 08:00", None, "overdue")]),
    ("B4", "completion", POLICE, "2025-04-28 09:00", True, [("2025-04-28 09:00", None, "overdue")]),
    ("C1", "acceptance", HR, "2025-04-30 10:00", True, [("2025-04-30 10:00", None, "warning")]),
]
# fmt: on


def build_ledger(engine: sa.Engine) -> dict[tuple[str, str], int]:
    """The ledger of the module docstring; warning ids by (case, obligation)."""
    upgrade(engine)
    ids: dict[tuple[str, str], int] = {}
    with engine.begin() as conn:
        for job, moment in (("alert", "2025-03-31 23:00"), ("alert", "2025-04-01 09:00"),
                            ("scan", "2025-04-30 10:00")):  # fmt: skip
            conn.execute(
                runs.insert().values(
                    job=job, started_at=at(moment), at=at(moment), status="ok",
                    finished_at=at(moment), counts="{}",
                )
            )  # fmt: skip
        for case, obligation, department, seen, sent, events in WARNINGS:
            level = events[-1][2]
            result = conn.execute(
                warnings.insert().values(
                    case_id=case, obligation=obligation, department=department,
                    deadline=dt.date(2025, 4, 30), level=level, late_workdays=0,
                    first_seen_at=at(seen), level_since=at(events[-1][0]),
                    last_notified_level=level if sent else None,
                    last_notified_at=at(events[-1][0]) if sent else None,
                )
            )  # fmt: skip
            ids[case, obligation] = wid = int(result.inserted_primary_key[0])
            for moment, before, after in events:
                conn.execute(
                    warning_events.insert().values(
                        warning_id=wid, at=at(moment), from_level=before, to_level=after
                    )
                )
        _answers(conn, ids)
    return ids


def _answers(conn: sa.Connection, ids: dict[tuple[str, str], int]) -> None:
    """The acknowledgements and answers of the module docstring, through the real write
    paths: ``monitor ack`` (:func:`add_ack`) and the case page (:func:`record_answer`, which
    acknowledges too), reviewed by :func:`review`."""

    def answer(case: str, obligation: str, moment: str, reason: str | None = None) -> int:
        note = Answer(action="正在办理", note="已处理", by="张三", late_reason=reason,
                      measures="加强督促" if reason is not None else None)  # fmt: skip
        return record_answer(conn, ids[case, obligation], note, "abcd1234", "10.0.0.1", at(moment))

    answer("A1", "completion", "2025-05-07 09:00")
    add_ack(conn, "A2", None, "办件中心", "电话确认", at("2025-05-08 11:00"))
    a2 = answer("A2", "acceptance", "2025-05-09 10:00", "材料补正未登记")
    review(conn, a2, True, "office", None, at("2025-05-12 09:00"))
    add_ack(conn, "A3", "acceptance", "办件中心", "受理环节", at("2025-04-28 15:00"))
    a3 = answer("A3", "completion", "2025-05-03 10:00", "系统故障")
    review(conn, a3, False, "office", "请补充说明", at("2025-05-06 09:00"))
    answer("A3", "completion", "2025-05-06 15:00", "人员原因")  # submitted, not reviewed
    answer("A4", "completion", "2025-04-29 17:00")
    add_ack(conn, "A5", "acceptance", "办件中心", "电话确认", at("2025-04-25 10:00"))
    add_ack(conn, "B1", None, "办件中心", "电话确认", at("2025-06-11 09:00"))  # after NOW
    answer("B2", "acceptance", "2025-04-29 10:00")
    b3 = answer("B3", "completion", "2025-05-12 10:00", "其他")
    review(conn, b3, True, "office", None, at("2025-06-11 09:00"))  # accepted after NOW
    answer("B4", "completion", "2025-04-28 16:00", "")  # an empty reason is no reason
    answer("C1", "acceptance", "2025-04-30 15:00")


def report(engine: sa.Engine, tmp_path: Path, period: str, **reports: Any) -> Path:
    """``run_report`` of ``period`` at NOW on ``engine``'s ledger; the output folder."""
    cases = tmp_path / "cases.csv"
    cases.write_text("\n".join([HEADER, *CASES]) + "\n", encoding="utf-8")
    url = engine.url.render_as_string(hide_password=False)
    settings = Settings(database={"url": url}, reports=reports)
    out = tmp_path / f"out-{period}-{len(reports)}"
    run_report(settings, period, NOW, input_path=str(cases), out_dir=out, engine=engine)
    return out


def read_json(out: Path, period: str) -> dict[str, Any]:
    return json.loads((out / f"{period}.json").read_text(encoding="utf-8"))


def fraction(numerator: int, denominator: int) -> dict[str, int]:
    return {"numerator": numerator, "denominator": denominator}


def loop_of(figures: dict[str, Any]) -> dict[str, Any]:
    """The answer loop's figures of a totals or department dict."""
    return {k: figures[k] for k in LOOP_KEYS}


def loop_fractions(fractions: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fractions.items() if k in LOOP_KEYS}


def plain_text(html: str) -> str:
    """The page's text, tags dropped and white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- the ledger's rows ---------------------------------------------------------------------


def test_the_ledger_rows_of_april(engine: sa.Engine) -> None:
    ids = build_ledger(engine)
    names = {v: k for k, v in ids.items()}
    start, end = dt.date(2025, 4, 1), dt.date(2025, 5, 1)
    with engine.connect() as conn:
        responses = responses_in_period(conn, start, end, NOW)
        explanations = explanations_in_period(conn, start, end, NOW)
    first = {
        names[row.warning_id]: None if pd.isna(row.responded_at) else row.responded_at
        for row in responses.itertuples()
    }
    assert first == {
        ("A1", "completion"): at("2025-05-07 09:00"),
        ("A2", "acceptance"): at("2025-05-08 11:00"),  # the phone ack, not the page answer
        ("A3", "completion"): at("2025-05-03 10:00"),  # not the acceptance's ack of 04-28
        ("A4", "completion"): at("2025-04-29 17:00"),
        ("B1", "completion"): None,  # its ack came after NOW
        ("B2", "acceptance"): at("2025-04-29 10:00"),
        ("B3", "completion"): at("2025-05-12 10:00"),
        ("B4", "completion"): at("2025-04-28 16:00"),
        ("C1", "acceptance"): at("2025-04-30 15:00"),
    }  # not A3's acceptance nor A5 (never sent out), not A6 (March)
    late = {
        names[row.warning_id]: (row.explained, row.accepted) for row in explanations.itertuples()
    }
    assert late == {
        ("A2", "acceptance"): (True, True),
        ("A3", "completion"): (True, False),  # returned, then submitted; counted once
        ("B1", "completion"): (False, False),
        ("B3", "completion"): (True, False),  # accepted only after NOW
        ("B4", "completion"): (False, False),  # an empty reason
    }


# --- the report ------------------------------------------------------------------------------


def test_april_report_json(engine: sa.Engine, tmp_path: Path) -> None:
    build_ledger(engine)
    data = read_json(report(engine, tmp_path, "2025-04"), "2025-04")
    assert data["answer_loop"] == {"known": True, "response_workdays": 2}
    assert data["warning_counts"]["complete"] is True
    assert loop_of(data["totals"]) == {
        "warning_response_rate": 4 / 9,
        "mean_response_workdays": 1.88,  # 15 / 8 = 1.875
        "late_explained_rate": 3 / 5,
        "late_explanation_accepted_rate": 1 / 3,
    }
    assert loop_fractions(data["fractions"]) == {
        "warning_response_rate": fraction(4, 9),
        "mean_response_workdays": fraction(15, 8),
        "late_explained_rate": fraction(3, 5),
        "late_explanation_accepted_rate": fraction(1, 3),
    }
    departments = {d["department"]: d for d in data["departments"]}
    assert sorted(departments) == sorted([MKT, POLICE, HR])
    mkt, police, hr = departments[MKT], departments[POLICE], departments[HR]
    assert loop_of(mkt) == {
        "warning_response_rate": 2 / 4,
        "mean_response_workdays": 1.75,
        "late_explained_rate": 2 / 2,
        "late_explanation_accepted_rate": 1 / 2,
    }
    assert loop_fractions(mkt["fractions"]) == {
        "warning_response_rate": fraction(2, 4),
        "mean_response_workdays": fraction(7, 4),
        "late_explained_rate": fraction(2, 2),
        "late_explanation_accepted_rate": fraction(1, 2),
    }
    assert loop_of(police) == {
        "warning_response_rate": 1 / 4,
        "mean_response_workdays": 2.67,  # 8 / 3
        "late_explained_rate": 1 / 3,
        "late_explanation_accepted_rate": 0.0,
    }
    assert loop_fractions(police["fractions"]) == {
        "warning_response_rate": fraction(1, 4),
        "mean_response_workdays": fraction(8, 3),
        "late_explained_rate": fraction(1, 3),
        "late_explanation_accepted_rate": fraction(0, 1),
    }
    assert loop_of(hr) == {
        "warning_response_rate": 1.0,
        "mean_response_workdays": 0.0,
        "late_explained_rate": None,  # nothing late: 0 / 0
        "late_explanation_accepted_rate": None,
    }
    assert loop_fractions(hr["fractions"])["late_explained_rate"] == fraction(0, 0)
    assert (mkt["received"], police["received"], hr["received"]) == (3, 1, 1)
    assert hr["accepted_late_rate"] == 1.0


def test_april_report_html_and_excel(engine: sa.Engine, tmp_path: Path) -> None:
    build_ledger(engine)
    out = report(engine, tmp_path, "2025-04")
    html = (out / "2025-04.html").read_text(encoding="utf-8")
    text = plain_text(html)
    # The county (summary) and the departments, each rate with its fraction.
    for shown in ("4 / 9 = 44.44%", "15 / 8 = 1.88", "3 / 5 = 60.00%", "1 / 3 = 33.33%",
                  "2 / 4 = 50.00%", "7 / 4 = 1.75", "1 / 4 = 25.00%", "8 / 3 = 2.67",
                  "0 / 1 = 0%", "1 / 1 = 100%", "0 / 0 = —"):  # fmt: skip
        assert shown in text, shown
    for label in ("预警响应率", "平均响应时长(工作日)", "超期件说明率", "超期说明通过率"):
        assert label in html
    for key in LOOP_KEYS:  # the definitions section lists each
        assert DEFINITIONS[key][0] in html
    assert "预警响应率按首次发现后 2 个工作日内响应计" in html
    # 红黑榜: 人社 (its late acceptance) first; then 公安 (25 %) before 市场监管 (50 %).
    body = html[html.index('<section class="departments">') :]
    assert body.index(HR) < body.index(POLICE) < body.index(MKT)
    assert "预警响应率、超期件说明率从低到高" in body

    book = load_workbook(out / "2025-04.xlsx")
    summary = {r[0].value: [c.value for c in r] for r in book["汇总"].iter_rows(min_row=2)}
    assert summary["预警响应率"][1] == pytest.approx(4 / 9)
    assert summary["预警响应率"][4:6] == [4, 9]
    assert summary["平均响应时长(工作日)"][1] == 1.88
    assert summary["平均响应时长(工作日)"][4:6] == [15, 8]
    assert summary["超期件说明率"][4:6] == [3, 5]
    assert summary["超期说明通过率"][4:6] == [1, 3]
    sheet = book["部门"]
    header = [c.value for c in sheet[1]]
    assert [r[1].value for r in sheet.iter_rows(min_row=2)] == [HR, POLICE, MKT]
    rows = {r[1].value: [c.value for c in r] for r in sheet.iter_rows(min_row=2)}
    assert rows[MKT][header.index("预警响应率")] == pytest.approx(0.5)
    parts = header.index("预警响应率分子"), header.index("预警响应率分母")
    assert [rows[MKT][i] for i in parts] == [2, 4]
    assert [rows[POLICE][i] for i in parts] == [1, 4]
    explained = header.index("超期件说明率分子"), header.index("超期件说明率分母")
    assert [rows[POLICE][i] for i in explained] == [1, 3]
    assert [rows[HR][i] for i in explained] == [0, 0]
    definitions = {r[0].value: r[1].value for r in book["指标口径"].iter_rows(min_row=2)}
    for key in LOOP_KEYS:
        assert definitions[LABELS["zh"][key]] == DEFINITIONS[key][0]


def test_one_working_day_and_the_tie_broken_by_explanations(
    engine: sa.Engine, tmp_path: Path
) -> None:
    """N = 1: A1 (c = 2) is now late; in time A4 B4 C1. 市场监管 and 公安 tie at 1 / 4; 公安
    explained fewer (1 / 3 against 2 / 2), so it ranks before 市场监管 although 市场监管
    received more. The mean does not depend on N."""
    build_ledger(engine)
    out = report(engine, tmp_path, "2025-04", response_workdays=1)
    data = read_json(out, "2025-04")
    assert data["answer_loop"] == {"known": True, "response_workdays": 1}
    assert data["fractions"]["warning_response_rate"] == fraction(3, 9)
    assert data["totals"]["mean_response_workdays"] == 1.88
    departments = {d["department"]: d for d in data["departments"]}
    assert departments[MKT]["fractions"]["warning_response_rate"] == fraction(1, 4)
    assert departments[POLICE]["fractions"]["warning_response_rate"] == fraction(1, 4)
    book = load_workbook(out / "2025-04.xlsx")
    assert [r[1].value for r in book["部门"].iter_rows(min_row=2)] == [HR, POLICE, MKT]
    html = (out / "2025-04.html").read_text(encoding="utf-8")
    assert "预警响应率按首次发现后 1 个工作日内响应计" in html


def test_a_period_without_an_alert_run_has_no_loop_figures(
    engine: sa.Engine, tmp_path: Path
) -> None:
    """No alert ran in May: the ledger knows nothing of it, so the figures are unknown
    (null, no fractions, "—" with a note), not the 0 / 0 of an empty period."""
    build_ledger(engine)
    out = report(engine, tmp_path, "2025-05")
    data = read_json(out, "2025-05")
    assert data["answer_loop"] == {"known": False, "response_workdays": 2}
    assert loop_of(data["totals"]) == dict.fromkeys(LOOP_KEYS)
    assert loop_fractions(data["fractions"]) == {}
    for department in data["departments"]:
        assert loop_of(department) == dict.fromkeys(LOOP_KEYS)
        assert loop_fractions(department["fractions"]) == {}
    html = (out / "2025-05.html").read_text(encoding="utf-8")
    assert "预警台账中本期没有预警运行记录，以“—”表示" in html
    # The summary's row: "—", no fraction, and April's 4 / 9 as the previous period's value.
    row = r'预警响应率</td>\s*<td class="num">—</td>\s*<td class="num fraction"></td>'
    assert re.search(row + r'\s*<td class="num">44.44%</td>', html)
    book = load_workbook(out / "2025-05.xlsx")
    summary = {r[0].value: [c.value for c in r] for r in book["汇总"].iter_rows(min_row=2)}
    # this period, previous (April: 4 / 9), change, numerator, denominator
    assert summary["预警响应率"][1:6] == [None, pytest.approx(4 / 9), None, None, None]
