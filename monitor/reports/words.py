"""The words of the period reports, per language: figure names, headings, notes, titles.

Chinese follows the usage of government work reports (full-width punctuation, “一网通办”);
English is a plain translation for readers without Chinese.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["LABELS", "WORDS", "period_title"]

#: The name of each figure, per language.
LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "received": "办件量",
        "online": "“一网通办”办件量",
        "online_rate": "“一网通办”办件率",
        "cross_region": "异地通办件数",
        "accepted": "受理量",
        "accepted_late": "超期受理件数",
        "accepted_late_rate": "超期受理率",
        "pending_late": "超期未受理件数",
        "completed": "办结量",
        "completed_late": "超期办结件数",
        "completed_late_rate": "超期办结率",
        "open_late": "超期未办结件数",
        "on_time_rate": "按时办结率",
        "early_rate": "提前办结率",
        "mean_processing_workdays": "平均办理时长(工作日)",
        "warnings": "预警数",
        "overdue": "超期告警数",
        "escalated": "督办数",
        "warning_response_rate": "预警响应率",
        "mean_response_workdays": "平均响应时长(工作日)",
        "late_explained_rate": "超期件说明率",
        "late_explanation_accepted_rate": "超期说明通过率",
    },
    "en": {
        "received": "Cases received",
        "online": "Received online",
        "online_rate": "Online rate",
        "cross_region": "Cross-region cases",
        "accepted": "Cases accepted",
        "accepted_late": "Accepted late",
        "accepted_late_rate": "Late-acceptance rate",
        "pending_late": "Late, not yet accepted",
        "completed": "Cases completed",
        "completed_late": "Completed late",
        "completed_late_rate": "Late-completion rate",
        "open_late": "Late, not yet completed",
        "on_time_rate": "On-time rate",
        "early_rate": "Early-completion rate",
        "mean_processing_workdays": "Mean processing time (working days)",
        "warnings": "Warnings raised",
        "overdue": "Overdue alerts raised",
        "escalated": "Escalations raised",
        "warning_response_rate": "Warning response rate",
        "mean_response_workdays": "Mean response time (working days)",
        "late_explained_rate": "Overdue explanation rate",
        "late_explanation_accepted_rate": "Overdue explanations accepted",
    },
}

WORDS: dict[str, dict[str, Any]] = {
    "zh": {
        "html_lang": "zh-CN",
        "title": {
            "month": "{period}办件监测月报",
            "quarter": "{period}办件监测季报",
            "year": "{period}办件监测年报",
        },
        "span": {"month": "本月", "quarter": "本季度", "year": "全年"},
        "narrative": (
            "{span}全渠道办件{received}件次，“一网通办”办件{online}件次，“一网通办”办件率"
            "{online_rate}；超期受理{accepted_late}件，超期受理率{accepted_late_rate}；"
            "超期办结{completed_late}件，超期办结率{completed_late_rate}。"
        ),
        "generated": "生成时间：{at}（北京时间）",
        "compared": "对比上期：{previous}",
        "headline": "主要指标",
        "previous": "上期",
        "summary": "指标明细",
        "summary_columns": ("指标", "本期", "计算", "上期", "变化"),
        "departments": "各部门情况（红黑榜）",
        "departments_note": (
            "按超期受理率与超期办结率之和从高到低排列；相同时依次按预警响应率、超期件说明率"
            "从低到高（无可响应或可说明的预警视为100%），再按办件量从多到少排列；"
            "比率均列出分子、分母。"
        ),
        "department_columns": ("排名", "部门"),
        "ranked": {
            "city": ("各地市情况（红黑榜）", "地市"),
            "county": ("各区县情况（红黑榜）", "区县"),
        },
        "region_title": "{name}",
        "index_region": "全部",
        "alerts_column": "预警 / 超期告警 / 督办",
        "no_departments": "本期无部门数据。",
        "trend": "近12期趋势",
        "chart_title": "近12期超期受理率、超期办结率与“一网通办”办件率",
        "chart_late": "超期受理率、超期办结率",
        "chart_online": "“一网通办”办件率",
        "no_trend": "暂无趋势数据。",
        "late": "超期办件明细",
        "late_count": "共 {n} 件，按超期工作日从多到少排列。",
        "late_columns": ("办件编号", "事项", "部门", "环节", "截止日", "超期工作日"),
        "more": "另有 {n} 件未列出。",
        "no_late": "本期无超期办件。",
        "obligation": {"acceptance": "受理", "completion": "办结"},
        "quality": "数据质量",
        "quality_count": "存在数据质量问题的记录共 {n} 行。",
        "quality_columns": ("问题", "记录数"),
        "no_quality": "未发现数据质量问题。",
        "definitions": "指标口径",
        "denominators": {
            "all": "超期办结率的分母为本期办结的全部办件（含即办件）。",
            "exclude_immediate": "超期办结率的分母为本期办结的办件，不含即办件。",
        },
        "warning_source": {
            "derived": (
                "预警、超期、督办数由办件数据按预警规则推算（预警台账中本期没有预警运行记录）。"
            ),
            "ledger": "预警、超期、督办数取自预警台账（本期预警运行自 {first} 至 {last}）。",
            "partial": (
                "预警、超期、督办数取自预警台账，但台账只覆盖本期的 {first} 至 {last}，"
                "此外发出的预警未计入。"
            ),
        },
        "loop_source": {
            "unknown": (
                "预警响应率、平均响应时长、超期件说明率、超期说明通过率取自预警台账与处理反馈；"
                "预警台账中本期没有预警运行记录，以“—”表示。"
            ),
            "ledger": (
                "预警响应率、平均响应时长、超期件说明率、超期说明通过率取自预警台账与处理反馈，"
                "计至报告生成时；预警响应率按首次发现后 {n} 个工作日内响应计。"
            ),
        },
        "estimated": (
            "注：本报告涉及的部分年份尚无官方公布的节假日与调休安排，工作日按估算日历计算，"
            "相关期限与超期工作日可能有偏差。"
        ),
        "footer": "本报告由办件监测系统生成；身份证号码、手机号码已脱敏。",
        "kinds": {"month": "月报", "quarter": "季报", "year": "年报"},
        "index_title": "办件监测报告目录",
        "index_columns": ("报告期", "地区", "类型", "生成时间", "文件"),
        "index_empty": "尚无报告。",
    },
    "en": {
        "html_lang": "en",
        "title": {
            "month": "Case monitoring report, {period}",
            "quarter": "Case monitoring report, {period}",
            "year": "Annual case monitoring report, {period}",
        },
        "span": {"month": "In the month", "quarter": "In the quarter", "year": "In the year"},
        "narrative": (
            "{span}, {received} received through all channels, {online} of them online, an "
            "online rate of {online_rate}; {accepted_late} accepted late, a late-acceptance "
            "rate of {accepted_late_rate}; {completed_late} completed late, a late-completion "
            "rate of {completed_late_rate}."
        ),
        "generated": "Generated {at} (Asia/Shanghai)",
        "compared": "Compared with {previous}",
        "headline": "Headline figures",
        "previous": "previous",
        "summary": "All figures",
        "summary_columns": ("Figure", "This period", "Calculation", "Previous", "Change"),
        "departments": "Departments (ranked)",
        "departments_note": (
            "Highest late-acceptance rate plus late-completion rate first; then the lowest "
            "warning response rate, then the lowest overdue explanation rate (100% when there "
            "was nothing to answer or explain); then most cases received; every rate with its "
            "numerator and denominator."
        ),
        "department_columns": ("Rank", "Department"),
        "ranked": {
            "city": ("Cities (ranked)", "City"),
            "county": ("Counties (ranked)", "County"),
        },
        "region_title": "{name}",
        "index_region": "All",
        "alerts_column": "Warnings / overdue / escalated",
        "no_departments": "No department data for the period.",
        "trend": "Trend over 12 periods",
        "chart_title": "Late-acceptance, late-completion and online rates over 12 periods",
        "chart_late": "Late-acceptance and late-completion rates",
        "chart_online": "Online rate",
        "no_trend": "No trend data yet.",
        "late": "Late cases",
        "late_count": "{n} in all, most working days late first.",
        "late_columns": ("Case", "Item", "Department", "Step", "Deadline", "Working days late"),
        "more": "{n} more not listed.",
        "no_late": "No late cases in the period.",
        "obligation": {"acceptance": "acceptance", "completion": "completion"},
        "quality": "Data quality",
        "quality_count": "{n} records have data-quality problems.",
        "quality_columns": ("Problem", "Records"),
        "no_quality": "No data-quality problems found.",
        "definitions": "Definitions",
        "denominators": {
            "all": "The late-completion rate is over all cases completed in the period "
            "(including immediate cases, 即办件).",
            "exclude_immediate": "The late-completion rate is over the cases completed in the "
            "period excluding immediate cases (即办件).",
        },
        "warning_source": {
            "derived": "Warnings, overdue and escalated are derived from the cases by the alert "
            "rules (the warning ledger has no alert run in this period).",
            "ledger": "Warnings, overdue and escalated come from the warning ledger (alert runs "
            "from {first} to {last}).",
            "partial": "Warnings, overdue and escalated come from the warning ledger, which covers "
            "only {first} to {last} of the period: alerts outside that span are not counted.",
        },
        "loop_source": {
            "unknown": "The warning response rate, mean response time, overdue explanation rate "
            "and overdue explanations accepted come from the warning ledger and the "
            "departments' answers; the ledger has no alert run in this period, so they are "
            "shown as —.",
            "ledger": "The warning response rate, mean response time, overdue explanation rate "
            "and overdue explanations accepted come from the warning ledger and the "
            "departments' answers recorded when the report was made; a warning is answered in "
            "time within {n} working days of the day it was first seen.",
        },
        "estimated": (
            "Note: some years in this report have no published holiday schedule; working days "
            "follow an estimated calendar, so deadlines and working days late may be off."
        ),
        "footer": "Generated by the case monitor; identity-card and mobile numbers are masked.",
        "kinds": {"month": "monthly", "quarter": "quarterly", "year": "annual"},
        "index_title": "Case monitoring reports",
        "index_columns": ("Period", "Region", "Kind", "Generated", "Files"),
        "index_empty": "No reports yet.",
    },
}

_QUARTERS_ZH = "一二三四"
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def period_title(period: str, kind: str, language: str) -> str:
    """A period label for people: ``2025年5月`` / ``May 2025``, ``2025年第二季度`` / ``Q2 2025``."""
    month = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", period)
    quarter = re.fullmatch(r"(\d{4})-Q([1-4])", period)
    if month and kind != "year":
        year, number = month[1], int(month[2])
        return f"{year}年{number}月" if language == "zh" else f"{_MONTHS_EN[number - 1]} {year}"
    if quarter:
        year, number = quarter[1], int(quarter[2])
        return (
            f"{year}年第{_QUARTERS_ZH[number - 1]}季度" if language == "zh" else f"Q{number} {year}"
        )
    if re.fullmatch(r"\d{4}", period):
        return f"{period}年" if language == "zh" else period
    return period
