"""Resolved notices (optional, ``[alerts] resolved_notices``): warnings that ended.

Sent to whoever received the warning, once, when its case was completed (on time or late),
returned to normal, or left the data. Same masking, escaping and inlining as the alerts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.clock import local
from monitor.mask import mask
from monitor.notify.mail.render import RenderedMail, inline_css
from monitor.templating import environment
from monitor.text import one_line

__all__ = ["ResolvedItem", "render_notice", "render_resolved"]

_WORDS = {
    "zh": {
        "prefix": "【办件预警解除】",
        "sep": ":",
        "count": "已解除 {n} 件",
        "departments": "{n}个部门",
        "intro": "以下办件的预警已解除。",
        "at": "统计时间：{at}",
        "columns": ("办件编号", "部门", "事项", "环节", "结果"),
        "obligation": {"acceptance": "受理", "completion": "办结"},
        "resolution": {
            "closed_on_time": "按时办结",
            "closed_late": "超期后办结",
            "cleared": "已恢复正常",
            "disappeared": "已不在数据中",
        },
    },
    "en": {
        "prefix": "[Case alert resolved] ",
        "sep": ": ",
        "count": "{n} resolved",
        "departments": "{n} departments",
        "intro": "These cases are no longer on alert.",
        "at": "As of {at} (Asia/Shanghai)",
        "columns": ("Case", "Department", "Item", "Step", "Outcome"),
        "obligation": {"acceptance": "acceptance", "completion": "completion"},
        "resolution": {
            "closed_on_time": "closed on time",
            "closed_late": "closed late",
            "cleared": "back to normal",
            "disappeared": "no longer in the data",
        },
    },
}


@dataclass(frozen=True)
class ResolvedItem:
    """One obligation whose warning ended, and how (a ledger resolution)."""

    case_id: str
    department: str
    item_name: str
    obligation: str
    resolution: str


def render_resolved(
    items: list[ResolvedItem], generated_at: datetime, language: str
) -> RenderedMail:
    """Subject, plain text and HTML of a resolved notice."""
    return render_notice("resolved", _WORDS[language], items, generated_at)


def render_notice(
    template: str,
    words: dict[str, Any],
    items: Sequence[Any],
    generated_at: datetime,
    **context: object,
) -> RenderedMail:
    """A notice about ``items`` (each with a ``department``): the subject from ``words``
    (prefix, the one department or how many, the count), the ``mail/TEMPLATE`` text and HTML
    (CSS inlined) with ``context``."""
    departments = list(dict.fromkeys(i.department for i in items))
    who = (
        one_line(mask(departments[0]))
        if len(departments) == 1
        else words["departments"].format(n=len(departments))
    )
    subject = f"{words['prefix']}{who}{words['sep']}{words['count'].format(n=len(items))}"
    values = {
        "subject": subject,
        "w": words,
        "items": items,
        "at": words["at"].format(at=local(generated_at).strftime("%Y-%m-%d %H:%M")),
        **context,
    }
    env = environment()
    html = inline_css(env.get_template(f"mail/{template}.html.j2").render(values))
    text = env.get_template(f"mail/{template}.txt.j2").render(values)
    return RenderedMail(subject=subject, text=text, html=html)
