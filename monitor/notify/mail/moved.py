"""Deadline-moved notices (截止日调整): the open cases whose deadline the monitor moved because
the working-day calendar changed under it (a holidays upgrade with a new year's schedule, a
year given under ``[calendar.years]``, a closure added after the fact), old and new day and
why. One per recipient list, sent by the alert run after the change; same masking, escaping
and inlining as the alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from monitor.clock import local
from monitor.mask import mask
from monitor.notify.mail.render import RenderedMail, inline_css
from monitor.templating import environment
from monitor.text import one_line

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
    w = _WORDS[language]
    departments = list(dict.fromkeys(i.department for i in items))
    who = (
        one_line(mask(departments[0]))
        if len(departments) == 1
        else w["departments"].format(n=len(departments))
    )
    subject = f"{w['prefix']}{who}{w['sep']}{w['count'].format(n=len(items))}"
    context = {
        "subject": subject,
        "w": w,
        "items": items,
        "why": w["why"].format(why=why),
        "at": w["at"].format(at=local(generated_at).strftime("%Y-%m-%d %H:%M")),
    }
    env = environment()
    html = inline_css(env.get_template("mail/moved.html.j2").render(context))
    text = env.get_template("mail/moved.txt.j2").render(context)
    return RenderedMail(subject=subject, text=text, html=html)
