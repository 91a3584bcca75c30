"""Sending one stored message, and recording every step of it in its own transaction.

The receiver reports two moments through a journal (:mod:`monitor.notify.receiver`), and
each is written at once:

- just before the end of the message goes out (SMTP's final "."), ``sending_since`` is set:
  from then on the server may have the message;
- as soon as the server has taken it, the recipients it took it for are added to
  ``delivered_to`` and the mark is cleared. Only then does the session say goodbye.

So a message still marked on a later run was interrupted between those two moments (the
process was killed, the machine lost power): it may have been delivered or not, and nothing
the protocol offers can tell. It is not sent again by itself — that could be the duplicate
the outbox exists to prevent — but dead-lettered with the reason, for a person to check
with a recipient and ``monitor outbox retry`` it; a mark younger than ``IN_FLIGHT_GRACE``
may belong to a process still waiting for the answer, and is left alone until then.

A retry goes only to the recipients not in ``delivered_to``. A message that cannot be built
(a stored address the configuration would refuse today, an attachment that is gone) is
dead-lettered with its reason; the others still go.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update

from monitor.config import Settings
from monitor.db.tables import notifications
from monitor.notify.mail.message import build_message
from monitor.notify.receiver import DeliveryError, InDoubtError, Receiver
from monitor.notify.robots.message import RobotMessage, robot_name

__all__ = ["IN_FLIGHT_GRACE", "Attempt", "pending_recipients", "send_stored", "settle_interrupted"]

log = logging.getLogger(__package__)
_MAX_DELAY = dt.timedelta(hours=6)
#: Longer than the longest wait for an answer (RFC 5321's 10 minutes for the end of DATA):
#: an "in flight" mark older than this belongs to a process that is gone.
IN_FLIGHT_GRACE = dt.timedelta(minutes=15)


@dataclass
class Attempt:
    """What one attempt did: "sent", "failed" (still queued) or "dead", and its error."""

    outcome: str
    error: DeliveryError | None = None


def pending_recipients(row: Any) -> list[str]:
    """The message's recipients that do not have it yet, in their stored order."""
    have = set(_split(row["delivered_to"]))
    return [r for r in _split(row["recipients"]) if r not in have]


def send_stored(
    engine: Engine, receiver: Receiver, settings: Settings, row: Any, now: dt.datetime
) -> Attempt:
    """Send one stored message to whoever does not have it yet, and record what happened."""
    pending = pending_recipients(row)
    if not pending:  # accepted by everyone before an interruption: only the mark was missing
        _mark_sent(engine, row, now)
        return Attempt("sent")
    try:
        msg = _build(settings, row)
    except (OSError, ValueError) as exc:  # retrying cannot fix a stored address or bring a file
        _record(engine, row, "dead", f"the message cannot be built: {exc}", now, settings)
        log.warning("message %s to %s is dead: cannot be built: %s", row["id"], pending, exc)
        return Attempt("dead")
    try:
        receiver.send(msg, pending, _Recorder(engine, row, now))
    except DeliveryError as exc:
        return Attempt(_failed(engine, settings, row, exc, now), exc)
    _mark_sent(engine, row, now)
    return Attempt("sent")


def settle_interrupted(engine: Engine, now: dt.datetime, kinds: Sequence[str]) -> int:
    """Dead-letter the queued messages of ``kinds`` whose end went out longer than
    ``IN_FLIGHT_GRACE`` before ``now`` with no answer recorded; returns how many."""
    c = notifications.c
    with engine.begin() as conn:
        rows = conn.execute(
            select(c.id, c.recipients, c.delivered_to, c.sending_since).where(
                c.status == "queued",
                c.kind.in_(kinds),
                c.sending_since.is_not(None),
                c.sending_since <= now - IN_FLIGHT_GRACE,
            )
        ).mappings()
        found = list(rows)
        for row in found:
            error = (
                f"the sending process stopped at {row['sending_since']:%Y-%m-%d %H:%M:%S} after "
                "the end of the message went to the server and before its answer came: it may "
                f"have been delivered, so it is not sent again by itself; {_ask(row)} whether "
                f"it arrived, else `monitor outbox retry --id {row['id']}`"
            )
            log.warning("message %s is dead: %s", row["id"], error)
            conn.execute(
                update(notifications)
                .where(c.id == row["id"])
                .values(status="dead", last_error=error, sending_since=None)
            )
    return len(found)


def _ask(row: Any) -> str:
    """Whom to ask whether an interrupted message arrived: its recipients, or the group."""
    name = robot_name(row["recipients"])
    if name is not None:
        return f"look in the group (or system) of receiver {name}"
    return f"ask {', '.join(pending_recipients(row))}"


class _Recorder:
    """The outbox's journal of one message: each report is written at once."""

    def __init__(self, engine: Engine, row: Any, now: dt.datetime) -> None:
        self.engine = engine
        self.id = row["id"]
        self.now = now
        self.delivered = _split(row["delivered_to"])

    def committing(self) -> None:
        """The end of the message is about to go: mark it in flight."""
        self._write(sending_since=self.now)

    def accepted(self, recipients: Sequence[str]) -> None:
        """The server took it for ``recipients``: record them, clear the mark."""
        self.delivered += [r for r in recipients if r not in self.delivered]
        self._write(delivered_to=",".join(self.delivered) or None, sending_since=None)

    def _write(self, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(notifications).where(notifications.c.id == self.id).values(**values)
            )


def _failed(
    engine: Engine, settings: Settings, row: Any, exc: DeliveryError, now: dt.datetime
) -> str:
    """Record a failed attempt: queued for a retry, or dead; returns which ("failed" or
    "dead"). The stored error says which; it never promises a retry that will not come."""
    attempts = row["attempts"] + 1
    error = str(exc)
    if isinstance(exc, InDoubtError):
        status = "dead"
        error += (
            "; not sent again by itself: ask a recipient whether it arrived, else "
            f"`monitor outbox retry --id {row['id']}`"
        )
    elif not exc.retry:
        status = "dead"
    elif attempts >= settings.alerts.max_attempts:
        status = "dead"
        error += f"; gave up after {attempts} attempts ([alerts] max_attempts)"
    else:
        status = "queued"
        error += "; will try again"
    if not exc.receiver_down:  # a receiver that is down is logged once per pass
        log.warning("message %s to %s: %s", row["id"], row["recipients"], error)
    _record(engine, row, status, error, now, settings)
    return "dead" if status == "dead" else "failed"


def _record(
    engine: Engine, row: Any, status: str, error: str, now: dt.datetime, settings: Settings
) -> None:
    attempts = row["attempts"] + 1
    # The delay doubles from retry_after_minutes up to six hours (the exponent is capped so
    # that no count of attempts overflows a timedelta).
    minutes = settings.alerts.retry_after_minutes * 2 ** min(attempts - 1, 16)
    with engine.begin() as conn:
        conn.execute(
            update(notifications)
            .where(notifications.c.id == row["id"])
            .values(
                status=status,
                attempts=attempts,
                last_error=error[:2000],
                next_attempt_at=now + min(dt.timedelta(minutes=minutes), _MAX_DELAY),
                sending_since=None,
            )
        )


def _mark_sent(engine: Engine, row: Any, now: dt.datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(notifications)
            .where(notifications.c.id == row["id"])
            .values(
                status="sent",
                sent_at=now,
                attempts=row["attempts"] + 1,
                last_error=None,
                sending_since=None,
            )
        )


def _build(settings: Settings, row: Any) -> Any:
    """The message of a stored row: a robot message (JSON) for a receiver, else the mail
    (its Message-ID from the key, its Date when queued)."""
    if robot_name(row["recipients"]) is not None:
        return RobotMessage.from_json(row["body_text"])
    files = [Path(row["attachment"])] if row["attachment"] else []
    try:
        return build_message(
            settings.mail.from_,
            _split(row["recipients"]),
            row["subject"],
            row["body_text"],
            row["body_html"],
            row["key"],
            row["created_at"],
            files,
        )
    except OSError as exc:
        raise OSError(f"attachment {row['attachment']}: {exc}") from exc


def _split(stored: str | None) -> list[str]:
    return [r for r in (stored or "").split(",") if r]
