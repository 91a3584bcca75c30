"""Sending a message: over SMTP, or into a folder of ``.eml`` files (demo, tests, air gaps).

A transport is a receiver (:class:`~monitor.notify.receiver.Receiver`): one method,
``send(msg, recipients, journal)``. It returns when the message is handed over and raises one
of the errors of :mod:`monitor.notify.mail.errors` otherwise, so the outbox knows whether to
try again. Over SMTP each stage of the session waits as long as RFC 5321 §4.5.3.2 says
(:mod:`monitor.notify.mail.smtp`), the journal hears of the final "." of DATA just before it
goes and of the server's acceptance right after it, and the envelope goes to ``recipients``
only (the message's headers still name everyone): a retry reaches those who do not have it.

Every message names the server (``host:port``) or the folder.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Literal, Protocol

from monitor.config import MailSettings, Settings, secret
from monitor.config.addresses import ascii_address
from monitor.errors import ConfigError
from monitor.notify.mail.errors import (
    InDoubtMailError,
    MailError,
    PermanentMailError,
    TransientMailError,
)
from monitor.notify.mail.files import FileTransport
from monitor.notify.mail.message import message_recipients
from monitor.notify.mail.smtp import SmtpSession, SmtpSslSession, StageTimeouts
from monitor.notify.receiver import NO_JOURNAL, Journal

__all__ = [
    "FileTransport",
    "InDoubtMailError",
    "MailError",
    "PermanentMailError",
    "SmtpTransport",
    "StageTimeouts",
    "TransientMailError",
    "Transport",
    "check_transport",
    "transport_for",
]

Security = Literal["none", "starttls", "ssl"]
#: SMTP's "service not available, closing the channel": the server, not the message.
_CLOSING = 421


class Transport(Protocol):
    """What the outbox needs of a transport."""

    def send(
        self,
        msg: EmailMessage,
        recipients: Sequence[str] | None = None,
        journal: Journal = NO_JOURNAL,
    ) -> None:
        """Hand ``msg`` over; raise a :class:`MailError`."""
        ...


class SmtpTransport:
    """Send through an SMTP server (RFC 5321), plain, with STARTTLS or over implicit TLS.

    ``security``: "none" (plain, port 25), "starttls" (upgrade after EHLO, usually port 587)
    or "ssl" (TLS from the first byte, usually port 465). With ``username`` the transport logs
    in with the password held in the environment variable ``password_env`` (read here, so a
    missing variable is a :class:`~monitor.errors.ConfigError` at start, not at the first
    alert). ``timeout`` is the wait for the connection and for commands RFC 5321 gives no
    time for; ``stages`` the other waits (RFC 5321's by default). ``ssl_context`` replaces
    the system's default trust (tests, private CAs).
    """

    def __init__(
        self,
        host: str,
        port: int = 25,
        security: Security = "none",
        username: str | None = None,
        password_env: str | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        stages: StageTimeouts | None = None,
    ) -> None:
        if security not in ("none", "starttls", "ssl"):
            raise ValueError(f"expected security none, starttls or ssl, found {security!r}")
        if username and not password_env:
            raise ConfigError(
                "[mail.smtp]",
                [f"username {username!r} needs password_env (the variable with the password)"],
            )
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.timeout = timeout
        self.stages = stages or StageTimeouts(command=timeout)
        self.ssl_context = ssl_context
        self._password = (
            secret(password_env, "[mail.smtp] password_env") if username and password_env else None
        )

    @property
    def server(self) -> str:
        """``host:port``, as error messages name it."""
        return f"{self.host}:{self.port}"

    def __repr__(self) -> str:
        return f"SmtpTransport({self.server}, security={self.security!r})"

    def send(
        self,
        msg: EmailMessage,
        recipients: Sequence[str] | None = None,
        journal: Journal = NO_JOURNAL,
    ) -> None:
        """Deliver ``msg`` to the server for ``recipients`` (None: its To / Cc / Bcc)."""
        wanted = list(recipients) if recipients is not None else message_recipients(msg)
        envelope = {_envelope(r): r for r in wanted}
        if not envelope:  # everyone has it already
            return
        session = self._session(journal)
        try:
            refused = self._deliver(session, msg, list(envelope))
            accepted = [envelope[a] for a in envelope if a not in refused]
            journal.accepted(accepted)  # recorded before QUIT can delay it
        except (smtplib.SMTPException, OSError) as exc:
            session.close()
            raise self._classify(exc, session) from exc
        except BaseException:
            session.close()
            raise
        _goodbye(session)
        if refused:
            raise self._partly_refused({envelope[a]: r for a, r in refused.items()}, accepted)

    def _session(self, journal: Journal) -> SmtpSession:
        """A session not yet connected, its stages timed, the journal told before the end."""
        if self.security == "ssl":
            return SmtpSslSession(self.stages, journal.committing, context=self._context())
        return SmtpSession(self.stages, journal.committing)

    def _deliver(
        self, session: SmtpSession, msg: EmailMessage, envelope: list[str]
    ) -> dict[str, tuple[int, bytes]]:
        """One SMTP session; returns the recipients refused while others were accepted."""
        code, greeting = session.connect(self.host, self.port)
        if code != 220:  # as smtplib.SMTP() checks when it connects by itself
            raise smtplib.SMTPConnectError(code, greeting)
        if self.security == "starttls":
            session.starttls(context=self._context())
        if self.username and self._password is not None:
            session.login(self.username, self._password)
        return session.send_message(msg, to_addrs=envelope)

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def _partly_refused(
        self, refused: dict[str, tuple[int, bytes]], accepted: list[str]
    ) -> MailError:
        """The server took the message for ``accepted`` and refused the others: a retry
        goes to the refused ones only, so it is worth one when every refusal was 4xx."""
        text = f"SMTP {self.server} accepted the message but refused {_refusals(refused)}"
        if all(400 <= code < 500 for code, _ in refused.values()):
            return TransientMailError(text, delivered=accepted)
        return PermanentMailError(
            text + "; the other recipients have it", refused=_decoded(refused), delivered=accepted
        )

    def _classify(self, exc: smtplib.SMTPException | OSError, session: SmtpSession) -> MailError:
        """Our error for a failure of smtplib, ssl or the network."""
        where = f"SMTP {self.server}"
        if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(
            exc.__context__, TimeoutError
        ):
            exc = exc.__context__  # smtplib reports a read timeout as a lost connection
        if session.committed and not isinstance(exc, smtplib.SMTPResponseException):
            return self._in_doubt(exc, session)
        if isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPResponseException):
            return self._classify_reply(exc)
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return PermanentMailError(f"{where}: {exc}; check [mail.smtp] security")
        if isinstance(exc, ssl.SSLCertVerificationError):
            return PermanentMailError(
                f"{where}: TLS certificate not trusted ({exc.verify_message or exc}); "
                "check [mail.smtp] host or the system's trusted certificates"
            )
        if isinstance(exc, smtplib.SMTPException) and not isinstance(
            exc, smtplib.SMTPServerDisconnected
        ):
            return PermanentMailError(f"{where}: {exc}")  # e.g. no AUTH method in common
        return TransientMailError(_unreachable(where, exc, session), receiver_down=True)

    def _in_doubt(self, exc: BaseException, session: SmtpSession) -> MailError:
        what = (
            f"did not answer the end of the message within {session.waiting[1]:g} s"
            if isinstance(exc, TimeoutError)
            else f"lost the connection before answering the end of the message ({exc})"
        )
        return InDoubtMailError(f"SMTP {self.server} {what}: it may have taken the message")

    def _classify_reply(
        self, exc: smtplib.SMTPRecipientsRefused | smtplib.SMTPResponseException
    ) -> MailError:
        """Our error for an SMTP reply: 4xx try again, 5xx do not; 421 and a refused
        greeting mean the server, not the message."""
        where = f"SMTP {self.server}"
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            refused = _decoded(exc.recipients)
            text = f"{where} refused every recipient: {_refusals(exc.recipients)}"
            down = any(code == _CLOSING for code, _ in refused.values())
            if all(400 <= code < 500 for code, _ in refused.values()):
                return TransientMailError(text, receiver_down=down)
            return PermanentMailError(text, refused=refused)
        reply = _reply(exc.smtp_code, exc.smtp_error)
        down = exc.smtp_code == _CLOSING or isinstance(exc, smtplib.SMTPConnectError)
        if 400 <= exc.smtp_code < 500:
            return TransientMailError(
                f"{where} answered {reply}", exc.smtp_code, receiver_down=down
            )
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return PermanentMailError(
                f"{where} refused the login of {self.username!r}: {reply}; check [mail.smtp] "
                "username and the password variable",
                exc.smtp_code,
            )
        return PermanentMailError(f"{where} answered {reply}", exc.smtp_code, receiver_down=down)


def transport_for(settings: Settings | MailSettings) -> SmtpTransport | FileTransport:
    """The transport ``[mail]`` configures. With the whole :class:`Settings`, a relative
    ``[mail.file] dir`` is taken from the config file's folder; with :class:`MailSettings`
    alone, from the current folder."""
    mail = settings.mail if isinstance(settings, Settings) else settings
    if mail.transport == "file":
        folder = mail.file.dir
        return FileTransport(settings.resolve(folder) if isinstance(settings, Settings) else folder)
    smtp = mail.smtp
    return SmtpTransport(
        host=smtp.host,
        port=smtp.port,
        security=smtp.security,
        username=smtp.username,
        password_env=smtp.password_env,
        timeout=smtp.timeout,
    )


def check_transport(settings: Settings) -> None:
    """Raise the :class:`~monitor.errors.ConfigError` sending would meet — a password
    variable that is not set, a login without one — before a job records a run or queues a
    message; nothing is sent and nothing is connected to."""
    transport_for(settings)


def _envelope(recipient: str) -> str:
    """The address of ``recipient`` as SMTP carries it (ASCII: an IDN domain in Punycode)."""
    return ascii_address(parseaddr(recipient)[1] or recipient, local=True)


def _goodbye(session: SmtpSession) -> None:
    """QUIT; the message is accepted and recorded already, so a failed goodbye changes
    nothing."""
    try:
        session.quit()
    except (smtplib.SMTPException, OSError):
        session.close()


def _unreachable(where: str, exc: BaseException, session: SmtpSession) -> str:
    """The sentence for a server that cannot be reached or stopped answering."""
    if isinstance(exc, TimeoutError):
        what, seconds = session.waiting
        return f"{where} did not answer within {seconds:g} s (waiting for {what})"
    if isinstance(exc, ConnectionRefusedError):
        return f"{where} refused the connection"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"{where} closed the connection: {exc}"
    return f"{where} cannot be reached: {exc}"


def _reply(code: int, text: bytes | str) -> str:
    """An SMTP reply as one line: ``550 5.1.1 no such user``."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}".strip()


def _decoded(refused: dict[str, tuple[int, bytes]]) -> dict[str, tuple[int, str]]:
    return {
        addr: (code, text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text))
        for addr, (code, text) in refused.items()
    }


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(f"{addr} ({_reply(code, text)})" for addr, (code, text) in refused.items())
