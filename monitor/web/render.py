"""What every page needs: the application's state (settings, database, cases, calendars,
the clock) and rendering a template of the shared Jinja environment with the CSRF token."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa
from flask import Response, current_app
from flask_wtf.csrf import generate_csrf

from monitor.cases.calendar import build_calendar
from monitor.config import Settings
from monitor.templating import environment
from monitor.web.cases import CaseSource
from monitor.web.throttle import Throttle
from rules.calendar import WorkingCalendar

__all__ = ["MonitorState", "page", "records", "state", "words"]


@dataclass
class MonitorState:
    """The application's state, kept in ``app.extensions["monitor"]``."""

    settings: Settings
    engine: sa.Engine
    cases: CaseSource
    now: Callable[[], dt.datetime]
    throttle: Throttle
    _calendars: dict[int, WorkingCalendar] = field(default_factory=dict)

    def calendar(self, year: int) -> WorkingCalendar:
        """The working-day calendar of ``year`` - 1 .. ``year`` + 1 (made once)."""
        if year not in self._calendars:
            self._calendars[year] = build_calendar(self.settings, year - 1, year + 1)
        return self._calendars[year]


def records(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """``rows`` as dicts for a template, every missing value (NaN, NaT, NA) None: a
    template's ``{% if %}`` takes NaT for true."""
    return rows.astype(object).where(rows.notna(), None).to_dict(orient="records")


def state() -> MonitorState:
    """The state of the application serving this request."""
    return current_app.extensions["monitor"]


@functools.cache
def words() -> dict[str, str]:
    """The Chinese words of levels, obligations and outcomes."""
    return {
        "ok": "正常",
        "warning": "预警",
        "overdue": "超期",
        "escalated": "督办",
        "on_time": "按时",
        "late": "超期",
        "acceptance": "受理",
        "completion": "办结",
        "resolved": "已解除",
    }


def page(template: str, *, status: int = 200, **context: Any) -> Response:
    """``template`` (of the shared environment, autoescaped) rendered as an HTML response,
    with the CSRF token and the words of levels and obligations."""
    html = (
        environment()
        .get_template(template)
        .render(csrf_token=generate_csrf(), words=words(), **context)
    )
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"  # pages with case data stay off caches
    response.headers["Referrer-Policy"] = "no-referrer"  # the link's token stays private
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
