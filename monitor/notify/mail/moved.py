"""Deadline-moved notices (截止日调整): the open cases whose deadline the monitor moved because
the working-day calendar changed under it (a holidays upgrade with a new year's schedule, a
year given under ``[calendar.years]``, a closure added after the fact), old and new day and
why. One per recipient list, sent by the alert run after the change; same masking, escaping
and inlining as the alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from monitor.notify.mail.render import RenderedMail
from monitor.notify.mail.resolved import render_notice

__all__ = ["MovedItem", "render_moved"]

_WORDS = {
    "zh": {
        "prefix": "【办件截止日调整】",
        "sep": ":",
        "count": "{n} 件截止日变更",
        "departments": "{n}个部门",
        "intro": "因工作日历调整，以下在办办件的截止日已重新计算，请按新截止日办理。",
        "why": "原因：{why}",
        "at": "统计时间：{at}",
        "columns": ("办件编号", "部门", "事项", "环节", "原截止日", "新截止日"),
        "obligation": {"acceptance": "受理", "completion": "办结"},
    },
    "en": {
        "prefix": "[Case deadlines moved] ",
        "sep": ": ",
        "count": "{n} deadlines moved",
        "departments": "{n} departments",
        "intro": "The working-day calendar changed: these open cases have new deadlines.",
        "why": "Why: {why}",
        "at": "As of {at} (Asia/Shanghai)",
        "columns": ("Case", "Department", "Item", "Step", "Old deadline", "New deadline"),
        "obligation": {"acceptance": "acceptance", "completion": "completion"},
    },
}


@dataclass(frozen=True)
class MovedItem:
    """One open obligation whose deadline moved."""

    case_id: str
    department: str
    item_name: str
    obligation: str
    old_deadline: date
    new_deadline: date


def render_moved(
    items: list[MovedItem], why: str, generated_at: datetime, language: str
) -> RenderedMail:
    """Subject, plain text and HTML of a deadline-moved notice; ``why`` says what changed."""
    words = _WORDS[language]
    return render_notice("moved", words, items, generated_at, why=words["why"].format(why=why))
