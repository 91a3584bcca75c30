"""Signed links to a case page (itsdangerous): bound to one warning and one recipient list,
valid for ``[web] link_workdays`` working days, holding no personal data.

A link's token carries the warning's number and a digest of the recipient list it was sent
to, signed with the secret of ``[web] secret_env`` (HMAC-SHA1 by itsdangerous, with a salt of
its own so that a session cookie can never pass for a link) and timestamped when made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from itsdangerous import BadSignature, URLSafeTimedSerializer

from monitor import clock
from monitor.config import Settings, secret
from rules.calendar import WorkingCalendar

__all__ = [
    "Link",
    "LinkError",
    "case_link",
    "department_list_link",
    "read_link",
    "recipients_digest",
    "serializer",
]

_SALT = "monitor.case-link"


class LinkError(Exception):
    """A link that cannot be followed; ``why`` is ``tampered``, ``expired`` or ``revoked``."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class Link:
    """What a valid link grants: one warning, for one recipient list, made on ``issued``."""

    warning_id: int
    recipients: str  # the digest of the recipient list
    issued: dt.date


def recipients_digest(recipients: Sequence[str]) -> str:
    """A short digest of a recipient list (the same list in any order gives the same)."""
    joined = ",".join(sorted(r.strip().lower() for r in recipients))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def serializer(settings: Settings) -> URLSafeTimedSerializer:
    """The signer of links, with the secret from the environment (a ConfigError naming the
    variable when it is not set)."""
    return URLSafeTimedSerializer(secret(settings.web.secret_env, "[web] secret_env"), _SALT)


def case_link(settings: Settings, warning_id: int, recipients: Sequence[str]) -> str | None:
    """The address of the case page of warning ``warning_id`` for ``recipients``, or None
    without ``[web] base_url``."""
    if not settings.web.base_url:
        return None
    token = serializer(settings).dumps({"w": int(warning_id), "r": recipients_digest(recipients)})
    return f"{settings.web.base_url}/c/{token}"


def department_list_link(settings: Settings, departments: Sequence[str]) -> str | None:
    """The address of the office's list of open warnings of the one department in
    ``departments`` (behind the office's sign-in), or None without ``[web] base_url`` or with
    several departments: where a message too long for a messenger sends its reader."""
    if not settings.web.base_url or len(departments) != 1:
        return None
    return f"{settings.web.base_url}/office/?{urlencode({'department': departments[0]})}"


def read_link(settings: Settings, token: str, calendar: WorkingCalendar, now: dt.datetime) -> Link:
    """The warning a link grants, or :class:`LinkError`: ``tampered`` (not signed by this
    office's secret, or altered), ``expired`` (more than ``link_workdays`` working days
    old)."""
    try:
        payload, stamp = serializer(settings).loads(token, return_timestamp=True)
        link = Link(int(payload["w"]), str(payload["r"]), clock.naive(stamp).date())
    except (BadSignature, KeyError, TypeError, ValueError):
        raise LinkError("tampered") from None
    age = int(calendar.working_days_between([link.issued], [now.date()])[0])
    if age > settings.web.link_workdays:
        raise LinkError("expired")
    return link
