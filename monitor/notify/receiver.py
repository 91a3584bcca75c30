"""What the outbox needs of a receiver, and how a receiver says a delivery failed.

A receiver hands a message over with ``send(message)``: it returns once the other side has
accepted it, or raises a :class:`DeliveryError` whose ``retry`` says whether the same
message may go through later (:class:`TransientError`: a refused or lost connection, a
timeout, a "try again" answer, a rate limit) or will fail again until someone changes
something (:class:`PermanentError`: a refused address, login or token, a rejected message).
The outbox keeps the first kind queued with a growing delay and dead-letters the second.
The mail receiver (:mod:`monitor.notify.mail.transport`) is the one there is today.
"""

from __future__ import annotations

from typing import Any, Protocol

from monitor.errors import MonitorError

__all__ = ["DeliveryError", "PermanentError", "Receiver", "TransientError"]


class DeliveryError(MonitorError):
    """A message could not be handed over; ``retry`` says whether trying again may help."""

    retry: bool = False


class TransientError(DeliveryError):
    """Try again later."""

    retry = True


class PermanentError(DeliveryError):
    """Trying again will not help until someone changes something."""

    retry = False


class Receiver(Protocol):
    """A destination of messages (an SMTP server, a folder of ``.eml`` files, …)."""

    def send(self, message: Any) -> None:
        """Hand ``message`` over, or raise a :class:`DeliveryError`."""
        ...
