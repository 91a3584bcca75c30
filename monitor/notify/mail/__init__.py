"""The mail receiver: rendering alert mail, building the MIME message, sending it.

``render_alert`` turns an :class:`AlertGroup` into a subject and two bodies (every case field
masked by :func:`monitor.mask.mask`), ``build_message`` wraps them into a
multipart/alternative message, and the transport from ``transport_for`` hands it to an SMTP
server (``smtp``: one session, each stage timed as RFC 5321 says) or writes it into a folder
(``files``); ``errors`` are what they raise, and ``check_transport`` finds a configuration
problem of the transport before anything is queued.
"""

from __future__ import annotations

from monitor.notify.mail.message import build_message, message_id
from monitor.notify.mail.render import LEVELS, AlertGroup, AlertItem, RenderedMail, render_alert
from monitor.notify.mail.transport import (
    FileTransport,
    InDoubtMailError,
    MailError,
    PermanentMailError,
    SmtpTransport,
    StageTimeouts,
    TransientMailError,
    Transport,
    check_transport,
    transport_for,
)

__all__ = [
    "LEVELS",
    "AlertGroup",
    "AlertItem",
    "FileTransport",
    "InDoubtMailError",
    "MailError",
    "PermanentMailError",
    "RenderedMail",
    "SmtpTransport",
    "StageTimeouts",
    "TransientMailError",
    "Transport",
    "build_message",
    "check_transport",
    "message_id",
    "render_alert",
    "transport_for",
]
