"""The notification outbox: every message is stored before it is sent, sent at most once.

A message is queued under a deterministic key (what it says, to whom, on which day), so
re-running the same evaluation cannot queue it twice. A delivery pass takes queued messages
whose time has come, inside the send window only, oldest first, and sends each one
(:mod:`monitor.notify.sending`: every step recorded in its own transaction, per recipient).
A transient failure (refused connection, timeout, 4xx) keeps a message queued with a growing
delay; after ``max_attempts`` it is dead, with its last error, until ``monitor outbox
retry``. A permanent failure (5xx) makes it dead at once. The receiver says which is which
(:mod:`monitor.notify.receiver`), and whether the receiver itself is down: then the pass
stops at that first message — one timeout, one log line — and the others stay queued,
untouched, for the next run.

Exactly once, with one exception the protocol leaves open: a process that dies after the
end of a message went to the server and before its answer came cannot know whether the
server took it. That message is not sent again by itself; it becomes a dead letter saying so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, case, insert, select, update

from monitor.config import Settings
from monitor.db.tables import notifications
from monitor.notify.dispatch import Receivers
from monitor.notify.receiver import DeliveryError, Receiver
from monitor.notify.robots.message import robot_name
from monitor.notify.sending import send_stored, settle_interrupted
from rules.calendar import WorkingCalendar

__all__ = [
    "Delivered",
    "deliver",
    "held_messages",
    "in_window",
    "message_key",
    "messages_about",
    "outbox_rows",
    "queue",
    "replace_messages",
    "retry",
    "send_now",
]

log = logging.getLogger(__package__)
_MESSAGE = ["id", "kind", "status", "created_at", "sent_at", "recipients", "subject"]


@dataclass
class Delivered:
    """What one delivery pass did.

    ``failed`` counts the due messages still queued for a later run: those that failed and
    will be retried, and those not tried because the receiver was down. ``stopped_by`` is
    that receiver's error (None when every due message was tried); ``nothing_sent`` says the
    pass could send nothing because of it — what a command turns into its own exit code.
    """

    sent: int = 0
    failed: int = 0  # still queued, retried later
    dead: int = 0
    held: int = 0  # due, but outside the send window
    stopped_by: str | None = None

    @property
    def nothing_sent(self) -> bool:
        """The receiver was down and not one message went."""
        return self.stopped_by is not None and self.sent == 0


def message_key(kind: str, recipients: Sequence[str], day: dt.date, lines: Iterable[str]) -> str:
    """The deterministic key of a message: kind, recipients, day and its content lines."""
    h = hashlib.sha256()
    for part in (kind, ",".join(sorted(recipients)), day.isoformat(), *sorted(lines)):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def queue(
    conn: Connection,
    *,
    key: str,
    kind: str,
    run_id: int | None,
    recipients: Sequence[str],
    subject: str,
    text: str,
    html: str,
    case_count: int,
    now: dt.datetime,
    attachment: Path | None = None,
    cases: Sequence[str] = (),
) -> bool:
    """Store a message for sending; ``False`` when a message with this key already exists.
    ``attachment`` is a file attached when the message is sent (it must still exist then);
    ``cases`` are the ``case_id|obligation|level`` lines of the cases it is about."""
    found = conn.execute(select(notifications.c.id).where(notifications.c.key == key)).first()
    if found:
        return False
    conn.execute(
        insert(notifications).values(
            key=key,
            kind=kind,
            run_id=run_id,
            recipients=",".join(recipients),
            subject=subject,
            body_text=text,
            body_html=html,
            case_count=case_count,
            created_at=now,
            status="queued",
            attempts=0,
            next_attempt_at=now,
            attachment=str(attachment) if attachment else None,
            cases="\n".join(cases) or None,
        )
    )
    return True


def in_window(settings: Settings, now: dt.datetime, calendar: WorkingCalendar) -> bool:
    """Whether alert mail may go out at ``now`` (``[alerts.window]``)."""
    window = settings.alerts.window
    clock = now.strftime("%H:%M")
    if not window.start <= clock < window.end:
        return False
    return not window.working_days_only or bool(calendar.is_working_day([now.date()])[0])


def deliver(
    engine: Engine,
    transport: Receiver,
    settings: Settings,
    now: dt.datetime,
    calendar: WorkingCalendar | None,
    *,
    kinds: Sequence[str] = ("alert", "resolved"),
    window: bool = True,
) -> Delivered:
    """Send every due message of ``kinds``, each in its own transaction; with ``window``
    only inside ``[alerts.window]`` (reports are not held). The first failure that says the
    receiver is down ends the pass: the rest stay queued as they were."""
    done = Delivered(dead=settle_interrupted(engine, now, kinds))
    due = _due(engine, now, kinds)
    if due and window and (calendar is None or not in_window(settings, now, calendar)):
        done.held = len(due)
        return done
    receivers = Receivers(transport, settings)
    down: dict[str, tuple[Any, str, DeliveryError]] = {}
    untried: dict[str, int] = {}
    for row in due:
        channel = robot_name(row["recipients"]) or ""  # "": mail
        if channel in down:  # that receiver is down: the row stays as it is
            untried[channel] += 1
            done.failed += 1
            continue
        attempt = send_stored(engine, receivers.get(channel), settings, row, now)
        setattr(done, attempt.outcome, getattr(done, attempt.outcome) + 1)
        if attempt.error is not None and attempt.error.receiver_down:
            down[channel] = (row, attempt.outcome, attempt.error)
            untried[channel] = 0
            done.stopped_by = done.stopped_by or str(attempt.error)
    for channel, (row, outcome, error) in down.items():
        _log_stop(row, outcome, error, untried[channel])
    return done


def _log_stop(row: Any, outcome: str, error: Exception, untried: int) -> None:
    """The one line of a pass that met a receiver that is down."""
    fate = "is dead" if outcome == "dead" else "will be retried"
    log.warning(
        "%s; message %s %s, %d more due message%s not tried in this pass (still queued)",
        error,
        row["id"],
        fate,
        untried,
        "" if untried == 1 else "s",
    )


def _due(engine: Engine, now: dt.datetime, kinds: Sequence[str]) -> list[Any]:
    """Queued messages of ``kinds`` whose next attempt is due at ``now``, oldest first; not
    those in flight (another process may be waiting for the server's answer)."""
    c = notifications.c
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(notifications)
                .where(
                    c.status == "queued",
                    c.next_attempt_at <= now,
                    c.kind.in_(kinds),
                    c.sending_since.is_(None),
                )
                .order_by(c.id)
            )
            .mappings()
            .all()
        )


def send_now(
    engine: Engine,
    settings: Settings,
    now: dt.datetime,
    transport: Receiver,
    *,
    kind: str,
    key: str,
    recipients: Sequence[str],
    subject: str,
    text: str,
    html: str,
    attachment: Path | None = None,
) -> tuple[bool, Delivered]:
    """Queue one message outside the alert send window (an admin notice, a report) and send
    every due message of its ``kind``; (whether this one was new, what sending did)."""
    with engine.begin() as conn:
        queued = queue(
            conn,
            key=key,
            kind=kind,
            run_id=None,
            recipients=recipients,
            subject=subject,
            text=text,
            html=html,
            case_count=0,
            now=now,
            attachment=attachment,
        )
    return queued, deliver(engine, transport, settings, now, None, kinds=(kind,), window=False)


@dataclass(frozen=True)
class Held:
    """A message still waiting, untouched (held outside the send window, or waiting to retry
    a server that was down): its id, key and ``(case_id, obligation, level)`` lines."""

    id: int
    key: str
    lines: tuple[tuple[str, str, str], ...]


def held_messages(conn: Connection, kind: str) -> dict[tuple[str, ...], list[Held]]:
    """The queued messages of ``kind`` that no recipient has yet and that are not being
    sent, by recipient list; only those that say which cases they carry (queued since
    revision 0004) can be replaced."""
    c = notifications.c
    rows = conn.execute(
        select(c.id, c.key, c.recipients, c.cases)
        .where(c.status == "queued", c.kind == kind, c.cases.is_not(None))
        .where(c.sending_since.is_(None))
        .where((c.delivered_to.is_(None)) | (c.delivered_to == ""))
        .order_by(c.id)
    ).mappings()
    held: dict[tuple[str, ...], list[Held]] = {}
    for row in rows:
        lines = tuple(
            (parts[0], parts[1], parts[2])
            for parts in (line.split("|") for line in row["cases"].splitlines())
            if len(parts) >= 3
        )
        recipients = tuple(row["recipients"].split(","))
        held.setdefault(recipients, []).append(Held(row["id"], row["key"], lines))
    return held


def replace_messages(conn: Connection, ids: Sequence[int], why: str) -> int:
    """Take the queued messages ``ids`` out of the queue (status ``replaced``, ``why`` as
    their last error): a fresher message says what they said. Returns how many."""
    if not ids:
        return 0
    c = notifications.c
    result = conn.execute(
        update(notifications)
        .where(c.id.in_(list(ids)), c.status == "queued")
        .values(status="replaced", last_error=why)
    )
    return int(result.rowcount or 0)


def messages_about(conn: Connection, case_id: str) -> pd.DataFrame:
    """The messages that carried ``case_id`` (from their ``cases`` lines), oldest first: id,
    kind, status, created_at, sent_at, recipients, subject, obligation, level (the level, or
    the resolution of a resolved notice, it carried)."""
    c = notifications.c
    escaped = case_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = conn.execute(
        select(c.id, c.kind, c.status, c.created_at, c.sent_at, c.recipients, c.subject, c.cases)
        .where(c.cases.like(f"%{escaped}|%", escape="\\"))
        .order_by(c.id)
    ).mappings()
    found = []
    for row in rows:
        for line in (row["cases"] or "").splitlines():
            case, obligation, level = [*line.split("|"), "", ""][:3]
            if case == case_id:
                found.append(
                    {**{k: row[k] for k in _MESSAGE}, "obligation": obligation, "level": level}
                )
    return pd.DataFrame(found, columns=[*_MESSAGE, "obligation", "level"])


def retry(conn: Connection, now: dt.datetime, ids: Sequence[int] | None = None) -> int:
    """Put dead messages (all, or those ``ids``) back in the queue; returns how many.

    They are due at once: from ``now``, or from when they were made if that is earlier, so
    the next run sends them even when it replays an earlier time with ``--at``. They go to
    the recipients that do not have them yet (``delivered_to`` is kept).
    """
    c = notifications.c
    stmt = update(notifications).where(c.status == "dead")
    if ids is not None:
        stmt = stmt.where(c.id.in_(list(ids)))
    due = case((c.created_at < now, c.created_at), else_=now)
    result = conn.execute(
        stmt.values(status="queued", attempts=0, next_attempt_at=due, sending_since=None)
    )
    return int(result.rowcount or 0)


def outbox_rows(conn: Connection, statuses: Sequence[str] = ("queued", "dead")) -> pd.DataFrame:
    """Messages in ``statuses``: id, kind, status, attempts, next attempt, recipients (and
    those that have it), subject, last error."""
    c = notifications.c
    rows = (
        conn.execute(
            select(
                c.id,
                c.kind,
                c.status,
                c.attempts,
                c.created_at,
                c.next_attempt_at,
                c.sent_at,
                c.recipients,
                c.delivered_to,
                c.subject,
                c.case_count,
                c.last_error,
            )
            .where(c.status.in_(list(statuses)))
            .order_by(c.id)
        )
        .mappings()
        .all()
    )
    return pd.DataFrame(
        [dict(r) for r in rows],
        columns=[
            "id",
            "kind",
            "status",
            "attempts",
            "created_at",
            "next_attempt_at",
            "sent_at",
            "recipients",
            "delivered_to",
            "subject",
            "case_count",
            "last_error",
        ],
    )
