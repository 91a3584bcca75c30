"""Mail to the people who run the monitor (``[alerts] admin_recipients``).

Two messages, each sent once through the outbox (kind ``admin``, not held by the send
window): a job failed ``[schedule] admin_alert_after`` times in a row (once per run of
failures: the key names the job and the first failed run), and the next year's working-day
calendar is unknown (once per year: the key names the year). Without admin recipients the
condition is only logged.
"""

from __future__ import annotations

import datetime as dt
import html
import logging

import sqlalchemy as sa

from monitor.config import Settings
from monitor.db.runs import failure_streak
from monitor.notify.mail.transport import transport_for
from monitor.notify.outbox import message_key, send_now
from monitor.notify.receiver import Receiver

__all__ = ["calendar_alert", "failure_alert"]

log = logging.getLogger(__package__)

#: Characters of the last traceback quoted in a failure message.
_ERROR_TAIL = 3000


def failure_alert(
    settings: Settings, engine: sa.Engine, name: str, now: dt.datetime, transport: Receiver | None
) -> bool:
    """After ``admin_alert_after`` consecutive failures of job ``name``, queue and send one
    message to the admins; True when a message was queued now."""
    with engine.connect() as conn:
        streak = failure_streak(conn, name)
    limit = settings.schedule.admin_alert_after
    if len(streak) < limit:
        return False
    if len(streak) == limit:  # later failures of the same streak: the message is queued
        log.error(
            "%s: failed %d times in a row (runs #%d to #%d)",
            name,
            limit,
            streak[0].id,
            streak[-1].id,
        )
    first, last = streak[0], streak[limit - 1]  # as when the streak reached the limit
    zh = settings.alerts.language == "zh"
    ids = ", ".join(f"#{r.id}" for r in streak[:limit])
    error = (last.error or "")[-_ERROR_TAIL:]
    if zh:
        subject = f"【办件监测】任务 {name} 连续失败 {limit} 次"
        text = (
            f"办件监测的任务 {name} 已连续失败 {limit} 次（运行 {ids}，"
            f"首次 {first.at:%Y-%m-%d %H:%M}）。\n"
            f"请查看 monitor status 和日志；任务仍按计划运行，恢复前不再重复提醒。\n\n"
            f"最后一次错误：\n{error}"
        )
    else:
        subject = f"[banjian-monitor] job {name} failed {limit} times in a row"
        text = (
            f"The monitor's {name} job has failed {limit} times in a row (runs {ids}, the "
            f"first at {first.at:%Y-%m-%d %H:%M}).\nSee `monitor status` and the log; the job "
            f"still runs on schedule, and this is not repeated until it has succeeded.\n\n"
            f"The last error:\n{error}"
        )
    key_day = first.at.date()
    return _send(
        settings, engine, f"failures|{name}|{first.id}", key_day, subject, text, now, transport
    )


def calendar_alert(
    settings: Settings,
    engine: sa.Engine,
    year: int,
    warning: str,
    now: dt.datetime,
    transport: Receiver | None,
) -> bool:
    """Tell the admins, once per year, that ``year``'s official calendar is unknown
    (``warning`` is :func:`monitor.daemon.jobs.coverage_warning`'s sentence); True when
    queued now."""
    if settings.alerts.language == "zh":
        subject = f"【办件监测】{year} 年节假日安排尚未配置"
        text = (
            f"办件监测还不知道 {year} 年的法定节假日和调休安排，"
            f"无法计算跨入 {year} 年的工作日期限。\n"
            f"请在配置文件的 [calendar.years.{year}] 中填写 holidays（放假的工作日）和 workdays"
            f"（调休上班的周末），或升级 holidays 软件包。\n\n{warning}"
        )
    else:
        subject = f"[banjian-monitor] the {year} holiday schedule is not configured"
        text = f"The monitor's working-day calendar needs attention:\n\n{warning}.\n"
    return _send(
        settings, engine, f"calendar|{year}", dt.date(year, 1, 1), subject, text, now, transport
    )


def _send(
    settings: Settings,
    engine: sa.Engine,
    what: str,
    day: dt.date,
    subject: str,
    text: str,
    now: dt.datetime,
    transport: Receiver | None,
) -> bool:
    """Queue an admin message under a key made of ``what`` and ``day`` (so it is queued
    once), then send every due admin message. True when this one was queued now."""
    recipients = tuple(settings.alerts.admin_recipients)
    if not recipients:
        log.warning("no [alerts] admin_recipients to tell: %s", subject)
        return False
    body = f'<pre style="white-space: pre-wrap">{html.escape(text)}</pre>'
    queued, done = send_now(
        engine,
        settings,
        now,
        transport or transport_for(settings),
        kind="admin",
        key=message_key("admin", recipients, day, [what]),
        recipients=recipients,
        subject=subject,
        text=text,
        html=body,
    )
    if queued:
        log.warning("told the admins (%s): %s; sent %d", ", ".join(recipients), subject, done.sent)
    return queued
