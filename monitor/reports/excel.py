"""The period report as an Excel workbook (``P.xlsx``, issue 5).

Sheets 汇总 (every figure with the previous period, the change, and each rate's numerator and
denominator), 部门 (the departments in the order of the 红黑榜: their figures, the previous
period's rates, then each rate's numerator and denominator), 超期明细 (the late cases),
数据质量 (the data-quality problems) and 指标口径 (the definitions). Rates are stored as
fractions with a percent format that shows at least two significant digits (104 / 2,050,000
shows 0.0051%, not 0.00%); counts are numbers. Header rows are bold and frozen.

Text from the source system is written as text only: masked like the HTML report
(:func:`monitor.mask.mask`), stripped of characters XML cannot hold, never a formula,
and a value that starts with ``= + - @`` gets Excel's quote prefix so that editing the cell
does not turn it into one either (formula injection).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from monitor.clock import local
from monitor.mask import mask
from monitor.reports.format import percent_format
from monitor.reports.model import ReportData, ranked_departments
from monitor.reports.words import LABELS, WORDS, period_title
from monitor.spreadsheet import text_cell
from monitor.text import display_width
from rules.definitions import FIGURE_KEYS, FRACTIONS, MEAN_KEYS, RATE_KEYS

__all__ = ["SHEETS", "write_excel"]

#: The sheet names, in order (the same in both languages).
SHEETS = ("汇总", "部门", "超期明细", "数据质量", "指标口径")

_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {
        "summary": ("指标", "本期", "上期", "变化(比率为百分点)", "分子", "分母"),
        "departments": ("排名", "部门"),
        "previous": ("上期",),
        "parts": ("{label}分子", "{label}分母"),
        "late": ("办件编号", "事项", "部门", "环节", "截止日", "超期工作日"),
        "quality": ("问题", "记录数"),
        "definitions": ("指标", "口径"),
        "meta": ("报告期", "对比上期", "生成时间(北京时间)", "超期办结率分母", "估算日历"),
        "yes_no": ("是", "否"),
        "quality_total": ("存在问题的记录",),
    },
    "en": {
        "summary": (
            "Figure",
            "This period",
            "Previous",
            "Change (rates in points)",
            "Numerator",
            "Denominator",
        ),
        "departments": ("Rank", "Department"),
        "previous": ("Previous",),
        "parts": ("{label} numerator", "{label} denominator"),
        "late": ("Case", "Item", "Department", "Step", "Deadline", "Working days late"),
        "quality": ("Problem", "Records"),
        "definitions": ("Figure", "Definition"),
        "meta": (
            "Period",
            "Compared with",
            "Generated (Asia/Shanghai)",
            "Late-completion denominator",
            "Estimated calendar",
        ),
        "yes_no": ("yes", "no"),
        "quality_total": ("Records with problems",),
    },
}

_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="F3F4F6")
_COUNT_FORMAT = "#,##0"
_DAYS_FORMAT = "0.00"


def write_excel(data: ReportData, path: str | Path) -> Path:
    """Write the workbook of ``data`` to ``path`` and return the path."""
    if data.language not in WORDS:
        raise ValueError(f"expected language 'zh' or 'en', found {data.language!r}")
    columns = _COLUMNS[data.language]
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = SHEETS[0]
    _summary(summary, data, columns)
    _departments(workbook.create_sheet(SHEETS[1]), data, columns)
    _late(workbook.create_sheet(SHEETS[2]), data, columns)
    _quality(workbook.create_sheet(SHEETS[3]), data, columns)
    _definitions(workbook.create_sheet(SHEETS[4]), data, columns)
    workbook.properties.creator = "banjian-monitor"
    target = Path(path)
    workbook.save(target)
    return target


def _text(sheet: Worksheet, row: int, column: int, value: Any) -> Cell:
    """A text cell: masked, XML-safe, never a formula."""
    return text_cell(sheet, row, column, mask("" if value is None else str(value)))


def _figure(sheet: Worksheet, row: int, column: int, key: str, value: Any) -> Cell:
    """A figure cell: a number with the format of its kind, or empty when unknown."""
    cell = sheet.cell(row=row, column=column)
    if value is None or (isinstance(value, float) and value != value):
        return cell
    cell.value = value
    if key in RATE_KEYS:
        cell.number_format = percent_format(value)
    elif key in MEAN_KEYS:
        cell.number_format = _DAYS_FORMAT
    else:
        cell.number_format = _COUNT_FORMAT
    return cell


def _header(sheet: Worksheet, names: tuple[str, ...] | list[str], freeze: str = "A2") -> None:
    for column, name in enumerate(names, start=1):
        cell = _text(sheet, 1, column, name)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = freeze


def _summary(sheet: Worksheet, data: ReportData, columns: dict[str, tuple[str, ...]]) -> None:
    labels = LABELS[data.language]
    _header(sheet, columns["summary"])
    row = 1
    for row, key in enumerate(FIGURE_KEYS, start=2):
        current, previous = data.totals.get(key), data.previous_totals.get(key)
        _text(sheet, row, 1, labels[key])
        _figure(sheet, row, 2, key, current)
        _figure(sheet, row, 3, key, previous)
        if current is not None and previous is not None:
            _figure(sheet, row, 4, key, current - previous)
        if key in data.numerators:
            numerator, denominator = data.numerators[key]
            _figure(sheet, row, 5, "count", numerator)
            _figure(sheet, row, 6, "count", denominator)
    row += 2
    yes, no = columns["yes_no"]
    denominator = WORDS[data.language]["denominators"].get(
        data.completion_denominator, data.completion_denominator
    )
    generated = local(data.generated_at)
    meta = (
        period_title(data.period, data.kind, data.language),
        period_title(data.previous, data.kind, data.language),
        generated.strftime("%Y-%m-%d %H:%M"),
        denominator,
        yes if data.estimated_calendar else no,
    )
    for offset, (name, value) in enumerate(zip(columns["meta"], meta, strict=True)):
        _text(sheet, row + offset, 1, name).font = _BOLD
        _text(sheet, row + offset, 2, value)
    _widths(sheet, skip_rows=set(range(row, row + len(meta))))


def _departments(sheet: Worksheet, data: ReportData, columns: dict[str, tuple[str, ...]]) -> None:
    labels = LABELS[data.language]
    previous_label = columns["previous"][0]
    rank, unit = columns["departments"]
    ranked_words = WORDS[data.language]["ranked"]
    if data.region is not None and data.region.get("ranks") in ranked_words:
        unit = ranked_words[data.region["ranks"]][1]  # 地市 / 区县: a region's report
    names = [rank, unit, *(labels[key] for key in FIGURE_KEYS)]
    names += [f"{previous_label} {labels[key]}" for key in RATE_KEYS]
    parts_at = len(names) + 1
    names += [part.format(label=labels[key]) for key in FRACTIONS for part in columns["parts"]]
    _header(sheet, names, freeze="C2")
    ranked = ranked_departments(data)
    for row, (department, fractions) in enumerate(ranked, start=2):
        _figure(sheet, row, 1, "count", row - 1)
        _text(sheet, row, 2, department.get("department", ""))
        for column, key in enumerate(FIGURE_KEYS, start=3):
            _figure(sheet, row, column, key, department.get(key))
        previous = department.get("previous") or {}
        for column, key in enumerate(RATE_KEYS, start=3 + len(FIGURE_KEYS)):
            _figure(sheet, row, column, key, previous.get(key))
        for column, key in enumerate(FRACTIONS):
            for offset, part in enumerate(fractions.get(key, (None, None))):
                _figure(sheet, row, parts_at + 2 * column + offset, "count", part)
    if ranked:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(names))}{len(ranked) + 1}"
    _widths(sheet)


def _late(sheet: Worksheet, data: ReportData, columns: dict[str, tuple[str, ...]]) -> None:
    words = WORDS[data.language]
    _header(sheet, columns["late"])
    row = 1
    for row, case in enumerate(data.late_cases, start=2):
        _text(sheet, row, 1, case.get("case_id"))
        _text(sheet, row, 2, case.get("item_name"))
        _text(sheet, row, 3, case.get("department"))
        obligation = case.get("obligation")
        _text(sheet, row, 4, words["obligation"].get(obligation, obligation))
        deadline = case.get("deadline")
        if isinstance(deadline, datetime):
            deadline = deadline.date()
        if isinstance(deadline, date):
            cell = sheet.cell(row=row, column=5, value=deadline)
            cell.number_format = "yyyy-mm-dd"
        else:
            _text(sheet, row, 5, deadline)
        _figure(sheet, row, 6, "count", case.get("late_workdays"))
    if data.late_cases:
        sheet.auto_filter.ref = f"A1:F{len(data.late_cases) + 1}"
    hidden = data.late_cases_total - len(data.late_cases)
    if hidden > 0:
        _text(sheet, row + 2, 1, words["more"].format(n=hidden)).font = Font(italic=True)
    _widths(sheet, skip_rows={row + 2} if hidden > 0 else None)


def _quality(sheet: Worksheet, data: ReportData, columns: dict[str, tuple[str, ...]]) -> None:
    _header(sheet, columns["quality"])
    row = 1
    for row, (reason, rows) in enumerate(data.quality, start=2):
        _text(sheet, row, 1, reason)
        _figure(sheet, row, 2, "count", rows)
    _text(sheet, row + 2, 1, columns["quality_total"][0]).font = _BOLD
    _figure(sheet, row + 2, 2, "count", data.quality_total).font = _BOLD
    _widths(sheet)


def _definitions(sheet: Worksheet, data: ReportData, columns: dict[str, tuple[str, ...]]) -> None:
    labels = LABELS[data.language]
    _header(sheet, columns["definitions"])
    keys = [key for key in FIGURE_KEYS if key in data.definitions]
    keys += sorted(key for key in data.definitions if key not in FIGURE_KEYS)
    for row, key in enumerate(keys, start=2):
        _text(sheet, row, 1, labels.get(key, key))
        zh, en = data.definitions[key]
        _text(sheet, row, 2, zh if data.language == "zh" else en).alignment = Alignment(
            wrap_text=True, vertical="top"
        )
    _widths(sheet, cap={2: 80})


def _shown(cell: Cell) -> str:
    """Roughly the text Excel shows for ``cell``, to size its column."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, float) and "%" in cell.number_format:
        return f"{value * 100:.{max(2, cell.number_format.count('0') - 1)}f}%"
    if isinstance(value, int | float) and cell.number_format == _COUNT_FORMAT:
        return f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _widths(
    sheet: Worksheet, cap: dict[int, int] | None = None, skip_rows: set[int] | None = None
) -> None:
    """Column widths from the widest value (CJK counts double), between 6 and 50."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if skip_rows and cell.row in skip_rows:
                continue
            width = display_width(_shown(cell))
            if cell.row == 1:  # headers wrap: half their width is enough
                width = max(6, (width + 1) // 2) if width > 16 else width
            widths[cell.column] = max(widths.get(cell.column, 0), width)
    for column, width in widths.items():
        limit = (cap or {}).get(column, 50)
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 6), limit)
