"""The messages of one alert run: one digest per recipient list, always as of this run.

The chosen warnings are routed; each recipient list gets one message listing its cases,
most urgent first. A digest that still waits in the outbox (held outside the send window,
or waiting to retry a server that was down) is never sent stale beside a fresh one: when
this run has something new for the same recipients, or the held digest no longer tells the
truth (a case closed, a level moved), it is replaced by one digest of this run that carries
its cases still alerting, at their levels of now. A held digest that is still true is left
to go out. A receiver (``robot:NAME``: a 钉钉 / 企业微信 robot, a webhook) is a recipient
list of its own, with the same rules; its message is stored as a robot message (JSON).
Resolved notices (optional) go by mail to whoever was alerted about a case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from monitor.alerts.ledger import notified
from monitor.alerts.links import case_link, department_list_link
from monitor.alerts.listing import reference
from monitor.alerts.routing import escalation_only, route
from monitor.config import Settings
from monitor.db.tables import LEVEL_RANK
from monitor.notify.mail.moved import MovedItem, render_moved
from monitor.notify.mail.render import AlertGroup, AlertItem, RenderedMail, render_alert
from monitor.notify.mail.resolved import ResolvedItem, render_resolved
from monitor.notify.outbox import held_messages, message_key, queue, replace_messages
from monitor.notify.robots.message import ROBOT, robot_name
from monitor.notify.robots.render import render_robot_alert

__all__ = ["Queued", "queue_digests", "queue_resolved"]

_KEY = ["case_id", "obligation"]


@dataclass
class Queued:
    """What a run queued: (recipients, subject, cases) per message, the warnings those
    messages carry (``id``, ``level``: to mark as sent), how many chosen warnings no route
    claimed, and how many held digests were replaced."""

    messages: list[tuple[tuple[str, ...], str, int]] = field(default_factory=list)
    carried: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["id", "level"]))
    unrouted: int = 0
    #: Held digests replaced by a fresher one of this run.
    replaced: int = 0


def queue_digests(
    conn: Connection,
    chosen: pd.DataFrame,
    open_: pd.DataFrame,
    settings: Settings,
    now: dt.datetime,
    run_id: int | None,
) -> Queued:
    """Route ``chosen`` (the warnings to send now), replace the held digests this run makes
    stale, and queue one digest per recipient list. ``open_`` is every open warning after
    the ledger's update (what a replaced digest's cases are now)."""
    done = Queued()
    ordered = chosen.iloc[_urgency_order(chosen)].reset_index(drop=True)
    fresh: dict[tuple[str, ...], tuple[pd.DataFrame, bool]] = {}
    addressed: set[int] = set()
    for delivery in route(ordered, settings.alerts):
        addressed.update(delivery.rows)
        fresh[delivery.recipients] = (ordered.iloc[list(delivery.rows)], delivery.escalation)
    done.unrouted = len(chosen) - len(addressed)
    held = held_messages(conn, "alert")
    supervisors = tuple(sorted(set(settings.alerts.escalation_recipients)))
    supervising = {supervisors, *((ROBOT + n,) for n in escalation_only(settings.alerts))}
    parts = []
    # The routes' order (departments' lists, then the supervisors'), then held-only lists.
    for recipients in [*fresh, *sorted(set(held) - set(fresh))]:
        new, escalation = fresh.get(recipients, (ordered.iloc[:0], recipients in supervising))
        waiting = held.get(recipients, [])
        carried = _still_alerting(waiting, open_, new)
        if waiting and new.empty and len(carried) == sum(len(m.lines) for m in waiting):
            continue  # the held digest still tells the truth: let it go out
        part = pd.concat([new, carried], ignore_index=True)
        part = part.iloc[_urgency_order(part)] if len(part) else part
        key = _queue_group(conn, recipients, part, escalation, settings, now, run_id, done)
        stale = [m.id for m in waiting if m.key != key]
        done.replaced += replace_messages(conn, stale, "replaced by a fresher digest")
        parts.append(part)
    if parts:
        done.carried = pd.concat([p[["id", "level"]] for p in parts], ignore_index=True)
    return done


def _still_alerting(waiting: list[Any], open_: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """The open warnings a held digest carries that still alert, at their current level,
    but not those this run sends anyway (``new``); a line whose warning closed or whose
    level moved is not among them."""
    lines = pd.DataFrame(
        [line for m in waiting for line in m.lines], columns=[*_KEY, "sent_level"]
    ).drop_duplicates(_KEY)
    rows = open_.merge(lines, on=_KEY)
    still = rows[(rows["level"] == rows["sent_level"]).to_numpy(dtype=bool)]
    still = still.drop(columns="sent_level")
    if len(new):
        taken = pd.MultiIndex.from_frame(new[_KEY].astype(str))
        still = still[~pd.MultiIndex.from_frame(still[_KEY].astype(str)).isin(taken)]
    return still.assign(reason="carried")


def _queue_group(
    conn: Connection,
    recipients: tuple[str, ...],
    part: pd.DataFrame,
    escalation: bool,
    settings: Settings,
    now: dt.datetime,
    run_id: int | None,
    done: Queued,
) -> str | None:
    """Render and queue one digest of ``part`` (nothing when empty); returns its key."""
    if part.empty:
        return None
    group = AlertGroup(
        recipients=recipients,
        items=[
            _item(r, case_link(settings, int(r.id), recipients))
            for r in part.itertuples(index=False)
        ],
        departments=tuple(dict.fromkeys(part["department"].astype(str))),
        generated_at=now,
        max_items=settings.alerts.max_cases_per_email,
        escalation=escalation,
    )
    if robot_name(recipients) is not None:  # a robot or webhook: markdown lines and data
        more = department_list_link(settings, group.departments)
        robot = render_robot_alert(group, settings.alerts.language, more)
        mail = RenderedMail(subject=robot.title, text=robot.to_json(), html="")
    else:
        mail = render_alert(group, settings.alerts.language)
    lines = [f"{r.case_id}|{r.obligation}|{r.level}" for r in part.itertuples(index=False)]
    key_kind = "escalation" if escalation else "alert"
    return _queue_mail(conn, "alert", key_kind, recipients, mail, lines, now, run_id, done)


def queue_resolved(
    conn: Connection,
    ids: list[int],
    settings: Settings,
    now: dt.datetime,
    run_id: int | None,
    done: Queued,
) -> None:
    """One resolved notice per recipient list, for warnings that had been sent."""
    if not ids:
        return
    ended = notified(conn, ids)
    if ended.empty:
        return
    ended["level"] = "resolved"  # no supervisors' copy
    for delivery in route(ended, settings.alerts):
        if robot_name(delivery.recipients) is not None:
            continue  # resolved notices go by mail only
        part = ended.iloc[list(delivery.rows)]
        items = [
            ResolvedItem(r.case_id, r.department, r.item_name or "", r.obligation, r.resolution)
            for r in part.itertuples(index=False)
        ]
        mail = render_resolved(items, now, settings.alerts.language)
        lines = [f"{i.case_id}|{i.obligation}|{i.resolution}" for i in items]
        _queue_mail(
            conn, "resolved", "resolved", delivery.recipients, mail, lines, now, run_id, done
        )


def queue_moved(
    conn: Connection,
    moved: pd.DataFrame,
    why: str,
    settings: Settings,
    now: dt.datetime,
    run_id: int | None,
    done: Queued,
) -> None:
    """One deadline-moved notice (截止日调整) per recipient list of the departments' routes,
    by mail (``moved``: :func:`monitor.store.write.moved_deadlines`)."""
    if moved.empty:
        return
    frame = moved.assign(item_code=None, level="moved").reset_index(drop=True)
    for delivery in route(frame, settings.alerts):
        if robot_name(delivery.recipients) is not None:
            continue  # by mail, like resolved notices
        part = frame.iloc[list(delivery.rows)]
        items = [
            MovedItem(
                str(r.case_id),
                str(r.department),
                str(r.item_name or ""),
                str(r.obligation),
                r.old_deadline,
                r.new_deadline,
            )
            for r in part.itertuples(index=False)
        ]
        mail = render_moved(items, why, now, settings.alerts.language)
        lines = [f"{i.case_id}|{i.obligation}|{i.old_deadline}>{i.new_deadline}" for i in items]
        _queue_mail(conn, "resolved", "moved", delivery.recipients, mail, lines, now, run_id, done)


def _queue_mail(
    conn: Connection,
    kind: str,
    key_kind: str,
    recipients: tuple[str, ...],
    mail: Any,
    lines: list[str],
    now: dt.datetime,
    run_id: int | None,
    done: Queued,
) -> str:
    """Queue one rendered message (its key: ``key_kind``, recipients, day, ``lines``, one
    per case) and note it; a message already queued under that key is not noted again.
    Returns the key."""
    key = message_key(key_kind, recipients, now.date(), lines)
    if queue(
        conn,
        key=key,
        kind=kind,
        run_id=run_id,
        recipients=recipients,
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        case_count=len(lines),
        now=now,
        cases=lines,
    ):
        done.messages.append((recipients, mail.subject, len(lines)))
    return key


def _urgency_order(rows: pd.DataFrame) -> np.ndarray:
    """Positions of ``rows``: escalated first, most days late, earliest deadline."""
    return np.lexsort(
        (
            pd.to_datetime(rows["deadline"]).to_numpy().astype("datetime64[D]").astype(np.int64),
            -rows["late_workdays"].to_numpy(dtype=np.int64),
            -rows["level"].map(LEVEL_RANK).to_numpy(),
        )
    )


def _item(r: Any, link: str | None = None) -> AlertItem:  # a row of itertuples()
    remaining = getattr(r, "remaining_workdays", None)
    return AlertItem(
        case_id=str(r.case_id),
        department=str(r.department),
        item_name="" if pd.isna(r.item_name) else str(r.item_name),
        obligation=str(r.obligation),
        level=str(r.level),
        deadline=pd.Timestamp(r.deadline).date(),
        late_workdays=int(r.late_workdays),
        remaining_workdays=None if remaining is None or pd.isna(remaining) else int(remaining),
        first_seen=pd.Timestamp(r.first_seen_at).to_pydatetime(),
        ref=reference(r.id),
        link=link,
    )
