"""The answer form of a case page: what a department may submit, checked field by field.

Every problem is a sentence beside its field, in Chinese (the people answering read
Chinese); what was typed comes back with it, so nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping

from monitor.alerts.answers import Answer
from monitor.config import WebSettings
from rules.calendar import WorkingCalendar

__all__ = ["FIELDS", "FORM_KEY", "new_form_key", "read_answer"]

#: The fields of the form, in order.
FIELDS = ("action", "expected_on", "note", "late_reason", "measures", "by", "form_key")
#: What a form key looks like (``secrets.token_urlsafe``), made when the page is served.
FORM_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
_LATE = ("overdue", "escalated")


def read_answer(
    form: Mapping[str, str],
    web: WebSettings,
    level: str,
    calendar: WorkingCalendar,
    today: dt.date,
) -> tuple[Answer | None, dict[str, str]]:
    """(the answer, no problems) or (None, field → problem) for the submitted ``form`` of a
    warning at ``level`` (overdue and escalated ones must give a reason and the measures)."""
    values = {f: str(form.get(f, "")).strip() for f in FIELDS}
    problems: dict[str, str] = {}
    if values["action"] not in web.actions:
        problems["action"] = "请选择处理情况。"
    expected = _expected_on(values["expected_on"], calendar, today, problems)
    for field, label in (("note", "处理说明"), ("by", "填报人")):
        if not values[field]:
            problems[field] = f"请填写{label}。"
    limit = web.answer_max_chars
    for field in ("note", "measures"):
        if len(values[field]) > limit:
            problems[field] = f"不超过 {limit} 字（现为 {len(values[field])} 字）。"
    if len(values["by"]) > 64:
        problems["by"] = "填报人不超过 64 字。"
    late = level in _LATE
    if late and values["late_reason"] not in web.late_reasons:
        problems["late_reason"] = "超期办件请选择超期原因。"
    if late and not values["measures"]:
        problems["measures"] = "超期办件请填写整改措施。"
    if problems:
        return None, problems
    answer = Answer(
        action=values["action"],
        note=values["note"],
        by=values["by"],
        expected_on=expected,
        late_reason=values["late_reason"] if late else None,
        measures=values["measures"] if late else None,
        form_key=values["form_key"] if FORM_KEY.fullmatch(values["form_key"]) else None,
    )
    return answer, {}


def _expected_on(
    text: str, calendar: WorkingCalendar, today: dt.date, problems: dict[str, str]
) -> dt.date | None:
    """预计完成日: empty, or a working day from today on."""
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        problems["expected_on"] = "请填写日期，如 2025-10-20。"
        return None
    if day < today:
        problems["expected_on"] = "预计完成日不能早于今天。"
    elif day.year > calendar.last_year or not calendar.is_working_day([day])[0]:
        problems["expected_on"] = "预计完成日应为工作日。"
    return day


def new_form_key() -> str:
    """A fresh key for an answer form."""
    return secrets.token_urlsafe(24)
