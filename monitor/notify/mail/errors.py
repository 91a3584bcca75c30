"""How the mail transports say a message was not handed over.

- :class:`TransientMailError`: try again later. The server could not be reached (connection
  refused, timeout, network down), it dropped the connection, or it answered 4xx.
- :class:`PermanentMailError`: the same message will fail again until someone changes
  something. The server answered 5xx, refused recipients, refused the login, the TLS
  certificate is not trusted, or the server lacks STARTTLS / AUTH.
- :class:`InDoubtMailError`: the end of the message went out and its answer never came (a
  timeout, a dropped connection): the server may have it, so it is not sent again by itself.

Each is a :class:`~monitor.notify.receiver.DeliveryError`: ``receiver_down`` is set when the
server as a whole failed (the pass stops), ``delivered`` lists the recipients the server
accepted when it refused only some.
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.notify.receiver import DeliveryError, InDoubtError, PermanentError, TransientError

__all__ = ["InDoubtMailError", "MailError", "PermanentMailError", "TransientMailError"]


class MailError(DeliveryError):
    """A message could not be handed over; ``code`` is the SMTP reply code, if any."""

    def __init__(
        self,
        message: str,
        code: int | None = None,
        *,
        delivered: Sequence[str] = (),
        receiver_down: bool | None = None,
    ) -> None:
        super().__init__(message, delivered=delivered, receiver_down=receiver_down)
        self.code = code


class TransientMailError(MailError, TransientError):
    """Try again later: connection refused or lost, timeout, or a 4xx answer."""


class InDoubtMailError(MailError, InDoubtError):
    """The server may have the message: the answer to its end was lost."""


class PermanentMailError(MailError, PermanentError):
    """Trying again will not help: a 5xx answer, refused recipients or login, untrusted TLS.

    ``refused`` maps each refused recipient to the server's ``(code, text)``.
    """

    def __init__(
        self,
        message: str,
        code: int | None = None,
        refused: dict[str, tuple[int, str]] | None = None,
        *,
        delivered: Sequence[str] = (),
        receiver_down: bool | None = None,
    ) -> None:
        super().__init__(message, code, delivered=delivered, receiver_down=receiver_down)
        self.refused = refused or {}
