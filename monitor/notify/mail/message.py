"""The MIME message of an alert: multipart/alternative, plain text and HTML, UTF-8.

Header values come partly from case data (department names in the subject) and partly from
the configuration (addresses), so nothing here may open a new header line: every line break
in the subject becomes a space, and every address must be a single plain address (an address
with a line break, a comma or anything else that is not an address is a ``ValueError`` naming
it). The ``Message-ID`` is derived from the outbox key, so a message sent twice (a retry after
a lost answer) carries the same id and receiving systems can drop the duplicate.
"""

from __future__ import annotations

import email.policy
import mimetypes
import re
from collections.abc import Sequence
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from pathlib import Path

from monitor.clock import aware
from monitor.config.addresses import ascii_address
from monitor.text import has_breaks, one_line

__all__ = ["MESSAGE_ID_DOMAIN", "build_message", "message_id", "message_recipients"]

#: The right-hand side of every Message-ID the monitor makes.
MESSAGE_ID_DOMAIN = "banjian-monitor"

#: ``Display Name <name@host>``; the name is optional text without quotes or brackets.
_NAMED = re.compile(r"(?P<name>[^<>]*)<(?P<addr>[^<>]*)>")
#: Characters allowed in the id part of a Message-ID (dot-atom text, RFC 5322 §3.6.4).
_ID_TEXT = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")


def build_message(
    sender: str,
    recipients: Sequence[str],
    subject: str,
    text: str,
    html: str,
    key: str,
    date: datetime,
    attachments: Sequence[Path] = (),
) -> EmailMessage:
    """An alert message from ``sender`` to ``recipients`` with a text and an HTML part.

    ``key`` is the outbox key; the Message-ID is ``<key[:32]@banjian-monitor>``. ``date`` is
    the Date header (a naive value is taken as Asia/Shanghai time). Raises ``ValueError`` for
    an address that is not a plain email address, no recipients, or a key that cannot make a
    Message-ID. ``attachments`` are files added as attachments (a report's workbook).
    """
    if isinstance(recipients, str):
        raise ValueError(f"expected a list of recipient addresses, found the text {recipients!r}")
    if not recipients:
        raise ValueError("a message needs at least one recipient")
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["Subject"] = one_line(subject)
    msg["From"] = _address(sender)
    msg["To"] = [_address(r) for r in recipients]
    msg["Date"] = format_datetime(aware(date))
    msg["Message-ID"] = message_id(key)
    # RFC 3834: machine-sent; auto-responders (out-of-office) should not answer.
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    for path in attachments:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        main, sub = kind.split("/", 1)
        msg.add_attachment(path.read_bytes(), maintype=main, subtype=sub, filename=path.name)
    return msg


def message_id(key: str) -> str:
    """``<key[:32]@banjian-monitor>``; ``ValueError`` when ``key[:32]`` is empty or holds
    characters a Message-ID cannot carry."""
    part = key[:32]
    if not _ID_TEXT.fullmatch(part) or part.startswith(".") or part.endswith(".") or ".." in part:
        raise ValueError(
            f"cannot make a Message-ID from key {key!r}: expected letters, digits or . _ - "
            "(such as a hex digest)"
        )
    return f"<{part}@{MESSAGE_ID_DOMAIN}>"


def message_recipients(msg: EmailMessage) -> list[str]:
    """Every address ``msg`` is for (To, Cc, Bcc), as smtplib's ``send_message`` finds them."""
    fields = [str(v) for name in ("To", "Cc", "Bcc") for v in msg.get_all(name, [])]
    return [addr for _, addr in getaddresses(fields) if addr]


def _address(value: str) -> Address:
    """One address, ``name@host`` or ``Display Name <name@host>``, checked."""
    if has_breaks(value):
        raise ValueError(
            f"not a valid email address (has a line break or control character): {value!r}"
        )
    named = _NAMED.fullmatch(value.strip())
    name, addr = (named["name"].strip(), named["addr"]) if named else ("", value.strip())
    if any(c in name for c in '"\\<>'):
        raise ValueError(f"not a valid email address: {value!r}")
    try:
        # The configuration's own check (email-validator), plus a host without a dot
        # (``monitor@localhost``, the default sender); an IDN domain goes out as Punycode.
        addr = ascii_address(addr, local=True)
    except ValueError as exc:
        raise ValueError(f"not a valid email address: {value!r} ({exc})") from None
    username, domain = addr.rsplit("@", 1)
    return Address(display_name=name, username=username, domain=domain)
