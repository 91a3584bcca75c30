"""Generic webhooks: the grouped alert as a JSON POST (docs/webhook.md has the schema).

The body is the message's payload (``schema`` ``banjian-monitor.alert/1``: the counts and
the cases as data, personal data masked) with ``title`` and the whole markdown ``text``.
Headers:

- ``X-Monitor-Delivery``: the SHA-256 of the body (hex, 32 characters). The same message
  sent again (a retry after a lost answer) has the same body, so a receiver that keeps the
  ids it has seen can drop a second copy;
- with ``secret_env``, ``X-Monitor-Timestamp`` (Unix seconds) and ``X-Monitor-Signature``:
  ``sha256=`` and the hex HMAC-SHA256, keyed with the secret, of the timestamp, a ".", and
  the body's bytes (a receiver refuses a stale timestamp and a wrong signature).

Any 2xx answer is a success; 429 and 5xx are retried; any other status needs someone to
change something.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Sequence

from monitor.notify.receiver import NO_JOURNAL, Journal
from monitor.notify.robots.fit import fit_markdown
from monitor.notify.robots.message import RobotMessage
from monitor.notify.robots.pace import Pacer
from monitor.notify.robots.post import http_failure, post

__all__ = ["Webhook", "signature"]

#: No limit of the receiver's is known: the text is whole up to this size.
MAX_BYTES = 1_000_000


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Monitor-Signature`` value of ``body`` sent at ``timestamp``."""
    signed = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


class Webhook:
    """One webhook address; ``last_answer`` is its last answer, as text."""

    def __init__(
        self,
        name: str,
        url: str,
        *,
        secret: str | None = None,
        timeout: float = 10.0,
        pacer: Pacer,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.where = f"receiver {name} (webhook)"
        self.url, self.secret = url, secret
        self.timeout, self.pacer, self.clock = timeout, pacer, clock
        self.last_answer: str | None = None

    def body(self, message: RobotMessage) -> bytes:
        """The request body of ``message``: its bytes are what the signature covers."""
        data = {
            **message.payload,
            "title": message.title,
            "text": fit_markdown(message, MAX_BYTES).text,
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")

    def send(
        self,
        message: RobotMessage,
        recipients: Sequence[str] | None = None,
        journal: Journal = NO_JOURNAL,
    ) -> None:
        """Post ``message``; the outbox's DeliveryError kinds on failure."""
        body = self.body(message)
        headers = {"X-Monitor-Delivery": hashlib.sha256(body).hexdigest()[:32]}
        if self.secret:
            stamp = int(self.clock())
            headers["X-Monitor-Timestamp"] = str(stamp)
            headers["X-Monitor-Signature"] = signature(self.secret, stamp, body)
        answer = post(
            self.where,
            self.url,
            {},
            raw=body,
            headers=headers,
            timeout=self.timeout,
            pacer=self.pacer,
            journal=journal,
        )
        self.last_answer = f"HTTP {answer.status}" + (f" {answer.text}" if answer.text else "")
        if not 200 <= answer.status < 300:
            raise http_failure(self.where, self.url, answer)
        journal.accepted(list(recipients or ()))
