"""The period report (issue 5) as one self-contained HTML file, and the index of reports.

:class:`ReportData` holds everything a report shows; the report job fills it from the figures
of DOMAIN.md §5. :func:`render_html` makes ``P.html``: inline CSS, the trend chart as inline
SVG, no JavaScript and no external URL, readable on a phone (the wide tables scroll) and
printable on A4. :func:`narrative` is the opening paragraph of a year report, in the style of
a government work report. :func:`render_index` makes ``index.html``. The Excel workbook is
:func:`monitor.reports.excel.write_excel`.

The chart is drawn by matplotlib as SVG with ``svg.fonttype = 'none'``: its text stays text,
so Chinese labels show in any browser with the reader's own CJK font. Every department, item
and case field goes through :func:`monitor.mask.mask` (the ``mask`` filter) and the
templates are autoescaped, so source data can neither leak an identity number nor inject
markup.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from markupsafe import Markup

from monitor.clock import local
from monitor.reports.chart import trend_svg
from monitor.reports.format import (
    DEPARTMENT_KEYS,
    change,
    format_count,
    format_days,
    format_fraction,
    format_rate,
    format_value,
)
from monitor.reports.model import ReportData, ranked_departments
from monitor.reports.words import LABELS, WORDS, period_title
from monitor.templating import environment
from rules.definitions import FIGURE_KEYS, MEAN_KEYS, RATE_KEYS

__all__ = ["narrative", "render_html", "render_index"]

_HEADLINE = ("received", "online_rate", "accepted_late_rate", "completed_late_rate")
_COUNT_CARDS = ("pending_late", "open_late")
_ALERT_KEYS = ("warnings", "overdue", "escalated")


def _words(language: str) -> dict[str, Any]:
    if language not in WORDS:
        raise ValueError(f"expected language 'zh' or 'en', found {language!r}")
    return WORDS[language]


def narrative(data: ReportData) -> str:
    """The opening paragraph, every number from ``data.totals``.

    For a year in Chinese: ``全年全渠道办件205.0万件次，“一网通办”办件203.8万件次，“一网通办”
    办件率99.41%；超期受理104件，超期受理率0.0051%；超期办结66件，超期办结率0.0032%。``
    """
    words = _words(data.language)
    totals = data.totals

    def cases(key: str) -> str:  # English: "1 case was", "104 cases were"; Chinese: "104"
        n, shown = totals.get(key), format_count(totals.get(key), data.language)
        if data.language != "en":
            return shown
        return f"{shown} case was" if n == 1 else f"{shown} cases were"

    return words["narrative"].format(
        span=words["span"].get(data.kind, words["span"]["month"]),
        received=cases("received"),
        online=format_count(totals.get("online"), data.language),
        online_rate=format_rate(totals.get("online_rate")),
        accepted_late=cases("accepted_late"),
        accepted_late_rate=format_rate(totals.get("accepted_late_rate")),
        completed_late=cases("completed_late"),
        completed_late_rate=format_rate(totals.get("completed_late_rate")),
    )


def _cell(key: str, value: Any, fractions: dict[str, tuple[int, int]], language: str) -> str:
    """A figure as shown in a table: ``n / d = r`` for a rate (or a mean) with its fraction."""
    if key in fractions and (key in RATE_KEYS or key in MEAN_KEYS):
        numerator, denominator = fractions[key]
        if key in RATE_KEYS:
            return format_fraction(numerator, denominator, value)
        return f"{int(numerator):,} / {int(denominator):,} = {format_days(value)}"
    return format_value(key, value, language)


def _context(data: ReportData, chart: Markup | None) -> dict[str, Any]:
    words = _words(data.language)
    labels = LABELS[data.language]
    lang = data.language

    def figure(key: str) -> dict[str, Any]:
        value = data.totals.get(key)
        shown = format_value(key, value, lang)
        return {
            "key": key,
            "label": labels[key],
            "value": shown,
            "exact": f"{value:,}" if isinstance(value, int) and f"{value:,}" != shown else "",
            "fraction": _cell(key, value, data.numerators, lang) if key in data.numerators else "",
            "change": change(key, value, data.previous_totals.get(key), lang),
        }

    late_cases = [
        {
            **case,
            "obligation": words["obligation"].get(case.get("obligation"), case.get("obligation")),
            "deadline": _day(case.get("deadline")),
            "late_workdays": format_count(case.get("late_workdays"), "en"),
        }
        for case in data.late_cases
    ]
    title = words["title"].get(data.kind, words["title"]["month"])
    title = title.format(period=period_title(data.period, data.kind, lang))
    return {
        "t": _ranked_words(words, data.region),
        "title": f"{data.region['name']} {title}" if data.region else title,
        "previous_title": period_title(data.previous, data.kind, lang),
        "generated_at": local(data.generated_at).strftime("%Y-%m-%d %H:%M"),
        "narrative": narrative(data) if data.kind == "year" else "",
        "headline": [figure(key) for key in _HEADLINE],
        "count_cards": [figure(key) for key in _COUNT_CARDS],
        "summary": [figure(key) for key in FIGURE_KEYS],
        "department_columns": [labels[key] for key in DEPARTMENT_KEYS if key not in _ALERT_KEYS],
        "departments": _department_rows(data),
        "chart": trend_svg(data.trend, lang) if chart is None else chart,
        "late_cases": late_cases,
        "late_more": max(0, data.late_cases_total - len(data.late_cases)),
        "late_total": data.late_cases_total,
        "quality": data.quality,
        "quality_total": format_count(data.quality_total, "en"),
        "definitions": _definitions(data),
        "estimated": data.estimated_calendar,
        "warning_source": _warning_source(data),
        "loop_note": _loop_note(data),
        "denominator": words["denominators"].get(
            data.completion_denominator, data.completion_denominator
        ),
    }


def _ranked_words(words: dict[str, Any], region: dict[str, str] | None) -> dict[str, Any]:
    """The words of a report whose ranking is of cities or counties, not departments."""
    if region is None or region.get("ranks") not in words["ranked"]:
        return words
    heading, column = words["ranked"][region["ranks"]]
    rank = words["department_columns"][0]
    return {**words, "departments": heading, "department_columns": (rank, column)}


def _warning_source(data: ReportData) -> str:
    """Where the warning counts come from, as a sentence."""
    source, texts = data.warning_source, _words(data.language)["warning_source"]
    if not source.ledger or source.first is None or source.last is None:
        return texts["derived"]
    text = texts["ledger" if source.complete else "partial"]
    return text.format(first=f"{source.first:%Y-%m-%d %H:%M}", last=f"{source.last:%Y-%m-%d %H:%M}")


def _loop_note(data: ReportData) -> str:
    """Where the answer loop's figures come from (and the N of 预警响应率), as a sentence."""
    texts = _words(data.language)["loop_source"]
    if not data.answer_loop:
        return texts["unknown"]
    return texts["ledger"].format(n=data.response_workdays)


def _department_rows(data: ReportData) -> list[dict[str, Any]]:
    """The 红黑榜 rows: rank, name, and a cell (with the previous value) per column."""
    lang = data.language
    departments = []
    for rank, (row, fractions) in enumerate(ranked_departments(data), start=1):
        previous = row.get("previous") or {}
        cells = [
            {
                "text": _cell(key, row.get(key), fractions, lang),
                "previous": format_value(key, previous.get(key), lang) if previous else "",
            }
            for key in DEPARTMENT_KEYS
            if key not in _ALERT_KEYS
        ]
        alerts = " / ".join(format_value(k, row.get(k), lang) for k in ("warnings", "overdue"))
        cells.append(
            {
                "text": f"{alerts} / {format_value('escalated', row.get('escalated'), lang)}",
                "previous": "",
            }
        )
        departments.append({"rank": rank, "name": row.get("department", ""), "cells": cells})
    return departments


def _definitions(data: ReportData) -> list[tuple[str, str]]:
    """(label, definition) of every figure, in the order of the figures."""
    labels = LABELS[data.language]
    return [
        (labels.get(key, key), text[0] if data.language == "zh" else text[1])
        for key, text in sorted(
            data.definitions.items(),
            key=lambda item: (
                FIGURE_KEYS.index(item[0]) if item[0] in FIGURE_KEYS else len(FIGURE_KEYS),
                item[0],
            ),
        )
    ]


def render_html(data: ReportData, chart: Markup | None = None) -> str:
    """``P.html``: the whole report as one self-contained HTML document; ``chart`` is the
    trend chart when it was drawn already (:mod:`monitor.reports.drawing`)."""
    html = environment().get_template("reports/report.html.j2").render(_context(data, chart))
    if re.search(r"(?i)https?://", html):
        # The templates and the chart have none, and the mask filter defangs any in the
        # data: a URL here is a bug; refuse rather than write a page that links out.
        raise ValueError("the report would contain an external URL")
    return html


def render_index(entries: list[dict[str, Any]], language: str | None = None) -> str:
    """``index.html``: every report in the folder, newest period first.

    Each entry has ``period`` (label), ``kind`` ("month" | "quarter" | "year"),
    ``generated_at`` (datetime or ISO text) and ``files`` (file names in the folder, e.g.
    ``["2025-05.html", "2025-05.xlsx", "2025-05.json"]``). The page is in ``language``,
    by default that of the first entry with a ``language`` key, else Chinese.
    """
    if language is None:
        language = next((e["language"] for e in entries if e.get("language")), "zh")
    words = _words(language)
    rows = []
    for entry in sorted(entries, key=_index_key, reverse=True):
        files = [str(name) for name in entry.get("files", [])]
        for name in files:
            if "/" in name or "\\" in name or ":" in name or name.startswith("."):
                raise ValueError(f"expected a file name in the report folder, found {name!r}")
        kind = str(entry.get("kind", ""))
        rows.append(
            {
                "title": period_title(str(entry["period"]), kind, language),
                "region": _index_region(entry.get("region"), words),
                "kind": words["kinds"].get(kind, kind),
                "generated_at": _moment_text(entry.get("generated_at")),
                "files": files,
            }
        )
    return environment().get_template("reports/index.html.j2").render(t=words, rows=rows)


def _index_region(region: Any, words: dict[str, Any]) -> dict[str, Any]:
    """A row's region: its name and level (0 for all cases, 1 province, 2 city, 3 county)."""
    if not isinstance(region, dict):
        return {"name": words["index_region"], "level": 0}
    levels = {"province": 1, "city": 2, "county": 3}
    return {"name": str(region.get("name", "")), "level": levels.get(region.get("level"), 0)}


def _index_key(entry: dict[str, Any]) -> tuple[str, int, str, str]:
    """Sort key: the period's last month (``2025-Q2`` ends in 2025-06), then longer first,
    then the regions in reverse code order (shown reversed: a province before its cities,
    each city before its counties, the report of all cases first)."""
    period = str(entry.get("period", ""))
    match = re.fullmatch(r"(\d{4})(?:-(?:(\d{2})|Q([1-4])))?", period)
    if match is None:
        end = period
    else:
        month = int(match[2]) if match[2] else int(match[3]) * 3 if match[3] else 12
        end = f"{match[1]}-{month:02d}"
    rank = {"year": 2, "quarter": 1}.get(str(entry.get("kind")), 0)
    region = entry.get("region")
    code = str(region.get("prefix", "")) if isinstance(region, dict) else ""
    return end, rank, _reverse(code), _moment_text(entry.get("generated_at"))


def _reverse(code: str) -> str:
    """A text that sorts in the reverse order of ``code``'s (prefixes first, reversed)."""
    return "".join(chr(0x10000 - ord(c)) for c in code) + "\uffff"


def _moment_text(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return local(value).strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def _day(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, date) else ("" if value is None else str(value))
