"""One SMTP session with RFC 5321's timeout for each stage, and a mark before the point of no
return.

smtplib waits the same ``timeout`` for every answer. RFC 5321 §4.5.3.2 asks a client to wait
longer where a server is known to take its time, above all for the answer to the final "."
of DATA: by then the server has the message, and a client that gives up early sends it
again later (the same message twice). So the socket's timeout is set before each stage
(``sock.settimeout`` between commands): :class:`StageTimeouts` holds the values.

The final "." is the point after which the server may have the message for good. Just
before writing it, the session calls ``before_commit`` (the outbox records the message as
"in flight"), and ``committed`` says afterwards whether that point was passed: a timeout or
a lost connection after it leaves the message in doubt, one before it does not (a server
drops a message whose DATA did not end with ".").
"""

from __future__ import annotations

import re
import smtplib
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

__all__ = ["SmtpSession", "SmtpSslSession", "StageTimeouts"]

_CRLF = b"\r\n"
#: A line that starts with "." gets another (dot-stuffing, RFC 5321 §4.5.2).
_LEADING_DOT = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class StageTimeouts:
    """Seconds to wait at each stage of a session.

    ``command`` is ``[mail.smtp] timeout``: the TCP connection, the TLS handshake and the
    commands RFC 5321 gives no time for (EHLO, STARTTLS, AUTH, RSET, QUIT). The others are
    the minimums of RFC 5321 §4.5.3.2 ("Initial 220 Message: 5 minutes", "MAIL Command: 5
    minutes", "RCPT Command: 5 minutes", "DATA Initiation: 2 minutes", "Data Block: 3
    minutes", "DATA Termination: 10 minutes").
    """

    command: float = 30.0
    greeting: float = 300.0
    mail: float = 300.0
    rcpt: float = 300.0
    data_initiation: float = 120.0
    data_block: float = 180.0
    data_termination: float = 600.0


class _Staged(smtplib.SMTP):
    """The stage timeouts and the commit mark, over smtplib's own protocol code."""

    def __init__(
        self, stages: StageTimeouts, before_commit: Callable[[], None], **kwargs: Any
    ) -> None:
        self.stages = stages
        self.before_commit = before_commit
        #: Whether the final "." of DATA was written (the server may have the message).
        self.committed = False
        #: What the session waits for now, and how long: named in a timeout's message.
        self.waiting = ("the connection", stages.command)
        super().__init__(timeout=stages.command, **kwargs)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = super()._get_socket(host, port, timeout)  # connected (and TLS) in ``command``
        self.waiting = ("the greeting", self.stages.greeting)
        sock.settimeout(self.stages.greeting)
        return sock

    def connect(
        self, host: str = "localhost", port: int = 0, source_address: Any = None
    ) -> tuple[int, bytes]:
        self._host = host  # TLS checks the certificate against it (smtplib sets it in __init__)
        reply = super().connect(host, port, source_address)
        self._wait("an answer", self.stages.command)
        return reply

    def mail(self, sender: str, options: Any = ()) -> tuple[int, bytes]:
        with self._stage("the answer to MAIL", self.stages.mail):
            return super().mail(sender, options)

    def rcpt(self, recip: str, options: Any = ()) -> tuple[int, bytes]:
        with self._stage("the answer to RCPT", self.stages.rcpt):
            return super().rcpt(recip, options)

    def data(self, msg: Any) -> tuple[int, bytes]:
        """DATA as smtplib sends it, with a stage for each wait and the commit mark before
        the final "."; returns the answer to the end of the message."""
        with self._stage("the answer to DATA", self.stages.data_initiation):
            code, reply = self.docmd("data")
            if code != 354:
                raise smtplib.SMTPDataError(code, reply)
        with self._stage("a block of the message to be taken", self.stages.data_block):
            body = _LEADING_DOT.sub(b"..", bytes(msg))
            self.send(body if body.endswith(_CRLF) else body + _CRLF)
        self.before_commit()
        with self._stage("the answer to the end of the message", self.stages.data_termination):
            self.committed = True
            self.send(b"." + _CRLF)
            return self.getreply()

    @contextmanager
    def _stage(self, what: str, seconds: float) -> Iterator[None]:
        """Wait ``seconds`` for ``what`` inside the block, then ``command`` again. Not on an
        error: ``waiting`` then still names the stage that failed, for its message."""
        self._wait(what, seconds)
        yield
        self._wait("an answer", self.stages.command)

    def _wait(self, what: str, seconds: float) -> None:
        self.waiting = (what, seconds)
        if self.sock is not None:
            self.sock.settimeout(seconds)


class SmtpSession(_Staged):
    """A plain SMTP session (STARTTLS, if wanted, is the caller's next step)."""


class SmtpSslSession(_Staged, smtplib.SMTP_SSL):
    """An SMTP session over TLS from the first byte (port 465)."""
