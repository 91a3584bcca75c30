"""Departments' answers to their warnings (预警处理反馈) and the office's review (审核).

An answer says what was done (an action from ``[web] actions``), optionally by when (预计
完成日), a note, and for an overdue or escalated case the reason it is late (超期原因) and the
measures taken (整改措施). An answer to an open warning is also an acknowledgement, by the
rule of ``monitor ack``: repeats stop until the level rises. The office accepts an answer or
sends it back; an accepted answer that explains a late case closes its 超期件处置.
Every function works on a connection the caller owns; times are naive Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from monitor.alerts.acks import add_ack
from monitor.clock import naive
from monitor.db.frames import frame, typed
from monitor.db.tables import answers, warnings
from monitor.errors import InputError

__all__ = ["STATUSES", "Answer", "RepeatedForm", "answers_of", "record_answer", "review"]

#: An answer is submitted, then accepted or returned (sent back) by the office.
STATUSES = ("submitted", "accepted", "returned")
_A, _W = answers.c, warnings.c


@dataclass(frozen=True)
class Answer:
    """What a department answers (already checked by the form that took it)."""

    action: str
    note: str
    by: str
    expected_on: dt.date | None = None
    late_reason: str | None = None
    measures: str | None = None
    #: The key of the form it came from (used once: a form sent again is refused).
    form_key: str | None = None


class RepeatedForm(InputError):
    """The form of an answer was submitted before (a replay or a second click)."""


def record_answer(
    conn: sa.Connection,
    warning_id: int,
    answer: Answer,
    recipients: str,
    address: str | None,
    now: dt.datetime,
) -> int:
    """Store ``answer`` to warning ``warning_id`` (sent to the recipient list of digest
    ``recipients``, answered from ``address``) and, while the warning is open, acknowledge it
    at its level; returns the answer's id. :class:`RepeatedForm` when ``answer.form_key``
    was used before (the database's unique index also refuses a concurrent repeat, as an
    IntegrityError the caller's transaction ends with)."""
    if answer.form_key is not None:
        used = sa.select(_A.id).where(_A.form_key == answer.form_key)
        if conn.execute(used).first() is not None:
            raise RepeatedForm("this answer form was submitted before")
    row = conn.execute(
        sa.select(_W.case_id, _W.obligation, _W.level, _W.resolved_at).where(_W.id == warning_id)
    ).first()
    if row is None:
        raise InputError(f"there is no warning W{warning_id}")
    ack_id = None
    if row.resolved_at is None:
        ack_id = add_ack(conn, row.case_id, row.obligation, answer.by, answer.note, now)
    result = conn.execute(
        answers.insert().values(
            warning_id=warning_id,
            case_id=row.case_id,
            obligation=row.obligation,
            action=answer.action,
            expected_on=answer.expected_on,
            note=answer.note,
            late_reason=answer.late_reason,
            measures=answer.measures,
            by=answer.by,
            recipients=recipients,
            address=address,
            level=row.level,
            at=naive(now),
            ack_id=ack_id,
            status="submitted",
            form_key=answer.form_key,
        )
    )
    return int(result.inserted_primary_key[0])


def answers_of(conn: sa.Connection, warning_id: int) -> pd.DataFrame:
    """Every answer to warning ``warning_id``, oldest first (every column of ``answers``)."""
    stmt = sa.select(answers).where(_A.warning_id == warning_id).order_by(_A.at, _A.id)
    return typed(frame(conn, stmt))


def review(
    conn: sa.Connection,
    answer_id: int,
    accepted: bool,
    by: str,
    note: str | None,
    now: dt.datetime,
) -> str:
    """Accept an answer or send it back (a note says why); returns the new status.
    :class:`InputError` for an unknown answer or one already reviewed."""
    status = conn.execute(sa.select(_A.status).where(_A.id == answer_id)).scalar()
    if status is None:
        raise InputError(f"there is no answer #{answer_id}")
    if status != "submitted":
        raise InputError(f"answer #{answer_id} was already reviewed ({status})")
    new = "accepted" if accepted else "returned"
    conn.execute(
        answers.update()
        .where(_A.id == answer_id, _A.status == "submitted")
        .values(status=new, reviewed_by=by, reviewed_at=naive(now), review_note=note)
    )
    return new
