"""The mail receiver: rendering alert mail, building the MIME message, sending it.

``render_alert`` turns an :class:`AlertGroup` into a subject and two bodies (every case field
masked by :func:`monitor.mask.mask`), ``build_message`` wraps them into a
multipart/alternative message, and the transport from ``transport_for`` hands it to an SMTP
server or writes it into a folder.
"""

from __future__ import annotations

from monitor.notify.mail.message import build_message, message_id
from monitor.notify.mail.render import LEVELS, AlertGroup, AlertItem, RenderedMail, render_alert
from monitor.notify.mail.transport import (
    FileTransport,
    MailError,
    PermanentMailError,
    SmtpTransport,
    TransientMailError,
    Transport,
    transport_for,
)

__all__ = [
    "LEVELS",
    "AlertGroup",
    "AlertItem",
    "FileTransport",
    "MailError",
    "PermanentMailError",
    "RenderedMail",
    "SmtpTransport",
    "TransientMailError",
    "Transport",
    "build_message",
    "message_id",
    "render_alert",
    "transport_for",
]
