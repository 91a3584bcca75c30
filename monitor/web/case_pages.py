"""The case page a department reaches from its alert (``/c/<token>``): the case masked as in
mail, both obligations with their explained deadlines, the warning's history and answers,
and the answer form (预警处理反馈)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from monitor.alerts.answers import RepeatedForm, answers_of, record_answer
from monitor.alerts.ledger import warning_history
from monitor.alerts.links import Link, LinkError, read_link
from monitor.alerts.listing import reference
from monitor.cases.explain_output import explain_rows
from monitor.db.tables import warnings
from monitor.web.forms import FORM_KEY, new_form_key, read_answer
from monitor.web.render import page, records, state
from rules.explain import RULES, SOURCES

__all__ = ["blueprint", "case_view", "find_warning"]

blueprint = Blueprint("case", __name__)


@blueprint.get("/c/<token>")
def case_page(token: str) -> Any:
    """The case of a link; a link that cannot be followed says why (status 403)."""
    found = _follow(token)
    if isinstance(found, Response):
        return found
    return case_view(found[1], answered=request.args.get("answered") == "1")


@blueprint.post("/c/<token>")
def answer(token: str) -> Any:
    """Take an answer: back to the page with the problems beside their fields (status 400)
    and everything typed kept, or stored (an acknowledgement too) and shown."""
    found = _follow(token)
    if isinstance(found, Response):
        return found
    link, warning = found
    if not FORM_KEY.fullmatch(request.form.get("form_key", "")):
        return page("web/form_refused.html.j2", status=400, why="stale")
    monitor = state()
    now = monitor.now()
    calendar = monitor.calendar(now.year)
    answer, problems = read_answer(
        request.form, monitor.settings.web, warning["level"], calendar, now.date()
    )
    if answer is None:
        return case_view(warning, problems=problems, values=dict(request.form), status=400)
    try:
        with monitor.engine.begin() as conn:
            record_answer(conn, warning["id"], answer, link.recipients, request.remote_addr, now)
    except (RepeatedForm, IntegrityError):  # IntegrityError: the same form, at the same time
        return page("web/form_refused.html.j2", status=409, why="repeated")
    # Relative: the page may sit under a prefix the reverse proxy strips (/monitor/c/…).
    return redirect("?answered=1", code=303)


def _follow(token: str) -> tuple[Link, dict[str, Any]] | Response:
    """The link and its warning, or the page that says why not."""
    monitor = state()
    now = monitor.now()
    try:
        link = read_link(monitor.settings, token, monitor.calendar(now.year), now)
    except LinkError as exc:
        return page("web/link_error.html.j2", status=403, why=exc.why)
    warning = find_warning(link.warning_id)
    if warning is None:
        return page("web/link_error.html.j2", status=403, why="revoked")
    return link, warning


def find_warning(warning_id: int) -> dict[str, Any] | None:
    """The ledger's row of warning ``warning_id``, or None."""
    with state().engine.connect() as conn:
        row = conn.execute(select(warnings).where(warnings.c.id == warning_id)).mappings()
        found = row.first()
    return None if found is None else dict(found)


def case_view(
    warning: dict[str, Any],
    *,
    problems: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    answered: bool = False,
    status: int = 200,
    **office: Any,
) -> Response:
    """The case page of ``warning``: for the department with the answer form (the problems
    of a refused answer beside its fields, with what was typed), or for the office (with
    ``office`` context: ``user``, ``root``, ``review_problem``…) with the review forms."""
    monitor = state()
    now = monitor.now()
    found = monitor.cases.case(warning["case_id"])
    one, story = None, None
    if found is not None:
        one = found[0]
        story = explain_rows(monitor.settings, found[1], one, now)
    with monitor.engine.connect() as conn:
        history = records(warning_history(conn, [warning["id"]]))
        given = records(answers_of(conn, warning["id"]))
    return page(
        "web/case.html.j2",
        status=status,
        warning=warning,
        ref=reference(warning["id"]),
        story=story,
        rules={k: v[0] for k, v in RULES.items()},
        sources={k: v[0] for k, v in SOURCES.items()},
        history=history,
        answers=given,
        problems=problems or {},
        values=values or {},
        form_key=(values or {}).get("form_key") or new_form_key(),
        web=monitor.settings.web,
        late=warning["level"] in ("overdue", "escalated") and warning["resolved_at"] is None,
        answered=answered,
        today=now.date(),
        item=_item_of(one),
        **({"office": False, "reviewed": False, "review_problem": None} | office),
    )


def _item_of(one: Any) -> str:
    if one is None:
        return ""
    name = one["item_name"].iat[0]
    return "" if name is None or name != name else str(name)
