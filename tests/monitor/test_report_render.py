"""The period report's rendering: number formats, the narrative, HTML, Excel, the index.

The data is a hand-built :class:`ReportData` with the reference county-year figures of
issue 5 (2,050,000 cases received, 2,038,000 online, 104 accepted late, 66 completed late).
The browser test renders the HTML with headless Chromium when it is installed (Debian package
``chromium``; ``.ci/run`` installs it) and skips otherwise.
"""

from __future__ import annotations

import re
import subprocess
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape
from openpyxl import load_workbook

from monitor.reports.data import ReportData, ranked_departments
from monitor.reports.excel import SHEETS, write_excel
from monitor.reports.format import (
    change,
    format_count,
    format_days,
    format_fraction,
    format_points,
    format_rate,
    percent_format,
)
from monitor.reports.html import narrative, render_html, render_index
from rules.definitions import DEFINITIONS, FIGURE_KEYS

CHROMIUM = "/usr/bin/chromium"
SCRIPT = "<script>alert(1)</script>"
ID_NUMBER = "330225199001011234"
MASKED_ID = "330225********1234"

# --- number formats -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [
        (None, "—"),
        (float("nan"), "—"),
        (0, "0%"),
        (0.0, "0%"),
        (104 / 2_050_000, "0.0051%"),
        (66 / 2_050_000, "0.0032%"),
        (2_038_000 / 2_050_000, "99.41%"),
        (0.9941, "99.41%"),
        (0.5, "50.00%"),
        (0.0123, "1.23%"),
        (0.005, "0.50%"),
        (1, "100%"),
        (0.999996, "99.9996%"),  # not 100.00%
        (1e-9, "0.00000010%"),  # not 0%
    ],
)
def test_format_rate(fraction: float | None, expected: str) -> None:
    assert format_rate(fraction) == expected


@pytest.mark.parametrize(
    ("n", "zh", "en"),
    [
        (2_050_000, "205.0万", "2,050,000"),
        (2_038_000, "203.8万", "2,038,000"),
        (9_876, "9,876", "9,876"),
        (12_345, "1.23万", "12,345"),
        (0, "0", "0"),
        (None, "—", "—"),
        (150_000_000, "1.50亿", "150,000,000"),
    ],
)
def test_format_count(n: int | None, zh: str, en: str) -> None:
    assert format_count(n, "zh") == zh
    assert format_count(n, "en") == en


def test_format_fraction_and_others() -> None:
    assert format_fraction(104, 2_050_000, 104 / 2_050_000) == "104 / 2,050,000 = 0.0051%"
    assert format_fraction(104, 2_050_000) == "104 / 2,050,000 = 0.0051%"
    assert format_fraction(0, 0, None) == "0 / 0 = —"
    assert format_fraction(0, 17) == "0 / 17 = 0%"
    assert format_points(0.00012) == "+0.012个百分点"
    assert format_points(-0.005, "en") == "-0.50 pp"
    assert format_days(3.255) == "3.26"
    assert format_days(2.4) == "2.40"
    assert format_days(0.004) == "0.0040"
    assert format_days(None) == "—"
    assert percent_format(0.9941) == "0.00%"
    assert percent_format(104 / 2_050_000) == "0.0000%"
    assert percent_format(0.999996) == "0.0000%"


def test_change_tone() -> None:
    worse = change("accepted_late_rate", 0.0001, 0.00005)
    assert (worse.arrow, worse.tone, worse.previous) == ("↑", "worse", "0.0050%")
    better = change("online_rate", 0.99, 0.98)
    assert (better.arrow, better.difference, better.tone) == ("↑", "1.00个百分点", "better")
    count = change("received", 2_050_000, 2_000_000)
    assert (count.arrow, count.difference, count.tone) == ("↑", "5.00万", "same")
    unknown = change("online_rate", 0.99, None)
    assert (unknown.arrow, unknown.difference, unknown.previous) == ("", "—", "—")


# --- the data -----------------------------------------------------------------------------


def _figures(
    received: int,
    online: int,
    accepted: int,
    accepted_late: int,
    completed: int,
    completed_late: int,
    **others: Any,
) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "received": received,
        "online": online,
        "online_rate": online / received if received else None,
        "cross_region": 0,
        "accepted": accepted,
        "accepted_late": accepted_late,
        "accepted_late_rate": accepted_late / accepted if accepted else None,
        "pending_late": 0,
        "completed": completed,
        "completed_late": completed_late,
        "completed_late_rate": completed_late / completed if completed else None,
        "open_late": 0,
        "on_time_rate": (completed - completed_late) / completed if completed else None,
        "early_rate": None,
        "mean_processing_workdays": None,
        "warnings": 0,
        "overdue": 0,
        "escalated": 0,
        # the answer loop's figures: unknown (no ledger) unless given
        "warning_response_rate": None,
        "mean_response_workdays": None,
        "late_explained_rate": None,
        "late_explanation_accepted_rate": None,
    }
    figures.update(others)
    assert set(figures) == set(FIGURE_KEYS)
    return figures


def _fractions(f: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {
        "online_rate": (f["online"], f["received"]),
        "accepted_late_rate": (f["accepted_late"], f["accepted"]),
        "completed_late_rate": (f["completed_late"], f["completed"]),
        "on_time_rate": (f["completed"] - f["completed_late"], f["completed"]),
    }


# name, received, online, accepted, accepted_late, completed, completed_late
DEPARTMENTS = [
    ("县市场监督管理局", 900_000, 899_000, 900_000, 4, 900_000, 6),  # 0.0011%
    ("县公安局", 600_000, 595_000, 600_000, 100, 600_000, 60),  # worst: first
    (SCRIPT, 50_000, 44_000, 50_000, 0, 50_000, 0),  # tie at 0, fewer received: last
    ("县人力资源和社会保障局", 500_000, 500_000, 500_000, 0, 500_000, 0),
]


def _data(language: str = "zh", kind: str = "year", late_total: int = 5) -> ReportData:
    totals = _figures(
        2_050_000, 2_038_000, 2_050_000, 104, 2_050_000, 66,
        pending_late=3, open_late=7, cross_region=1_234, mean_processing_workdays=2.4,
        warnings=310, overdue=104, escalated=12, early_rate=0.61,
    )  # fmt: skip
    previous = _figures(
        1_980_000, 1_950_000, 1_980_000, 150, 1_975_000, 90,
        pending_late=5, open_late=9, cross_region=1_001, mean_processing_workdays=2.6,
        warnings=400, overdue=150, escalated=20, early_rate=0.55,
    )  # fmt: skip
    departments = []
    for name, *numbers in DEPARTMENTS:
        figures = _figures(*numbers)
        departments.append({"department": name, **figures, "previous": dict(figures)})
    late_cases = [
        {
            "case_id": "SX3307260008224152",
            "item_name": f"个体工商户登记(申请人身份证{ID_NUMBER})",
            "department": "县公安局",
            "obligation": "completion",
            "deadline": date(2025, 3, 14),
            "late_workdays": 12,
        },
        {
            "case_id": "=HYPERLINK(1)",
            "item_name": SCRIPT,
            "department": SCRIPT,
            "obligation": "acceptance",
            "deadline": date(2025, 6, 3),
            "late_workdays": 3,
        },
        {
            "case_id": "SX3307260008224153",
            "item_name": "见 https://example.gov.cn/item?id=1 与 HTTP://x",
            "department": "县公安局",
            "obligation": "completion",
            "deadline": date(2025, 6, 3),
            "late_workdays": 1,
        },
    ]
    trend = [
        {
            "period": f"2025-{month:02d}" if kind != "year" else str(2013 + month),
            "accepted_late_rate": 0.00004 + month * 0.000002,
            "completed_late_rate": 0.00003 + (month % 3) * 0.000003,
            "online_rate": 0.99 + month * 0.0003,
        }
        for month in range(1, 13)
    ]
    trend[4]["completed_late_rate"] = None  # a gap
    trend[0]["period"] = "<b>" + trend[0]["period"]  # escaped in the SVG too
    return ReportData(
        period="2025" if kind == "year" else "2025-05",
        kind=kind,
        previous="2024" if kind == "year" else "2025-04",
        generated_at=datetime(2026, 1, 2, 8, 30),
        language=language,
        estimated_calendar=True,
        completion_denominator="all",
        totals=totals,
        previous_totals=previous,
        departments=departments,
        numerators={**_fractions(totals), "mean_processing_workdays": (4_920_000, 2_050_000)},
        department_numerators=[_fractions(d) for d in departments],
        trend=trend,
        late_cases=late_cases,
        late_cases_total=late_total,
        quality=[("缺少受理时间", 12), ("办结时间早于申请时间", 3)],
        quality_total=15,
        definitions=DEFINITIONS,
    )


# --- narrative ----------------------------------------------------------------------------


def test_narrative_year_zh() -> None:
    assert narrative(_data()) == (
        "全年全渠道办件205.0万件次，“一网通办”办件203.8万件次，“一网通办”办件率99.41%；"
        "超期受理104件，超期受理率0.0051%；超期办结66件，超期办结率0.0032%。"
    )


def test_narrative_year_en() -> None:
    assert narrative(_data("en")) == (
        "In the year, 2,050,000 cases were received through all channels, 2,038,000 of them "
        "online, an online rate of 99.41%; 104 cases were accepted late, a late-acceptance "
        "rate of 0.0051%; 66 cases were completed late, a late-completion rate of 0.0032%."
    )


# --- HTML ---------------------------------------------------------------------------------

HEADLINE = ("205.0万", "99.41%", "0.0051%", "0.0032%", "104 / 2,050,000 = 0.0051%")


def test_ranking() -> None:
    names = [row["department"] for row, _ in ranked_departments(_data())]
    assert names == ["县公安局", "县市场监督管理局", "县人力资源和社会保障局", SCRIPT]


def test_html_year_zh() -> None:
    html = render_html(_data())
    assert html.startswith("<!DOCTYPE html>")
    assert '<meta name="viewport"' in html
    assert "@media print" in html
    assert "http://" not in html
    assert "https://" not in html
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<svg" in html
    assert "<?xml" not in html
    assert "<!DOCTYPE svg" not in html
    assert "2025年办件监测年报" in html
    assert narrative(_data()) in html
    for text in HEADLINE:
        assert text in html
    assert "66 / 2,050,000 = 0.0032%" in html
    assert "2,038,000 / 2,050,000 = 99.41%" in html
    assert "4,920,000 / 2,050,000 = 2.40" in re.sub(r"<[^>]+>", "", html)
    # the change against the previous period, with the previous value
    assert "↓ 0.0025个百分点" in html  # 104/2,050,000 against 150/1,980,000
    assert "上期 0.0076%" in html
    # 红黑榜 order
    body = html[html.index('<section class="departments">') :]
    positions = [body.index(str(_escaped(name))) for name, *_ in DEPARTMENTS]
    assert positions[1] < positions[0] < positions[3] < positions[2]
    assert "100 / 600,000 = 0.017%" in re.sub(r"<[^>]+>", "", body)
    # masking and the late-case list
    assert ID_NUMBER not in html
    assert MASKED_ID in html
    assert "另有 2 件未列出。" in html
    assert "见 https[:]//example.gov.cn/item?id=1 与 HTTP[:]//x" in html
    assert "<b>" not in html
    assert "=HYPERLINK(1)" in html
    # quality, definitions, notes
    assert "缺少受理时间" in html
    for key in FIGURE_KEYS:
        assert str(escape(DEFINITIONS[key][0])) in html
    assert "超期办结率的分母为本期办结的全部办件（含即办件）。" in html
    assert "估算日历" in html
    # the chart keeps its text as text, in the page's namespace
    assert "超期受理率" in html[html.index("<svg") : html.index("</svg>")]
    assert "xmlns" not in html


def _escaped(name: str) -> str:
    return name.replace("<", "&lt;").replace(">", "&gt;")


def test_html_month_en() -> None:
    data = _data("en", kind="month", late_total=2)
    data.estimated_calendar = False
    data.completion_denominator = "exclude_immediate"
    html = render_html(data)
    assert '<html lang="en">' in html
    assert "Case monitoring report, May 2025" in html
    assert "Compared with April 2025" in html
    assert "2,050,000" in html
    assert "205.0万" not in html
    assert "more not listed" not in html
    assert "excluding immediate cases" in html
    assert "estimated calendar" not in html
    assert "In the year" not in html  # the narrative opens year reports only
    assert "<svg" in html


def test_html_empty_sections() -> None:
    data = _data()
    data.departments, data.department_numerators, data.trend = [], [], []
    data.late_cases, data.late_cases_total, data.quality, data.quality_total = [], 0, [], 0
    html = render_html(data)
    assert "<svg" not in html
    assert "本期无超期办件。" in html
    assert "未发现数据质量问题。" in html
    assert "本期无部门数据。" in html


def test_html_refuses_unknown_language() -> None:
    with pytest.raises(ValueError, match="language"):
        render_html(_data("fr"))


# --- Excel --------------------------------------------------------------------------------


def test_excel(tmp_path: Path) -> None:
    path = write_excel(_data(), tmp_path / "2025.xlsx")
    book = load_workbook(path)
    assert tuple(book.sheetnames) == SHEETS
    assert SHEETS[:4] == ("汇总", "部门", "超期明细", "数据质量")

    summary = book["汇总"]
    assert summary.freeze_panes == "A2"
    assert summary["A1"].font.bold
    rows = {row[0].value: row for row in summary.iter_rows(min_row=2, max_row=19)}
    late = rows["超期受理率"]
    assert late[1].value == pytest.approx(104 / 2_050_000)
    assert late[1].number_format == "0.0000%"
    assert late[2].value == pytest.approx(150 / 1_980_000)
    assert "%" in late[3].number_format
    assert (late[4].value, late[5].value) == (104, 2_050_000)
    assert rows["“一网通办”办件率"][1].number_format == "0.00%"
    assert rows["办件量"][1].value == 2_050_000
    assert rows["办件量"][1].number_format == "#,##0"
    mean = rows["平均办理时长(工作日)"]
    assert (mean[1].value, mean[1].number_format, mean[4].value) == (2.4, "0.00", 4_920_000)

    departments = book["部门"]
    assert departments.freeze_panes == "C2"
    names = [departments.cell(row=r, column=2).value for r in range(2, 6)]
    assert names == ["县公安局", "县市场监督管理局", "县人力资源和社会保障局", SCRIPT]
    header = [cell.value for cell in departments[1]]
    column = header.index("超期受理率") + 1
    assert departments.cell(row=2, column=column).number_format == "0.000%"
    assert "%" in departments.cell(row=3, column=column).number_format

    cases = book["超期明细"]
    assert cases.freeze_panes == "A2"
    assert cases["B2"].value == f"个体工商户登记(申请人身份证{MASKED_ID})"
    assert cases["A3"].value == "=HYPERLINK(1)"
    assert cases["A3"].data_type == "s"
    assert cases["A3"].quotePrefix
    assert cases["B3"].value == SCRIPT
    assert cases["E2"].value == datetime(2025, 3, 14)
    assert cases["B4"].value.startswith("见 https://example.gov.cn")  # Excel: text as it is
    assert cases["A6"].value == "另有 2 件未列出。"

    quality = book["数据质量"]
    assert [quality["A2"].value, quality["B2"].value] == ["缺少受理时间", 12]
    assert quality["B5"].value == 15
    assert all(book[name].column_dimensions["A"].width >= 6 for name in SHEETS)


# --- index --------------------------------------------------------------------------------


def test_index() -> None:
    entries = [
        {"period": "2025-04", "kind": "month", "generated_at": datetime(2025, 5, 1, 8),
         "files": ["2025-04.html", "2025-04.xlsx", "2025-04.json"]},
        {"period": "2025", "kind": "year", "generated_at": datetime(2026, 1, 2, 8),
         "files": ["2025.html"]},
        {"period": "2025-Q2", "kind": "quarter", "generated_at": "2025-07-01T08:00:00",
         "files": ["2025-Q2.html"]},
        {"period": "2025-06", "kind": "month", "generated_at": datetime(2025, 7, 1, 8),
         "files": ["2025-06.html"]},
    ]  # fmt: skip
    html = render_index(entries)
    order = [html.index(f'href="./{name}"') for name in
             ("2025.html", "2025-Q2.html", "2025-06.html", "2025-04.html")]  # fmt: skip
    assert order == sorted(order)
    assert "2025年第二季度" in html
    assert "2025-07-01 08:00" in html
    assert "Q2 2025" in render_index(entries, language="en")
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert "尚无报告" in render_index([])
    with pytest.raises(ValueError, match="file name"):
        render_index([{"period": "2025", "kind": "year", "files": ["../x.html"]}])


# --- a real browser -----------------------------------------------------------------------


def _chromium(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", *arguments,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")
def test_browser(tmp_path: Path) -> None:
    page = tmp_path / "2025.html"
    page.write_text(render_html(_data()), encoding="utf-8")
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    text = re.sub(r"<[^>]+>", "", dom)
    for figure in HEADLINE:
        assert figure in text
    assert SCRIPT in text.replace("&lt;", "<").replace("&gt;", ">")  # shown, not run
    assert "<script" not in dom
    shot = tmp_path / "report.png"
    _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000


def test_narrative_en_says_one_case_in_the_singular() -> None:
    data = _data("en")
    data.totals.update(received=1, online=1, accepted_late=1, completed_late=0)
    text = narrative(data)
    assert "1 case was received through all channels" in text
    assert "1 case was accepted late" in text
    assert "0 cases were completed late" in text
    assert "1 cases" not in text
