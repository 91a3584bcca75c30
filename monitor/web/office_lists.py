"""The office's pages behind the login: open warnings by department with their answer
status (``/office/``), the answers waiting for review (``/office/answers``), a warning's case
with its answers to review (``/office/w/<id>``), and the lists as Excel workbooks.

Reviewing (审核) accepts an answer or sends it back with a note saying why; an accepted
answer that explains a late case closes its 超期件处置.
"""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from flask import Blueprint, Response, g, redirect, request, send_file

from monitor.alerts.answers import review
from monitor.alerts.ledger import known_departments
from monitor.errors import InputError
from monitor.web.case_pages import case_view, find_warning
from monitor.web.office import office_root, signed_in
from monitor.web.office_data import (
    ANSWER_STATES,
    LEVELS,
    PAGE_SIZE,
    answer_count,
    by_department,
    pending_answers,
    read_filters,
    total,
    warning_rows,
)
from monitor.web.office_export import answers_workbook, warnings_workbook
from monitor.web.render import page, records, state

__all__ = ["blueprint"]

blueprint = Blueprint("office_lists", __name__, url_prefix="/office")
#: The longest review note, in characters.
REVIEW_NOTE_CHARS = 500
_DECIDED = {"accepted": "已通过", "returned": "已退回"}


@blueprint.get("/")
@signed_in
def warnings_page() -> Response:
    """Open warnings (resolved ones too on request), filtered, a page at a time."""
    filters, problems = read_filters(request.args)
    monitor = state()
    with monitor.engine.connect() as conn:
        rows = warning_rows(conn, filters)
        departments = by_department(conn, filters)
        selected = total(departments, filters)
        names = sorted(known_departments(conn))
    return page(
        "web/office_warnings.html.j2",
        user=g.user,
        root=office_root(),
        filters=filters,
        problems=problems,
        rows=records(rows),
        total=selected,
        pages=max(1, -(-selected // PAGE_SIZE)),
        departments=departments,
        names=names,
        levels=LEVELS,
        answer_states=ANSWER_STATES,
    )


@blueprint.get("/warnings.xlsx")
@signed_in
def warnings_export() -> Response:
    """The warnings of the filters (every page) as a workbook, masked and formula-safe."""
    filters, _ = read_filters(request.args)
    with state().engine.connect() as conn:
        rows = warning_rows(conn, filters, limit=None)
    return _workbook(warnings_workbook(rows), "预警列表")


@blueprint.get("/answers")
@signed_in
def answers_page() -> Response:
    """The answers waiting for review (all answers with ``?all=1``), of one department."""
    return _answers_page()


@blueprint.post("/answers")
@signed_in
def review_answer() -> Any:
    """Accept an answer or send it back, then the list again."""
    problem, status = _review()
    if problem:
        return _answers_page(problem=problem, status=status)
    return redirect("answers?reviewed=1", code=303)


@blueprint.get("/answers.xlsx")
@signed_in
def answers_export() -> Response:
    """The answers of the list as a workbook, masked and formula-safe."""
    department, statuses, _ = _answer_filters()
    with state().engine.connect() as conn:
        rows = pending_answers(conn, department, statuses)
    return _workbook(answers_workbook(rows), "预警反馈")


@blueprint.get("/w/<int:warning_id>")
@signed_in
def warning_page(warning_id: int) -> Response:
    """A warning's case as its department sees it, with its answers to review."""
    return _warning_page(warning_id, reviewed=request.args.get("reviewed") == "1")


@blueprint.post("/w/<int:warning_id>")
@signed_in
def review_on_warning(warning_id: int) -> Any:
    """Review an answer of this warning, then its page again."""
    problem, status = _review()
    if problem:
        return _warning_page(warning_id, problem=problem, status=status)
    return redirect("?reviewed=1", code=303)


def _warning_page(
    warning_id: int, *, reviewed: bool = False, problem: str | None = None, status: int = 200
) -> Response:
    warning = find_warning(warning_id)
    if warning is None:
        return page("web/office_missing.html.j2", status=404, user=g.user, root=office_root())
    return case_view(
        warning,
        status=status,
        office=True,
        user=g.user,
        root=office_root(),
        reviewed=reviewed,
        review_problem=problem,
    )


def _answer_filters() -> tuple[str | None, tuple[str, ...], int]:
    """The answer list's department, statuses and page."""
    department = (request.args.get("department") or "").strip() or None
    everything = request.args.get("all") == "1"
    statuses = ("submitted", "accepted", "returned") if everything else ("submitted",)
    number = (request.args.get("page") or "1").strip()
    page_number = int(number) if number.isdigit() and 0 < int(number) < 100_000 else 1
    return department, statuses, page_number


def _answers_page(problem: str | None = None, status: int = 200) -> Response:
    department, statuses, number = _answer_filters()
    with state().engine.connect() as conn:
        rows = pending_answers(conn, department, statuses, limit=PAGE_SIZE, page=number)
        count = answer_count(conn, department, statuses)
        names = sorted(known_departments(conn))
    return page(
        "web/office_answers.html.j2",
        status=status,
        user=g.user,
        root=office_root(),
        rows=records(rows),
        department=department,
        everything=len(statuses) > 1,
        count=count,
        page_number=number,
        pages=max(1, -(-count // PAGE_SIZE)),
        query=_answers_query(department, len(statuses) > 1),
        names=names,
        problem=problem,
        reviewed=request.args.get("reviewed") == "1",
        decided=_DECIDED,
    )


def _answers_query(department: str | None, everything: bool) -> str:
    """The answer list's filters as a query string (pages and exports add to it)."""
    return urlencode(
        {k: v for k, v in (("department", department), ("all", "1" if everything else None)) if v}
    )


def _review() -> tuple[str | None, int]:
    """Review the answer of the posted form as the signed-in user: (None, 200) when done,
    else (the problem, its status)."""
    form = request.form
    number = (form.get("answer_id") or "").strip()
    decision = form.get("decision")
    note = (form.get("note") or "").strip()
    if not re.fullmatch(r"\d{1,12}", number) or decision not in ("accept", "return"):
        return "无法识别要审核的反馈，请刷新页面后再试。", 400
    if decision == "return" and not note:
        return f"退回反馈 #{number} 时请填写退回理由。", 400
    if len(note) > REVIEW_NOTE_CHARS:
        return f"审核意见不超过 {REVIEW_NOTE_CHARS} 字（现为 {len(note)} 字）。", 400
    monitor = state()
    try:
        with monitor.engine.begin() as conn:
            review(conn, int(number), decision == "accept", g.user, note or None, monitor.now())
    except InputError:
        return f"反馈 #{number} 不存在或已审核过，未作更改。", 409
    return None, 200


def _workbook(frame: pd.DataFrame, title: str) -> Response:
    from monitor.spreadsheet import write_workbook

    buffer = io.BytesIO()
    write_workbook(frame, buffer, title)
    buffer.seek(0)
    day = state().now().date().isoformat()
    response = send_file(
        buffer,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"{title}-{day}.xlsx",
    )
    response.headers["Cache-Control"] = "no-store"
    return response
