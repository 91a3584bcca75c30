"""Alert emails: the subject line and the plain-text and HTML bodies for one group of cases.

A group is what one recipient (or one set of recipients) gets in one message: cases of one or
several departments, each at a level (DOMAIN.md §4): 预警 ``warning`` (due soon), 超期
``overdue``, 督办 ``escalated``. The bodies list the cases in a table per level, most urgent
level first, at most ``max_items`` rows; the rest are counted.

Every case field and every department name goes through :func:`monitor.mask.mask` (the
``mask`` filter in the templates), and the HTML template is autoescaped, so text from the
source system can neither leak an identity number nor inject markup. The HTML carries its
CSS inline (css-inline), without external resources or scripts, because mail clients drop
``<style>`` blocks and block remote content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, partial
from typing import Any, Literal

import css_inline

from monitor.clock import local
from monitor.mask import mask
from monitor.templating import environment
from monitor.text import display_width, one_line

__all__ = [
    "LEVELS",
    "AlertGroup",
    "AlertItem",
    "RenderedMail",
    "alert_subject",
    "alert_who",
    "alert_words",
    "inline_css",
    "render_alert",
    "workdays_text",
]

Level = Literal["warning", "overdue", "escalated"]
Obligation = Literal["acceptance", "completion"]

#: The levels, most urgent first: the order of the sections in the body.
LEVELS: tuple[Level, ...] = ("escalated", "overdue", "warning")

_OBLIGATIONS: tuple[Obligation, ...] = ("acceptance", "completion")


@dataclass(frozen=True)
class AlertItem:
    """One obligation of one case at an alert level.

    ``late_workdays`` counts working days past the deadline (0 when not late);
    ``remaining_workdays`` counts working days left (None when not known or already late).
    ``first_seen`` is when the monitor first warned about this obligation. ``ref`` is the
    warning's reference (``W12``): what to acknowledge it by, without repeating a case id
    that may be personal data. ``link`` is the signed address of its case page (none
    without ``[web] base_url``).
    """

    case_id: str
    department: str
    item_name: str
    obligation: Obligation
    level: Level
    deadline: date
    late_workdays: int
    remaining_workdays: int | None
    first_seen: datetime
    ref: str = ""
    link: str | None = None


@dataclass
class AlertGroup:
    """The cases one message reports, already sorted most urgent first.

    ``departments`` names the departments the message is about (the subject shows the one
    name or their number); ``escalation`` marks the supervisors' copy (【办件督办】).
    ``generated_at`` is shown in Asia/Shanghai time (a naive value is taken as such).
    """

    recipients: tuple[str, ...]
    items: list[AlertItem]
    departments: tuple[str, ...]
    generated_at: datetime
    max_items: int = 200
    escalation: bool = False


@dataclass(frozen=True)
class RenderedMail:
    """A rendered alert: subject line, plain-text body and HTML body (CSS inlined)."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class _Section:
    level: Level
    title: str
    items: list[AlertItem]


# The words of the messages, per language.
_WORDS: dict[str, dict[str, Any]] = {
    "zh": {
        "prefix": "【办件预警】",
        "prefix_escalation": "【办件督办】",
        "subject_sep": ":",
        "subject_join": ",",
        "count": {
            "warning": "即将超期 {n} 件",
            "overdue": "已超期 {n} 件",
            "escalated": "督办 {n} 件",
        },
        "nothing": "无待处理办件",
        "departments": "{n}个部门",
        "section": {"escalated": "督办 {n} 件", "overdue": "超期 {n} 件", "warning": "预警 {n} 件"},
        "columns": ("预警编号", "办件编号", "部门", "事项", "环节", "截止日", "超期/剩余工作日"),
        "obligation": {"acceptance": "受理", "completion": "办结"},
        "late": "超期 {n}",
        "left": "剩余 {n}",
        "due_today": "今日到期",
        "unknown": "—",
        "intro": "{who}有以下办件即将超期或已超期，请尽快处理。",
        "intro_escalation": "{who}有以下办件超期已达督办条件，请督促尽快办理。",
        "generated": "统计时间：{at}",
        "more": "另有 {n} 件未列出。",
        "links": "在线反馈（点击链接，无需登录）：",
        "ack": (
            "处理后请反馈：monitor ack 预警编号 --by 姓名 --note 处理情况（如 monitor ack W12 …）。"
        ),
        "timezone": "时间均为北京时间（Asia/Shanghai）。本邮件由办件监测系统自动发送。",
        "html_lang": "zh-CN",
    },
    "en": {
        "prefix": "[Case alert] ",
        "prefix_escalation": "[Case escalation] ",
        "subject_sep": ": ",
        "subject_join": ", ",
        "count": {
            "warning": "{n} due soon",
            "overdue": "{n} overdue",
            "escalated": "{n} escalated",
        },
        "nothing": "nothing due",
        "departments": "{n} departments",
        "section": {
            "escalated": "Escalated ({n})",
            "overdue": "Overdue ({n})",
            "warning": "Due soon ({n})",
        },
        "columns": ("Ref", "Case", "Department", "Item", "Stage", "Deadline", "Workdays late/left"),
        "obligation": {"acceptance": "acceptance", "completion": "completion"},
        "late": "{n} late",
        "left": "{n} left",
        "due_today": "due today",
        "unknown": "—",
        "intro": "{who}: the cases below are due soon or overdue; please deal with them.",
        "intro_escalation": "{who}: the cases below are overdue past escalation; please follow up.",
        "generated": "As of {at}",
        "more": "{n} more not listed.",
        "links": "Answer online (no login needed):",
        "ack": "To acknowledge a warning: monitor ack REF --by NAME --note TEXT (e.g. W12)",
        "timezone": "Times are Asia/Shanghai. This message was sent by the case monitor.",
        "html_lang": "en",
    },
}


def render_alert(group: AlertGroup, language: str) -> RenderedMail:
    """Subject, plain text and HTML for ``group`` in ``language`` ("zh" or "en")."""
    if language not in _WORDS:
        raise ValueError(f"expected language 'zh' or 'en', found {language!r}")
    for item in group.items:
        if item.level not in LEVELS or item.obligation not in _OBLIGATIONS:
            raise ValueError(
                f"case {item.case_id}: expected level in {LEVELS} and obligation in "
                f"{_OBLIGATIONS}, found {item.level!r} and {item.obligation!r}"
            )
    words = _WORDS[language]
    subject = _subject(group, words)
    ordered = sorted(group.items, key=lambda item: LEVELS.index(item.level))  # stable
    shown = ordered[: max(group.max_items, 0)]
    context = {
        "subject": subject,
        "t": words,
        "who": _who(group, words),
        "generated_at": local(group.generated_at).strftime("%Y-%m-%d %H:%M"),
        "sections": _sections(group.items, shown, words),
        "hidden": len(ordered) - len(shown),
        "links": [(item.ref, item.link) for item in shown if item.link],
        "escalation": group.escalation,
        "widths": _widths(shown, words),
        "workdays": partial(_workdays, words=words),
        "obligation": words["obligation"].get,
    }
    env = environment()
    text = env.get_template("mail/alert.txt.j2").render(context)
    html = inline_css(env.get_template("mail/alert.html.j2").render(context).rstrip())
    html = html.rstrip("\n") + "\n"
    return RenderedMail(subject=subject, text=text, html=html)


def alert_words(language: str) -> dict[str, Any]:
    """The words of alert messages in ``language`` (for the other receivers' messages)."""
    if language not in _WORDS:
        raise ValueError(f"expected language 'zh' or 'en', found {language!r}")
    return _WORDS[language]


def alert_subject(group: AlertGroup, language: str) -> str:
    """The subject line of ``group``'s message (a robot message's title too)."""
    return _subject(group, alert_words(language))


def alert_who(group: AlertGroup, language: str) -> str:
    """Whom ``group`` is about: the one department (masked) or how many."""
    return _who(group, alert_words(language))


def workdays_text(item: AlertItem, language: str) -> str:
    """Working days late, or left before the deadline, in words."""
    return _workdays(item, alert_words(language))


def _subject(group: AlertGroup, words: dict[str, Any]) -> str:
    counts = {level: 0 for level in LEVELS}
    for item in group.items:
        counts[item.level] += 1
    parts = [
        words["count"][level].format(n=counts[level])
        for level in ("warning", "overdue", "escalated")
        if counts[level]
    ]
    prefix = words["prefix_escalation" if group.escalation else "prefix"]
    summary = words["subject_join"].join(parts) or words["nothing"]
    return f"{prefix}{_who(group, words)}{words['subject_sep']}{summary}"


def _departments(group: AlertGroup) -> tuple[str, ...]:
    """The group's departments; those of its cases when none are given."""
    return group.departments or tuple(dict.fromkeys(item.department for item in group.items))


def _who(group: AlertGroup, words: dict[str, Any]) -> str:
    names = _departments(group)
    if len(names) == 1:
        return one_line(mask(names[0]))
    return words["departments"].format(n=len(names))


def _sections(
    items: list[AlertItem], shown: list[AlertItem], words: dict[str, Any]
) -> list[_Section]:
    """One section per level that has shown rows; titles count all cases of the level."""
    sections = []
    for level in LEVELS:
        rows = [item for item in shown if item.level == level]
        if rows:
            total = sum(1 for item in items if item.level == level)
            sections.append(_Section(level, words["section"][level].format(n=total), rows))
    return sections


def _workdays(item: AlertItem, words: dict[str, Any]) -> str:
    """The last column: working days late, or left before the deadline."""
    if item.level != "warning" or item.late_workdays > 0:
        return words["late"].format(n=item.late_workdays)
    if item.remaining_workdays is None:
        return words["unknown"]
    if item.remaining_workdays == 0:
        return words["due_today"]
    return words["left"].format(n=item.remaining_workdays)


def _widths(items: list[AlertItem], words: dict[str, Any]) -> dict[str, int]:
    """Terminal widths of the plain-text columns (masking keeps the width of a value)."""
    cells: dict[str, list[str]] = {
        "ref": [item.ref for item in items],
        "case_id": [item.case_id for item in items],
        "department": [item.department for item in items],
        "item_name": [item.item_name for item in items],
        "obligation": [words["obligation"][item.obligation] for item in items],
        "deadline": [str(item.deadline) for item in items],
        "days": [_workdays(item, words) for item in items],
    }
    return {
        key: max(display_width(v) for v in [words["columns"][i], *values])
        for i, (key, values) in enumerate(cells.items())
    }


def inline_css(html: str) -> str:
    """``html`` with its ``<style>`` rules moved into style attributes (mail clients drop
    ``<style>`` blocks); remote stylesheets are never fetched."""
    return _inliner().inline(html)


@cache
def _inliner() -> css_inline.CSSInliner:
    # No remote stylesheets: the message must not reference anything outside itself.
    return css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)
