"""Alert messages for group robots and webhooks: the same cases, counts and words as the
mail (:mod:`monitor.notify.mail.render`), as markdown lines and as data.

Every case field goes through :func:`monitor.mask.mask`; characters that markdown would
take for markup (``*``, ``_``, ``[``, ``#``, ``<``, ``|`` …) in text from the source system
become their full-width forms, so a case can neither leak an identity number nor turn a
line into a link, a heading or a mention.
"""

from __future__ import annotations

from monitor.clock import aware, local
from monitor.mask import mask
from monitor.notify.mail.render import (
    LEVELS,
    AlertGroup,
    AlertItem,
    alert_subject,
    alert_who,
    alert_words,
    workdays_text,
)
from monitor.notify.robots.message import RobotMessage
from monitor.text import one_line

__all__ = ["PAYLOAD_SCHEMA", "markdown_text", "render_robot_alert"]

#: The ``schema`` of a webhook's alert payload (docs/webhook.md).
PAYLOAD_SCHEMA = "banjian-monitor.alert/1"
_MARKUP = str.maketrans("*_[]()#<>|`~!\\", "＊＿［］（）＃＜＞｜｀～！＼")
_LEVEL = {
    "zh": {"escalated": "督办", "overdue": "超期", "warning": "预警"},
    "en": {"escalated": "Escalated", "overdue": "Overdue", "warning": "Due soon"},
}
_FOOTER = {
    "zh": (
        "点击预警编号在线反馈处理情况（无需登录）。",
        "时间均为北京时间。办件监测系统自动发送。",
    ),
    "en": ("Click a reference to answer online (no login).", "Times are Asia/Shanghai."),
}


def markdown_text(value: str) -> str:
    """``value`` masked, on one line, with markdown's markup characters made plain."""
    return one_line(mask(value)).translate(_MARKUP)


def render_robot_alert(
    group: AlertGroup, language: str, more_link: str | None = None
) -> RobotMessage:
    """The robot message of ``group`` in ``language`` ("zh" or "en"), most urgent first;
    ``more_link``: where the full list is, for a platform that cannot show every case."""
    words = alert_words(language)
    title = alert_subject(group, language)
    ordered = sorted(group.items, key=lambda item: LEVELS.index(item.level))
    intro = "intro_escalation" if group.escalation else "intro"
    header = (
        f"#### {markdown_text(title)}",
        words[intro].format(who=markdown_text(alert_who(group, language))),
        words["generated"].format(at=local(group.generated_at).strftime("%Y-%m-%d %H:%M")),
    )
    footer = _FOOTER[language] if any(item.link for item in ordered) else _FOOTER[language][1:]
    return RobotMessage(
        title=title,
        header=header,
        cases=tuple(_line(item, language, words) for item in ordered),
        footer=footer,
        more_link=more_link,
        escalation=group.escalation or any(item.level == "escalated" for item in ordered),
        payload=_payload(group, ordered, language),
        language=language,
    )


def _line(item: AlertItem, language: str, words: dict[str, object]) -> str:
    level = _LEVEL[language][item.level]
    ref = f"[{item.ref}]({item.link})" if item.link else item.ref
    obligation = words["obligation"][item.obligation]  # type: ignore[index]
    parts = [
        f"**{level}** {ref}",
        markdown_text(item.case_id),
        markdown_text(item.department),
        markdown_text(item.item_name) if item.item_name else "",
        str(obligation),
        f"{'截止' if language == 'zh' else 'due'} {item.deadline}",
        _days(item, language),
    ]
    return "- " + " · ".join(p for p in parts if p)


def _days(item: AlertItem, language: str) -> str:
    """Working days late or left, with the unit (a line has no column header to give it)."""
    text = workdays_text(item, language)
    if not any(ch.isdigit() for ch in text):
        return text  # 今日到期, —
    if language == "zh":
        return f"{text} 个工作日"
    return text.replace(" late", " workdays late").replace(" left", " workdays left")


def _payload(group: AlertGroup, ordered: list[AlertItem], language: str) -> dict[str, object]:
    counts = {level: sum(1 for i in ordered if i.level == level) for level in LEVELS}
    return {
        "schema": PAYLOAD_SCHEMA,
        "kind": "escalation" if group.escalation else "alert",
        "language": language,
        "generated_at": local(aware(group.generated_at)).isoformat(timespec="seconds"),
        "departments": [mask(d) for d in group.departments],
        "counts": counts,
        "cases": [
            {
                "ref": item.ref,
                "case_id": mask(item.case_id),
                "department": mask(item.department),
                "item_name": mask(item.item_name),
                "obligation": item.obligation,
                "level": item.level,
                "deadline": item.deadline.isoformat(),
                "late_workdays": item.late_workdays,
                "remaining_workdays": item.remaining_workdays,
                "link": item.link,
            }
            for item in ordered
        ],
    }
