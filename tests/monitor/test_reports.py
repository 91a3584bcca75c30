"""The report job end to end (``monitor report``): a hand-made case file → P.json, P.html,
P.xlsx, index.html, the mail with the workbook attached, and the ledger's warning counts.

Every figure asserted here was counted by hand. 2025 schedule (checked with
``chinese_calendar`` in :func:`test_schedule_agrees_with_chinese_calendar`): Qingming 04-04..06
off; Sun 04-27 a working day; May Day 05-01..05-05 off; Dragon Boat 05-31..06-02 off. Working
days of May: 6 7 8 9, 12..16, 19..23, 26..30 (19). Default rules: acceptance within 5 working
days; warn when R ≤ 1, overdue on the first working day after D, escalated when L reaches 3.
"(a, b]" counts the working days after a up to b. ``S`` = start, ``D`` = deadline day.

- K1 市场监管 一网通办, item name with an 18-digit ID number: submitted and accepted Fri 04-25;
  5 wd: 04-27(1) 28 29 30 05-06(5) = D; completed Fri 05-09: late, (05-06, 05-09] = 3 wd;
  processing (04-25, 05-09] = 04-27 28 29 30 05-06 07 08 09 = 8 wd. Warn 04-30 (April),
  overdue 05-07, escalated 05-09 (the day it closed: still raised).
- K2 市场监管 窗口 异地通办: submitted 05-06; acceptance D 07(1) 08 09 12 13 = 05-13, accepted
  05-14: late by 1 (warn 05-12, overdue 05-14). Completion S 05-14, 10 wd: 15 16 19..23 26
  27 28 = D 05-28; completed 05-27: early; (05-14, 05-27] = 9 wd; warn 05-27.
- K3 ``<script>`` 一网通办: submitted 05-07, never accepted; acceptance D 08 09 12 13 14 =
  05-14: not accepted and late at the end of May, L = (05-14, 05-31] = 12. Warn 05-13,
  overdue 05-15, escalated 05-19.
- K4 ``<script>`` 浙里办: accepted 05-08, withdrawn (撤件) 05-16: in ``received`` only, never
  in the late list.
- K5 ``<script>`` 窗口 即办: accepted 05-09 (acceptance D 05-16, on time); completion D = S =
  05-09, completed Mon 05-12: late by 1. Warning on S, overdue 05-12.
- K6 市场监管 一网通办: accepted 05-12 (acceptance on time); completion D 13 14 15 16 19 =
  05-19, completed 06-04: open and late at the end of May, L = (05-19, 05-31] = 9. Warn
  05-16, overdue 05-20, escalated 05-22.
- K7 市场监管 窗口: April only (04-01 → 04-03, on time).
- K8 市场监管 一网通办: accepted 05-26 (acceptance D 06-03); 3 wd: 27 28 29 = D 05-29;
  completed 05-28: early; (05-26, 05-28] = 2 wd; warn 05-28.
- K9 ``<script>`` 窗口: accepted 05-20 (acceptance D 05-27, on time); 2 wd: 21 22 = D 05-22;
  withdrawn 06-05, after May: open and late at the end of May, L = (05-22, 05-31] = 6. Warn
  05-21, overdue 05-23, escalated 05-27.
- K10: an unparseable submission date (a data-quality problem, not a case).

May 2025 (evaluated at 2025-06-10 09:00): received K2 K3 K4 K5 K6 K8 K9 = 7, online K3 K4
K6 K8 = 4; accepted K2 K5 K6 K8 K9 = 5, late K2 = 1; pending late K3; completed K1 K2 K5 K8
= 4, late K1 K5 = 2; open late K6 K9 = 2; early K2 K8 of the 承诺件 K1 K2 K8; mean (8 + 9 +
2) / 3 = 6.33. Raised in May, from the evaluation: warnings K2a K2c K3a K5c K6c K8c K9c = 7,
overdue K1c K2a K3a K5c K6c K9c = 6, escalated K1c K3a K6c K9c = 4.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from monitor.alerts.run import run_alert
from monitor.cases.calendar import build_calendar
from monitor.cases.evaluate import evaluate_loaded
from monitor.cases.load import load_cases
from monitor.cli import main
from monitor.config import Settings, SourceSettings
from monitor.daemon.jobs import run_job
from monitor.db.tables import notifications
from monitor.reports.data import report_data
from monitor.reports.run import run_report
from rules.definitions import FIGURE_KEYS, MEAN_KEYS
from rules.periods import Period
from tests.conftest import SmtpTestServer

SCRIPT = "<script>alert(1)</script>"
MKT = "县市场监督管理局"
ID_NUMBER = "330225199001011234"
MASKED_ID = "330225********1234"
K1_ITEM = f"食品经营许可（申请人身份证{ID_NUMBER}）"
SENDER = "monitor@example.gov.cn"
OFFICE = "office@example.gov.cn"
LEADERS = ["leader@example.gov.cn", "office-head@example.gov.cn"]

HEADER = (
    "办件编号,实施部门,事项编码,事项名称,申请渠道,异地通办,申请时间,补正时间,受理时间,"
    "办结时间,承诺时限,法定时限,特别程序时长,办件状态"
)
# fmt: off
ROWS = {
    "K1": f"K1,{MKT},330100-001,{K1_ITEM},一网通办,否,2025-04-25 09:00:00,,"
          "2025-04-25 10:00:00,2025-05-09 15:00:00,5个工作日,20个工作日,,已办结",
    "K2": f"K2,{MKT},330100-002,药品经营许可,窗口,是,2025-05-06 09:00:00,,"
          "2025-05-14 10:00:00,2025-05-27 15:00:00,10个工作日,20个工作日,,已办结",
    "K3": f"K3,{SCRIPT},330200-001,户口迁移,一网通办,否,2025-05-07 09:00:00,,,,"
          "5个工作日,20个工作日,,待受理",
    "K4": f"K4,{SCRIPT},330200-002,居住证办理,浙里办,否,2025-05-08 09:00:00,,"
          "2025-05-08 10:00:00,2025-05-16 10:00:00,1个工作日,20个工作日,,撤件",
    "K5": f"K5,{SCRIPT},330200-003,户籍证明,窗口,否,2025-05-09 09:00:00,,"
          "2025-05-09 09:30:00,2025-05-12 10:00:00,即办,20个工作日,,已办结",
    "K6": f"K6,{MKT},330100-003,个体工商户登记,一网通办,否,2025-05-12 09:00:00,,"
          "2025-05-12 10:00:00,2025-06-04 10:00:00,5个工作日,20个工作日,,已办结",
    "K7": f"K7,{MKT},330100-004,营业执照变更,窗口,否,2025-04-01 09:00:00,,"
          "2025-04-01 10:00:00,2025-04-03 10:00:00,5个工作日,20个工作日,,已办结",
    "K8": f"K8,{MKT},330100-005,营业执照注销,一网通办,否,2025-05-26 09:00:00,,"
          "2025-05-26 09:30:00,2025-05-28 10:00:00,3个工作日,20个工作日,,已办结",
    "K9": f"K9,{SCRIPT},330200-004,身份证换领,窗口,否,2025-05-20 09:00:00,,"
          "2025-05-20 10:00:00,2025-06-05 10:00:00,2个工作日,20个工作日,,撤件",
    "K10": f"K10,{MKT},330100-006,食品经营许可,窗口,否,2025-13-45 09:00:00,,,,"
           "5个工作日,20个工作日,,办理中",
}
# fmt: on
AT = "2025-06-10T09:00"
NOW = dt.datetime(2025, 6, 10, 9, 0)


RATES = [k for k in FIGURE_KEYS if k.endswith("_rate")]


def expect(**given: object) -> dict[str, object]:
    """All 22 figures: the given ones; every other count 0, every rate and mean None (so
    the answer loop's figures are unknown, as without a ledger, unless given)."""
    assert set(given) <= set(FIGURE_KEYS), set(given) - set(FIGURE_KEYS)
    counts = {k: 0 for k in FIGURE_KEYS if not k.endswith("_rate")}
    return {**counts, **dict.fromkeys(MEAN_KEYS), **dict.fromkeys(RATES), **given}


# fmt: off
MAY_TOTALS = expect(
    received=7, online=4, online_rate=4 / 7, cross_region=1,
    accepted=5, accepted_late=1, accepted_late_rate=1 / 5, pending_late=1,
    completed=4, completed_late=2, completed_late_rate=2 / 4, open_late=2,
    on_time_rate=2 / 4, early_rate=2 / 3, mean_processing_workdays=6.33,
    warnings=7, overdue=6, escalated=4,
)
MAY_DEPARTMENTS = {
    SCRIPT: expect(  # K3 K4 K5 K9
        received=4, online=2, online_rate=2 / 4, cross_region=0,
        accepted=2, accepted_late=0, accepted_late_rate=0.0, pending_late=1,  # K5 K9; K3
        completed=1, completed_late=1, completed_late_rate=1 / 1, open_late=1,  # K5; K9
        on_time_rate=0.0, early_rate=None, mean_processing_workdays=None,  # K5 is 即办
        warnings=3, overdue=3, escalated=2,  # K3a K5c K9c; K3a K5c K9c; K3a K9c
    ),
    MKT: expect(  # K1 K2 K6 K7 K8
        received=3, online=2, online_rate=2 / 3, cross_region=1,  # K2 K6 K8
        accepted=3, accepted_late=1, accepted_late_rate=1 / 3, pending_late=0,  # K2 K6 K8
        completed=3, completed_late=1, completed_late_rate=1 / 3, open_late=1,  # K1 K2 K8; K6
        on_time_rate=2 / 3, early_rate=2 / 3, mean_processing_workdays=6.33,
        warnings=4, overdue=3, escalated=2,  # K2a K2c K6c K8c; K1c K2a K6c; K1c K6c
    ),
}
#: The late cases of May, most working days late first, then the earliest deadline.
MAY_LATE = [
    ("K3", "户口迁移", SCRIPT, "acceptance", dt.date(2025, 5, 14), 12),  # open at the end
    ("K6", "个体工商户登记", MKT, "completion", dt.date(2025, 5, 19), 9),  # open at the end
    ("K9", "身份证换领", SCRIPT, "completion", dt.date(2025, 5, 22), 6),  # withdrawn in June
    ("K1", K1_ITEM, MKT, "completion", dt.date(2025, 5, 6), 3),  # completed late
    ("K5", "户籍证明", SCRIPT, "completion", dt.date(2025, 5, 9), 1),  # 即办, completed late
    ("K2", "药品经营许可", MKT, "acceptance", dt.date(2025, 5, 13), 1),  # accepted late
]
# fmt: on


# --- helpers ----------------------------------------------------------------------------------


def write_cases(folder: Path, *ids: str, name: str = "cases.csv", **replace: str) -> Path:
    """A case CSV in ``folder`` with the rows ``ids`` (all of :data:`ROWS` when none);
    ``replace`` gives whole rows by id instead."""
    rows = [replace[i] if i in replace else ROWS[i] for i in (ids or ROWS)]
    path = folder / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def monitor(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``monitor ARGS`` in-process through :func:`monitor.cli.main`: exit code, out, err."""
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    code = exc.value.code
    return (0 if code is None else int(code)), out.out, out.err


def report(capsys: pytest.CaptureFixture[str], cases: Path, out: Path, period: str) -> str:
    """``monitor report`` of ``period`` at :data:`AT` into ``out``; its stdout."""
    code, stdout, stderr = monitor(
        capsys, "report", "--period", period, "--input", str(cases), "--at", AT, "--out", str(out)
    )
    assert (code, stderr) == (0, "")
    return stdout


def read_json(path: Path) -> dict[str, object]:
    return json.loads(path.read_text(encoding="utf-8"))


def by_department(data: dict[str, object]) -> dict[str, dict[str, object]]:
    """The JSON's departments by name: their figures (the fractions are asserted apart)."""
    departments: list[dict[str, object]] = data["departments"]  # type: ignore[assignment]
    return {
        str(d["department"]): {k: v for k, v in d.items() if k not in ("department", "fractions")}
        for d in departments
    }


def fraction(numerator: int, denominator: int) -> dict[str, int]:
    return {"numerator": numerator, "denominator": denominator}


#: The numerators and denominators of May's rates (and of the mean: working days, cases).
MAY_FRACTIONS = {
    "online_rate": fraction(4, 7),
    "accepted_late_rate": fraction(1, 5),
    "completed_late_rate": fraction(2, 4),
    "on_time_rate": fraction(2, 4),
    "early_rate": fraction(2, 3),
    "mean_processing_workdays": fraction(8 + 9 + 2, 3),
}


def url_of(engine: sa.Engine) -> str:
    """The fixture database's URL, password included."""
    return engine.url.render_as_string(hide_password=False)


def make_settings(
    url: str,
    *,
    port: int | None = None,
    mail_dir: Path | None = None,
    recipients: list[str] | None = None,
) -> Settings:
    """Settings built in code: the database ``url``, SMTP to 127.0.0.1:``port`` or the file
    transport into ``mail_dir``, alerts to one office, reports to ``recipients``."""
    if port is not None:
        mail: dict[str, object] = {
            "transport": "smtp",
            "from": SENDER,
            "smtp": {"host": "127.0.0.1", "port": port, "timeout": 5.0},
        }
    else:
        assert mail_dir is not None
        mail = {"transport": "file", "from": SENDER, "file": {"dir": str(mail_dir)}}
    return Settings(
        database={"url": url},
        mail=mail,
        alerts={"default_recipients": [OFFICE]},
        reports={"recipients": recipients or []},
    )


def report_rows(engine: sa.Engine) -> list[dict[str, object]]:
    """The outbox's report messages (none when the outbox has no table yet)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("notifications"):
            return []
        query = sa.select(notifications).where(notifications.c.kind == "report")
        return [dict(r) for r in conn.execute(query.order_by(notifications.c.id)).mappings()]


# --- the calendar the hand counts use ---------------------------------------------------------


def test_schedule_agrees_with_chinese_calendar() -> None:
    cc = pytest.importorskip("chinese_calendar")
    days = pd.date_range("2025-03-25", "2025-06-30").date
    calendar = build_calendar(Settings(), 2025, 2025)
    assert list(calendar.is_working_day(days)) == [cc.is_workday(d) for d in days]
    off = ["2025-04-04", "2025-04-06", "2025-05-01", "2025-05-05", "2025-05-31", "2025-06-02"]
    on = ["2025-04-27", "2025-05-06", "2025-05-30", "2025-06-03"]
    assert not any(cc.is_workday(dt.date.fromisoformat(d)) for d in off)
    assert all(cc.is_workday(dt.date.fromisoformat(d)) for d in on)
    may = [d for d in days if d.month == 5 and cc.is_workday(d)]
    assert len(may) == 19


# --- monitor report: the files ----------------------------------------------------------------


def test_month_report_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./config.toml: built-in defaults, no ledger
    cases, out = write_cases(tmp_path), tmp_path / "reports"
    stdout = report(capsys, cases, out, "2025-05")
    assert stdout.splitlines() == [
        f"html   {out / '2025-05.html'}",
        f"json   {out / '2025-05.json'}",
        f"xlsx   {out / '2025-05.xlsx'}",
        f"index  {out / 'index.html'}",
    ]
    assert not (tmp_path / "var" / "monitor.db").exists()  # reading the ledger made none

    # P.json: exactly the documented keys, every figure as counted by hand.
    data = read_json(out / "2025-05.json")
    assert list(data) == [
        "period",
        "generated_at",
        "estimated_calendar",
        "completion_denominator",
        "warning_counts",
        "answer_loop",
        "totals",
        "fractions",
        "departments",
    ]
    assert (data["period"], data["generated_at"]) == ("2025-05", "2025-06-10T09:00:00")
    assert data["estimated_calendar"] is False
    assert data["completion_denominator"] == "all"
    assert data["warning_counts"] == {
        "source": "derived",
        "first_run": None,
        "last_run": None,
        "complete": None,
    }
    assert data["answer_loop"] == {"known": False, "response_workdays": 2}
    assert list(data["totals"]) == list(FIGURE_KEYS)  # type: ignore[arg-type]
    for d in data["departments"]:  # type: ignore[union-attr]
        assert list(d) == ["department", *FIGURE_KEYS, "fractions"]
    assert data["totals"] == MAY_TOTALS
    assert data["fractions"] == MAY_FRACTIONS
    assert by_department(data) == MAY_DEPARTMENTS
    assert data["totals"]["online_rate"] == 4 / 7  # type: ignore[index]  # exact, not rounded
    assert data["totals"]["early_rate"] == 2 / 3  # type: ignore[index]
    text = (out / "2025-05.json").read_text(encoding="utf-8")
    assert '"early_rate": null' in text and '"mean_processing_workdays": null' in text

    # P.html: self-contained, escaped, masked, with an inline SVG chart.
    html = (out / "2025-05.html").read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in html
    assert "<svg" in html
    assert ID_NUMBER not in html
    assert MASKED_ID in html
    assert "K3" in html and "K9" in html and "K4" not in html  # the late-case list

    # P.xlsx: the four sheets; the late cases as listed (masked, department as text).
    book = load_workbook(out / "2025-05.xlsx")
    assert {"汇总", "部门", "超期明细", "数据质量"} <= set(book.sheetnames)
    assert book.sheetnames[:4] == ["汇总", "部门", "超期明细", "数据质量"]
    late = [
        tuple(c.value for c in row[:6])
        for row in book["超期明细"].iter_rows(min_row=2)
        if row[0].value
    ]
    words = {"acceptance": "受理", "completion": "办结"}
    midnight = dt.time()
    assert late == [
        (
            cid,
            item.replace(ID_NUMBER, MASKED_ID),
            dept,
            words[ob],
            dt.datetime.combine(d, midnight),
            n,
        )
        for cid, item, dept, ob, d, n in MAY_LATE
    ]
    departments = [row[1].value for row in book["部门"].iter_rows(min_row=2) if row[1].value]
    assert sorted(departments) == sorted(MAY_DEPARTMENTS)  # SCRIPT as plain text
    quality = [(r[0].value, r[1].value) for r in book["数据质量"].iter_rows(min_row=2, max_row=2)]
    assert quality == [("unparseable date in submitted_at", 1)]  # K10

    # index.html lists the report; a quarter report is listed too, before the month.
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "2025-05.html" in index and "2025-05.xlsx" in index and "Q2" not in index
    assert "http://" not in index and "https://" not in index
    report(capsys, cases, out, "2025-Q2")
    index = (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="\./([^"]+)"', index)
    assert links == [f"{p}.{e}" for p in ("2025-Q2", "2025-05") for e in ("html", "xlsx", "json")]
    assert sorted(p.name for p in out.iterdir()) == sorted([*links, "index.html"])


def test_quarter_and_year_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As at the end of the quarter (06-30) and the year: K4 and K9 are withdrawn by then
    (not live); K6 (06-04) is completed late, in the quarter; K3 is still not accepted."""
    monkeypatch.chdir(tmp_path)
    cases, out = write_cases(tmp_path), tmp_path / "reports"
    for period in ("2025-Q2", "2025", "2025-Q1"):
        report(capsys, cases, out, period)
    q2 = read_json(out / "2025-Q2.json")["totals"]
    year = read_json(out / "2025.json")["totals"]
    # Received K1..K9; accepted K1 K2 K5 K6 K7 K8 (K2 late); completed K1 K2 K5 K6 K7 K8,
    # late K1 K5 K6; 承诺件 completed K1 K2 K6 K7 K8, early K2 K7 K8 (K7: D 04-09); working
    # days of processing K1 8, K2 9, K6 (05-12, 06-04] = 13..16 19..23 26..30 06-03 06-04 =
    # 16, K7 (04-01, 04-03] = 2, K8 2: mean 37 / 5 = 7.4.
    for totals in (q2, year):
        assert totals["received"] == 9  # type: ignore[index]
        assert totals["online"] == 5  # type: ignore[index]  # K1 K3 K4 K6 K8
        assert (totals["accepted"], totals["accepted_late"]) == (6, 1)  # type: ignore[index]
        assert (totals["completed"], totals["completed_late"]) == (6, 3)  # type: ignore[index]
        assert totals["completed_late_rate"] == 3 / 6  # type: ignore[index]
        assert (totals["pending_late"], totals["open_late"]) == (1, 0)  # type: ignore[index]
        assert totals["early_rate"] == 3 / 5  # type: ignore[index]
    assert q2["mean_processing_workdays"] == year["mean_processing_workdays"] == 7.4  # type: ignore[index]
    # The first quarter has no case at all: counts 0, every rate and the mean null.
    q1 = read_json(out / "2025-Q1.json")
    assert q1["totals"] == expect()
    assert q1["departments"] == []
    links = re.findall(r'href="\./([^"]+)\.html"', (out / "index.html").read_text("utf-8"))
    assert links == ["2025", "2025-Q2", "2025-Q1"]


@pytest.mark.parametrize("period", ["2025-13", "May", "2025-Q5", ""])
def test_bad_period_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, period: str
) -> None:
    monkeypatch.chdir(tmp_path)
    cases = write_cases(tmp_path)
    code, out, err = monitor(
        capsys, "report", "--period", period, "--input", str(cases), "--out", "reports"
    )
    assert (code, out) == (2, "")
    errors = [line for line in err.splitlines() if line.startswith("Error")]
    assert len(errors) == 1
    assert "--period" in errors[0] and "2025-05" in errors[0]  # names the option and the form
    assert not (tmp_path / "reports").exists()


def test_no_cases_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = monitor(capsys, "report", "--period", "2025-05", "--out", "reports")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("error: embedded defaults: no source of cases")
    # A missing file, in a folder whose name says "period": still a missing file.
    missing = tmp_path / "periods" / "cases.csv"
    code, out, err = monitor(
        capsys, "report", "--period", "2025-05", "--input", str(missing), "--out", "reports"
    )
    assert (code, out, err) == (2, "", f"error: {missing}: no such file\n")
    assert not (tmp_path / "reports").exists()


def test_cases_from_years_before_the_trend(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case file that goes back further than the 12-month trend (a 2023 case) reports."""
    monkeypatch.chdir(tmp_path)
    old = (
        f"K0,{MKT},330100-009,营业执照变更,窗口,否,2023-03-01 09:00:00,,2023-03-01 10:00:00,"
        "2023-03-03 10:00:00,5个工作日,20个工作日,,已办结"
    )
    cases = write_cases(tmp_path, *ROWS, "K0", K0=old)
    out = tmp_path / "reports"
    report(capsys, cases, out, "2025-05")
    data = read_json(out / "2025-05.json")
    assert data["totals"] == MAY_TOTALS
    report(capsys, cases, out, "2023-03")
    march = read_json(out / "2023-03.json")["totals"]
    assert (march["received"], march["completed"], march["early_rate"]) == (1, 1, 1.0)  # type: ignore[index]


# --- the late-case list -----------------------------------------------------------------------


def test_late_cases_of_may(tmp_path: Path) -> None:
    settings = Settings()
    evaluated = evaluate_loaded(settings, load_cases(settings, write_cases(tmp_path)), NOW)
    calendar = build_calendar(settings, 2024, 2026)
    data = report_data(settings, evaluated, Period.parse("2025-05"), NOW, calendar)
    keys = ("case_id", "item_name", "department", "obligation", "deadline", "late_workdays")
    listed = [tuple(c[k] for k in keys) for c in data.late_cases]
    assert listed == MAY_LATE
    assert data.late_cases_total == len(MAY_LATE)
    # The list agrees with the figures: open late at the end = K3 (acceptance), K6 and K9.
    open_at_end = [c for c in MAY_LATE if c[0] in ("K3", "K6", "K9")]
    assert len(open_at_end) == data.totals["pending_late"] + data.totals["open_late"]
    assert "K4" not in {c[0] for c in listed}  # withdrawn in May
    # Capped: the two most late, with the total still counting all six.
    capped = Settings(reports={"late_cases_max": 2})
    data = report_data(capped, evaluated, Period.parse("2025-05"), NOW, calendar)
    assert [c["case_id"] for c in data.late_cases] == ["K3", "K6"]
    assert data.late_cases_total == 6


# --- --send: through the outbox to a real SMTP server ------------------------------------------


def test_send_mails_the_report_once_a_day(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = make_settings(url_of(engine), port=smtp_server.port, recipients=LEADERS)
    cases, out = write_cases(tmp_path), tmp_path / "reports"
    result = run_report(settings, "2025-05", NOW, input_path=str(cases), out_dir=out, send=True)
    assert result.counts == {"queued": 1, "sent": 1, "failed": 0, "dead": 0}
    workbook = (out / "2025-05.xlsx").read_bytes()

    assert len(smtp_server.messages) == 1
    assert sorted(smtp_server.envelope_recipients[0]) == sorted(LEADERS)
    msg = smtp_server.messages[0]
    assert "2025-05" in str(msg["Subject"])
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "&lt;script&gt;" in html and "<script" not in html.lower()
    assert "<svg" in html and MASKED_ID in html and ID_NUMBER not in html
    assert "http://" not in html and "https://" not in html
    attachments = list(msg.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["2025-05.xlsx"]
    assert attachments[0].get_content_type().endswith("spreadsheetml.sheet")
    assert attachments[0].get_content() == workbook

    # The same report again later that day (the time it was made differs): nothing new.
    later = NOW.replace(hour=15, minute=30)
    again = run_report(settings, "2025-05", later, input_path=str(cases), out_dir=out, send=True)
    assert again.counts == {"queued": 0, "sent": 0, "failed": 0, "dead": 0}
    assert len(smtp_server.messages) == 1
    assert len(report_rows(engine)) == 1
    # A ledger table without a run is no ledger: the warnings still come from the evaluation.
    totals = read_json(out / "2025-05.json")["totals"]
    assert (totals["warnings"], totals["overdue"], totals["escalated"]) == (7, 6, 4)  # type: ignore[index]

    # What the report says changed (a corrected K9: completed 05-21, not withdrawn): new mail.
    fixed = (
        ROWS["K9"].replace("2025-06-05 10:00:00", "2025-05-21 10:00:00").replace("撤件", "已办结")
    )
    corrected = write_cases(tmp_path, name="corrected.csv", K9=fixed)
    third = run_report(
        settings, "2025-05", later, input_path=str(corrected), out_dir=out, send=True
    )
    assert third.counts == {"queued": 1, "sent": 1, "failed": 0, "dead": 0}
    assert len(smtp_server.messages) == 2
    assert read_json(out / "2025-05.json")["totals"]["open_late"] == 1  # type: ignore[index]


def test_send_without_recipients_queues_nothing(
    engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    settings = make_settings(url_of(engine), port=smtp_server.port)
    cases, out = write_cases(tmp_path), tmp_path / "reports"
    result = run_report(settings, "2025-05", NOW, input_path=str(cases), out_dir=out, send=True)
    assert result.counts["queued"] == 0
    assert (out / "2025-05.html").is_file()
    assert report_rows(engine) == []
    assert smtp_server.messages == []


def test_cli_send_without_recipients_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "m.db"}"\n', encoding="utf-8")
    code, out, err = monitor(
        capsys, "report", "--config", str(config), "--period", "2025-05", "--input",
        str(write_cases(tmp_path)), "--at", AT, "--out", "reports", "--send",
    )  # fmt: skip
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 5 and lines[-1].startswith("no recipients")
    assert not (tmp_path / "m.db").exists()


# --- warnings, overdue, escalated: from the ledger when there is one ----------------------------


def test_warning_counts_come_from_the_ledger(engine: sa.Engine, tmp_path: Path) -> None:
    """Alert runs at Tue 05-20 09:00 and Wed 05-28 09:00 (each sees the cases as they were):

    - 05-20: K3 acceptance first seen escalated (L = 15 16 19 20 = 4); K6 completion first
      seen overdue (L = 1). K1 K4 K5 are closed, K2 and K9 (accepted at 10:00) are ok.
    - 05-28: K6 overdue → escalated (L = 7); K8 completion first seen at warning (R = 1,
      completed at 10:00); K9 completion first seen escalated (L = 23 26 27 28 = 4).
      K2 completed the day before.

    The ledger's May: warnings K8 = 1, overdue K6 = 1, escalated K3 K6 K9 = 3 — not the
    evaluation's 7 / 6 / 4, which the report gives without a ledger. Its answer loop: the
    four warnings first seen (K3a K6c K8c K9c) all went out and none was answered: 预警响应率
    0 / 4, no mean; three became late (K3a K6c K9c), none explained: 超期件说明率 0 / 3, and
    超期说明通过率 0 / 0 (None).
    """
    settings = make_settings(url_of(engine), mail_dir=tmp_path / "mail")
    cases, out = write_cases(tmp_path), tmp_path / "reports"
    for at in (dt.datetime(2025, 5, 20, 9, 0), dt.datetime(2025, 5, 28, 9, 0)):
        run_alert(settings, at, input_path=str(cases))
    run_report(settings, "2025-05", NOW, input_path=str(cases), out_dir=out)
    data = read_json(out / "2025-05.json")
    ledger = {
        "warnings": 1,
        "overdue": 1,
        "escalated": 3,
        "warning_response_rate": 0.0,
        "late_explained_rate": 0.0,
    }
    assert data["totals"] == {**MAY_TOTALS, **ledger}
    assert data["answer_loop"] == {"known": True, "response_workdays": 2}
    assert data["fractions"] == {
        **MAY_FRACTIONS,
        "warning_response_rate": fraction(0, 4),
        "mean_response_workdays": fraction(0, 0),
        "late_explained_rate": fraction(0, 3),
        "late_explanation_accepted_rate": fraction(0, 0),
    }
    # Counted from the ledger, which says it covers only 05-20 .. 05-28 of May.
    assert data["warning_counts"] == {
        "source": "ledger",
        "first_run": "2025-05-20T09:00:00",
        "last_run": "2025-05-28T09:00:00",
        "complete": False,
    }
    html = (out / "2025-05.html").read_text(encoding="utf-8")
    assert "台账只覆盖本期的 2025-05-20 09:00 至 2025-05-28 09:00" in html
    loop = {"warning_response_rate": 0.0, "late_explained_rate": 0.0}  # K3a K9c; K6c K8c
    assert by_department(data) == {
        SCRIPT: {**MAY_DEPARTMENTS[SCRIPT], "warnings": 0, "overdue": 0, "escalated": 2, **loop},
        MKT: {**MAY_DEPARTMENTS[MKT], "warnings": 1, "overdue": 1, "escalated": 1, **loop},
    }
    # No alert ran in April: the ledger knows nothing of it, so April's counts are derived
    # from the cases (K1's completion warned on 04-30), and the report says so — not the 0 /
    # 0 / 0 of an empty ledger (issue 10, item 1).
    run_report(settings, "2025-04", NOW, input_path=str(cases), out_dir=out)
    april = read_json(out / "2025-04.json")
    totals = april["totals"]
    assert (totals["warnings"], totals["overdue"], totals["escalated"]) == (1, 0, 0)  # type: ignore[index]
    assert april["warning_counts"]["source"] == "derived"  # type: ignore[index]
    assert april["answer_loop"]["known"] is False  # type: ignore[index]
    assert totals["warning_response_rate"] is None  # type: ignore[index]
    assert "warning_response_rate" not in april["fractions"]  # type: ignore[operator]

    # A corrected export on Thu 05-29 gives K9 5 working days (D 05-27, L = 28 29 = 2): its
    # level falls from escalated to overdue. Lowered is not raised: still 1 / 1 / 3.
    fixed = ROWS["K9"].replace("2个工作日", "5个工作日")
    corrected = write_cases(tmp_path, name="corrected.csv", K9=fixed)
    run_alert(settings, dt.datetime(2025, 5, 29, 9, 0), input_path=str(corrected))
    run_report(settings, "2025-05", NOW, input_path=str(cases), out_dir=out)
    assert read_json(out / "2025-05.json")["totals"] == {**MAY_TOTALS, **ledger}

    # Without a ledger (a fresh SQLite path, left uncreated): from the evaluation.
    fresh = tmp_path / "fresh" / "monitor.db"
    alone = make_settings(f"sqlite:///{fresh}", mail_dir=tmp_path / "mail")
    run_report(alone, "2025-05", NOW, input_path=str(cases), out_dir=tmp_path / "alone")
    derived = read_json(tmp_path / "alone" / "2025-05.json")
    assert derived["totals"] == MAY_TOTALS
    assert by_department(derived) == MAY_DEPARTMENTS
    assert not fresh.exists()


def test_ledger_events_as_recorded(engine: sa.Engine, tmp_path: Path) -> None:
    """The ledger holds what the docstring above says (so the counts are checked against
    the events, not only against the report)."""
    settings = make_settings(url_of(engine), mail_dir=tmp_path / "mail")
    cases = write_cases(tmp_path)
    for at in (dt.datetime(2025, 5, 20, 9, 0), dt.datetime(2025, 5, 28, 9, 0)):
        run_alert(settings, at, input_path=str(cases))
    query = sa.text(
        "SELECT w.case_id, w.obligation, e.from_level, e.to_level FROM warning_events e "
        "JOIN warnings w ON w.id = e.warning_id ORDER BY e.at, w.case_id"
    )
    with engine.connect() as conn:
        events = [tuple(r) for r in conn.execute(query)]
    assert events == [
        ("K3", "acceptance", None, "escalated"),
        ("K6", "completion", None, "overdue"),
        ("K6", "completion", "overdue", "escalated"),
        ("K8", "completion", None, "warning"),
        ("K9", "completion", None, "escalated"),
    ]


def test_a_running_month_counts_late_at_period_end_as_of_today(tmp_path: Path) -> None:
    # At Thu 2025-05-15 09:00: K3 (acceptance D 05-14, never accepted) is already late; K6's
    # completion deadline is 05-19, still ahead: not "open and late" although 05-19 is before
    # the end of May, and it is not in the late list either.
    out = tmp_path / "out"
    run_report(
        Settings(),
        "2025-05",
        dt.datetime(2025, 5, 15, 9, 0),
        input_path=str(write_cases(tmp_path, "K3", "K6")),
        out_dir=out,
    )
    totals = read_json(out / "2025-05.json")["totals"]
    assert (totals["pending_late"], totals["open_late"]) == (1, 0)  # type: ignore[index]


# --- issue 10: figures that do not depend on the database's history, fractions, masking ---


def test_a_report_run_does_not_change_the_next_reports_warning_counts(tmp_path: Path) -> None:
    """A `monitor run report` records a run but alerts nothing: the same report afterwards
    gives the same (derived) counts, not the 0 / 0 / 0 of a ledger that never alerted."""
    cases = write_cases(tmp_path)
    settings = make_settings(
        f"sqlite:///{tmp_path / 'monitor.db'}", mail_dir=tmp_path / "mail"
    ).model_copy(update={"source": SourceSettings(path=str(cases))})
    before = tmp_path / "before"
    run_report(settings, "2025-05", NOW, out_dir=before)
    # What `monitor run report --at 2025-06-01T08:00` does: the May report, recorded as a run.
    assert run_job(settings, "report", dt.datetime(2025, 6, 1, 8, 0))["period"] == "2025-05"
    after = tmp_path / "after"
    run_report(settings, "2025-05", NOW, out_dir=after)
    first, second = read_json(before / "2025-05.json"), read_json(after / "2025-05.json")
    assert first["totals"] == second["totals"] == MAY_TOTALS
    assert second["warning_counts"]["source"] == "derived"  # type: ignore[index]


def test_json_rates_carry_their_numerators_without_immediate_cases(tmp_path: Path) -> None:
    """With completion_denominator = exclude_immediate, May's completions are K1 K2 K5 K8;
    K5 is 即办, so the late-completion rate is K1 / (K1 K2 K8) = 1 / 3, as the HTML shows."""
    settings = Settings(reports={"completion_denominator": "exclude_immediate"})
    out = tmp_path / "out"
    run_report(settings, "2025-05", NOW, input_path=str(write_cases(tmp_path)), out_dir=out)
    data = read_json(out / "2025-05.json")
    assert data["completion_denominator"] == "exclude_immediate"
    totals, fractions = data["totals"], data["fractions"]
    assert (totals["completed"], totals["completed_late"]) == (4, 1)  # type: ignore[index]
    assert totals["completed_late_rate"] == 1 / 3  # type: ignore[index]
    assert fractions["completed_late_rate"] == fraction(1, 3)  # type: ignore[index]
    assert fractions["on_time_rate"] == fraction(2, 3)  # type: ignore[index]
    html = (out / "2025-05.html").read_text(encoding="utf-8")
    assert "1 / 3 = 33.33%" in html
    departments = {d["department"]: d for d in data["departments"]}  # type: ignore[union-attr]
    # The <script> department: K5 (即办) is its only completion, so the rate has no base.
    script = departments[SCRIPT]
    assert (script["completed"], script["completed_late_rate"]) == (1, None)
    assert script["fractions"]["completed_late_rate"] == fraction(0, 0)
    assert departments[MKT]["fractions"]["completed_late_rate"] == fraction(1, 3)


def test_json_masks_personal_data_in_department_names(tmp_path: Path) -> None:
    civil = f"县民政局{ID_NUMBER}"
    row = ROWS["K8"].replace(MKT, civil)
    out = tmp_path / "out"
    run_report(
        Settings(), "2025-05", NOW, input_path=str(write_cases(tmp_path, K8=row)), out_dir=out
    )
    text = (out / "2025-05.json").read_text(encoding="utf-8")
    assert ID_NUMBER not in text
    assert f"县民政局{MASKED_ID}" in text
