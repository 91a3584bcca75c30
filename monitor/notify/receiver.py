"""What the outbox needs of a receiver, and how a receiver says a delivery failed.

A receiver hands a message over with ``send(message, recipients, journal)``: it returns once
the other side has accepted it for every recipient, or raises a :class:`DeliveryError`.
While it works it tells the outbox, through the :class:`Journal`, the two moments that
matter for sending each message once:

- ``journal.committing()`` just before the step after which the other side may have the
  message and its answer could still be lost (SMTP: the final "." of DATA). A receiver whose
  resending is harmless (a file replaced by the same file) need not call it.
- ``journal.accepted(recipients)`` as soon as the other side has taken the message for
  ``recipients``, before anything else (an SMTP QUIT) can delay or lose that news.

The error says what to do with the message: ``retry`` whether the same message may go
through later (:class:`TransientError`: a refused or lost connection, a timeout, a "try
again" answer, a rate limit) or will fail again until someone changes something
(:class:`PermanentError`: a refused address, login or token, a rejected message);
:class:`InDoubtError` that the other side may have it (its answer to the end of the message
was lost), so sending it again could duplicate it. ``receiver_down`` says the receiver itself
failed (unreachable, not answering, refusing the session), so the other messages of the pass
would fail the same way and are not tried; ``delivered`` lists recipients that have the
message despite the error. The mail receiver (:mod:`monitor.notify.mail.transport`) is the
one there is today.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from monitor.errors import MonitorError

__all__ = [
    "NO_JOURNAL",
    "DeliveryError",
    "InDoubtError",
    "Journal",
    "PermanentError",
    "Receiver",
    "TransientError",
]


class DeliveryError(MonitorError):
    """A message could not be handed over; ``retry`` says whether trying again may help,
    ``receiver_down`` whether the receiver as a whole failed, ``delivered`` who has it anyway.
    """

    retry: bool = False
    receiver_down: bool = False

    def __init__(
        self,
        message: str,
        *,
        delivered: Sequence[str] = (),
        receiver_down: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.delivered = tuple(delivered)
        if receiver_down is not None:
            self.receiver_down = receiver_down


class TransientError(DeliveryError):
    """Try again later."""

    retry = True


class PermanentError(DeliveryError):
    """Trying again will not help until someone changes something."""

    retry = False


class InDoubtError(DeliveryError):
    """The other side may have the message: its answer to the end of the message was lost
    (a timeout, a dropped connection). Not retried by itself: a person decides."""

    retry = False
    receiver_down = True


class Journal(Protocol):
    """Where a receiver reports its progress with one message (the outbox records each
    report at once, in its own transaction)."""

    def committing(self) -> None:
        """The next step may give the other side the message for good."""
        ...

    def accepted(self, recipients: Sequence[str]) -> None:
        """The other side has taken the message for ``recipients``."""
        ...


class _NoJournal:
    """A journal that records nothing (a message sent outside the outbox)."""

    def committing(self) -> None:
        return None

    def accepted(self, recipients: Sequence[str]) -> None:
        return None


#: The journal of a message sent outside the outbox.
NO_JOURNAL: Journal = _NoJournal()


class Receiver(Protocol):
    """A destination of messages (an SMTP server, a folder of ``.eml`` files, …)."""

    def send(
        self,
        message: Any,
        recipients: Sequence[str] | None = None,
        journal: Journal = NO_JOURNAL,
    ) -> None:
        """Hand ``message`` over for ``recipients`` (None: every address it names), telling
        ``journal`` as it goes; or raise a :class:`DeliveryError`."""
        ...
