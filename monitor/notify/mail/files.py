"""The file transport: each message into a folder as an ``.eml`` file (demo, tests, air gaps)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from monitor.notify.mail.errors import PermanentMailError, TransientMailError
from monitor.notify.mail.message import message_recipients
from monitor.notify.receiver import NO_JOURNAL, Journal

__all__ = ["FileTransport"]


class FileTransport:
    """Write each message into ``dir`` as ``<UTC time>-<key prefix>.eml`` (RFC 5322, CRLF).

    The time is the message's Date header in UTC (``20240312T013000Z``; the clock only when
    the message has no Date), the key prefix the first 16 characters of its Message-ID, so
    writing the same message again replaces its file instead of adding a second (which is
    also why a file needs no "in flight" mark: writing it twice changes nothing). The folder
    is created when missing; a file appears complete or not at all (temporary file, then
    rename). A file has no envelope: every recipient "has" the message once it is written.
    """

    def __init__(self, dir: str | os.PathLike[str]) -> None:
        self.dir = Path(dir)

    def __repr__(self) -> str:
        return f"FileTransport({str(self.dir)!r})"

    def path_for(self, msg: EmailMessage) -> Path:
        """Where ``msg`` is (or would be) written."""
        return self.dir / f"{_utc_stamp(msg)}-{_key_prefix(msg)}.eml"

    def send(
        self,
        msg: EmailMessage,
        recipients: Sequence[str] | None = None,
        journal: Journal = NO_JOURNAL,
    ) -> None:
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
                f"mail folder {self.dir}: writing {target.name} failed: {exc}"
            ) from exc
        journal.accepted(list(recipients) if recipients is not None else message_recipients(msg))


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
