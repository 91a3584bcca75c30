"""Sending a message: over SMTP, or into a folder of ``.eml`` files (demo, tests, air gaps).

A transport is a receiver (:class:`~monitor.notify.receiver.Receiver`): one method,
``send(msg)``. It returns when the message is handed over and raises one of two errors
otherwise, so the outbox knows whether to try again:

- :class:`TransientMailError`: try again later. The server could not be reached (connection
  refused, timeout, network down), it dropped the connection, or it answered 4xx.
- :class:`PermanentMailError`: the same message will fail again until someone changes
  something. The server answered 5xx, refused recipients, refused the login, the TLS
  certificate is not trusted, or the server lacks STARTTLS / AUTH. Also raised when only some
  recipients were refused: the others have the message, so sending it again would repeat it.

Every message names the server (``host:port``) or the folder.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Literal, Protocol

from monitor.config import MailSettings, Settings, secret
from monitor.errors import ConfigError
from monitor.notify.receiver import DeliveryError, PermanentError, TransientError

__all__ = [
    "FileTransport",
    "MailError",
    "PermanentMailError",
    "SmtpTransport",
    "TransientMailError",
    "Transport",
    "transport_for",
]

Security = Literal["none", "starttls", "ssl"]


class MailError(DeliveryError):
    """A message could not be handed over; ``code`` is the SMTP reply code, if any."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TransientMailError(MailError, TransientError):
    """Try again later: connection refused or lost, timeout, or a 4xx answer."""


class PermanentMailError(MailError, PermanentError):
    """Trying again will not help: a 5xx answer, refused recipients or login, untrusted TLS.

    ``refused`` maps each refused recipient to the server's ``(code, text)``.
    """

    def __init__(
        self,
        message: str,
        code: int | None = None,
        refused: dict[str, tuple[int, str]] | None = None,
    ) -> None:
        super().__init__(message, code)
        self.refused = refused or {}


class Transport(Protocol):
    """What the outbox needs of a transport."""

    def send(self, msg: EmailMessage) -> None:
        """Hand ``msg`` over; raise :class:`TransientMailError` or :class:`PermanentMailError`."""
        ...


class SmtpTransport:
    """Send through an SMTP server (RFC 5321), plain, with STARTTLS or over implicit TLS.

    ``security``: "none" (plain, port 25), "starttls" (upgrade after EHLO, usually port 587)
    or "ssl" (TLS from the first byte, usually port 465). With ``username`` the transport logs
    in with the password held in the environment variable ``password_env`` (read here, so a
    missing variable is a :class:`~monitor.errors.ConfigError` at start, not at the first
    alert). ``ssl_context`` replaces the system's default trust (tests, private CAs).
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

    def send(self, msg: EmailMessage) -> None:
        """Deliver ``msg`` to the server for its From / To / Cc / Bcc addresses."""
        try:
            refused = self._deliver(msg)
        except (smtplib.SMTPException, OSError) as exc:
            raise self._classify(exc) from exc
        if refused:
            raise PermanentMailError(
                f"SMTP {self.server} accepted the message but refused {_refusals(refused)}; "
                "the other recipients have it",
                refused=_decoded(refused),
            )

    def _deliver(self, msg: EmailMessage) -> dict[str, tuple[int, bytes]]:
        """One SMTP session; returns the recipients refused while others were accepted."""
        smtp = self._connect()
        try:
            if self.security == "starttls":
                smtp.starttls(context=self._context())
            if self.username and self._password is not None:
                smtp.login(self.username, self._password)
            refused = smtp.send_message(msg)
        except BaseException:
            smtp.close()
            raise
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()  # the message is already accepted: a failed goodbye changes nothing
        return refused

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._context()
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def _classify(self, exc: smtplib.SMTPException | OSError) -> MailError:
        """Our error for a failure of smtplib, ssl or the network."""
        if isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPResponseException):
            return self._classify_reply(exc)
        where = f"SMTP {self.server}"
        if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(
            exc.__context__, TimeoutError
        ):
            exc = exc.__context__  # smtplib reports a read timeout as a lost connection
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return TransientMailError(f"{where} closed the connection: {exc}; will try again")
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return PermanentMailError(f"{where}: {exc}; check [mail.smtp] security")
        if isinstance(exc, ssl.SSLCertVerificationError):
            return PermanentMailError(
                f"{where}: TLS certificate not trusted ({exc.verify_message or exc}); "
                "check [mail.smtp] host or the system's trusted certificates"
            )
        if isinstance(exc, TimeoutError):
            return TransientMailError(
                f"{where} did not answer within {self.timeout:g} s; will try again"
            )
        if isinstance(exc, ConnectionRefusedError):
            return TransientMailError(f"{where} refused the connection; will try again")
        if isinstance(exc, OSError):
            return TransientMailError(f"{where} cannot be reached: {exc}; will try again")
        return PermanentMailError(f"{where}: {exc}")  # e.g. no AUTH method in common

    def _classify_reply(
        self, exc: smtplib.SMTPRecipientsRefused | smtplib.SMTPResponseException
    ) -> MailError:
        """Our error for an SMTP reply: 4xx try again, 5xx do not."""
        where = f"SMTP {self.server}"
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            refused = _decoded(exc.recipients)
            text = f"{where} refused every recipient: {_refusals(exc.recipients)}"
            if all(400 <= code < 500 for code, _ in refused.values()):
                return TransientMailError(text + "; will try again")
            return PermanentMailError(text, refused=refused)
        reply = _reply(exc.smtp_code, exc.smtp_error)
        if 400 <= exc.smtp_code < 500:
            return TransientMailError(f"{where} answered {reply}; will try again", exc.smtp_code)
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return PermanentMailError(
                f"{where} refused the login of {self.username!r}: {reply}; check [mail.smtp] "
                "username and the password variable",
                exc.smtp_code,
            )
        return PermanentMailError(f"{where} answered {reply}", exc.smtp_code)


class FileTransport:
    """Write each message into ``dir`` as ``<UTC time>-<key prefix>.eml`` (RFC 5322, CRLF).

    The time is the message's Date header in UTC (``20240312T013000Z``; the clock only when
    the message has no Date), the key prefix the first 16 characters of its Message-ID, so
    writing the same message again replaces its file instead of adding a second. The folder
    is created when missing; a file appears complete or not at all (temporary file, then
    rename).
    """

    def __init__(self, dir: str | os.PathLike[str]) -> None:
        self.dir = Path(dir)

    def __repr__(self) -> str:
        return f"FileTransport({str(self.dir)!r})"

    def path_for(self, msg: EmailMessage) -> Path:
        """Where ``msg`` is (or would be) written."""
        return self.dir / f"{_utc_stamp(msg)}-{_key_prefix(msg)}.eml"

    def send(self, msg: EmailMessage) -> None:
        """Write ``msg``; :class:`PermanentMailError` when the folder cannot be written to."""
        target = self.path_for(msg)
        data = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".", suffix=".eml.tmp")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except (PermissionError, FileExistsError, NotADirectoryError, IsADirectoryError) as exc:
            raise PermanentMailError(
                f"mail folder {self.dir} cannot be written to: {exc}; check [mail.file] dir"
            ) from exc
        except OSError as exc:
            raise TransientMailError(
                f"mail folder {self.dir}: writing {target.name} failed: {exc}; will try again"
            ) from exc


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


def _utc_stamp(msg: EmailMessage) -> str:
    moment = None
    if msg["Date"]:
        try:
            moment = parsedate_to_datetime(str(msg["Date"]))
        except (TypeError, ValueError):
            moment = None
    if moment is None or moment.tzinfo is None:
        moment = datetime.now(UTC)
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _key_prefix(msg: EmailMessage) -> str:
    msgid = str(msg["Message-ID"] or "").strip().lstrip("<")
    local = "".join(c for c in msgid.split("@", 1)[0] if c.isalnum() or c in "-_")
    return local[:16] or "message"
